"""How the API's OpenAPI schema (`/api/schema/`) says what each operation answers.

drf-spectacular documents what a view returns when all goes well. A status the schema does not
list is, for a client generated from it, a crash, while one listed that never comes costs
nothing; so `AutoSchema` adds the errors an operation can answer, read from what the view is
made of (permissions, throttles, filters, pagination, path and request body), not hand-listed
per view. Their bodies are those of `config.api.exception_handler`.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "`{field: [messages]}`, for a list field per entry, e.g. "
        '`{"availability": [{}, {"start": ["…"]}]}`; `{"detail": "…"}` for a body that is '
        "not JSON or nests too deeply.",
        "additionalProperties": {},
    },
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus every error status an operation can answer."""

    def error_responses(self) -> dict[str, tuple[str, str]]:
        """Status → (error schema, description) for this operation."""
        view = self.view
        errors: dict[str, tuple[str, str]] = {}
        has_body = self.method in {"POST", "PUT", "PATCH"} and bool(self.get_request_serializer())
        if has_body or self._get_filter_parameters():
            errors["400"] = ("FieldErrors", "Invalid input; nothing was changed.")
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            if view.get_authenticators():
                errors["401"] = ("Error", "No valid token or session.")
            errors["403"] = ("Error", "Signed in, but not allowed to do this.")
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            errors["404"] = ("Error", "No such object for the caller, or no such page.")
        if has_body:
            errors["415"] = ("Error", "A body in a media type the operation does not take.")
        if view.get_throttles():
            errors["429"] = ("Error", "Too many requests from this connection; try again later.")
        return errors

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status, (name, description) in self.error_responses().items():
            documented = responses.get(status)
            if documented is not None and "content" in documented:
                continue  # the view says more precisely what it answers
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMAS[name], object=name
            )
            self.registry.register_on_missing(component)
            if documented is not None:
                description = documented.get("description") or description
            responses[status] = self._get_response_for_code(
                OpenApiResponse(component.ref, description=description), status
            )
        if direction == "response":
            # The HTTP server in front (gunicorn, runserver) refuses an overlong request line
            # before the application sees it, with its own small HTML page.
            responses.setdefault(
                "414", {"description": "The address is longer than the server takes (4 KB)."}
            )
        return responses

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> Any:
        # DRF drops `allow_blank` from the read-only fields of a ModelSerializer, so a choice
        # stored blank (no gender given, no reason for declining) would be missing from the
        # answer's enum. The model field says whether blank is stored.
        if (
            isinstance(field, serializers.ChoiceField)
            and field.read_only
            and not field.allow_blank
            and _model_field_allows_blank(field)
        ):
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _model_field_allows_blank(field: serializers.Field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source:
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False
