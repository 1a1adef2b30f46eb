"""seven.io: sending through `POST /api/sms` and its signed webhooks (sms_mo, dlr), against a
local gateway that speaks seven's documented requests and answers."""

from __future__ import annotations

import secrets
import time

import pytest

from tests.smtp_sink import free_port
from workers.sms.base import PermanentFailure, TemporaryFailure

from .conftest import SITE, build

NUMBER = "+491701234567"


# --- Sending ------------------------------------------------------------------------------------


def test_it_sends_to_text_and_from_with_the_api_key_and_reads_the_id_and_parts(seven_gateway):
    seven = build(seven_gateway.sms_url())

    accepted = seven.send(to=NUMBER, body="Neue Anfrage: JA 4821", status_url=None)

    [request] = seven_gateway.requests
    assert request.path == "/api/sms"
    assert request.headers["X-Api-Key"] == seven_gateway.api_key
    assert request.fields == {"to": NUMBER, "text": "Neue Anfrage: JA 4821", "from": "+4923100000"}
    assert accepted.provider_id.isdigit()
    assert accepted.segments == 1


def test_it_reads_the_parts_seven_counts_for_a_long_arabic_text(seven_gateway):
    seven = build(seven_gateway.sms_url())

    accepted = seven.send(to=NUMBER, body="طلب جديد " * 9, status_url=None)

    assert accepted.segments == 2


@pytest.mark.parametrize("failure", [500, 502, 429, "drop", ("seven", 500), ("seven", 600)])
def test_an_outage_or_a_passing_refusal_is_a_temporary_failure(seven_gateway, failure):
    """HTTP 5xx/429, a dropped connection, and seven's codes 500 (too little credit) and 600
    (carrier failed): the message is tried again later, and the next try goes through."""
    seven = build(seven_gateway.sms_url())
    seven_gateway.fail_next(failure)

    with pytest.raises(TemporaryFailure):
        seven.send(to=NUMBER, body="Hallo", status_url=None)
    accepted = seven.send(to=NUMBER, body="Hallo", status_url=None)

    assert accepted.provider_id.isdigit()
    assert len(seven_gateway.requests) == 2


def test_a_gateway_that_does_not_answer_in_time_is_a_temporary_failure(seven_gateway):
    seven = build(seven_gateway.sms_url(timeout="0.5"))
    seven_gateway.fail_next("timeout")

    with pytest.raises(TemporaryFailure, match=r"did not answer within 0\.5 s"):
        seven.send(to=NUMBER, body="Hallo", status_url=None)


def test_a_gateway_nobody_listens_on_is_a_temporary_failure():
    seven = build(f"seven+http://key@127.0.0.1:{free_port()}?signing_secret=s")

    with pytest.raises(TemporaryFailure, match="could not be reached"):
        seven.send(to=NUMBER, body="Hallo", status_url=None)


@pytest.mark.parametrize(
    ("to", "code"), [("+49", 202), ("", 301), ("+4917000000001", 402), ("+4917000000002", 201)]
)
def test_a_refused_recipient_is_a_permanent_failure(seven_gateway, to, code):
    seven_gateway.refused = {"+4917000000001": 402, "+4917000000002": 201}
    seven = build(seven_gateway.sms_url())

    with pytest.raises(PermanentFailure, match=f"code {code}"):
        seven.send(to=to, body="Hallo", status_url=None)


def test_a_wrong_api_key_is_a_permanent_failure_that_does_not_show_the_key(seven_gateway):
    seven = build(f"seven+http://wrong-key@{seven_gateway.url}?signing_secret=s&from=%2B4923100000")

    with pytest.raises(PermanentFailure, match="code 900") as failure:
        seven.send(to=NUMBER, body="Hallo", status_url=None)

    assert "wrong-key" not in str(failure.value)
    assert "wrong-key" not in repr(seven)


# --- Webhooks -----------------------------------------------------------------------------------


@pytest.fixture
def lotse(site, seven_gateway, use_provider):
    seven_gateway.client = site
    return use_provider(seven_gateway.sms_url())


@pytest.mark.django_db(transaction=True)
def test_signed_webhooks_reach_the_channel_over_http(
    live_server, settings, seven_gateway, use_provider, received
):
    """The whole round through real sockets: a message sent, its delivery report and a reply."""
    settings.SITE_URL = live_server.url
    seven = use_provider(seven_gateway.sms_url())
    accepted = seven.send(to=NUMBER, body="Hallo", status_url=None)

    report = seven_gateway.post_webhook(
        f"{live_server.url}/sms/seven/status/", seven_gateway.dlr(accepted.provider_id, "DELIVERED")
    )
    reply = seven_gateway.post_webhook(
        f"{live_server.url}/sms/seven/inbound/", seven_gateway.sms_mo("491701234567", "JA 4821")
    )

    assert (report.status_code, reply.status_code) == (200, 200)
    assert [(u.provider, u.provider_id, u.state) for u in received.status] == [
        ("seven", accepted.provider_id, "delivered")
    ]
    [message] = received.inbound
    assert (message.provider, message.sender, message.text) == ("seven", NUMBER, "JA 4821")


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("ACCEPTED", "queued"),
        ("BUFFERED", "queued"),
        ("TRANSMITTED", "sent"),
        ("DELIVERED", "delivered"),
        ("NOTDELIVERED", "failed"),
        ("EXPIRED", "failed"),
        ("REJECTED", "failed"),
    ],
)
def test_seven_report_states_map_to_lotse_states(lotse, seven_gateway, received, status, state):
    answer = seven_gateway.post_webhook(
        f"{SITE}/sms/seven/status/", seven_gateway.dlr("77149843739", status)
    )

    assert answer.status_code == 200
    error = status if state == "failed" else ""
    assert [(u.provider_id, u.state, u.error) for u in received.status] == [
        ("77149843739", state, error)
    ]


