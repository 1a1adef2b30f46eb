"""The volunteer's own pages behind the personal link: profile, edit, pause, export.

Erasure has its own file (test_erasure.py). Volunteers are built through
`profiles.save_profile`, the path every real profile takes (`profiled_volunteer`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories.volunteers import profiled_volunteer
from volunteers import language_picker, languages, profiles, selfservice, tokens
from volunteers.models import PersonalToken, Volunteer
from volunteers.selfservice_forms import ProfileEditForm

PAGES = ("", "edit/", "pause/", "export/", "delete/")
POST_PAGES = ("edit/", "pause/", "delete/")
REQUESTS = [("get", page) for page in PAGES] + [("post", page) for page in POST_PAGES]


# --- helpers (shared with test_erasure.py) -------------------------------------------------


def english(client: Any) -> Any:
    """The client after choosing English with the page's switch: a volunteer's pages otherwise
    speak the volunteer's own language, whatever the browser asks for."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def manage_path(volunteer: Volunteer, suffix: str = "", **issue: Any) -> str:
    """The path of a fresh personal (manage) link, plus `suffix` ("edit/", "pause/", ...)."""
    raw = tokens.issue(volunteer=volunteer, purpose="manage", **issue)
    return f"/volunteer/{raw}/{suffix}"


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the volunteers app, to prove that a request changed nothing. The audit
    trail is left out: it records the visit (tests/volunteers/test_audit.py)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("volunteers").get_models()
        if model._meta.label not in {"volunteers.AuditEntry", "volunteers.AuditRetention"}
    }


def edit_form(**changes: str | list[str]) -> dict[str, Any]:
    """A complete edit form as a browser posts it, with `changes` applied."""
    form: dict[str, Any] = {
        "name": "Samira H.",
        "phone": "0231 5550999",
        "postcode": "44263",
        "max_distance_km": "8",
        "remote_ok": "1",
        "languages-0-code": "per",
        "languages-0-level": "native",
        "languages-1-code": "en",
        "languages-1-level": "B1",
        "languages-2-code": "",
        "languages-2-level": "",
        "languages-3-code": "Deutsch",
        "languages-3-level": "C1",
        "skills": ["bike-repair", "interpreting"],
        "gender": "",
        "certificate_date": "2025-02-03",
        "max_tasks_per_month": "5",
        "email_language": "en",
        "absences-0-start": "2031-08-01",
        "absences-0-end": "2031-08-02",
        "absences-1-start": "",
        "absences-1-end": "",
    }
    for weekday in range(7):
        for window in range(3):
            form[f"availability-{weekday}-{window}-start"] = ""
            form[f"availability-{weekday}-{window}-end"] = ""
    form["availability-1-0-start"] = "18:00"
    form["availability-1-0-end"] = "20:00"
    form.update(changes)
    return form


@pytest.fixture
def volunteer(db) -> Volunteer:
    return profiled_volunteer()


# --- the profile page ----------------------------------------------------------------------


def test_it_shows_everything_stored_on_the_profile_page(client, volunteer):
    """The volunteer sees all their data and the way to each action."""
    path = manage_path(volunteer)
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Samira Haidari",
        "samira.haidari@example.org",
        "+49 231 5550123",
        "44357",
        "Mengede",
        "Persisch",
        "Deutsch",
        "B2",
        "Sprachmittlung",
        "Briefe und Formulare",
        "Montag",
        "09:00–12:00",
        "14:30–17:00",
        "1. Juli 2031",
        "1. März 2024",
        "2025-01",
    ):
        assert text in page, f"{text!r} missing on the profile page"
    for action in ("edit/", "pause/", "export/", "delete/"):
        assert f'href="{path}{action}"' in page or f'action="{path}{action}"' in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]


def test_it_lets_a_paused_volunteer_use_every_page(client, volunteer):
    """A pause stops offers, not the volunteer's access to their own data."""
    selfservice.pause(volunteer=volunteer, until=timezone.localdate() + dt.timedelta(days=5))
    path = manage_path(volunteer)
    for page in PAGES:
        assert client.get(path + page).status_code == 200, page


