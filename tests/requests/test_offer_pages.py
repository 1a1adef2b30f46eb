"""The pages behind an offer's email link: what a volunteer sees, and what each answer does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from requests import lifecycle
from requests.models import Offer, Request
from tests.factories.requests import at, days_ahead, make_request, offer_rows, offered, sent_by_hand
from tests.factories.volunteers import VolunteerFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Sunday after the autumn change: 09:00 UTC is 10:00 CET (+01:00).
AUTUMN_2027 = dt.datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
# Sunday of the spring change: 08:00 UTC is 10:00 CEST (+02:00).
SPRING_2027 = dt.datetime(2027, 3, 28, 8, 0, tzinfo=UTC)

ENGLISH = {"volunteer": {"email_language": "en"}}


@pytest.fixture(autouse=True)
def unused_rate_limit():
    """Every test starts with an unused rate limit (it lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


def text(response: HttpResponse) -> str:
    return response.content.decode()


# --- what the page shows ----------------------------------------------------------------------


def test_it_shows_the_task_in_the_volunteers_email_language_not_the_browsers(client):
    """An English-speaking volunteer sees the task in English on a German browser: skill and
    languages, local day and time, place with district and distance, note, free places, the
    office's contacts and the two answers."""
    request, [sent] = offered(
        starts_at=AUTUMN_2027,
        volunteers_needed=2,
        postcode="44147",
        address="Königswall 20",
        note="Termin beim Jobcenter, bitte 10 Minuten früher da sein",
        volunteer={"email_language": "en", "postcode": "44137"},
    )
    office = request.office

    response = client.get(sent.path, headers={"accept-language": "de"})

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en"' in page
    assert response["Content-Language"] == "en"
    assert "Interpreting Persian–German" in page
    assert "Sunday, 31 October 2027, 10:00–11:30" in page
    assert "Königswall 20" in page and "44147 Innenstadt-Nord" in page
    assert "about 2.5 km from your postcode" in page
    assert "Termin beim Jobcenter, bitte 10 Minuten früher da sein" in page
    assert "2 places are still free" in page
    assert office.name in page and office.address in page
    assert office.phone in page and office.email in page
    assert page.count('<form method="post" action="/offers/') == 2
    assert 'name="action" value="accept"' in page and 'name="action" value="decline"' in page
    assert '<label for="decline-reason">' in page
    for value in Offer.DeclineReason.values:
        assert f'<option value="{value}">' in page
    assert "csrfmiddlewaretoken" in page
    assert "<script" not in page


def test_it_speaks_german_to_a_german_volunteer_on_an_english_browser(client):
    """A volunteer whose emails are German gets the page in German, day and month included."""
    _, [sent] = offered(starts_at=AUTUMN_2027, postcode="44147", volunteer={"postcode": "44137"})

    response = client.get(sent.path, headers={"accept-language": "en"})

    page = text(response)
    assert '<html lang="de"' in page
    assert "Sprachmittlung Persisch–Deutsch" in page
    assert "Sonntag, 31. Oktober 2027, 10:00–11:30" in page
    assert "2,5 km" in page


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        (AUTUMN_2027, "Sunday, 31 October 2027, 10:00–11:30"),
        (SPRING_2027, "Sunday, 28 March 2027, 10:00–11:30"),
    ],
    ids=["winter-time", "summer-time"],
)
def test_it_shows_berlin_wall_clock_time_on_both_sides_of_a_clock_change(client, starts_at, shown):
    """An appointment at 10:00 in Dortmund reads 10:00 in winter and in summer time."""
    _, [sent] = offered(starts_at=starts_at, **ENGLISH)

    assert shown in text(client.get(sent.path))


def test_it_says_by_phone_or_video_and_gives_no_distance_for_a_remote_task(client):
    """A phone/video task has no place and no distance."""
    _, [sent] = offered(remote=True, **ENGLISH)

    page = text(client.get(sent.path))

    assert "by phone or video" in page
    assert "km from your postcode" not in page


def test_it_gives_no_distance_when_the_volunteers_postcode_is_outside_the_data(client):
    """A volunteer whose postcode is in no place data sees no made-up distance."""
    _, [sent] = offered(volunteer={"email_language": "en", "postcode": "99999"})

    page = text(client.get(sent.path))

    assert "Amtsstraße 1" in page
    assert "km from your postcode" not in page


# --- opening a link changes nothing ----------------------------------------------------------


def test_it_changes_nothing_when_a_link_is_opened_by_a_browser_a_scanner_or_a_crawler():
    """GET and HEAD, with or without cookies, even with ?action=accept in the URL, leave every
    request and offer as it was: mail scanners open links before people do."""
    _, [sent] = offered()
    before = offer_rows()

    browser = Client()
    assert browser.get(sent.path).status_code == 200
    assert browser.head(sent.path).status_code == 200
    crawler = Client(headers={"user-agent": "Mozilla/5.0 (compatible; LinkScanner/1.0)"})
    assert crawler.get(sent.path + "?action=accept").status_code == 200
    assert crawler.get(sent.path, {"action": "decline", "reason": "no_time"}).status_code == 200
    assert crawler.head(sent.path + "?action=accept").status_code == 200
    assert crawler.get(sent.calendar_path).status_code == 404

    assert offer_rows() == before
    assert sent.reload().status == Offer.Status.SENT