@pytest.mark.parametrize("sender", ["491701234567", "+491701234567", "00491701234567"])
def test_the_sender_of_an_inbound_message_is_read_as_e164(lotse, seven_gateway, received, sender):
    answer = seven_gateway.post_webhook(
        f"{SITE}/sms/seven/inbound/", seven_gateway.sms_mo(sender, "nein")
    )

    assert answer.status_code == 200
    assert [(m.sender, m.text) for m in received.inbound] == [(NUMBER, "nein")]


@pytest.mark.parametrize("kind", ["inbound", "status"])
@pytest.mark.parametrize(
    "forgery", ["wrong key", "missing", "changed body", "other url", "old", "replayed"]
)
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(
    lotse, seven_gateway, received, forgery, kind, caplog
):
    url = f"{SITE}/sms/seven/{kind}/"
    payload = (
        seven_gateway.sms_mo("491701234567", "JA 4821")
        if kind == "inbound"
        else seven_gateway.dlr("77149843739", "DELIVERED")
    )
    if forgery == "wrong key":
        seven_gateway.signing_secret = "someone-elses-key"
        answer = seven_gateway.post_webhook(url, payload)
    elif forgery == "missing":
        answer = seven_gateway.post_webhook(url, payload, signature=None)
    elif forgery == "changed body":
        timestamp, nonce = int(time.time()), "n" * 32
        signature = seven_gateway.sign(
            timestamp=timestamp, nonce=nonce, url=url, body=b'{"webhook_event": "other"}'
        )
        answer = seven_gateway.post_webhook(
            url, payload, signature=signature, timestamp=timestamp, nonce=nonce
        )
    elif forgery == "other url":
        answer = seven_gateway.post_webhook(url, payload, signed_url=url + "?again=1")
    elif forgery == "old":
        answer = seven_gateway.post_webhook(url, payload, timestamp=int(time.time()) - 3600)
    else:
        nonce = secrets.token_hex(16)
        first = seven_gateway.post_webhook(url, payload, nonce=nonce)
        assert first.status_code == 200
        received.inbound.clear()
        received.status.clear()
        answer = seven_gateway.post_webhook(url, payload, nonce=nonce)

    assert answer.status_code == 403
    assert received.inbound == []
    assert received.status == []
    assert "Refused an SMS webhook" in caplog.text


def test_behind_a_proxy_the_signature_is_checked_against_the_public_url(
    lotse, seven_gateway, received, settings
):
    settings.SITE_URL = "https://lotse.example.org"
    internal = f"{SITE}/sms/seven/inbound/"

    through_proxy = seven_gateway.post_webhook(
        internal,
        seven_gateway.sms_mo("491701234567", "JA"),
        signed_url="https://lotse.example.org/sms/seven/inbound/",
    )
    signed_for_the_host_header = seven_gateway.post_webhook(
        internal, seven_gateway.sms_mo("491701234567", "JA")
    )

    assert through_proxy.status_code == 200
    assert signed_for_the_host_header.status_code == 403
    assert len(received.inbound) == 1


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("inbound", {"webhook_event": "dlr", "data": {"msg_id": "1", "status": "DELIVERED"}}),
        ("inbound", {"webhook_event": "sms_mo", "data": {"id": "1", "sender": "Lotse"}}),
        ("inbound", {"webhook_event": "sms_mo"}),
        ("status", {"webhook_event": "dlr", "data": {"msg_id": "1", "status": "LOST"}}),
        ("status", {"webhook_event": "dlr", "data": {"status": "DELIVERED"}}),
        ("status", ["not", "an", "object"]),
    ],
)
def test_a_signed_but_unreadable_webhook_is_a_bad_request(
    lotse, seven_gateway, received, kind, payload
):
    answer = seven_gateway.post_webhook(f"{SITE}/sms/seven/{kind}/", payload)

    assert answer.status_code == 400
    assert received.inbound == []
    assert received.status == []


def test_the_twilio_webhooks_are_not_found_while_seven_is_configured(
    lotse, seven_gateway, received
):
    answer = seven_gateway.post_webhook(
        f"{SITE}/sms/twilio/inbound/", seven_gateway.sms_mo("491701234567", "JA")
    )

    assert answer.status_code == 404
    assert received.inbound == []
