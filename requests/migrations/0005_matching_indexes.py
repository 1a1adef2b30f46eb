"""Indexes for matching at scale (`make bench`, docs/benchmarks.md "rank() at scale").

`matching.eligibility.eligible_for` asks, per candidate, how many offers they accepted in the
appointment's month and whether one overlaps it: (volunteer, status, request) answers from the
index, then the request by its key. Overlapping appointments are found by start time in every
office, which (office, starts_at) cannot serve.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0004_waves_and_failed_offers"),
        ("volunteers", "0003_volunteer_profiles"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="offer", name="offer_volunteer_status"),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                fields=["volunteer", "status", "request"], name="offer_volunteer_status_request"
            ),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(fields=["starts_at"], name="request_starts"),
        ),
    ]
