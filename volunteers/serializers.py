"""API shapes of the volunteers app: the catalogue, a profile coming in, a volunteer going out.

Input serializers check each field and turn it into the shapes `profiles.save_profile` takes;
the rules that span rows run in `volunteers.profiles` and report under the same field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.fields import empty

from volunteers import languages, places, profiles
from volunteers.models import Level, Skill, Volunteer, VolunteerSkill, email_language_choices
from volunteers.translation import active_language


class SkillSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Skill
        fields = ["code", "name", "name_de", "name_en"]


class LanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    autonym = serializers.CharField()


# --- A profile coming in -------------------------------------------------------------------


class EntrySerializer(serializers.Serializer):
    """One entry of a list that replaces the stored list: whole, even in a partial change.

    Under `partial=True` DRF skips a missing field at every depth, so `{"start": "…"}` would
    reach `validate` without its end. A partial change leaves out whole fields, never half an
    entry: a missing part of an entry is "required" here whatever the root says.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            missing = {
                name: [field.error_messages["required"]]
                for name, field in self.fields.items()
                if field.required and not field.read_only and field.get_value(data) is empty
            }
            if missing:
                raise serializers.ValidationError(missing)
        return super().to_internal_value(data)


CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME, "example": "09:30"})
class ClockTimeField(serializers.TimeField):
    """A time of day on the clock, "09:30" (seconds may be given, and are answered without).

    Not `format: time` (RFC 3339's "09:30:00+02:00"): a weekly slot has no offset of its own,
    it is Europe/Berlin whatever the date.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str) or not re.match(CLOCK_TIME, value.strip()):
            self.fail("invalid", format="hh:mm")
        return super().to_internal_value(value.strip())


class LanguageEntrySerializer(EntrySerializer):
    code = serializers.CharField(max_length=35, help_text="BCP 47 / ISO 639 tag, e.g. fa, prs")
    level = serializers.ChoiceField(choices=Level.choices)

    def validate_code(self, value: str) -> str:
        try:
            return languages.canonical_tag(value)
        except languages.InvalidLanguage:
            raise serializers.ValidationError(
                _("“%(code)s” is not a language we know.") % {"code": value}
            ) from None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "example": "interpreting"},
            {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "level": {"type": "string", "enum": ["", *VolunteerSkill.Level.values]},
                },
                "required": ["code"],
            },
        ]
    }
)
class SkillEntryField(serializers.Field):
    """A skill code ("interpreting") or an object with a level ({"code", "level"})."""

    default_error_messages = {"invalid": _('Give a skill code or {"code", "level"}.')}

    def to_internal_value(self, data: Any) -> tuple[str, str]:
        if isinstance(data, str):
            code, level = data, ""
        elif isinstance(data, dict) and isinstance(data.get("code"), str):
            code, level = data["code"], data.get("level") or ""
            if not isinstance(level, str):
                raise self._invalid()
        else:
            raise self._invalid()
        if "\x00" in code:  # the code is looked up in a database that cannot compare it
            raise serializers.ValidationError(ProhibitNullCharactersValidator.message)
        return code.strip(), level

    def to_representation(self, value: Any) -> dict[str, str]:
        return {"code": value.skill.code, "level": value.level}

    def _invalid(self) -> serializers.ValidationError:
        # Not `self.fail`: it would format the message, whose braces are text, not fields.
        return serializers.ValidationError(self.error_messages["invalid"], code="invalid")


class SlotSerializer(EntrySerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    start = ClockTimeField(help_text="local time, Europe/Berlin")
    end = ClockTimeField(help_text="local time, Europe/Berlin")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError(_("The start must be before the end."))
        return attrs


class AbsenceSerializer(EntrySerializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(_("The end is before the start."))
        return attrs


ONLY_AT_STATED_TIMES_HELP = (
    "true: ask only at the weekly times in `availability` and within `max_distance_km`; needs "
    "at least one slot. false (the default): those are the usual times; the person may also "
    "be asked at other times, up to 1.5 × `max_distance_km` and for phone or video tasks at "
    "any distance, when nobody else can. A volunteer without weekly times is always false."
)


class ProfileSerializer(serializers.Serializer):
    """Everything a volunteer (or staff) may set on a profile."""

    name = serializers.CharField(max_length=120)
    email = serializers.EmailField(max_length=254)
    phone = PhoneNumberField(required=False, allow_blank=True, region="DE")
    languages = LanguageEntrySerializer(many=True, allow_empty=False)
    skills = serializers.ListField(child=SkillEntryField(), allow_empty=True)
    availability = SlotSerializer(many=True, allow_empty=True)
    absences = AbsenceSerializer(many=True, required=False)
    postcode = serializers.CharField(max_length=12)
    max_distance_km = serializers.IntegerField(min_value=1, max_value=100, required=False)
    remote_ok = serializers.BooleanField(required=False)
    only_at_stated_times = serializers.BooleanField(
        required=False, help_text=ONLY_AT_STATED_TIMES_HELP
    )
    gender = serializers.ChoiceField(
        choices=Volunteer.Gender.choices, required=False, allow_blank=True
    )
    certificate_date = serializers.DateField(required=False, allow_null=True)
    max_tasks_per_month = serializers.IntegerField(min_value=1, max_value=60, required=False)
    email_language = serializers.ChoiceField(choices=email_language_choices(), required=False)
    offer_channel = serializers.ChoiceField(
        choices=Volunteer.OfferChannel.choices,
        required=False,
        help_text="How offers and notices about tasks reach the person: `email` (the default), "
        "`sms` or `both`. SMS needs a mobile `phone`, and starts once the person has confirmed "
        "the number by replying yes to the confirmation SMS; until then, email.",
    )
    sms_urgent_at_night = serializers.BooleanField(
        required=False,
        help_text="SMS keep quiet from 21:00 to 08:00 (Berlin); true lets offers for "
        "appointments within MATCHING_URGENT_HOURS through at night.",
    )

    def validate_postcode(self, value: str) -> str:
        try:
            return places.normalise_postcode(value)
        except places.InvalidPostcode:
            raise serializers.ValidationError(
                _("Enter a German postcode of five digits, e.g. 44147.")
            ) from None

    def validate_certificate_date(self, value: Any) -> Any:
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError(_("The date of issue cannot be in the future."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Turn entries into the domain's shapes and run the checks that span entries."""
        data = dict(attrs)
        try:
            if "languages" in data:
                data["languages"] = profiles.check_languages(
                    (entry["code"], entry["level"]) for entry in data["languages"]
                )
            if "skills" in data:
                profiles.check_skills(data["skills"])
            if "availability" in data:
                data["availability"] = profiles.check_slots(
                    profiles.Slot(s["weekday"], s["start"], s["end"]) for s in data["availability"]
                )
            if "absences" in data:
                data["absences"] = profiles.check_absences(
                    profiles.Span(a["start"], a["end"]) for a in data["absences"]
                )
            if "offer_channel" in data and (data.get("phone") or not self.partial):
                profiles.check_channel(
                    offer_channel=data["offer_channel"], phone=str(data.get("phone") or "")
                )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        if "email" in data:
            data["email"] = data["email"].strip()
        return data


