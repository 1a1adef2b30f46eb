"""API representations of the catalogue: skills and languages."""

from rest_framework import serializers

from volunteers.models import Skill


class SkillSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Skill
        fields = ["code", "name", "name_de", "name_en"]


class LanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    autonym = serializers.CharField()
