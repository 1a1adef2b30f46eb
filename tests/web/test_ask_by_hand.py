"""Asking someone by hand checks fit, in the API and on the pages: what rules the person out
is refused with its reason; what is soft asks for a confirmation that names it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from requests.models import Offer, Request
from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in
from tests.web.test_new_request import form_data


def arabic_mediator(**fields):
    """Interprets Arabic–German: no Persian, so never for a Persian request."""
    return VolunteerFactory(
        name="Omar Arabic",
        languages=[("ar", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "08:00", "18:00") for day in range(7)],
        **fields,
    )


def afternoon_mediator(**fields):
    """Fits a Persian request, but states only afternoons (16–18) every day."""
    return VolunteerFactory(
        name="Sara Afternoons",
        languages=[("fa", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "16:00", "18:00") for day in range(7)],
        **fields,
    )


def offers_url(need: Request) -> str:
    return f"/api/requests/{need.pk}/offers/"


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("confirm", [False, True])
def test_the_api_refuses_a_hard_mismatch_whatever_the_confirmation(api_a, office_a, confirm):
    need = make_request(office=office_a)  # Persian–German, 10–12
    person = arabic_mediator()
    response = api_a.post(
        offers_url(need),
        {"volunteer": person.pk, "confirm": confirm},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "mismatch"
    assert "does not speak Persian" in response.json()["detail"]
    assert not Offer.objects.filter(request=need).exists()


def test_the_api_asks_to_confirm_a_soft_mismatch_and_then_asks(api_a, office_a):
    need = make_request(office=office_a)
    person = afternoon_mediator()
    first = api_a.post(
        offers_url(need), {"volunteer": person.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert first.status_code == 400, first.content
    assert first.json()["code"] == "confirm"
    assert "outside their stated times" in first.json()["detail"]
    assert not Offer.objects.filter(request=need).exists()
    confirmed = api_a.post(
        offers_url(need), {"volunteer": person.pk, "confirm": True}, format="json"
    )
    assert confirmed.status_code == 201, confirmed.content
    assert Offer.objects.filter(request=need, volunteer=person, wave=0).exists()


def test_the_api_names_the_soft_mismatch_in_german_by_default(api_a, office_a):
    need = make_request(office=office_a)
    response = api_a.post(offers_url(need), {"volunteer": afternoon_mediator().pk}, format="json")
    assert "außerhalb der angegebenen Zeiten" in response.json()["detail"]


def test_the_api_asks_an_exact_match_at_once(api_a, office_a):
    need = make_request(office=office_a)
    response = api_a.post(offers_url(need), {"volunteer": farsi_mediator().pk}, format="json")
    assert response.status_code == 201, response.content


# --- The request's page -----------------------------------------------------------------------


def test_the_request_page_refuses_a_hard_mismatch_with_its_reason(staff_a, office_a):
    need = make_request(office=office_a)
    person = arabic_mediator()
    response = signed_in(staff_a).post(
        reverse("staff-request-ask", args=[need.pk]),
        {"volunteer": person.pk, "confirm": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "Omar Arabic cannot be asked for this request" in page
    assert "does not speak Persian" in page
    assert not Offer.objects.filter(request=need).exists()


def test_the_request_page_asks_to_confirm_a_soft_mismatch_then_asks(staff_a, office_a):
    need = make_request(office=office_a)
    person = afternoon_mediator()
    client = signed_in(staff_a)
    url = reverse("staff-request-ask", args=[need.pk])
    question = client.post(url, {"volunteer": person.pk})
    page = question.content.decode()
    assert question.status_code == 200
    assert "Ask Sara Afternoons anyway?" in page
    assert "outside their stated times" in page
    assert f'action="{url}"' in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert not Offer.objects.filter(request=need).exists()
    confirmed = client.post(url, {"volunteer": person.pk, "confirm": "1"})
    assert confirmed.status_code == 303
    assert Offer.objects.filter(request=need, volunteer=person, wave=0).exists()


# --- The volunteer's profile -----------------------------------------------------------------


def test_the_profile_lists_only_the_requests_the_person_fits(staff_a, office_a):
    person = farsi_mediator()
    persian = make_request(office=office_a)
    arabic = make_request(office=office_a, languages=["ar", "de"])
    page = signed_in(staff_a).get(reverse("staff-volunteer", args=[person.pk])).content.decode()
    assert f'<option value="{persian.pk}">' in page
    assert f'<option value="{arabic.pk}">' not in page
    assert "1 more open request does not fit this person" in page


def test_the_profile_lists_only_the_requests_that_still_take_offers(staff_a, office_a):
    """Open, offering and "nobody found" can still be offered; filled, closed or begun not."""
    person = farsi_mediator()
    listed = {}
    for status in Request.Status.values:
        listed[status] = make_request(office=office_a)
        Request.objects.filter(pk=listed[status].pk).update(status=status)
    begun = make_request(office=office_a)
    Request.objects.filter(pk=begun.pk).update(starts_at=timezone.now())
    page = signed_in(staff_a).get(reverse("staff-volunteer", args=[person.pk])).content.decode()
    shown = {status for status, need in listed.items() if f'<option value="{need.pk}">' in page}
    assert shown == {"open", "offering", "unfilled"}
    assert f'<option value="{begun.pk}">' not in page


def test_the_profile_refuses_a_request_the_person_does_not_fit(staff_a, office_a):
    """Posted by hand all the same: refused with the reason, nothing offered."""
    person = farsi_mediator(name="Neda Karimi")
    arabic = make_request(office=office_a, languages=["ar", "de"])
    response = signed_in(staff_a).post(
        reverse("staff-volunteer-ask", args=[person.pk]), {"request": arabic.pk}, follow=True
    )
    assert "Neda Karimi cannot be asked for this request" in response.content.decode()
    assert not Offer.objects.filter(request=arabic).exists()


def test_the_profile_asks_to_confirm_a_soft_mismatch(staff_a, office_a):
    person = afternoon_mediator()
    need = make_request(office=office_a)
    client = signed_in(staff_a)
    url = reverse("staff-volunteer-ask", args=[person.pk])
    question = client.post(url, {"request": need.pk}).content.decode()
    assert "outside their stated times" in question
    assert f'<input type="hidden" name="request" value="{need.pk}">' in question
    assert not Offer.objects.exists()
    assert client.post(url, {"request": need.pk, "confirm": "1"}).status_code == 303
    assert Offer.objects.filter(request=need, volunteer=person).exists()


# --- The new-request page ---------------------------------------------------------------------


def test_the_new_request_page_asks_to_confirm_before_saving_and_asking(staff_a, office_a):
    """A soft mismatch saves nothing yet; "save and ask anyway" saves and asks."""
    person = afternoon_mediator()
    client = signed_in(staff_a)
    question = client.post(reverse("staff-request-new"), form_data(ask=person.pk))
    page = question.content.decode()
    assert question.status_code == 200
    assert "outside their stated times" in page
    assert f'name="ask_confirmed" value="{person.pk}"' in page
    assert not Request.objects.exists()
    done = client.post(reverse("staff-request-new"), form_data(ask_confirmed=person.pk))
    assert done.status_code == 303
    offer = Offer.objects.get()
    assert (offer.volunteer, offer.wave) == (person, 0)


def test_the_new_request_page_refuses_a_hard_mismatch(staff_a, office_a):
    person = arabic_mediator()
    response = signed_in(staff_a).post(
        reverse("staff-request-new"), form_data(ask_confirmed=person.pk)
    )
    assert response.status_code == 400
    assert "does not speak Persian" in response.content.decode()
    assert not Request.objects.exists()
