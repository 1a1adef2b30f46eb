"""The prior score and its reasons, without a database: features in, ranked matches out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from django.utils import translation

from matching import Match, prior, scoring
from volunteers.models import Level

PERSIAN_GERMAN = scoring.Demand(
    languages=("fa", "de"), acceptable=({"fa": 0, "prs": 4}, {"de": 0}), remote=False
)


@dataclass
class Person:
    """One volunteer's features, written the way staff would describe them."""

    id: int
    spoken: list[tuple[str, str]] = field(default_factory=lambda: [("fa", "native"), ("de", "C1")])
    km: float = 2.0
    max_km: float = 10.0
    accepted: int = 0
    decided: int = 0
    recent: int = 0


def pool_of(*people: Person) -> scoring.Pool:
    rows = [(i, code, level) for i, p in enumerate(people) for code, level in p.spoken]
    return scoring.Pool(
        volunteer_id=np.array([p.id for p in people], dtype=np.int64),
        distance_km=np.array([p.km for p in people], dtype=float),
        max_distance_km=np.array([p.max_km for p in people], dtype=float),
        accepted=np.array([p.accepted for p in people], dtype=np.int64),
        decided=np.array([p.decided for p in people], dtype=np.int64),
        recent_accepted=np.array([p.recent for p in people], dtype=np.int64),
        spoken_owner=np.array([row[0] for row in rows], dtype=np.int64),
        spoken_code=np.array([row[1] for row in rows], dtype=str),
        spoken_level=np.array([row[2] for row in rows], dtype=str),
    )


def ranked(*people: Person, demand: scoring.Demand = PERSIAN_GERMAN, **kwargs) -> list[Match]:
    with translation.override("en"):
        return scoring.rank(demand, pool_of(*people), **kwargs)


def ids(matches: list[Match]) -> list[int]:
    return [match.volunteer_id for match in matches]


def test_it_knows_the_levels_in_the_order_volunteers_choose_them():
    """The scoring's level table covers exactly the levels a volunteer can give, in order."""
    assert tuple(Level.values) == scoring.LEVELS
    assert set(scoring.LEVEL_WEIGHT) == set(Level.values)
    weights = [scoring.LEVEL_WEIGHT[level] for level in scoring.LEVELS]
    assert weights == sorted(weights)


def test_it_gives_reasons_true_to_the_numbers():
    """The reasons say the levels, the distance, the history and the recent load it scored."""
    (match,) = ranked(Person(1, km=2.14, accepted=8, decided=10, recent=1))
    assert match.reasons == [
        "Persian native, German C1",
        "2.0 km away",
        "accepted 8 of 10 offers",
        "1 task accepted in the last 30 days",
    ]
    assert match.distance_km == 2.1
    assert match.p_accept == pytest.approx(0.3 * (9 / 13) * 3, abs=1e-3)


def test_it_writes_numbers_the_german_way_for_german_staff():
    """In German, a decimal comma: "2,1 km"."""
    with translation.override("de"):
        (match,) = scoring.rank(PERSIAN_GERMAN, pool_of(Person(1, km=2.14)))
    assert any(reason.startswith("2,0 km") for reason in match.reasons)


def test_staff_and_volunteers_read_the_same_distance():
    """The staff's reason and the volunteer's offer page round alike: 3.3 km is "3.5 km"
    on both (volunteers.places.shown_km), never "3.3" on one and "about 3.5" on the other."""
    from volunteers import places

    (match,) = ranked(Person(1, km=3.3))
    assert "3.5 km away" in match.reasons
    assert places.shown_km(3.3) == 3.5
    assert places.shown_km(0.1) == 0.5


def test_it_says_when_someone_has_no_history_and_starts_them_at_the_prior():
    """Without answered offers the chance of accepting is the prior 0.3, and the reason says
    that there is no history yet."""
    (match,) = ranked(Person(1))
    assert match.p_accept == pytest.approx(prior.BASE_P_ACCEPT)
    assert "no answered offers yet" in match.reasons


def test_it_says_phone_or_video_instead_of_a_distance():
    """For a phone/video request there is no distance, and the reason says how it happens."""
    demand = scoring.Demand(languages=("fa",), acceptable=({"fa": 0},), remote=True)
    (match,) = ranked(Person(1, km=float("nan")), demand=demand)
    assert match.distance_km is None
    assert match.reasons[:2] == ["Persian native", "by phone/video"]


def test_it_says_same_area_for_the_same_postcode():
    """Two people in the same postcode area are 0 km apart on the map; say so plainly."""
    (match,) = ranked(Person(1, km=0.0))
    assert "same postcode area" in match.reasons


