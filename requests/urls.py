"""URLs of the requests app."""

from django.urls import path

from requests import views

api_patterns = [
    path("offices/", views.OfficeList.as_view(), name="office-list"),
    path("staff/", views.StaffMemberList.as_view(), name="staff-list"),
    path("staff/<int:pk>/", views.StaffMemberDetail.as_view(), name="staff-detail"),
    path("auth/token/", views.TokenLogin.as_view(), name="auth-token"),
]
