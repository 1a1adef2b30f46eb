"""Indexes for matching at scale (`make bench`, docs/benchmarks.md "rank() at scale").

`matching.eligibility.eligible_for` starts from the people who speak a needed language, are free on
the weekday, or offer the skill, and joins those sets by volunteer. With the volunteer in each
index's key, PostgreSQL reads every set from the index alone (an index-only scan) instead of
visiting a table row per person.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0003_volunteer_profiles"),
    ]

    operations = [
        # Speakers of a language at a level: (code, level) plus the volunteer.
        migrations.RemoveIndex(model_name="spokenlanguage", name="spoken_language_code_level"),
        migrations.AddIndex(
            model_name="spokenlanguage",
            index=models.Index(
                fields=["code", "level", "volunteer"], name="spoken_code_level_volunteer"
            ),
        ),
        # Free at a time: weekday, a range of start times, the end checked in the index.
        migrations.RemoveIndex(model_name="availabilityslot", name="slot_weekday_time"),
        migrations.AddIndex(
            model_name="availabilityslot",
            index=models.Index(
                fields=["weekday", "start", "end", "volunteer"], name="slot_weekday_time_volunteer"
            ),
        ),
        # Offering a skill: (skill, volunteer) replaces the foreign key's own index on the skill.
        migrations.AlterField(
            model_name="volunteerskill",
            name="skill",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="volunteers.skill",
            ),
        ),
        migrations.AddIndex(
            model_name="volunteerskill",
            index=models.Index(fields=["skill", "volunteer"], name="volunteer_skill_by_skill"),
        ),
    ]
