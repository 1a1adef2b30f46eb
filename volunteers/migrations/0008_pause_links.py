"""Personal links get a third purpose, "pause", and the profile links already sent become it.

Until now every email to a volunteer carried a 60-day profile link, also as its
`List-Unsubscribe` URL: a forwarded offer email, or a mail provider that fetched the header,
held full control of the profile. Which email carried which stored link is not recorded, so
every profile link already out there keeps only what every one of those emails promised:
pausing offers (the unsubscribe URL of old emails keeps working). A profile link is one email
away at "send me my link again". Undoing deletes pause links rather than giving them back the
profile.
"""

from django.db import migrations, models


def narrow_profile_links(apps, schema_editor):
    token_model = apps.get_model("volunteers", "PersonalToken")
    token_model.objects.using(schema_editor.connection.alias).filter(purpose="manage").update(
        purpose="pause"
    )


def drop_pause_links(apps, schema_editor):
    token_model = apps.get_model("volunteers", "PersonalToken")
    token_model.objects.using(schema_editor.connection.alias).filter(purpose="pause").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0007_join_touching_slots"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="personaltoken",
            name="token_purpose_valid",
        ),
        migrations.AlterField(
            model_name="personaltoken",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("confirm", "confirm email"),
                    ("manage", "manage profile"),
                    ("pause", "pause offers"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="personaltoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("purpose__in", ["confirm", "manage", "pause"])),
                name="token_purpose_valid",
            ),
        ),
        migrations.RunPython(narrow_profile_links, drop_pause_links),
    ]
