"""URLs of the staff pages that rank (see `matching/pages.py`)."""

from django.urls import path

from matching import pages

page_patterns = [
    path("requests/new/", pages.new_request, name="staff-request-new"),
    path(
        "requests/new/candidates/",
        pages.new_request_candidates,
        name="staff-request-new-candidates",
    ),
    path(
        "requests/<int:pk>/candidates/",
        pages.request_candidates,
        name="staff-request-candidates",
    ),
]
