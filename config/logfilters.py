"""Filters for the logs: what a person watching `make run` needs to see, without the noise."""

from __future__ import annotations

import logging


def not_an_unchanged_poll(record: logging.LogRecord) -> bool:
    """runserver's access log without the answers "nothing new" (204 No Content) to the pages
    that poll: the open mailbox asks twice a second, a staff page every few seconds, and those
    lines would bury everything else. Every other answer is logged as before."""
    args = record.args
    return not (isinstance(args, tuple) and len(args) >= 2 and str(args[1]) == "204")
