"""Whether a volunteer fits a request, for offers made by hand: refused, confirmed, or asked.

What fits is the ranking's rule (its hard constraints and tiers), and the ranking lives in
`matching`, above this app. So `matching` registers its check here when Django starts
(`MatchingConfig.ready`), as `workers` subscribes to `requests.events`; the API and the staff
pages of this app ask `fit_of` and `offer_checked` without importing `matching`.

A hard mismatch (the language, the skill, a wish of the request, another task at the time, a
pause or absence, phone/video for someone who does not help remotely) refuses the offer with
its reasons. A soft one (outside the person's stated times, beyond their travel limit, their
monthly limit reached) asks staff to confirm, naming it; with the confirmation the offer goes
out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

from requests import offers
from requests.errors import RequestError
from requests.models import Offer, Request
from volunteers.models import Volunteer


@dataclass(frozen=True)
class Mismatch:
    """One way a volunteer does not fit: a stable `key` and the `reason` in the active language."""

    key: str
    reason: str


@dataclass(frozen=True)
class Fit:
    """How `volunteer` fits `request`: what rules them out (`hard`), what staff should confirm
    (`soft`), and the tier the ranking would put them in (None when ruled out)."""

    hard: tuple[Mismatch, ...] = ()
    soft: tuple[Mismatch, ...] = ()
    tier: int | None = None

    @property
    def fits(self) -> bool:
        return not self.hard


class Checker(Protocol):
    """What `matching.fit` offers this app."""

    def fit_of(
        self, request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None
    ) -> Fit: ...

    def fitting_ids(
        self,
        requests: Sequence[Request],
        volunteer: Volunteer,
        *,
        now: dt.datetime | None = None,
    ) -> set[int]: ...


_load: Callable[[], Checker] | None = None


def register(load: Callable[[], Checker]) -> None:
    """Install the check: `load()` returns it (so that it may be imported on first use)."""
    global _load
    _load = load


def checker() -> Checker:
    assert _load is not None, "no fit check registered; is `matching` in INSTALLED_APPS?"  # noqa: S101
    return _load()


class MismatchError(RequestError):
    """A hand offer refused for who the person is (`code` "mismatch": hard, staff cannot
    override) or waiting for staff to confirm (`code` "confirm": soft). Bad input: 400."""

    status_code = 400

    def __init__(self, code: str, message: str, fit: Fit) -> None:
        super().__init__(code, message)
        self.fit = fit


def reasons_text(mismatches: Sequence[Mismatch]) -> str:
    return "; ".join(mismatch.reason for mismatch in mismatches)


def fit_of(request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None) -> Fit:
    return checker().fit_of(request, volunteer, now=now)


def fitting_requests(
    requests: Sequence[Request], volunteer: Volunteer, *, now: dt.datetime | None = None
) -> list[Request]:
    """The `requests` that `volunteer` fits (no hard mismatch), in their order."""
    fits = checker().fitting_ids(requests, volunteer, now=now)
    return [request for request in requests if request.pk in fits]


def offer_checked(
    *, request: Request, volunteer: Volunteer, confirm: bool, now: dt.datetime | None = None
) -> Offer:
    """`offers.offer_by_hand` when `volunteer` fits `request`.

    A hard mismatch raises MismatchError("mismatch") with its reasons, whatever `confirm` says;
    a soft one raises MismatchError("confirm") naming it unless `confirm`.
    """
    fit = fit_of(request, volunteer, now=now)
    if fit.hard:
        raise MismatchError(
            "mismatch",
            _("%(name)s cannot be asked for this request: %(reasons)s.")
            % {"name": volunteer.name, "reasons": reasons_text(fit.hard)},
            fit,
        )
    if fit.soft and not confirm:
        raise MismatchError(
            "confirm",
            _("%(name)s fits, but: %(reasons)s. Confirm to ask anyway.")
            % {"name": volunteer.name, "reasons": reasons_text(fit.soft)},
            fit,
        )
    return offers.offer_by_hand(request=request, volunteer=volunteer, now=now)