def test_it_keeps_the_pages_private(client):
    """Every answer on these pages is uncached, unindexed and sends no Referer to other sites:
    the URL is the volunteer's secret."""
    _, [sent] = offered()
    responses = [
        client.get(sent.path),
        client.head(sent.path),
        client.get("/offers/not-a-real-token/"),
        client.post(sent.path, {"action": "nonsense"}),
        client.post(sent.path, {"action": "accept"}),
        client.post(sent.path, {"action": "decline"}),
        client.get(sent.calendar_path),
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 400, 303, 409, 200]
    for response in responses:
        assert response["Referrer-Policy"] == "same-origin"
        assert "noindex" in response["X-Robots-Tag"]
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


# --- answering ----------------------------------------------------------------------------------


def test_it_gives_the_place_to_a_volunteer_who_accepts(client):
    """Accept → back to the page (303), which now says the place is yours and offers the
    calendar entry; the request counts one place taken."""
    request, [sent] = offered(volunteers_needed=2, **ENGLISH)

    response = client.post(sent.path, {"action": "accept"})

    assert response.status_code == 303
    assert response["Location"] == sent.path
    page = text(client.get(sent.path))
    assert "You have accepted. Thank you!" in page
    assert f'href="{sent.calendar_path}"' in page
    assert 'value="accept"' not in page
    assert sent.reload().status == Offer.Status.ACCEPTED
    request.refresh_from_db()
    assert request.accepted_count == 1
    assert request.status == Request.Status.OFFERING


def test_it_records_a_decline_with_its_reason(client):
    """Decline with a reason → the offer is declined with that reason, the page thanks."""
    _, [sent] = offered(**ENGLISH)

    response = client.post(sent.path, {"action": "decline", "reason": "too_far"})

    assert response.status_code == 303
    offer = sent.reload()
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == Offer.DeclineReason.TOO_FAR
    assert "You have declined this offer." in text(client.get(sent.path))


def test_it_records_a_decline_without_a_reason(client):
    """The reason is optional."""
    _, [sent] = offered()

    assert client.post(sent.path, {"action": "decline", "reason": ""}).status_code == 303

    offer = sent.reload()
    assert (offer.status, offer.decline_reason) == (Offer.Status.DECLINED, "")


def test_it_answers_a_repeated_accept_with_the_accepted_page_and_changes_nothing(client):
    """A double click or a reload of the POST shows the accepted page again, takes no second
    place."""
    request, [sent] = offered(volunteers_needed=2, **ENGLISH)
    client.post(sent.path, {"action": "accept"})
    before = offer_rows()

    response = client.post(sent.path, {"action": "accept"}, follow=True)

    assert response.redirect_chain == [(sent.path, 303)]
    assert "You have accepted. Thank you!" in text(response)
    assert offer_rows() == before
    request.refresh_from_db()
    assert request.accepted_count == 1


def test_it_refuses_to_decline_after_accepting(client):
    """Declining an accepted offer is refused (409) with the accepted page: dropping out goes
    through the office."""
    _, [sent] = offered(**ENGLISH)
    client.post(sent.path, {"action": "accept"})
    before = offer_rows()

    response = client.post(sent.path, {"action": "decline", "reason": "no_time"})

    assert response.status_code == 409
    assert "You have accepted. Thank you!" in text(response)
    assert "please tell the office at once" in text(response)
    assert offer_rows() == before


def test_it_tells_the_second_volunteer_that_the_only_place_is_taken(client):
    """With one place, the second accept gets the 409 "all places are taken" page; a later
    visit shows the same, without buttons."""
    request, [first, second] = offered(count=2, volunteers_needed=1, **ENGLISH)

    assert client.post(first.path, {"action": "accept"}).status_code == 303
    response = client.post(second.path, {"action": "accept"})

    assert response.status_code == 409
    assert "Thank you! All places are taken." in text(response)
    assert second.reload().status == Offer.Status.WITHDRAWN
    request.refresh_from_db()
    assert (request.status, request.accepted_count) == (Request.Status.FILLED, 1)
    later = client.get(second.path)
    assert later.status_code == 200
    assert "All places are taken" in text(later)
    assert 'value="accept"' not in text(later)


