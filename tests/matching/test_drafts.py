"""A request not saved yet is ranked exactly like the same request once saved."""

from django.utils import timezone

import matching
from matching import drafts
from requests import lifecycle
from tests.factories.requests import at, next_weekday
from tests.factories.volunteers import VolunteerFactory, skill


def test_it_ranks_a_draft_like_the_saved_request(office_a, db):
    """Same people, same order, same reasons: the new-request page shows what offers will use."""
    for name, level, postcode in [
        ("Near Native", "native", "44147"),
        ("Far Native", "native", "44357"),
        ("Near C1", "C1", "44145"),
    ]:
        VolunteerFactory(
            name=name,
            postcode=postcode,
            max_distance_km=30,
            languages=[("fa", level), ("de", "C1")],
            skills=["interpreting"],
            availability=[(day, "08:00", "18:00") for day in range(7)],
        )
    VolunteerFactory(languages=[("ar", "native"), ("de", "C1")], skills=["interpreting"])
    day = next_weekday(1)
    fields = {
        "skill": skill("interpreting"),
        "languages": ["fa", "de"],
        "starts_at": at(day, "10:00"),
        "ends_at": at(day, "11:30"),
    }
    place = lifecycle.place_fields(remote=False, postcode="44147")
    draft = drafts.DraftRequest(office=office_a, place=place, **fields)
    saved = lifecycle.create_request(
        office=office_a, created_by=None, postcode="44147", now=timezone.now(), **fields
    )
    from_draft = drafts.rank_draft(draft, limit=10)
    from_saved = matching.rank(saved, limit=10)
    assert len(from_draft) == 3
    assert [(m.volunteer_id, m.reasons) for m in from_draft] == [
        (m.volunteer_id, m.reasons) for m in from_saved
    ]
