"""A year of invented requests and offers, so the demo's dashboard and statistics say something.

Called by `seed_demo` after the offices and volunteers exist, and only while there are no
requests at all: a second run (or a database in use) gets nothing. Drawn from a seeded
`random.Random`, relative to the day it runs: past months end completed (with hours), unfilled
or cancelled, with declines and their reasons and a few drop-outs, and the outcomes of their
assignments (answered and confirmed, but for the latest, whose check-in beat sends when the demo
starts); the coming two weeks hold open, offering and filled requests.

The rows are written as the workers and the volunteers would have left them, directly and
without events: no email goes out for a demo, and no wave is planned for the past. Offers
carry no link (nobody can answer them).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from requests.models import AppointmentKind, Offer, Office, Outcome, Request, RequestLanguage
from volunteers import places
from volunteers.models import Skill, SpokenLanguage, Volunteer
from volunteers.places import BERLIN

MONTHS_BACK = 12
DAYS_AHEAD = 14
SEED = 20261
DROP_OUT_SHARE = 0.1  # of filled past requests asked of several people

# What the offices ask for: mostly interpreting, in the network's languages (German always).
LANGUAGES: Sequence[tuple[str, float]] = (
    ("ar", 26), ("fa", 18), ("prs", 8), ("tr", 8), ("uk", 10), ("ru", 6),
    ("ti", 5), ("ckb", 5), ("kmr", 4), ("so", 4), ("ps", 3), ("fr", 3),
)  # fmt: skip
SKILLS: Sequence[tuple[str, float]] = (
    ("interpreting", 70), ("letters", 10), ("accompaniment", 12), ("homework-help", 4),
    ("bike-repair", 4),
)  # fmt: skip
REASONS: Sequence[tuple[str, float]] = (
    ("no_time", 55), ("too_far", 15), ("not_suitable", 12), ("other", 6), ("", 12),
)  # fmt: skip
NOTES = (
    "Termin beim Jobcenter, Eingang B",
    "Elterngespräch in der Grundschule",
    "Arzttermin, bitte 10 Minuten früher da sein",
    "Ausländerbehörde, Wartebereich 2. Etage",
    "",
    "",
)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _speakers() -> dict[str, list[int]]:
    """Demo volunteers per language they speak, to make the offers believable."""
    by_code: dict[str, list[int]] = {}
    for volunteer_id, code in SpokenLanguage.objects.filter(
        volunteer__status=Volunteer.Status.ACTIVE
    ).values_list("volunteer_id", "code"):
        by_code.setdefault(code, []).append(volunteer_id)
    return by_code


def _slot(rng: random.Random, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 13, 14])), tzinfo=BERLIN)
    return start, start + dt.timedelta(minutes=rng.choice([60, 90, 120]))


def _weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@transaction.atomic
def seed_history(*, now: dt.datetime | None = None) -> int:
    """Create the demo's requests and offers; returns how many requests (0 if any existed)."""
    if Request.objects.exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(SEED)  # noqa: S311 - invented demo data, the same on every machine
    # Drop-outs draw from their own generator, so the rest of the history stays as it was.
    drops = random.Random(SEED + 1)  # noqa: S311 - invented demo data
    skills = {skill.code: skill for skill in Skill.objects.all()}
    speakers = _speakers()
    everyone = list(
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).values_list("pk", flat=True)
    )
    offices = list(Office.objects.filter(is_active=True).order_by("name"))
    if not skills or not everyone or not offices:
        return 0
    today = now.astimezone(BERLIN).date()
    past_days = _weekdays(today - dt.timedelta(days=MONTHS_BACK * 30), today - dt.timedelta(days=1))
    coming_days = _weekdays(today + dt.timedelta(days=1), today + dt.timedelta(days=DAYS_AHEAD))
    plans: list[tuple[Request, list[str], list[Offer]]] = []
    for office in offices:
        # Busier offices ask more: between 2 and 6 requests a week.
        weekly = rng.uniform(2, 6)
        for day in past_days:
            if rng.random() < weekly / 5:
                plans.append(_past(rng, office, day, skills, speakers, everyone, drops))
        for day in coming_days:
            if rng.random() < weekly / 5:
                plans.append(_coming(rng, office, day, skills, speakers, everyone, now=now))
    _add_kinds_and_remote([request for request, _codes, _offers in plans])
    written = _write(plans)
    _add_outcomes(random.Random(SEED + 2), now=now)  # noqa: S311 - invented demo data
    return written


