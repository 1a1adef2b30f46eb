"""URLs of allowances and engagement certificates: the API, the staff page, the volunteer's
certificate behind their personal link and the public verification page."""

from django.urls import path

from requests import allowance_views, certificate_pages
from requests.web import allowance_pages

api_patterns = [
    path("allowances/", allowance_views.PayoutList.as_view(), name="allowance-list"),
    path(
        "allowances/entries/<int:pk>/decision/",
        allowance_views.EntryDecision.as_view(),
        name="allowance-decision",
    ),
    path(
        "offices/<int:pk>/allowance-rule/",
        allowance_views.OfficeAllowanceRule.as_view(),
        name="office-allowance-rule",
    ),
]

page_patterns = [
    path("allowances/", allowance_pages.payouts_page, name="staff-allowances"),
    path(
        "allowances/entries/<int:pk>/decide/",
        allowance_pages.decide_entry,
        name="staff-allowance-decide",
    ),
    path(
        "volunteer/<str:token>/engagement/",
        certificate_pages.engagement,
        name="volunteer-engagement",
    ),
    path("verify/<str:code>/", certificate_pages.verify, name="certificate-verify"),
]
