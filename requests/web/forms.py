"""The staff pages' forms: a new request, the hours of a finished one, offering by hand.

The forms turn what a browser sends (a date, two wall-clock times, language menus) into the
arguments of `requests.lifecycle`, and put the domain's own checks (`check_times`,
`check_languages`, `place_fields`) next to the fields they are about, so a page says exactly
what the API would say. The domain functions check again when they write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests import lifecycle
from requests.models import MAX_VOLUNTEERS, MIN_VOLUNTEERS, AppointmentKind, Office, Request
from volunteers import language_picker, languages
from volunteers.models import Level, Skill
from volunteers.places import BERLIN
from volunteers.translation import active_language

LANGUAGE_FIELDS = ("language_1", "language_2", "language_3")

# Where the domain's messages, keyed by the API's field names, appear on the page.
DOMAIN_FIELD = {
    "starts_at": "start_time",
    "ends_at": "end_time",
    "languages": "language_1",
    "postcode": "postcode",
    "volunteers_needed": "volunteers_needed",
    "gender_preference": "gender_preference",
    "kind": "kind",
    "connection": "connection",
}


def language_choices() -> list[tuple[Any, Any]]:
    """The language menus: the network's common languages first, then the others A–Z; the
    same curated list as the volunteers' picker (`volunteers.language_picker`)."""
    options = language_picker.options(active_language())
    common = [(o.code, o.label) for o in options if o.code in languages.NETWORK_COMMON]
    others = [(o.code, o.label) for o in options if o.code not in languages.NETWORK_COMMON]
    return [("", "–"), (_("Often needed"), common), (_("More languages"), others)]


def berlin_moment(day: dt.date, clock: dt.time) -> dt.datetime | None:
    """`day` at wall-clock `clock` in Berlin; None for a time the clocks skip (spring forward).

    In the autumn hour that happens twice, the first (summer time) is meant.
    """
    moment = dt.datetime.combine(day, clock, tzinfo=BERLIN)
    back = moment.astimezone(dt.UTC).astimezone(BERLIN)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