def test_it_keeps_to_four_reasons_with_the_languages_first():
    """At most four reasons; a close language is never the one dropped."""
    person = Person(1, spoken=[("prs", "C2"), ("de", "C1")], accepted=1, decided=2, recent=3)
    (match,) = ranked(person)
    assert match.reasons == [
        "German C1",
        "speaks Dari, close to Persian",
        "2.0 km away",
        "accepted 1 of 2 offers",
    ]


def test_it_ranks_nearer_people_first_when_all_else_is_equal():
    """Distance counts against the volunteer's own limit: 2 of 10 km beats 8 of 10 km."""
    assert ids(ranked(Person(1, km=8.0), Person(2, km=2.0))) == [2, 1]


def test_it_ranks_by_the_share_of_their_own_limit():
    """4 km for someone who travels 20 is a smaller ask than 3 km for someone who travels 5."""
    assert ids(ranked(Person(1, km=3.0, max_km=5), Person(2, km=4.0, max_km=20))) == [2, 1]


def test_it_ranks_people_who_accept_often_first():
    """8 of 10 accepted beats 1 of 10; someone new sits in between."""
    order = ids(
        ranked(Person(1, accepted=1, decided=10), Person(2), Person(3, accepted=8, decided=10))
    )
    assert order == [3, 2, 1]


def test_it_ranks_the_language_asked_for_above_a_close_one():
    """Persian native beats Dari native for a Persian request."""
    dari = Person(1, spoken=[("prs", "native"), ("de", "C1")])
    assert ids(ranked(dari, Person(2))) == [2, 1]


def test_it_ranks_higher_levels_first():
    """German C2 beats German B2 for interpreting."""
    b2 = Person(1, spoken=[("fa", "native"), ("de", "B2")])
    c2 = Person(2, spoken=[("fa", "native"), ("de", "C2")])
    assert ids(ranked(b2, c2)) == [2, 1]


def test_it_spreads_the_work_to_people_with_fewer_recent_tasks():
    """Three tasks in the last 30 days lower the score against someone with none."""
    assert ids(ranked(Person(1, recent=3), Person(2))) == [2, 1]


def test_it_prefers_the_language_asked_for_on_an_equal_fit():
    """Persian B2 (0.75) and Dari native (1.0 × 0.75) fit equally: the reason names Persian."""
    both = Person(1, spoken=[("fa", "B2"), ("prs", "native"), ("de", "C1")])
    (match,) = ranked(both)
    assert match.reasons[0] == "Persian B2, German C1"


def test_it_prefers_a_close_language_spoken_far_better():
    """Dari native (1.0 × 0.75) outweighs Persian B1 (0.6) for the same person."""
    both = Person(1, spoken=[("fa", "B1"), ("prs", "native"), ("de", "C1")])
    (match,) = ranked(both)
    assert "speaks Dari, close to Persian" in match.reasons


def test_it_breaks_ties_by_volunteer_id_and_numbers_the_ranks():
    """Equal scores are ordered by id, so a list never shuffles between two calls."""
    matches = ranked(Person(7), Person(3), Person(5))
    assert ids(matches) == [3, 5, 7]
    assert [match.rank for match in matches] == [1, 2, 3]
    assert len({match.score for match in matches}) == 1


def test_it_returns_only_the_best_few_when_limited():
    """`limit` cuts the list after the best ones."""
    assert ids(ranked(Person(1, km=9), Person(2, km=1), Person(3, km=5), limit=2)) == [2, 3]


def test_it_drops_someone_who_lacks_a_needed_language():
    """Should a row vanish between the queries, that person is not ranked without it."""
    assert ids(ranked(Person(1, spoken=[("fa", "native")]), Person(2))) == [2]


def test_it_ranks_nobody_in_an_empty_pool():
    """No candidates, no matches."""
    assert scoring.rank(PERSIAN_GERMAN, scoring.Pool.empty()) == []


def test_it_keeps_the_score_as_suitability_times_chance():
    """score = suitability × P(accept), both between 0 and 1."""
    pool = pool_of(Person(1, km=5, accepted=3, decided=4, recent=2))
    scores = scoring.score(PERSIAN_GERMAN, pool)
    suitability = ((1.0 + 0.9) / 2) * (1 - 0.5 * 5 / 10) * (1 / (1 + 0.25 * 2))
    assert scores.suitability[0] == pytest.approx(suitability)
    assert scores.p_accept[0] == pytest.approx(0.9 * 4 / 7)
    assert scores.score[0] == pytest.approx(suitability * 0.9 * 4 / 7)
