"""Twilio: sending through its Messages API and its signed webhooks, against a local gateway
that speaks Twilio's documented requests and answers."""

from __future__ import annotations

import pytest

from tests.smtp_sink import free_port
from workers.sms import base
from workers.sms.base import PermanentFailure, TemporaryFailure

from .conftest import SITE, build

NUMBER = "+491701234567"


# --- Sending ------------------------------------------------------------------------------------


def test_it_sends_the_form_fields_with_basic_auth_and_reads_the_sid_and_segments(twilio_gateway):
    """One POST to Messages.json with To, From, Body and StatusCallback; the answer's sid is the
    message's id for later status callbacks, and its segment count is kept."""
    twilio = build(twilio_gateway.sms_url())

    accepted = twilio.send(
        to=NUMBER, body="Neue Anfrage: JA 4821", status_url="https://lotse.example.org/s/"
    )

    assert accepted.provider_id.startswith("SM")
    assert accepted.segments == 1
    [request] = twilio_gateway.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio_gateway.account_sid}/Messages.json"
    assert request.fields == {
        "To": NUMBER,
        "From": twilio_gateway.numbers[0],
        "Body": "Neue Anfrage: JA 4821",
        "StatusCallback": "https://lotse.example.org/s/",
    }
    assert request.headers["Authorization"].startswith("Basic ")


def test_it_counts_the_segments_twilio_reports_for_a_long_persian_text(twilio_gateway):
    twilio = build(twilio_gateway.sms_url())

    accepted = twilio.send(to=NUMBER, body="درخواست جدید " * 8, status_url=None)

    assert accepted.segments == 2
    assert "StatusCallback" not in twilio_gateway.requests[0].fields


def test_it_sends_through_a_messaging_service_when_from_names_one(twilio_gateway):
    service = "MG" + "a" * 32
    twilio_gateway.numbers = (service,)
    twilio = build(twilio_gateway.sms_url())

    twilio.send(to=NUMBER, body="Hallo", status_url=None)

    fields = twilio_gateway.requests[0].fields
    assert fields["MessagingServiceSid"] == service
    assert "From" not in fields


@pytest.mark.parametrize("failure", [500, 503, 429, "drop"])
def test_an_outage_or_a_request_to_slow_down_is_a_temporary_failure(twilio_gateway, failure):
    """5xx, 429 and a dropped connection: try again later, and the next try goes through."""
    twilio = build(twilio_gateway.sms_url())
    twilio_gateway.fail_next(failure)

    with pytest.raises(TemporaryFailure):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)
    accepted = twilio.send(to=NUMBER, body="Hallo", status_url=None)

    assert accepted.provider_id.startswith("SM")
    assert len(twilio_gateway.requests) == 2


def test_a_gateway_that_does_not_answer_in_time_is_a_temporary_failure(twilio_gateway):
    twilio = build(twilio_gateway.sms_url(timeout="0.5"))
    twilio_gateway.fail_next("timeout")

    with pytest.raises(TemporaryFailure, match=r"did not answer within 0\.5 s"):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)


def test_a_gateway_nobody_listens_on_is_a_temporary_failure():
    twilio = build(f"twilio+http://AC1:token@127.0.0.1:{free_port()}?from=%2B4923100000")

    with pytest.raises(TemporaryFailure, match="could not be reached"):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)


def test_an_invalid_number_is_a_permanent_failure_that_does_not_repeat_the_number(twilio_gateway):
    twilio = build(twilio_gateway.sms_url())

    with pytest.raises(PermanentFailure) as failure:
        twilio.send(to="0170 1234567", body="Hallo", status_url=None)

    assert "21211" in str(failure.value)
    assert "not a valid phone number" in str(failure.value)
    assert "0170" not in str(failure.value)


def test_an_unsubscribed_recipient_is_a_permanent_failure(twilio_gateway):
    twilio_gateway.unsubscribed.add(NUMBER)
    twilio = build(twilio_gateway.sms_url())

    with pytest.raises(PermanentFailure, match="21610"):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)


def test_a_wrong_auth_token_is_a_permanent_failure_that_does_not_show_the_token(twilio_gateway):
    twilio = build(
        f"twilio+http://{twilio_gateway.account_sid}:wrong-token@{twilio_gateway.url}"
        f"?from=%2B4923100000"
    )

    with pytest.raises(PermanentFailure) as failure:
        twilio.send(to=NUMBER, body="Hallo", status_url=None)

    assert "20003" in str(failure.value)
    assert "wrong-token" not in str(failure.value)
    assert "wrong-token" not in repr(twilio)


def test_a_twilio_error_code_the_test_names_maps_by_its_http_status(twilio_gateway):
    """A 4xx from Twilio is final; a Twilio error served with 5xx is not."""
    twilio = build(twilio_gateway.sms_url())
    twilio_gateway.fail_next(("twilio", 30001, 400), ("twilio", 20500, 500))

    with pytest.raises(PermanentFailure, match="30001"):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)
    with pytest.raises(TemporaryFailure, match="500"):
        twilio.send(to=NUMBER, body="Hallo", status_url=None)


# --- Webhooks -----------------------------------------------------------------------------------


@pytest.fixture
def lotse(site, twilio_gateway, use_provider):
    """Lotse configured with the local Twilio gateway, which posts its webhooks to Lotse."""
    twilio_gateway.client = site
    return use_provider(twilio_gateway.sms_url())


