"""Lotse's URL map: the staff pages, the API under /api/, the admin and the health check."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import pages
from matching import page_urls as matching_page_urls
from matching import urls as matching_urls
from requests import allowance_urls
from requests import page_urls as requests_page_urls
from requests import urls as requests_urls
from requests.web import urls as staff_page_urls
from volunteers import urls as volunteers_urls
from workers import unsubscribe
from workers import urls as workers_urls

api_patterns = [
    path("", include(volunteers_urls.api_patterns)),
    path("", include(requests_urls.api_patterns)),
    path("", include(matching_urls.api_patterns)),
    path("", include(allowance_urls.api_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script as a file of its own: the
    # Content-Security-Policy runs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api-docs",
    ),
]

urlpatterns = [
    path("favicon.ico", pages.favicon, name="favicon"),
    path("login/", pages.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("dev/mail/", include(workers_urls.mailbox_patterns)),
    path("sms/", include("workers.sms.urls")),
    path("dev/sms/", include(workers_urls.sms_box_patterns)),
    path("", include(volunteers_urls.page_patterns)),
    path("", include(requests_page_urls.page_patterns)),
    path("", include(unsubscribe.page_patterns)),
    path("", include(staff_page_urls.page_patterns)),
    path("", include(matching_page_urls.page_patterns)),
    path("", include(allowance_urls.page_patterns)),
]

handler404 = "config.pages.not_found"
handler500 = "config.pages.server_error"