# Kinds of appointment by what is needed; the other requests (a festival, a language café)
# have none. Phone/video appointments carry an invented way to connect.
DEMO_KINDS = {
    "interpreting": ["jobcenter", "foreigners-office", "doctor", "school", "social-welfare-office"],
    "accompaniment": ["jobcenter", "foreigners-office", "family-benefits", "housing"],
    "letters": ["jobcenter", "family-benefits", "housing", "bank"],
}
NOTE_OF_KIND = {
    "jobcenter": "Termin beim Jobcenter, Eingang B",
    "school": "Elterngespräch in der Grundschule",
    "doctor": "Arzttermin, bitte 10 Minuten früher da sein",
    "foreigners-office": "Ausländerbehörde, Wartebereich 2. Etage",
    "social-welfare-office": "Sozialamt, Zimmer 114",
    "family-benefits": "Familienkasse, Antrag auf Kindergeld",
    "housing": "Wohnungsübergabe mit der Vermieterin",
}
KIND_OF_NOTE = {note: kind for kind, note in NOTE_OF_KIND.items()}
DEMO_CONNECTIONS = [
    "Videosprechstunde: https://video.lotse.example/raum/{n}",
    "Telefonkonferenz: 0231 000 00{n}, PIN {n}4",
]


def _add_kinds_and_remote(new_requests: list[Request]) -> None:
    """Kinds for most demo requests, and some interpreting by phone or video with a way to
    connect; from their own generator, so the rest of the history stays as it was."""
    kinds = {kind.code: kind for kind in AppointmentKind.objects.filter(is_active=True)}
    rng = random.Random(SEED + 2)  # noqa: S311 - invented demo data
    for n, request in enumerate(new_requests):
        choices = [kinds[c] for c in DEMO_KINDS.get(request.skill.code, []) if c in kinds]
        if choices and rng.random() < 0.8:
            request.kind = rng.choice(choices)
            # The note must not contradict the kind (a doctor's note on a Jobcenter card).
            if request.note and KIND_OF_NOTE.get(request.note) != request.kind.code:
                request.note = NOTE_OF_KIND.get(request.kind.code, "")
        if request.skill.code == "interpreting" and rng.random() < 0.1:
            request.remote = True
            request.postcode, request.address, request.district, request.lat, request.lon = (
                "",
                "",
                "",
                None,
                None,
            )
            request.connection = rng.choice(DEMO_CONNECTIONS).format(n=100 + n % 900)


def _base(
    rng: random.Random, office: Office, day: dt.date, skills: dict[str, Skill]
) -> tuple[Request, list[str]]:
    skill = skills.get(_pick(rng, SKILLS)) or next(iter(skills.values()))
    starts_at, ends_at = _slot(rng, day)
    postcode = office.postcode
    place = places.lookup(postcode)
    request = Request(
        office=office,
        skill=skill,
        starts_at=starts_at,
        ends_at=ends_at,
        postcode=postcode,
        address=office.street,
        district=place.district if place else "",
        lat=place.point.lat if place else None,
        lon=place.point.lon if place else None,
        note=rng.choice(NOTES),
        auto_offer=True,
    )
    return request, [_pick(rng, LANGUAGES), "de"]


def _people(
    rng: random.Random, code: str, speakers: dict[str, list[int]], everyone: list[int], n: int
) -> list[int]:
    pool = speakers.get(code) or everyone
    return rng.sample(pool, min(n, len(pool)))