# --- the personal link ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "page"), REQUESTS)
def test_it_answers_a_tampered_link_with_a_friendly_404(client, volunteer, page, method):
    """A link with a changed character opens nothing and changes nothing."""
    path = manage_path(volunteer)
    raw = path.split("/")[2]
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    before = snapshot()
    response = getattr(client, method)(f"/volunteer/{tampered}/{page}", edit_form())
    assert response.status_code == 404
    assert 'href="/volunteer/link/"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(("method", "page"), REQUESTS)
def test_it_answers_an_expired_link_with_a_friendly_410(client, volunteer, page, method):
    """After its lifetime the link says it expired and offers a new one; nothing changes."""
    lifetime = tokens.LIFETIMES[PersonalToken.Purpose.MANAGE]
    path = manage_path(volunteer, page, now=timezone.now() - lifetime - dt.timedelta(days=1))
    before = snapshot()
    response = getattr(client, method)(path, edit_form())
    assert response.status_code == 410
    page_text = response.content.decode()
    assert "abgelaufen" in page_text or "has expired" in page_text
    assert 'href="/volunteer/link/"' in page_text
    assert snapshot() == before


def test_it_does_not_accept_a_confirmation_link_as_a_personal_link(client, volunteer):
    """Only a manage link opens the profile; the page says what the other link is for."""
    raw = tokens.issue(volunteer=volunteer, purpose="confirm")
    response = client.get(f"/volunteer/{raw}/")
    assert response.status_code == 403
    page_text = response.content.decode()
    assert volunteer.name not in page_text
    assert f'href="/volunteer/confirm/{raw}/"' in page_text
    assert 'href="/volunteer/link/"' in page_text


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("method", ["get", "head"])
def test_it_changes_nothing_when_a_page_is_only_opened(client, volunteer, page, method):
    """Mail scanners open links: a GET or HEAD of any page leaves every row as it was."""
    path = manage_path(volunteer, page)
    before = snapshot()
    response = getattr(client, method)(path)
    assert response.status_code == 200
    assert snapshot() == before


def test_it_refuses_a_post_without_the_csrf_token(volunteer):
    """A form posted from another site cannot change the profile."""
    client = Client(enforce_csrf_checks=True)
    path = manage_path(volunteer)
    before = snapshot()
    for page in ("edit/", "pause/", "delete/"):
        response = client.post(path + page, edit_form(until="2031-01-01"))
        assert response.status_code == 403, page
    assert snapshot() == before


# --- editing -------------------------------------------------------------------------------


def test_it_shows_the_stored_profile_in_the_edit_form(client, volunteer):
    """The form starts from what is stored, with two blank rows to add languages."""
    page = english(client).get(manage_path(volunteer, "edit/")).content.decode()
    assert 'value="Samira Haidari"' in page
    assert 'value="09:00"' in page and 'value="14:30"' in page
    assert 'value="2031-07-01"' in page
    assert len(re.findall(r'name="languages-\d+-code" [^>]*list="language-list"', page)) == 2 + 2
    assert 'value="Persian – فارسی"' in page  # the stored "fa", as the picker names it
    assert len(re.findall(r'<input type="date" name="absences-\d+-start"', page)) == 1 + 2
    assert len(re.findall(r'name="availability-\d-\d-start"', page)) == 7 * 3
    assert re.search(r'value="interpreting" checked', page)
    assert not re.search(r'value="bike-repair" checked', page)
    assert 'name="email"' not in page
    assert "please write to your office" in page


