"""API representations of offices and staff."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from requests.models import Office, StaffMember


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