class RequestForm(forms.Form):
    """A new request, as staff fill it in; `create_kwargs()` feeds `lifecycle.create_request`."""

    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), empty_label=None
    )
    skill = forms.ModelChoiceField(
        label=_("What is needed"),
        queryset=Skill.objects.filter(is_active=True).order_by("position", "code"),
        to_field_name="code",
        empty_label=_("– choose –"),
    )
    kind = forms.ModelChoiceField(
        label=_("Kind of appointment (optional)"),
        queryset=AppointmentKind.objects.filter(is_active=True).order_by("position", "code"),
        to_field_name="code",
        required=False,
        empty_label="–",
        help_text=_("E.g. Jobcenter or doctor: tells requests apart on the dashboard."),
    )
    language_1 = forms.ChoiceField(
        label=_("Language"),
        help_text=_("For interpreting, give both languages, e.g. Farsi and German."),
    )
    language_2 = forms.ChoiceField(label=_("and language"), required=False)
    language_3 = forms.ChoiceField(label=_("and language (optional)"), required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    remote = forms.BooleanField(label=_("By phone or video"), required=False)
    postcode = forms.CharField(
        label=_("Postcode of the place"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    connection = forms.CharField(
        label=_("How to connect (phone or video)"),
        max_length=300,
        required=False,
        help_text=_(
            "A number to call or a video link. Only the volunteers who accept see it, never "
            "those who are only asked."
        ),
    )
    address = forms.CharField(
        label=_("Address (optional)"),
        max_length=200,
        required=False,
        help_text=_("Where to meet, e.g. the authority's address and room."),
    )
    volunteers_needed = forms.IntegerField(
        label=_("Volunteers needed"),
        min_value=MIN_VOLUNTEERS,
        max_value=MAX_VOLUNTEERS,
        initial=1,
    )
    gender_preference = forms.ChoiceField(
        label=_("Gender asked for"),
        choices=[("", _("no preference")), *Request.Gender.choices],
        required=False,
    )
    certificate_required = forms.BooleanField(
        label=_("Certificate of conduct needed (work with children)"), required=False
    )
    exact_only = forms.BooleanField(
        label=_("Ask only exact matches (at their stated times, within their own distance)"),
        required=False,
        help_text=_(
            "Without it, people who are flexible are asked too, after the exact matches: "
            "outside their usual times or a little beyond their travel limit."
        ),
    )
    min_level = forms.ChoiceField(
        label=_("Least language level"),
        choices=[("", _("Default (B2 for interpreting, B1 otherwise)")), *Level.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note for the volunteers"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "At most 300 characters. Never the client's name or details of the case: only what "
            "the volunteer needs to know to help."
        ),
    )

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        usable = list(offices[:2])
        # Staff of one office have nothing to choose: the field goes along unseen.
        self.single_office = usable[0] if len(usable) == 1 else None
        if self.single_office is not None:
            self.fields["office"].widget = forms.HiddenInput()
            self.fields["office"].required = False
            self.initial.setdefault("office", self.single_office.pk)
        choices = language_choices()
        for name in LANGUAGE_FIELDS:
            self.fields[name].choices = choices
        if not self.is_bound:
            self.initial.setdefault("language_2", "de")
            self.initial.setdefault("volunteers_needed", 1)

    def clean_office(self) -> Office | None:
        return self.cleaned_data.get("office") or self.single_office

    def add_domain_errors(self, error: ValidationError) -> None:
        """Put a domain ValidationError (keyed by API field names) next to the page's fields."""
        for key, messages in error.message_dict.items():
            field = DOMAIN_FIELD.get(key)
            target = field if field in self.fields else None
            for message in messages:
                if target is None or target not in self.errors:
                    self.add_error(target, message)
                elif message not in self.errors[target]:
                    self.errors[target].append(message)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_times(data)
        skill = data.get("skill")
        # A task in one language shows (and so takes) one language field; the others are
        # for interpreting only (site.css hides them unless interpreting is chosen).
        fields = (
            LANGUAGE_FIELDS
            if skill is None or lifecycle.needs_two_languages(skill)
            else (LANGUAGE_FIELDS[:1])
        )
        codes = [data[name] for name in fields if data.get(name)]
        if codes:
            try:
                data["languages"] = lifecycle.check_languages(codes, skill=skill)
            except ValidationError as exc:
                self.add_domain_errors(exc)
        try:
            data["place"] = lifecycle.place_fields(
                remote=bool(data.get("remote")), postcode=(data.get("postcode") or "").strip()
            )
        except ValidationError as exc:
            self.add_domain_errors(exc)
        return data

    def _clean_times(self, data: dict[str, Any]) -> None:
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day is None or start is None or end is None:
            return
        starts_at, ends_at = berlin_moment(day, start), berlin_moment(day, end)
        if starts_at is None or ends_at is None:
            self.add_error(
                "start_time" if starts_at is None else "end_time",
                _("The clocks go forward that night: this time does not exist on that day."),
            )
            return
        if end <= start:
            self.add_error("end_time", _("The end must be after the start."))
            return
        try:
            lifecycle.check_times(starts_at, ends_at, now=timezone.now())
        except ValidationError as exc:
            self.add_domain_errors(exc)
            return
        data["starts_at"], data["ends_at"] = starts_at, ends_at

    def create_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `lifecycle.create_request` (after `is_valid()`)."""
        data = self.cleaned_data
        return {
            "office": data["office"],
            "skill": data["skill"],
            "languages": data["languages"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "volunteers_needed": data["volunteers_needed"],
            "remote": bool(data.get("remote")),
            "postcode": data["place"]["postcode"],
            "address": data.get("address") or "",
            "gender_preference": data.get("gender_preference") or "",
            "certificate_required": bool(data.get("certificate_required")),
            "min_level": data.get("min_level") or "",
            "exact_only": bool(data.get("exact_only")),
            "note": data.get("note") or "",
            "kind": data.get("kind"),
            "connection": data.get("connection") or "",
        }

    def not_rankable_yet(self) -> tuple[list[str], list[str]]:
        """What keeps the candidates from showing: (labels missing, labels to correct).

        The fields ranking needs: what is needed, a language, the date and times, and the
        place's postcode unless the task is by phone or video.
        """
        needed = ["skill", "language_1", "date", "start_time", "end_time"]
        if not self._value("remote"):
            needed.append("postcode")
        missing: list[str] = []
        wrong: list[str] = []
        labels = {"start_time": _("Start time"), "end_time": _("End time")}
        for name in needed:
            label = str(labels.get(name, self.fields[name].label))
            if self.is_bound and name in self.errors and self._value(name):
                wrong.append(f"{label} – {' '.join(self.errors[name])}")
            elif not self._value(name):
                missing.append(label)
        return missing, wrong

    def _value(self, name: str) -> str:
        if not self.is_bound:
            return ""
        value = self.data.get(self.add_prefix(name), "")
        return value.strip() if isinstance(value, str) else ""

    def rankable(self) -> bool:
        """Enough is filled in (and valid) to look for candidates, even if the rest is not."""
        needed = ("skill", "starts_at", "ends_at", "languages", "place")
        return all(name in self.cleaned_data for name in needed)


class MatchingForm(forms.Form):
    """Who a saved request asks: exact matches only, and the least language level."""

    exact_only = RequestForm.base_fields["exact_only"]
    min_level = RequestForm.base_fields["min_level"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def of(cls, request: Request) -> MatchingForm:
        return cls(initial={"exact_only": request.exact_only, "min_level": request.min_level})

    def changes(self) -> dict[str, Any]:
        """The data of `lifecycle.update_request` (after `is_valid()`)."""
        return {
            "exact_only": bool(self.cleaned_data.get("exact_only")),
            "min_level": self.cleaned_data.get("min_level") or "",
        }


class DetailsForm(forms.Form):
    """What a saved request tells the volunteers and the dashboard, which may change at any time
    before it is over: the kind, how to connect, where to meet and the note. (Time, place and
    languages are binding once someone accepted: they change through cancel and re-create.)"""

    kind = RequestForm.base_fields["kind"]
    connection = RequestForm.base_fields["connection"]
    address = RequestForm.base_fields["address"]
    note = RequestForm.base_fields["note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def of(cls, request: Request) -> DetailsForm:
        return cls(
            initial={
                "kind": request.kind.code if request.kind else "",
                "connection": request.connection,
                "address": request.address,
                "note": request.note,
            }
        )

    def changes(self) -> dict[str, Any]:
        """The data of `lifecycle.update_request` (after `is_valid()`)."""
        data = self.cleaned_data
        return {
            "kind": data.get("kind"),
            "connection": data.get("connection") or "",
            "address": data.get("address") or "",
            "note": data.get("note") or "",
        }


class HoursForm(forms.Form):
    """The hours each volunteer who accepted worked; one field per person."""

    def __init__(self, *args: Any, people: list[tuple[int, str]], default: Decimal, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.people = people
        for volunteer_id, name in people:
            self.fields[f"hours_{volunteer_id}"] = forms.DecimalField(
                label=name,
                min_value=Decimal(0),
                max_value=Decimal(24),
                max_digits=4,
                decimal_places=2,
                initial=default,
                help_text=_("0 if the person did not come."),
                localize=True,
            )

    def hours(self) -> dict[int, Decimal]:
        return {pk: self.cleaned_data[f"hours_{pk}"] for pk, _name in self.people}


def default_hours(request: Request) -> Decimal:
    """The appointment's length in hours, to the quarter hour: what most people worked."""
    seconds = (request.ends_at - request.starts_at).total_seconds()
    quarters = round(seconds / 900)
    return (Decimal(quarters) / 4).quantize(Decimal("0.01"))
