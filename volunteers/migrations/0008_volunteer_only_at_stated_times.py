"""Each volunteer says whether their weekly times are strict; everyone stored so far is not.

The column's default (False, "also at other times") fills the existing rows: see
docs/decisions.md for why the people registered before the choice become flexible.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0007_join_touching_slots"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="only_at_stated_times",
            field=models.BooleanField(
                choices=[(True, "only at these times"), (False, "also at other times")],
                default=False,
                help_text="Only at these times: never asked outside the weekly times or beyond the travel limit. Also at other times: the weekly times are the usual ones; asked at other times, up to 1.5 times the travel limit and for phone or video tasks at any distance when nobody else can.",
                verbose_name="weekly times",
            ),
        ),
    ]