@pytest.mark.django_db(transaction=True)
def test_a_signed_status_callback_reaches_the_channel_over_http(
    live_server, settings, twilio_gateway, use_provider, received
):
    """The whole round through real sockets: the message is sent with Lotse's status URL, and
    the callback Twilio posts there arrives as a StatusUpdate for that message."""
    settings.SITE_URL = live_server.url
    twilio = use_provider(twilio_gateway.sms_url())
    accepted = twilio.send(to=NUMBER, body="Hallo", status_url=base.status_url(twilio))
    callback_url = twilio_gateway.requests[0].fields["StatusCallback"]
    assert callback_url == f"{live_server.url}/sms/twilio/status/"

    answer = twilio_gateway.post_webhook(
        callback_url, twilio_gateway.status_params(accepted.provider_id, "delivered")
    )
    reply = twilio_gateway.post_webhook(
        f"{live_server.url}/sms/twilio/inbound/", twilio_gateway.inbound_params(NUMBER, "JA")
    )

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert answer.text.endswith("<Response/>")
    assert reply.status_code == 200
    [update] = received.status
    assert (update.provider, update.provider_id, update.state) == (
        "twilio",
        accepted.provider_id,
        "delivered",
    )
    assert [(m.sender, m.text) for m in received.inbound] == [(NUMBER, "JA")]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", "queued"),
        ("sending", "queued"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("undelivered", "failed"),
        ("failed", "failed"),
    ],
)
def test_twilio_states_map_to_lotse_states(lotse, twilio_gateway, received, status, state):
    error = "30003" if state == "failed" else ""

    answer = twilio_gateway.post_webhook(
        f"{SITE}/sms/twilio/status/", twilio_gateway.status_params("SM1", status, error)
    )

    assert answer.status_code == 200
    assert [(u.provider_id, u.state, u.error) for u in received.status] == [("SM1", state, error)]


def test_a_signed_inbound_message_reaches_the_channel_and_gets_empty_twiml(
    lotse, twilio_gateway, received
):
    params = twilio_gateway.inbound_params(NUMBER, "JA 4821")

    answer = twilio_gateway.post_webhook(f"{SITE}/sms/twilio/inbound/", params)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert answer.text.endswith("<Response/>")
    [message] = received.inbound
    assert message.provider == "twilio"
    assert message.provider_id == params["MessageSid"]
    assert (message.sender, message.text) == (NUMBER, "JA 4821")


@pytest.mark.parametrize("kind", ["inbound", "status"])
@pytest.mark.parametrize("forgery", ["wrong key", "missing", "changed body", "other url"])
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(
    lotse, twilio_gateway, received, forgery, kind, caplog
):
    url = f"{SITE}/sms/twilio/{kind}/"
    if kind == "inbound":
        params = twilio_gateway.inbound_params(NUMBER, "JA 4821")
    else:
        params = twilio_gateway.status_params("SM1", "delivered")
    if forgery == "wrong key":
        twilio_gateway.auth_token = "someone-elses-token"
        answer = twilio_gateway.post_webhook(url, params)
    elif forgery == "missing":
        answer = twilio_gateway.post_webhook(url, params, signature=None)
    elif forgery == "changed body":
        signature = twilio_gateway.sign(url, params)
        changed = {**params, "Body": "JA 9999", "MessageStatus": "failed"}
        answer = twilio_gateway.post_webhook(url, changed, signature=signature)
    else:
        answer = twilio_gateway.post_webhook(url, params, signed_url=url + "?again=1")

    assert answer.status_code == 403
    assert received.inbound == []
    assert received.status == []
    assert "Refused an SMS webhook" in caplog.text


def test_behind_a_proxy_the_signature_is_checked_against_the_public_url(
    lotse, twilio_gateway, received, settings
):
    """Twilio signs the URL it was given (SITE_URL's); the Host the proxy passes on does not
    count. Twilio may sign the URL with or without the default port."""
    settings.SITE_URL = "https://lotse.example.org"
    internal = f"{SITE}/sms/twilio/inbound/"
    params = twilio_gateway.inbound_params(NUMBER, "JA")

    through_proxy = twilio_gateway.post_webhook(
        internal, params, signed_url="https://lotse.example.org/sms/twilio/inbound/"
    )
    with_port = twilio_gateway.post_webhook(
        internal, params, signed_url="https://lotse.example.org:443/sms/twilio/inbound/"
    )
    signed_for_the_host_header = twilio_gateway.post_webhook(internal, params)

    assert through_proxy.status_code == 200
    assert with_port.status_code == 200
    assert signed_for_the_host_header.status_code == 403
    assert len(received.inbound) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": ""},
        {"From": "Lotse"},
        {"From": "0170 1234567"},
    ],
)
def test_a_signed_but_unreadable_inbound_message_is_a_bad_request(
    lotse, twilio_gateway, received, change
):
    params = {**twilio_gateway.inbound_params(NUMBER, "JA"), **change}

    answer = twilio_gateway.post_webhook(f"{SITE}/sms/twilio/inbound/", params)

    assert answer.status_code == 400
    assert received.inbound == []


def test_a_signed_status_callback_with_an_unknown_status_is_a_bad_request(
    lotse, twilio_gateway, received
):
    params = twilio_gateway.status_params("SM1", "teleported")

    answer = twilio_gateway.post_webhook(f"{SITE}/sms/twilio/status/", params)

    assert answer.status_code == 400
    assert received.status == []


def test_another_providers_webhook_is_not_found_and_a_get_not_allowed(
    lotse, twilio_gateway, site, received
):
    params = twilio_gateway.inbound_params(NUMBER, "JA")

    assert twilio_gateway.post_webhook(f"{SITE}/sms/seven/inbound/", params).status_code == 404
    assert site.get(f"{SITE}/sms/twilio/inbound/").status_code == 405
    assert received.inbound == []
