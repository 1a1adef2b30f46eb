"""API representations of offices and staff, and of requests and their offers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from requests import lifecycle
from requests.access import scope_to_offices
from requests.models import (
    MAX_VOLUNTEERS,
    MIN_VOLUNTEERS,
    AppointmentKind,
    Offer,
    Office,
    Outcome,
    Request,
    StaffMember,
)
from volunteers import languages
from volunteers.models import Level, Skill, Volunteer
from volunteers.places import BERLIN
from volunteers.translation import active_language


class OfficeSerializer(serializers.ModelSerializer):
    address = serializers.CharField(read_only=True)

    class Meta:
        model = Office
        fields = [
            "id",
            "name",
            "address",
            "street",
            "postcode",
            "city",
            "districts",
            "email",
            "phone",
            "opening_hours",
        ]


class StaffMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    offices = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = StaffMember
        fields = ["id", "username", "name", "role", "offices"]


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )

    def validate(self, attrs: dict) -> dict:
        user = authenticate(
            self.context["request"], username=attrs["username"], password=attrs["password"]
        )
        if user is None or StaffMember.of(user) is None:
            # One message for every failure: it must not tell which accounts exist.
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


# --- Requests and offers ---------------------------------------------------------------------
#
# Input serializers check each field and run the domain's checks (`requests.lifecycle`) so that
# one answer lists every problem; the domain functions check again when they write.


KIND_HELP = (
    "Optional: what kind of appointment it is, a code of the catalogue of kinds (e.g. "
    '"jobcenter", "foreigners-office", "doctor", "school"); "" or null for none. Shown on the '
    "staff dashboard so that requests can be told apart."
)
CONNECTION_HELP = (
    "Optional, for phone or video appointments: how to connect, e.g. a number to call or a "
    "video link (at most 300 characters). Shown only to the volunteers who accepted, on their "
    "offer page and in their confirmation; never in an offer."
)

NOTE_HELP = _(
    "A short note for the volunteers (at most 300 characters). Never write the client's name "
    "or details of the case: only what the volunteer needs to know to help."
)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time WITH its UTC offset; answered in Europe/Berlin.

    DRF would read a time without an offset in the server's zone. A client that meant another
    zone would then book an appointment an hour off without anyone noticing, so it is refused.
    """

    default_error_messages = {
        "naive": _(
            "Give the time with its offset from UTC, e.g. 2026-03-30T09:30:00+02:00: "
            "a time without one is ambiguous."
        )
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", BERLIN)
        super().__init__(**kwargs)

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


# drf-spectacular turns every enum property into a component named after the field, and
# Request, Offer and Volunteer each have a different `status` (two `gender` fields share one
# choice set): the schema would carry made-up names such as "Status773Enum", which
# `--fail-on-warn` refuses. These fields keep their choices inline, wrapped in `allOf` so the
# enum hook leaves them alone. (An ENUM_NAME_OVERRIDES entry in settings would do it too.)


def _inline_enum(values: list[str]) -> dict[str, Any]:
    return {"allOf": [{"type": "string", "enum": values}]}


@extend_schema_field(_inline_enum(Request.Status.values))
class RequestStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Request.Status.choices, **kwargs)


@extend_schema_field(_inline_enum(Offer.Status.values))
class OfferStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Offer.Status.choices, **kwargs)


