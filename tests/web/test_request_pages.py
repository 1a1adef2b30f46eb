"""A request's page: the offers wave by wave, and the actions staff take on it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from requests import offers
from requests.models import Offer, Request
from tests.factories.requests import (
    accepted_offer,
    make_request,
    past_request,
    recording_events,
    sent_offer,
)
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in


def test_it_shows_the_offers_wave_by_wave_with_what_became_of_them(staff_a, office_a):
    """Sent, declined with its reason, accepted, and the offer made by hand, each in its wave."""
    need = make_request(office=office_a, volunteers_needed=2)
    waiting = sent_offer(need, VolunteerFactory(name="Ali Waiting"))
    no = sent_offer(need, VolunteerFactory(name="Bea Declines"))
    offers.decline(offer=no, reason=Offer.DeclineReason.TOO_FAR)
    accepted_offer(need, VolunteerFactory(name="Cem Accepts"))
    Offer.objects.filter(pk=waiting.pk).update(wave=2)
    offers.offer_by_hand(request=need, volunteer=VolunteerFactory(name="Dana ByHand"))
    page = signed_in(staff_a).get(reverse("staff-request", args=[need.pk])).content.decode()
    wave1, rest = page.split("Wave 2")
    wave2, by_hand = rest.split("Asked by hand")
    assert "Bea Declines" in wave1 and "too far away" in wave1
    assert "Cem Accepts" in wave1 and 'data-offer-status="accepted"' in wave1
    assert "Ali Waiting" in wave2 and "no answer yet" in wave2
    assert "Dana ByHand" in by_hand and "waiting to be sent" in by_hand
    assert "1 of 2 places taken" in page


def test_it_tells_a_drop_out_from_an_offer_no_longer_needed(staff_a, office_a):
    """Both show as withdrawn in the record; the page says which one gave the place back."""
    need = make_request(office=office_a)
    gone = accepted_offer(need, VolunteerFactory(name="Gita GaveBack"))
    offers.release(offer=gone)
    page = signed_in(staff_a).get(reverse("staff-request", args=[need.pk])).content.decode()
    row = page[page.index("Gita GaveBack") :]
    assert ">dropped out</span>" in row[:600]
    assert "accepted, then dropped out" in row[:900]


def test_its_candidates_say_when_everyone_who_fits_was_asked(staff_a, office_a):
    """The one person who fits declined: no candidates left, and the page says why."""
    need = make_request(office=office_a)
    no = sent_offer(need, farsi_mediator())
    offers.decline(offer=no, reason=Offer.DeclineReason.TOO_FAR)
    page = signed_in(staff_a).get(reverse("staff-request-candidates", args=[need.pk]))
    text = page.content.decode()
    assert "Nobody else meets every condition of this request." in text
    assert "Why nobody fits" in text
    assert '<tr class="stop"><td>Not asked for this request yet</td><td class="num">0</td>' in text
    assert "Everyone who fits has been asked for this request already." in text


def test_its_candidates_say_nobody_fits_when_nobody_was_asked(staff_a, office_a):
    need = make_request(office=office_a)
    page = signed_in(staff_a).get(reverse("staff-request-candidates", args=[need.pk]))
    text = page.content.decode()
    assert "Nobody meets every condition of this request." in text
    assert "Nobody is active that day." in text


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("staff-request", "get"),
        ("staff-request-live", "get"),
        ("staff-request-candidates", "get"),
        ("staff-request-next-wave", "post"),
        ("staff-request-ask", "post"),
        ("staff-request-cancel", "get"),
        ("staff-request-cancel", "post"),
        ("staff-request-complete", "get"),
        ("staff-request-complete", "post"),
    ],
)
def test_it_answers_another_offices_request_with_a_404_on_every_page(
    staff_a, office_b, name, method
):
    """Office A's staff cannot see or touch B's request: not found, like one that does not exist."""
    other = make_request(office=office_b)
    client = signed_in(staff_a)
    response = getattr(client, method)(reverse(name, args=[other.pk]), {"volunteer": "1"})
    assert response.status_code == 404
    assert Request.objects.get(pk=other.pk).status == Request.Status.OPEN


def test_it_lets_a_coordinator_open_any_offices_request(coordinator, office_b):
    need = make_request(office=office_b)
    assert signed_in(coordinator).get(reverse("staff-request", args=[need.pk])).status_code == 200


def test_it_asks_for_the_next_wave_and_says_so(
    staff_a, office_a, django_capture_on_commit_callbacks
):
    """ "Next wave now" announces waves_requested for the workers; the page says it is coming."""
    need = make_request(office=office_a)
    client = signed_in(staff_a)
    with recording_events() as log, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff-request-next-wave", args=[need.pk]), follow=True)
    assert log.of("waves_requested") == [{"request_id": need.pk}]
    assert "The next wave of offers will be sent shortly." in response.content.decode()


def test_it_explains_why_a_closed_request_takes_no_wave(staff_a, office_a):
    """A refusal of the domain is a message on the page, never an error page."""
    need = make_request(office=office_a)
    client = signed_in(staff_a)
    client.post(reverse("staff-request-cancel", args=[need.pk]))
    response = client.post(reverse("staff-request-next-wave", args=[need.pk]), follow=True)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "takes no more offers" in response.content.decode()


def test_it_offers_the_request_to_one_person_by_hand(
    staff_a, office_a, django_capture_on_commit_callbacks
):
    """ "Ask this person" creates an offer in wave 0 and announces it for the sender."""
    need = make_request(office=office_a)
    person = farsi_mediator()
    with recording_events() as log, django_capture_on_commit_callbacks(execute=True):
        response = signed_in(staff_a).post(
            reverse("staff-request-ask", args=[need.pk]), {"volunteer": person.pk}
        )
    assert response.status_code == 303
    offer = Offer.objects.get(request=need, volunteer=person)
    assert offer.wave == 0
    assert log.of("offer_created") == [{"offer_id": offer.pk}]


@pytest.mark.parametrize("given", ["", "abc", "99999999", "-1", "1; DROP TABLE"])
def test_it_refuses_a_volunteer_that_does_not_exist_with_a_message(staff_a, office_a, given):
    need = make_request(office=office_a)
    response = signed_in(staff_a).post(
        reverse("staff-request-ask", args=[need.pk]), {"volunteer": given}, follow=True
    )
    assert response.status_code == 200
    assert "There is no such volunteer." in response.content.decode()
    assert not need.offers.exists()


def test_it_says_when_a_person_was_asked_already(staff_a, office_a):
    need = make_request(office=office_a)
    person = farsi_mediator()
    client = signed_in(staff_a)
    client.post(reverse("staff-request-ask", args=[need.pk]), {"volunteer": person.pk})
    again = client.post(
        reverse("staff-request-ask", args=[need.pk]), {"volunteer": person.pk}, follow=True
    )
    assert "already been asked" in again.content.decode()
    assert need.offers.count() == 1


def test_it_confirms_before_cancelling_and_then_cancels(staff_a, office_a):
    """GET shows what will happen; POST cancels; a second POST is told it is closed."""
    need = make_request(office=office_a)
    accepted_offer(need, farsi_mediator())
    client = signed_in(staff_a)
    confirm = client.get(reverse("staff-request-cancel", args=[need.pk])).content.decode()
    assert "1 volunteer has accepted and will be told by email." in confirm
    assert Request.objects.get(pk=need.pk).status == Request.Status.FILLED
    client.post(reverse("staff-request-cancel", args=[need.pk]))
    assert Request.objects.get(pk=need.pk).status == Request.Status.CANCELLED
    again = client.post(reverse("staff-request-cancel", args=[need.pk]), follow=True)
    assert "already closed" in again.content.decode()


@pytest.fixture
def finished(office_a):
    """A filled request whose appointment (10:00–12:00) was three days ago."""
    need = past_request(office=office_a, days_ago=3)
    person = farsi_mediator()
    started = need.starts_at
    offer = sent_offer(need, person, now=started - dt.timedelta(days=1))
    offers.accept(offer=offer, now=started - dt.timedelta(days=1))
    return need, person


def test_it_completes_with_the_hours_each_person_worked(staff_a, finished):
    """The form proposes the appointment's length; German "1,5" is one and a half hours."""
    need, person = finished
    client = signed_in(staff_a)
    client.cookies["django_language"] = "de"
    form = client.get(reverse("staff-request-complete", args=[need.pk]), HTTP_ACCEPT_LANGUAGE="de")
    assert 'value="2,00"' in form.content.decode()
    response = client.post(
        reverse("staff-request-complete", args=[need.pk]),
        {f"hours_{person.pk}": "1,5"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 303
    assert Request.objects.get(pk=need.pk).status == Request.Status.COMPLETED
    assert Offer.objects.get(request=need, volunteer=person).hours == Decimal("1.5")


@pytest.mark.parametrize("given", ["", "abc", "25", "-1", "1e9", "NaN"])
def test_it_shows_wrong_hours_next_to_the_field(staff_a, finished, given):
    """Bad hours: the form again (400), the field marked invalid and described by its error."""
    need, person = finished
    response = signed_in(staff_a).post(
        reverse("staff-request-complete", args=[need.pk]), {f"hours_{person.pk}": given}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page
    assert f'aria-describedby="id_hours_{person.pk}_helptext id_hours_{person.pk}_error"' in page
    assert f'id="id_hours_{person.pk}_error"' in page
    assert 'role="alert"' in page
    assert Request.objects.get(pk=need.pk).status == Request.Status.FILLED


def test_it_refuses_to_complete_before_the_appointment(staff_a, office_a):
    """Completing a request that has not started is refused with the domain's reason."""
    need = make_request(office=office_a)
    person = farsi_mediator()
    accepted_offer(need, person)
    response = signed_in(staff_a).post(
        reverse("staff-request-complete", args=[need.pk]), {f"hours_{person.pk}": "2"}, follow=True
    )
    assert "has not started yet" in response.content.decode()
    assert Request.objects.get(pk=need.pk).status == Request.Status.FILLED
    assert need.starts_at > timezone.now()


def test_staff_add_the_video_link_after_someone_accepted_and_only_they_see_it(staff_a, office_a):
    """The link for a video appointment often comes later: staff add it on the request page,
    the accepted volunteer finds it on their offer page, and a wrong kind is refused."""
    need = make_request(office=office_a)
    offer = accepted_offer(need, farsi_mediator())
    raw = offers.issue_link(offer=offer)
    client = signed_in(staff_a)
    page = client.get(reverse("staff-request", args=[need.pk])).content.decode()
    assert "Change kind, connection, address or note" in page

    link = "https://meet.example.org/termin-4821"
    response = client.post(
        reverse("staff-request-details", args=[need.pk]),
        {"kind": "jobcenter", "connection": link, "address": "Raum 3.12", "note": "Bescheid"},
        follow=True,
    )
    assert "Saved." in response.content.decode()
    need.refresh_from_db()
    assert (need.kind.code, need.connection, need.address) == ("jobcenter", link, "Raum 3.12")
    assert link in client.get(f"/offers/{raw}/").content.decode()

    response = client.post(
        reverse("staff-request-details", args=[need.pk]),
        {"kind": "no-such-kind", "connection": ""},
        follow=True,
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.connection == link  # nothing changed by the refused form


def test_a_closed_request_offers_no_details_to_change(staff_a, office_a):
    need = make_request(office=office_a)
    offers_client = signed_in(staff_a)
    offers_client.post(reverse("staff-request-cancel", args=[need.pk]))
    page = offers_client.get(reverse("staff-request", args=[need.pk])).content.decode()
    assert "Change kind, connection, address or note" not in page
    response = offers_client.post(
        reverse("staff-request-details", args=[need.pk]), {"note": "x"}, follow=True
    )
    assert "can no longer be changed" in response.content.decode()
