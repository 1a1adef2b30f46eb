"""URLs of the matching app, mounted under /api/ by config/urls.py."""

from django.urls import path

from matching import views

api_patterns = [
    path(
        "requests/<int:pk>/candidates/",
        views.CandidateList.as_view(),
        name="request-candidates",
    ),
    path(
        "requests/<int:pk>/candidates/tiers/",
        views.CandidateTiers.as_view(),
        name="request-candidates-tiers",
    ),
    path(
        "requests/<int:pk>/candidates/why-none/",
        views.WhyNone.as_view(),
        name="request-candidates-why-none",
    ),
]
