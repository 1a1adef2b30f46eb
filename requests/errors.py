"""Refusals of the requests app's domain functions; the API turns each into one HTTP answer."""

from __future__ import annotations


class RequestError(Exception):
    """A change to a request that its state does not allow (answered as 409 Conflict)."""

    status_code = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OfferError(RequestError):
    """An answer to an offer that cannot be taken, e.g. the request is already filled.

    `code` names the state the volunteer's page explains: "filled", "cancelled", "expired",
    "declined", "accepted", "withdrawn", "overlap", "not_active", "offered".
    """
