"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's `json` recurses once per level, so a body of 100,000 nested brackets ends in a
RecursionError (a 500) before any serializer sees it. No Lotse payload nests more than a few
levels; a body that nests deeper than `MAX_DEPTH` is refused with a 400 before it is parsed.
"""

from __future__ import annotations

import io
import re
from itertools import accumulate
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20

# String literals are removed first, so that brackets inside them do not count. Quotes,
# backslashes and brackets are single bytes in UTF-8, so the bytes can be read as they came.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (0 for a bare value)."""
    steps = (1 if b in b"[{" else -1 for b in _BRACKET.findall(_STRING.sub(b"", body)))
    return max(accumulate(steps), default=0)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 a body that nests deeper than `MAX_DEPTH`."""

    max_depth = MAX_DEPTH

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        body = stream.read() if stream is not None else b""
        if nesting_depth(body) > self.max_depth:
            raise ParseError(
                _("JSON nested more than %(depth)d levels deep.") % {"depth": self.max_depth}
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # a limit set above what this Python can parse
            raise ParseError(_("JSON nested too deeply.")) from None