@extend_schema_field(_inline_enum(["", *Request.Gender.values]))
class GenderPreferenceField(serializers.ChoiceField):
    """Female, male or diverse; "" for no preference."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Request.Gender.choices, allow_blank=True, **kwargs)


def _domain_errors(check: Callable[[], Any], errors: dict[str, list[str]]) -> Any:
    """Run one domain check, adding its field messages to `errors` instead of stopping."""
    try:
        return check()
    except DjangoValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


class _RequestFieldsSerializer(serializers.Serializer):
    """The fields staff give when recording a request and may change later."""

    languages = serializers.ListField(
        child=serializers.CharField(max_length=35),
        help_text="Every language the task needs, as BCP 47 / ISO 639 tags (an interpreting "
        'request names both, e.g. ["fa", "de"]). Stored canonical: "per" becomes "fa".',
    )
    starts_at = AwareDateTimeField(help_text="ISO 8601 with offset, e.g. 2026-11-24T10:00+01:00.")
    ends_at = AwareDateTimeField(help_text="ISO 8601 with offset; at most 12 hours after start.")
    remote = serializers.BooleanField(
        default=False, help_text="By phone or video: then no postcode is needed."
    )
    postcode = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="Where it takes place."
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    volunteers_needed = serializers.IntegerField(
        min_value=MIN_VOLUNTEERS, max_value=MAX_VOLUNTEERS, default=1
    )
    gender_preference = GenderPreferenceField(required=False)
    certificate_required = serializers.BooleanField(
        default=False, help_text="Only volunteers with a certificate of conduct."
    )
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=NOTE_HELP
    )
    auto_offer = serializers.BooleanField(
        default=True, help_text="Start offering to the best candidates at once."
    )
    min_level = serializers.ChoiceField(
        choices=Level.choices,
        allow_blank=True,
        default="",
        help_text="The least level in each needed language. Empty: B2 for interpreting, B1 for "
        "other tasks (the server's MATCHING_INTERPRETING_MIN_LEVEL / MATCHING_MIN_LEVEL).",
    )
    exact_only = serializers.BooleanField(
        default=False,
        help_text="Only volunteers whose stated weekly times cover the appointment and who live "
        "within their own travel limit; without it, flexible volunteers are asked too, after "
        "them.",
    )
    kind = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, help_text=KIND_HELP
    )
    connection = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=CONNECTION_HELP
    )

    def validate_kind(self, value: str | None) -> AppointmentKind | None:
        try:
            return lifecycle.check_kind(value or "")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["kind"]) from None


class RequestCreateSerializer(_RequestFieldsSerializer):
    """A new request, for one of the caller's offices (the caller: `context["request"]`)."""

    office = serializers.IntegerField(
        required=False,
        help_text="One of the caller's offices; may be left out by staff of exactly one office.",
    )
    skill = serializers.CharField(max_length=40, help_text="A code of the skill catalogue.")

    def _usable_offices(self) -> QuerySet[Office]:
        offices = Office.objects.filter(is_active=True).order_by("name", "pk")
        return scope_to_offices(offices, self.context["request"].user, office_field="pk")

    def validate_office(self, value: int) -> Office:
        try:
            return self._usable_offices().get(pk=value)
        except Office.DoesNotExist:
            # The same answer for an office that does not exist: no existence leak.
            raise serializers.ValidationError(_("This is not one of your offices.")) from None

    def validate_skill(self, value: str) -> Skill:
        try:
            return Skill.objects.get(code=value.strip(), is_active=True)
        except Skill.DoesNotExist:
            raise serializers.ValidationError(
                _("“%(code)s” is not a skill in the catalogue.") % {"code": value}
            ) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = dict(attrs)
        errors: dict[str, list[str]] = {}
        if "office" not in data:
            data["office"] = self._own_office(errors)
        _domain_errors(
            lambda: lifecycle.check_times(data["starts_at"], data["ends_at"], now=timezone.now()),
            errors,
        )
        codes = _domain_errors(
            lambda: lifecycle.check_languages(data["languages"], skill=data.get("skill")), errors
        )
        if codes is not None:
            data["languages"] = codes
        _domain_errors(
            lambda: lifecycle.place_fields(
                remote=data["remote"], postcode=data.get("postcode", "")
            ),
            errors,
        )
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def _own_office(self, errors: dict[str, list[str]]) -> Office | None:
        """The caller's one office; staff of several offices and coordinators must choose."""
        member = StaffMember.of(self.context["request"].user)
        offices = list(self._usable_offices()[:2])
        if member is not None and not member.is_coordinator and len(offices) == 1:
            return offices[0]
        errors["office"] = [_("Choose the office this request is for.")]
        return None


