"""The development mailbox: every email sent in development, readable and clickable."""

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail

from workers import mailbox


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path
    return tmp_path


def test_it_lists_sent_messages_newest_first(client, mail_dir):
    """Two messages sent: both listed with recipient and subject, the newer on top."""
    send_mail("Erste Nachricht", "Hallo", None, ["a@lotse.example"])
    send_mail("Zweite Nachricht", "Hallo", None, ["b@lotse.example"])
    page = client.get("/dev/mail/").content.decode()
    assert page.index("Zweite Nachricht") < page.index("Erste Nachricht")
    assert "b@lotse.example" in page


def test_it_makes_the_links_in_a_message_clickable(client, mail_dir):
    """A person reading the mail in the browser can click the personal link."""
    send_mail(
        "Einladung",
        "Bitte hier zusagen: http://127.0.0.1:8000/offers/abc123/",
        None,
        ["a@lotse.example"],
    )
    (mail_id,) = mailbox.stored_ids()
    page = client.get(f"/dev/mail/{mail_id}/").content.decode()
    assert '<a href="http://127.0.0.1:8000/offers/abc123/"' in page


def test_it_shows_the_html_part_sandboxed_and_offers_attachments(client, mail_dir):
    """HTML is shown in a sandboxed frame; an attached calendar file can be downloaded."""
    message = EmailMultiAlternatives("Termin", "Text", None, ["a@lotse.example"])
    message.attach_alternative("<p>Termin am <b>Dienstag</b></p>", "text/html")
    message.attach("termin.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.send()
    (mail_id,) = mailbox.stored_ids()
    page = client.get(f"/dev/mail/{mail_id}/").content.decode()
    assert "<iframe" in page and 'sandbox="' in page
    assert "termin.ics" in page
    download = client.get(f"/dev/mail/{mail_id}/attachments/0/")
    assert download["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in download.content


def test_it_empties_the_mailbox(client, mail_dir):
    """The "delete all" button removes every stored message."""
    send_mail("Weg damit", "Hallo", None, ["a@lotse.example"])
    client.post("/dev/mail/clear/")
    assert mailbox.stored_ids() == []


def test_it_refuses_paths_outside_the_mailbox(client, mail_dir):
    """A crafted message id never reads another file."""
    assert client.get("/dev/mail/..%2F..%2Fconfig%2Fsettings.py/").status_code == 404
    assert mailbox.read("../settings.py") is None


def test_it_does_not_exist_in_production(client, mail_dir, settings):
    """With DEBUG off, or with real SMTP, the mailbox pages are a 404."""
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert client.get("/dev/mail/").status_code == 404


def test_it_shows_when_a_message_was_sent_in_berlin_time_german_style(client, mail_dir):
    """The Date header is UTC; the list and the message show Dortmund time, German style."""
    EmailMultiAlternatives(
        "Angebot",
        "Hallo",
        None,
        ["a@lotse.example"],
        headers={"Date": "Sun, 06 Dec 2026 17:05:00 -0000"},
    ).send()
    (mail_id,) = mailbox.stored_ids()
    for page in (client.get("/dev/mail/"), client.get(f"/dev/mail/{mail_id}/")):
        html = page.content.decode()
        assert "18:05" in html and ("06.12.2026" in html or "6. Dezember 2026" in html)
        assert "17:05" not in html and "-0000" not in html


def test_an_open_mailbox_hears_of_new_mail_and_of_nothing_else(client, mail_dir):
    """The page asks again with the newest message it shows: "no content" until a new message
    arrives, then the list with it."""
    send_mail("Erste Nachricht", "Hallo", None, ["a@lotse.example"])
    page = client.get("/dev/mail/").content.decode()
    (newest,) = mailbox.stored_ids()
    assert f"?since={newest}" in page and 'hx-trigger="every ' in page
    poll = {"HTTP_HX_REQUEST": "true"}
    assert client.get("/dev/mail/", {"since": newest}, **poll).status_code == 204
    send_mail("Zweite Nachricht", "Hallo", None, ["b@lotse.example"])
    answer = client.get("/dev/mail/", {"since": newest}, **poll)
    assert answer.status_code == 200
    assert "Zweite Nachricht" in answer.content.decode()
    assert "<html" not in answer.content.decode()  # only the list, swapped into the page


def test_the_mailbox_asks_for_new_mail_within_a_second():
    """Offers take well under a second to reach the mailbox; the page must not add more."""
    assert 0 < mailbox.POLL_MILLISECONDS < 1000