def test_it_offers_the_networks_common_languages_first(client, volunteer):
    """One list for every language row, sent once: German, Arabic, Farsi, Dari, ... first,
    then the others by their German name, each also in its own name."""
    page = client.get(manage_path(volunteer, "edit/")).content.decode()
    assert page.count("<datalist") == 1
    datalist = page[page.index('<datalist id="language-list">') :]
    labels = re.findall(r'<option value="([^"]*)">', datalist[: datalist.index("</datalist>")])
    assert labels == [option.label for option in language_picker.options("de")]
    common = labels[: len(languages.NETWORK_COMMON)]
    assert common[:4] == ["Deutsch", "Arabisch – العربية", "Persisch – فارسی", "Dari – دری"]
    rest = labels[len(common) :]
    # Alphabetical in German, umlauts with their letter: Ägyptisch before Amharisch.
    assert rest.index("Ägyptisches Arabisch – مصري") < rest.index("Amharisch – አማርኛ")
    assert rest == sorted(rest, key=languages.sort_key)


def test_it_saves_the_edited_profile(client, volunteer):
    """Saving replaces the languages (a typed "per" is stored as "fa") and everything else."""
    path = manage_path(volunteer)
    response = client.post(path + "edit/", edit_form())
    assert response.status_code == 302
    assert response["Location"] == path
    volunteer.refresh_from_db()
    assert volunteer.name == "Samira H."
    assert str(volunteer.phone) == "+492315550999"
    assert (volunteer.postcode, volunteer.district) == ("44263", "Hörde")
    assert volunteer.max_distance_km == 8
    assert volunteer.remote_ok is True
    assert volunteer.gender == ""
    assert volunteer.certificate_date == dt.date(2025, 2, 3)
    assert volunteer.max_tasks_per_month == 5
    assert volunteer.email_language == "en"
    assert volunteer.email == "samira.haidari@example.org"
    assert set(volunteer.languages.values_list("code", "level")) == {
        ("fa", "native"),
        ("en", "B1"),
        ("de", "C1"),
    }
    # The level staff recorded for a skill that stays ticked is kept.
    assert set(volunteer.skill_set.values_list("skill__code", "level")) == {
        ("bike-repair", ""),
        ("interpreting", "experienced"),
    }
    assert list(volunteer.availability.values_list("weekday", "start", "end")) == [
        (1, dt.time(18), dt.time(20))
    ]
    assert list(volunteer.absences.values_list("start", "end")) == [
        (dt.date(2031, 8, 1), dt.date(2031, 8, 2))
    ]
    followed = client.get(path).content.decode()
    assert "Ihre Änderungen sind gespeichert" in followed or "Your changes are saved" in followed


def test_it_keeps_the_input_and_stores_nothing_when_windows_overlap(client, volunteer):
    """Overlapping times on one day are refused next to the times; the typed form comes back."""
    path = manage_path(volunteer, "edit/")
    before = snapshot()
    form = edit_form(
        **{
            "availability-0-0-start": "08:00",
            "availability-0-0-end": "10:00",
            "availability-0-1-start": "09:30",
            "availability-0-1-end": "11:00",
        }
    )
    response = client.post(path, form)
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="availability-error">[^<]*08:00–10:00[^<]*09:30–11:00', page)
    assert 'role="alert"' in page
    assert 'value="Samira H."' in page and 'value="09:30"' in page
    assert 'value="per"' in page  # the language as typed
    assert snapshot() == before


def test_it_puts_each_error_next_to_its_field_or_row(client, volunteer):
    """A bad postcode, an unknown language and a window ending before it starts are named
    where they were typed; nothing is saved."""
    path = manage_path(volunteer, "edit/")
    before = snapshot()
    form = edit_form(
        **{
            "postcode": "4435",
            "languages-1-code": "xx-nonsense",
            "availability-3-1-start": "12:00",
            "availability-3-1-end": "11:00",
            "languages-2-code": "ar",
        }
    )
    page = english(client).post(path, form).content.decode()
    assert re.search(r'id="id_postcode" value="4435"[^>]*aria-invalid="true"', page)
    assert re.search(r'aria-describedby="[^"]*postcode-error"', page)
    assert re.search(r'id="postcode-error">[^<]*44147', page)
    assert re.search(r'id="languages-1-error">[^<]*xx-nonsense', page)
    assert 'aria-describedby="languages-1-error"' in page
    assert 'id="availability-3-1-error"' in page
    assert re.search(r'id="languages-2-error">Level: please fill this in', page)
    assert snapshot() == before


