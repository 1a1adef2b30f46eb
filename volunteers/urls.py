"""URLs of the volunteers app: the catalogue and directory API, and the volunteers' own pages."""

from django.urls import include, path

from volunteers.views import catalogue, directory, registration, selfservice

api_patterns = [
    path("languages/", catalogue.LanguageList.as_view(), name="language-list"),
    path("skills/", catalogue.SkillList.as_view(), name="skill-list"),
    path("", include(registration.api_patterns)),
    path("", include(directory.api_patterns)),
]

page_patterns = [
    path("", include(registration.page_patterns)),
    path("", include(selfservice.page_patterns)),
]
