"""When an accepted volunteer dropped out, so that the sweeper can tell a place given back from
an open offer withdrawn because it was no longer needed (workers/upkeep.py).

Offers withdrawn before this have no such mark; those whose confirmation had gone out were
accepted, so they were given back, at the time they were withdrawn.
"""

from django.db import migrations, models


def mark_released(apps, schema_editor):
    offer_model = apps.get_model("requests", "Offer")
    offer_model.objects.using(schema_editor.connection.alias).filter(
        status="withdrawn", confirmation_sent_at__isnull=False, released_at__isnull=True
    ).update(released_at=models.F("responded_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0006_offer_history_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="released_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="dropped out at"),
        ),
        migrations.RunPython(mark_released, migrations.RunPython.noop),
    ]
