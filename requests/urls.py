"""URLs of the requests app."""

from django.urls import path

from requests import views

api_patterns = [
    path("offices/", views.OfficeList.as_view(), name="office-list"),
    path("staff/", views.StaffMemberList.as_view(), name="staff-list"),
    path("staff/<int:pk>/", views.StaffMemberDetail.as_view(), name="staff-detail"),
    path("auth/token/", views.TokenLogin.as_view(), name="auth-token"),
    path("requests/", views.RequestCollection.as_view(), name="request-list"),
    path("requests/<int:pk>/", views.RequestDetail.as_view(), name="request-detail"),
    path("requests/<int:pk>/cancel/", views.RequestCancel.as_view(), name="request-cancel"),
    path("requests/<int:pk>/complete/", views.RequestComplete.as_view(), name="request-complete"),
    path("requests/<int:pk>/offers/", views.RequestOffers.as_view(), name="request-offers"),
    path("requests/<int:pk>/waves/", views.RequestWaves.as_view(), name="request-waves"),
    path(
        "requests/<int:pk>/offers/<int:offer_id>/outcome/",
        views.OfferOutcome.as_view(),
        name="offer-outcome",
    ),
]