def test_it_refuses_to_remove_every_language(client, volunteer):
    """A profile without any language cannot be matched; the form says so."""
    path = manage_path(volunteer, "edit/")
    before = snapshot()
    form = edit_form(**{"languages-0-code": "", "languages-0-level": "", "languages-1-code": ""})
    form.update({"languages-1-level": "", "languages-3-code": "", "languages-3-level": ""})
    page = client.post(path, form).content.decode()
    assert 'id="languages-error"' in page
    assert snapshot() == before


def test_it_ignores_an_email_address_posted_to_the_edit_page(client, volunteer):
    """The email changes only through the office, with a new confirmation."""
    client.post(manage_path(volunteer, "edit/"), edit_form(email="someone@example.org"))
    volunteer.refresh_from_db()
    assert volunteer.email == "samira.haidari@example.org"


# --- pausing -------------------------------------------------------------------------------


def test_it_pauses_offers_until_a_chosen_day(client, volunteer):
    """A pause sets the status and the last day, and the profile says so."""
    until = timezone.localdate() + dt.timedelta(days=14)
    path = manage_path(volunteer)
    response = client.post(path + "pause/", {"action": "pause", "until": until.isoformat()})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.paused_until) == (Volunteer.Status.PAUSED, until)
    assert "Resume now" in english(client).get(path).content.decode()


def test_it_resumes_offers_at_once(client, volunteer):
    """ "Resume now" makes the volunteer active again and forgets the date."""
    selfservice.pause(volunteer=volunteer, until=timezone.localdate() + dt.timedelta(days=3))
    response = client.post(manage_path(volunteer, "pause/"), {"action": "resume"})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.paused_until) == (Volunteer.Status.ACTIVE, None)


@pytest.mark.parametrize(
    "until", [dt.timedelta(days=-1), dt.timedelta(days=367), None], ids=["past", "far", "blank"]
)
def test_it_refuses_a_pause_out_of_range(client, volunteer, until):
    """Yesterday, more than a year ahead or no date: the page says why, nothing changes."""
    path = manage_path(volunteer, "pause/")
    before = snapshot()
    day = (timezone.localdate() + until).isoformat() if until is not None else ""
    response = client.post(path, {"action": "pause", "until": day})
    assert response.status_code == 200
    assert 'id="until-error"' in response.content.decode()
    assert snapshot() == before


