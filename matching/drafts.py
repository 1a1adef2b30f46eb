"""Ranking a request before it is saved: the new-request page shows candidates while staff type.

`DraftRequest` is an unsaved `Request` with its languages given as a list (an unsaved row has
no related rows to read them from). It answers every attribute the way the saved request will,
so `matching.rank` treats it like any other request: same hard constraints, same scores, same
reasons. Nothing is written; the draft has no id, so "offered this request before" excludes
nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import matching
from matching.scoring import Match
from requests.models import Office, Request
from volunteers.models import Skill


class DraftRequest:
    """An unsaved request with its languages; reads like `Request` for the ranking."""

    def __init__(
        self,
        *,
        office: Office | None,
        skill: Skill,
        languages: Sequence[str],
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        place: Mapping[str, Any],
        remote: bool = False,
        gender_preference: str = "",
        certificate_required: bool = False,
        volunteers_needed: int = 1,
        min_level: str = "",
        exact_only: bool = False,
    ) -> None:
        self._row = Request(
            office_id=office.pk if office is not None else None,
            skill=skill,
            starts_at=starts_at,
            ends_at=ends_at,
            remote=remote,
            postcode=place.get("postcode", ""),
            district=place.get("district", ""),
            lat=place.get("lat"),
            lon=place.get("lon"),
            gender_preference=gender_preference,
            certificate_required=certificate_required,
            volunteers_needed=volunteers_needed,
            min_level=min_level,
            exact_only=exact_only,
        )
        self._languages = tuple(languages)

    @property
    def language_codes(self) -> list[str]:
        return list(self._languages)

    def __getattr__(self, name: str) -> Any:
        # Everything else is the unsaved row's (skill, times, place, pk=None, ...).
        return getattr(self._row, name)


def draft_from(cleaned: Mapping[str, Any]) -> DraftRequest:
    """A draft from `RequestForm.cleaned_data` (check `form.rankable()` first)."""
    return DraftRequest(
        office=cleaned.get("office"),
        skill=cleaned["skill"],
        languages=cleaned["languages"],
        starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"],
        place=cleaned["place"],
        remote=bool(cleaned.get("remote")),
        gender_preference=cleaned.get("gender_preference") or "",
        certificate_required=bool(cleaned.get("certificate_required")),
        volunteers_needed=cleaned.get("volunteers_needed") or 1,
        min_level=cleaned.get("min_level") or "",
        exact_only=bool(cleaned.get("exact_only")),
    )


def rank_draft(draft: DraftRequest, *, limit: int) -> list[Match]:
    return matching.rank(draft, limit=limit)  # type: ignore[arg-type]