def test_it_shows_an_expired_offer_and_refuses_to_accept_it(client):
    """Once the appointment has started the page says so, and accepting changes nothing."""
    then = timezone.now() - dt.timedelta(days=3)
    _, [sent] = offered(starts_at=at(days_ahead(-1), "10:00"), now=then, **ENGLISH)

    page = text(client.get(sent.path))
    assert "This offer has expired." in page
    assert 'value="accept"' not in page

    before = offer_rows()
    response = client.post(sent.path, {"action": "accept"})
    assert response.status_code == 409
    assert "This offer has expired." in text(response)
    assert offer_rows() == before


def test_it_shows_a_cancelled_appointment_and_refuses_to_accept_it(client):
    """After the office cancelled, the link says so and accepting is refused."""
    request, [sent] = offered(**ENGLISH)
    lifecycle.cancel_request(request=request)

    assert "This appointment was cancelled." in text(client.get(sent.path))
    response = client.post(sent.path, {"action": "accept"})
    assert response.status_code == 409
    assert "This appointment was cancelled." in text(response)
    assert sent.reload().status == Offer.Status.WITHDRAWN


def test_it_tells_an_accepted_volunteer_that_the_appointment_was_cancelled(client):
    """A volunteer who accepted and then opens the link after the office cancelled sees the
    cancellation, not "the place is yours" with a calendar entry."""
    request, [sent] = offered(**ENGLISH)
    client.post(sent.path, {"action": "accept"})
    lifecycle.cancel_request(request=request)

    page = text(client.get(sent.path))

    assert "This appointment was cancelled." in page
    assert client.get(sent.calendar_path).status_code == 404


def test_it_refuses_an_appointment_that_overlaps_one_already_accepted(client):
    """A volunteer who accepted 10:00–11:30 cannot also accept 11:00–12:00 that day: a 409 page
    explains the clash with its time; nothing changes and only declining is offered."""
    volunteer = VolunteerFactory(email_language="en")
    first_request = make_request(
        starts_at=at(days_ahead(5), "10:00"), duration=dt.timedelta(minutes=90), auto_offer=False
    )
    first = sent_by_hand(request=first_request, volunteer=volunteer)
    assert client.post(first.path, {"action": "accept"}).status_code == 303
    clashing = make_request(
        starts_at=at(days_ahead(5), "11:00"), duration=dt.timedelta(hours=1), auto_offer=False
    )
    second = sent_by_hand(request=clashing, volunteer=volunteer)
    before = offer_rows()

    response = client.post(second.path, {"action": "accept"})

    assert response.status_code == 409
    page = text(response)
    assert "it overlaps with another one you have accepted" in page
    start = timezone.localtime(first_request.starts_at).strftime("%d.%m. %H:%M")
    assert start in page
    assert 'value="accept"' not in page
    assert 'value="decline"' in page
    assert offer_rows() == before


@pytest.mark.parametrize("data", [{"action": "maybe"}, {}], ids=["unknown", "missing"])
def test_it_answers_a_post_without_a_known_action_with_400(client, data):
    """A POST that is neither accept nor decline shows the page again with a message (400)."""
    _, [sent] = offered(**ENGLISH)
    before = offer_rows()

    response = client.post(sent.path, data)

    assert response.status_code == 400
    assert "Please answer with one of the buttons on this page." in text(response)
    assert 'role="alert"' in text(response)
    assert offer_rows() == before


# --- bad links and too many requests -------------------------------------------------------


def test_it_shows_a_friendly_404_for_a_tampered_link(client):
    """A link with one character changed opens nothing, and posting to it changes nothing."""
    _, [sent] = offered()
    last = sent.token[-1]
    tampered = sent.token[:-1] + ("A" if last != "A" else "B")
    before = offer_rows()

    response = client.get(f"/offers/{tampered}/", headers={"accept-language": "en"})
    posted = client.post(f"/offers/{tampered}/", {"action": "accept"})

    assert response.status_code == 404
    assert "This offer link does not work" in text(response)
    assert '<html lang="en"' in text(response)
    assert posted.status_code == 404
    assert client.get(f"/offers/{tampered}/calendar.ics").status_code == 404
    assert offer_rows() == before


def test_it_answers_an_unknown_link_in_the_browsers_language(client):
    """Nobody is known behind an unknown link, so its page follows the browser."""
    response = client.get("/offers/abc/", headers={"accept-language": "de"})

    assert response.status_code == 404
    assert '<html lang="de"' in text(response)


def test_it_slows_down_a_client_that_opens_too_many_links():
    """After 30 requests in a minute one address gets 429 with Retry-After, even for a valid
    link (guessing tokens gets nowhere); another address is still served."""
    _, [sent] = offered()
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    answers = [guesser.get(f"/offers/guess-{n}/").status_code for n in range(30)]

    blocked = guesser.get(sent.path)

    assert answers == [404] * 30
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    assert "Zu viele Aufrufe" in text(blocked)
    assert guesser.post(sent.path, {"action": "accept"}).status_code == 429
    assert sent.reload().status == Offer.Status.SENT
    assert Client(REMOTE_ADDR="203.0.113.8").get(sent.path).status_code == 200
