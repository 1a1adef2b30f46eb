"""What the workers do when the requests app announces something (`requests.events`).

Every handler runs after the announcing transaction committed, in the process that committed it
(a web process, or a worker), and only enqueues tasks: no email is sent and no wave planned
before the change that asked for it is durable. A handler that needs to read first (does the
request offer by itself? which wave is next?) does one small query.
"""

from __future__ import annotations

from matching import offering
from requests import events
from requests.models import Request
from workers import tasks
from workers.models import Notice, SmsMessage


def request_created(request_id: int) -> None:
    if Request.objects.filter(pk=request_id, auto_offer=True).exists():
        tasks.offer_next_wave.delay(request_id, 1)


def waves_requested(request_id: int) -> None:
    wave = offering.next_wave(request_id)
    if wave is not None:
        tasks.offer_next_wave.delay(request_id, wave)


def offers_withdrawn(offer_ids: list[int]) -> None:
    for chunk in tasks.chunks(list(offer_ids)):
        tasks.send_closed_notices.delay(chunk)


def request_cancelled(request_id: int, offer_ids: list[int]) -> None:
    for chunk in tasks.chunks(list(offer_ids)):
        tasks.send_calendar_cancellations.delay(chunk)


def offer_released(offer_id: int) -> None:
    tasks.send_calendar_cancellations.delay([offer_id], released=True)
    tasks.send_office_notice.delay(Notice.Kind.RELEASED, offer_id=offer_id)
    tasks.replace_released.delay(offer_id)


def request_filled(request_id: int) -> None:
    tasks.send_office_notice.delay(Notice.Kind.FILLED, request_id=request_id)


def offer_failed(offer_id: int) -> None:
    by_sms = SmsMessage.objects.filter(
        offer_id=offer_id, kind=SmsMessage.Kind.OFFER, state=SmsMessage.State.FAILED
    ).exists()
    what = "sms offer" if by_sms else "offer"
    tasks.send_office_notice.delay(Notice.Kind.UNDELIVERABLE, offer_id=offer_id, what=what)


def request_unfilled(request_id: int) -> None:
    tasks.send_office_notice.delay(Notice.Kind.UNFILLED, request_id=request_id)


def offering_stalled(request_id: int) -> None:
    tasks.send_office_notice.delay(Notice.Kind.OFFER_FAILED, request_id=request_id)


def request_completed(request_id: int) -> None:
    tasks.start_checkins.delay(request_id)


HANDLERS = {
    "request_created": request_created,
    "waves_requested": waves_requested,
    "offer_created": tasks.send_offer.delay,
    "offer_accepted": tasks.send_confirmation.delay,
    "offer_declined": tasks.after_decline.delay,
    "request_filled": request_filled,
    "offers_withdrawn": offers_withdrawn,
    "request_cancelled": request_cancelled,
    "offer_released": offer_released,
    "offer_failed": offer_failed,
    "request_unfilled": request_unfilled,
    "offering_stalled": offering_stalled,
    "request_completed": request_completed,
}


def subscribe() -> None:
    for event, handler in HANDLERS.items():
        events.subscribe(event, handler)