def test_it_ends_the_longest_pause_from_29_february_on_28_february():
    """A year after a leap day is the last day of February, not an error."""
    assert selfservice.latest_pause_end(today=dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


@pytest.mark.parametrize("days", [0, 365])
def test_it_pauses_from_today_up_to_a_year_ahead(volunteer, days):
    """Today and exactly one year ahead are both accepted."""
    today = dt.date(2030, 5, 6)
    selfservice.pause(volunteer=volunteer, until=today + dt.timedelta(days=days), today=today)
    volunteer.refresh_from_db()
    assert volunteer.paused_until == today + dt.timedelta(days=days)


@pytest.mark.parametrize("status", [Volunteer.Status.PENDING, Volunteer.Status.INACTIVE])
def test_it_does_not_let_an_unconfirmed_or_inactive_profile_pause_or_resume(db, status):
    """Resuming must not skip the email confirmation or undo a deactivation by the office."""
    volunteer = profiled_volunteer(status=status)
    with pytest.raises(ValidationError):
        selfservice.resume(volunteer=volunteer)
    with pytest.raises(ValidationError):
        selfservice.pause(volunteer=volunteer, until=timezone.localdate())
    volunteer.refresh_from_db()
    assert volunteer.status == status


# --- export --------------------------------------------------------------------------------


def test_it_exports_everything_stored_as_a_json_download(client, volunteer):
    """Every field of the profile and every related row is in the file; no link secret is."""
    path = manage_path(volunteer)
    response = client.get(path + "export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="lotse-data.json"'
    data = json.loads(response.content)

    assert set(data["volunteer"]) == {f.name for f in Volunteer._meta.concrete_fields}
    assert data["volunteer"]["name"] == "Samira Haidari"
    assert data["volunteer"]["phone"] == "+492315550123"
    assert data["volunteer"]["certificate_date"] == "2024-03-01"
    assert data["volunteer"]["consent_version"] == "2025-01"
    assert dt.datetime.fromisoformat(data["volunteer"]["created_at"]).tzinfo is not None

    assert {(row["code"], row["level"]) for row in data["languages"]} == set(
        volunteer.languages.values_list("code", "level")
    )
    assert {(row["skill"], row["level"]) for row in data["skills"]} == set(
        volunteer.skill_set.values_list("skill__code", "level")
    )
    assert {(r["weekday"], r["start"], r["end"]) for r in data["availability"]} == {
        (s.weekday, s.start.isoformat(), s.end.isoformat()) for s in volunteer.availability.all()
    }
    assert {(r["start"], r["end"]) for r in data["absences"]} == {
        (a.start.isoformat(), a.end.isoformat()) for a in volunteer.absences.all()
    }
    stored_links = PersonalToken.objects.filter(volunteer=volunteer).order_by("pk")
    assert [link["purpose"] for link in data["personal_links"]] == [t.purpose for t in stored_links]
    assert {"purpose", "created_at", "expires_at", "used_at"} <= set(data["personal_links"][0])
    text = response.content.decode()
    assert "digest" not in text
    for token in stored_links:
        assert token.digest not in text
    assert path.split("/")[2] not in text


def test_it_exports_every_table_that_points_at_the_volunteer(volunteer):
    """A table added later that refers to volunteers appears in the export without new code."""
    data = selfservice.export_data(volunteer=volunteer)
    for rel in Volunteer._meta.related_objects:
        key = {"skill_set": "skills", "tokens": "personal_links"}.get(
            rel.get_accessor_name(), rel.get_accessor_name()
        )
        assert key in data, f"{rel.related_model.__name__} rows are missing from the export"


def test_it_saves_an_unchanged_form_without_changing_the_profile(volunteer):
    """Opening the editor and pressing "save" keeps every stored value as it was."""
    shown = ProfileEditForm.for_volunteer(volunteer)
    posted: dict[str, Any] = dict(shown.values)
    posted["skills"] = sorted(shown.skills)
    if shown.remote_ok:
        posted["remote_ok"] = "1"
    for row in (*shown.language_rows, *shown.absence_rows, *shown.all_slot_rows()):
        posted.update({f"{row.prefix}-{name}": value for name, value in row.values.items()})
    before = snapshot()
    form = ProfileEditForm.from_post(posted, volunteer=volunteer)
    assert form.is_valid(), form.errors
    profiles.save_profile(volunteer=volunteer, data=form.cleaned_data)

    def content(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
        # Replaced rows get new ids and the edit time changes; the content is what counts.
        ignored = {"id", "updated_at"}
        return {
            label: sorted(repr({k: v for k, v in row.items() if k not in ignored}) for row in table)
            for label, table in rows.items()
        }

    assert content(snapshot()) == content(before)


def test_it_ends_a_pause_after_its_last_day(db):
    """The day after a pause's last day the nightly task makes the volunteer active again."""
    from volunteers.tasks import end_elapsed_pauses

    today = timezone.localdate()
    over = profiled_volunteer(email="over@lotse.example")
    still = profiled_volunteer(email="still@lotse.example")
    Volunteer.objects.filter(pk=over.pk).update(
        status=Volunteer.Status.PAUSED, paused_until=today - dt.timedelta(days=1)
    )
    Volunteer.objects.filter(pk=still.pk).update(status=Volunteer.Status.PAUSED, paused_until=today)
    end_elapsed_pauses.delay()  # runs in this process in unit tests
    over.refresh_from_db()
    still.refresh_from_db()
    assert (over.status, over.paused_until) == (Volunteer.Status.ACTIVE, None)
    assert (still.status, still.paused_until) == (Volunteer.Status.PAUSED, today)
