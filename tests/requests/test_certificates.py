"""Engagement certificates: the volunteer downloads a PDF of a period from their profile, its
text carries the right figures in German and prints an Arabic or Persian name right to left;
`/verify/<code>/` shows the same figures and refuses a forged code with a friendly page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from requests import certificates
from requests.models import Certificate, Outcome
from tests.factories.requests import confirmed
from tests.factories.volunteers import VolunteerFactory
from volunteers import tokens

pytestmark = pytest.mark.django_db


def german(msgid: str) -> str:
    """The German of a label (the English msgid until the translations are compiled)."""
    with translation.override("de"):
        return gettext(msgid)


def engagement_path(volunteer) -> str:
    raw = tokens.issue(volunteer=volunteer, purpose="manage")
    return reverse("volunteer-engagement", kwargs={"token": raw})


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def engaged(office_a, office_b, django_capture_on_commit_callbacks):
    """Three assignments in spring 2026 (2 h Persian at A, 1,5 h Arabic at B, and one where the
    client did not come), one in 2025 outside the period."""

    def build(name: str):
        person = VolunteerFactory(name=name, email_language="de")
        capture = django_capture_on_commit_callbacks
        confirmed(capture, office=office_a, volunteer=person, day=dt.date(2026, 3, 3))
        confirmed(
            capture,
            office=office_b,
            volunteer=person,
            day=dt.date(2026, 4, 14),
            hours="1.5",
            languages=("ar", "de"),
        )
        confirmed(
            capture,
            office=office_a,
            volunteer=person,
            day=dt.date(2026, 4, 20),
            result=Outcome.Result.CLIENT_NO_SHOW,
        )
        confirmed(capture, office=office_a, volunteer=person, day=dt.date(2025, 12, 1))
        return person

    return build


def download(client, volunteer, first="2026-01-01", last="2026-06-30"):
    return client.post(
        engagement_path(volunteer), {"first": first, "last": last}, HTTP_ACCEPT_LANGUAGE="de"
    )


def test_the_pdf_carries_the_figures_in_german(client, engaged):
    person = engaged("Anna Schmidt")
    page = client.get(engagement_path(person))
    title = german("Certificate of engagement")
    assert page.status_code == 200 and title in page.content.decode()
    text = pdf_text(download(client, person))
    assert title in text and "Anna Schmidt" in text
    assert f"{german('Assignments')}: 2" in text
    assert f"{german('Hours')}: 3,5" in text
    assert "1. Januar 2026" in text and "30. Juni 2026" in text
    assert "Persisch" in text and "Arabisch" in text and "Deutsch" in text
    assert "Büro A" in text and "Büro B" in text
    certificate = Certificate.objects.get()
    code = certificates.code_of(certificate)
    assert code in text
    assert f"/verify/{code}/" in text.replace("\n", "")


def test_an_arabic_name_prints_right_to_left(client, engaged):
    """A Persian name in Arabic script: every word comes out of the PDF whole (shaped glyphs
    map back to the letters), and the words run right to left."""
    name = "محمد رضایی"
    person = engaged(name)
    text = pdf_text(download(client, person))
    assert "رضایی محمد" in text  # the visual order of a right-to-left line
    assert f"{german('Assignments')}: 2" in text and f"{german('Hours')}: 3,5" in text


def test_verify_shows_the_same_figures_and_nothing_else(client, engaged):
    person = engaged("Anna Schmidt")
    download(client, person)
    certificate = Certificate.objects.get()
    url = reverse("certificate-verify", args=[certificates.code_of(certificate)])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    text = page.content.decode()
    figures = text[text.index('id="figures"') :]
    assert "<dd>2</dd>" in figures and "<dd>3,5</dd>" in figures
    assert "Persisch" in figures and "Büro A, Büro B" in figures
    assert "Anna Schmidt" not in text and person.email not in text
    matches = client.get(url, {"name": "anna  schmidt"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The name matches" in matches.content.decode()
    other = client.get(url, {"name": "Someone Else"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "not issued to this name" in other.content.decode()


def test_the_figures_stay_as_issued(client, engaged, office_a, django_capture_on_commit_callbacks):
    """A later assignment in the period does not change a certificate already issued."""
    person = engaged("Anna Schmidt")
    download(client, person)
    certificate = Certificate.objects.get()
    confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        volunteer=person,
        day=dt.date(2026, 5, 5),
    )
    assert certificates.resolve(certificates.code_of(certificate)).assignments == 2


@pytest.mark.parametrize("forge", ["signature", "number", "garbage"])
def test_verify_refuses_a_forged_code(client, engaged, forge):
    person = engaged("Anna Schmidt")
    download(client, person)
    genuine = certificates.code_of(Certificate.objects.get())
    number, signature = genuine.split("-")
    forged = {
        "signature": f"{number}-{('A' if signature[0] != 'A' else 'B') + signature[1:]}",
        "number": f"{int(number) + 1}-{signature}",
        "garbage": "' OR 1=1 --",
    }[forge]
    page = client.get(f"/verify/{forged}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Certificate not found" in text and "not genuine" in text
    assert "Büro A" not in text


def test_a_period_that_is_none_is_a_400_naming_the_field(client, engaged):
    person = engaged("Anna Schmidt")
    reversed_period = download(client, person, first="2026-06-30", last="2026-01-01")
    assert reversed_period.status_code == 400
    assert "must not be after" in reversed_period.content.decode() or "nach" in (
        reversed_period.content.decode()
    )
    not_a_date = download(client, person, first="gestern", last="2026-01-01")
    assert not_a_date.status_code == 400
    assert not Certificate.objects.exists()


def test_the_profile_links_to_the_certificate(client, engaged):
    person = engaged("Anna Schmidt")
    raw = tokens.issue(volunteer=person, purpose="manage")
    profile = client.get(reverse("volunteer-profile", kwargs={"token": raw})).content.decode()
    assert f'href="/volunteer/{raw}/engagement/"' in profile
