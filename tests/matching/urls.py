"""The project's URLs plus the matching API, for tests until config/urls.py mounts it."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from matching.urls import api_patterns

urlpatterns = [path("api/", include(api_patterns)), *project_urlpatterns]