class RequestChangeSerializer(_RequestFieldsSerializer):
    """A change to a request: only the fields given change.

    Fields that cannot change are refused by name rather than ignored: a client that sent
    `{"status": "completed"}` must not be told it worked.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert set(self.fields) <= lifecycle.EDITABLE, (  # noqa: S101
            "RequestChangeSerializer offers a field lifecycle.update_request does not change"
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = sorted(set(self.initial_data) - set(self.fields))
        if fixed:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed.")] for name in fixed}
            )
        return attrs


class RequestLanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RequestSerializer(serializers.ModelSerializer):
    """A request as staff see it. Expects `office`, `skill`, `created_by` and `languages` loaded."""

    office_name = serializers.CharField(source="office.name", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True
    )
    skill = serializers.CharField(source="skill.code", read_only=True)
    skill_name = serializers.CharField(source="skill.name", read_only=True)
    languages = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True)
    ends_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True)
    created_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True)
    filled_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True, help_text=NOTE_HELP)
    kind = serializers.CharField(
        source="kind.code", read_only=True, allow_null=True, help_text=KIND_HELP
    )
    kind_name = serializers.CharField(
        source="kind.name",
        read_only=True,
        allow_null=True,
        help_text="The kind's name in the language of the request (null: no kind given).",
    )
    connection = serializers.CharField(read_only=True, help_text=CONNECTION_HELP)
    gender_preference = GenderPreferenceField(read_only=True)
    status = RequestStatusField(read_only=True)

    class Meta:
        model = Request
        fields = [
            "id",
            "office",
            "office_name",
            "created_by",
            "skill",
            "skill_name",
            "kind",
            "kind_name",
            "languages",
            "starts_at",
            "ends_at",
            "remote",
            "connection",
            "postcode",
            "district",
            "address",
            "volunteers_needed",
            "accepted_count",
            "gender_preference",
            "certificate_required",
            "note",
            "auto_offer",
            "min_level",
            "exact_only",
            "status",
            "offer_problem",
            "created_at",
            "filled_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestLanguageSerializer(many=True))
    def get_languages(self, obj: Request) -> list[dict[str, str]]:
        lang = active_language()
        return [
            {"code": code, "name": languages.display_name(code, lang)}
            for code in obj.language_codes
        ]


class OfferVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OutcomeSerializer(serializers.ModelSerializer):
    """What became of an accepted assignment: the volunteer's check-in and the office's
    confirmation (`requests.outcomes`). Null until its check-in falls due."""

    result = serializers.ChoiceField(
        choices=[("", "not answered yet"), *Outcome.Result.choices],
        read_only=True,
        help_text="took_place, client_no_show (never counted against the volunteer), "
        "cancelled, volunteer_no_show; empty until the volunteer or the office says.",
    )
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    km = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, read_only=True, allow_null=True
    )
    confirmed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Outcome
        fields = [
            "result",
            "hours",
            "km",
            "ticket_cents",
            "wants_to_talk",
            "talk_done_at",
            "comment",
            "sent_at",
            "reminded_at",
            "failed_at",
            "answered_at",
            "confirmed_at",
            "confirmed_by",
        ]
        read_only_fields = fields


class OfferSerializer(serializers.ModelSerializer):
    """One offer of a request, as staff follow it. Expects `volunteer` loaded."""

    volunteer = OfferVolunteerSerializer(read_only=True)
    status = OfferStatusField(read_only=True)
    sent_at = serializers.DateTimeField(default_timezone=BERLIN, read_only=True, allow_null=True)
    responded_at = serializers.DateTimeField(
        default_timezone=BERLIN, read_only=True, allow_null=True
    )
    # A number, as it is sent to `complete/` (DRF's default would be a string).
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    outcome = OutcomeSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "volunteer",
            "wave",
            "status",
            "sent_at",
            "responded_at",
            "decline_reason",
            "hours",
            "outcome",
        ]
        read_only_fields = fields


class OfferCreateSerializer(serializers.Serializer):
    """One person to offer the request to by hand."""

    volunteer = serializers.IntegerField(help_text="The volunteer's id.")
    confirm = serializers.BooleanField(
        default=False,
        help_text="Ask even though the person fits only softly (outside their stated times, "
        "beyond their travel limit, their monthly limit reached). Without it such an offer "
        "answers 400 naming what is soft; a hard mismatch answers 400 either way.",
    )

    def validate_volunteer(self, value: int) -> Volunteer:
        try:
            return Volunteer.objects.not_erased().get(pk=value)
        except Volunteer.DoesNotExist:
            raise serializers.ValidationError(_("There is no volunteer with this id.")) from None


class HoursEntrySerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(help_text="The id of a volunteer who accepted.")
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, help_text="0 to 24; 0: no-show."
    )


class CompleteSerializer(serializers.Serializer):
    """The hours each accepted volunteer worked; every one of them needs an entry."""

    hours = HoursEntrySerializer(many=True)

    def validate_hours(self, entries: list[dict[str, Any]]) -> dict[int, Decimal]:
        hours: dict[int, Decimal] = {}
        for entry in entries:
            if entry["volunteer"] in hours:
                raise serializers.ValidationError(
                    _("Volunteer %(id)s is listed twice.") % {"id": entry["volunteer"]}
                )
            hours[entry["volunteer"]] = entry["hours"]
        return hours


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """A change the request's state does not allow (409); `code` says which rule refused it."""

    detail = serializers.CharField()
    code = serializers.CharField()


class OutcomeConfirmSerializer(serializers.Serializer):
    """What staff confirm about an accepted assignment; saving it confirms the outcome."""

    result = serializers.ChoiceField(
        choices=Outcome.Result.choices,
        help_text="client_no_show and cancelled are never counted against the volunteer.",
    )
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(24),
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Hours worked, 0 to 24; required when it took place.",
    )
    km = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(Outcome.MAX_KM),
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Kilometres travelled (car, bike), there and back.",
    )
    ticket_cents = serializers.IntegerField(
        min_value=0,
        max_value=Outcome.MAX_TICKET_CENTS,
        required=False,
        allow_null=True,
        help_text="A ticket's price in euro cents.",
    )
