"""How the API reports errors: JSON always, `{field: [messages]}` for bad input.

DRF already answers its own exceptions this way; this handler adds Django's ValidationError
(raised by model validators and domain functions) so that bad input is a 400, never a 500.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from requests.errors import RequestError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class Pagination(PageNumberPagination):
    """50 rows a page by default; clients may ask for up to 200 with `page_size`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
