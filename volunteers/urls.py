"""URLs of the volunteers app."""

from django.urls import path

from volunteers import views

api_patterns = [
    path("languages/", views.LanguageList.as_view(), name="language-list"),
    path("skills/", views.SkillList.as_view(), name="skill-list"),
]
