"""Why nobody fits a request: the hard constraints counted one step at a time, for staff.

When ranking finds nobody, "nobody meets every condition" leaves staff guessing what to change.
`funnel` counts the volunteers who meet the first step of `eligibility.steps` (active that day),
then those of them who also meet the next (the languages), and so on, and stops at the first
step that leaves nobody: that is the condition to look at (another time, a close language, by
phone) or the reason to ask someone by hand.

One count query per step, eight at most, and only when the list of candidates is empty; the
advice adds a few: who speaks a missing language at a lower level or a language near it (CLDR),
who of those out of reach helps by phone or video. On
PostgreSQL each step has its own match keys (languages, skill, the weekday's half hours), so a
count at 100k volunteers reads an index rather than every active person's rows; a test holds
the last count to `eligibility.eligible` on the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching import eligibility
from matching.conf import matching_settings
from matching.eligibility import Appointment
from matching.reasons import clock
from requests.calendar import language_names
from requests.models import Request
from volunteers import directory, languages
from volunteers.models import Level, SpokenLanguage, Volunteer, VolunteerQuerySet
from volunteers.translation import active_language


@dataclass(frozen=True)
class Stage:
    """Of the volunteers in the stage before, `count` also meet this condition."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    """Either `blocker` (the appointment itself rules everyone out) or the stages up to and
    including the first that leaves nobody (all of them, if somebody is left)."""

    blocker: str = ""
    stages: tuple[Stage, ...] = ()
    # What staff can do about the stage that leaves nobody.
    advice: str = ""

    @property
    def stop(self) -> Stage | None:
        """The stage that leaves nobody."""
        return next((stage for stage in self.stages if stage.count == 0), None)


def funnel(request: Request, *, now: dt.datetime | None = None) -> Funnel:
    """The funnel of `request` (saved, or a draft) at `now` (default: the current time)."""
    now = now or timezone.now()
    appointment = eligibility.appointment_of(request)
    reason = eligibility.unmatchable(appointment, now=now)
    if reason is not None:
        return Funnel(blocker=_blocker(reason, appointment))
    volunteers = directory.active_on(
        Volunteer.objects.not_erased(), day=appointment.local_start.date()
    )
    stages = []
    split = eligibility.steps(
        appointment, use_match_keys=eligibility.uses_match_keys(), one_step_at_a_time=True
    )
    for step in split:
        in_person_reach = step.key == eligibility.REACH and not appointment.remote
        if not step.conditions and not in_person_reach:
            continue  # nothing asked at this step (no wishes; a draft not asked yet)
        before = volunteers
        volunteers = volunteers.filter(*step.conditions)
        if in_person_reach:
            volunteers = eligibility.within_reach(volunteers, appointment)
        count = volunteers.count()
        stages.append(Stage(step.key, _label(step.key, appointment, request), count))
        if count == 0:
            advice = _advice(step.key, appointment, request, before=before)
            return Funnel(stages=tuple(stages), advice=advice)
    return Funnel(stages=tuple(stages))


def _blocker(reason: str, appointment: Appointment) -> str:
    if reason == eligibility.STARTED:
        return _("The appointment has already started.")
    if reason == eligibility.CROSSES_MIDNIGHT:
        return _(
            "The appointment runs past midnight, and the volunteers' weekly times end at "
            "midnight. Split it into two requests."
        )
    return _(
        "There is no place on record for the postcode %(postcode)s, so no distance can be "
        "worked out. Check the postcode, or make it a phone/video request."
    ) % {"postcode": appointment.postcode}


def _advice(
    key: str, appointment: Appointment, request: Request, *, before: VolunteerQuerySet
) -> str:
    """What staff can do about step `key` leaving nobody; `before`: who met every step before
    it (a queryset, counted only where the advice needs a number)."""
    if key == eligibility.ACTIVE:
        return _("Nobody is active that day.")
    if key == eligibility.LANGUAGES:
        return _language_advice(appointment, before=before)
    if key == eligibility.SKILL:
        return _("Nobody who speaks these languages offers %(skill)s.") % {
            "skill": request.skill.name
        }
    if key == eligibility.REACH and not appointment.remote:
        remote = before.filter(remote_ok=True).count()
        if remote:
            return " ".join(
                (
                    _("Nobody who fits lives close enough."),
                    ngettext(
                        "%(count)d of them helps by phone or video:",
                        "%(count)d of them help by phone or video:",
                        remote,
                    )
                    % {"count": remote},
                    _("make it a phone or video request, and distance does not count."),
                )
            )
        return _("Nobody who fits lives close enough, and none of them helps by phone or video.")
    if key == eligibility.TIME and appointment.exact_only:
        return _(
            "Nobody who fits is free at that time of the week. Allow people who are flexible "
            "about their times, or another time may find someone."
        )
    if key == eligibility.TIME:
        return _(
            "Everyone who fits wants to be asked only at their own times, and none of them is "
            "free then. Another time may find someone."
        )
    if key == eligibility.FREE:
        return _(
            "Everyone who fits has another task then or has reached their monthly limit. "
            "Another time may find someone."
        )
    if key == eligibility.REACH:
        return _("Nobody who fits helps by phone or video. In person, someone may.")
    if key == eligibility.WANTED:
        return _("Nobody who fits meets these wishes. Without them, someone may.")
    return _("Everyone who fits has been asked for this request already.")


# CLDR distance up to which a language is worth suggesting when nobody speaks the one asked
# for: beyond `MATCHING_LANGUAGE_CLOSENESS` (those already count), up to the languages people
# of a region often also speak (Russian for Ukrainian: 24, Arabic for Sorani: 34, English for
# Tigrinya: 44); unrelated languages are 80 and more.
SUGGEST_DISTANCE = 50
# At most this many close languages are named.
SUGGEST_AT_MOST = 3


@lru_cache(maxsize=256)
def _suggestible(code: str) -> tuple[str, ...]:
    """Catalogue languages that might stand in for `code` though they are not close enough to
    count, nearest first (CLDR's distance; cached, as `eligibility.acceptable_languages`)."""
    threshold = matching_settings().language_closeness
    found = []
    for info in languages.catalogue():
        distance = languages.distance(code, info.code)
        if threshold < distance <= SUGGEST_DISTANCE:
            found.append((distance, info.code))
    return tuple(code for _distance, code in sorted(found))


def _language_advice(appointment: Appointment, *, before: VolunteerQuerySet) -> str:
    """Name the languages nobody active speaks well enough, who speaks them at a lower level,
    and the nearby languages people do speak: two queries per missing language at most."""
    lang = active_language()
    levels = Level.at_least(appointment.min_level)
    acceptable = appointment.acceptable()
    missing = [
        (code, sorted(close))
        for code, close in zip(appointment.languages, acceptable, strict=True)
        if not _speak(before, codes=close, levels=levels).exists()
    ]
    if not missing:
        names = [languages.display_name(code, lang) for code in appointment.languages]
        return _(
            "Each language is spoken at %(level)s or better, but nobody speaks %(languages)s "
            "together. Perhaps two requests, one per language, will do."
        ) % {"level": appointment.min_level, "languages": str(get_text_list(names, _("and")))}
    said = []
    for code, close in missing:
        name = languages.display_name(code, lang)
        said.append(
            _("Nobody speaks %(language)s at %(level)s or better.")
            % {"language": name, "level": appointment.min_level}
        )
        lower = [level for level in Level.values if level not in levels]
        below = _speak(before, codes=close, levels=lower).count() if lower else 0
        if below:
            said.append(
                ngettext(
                    "%(count)d person speaks it at a lower level.",
                    "%(count)d people speak it at a lower level.",
                    below,
                )
                % {"count": below}
            )
            said.append(_("A lower least level for this request would reach them."))
        nearby = _nearby_speakers(before, code=code, levels=levels)
        if nearby:
            said.append(
                _("Perhaps a language close to it will do; people speak %(languages)s.")
                % {
                    "languages": ", ".join(
                        f"{languages.display_name(other, lang)} ({count})"
                        for other, count in nearby
                    )
                }
            )
    if len(said) == len(missing):
        said.append(_("Perhaps another language will do."))
    return " ".join(said)


def _speak(
    volunteers: VolunteerQuerySet, *, codes: list[str], levels: list[str]
) -> VolunteerQuerySet:
    """Those of `volunteers` who speak one of `codes` at one of `levels`."""
    return volunteers.filter(
        Exists(
            SpokenLanguage.objects.filter(
                volunteer=OuterRef("pk"), code__in=codes, level__in=levels
            )
        )
    )


def _nearby_speakers(
    volunteers: VolunteerQuerySet, *, code: str, levels: list[str]
) -> list[tuple[str, int]]:
    """The nearest suggestible languages to `code` that some of `volunteers` speak at `levels`,
    with how many: one grouped query."""
    nearby = _suggestible(code)
    if not nearby:
        return []
    counted = dict(
        SpokenLanguage.objects.filter(
            volunteer__in=volunteers.order_by().values("pk"), code__in=nearby, level__in=levels
        )
        .order_by()
        .values("code")
        .annotate(people=Count("volunteer"))
        .values_list("code", "people")
    )
    return [(other, counted[other]) for other in nearby if counted.get(other)][:SUGGEST_AT_MOST]


def _label(key: str, appointment: Appointment, request: Request) -> str:
    """What the step asks for, as a short line in the active language."""
    if key == eligibility.ACTIVE:
        return _("Active that day (not paused or away)")
    if key == eligibility.LANGUAGES:
        names = language_names(request)
        values = {"languages": str(get_text_list(names, _("and"))), "level": appointment.min_level}
        if any(len(acceptable) > 1 for acceptable in appointment.acceptable()):
            return _("Speak %(languages)s at %(level)s or better (close languages count)") % values
        return _("Speak %(languages)s at %(level)s or better") % values
    if key == eligibility.SKILL:
        return _("Offer %(skill)s") % {"skill": request.skill.name}
    if key == eligibility.TIME:
        local_start, local_end = appointment.local_start, appointment.local_end
        values = {
            "weekday": WEEKDAYS[local_start.weekday()],
            "start": clock(local_start.time()),
            "end": clock(local_end.time()),
        }
        if appointment.exact_only:
            return _("Free every week on %(weekday)s %(start)s–%(end)s") % values
        return (
            _("Free every week on %(weekday)s %(start)s–%(end)s, or flexible about their times")
            % values
        )
    if key == eligibility.REACH:
        if appointment.remote:
            return _("Also help by phone or video")
        if appointment.exact_only:
            return _("Live within their own travel distance of %(postcode)s") % {
                "postcode": appointment.postcode
            }
        return _(
            "Live within their own travel distance of %(postcode)s (if flexible, 1.5 times it)"
        ) % {"postcode": appointment.postcode}
    if key == eligibility.WANTED:
        wishes = []
        if appointment.gender:
            wishes.append(str(Volunteer.Gender(appointment.gender).label))
        if appointment.certificate_required:
            wishes.append(_("a current certificate of conduct"))
        return _("As asked: %(wishes)s") % {"wishes": ", ".join(wishes)}
    if key == eligibility.FREE:
        return _("No other task at that time, monthly limit not reached")
    return _("Not asked for this request yet")
