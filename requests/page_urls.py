"""URLs of the pages behind an offer's email link (see `requests/pages.py`)."""

from django.urls import path

from requests import checkin_pages, pages

page_patterns = [
    path("offers/<str:token>/", pages.offer_page, name="offer"),
    # The same page behind the short link an SMS carries (workers.sms.texts).
    path("o/<str:token>/", pages.offer_page, name="offer-short"),
    path(
        "offers/mine/<str:token>/<int:offer_id>/",
        pages.offer_from_profile,
        name="offer-from-profile",
    ),
    path("offers/<str:token>/calendar.ics", pages.offer_calendar, name="offer-calendar"),
    path("checkin/<str:token>/", checkin_pages.checkin_page, name="checkin"),
]
