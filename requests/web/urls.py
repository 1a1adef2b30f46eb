"""URLs of the staff pages (`requests/web/`); the pages that rank are in `matching/page_urls.py`."""

from django.urls import path

from requests.web import (
    audit_pages,
    dashboard,
    outcome_pages,
    request_pages,
    statistics_pages,
    volunteer_pages,
)

page_patterns = [
    path("", dashboard.dashboard, name="home"),
    path("live/", dashboard.dashboard_live, name="staff-dashboard-live"),
    path("coordination/", dashboard.coordination, name="staff-coordination"),
    path("requests/past/", dashboard.past_requests, name="staff-past-requests"),
    path("requests/<int:pk>/", request_pages.request_detail, name="staff-request"),
    path("requests/<int:pk>/live/", request_pages.request_live, name="staff-request-live"),
    path(
        "requests/<int:pk>/next-wave/",
        request_pages.request_next_wave,
        name="staff-request-next-wave",
    ),
    path("requests/<int:pk>/ask/", request_pages.request_ask, name="staff-request-ask"),
    path(
        "requests/<int:pk>/matching/",
        request_pages.request_matching,
        name="staff-request-matching",
    ),
    path(
        "requests/<int:pk>/details/",
        request_pages.request_details,
        name="staff-request-details",
    ),
    path("requests/<int:pk>/cancel/", request_pages.request_cancel, name="staff-request-cancel"),
    path(
        "requests/<int:pk>/complete/",
        request_pages.request_complete,
        name="staff-request-complete",
    ),
    path(
        "requests/<int:pk>/outcomes/<int:offer_id>/",
        outcome_pages.outcome_edit,
        name="staff-outcome",
    ),
    path(
        "requests/<int:pk>/outcomes/<int:offer_id>/talked/",
        outcome_pages.outcome_talked,
        name="staff-outcome-talked",
    ),
    path("directory/", volunteer_pages.volunteer_directory, name="staff-volunteers"),
    path("directory/<int:pk>/", volunteer_pages.volunteer_profile, name="staff-volunteer"),
    path("directory/<int:pk>/ask/", volunteer_pages.volunteer_ask, name="staff-volunteer-ask"),
    path("audit/", audit_pages.audit_trail, name="staff-audit"),
    path("audit.csv", audit_pages.audit_trail_csv, name="staff-audit-csv"),
    path("statistics/", statistics_pages.statistics_page, name="staff-statistics"),
    path(
        "statistics/<slug:table>.csv",
        statistics_pages.statistics_csv,
        name="staff-statistics-csv",
    ),
]
