"""Weekly slots of one day that touch (9–12 and 12–15) become one (9–15).

A task is matched to one slot that covers it, so someone free 9–12 and 12–15 was never asked
for 11–13. Profiles now join such slots when they are saved (`profiles.check_slots`); this
joins the ones stored before. Nothing to undo: the joined slot covers the same minutes.
"""

from django.db import migrations


def join_touching(apps, schema_editor):
    slot_model = apps.get_model("volunteers", "AvailabilitySlot")
    slots = slot_model.objects.using(schema_editor.connection.alias).order_by(
        "volunteer_id", "weekday", "start"
    )
    last = None
    extended = {}
    gone = []
    for slot in slots.only("pk", "volunteer_id", "weekday", "start", "end").iterator():
        if last is not None and (last.volunteer_id, last.weekday, last.end) == (
            slot.volunteer_id,
            slot.weekday,
            slot.start,
        ):
            last.end = slot.end
            extended[last.pk] = last
            gone.append(slot.pk)
        else:
            last = slot
    # The pieces go first, so that no moment has the longer slot next to them.
    slots.filter(pk__in=gone).delete()
    slot_model.objects.using(schema_editor.connection.alias).bulk_update(
        list(extended.values()), ["end"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0006_skill_level_index"),
    ]

    operations = [
        migrations.RunPython(join_touching, migrations.RunPython.noop),
    ]
