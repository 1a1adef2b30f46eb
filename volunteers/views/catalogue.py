"""The public catalogue API: languages and skills, named in the caller's language."""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny

from volunteers import languages
from volunteers.models import Skill
from volunteers.serializers import LanguageSerializer, SkillSerializer
from volunteers.translation import active_language


@extend_schema(
    parameters=[
        OpenApiParameter(
            "search",
            OpenApiTypes.STR,
            description="Part of a code, an English or German name, or an autonym (e.g. "
            '"far", "Persisch", "فارسی", "Dari").',
        )
    ]
)
class LanguageList(generics.ListAPIView):
    """Languages a volunteer may speak or a request may need, best matches first."""

    serializer_class = LanguageSerializer
    permission_classes = [AllowAny]
    filter_backends: list = []  # the catalogue is not a queryset; `search` ranks it itself

    def get_queryset(self) -> list[dict[str, str]]:
        lang = active_language()
        found = languages.search(self.request.query_params.get("search", ""), lang=lang)
        return [{"code": i.code, "name": i.name(lang), "autonym": i.autonym} for i in found]


class SkillList(generics.ListAPIView):
    """The skill catalogue (active skills), names in the request's language."""

    serializer_class = SkillSerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Skill]:
        return Skill.objects.filter(is_active=True).order_by("position", "code")
