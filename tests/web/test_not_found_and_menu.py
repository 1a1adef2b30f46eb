"""What staff who are not coordinators meet at the edges: hidden pages are the site's friendly
404 page (also with DEBUG on, as under `make run`), and the menu has no API link for them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.requests import make_request
from tests.web.helpers import signed_in


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


@pytest.mark.parametrize("page", ["coordination", "other office"])
def test_it_shows_the_friendly_404_page_even_with_debug(staff_a, office_b, page):
    url = (
        reverse("staff-coordination")
        if page == "coordination"
        else reverse("staff-request", args=[make_request(office=office_b).pk])
    )
    response = signed_in(staff_a).get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist (any more). Please check the link." in html
    assert "Raised by" not in html and "URLconf" not in html
    assert 'class="site"' in html  # the site's own layout, with its menu


def test_office_staff_have_no_api_link_in_the_menu(staff_a):
    html = signed_in(staff_a).get(reverse("home")).content.decode()
    assert reverse("api-docs") not in html


def test_coordinators_find_the_api_in_their_menu(coordinator):
    html = signed_in(coordinator).get(reverse("home")).content.decode()
    assert f'href="{reverse("api-docs")}"' in html