class RegistrationSerializer(ProfileSerializer):
    """A new volunteer's profile plus consent to data processing."""

    consent = serializers.BooleanField(
        help_text="Must be true: consent to the processing described on the registration page."
    )

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                _("Please agree to the processing of your data; we cannot register you without.")
            )
        return value


class VolunteerChangeSerializer(ProfileSerializer):
    """A staff change: any profile field, plus the status and the end of a pause.

    Used with `partial=True`: only the fields given change, and a list given replaces the stored
    one. Which statuses staff may set is a rule of `volunteers.directory.update_volunteer`.
    """

    status = serializers.ChoiceField(choices=Volunteer.Status.choices, required=False)
    paused_until = serializers.DateField(
        required=False, allow_null=True, help_text="Last day of a pause; null ends the pause."
    )


# --- A volunteer going out ----------------------------------------------------------------


class SpokenLanguageOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    level = serializers.CharField()

    def get_name(self, obj: Any) -> str:
        return languages.display_name(obj.code, active_language())


class VolunteerSkillOutSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="skill.code")
    name = serializers.CharField(source="skill.name")

    class Meta:
        model = VolunteerSkill
        fields = ["code", "name", "level"]


class SlotOutSerializer(serializers.Serializer):
    weekday = serializers.IntegerField()
    start = ClockTimeField()
    end = ClockTimeField()


class AbsenceOutSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer as staff see it. Expects the prefetches of `volunteers.directory`."""

    phone = serializers.CharField(read_only=True)
    languages = SpokenLanguageOutSerializer(many=True, read_only=True)
    skills = VolunteerSkillOutSerializer(source="skill_set", many=True, read_only=True)
    availability = SlotOutSerializer(many=True, read_only=True)
    absences = AbsenceOutSerializer(many=True, read_only=True)
    only_at_stated_times = serializers.BooleanField(
        read_only=True, help_text=ONLY_AT_STATED_TIMES_HELP
    )
    phone_confirmed = serializers.SerializerMethodField(
        help_text="The person confirmed the mobile number by replying to the confirmation SMS."
    )

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "status",
            "languages",
            "skills",
            "availability",
            "absences",
            "postcode",
            "district",
            "postcode_known",
            "max_distance_km",
            "remote_ok",
            "only_at_stated_times",
            "gender",
            "certificate_date",
            "max_tasks_per_month",
            "email_language",
            "offer_channel",
            "phone_confirmed",
            "sms_urgent_at_night",
            "paused_until",
            "created_at",
            "confirmed_at",
        ]
        read_only_fields = fields

    def get_phone_confirmed(self, obj: Volunteer) -> bool:
        return bool(obj.phone) and obj.phone_confirmed_at is not None