def _past(
    rng: random.Random,
    office: Office,
    day: dt.date,
    skills: dict[str, Skill],
    speakers: dict[str, list[int]],
    everyone: list[int],
    drops: random.Random,
) -> tuple[Request, list[str], list[Offer]]:
    request, codes = _base(rng, office, day, skills)
    request.created_at = request.starts_at - dt.timedelta(days=rng.uniform(2, 12))
    people = _people(rng, codes[0], speakers, everyone, rng.randint(1, 5))
    offers: list[Offer] = []
    roll = rng.random()
    sent_at = request.created_at + dt.timedelta(minutes=rng.uniform(1, 20))
    if roll < 0.08:
        request.status, request.closed_at = (
            Request.Status.CANCELLED,
            request.starts_at - dt.timedelta(days=1),
        )
        return request, codes, offers
    # The last person asked accepts, unless nobody was found (about one request in eight).
    found = roll >= 0.2
    for i, volunteer_id in enumerate(people):
        answered = sent_at + dt.timedelta(hours=rng.uniform(0.5, 30))
        asked = {"volunteer_id": volunteer_id, "wave": 1 + i // 2, "sent_at": sent_at}
        if i == len(people) - 1 and found:
            hours = Decimal((request.ends_at - request.starts_at).seconds // 900) / 4
            offers.append(
                Offer(**asked, status=Offer.Status.ACCEPTED, responded_at=answered, hours=hours)
            )
            request.status, request.accepted_count = Request.Status.COMPLETED, 1
            request.filled_at, request.closed_at = answered, request.ends_at + dt.timedelta(days=1)
        elif rng.random() < 0.7:
            reason = _pick(rng, REASONS)
            offers.append(
                Offer(
                    **asked,
                    status=Offer.Status.DECLINED,
                    responded_at=answered,
                    decline_reason=reason,
                )
            )
        else:
            offers.append(
                Offer(**asked, status=Offer.Status.EXPIRED, responded_at=request.starts_at)
            )
    if not found:
        request.status, request.closed_at = Request.Status.UNFILLED, request.starts_at
    elif len(offers) > 1 and drops.random() < DROP_OUT_SHARE:
        # The one asked before the last had taken the place and gave it back.
        gave_back = offers[-2]
        gave_back.status, gave_back.decline_reason = Offer.Status.WITHDRAWN, ""
        gave_back.released_at = gave_back.responded_at
    return request, codes, offers


def _coming(
    rng: random.Random,
    office: Office,
    day: dt.date,
    skills: dict[str, Skill],
    speakers: dict[str, list[int]],
    everyone: list[int],
    *,
    now: dt.datetime,
) -> tuple[Request, list[str], list[Offer]]:
    request, codes = _base(rng, office, day, skills)
    request.created_at = now - dt.timedelta(hours=rng.uniform(1, 72))
    sent_at = request.created_at + dt.timedelta(minutes=5)
    people = _people(rng, codes[0], speakers, everyone, rng.randint(2, 4))
    roll = rng.random()
    if roll < 0.25:
        request.auto_offer = False  # waiting for staff to pick someone
        return request, codes, []
    offers = [
        Offer(volunteer_id=pk, wave=1, status=Offer.Status.SENT, sent_at=sent_at) for pk in people
    ]
    request.status = Request.Status.OFFERING
    if roll > 0.55:
        answered = sent_at + dt.timedelta(hours=rng.uniform(0.2, 10))
        offers[0].status, offers[0].responded_at = Offer.Status.ACCEPTED, min(answered, now)
        for other in offers[1:]:
            other.status, other.responded_at = Offer.Status.WITHDRAWN, min(answered, now)
        request.status, request.accepted_count, request.filled_at = (
            Request.Status.FILLED,
            1,
            min(answered, now),
        )
    elif len(offers) > 1:
        offers[1].status = Offer.Status.DECLINED
        offers[1].responded_at = min(sent_at + dt.timedelta(hours=2), now)
        offers[1].decline_reason = _pick(rng, REASONS)
    return request, codes, offers


def _write(plans: list[tuple[Request, list[str], list[Offer]]]) -> int:
    created_at = [request.created_at for request, _codes, _offers in plans]
    rows = Request.objects.bulk_create([request for request, _codes, _offers in plans])
    # auto_now_add stamped "now" on every row: put the invented recording times back.
    for row, when in zip(rows, created_at, strict=True):
        row.created_at = when
    Request.objects.bulk_update(rows, ["created_at"])
    languages, offers = [], []
    for row, (_need, codes, planned) in zip(rows, plans, strict=True):
        languages += [
            RequestLanguage(request=row, code=code, position=i) for i, code in enumerate(codes)
        ]
        for offer in planned:
            offer.request = row
            offers.append(offer)
    RequestLanguage.objects.bulk_create(languages)
    made = Offer.objects.bulk_create(offers)
    for offer in made:
        offer.created_at = offer.sent_at or offer.request.created_at
    Offer.objects.bulk_update(made, ["created_at"])
    return len(rows)


# What became of the past assignments, as volunteers answered their check-ins and offices
# confirmed them: mostly as planned, sometimes the client did not come.
DEMO_RESULTS: Sequence[tuple[str, float]] = (
    (Outcome.Result.TOOK_PLACE, 88), (Outcome.Result.CLIENT_NO_SHOW, 6),
    (Outcome.Result.CANCELLED, 3), (Outcome.Result.VOLUNTEER_NO_SHOW, 3),
)  # fmt: skip


def _add_outcomes(rng: random.Random, *, now: dt.datetime) -> int:
    """The outcomes of the past completed requests, answered and confirmed; the latest one is
    left without, so that beat sends its check-in when `make run` starts (the dev mailbox shows
    it, and its link answers it)."""
    done = list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            request__status=Request.Status.COMPLETED,
            request__ends_at__lt=now,
        )
        .select_related("request")
        .order_by("request__ends_at", "pk")
    )
    rows = []
    for offer in done[:-1]:
        request = offer.request
        result = _pick(rng, DEMO_RESULTS)
        took_place = result == Outcome.Result.TOOK_PLACE
        sent_at = request.ends_at + dt.timedelta(hours=1)
        rows.append(
            Outcome(
                offer=offer,
                volunteer_id=offer.volunteer_id,
                result=result,
                hours=offer.hours if took_place else Decimal(0),
                km=Decimal(rng.randint(2, 18)) if took_place and rng.random() < 0.4 else None,
                due_at=sent_at,
                queued_at=sent_at,
                sent_at=sent_at,
                answered_at=sent_at + dt.timedelta(hours=rng.uniform(0.2, 20)),
                confirmed_at=min(request.closed_at or now, now),
            )
        )
        if not took_place:
            offer.hours = Decimal(0)
    Offer.objects.bulk_update(done[:-1], ["hours"])
    return len(Outcome.objects.bulk_create(rows))
