"""The new-request page: the form, the candidates while typing, and the three ways to save."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from requests.models import Offer, Request
from tests.factories.requests import next_weekday, recording_events
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in


def form_data(**changes):
    """A complete Farsi–German interpreting request for Monday week, 10:00–11:30, in 44147."""
    data = {
        "skill": "interpreting",
        "language_1": "fa",
        "language_2": "de",
        "language_3": "",
        "date": next_weekday(0).isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "postcode": "44147",
        "address": "Jobcenter, Steinstraße 39",
        "volunteers_needed": "1",
        "gender_preference": "",
        "note": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_it_labels_every_field(staff_a, office_a):
    """Each visible control has a <label for=...>: screen readers name every field."""
    page = signed_in(staff_a).get(reverse("staff-request-new")).content.decode()
    controls = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="(id_[a-z_0-9]+)"', page))
    labelled = set(re.findall(r'<label for="(id_[a-z_0-9]+)"', page))
    assert controls - labelled == {"id_office"}  # one office: a hidden field, named in the text
    assert office_a.name in page


def test_it_saves_and_starts_the_offers(staff_a, office_a, django_capture_on_commit_callbacks):
    """ "Send offers": saved with automatic offers; request_created tells the workers."""
    client = signed_in(staff_a)
    with recording_events() as log, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff-request-new"), form_data(action="offers"))
    need = Request.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("staff-request", args=[need.pk])
    assert need.auto_offer is True
    assert need.office == office_a
    assert need.created_by == staff_a.user
    assert need.language_codes == ["fa", "de"]
    local = need.starts_at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert local.strftime("%H:%M") in {"10:00", "09:00"}  # CET, or CEST shown in CET
    assert log.of("request_created") == [{"request_id": need.pk}]


def test_it_saves_without_offers(staff_a, office_a):
    signed_in(staff_a).post(reverse("staff-request-new"), form_data(action="save"))
    assert Request.objects.get().auto_offer is False


def test_it_saves_and_asks_the_chosen_candidate(staff_a, office_a):
    """ "Ask this person": the request without automatic offers, and one offer by hand."""
    person = farsi_mediator()
    response = signed_in(staff_a).post(reverse("staff-request-new"), form_data(ask=person.pk))
    need = Request.objects.get()
    assert response.status_code == 303
    assert need.auto_offer is False
    offer = Offer.objects.get(request=need)
    assert (offer.volunteer, offer.wave) == (person, 0)


def test_it_saves_nothing_when_the_chosen_person_cannot_be_asked(staff_a, office_a):
    """Asking someone inactive rolls the whole request back and says why."""
    person = farsi_mediator(status="inactive")
    response = signed_in(staff_a).post(reverse("staff-request-new"), form_data(ask=person.pk))
    assert response.status_code == 400
    assert "not active" in response.content.decode()
    assert not Request.objects.exists()


def test_it_shows_the_candidates_with_their_reasons_while_staff_type(staff_a, office_a):
    """The htmx fragment ranks the unsaved request: names, reasons, an "ask" button each."""
    person = farsi_mediator()
    response = signed_in(staff_a).post(reverse("staff-request-new-candidates"), form_data())
    page = response.content.decode()
    assert response.status_code == 200
    assert person.name in page
    assert "Persian native" in page
    assert f'name="ask" value="{person.pk}"' in page
    assert 'hx-swap-oob="innerHTML:#candidates-status"' in page
    assert not Request.objects.exists()


def test_it_says_which_condition_leaves_nobody_while_staff_type(staff_a, office_a):
    """Nobody free at 10:00 on that weekday: the panel counts who meets each condition and
    names the time as the one to change."""
    VolunteerFactory(
        languages=[("fa", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(1, "08:00", "18:00")],
        only_at_stated_times=True,
    )
    response = signed_in(staff_a).post(reverse("staff-request-new-candidates"), form_data())
    page = response.content.decode()
    rows = re.findall(r"<tr(?: class=\"stop\")?><td>([^<]+)</td><td class=\"num\">(\d+)</td>", page)
    assert "Why nobody fits" in page
    assert rows == [
        ("Active that day (not paused or away)", "1"),
        ("Speak Persian and German at B2 or better (close languages count)", "1"),
        ("Offer Interpreting", "1"),
        ("Free every week on Monday 10–11:30, or flexible about their times", "0"),
    ]
    assert '<tr class="stop"><td>Free every week' in page
    assert "Another time may find someone." in page


def test_it_asks_for_more_before_it_ranks(staff_a, office_a):
    """Without a date there are no candidates yet, and the page says what to fill in."""
    response = signed_in(staff_a).post(reverse("staff-request-new-candidates"), form_data(date=""))
    assert "Still missing for the candidates: Date." in response.content.decode()


def test_it_shows_candidates_without_javascript_on_check(staff_a, office_a):
    """The first button ("check") renders the whole page with the candidates, saving nothing."""
    person = farsi_mediator()
    response = signed_in(staff_a).post(reverse("staff-request-new"), form_data(action="check"))
    assert response.status_code == 200
    assert person.name in response.content.decode()
    assert not Request.objects.exists()


def test_it_puts_the_domains_message_next_to_the_field(staff_a, office_a):
    """A date in the past: the start time is marked invalid and described by the message."""
    response = signed_in(staff_a).post(
        reverse("staff-request-new"),
        form_data(action="offers", date="2020-01-06"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The appointment must start in the future." in page
    assert re.search(r'id="id_start_time"[^>]*aria-invalid="true"', page) or re.search(
        r'aria-invalid="true"[^>]*id="id_start_time"', page
    )
    assert 'aria-describedby="id_start_time_error"' in page
    assert 'id="id_start_time_error"' in page
    assert 'role="alert"' in page
    assert not Request.objects.exists()


def test_it_refuses_a_time_the_clocks_skip(staff_a, office_a):
    """02:30 on the last Sunday of March does not exist in Berlin."""
    year = next_weekday(0, weeks_ahead=2).year + 1
    last_sunday = max(
        dt.date(year, 3, day) for day in range(25, 32) if dt.date(year, 3, day).weekday() == 6
    )
    response = signed_in(staff_a).post(
        reverse("staff-request-new"),
        form_data(action="offers", date=last_sunday.isoformat(), start_time="02:30"),
    )
    assert response.status_code == 400
    assert "this time does not exist on that day" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"skill": "astrology"},
        {"language_1": "xx-not-a-language"},
        {"language_1": ""},
        {"date": "2026-13-45"},
        {"start_time": "25:99"},
        {"end_time": "09:00"},
        {"postcode": "abc"},
        {"postcode": ""},
        {"postcode": "99999"},
        {"date": "9999-12-31"},
        {"date": next_weekday(0, weeks_ahead=60).isoformat()},
        {"volunteers_needed": "-5"},
        {"volunteers_needed": "1000"},
        {"gender_preference": "robot"},
        {"note": "x" * 400},
        {"office": "999999"},
        {"ask": "not-a-number"},
        {"ask": "999999"},
    ],
)
def test_it_answers_bad_input_with_form_errors_never_a_500(staff_a, office_a, changes):
    """Whatever arrives, the page comes back with a message and nothing is saved."""
    data = form_data(action="offers", **changes)
    response = signed_in(staff_a).post(reverse("staff-request-new"), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Request.objects.exists()
    fragment = signed_in(staff_a).post(reverse("staff-request-new-candidates"), data)
    assert fragment.status_code == 200


def test_it_does_not_let_staff_record_a_request_for_another_office(staff_a, office_a, office_b):
    response = signed_in(staff_a).post(
        reverse("staff-request-new"), form_data(action="offers", office=office_b.pk)
    )
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_it_lets_a_coordinator_choose_the_office(coordinator, office_a, office_b):
    client = signed_in(coordinator)
    page = client.get(reverse("staff-request-new")).content.decode()
    assert '<label for="id_office">' in page
    client.post(reverse("staff-request-new"), form_data(action="save", office=office_b.pk))
    assert Request.objects.get().office == office_b
