"""What a volunteer's SMS does: "JA 4821" accepts, "NEIN 4821" declines, "STOP" stops SMS.

Replies do exactly what the offer page's buttons do, through `requests.offers.accept` and
`decline`, with their guarantees (never more volunteers than needed; a repeated "JA" changes
nothing and is answered "accepted already"). They are recorded in the audit trail on the
channel "sms". Every answer goes through the SMS outbox in the same transaction: nothing is
sent from inside the webhook.

Who sent it is the confirmed number (E.164) of one volunteer; a code is looked up among that
person's offers only, so an SMS never learns anything about another person's offer. A number
nobody confirmed gets no answer, except the person confirming it ("JA" to the confirmation SMS).

Parsing is forgiving: the yes and no words of every language Lotse's volunteers speak, digits
1 and 2, any script's digits for the code, in any order ("4821 ja", "JA4821", "Ja, 4821!").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from requests import offers
from requests.errors import OfferError
from requests.models import Offer
from volunteers import audit, phones
from volunteers.models import Volunteer
from workers.models import SmsMessage, SmsReply
from workers.sms import base, outbox, texts

logger = logging.getLogger(__name__)

YES = "yes"
NO = "no"
STOP = "stop"

# Lower-cased, without accents or punctuation. Per language: de en tr uk ru fa ar fr, and the
# digits 1 (yes) and 2 (no) that work on any keyboard.
WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["ja", "jo", "jap", "jep", "yes", "y", "yeah", "yep", "ok", "okay", "evet", "tamam",
         "так", "да", "بله", "آره", "اره", "بلی", "نعم", "ايوه", "أيوه", "oui", "si", "1"],
        YES,
    ),
    **dict.fromkeys(
        ["nein", "nee", "ne", "no", "n", "nope", "hayir", "hayır", "yok", "ні", "нi", "нет",
         "نه", "نخیر", "لا", "non", "2"],
        NO,
    ),
    **dict.fromkeys(["stop", "stopp", "стоп", "توقف", "dur"], STOP),
}  # fmt: skip

_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)
CODE = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Parsed:
    word: str | None  # YES, NO, STOP or None
    code: str | None


def _fold(text: str) -> str:
    """Case and accents away (hayır → hayir stays recognised both ways), digits of any script
    as ASCII digits (٤٨٢١ → 4821)."""
    out = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if char.isdigit():
            out.append(str(unicodedata.digit(char, 0)))
        else:
            out.append(char)
    return "".join(out)


def parse(text: str) -> Parsed:
    tokens = _TOKEN.findall(_fold(text))
    word = None
    code = None
    for token in tokens:
        if CODE.match(token) and code is None:
            code = token
            continue
        found = WORDS.get(token)
        if found is None:
            stripped = "".join(
                c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c)
            )
            found = WORDS.get(stripped)
        if found is not None and word is None:
            word = found
    # "1" or "2" alone are answers; a lone 4-digit number is a code without an answer.
    return Parsed(word=word, code=code)


# --- Handling -------------------------------------------------------------------------------


def handle(message: base.Inbound, *, now: dt.datetime | None = None) -> str:
    """Act on one inbound SMS (once per provider message id); returns the outcome."""
    now = now or timezone.now()
    sender = phones.e164(message.sender) or message.sender[:20]
    try:
        with transaction.atomic(), audit.channel(audit.Channel.SMS):
            reply = SmsReply.objects.create(
                provider=message.provider,
                provider_id=message.provider_id[:100] or uuid.uuid4().hex,
                sender=sender[:20],
                text=message.text[:500],
                outcome=SmsReply.Outcome.HELP,
            )
            outcome = _act(reply, now=now)
            reply.outcome = outcome
            reply.save(update_fields=["outcome", "volunteer", "offer"])
    except IntegrityError:
        logger.info("sms inbound provider=%s outcome=duplicate", message.provider)
        return "duplicate"
    logger.info("sms inbound reply=%s outcome=%s", reply.pk, outcome)
    return outcome


def _answer(
    reply: SmsReply, volunteer: Volunteer, body: str, *, offer: Offer | None = None
) -> None:
    outbox.queue(
        key=f"reply:{reply.pk}",
        kind=SmsMessage.Kind.REPLY,
        volunteer=volunteer,
        offer=offer,
        body=body,
        answering=True,
    )


def _sender(number: str) -> Volunteer | None:
    """The volunteer whose confirmed number this is, else one waiting to confirm it."""
    people = Volunteer.objects.not_erased().filter(phone=number)
    confirmed = people.filter(phone_confirmed_at__isnull=False).order_by("pk").first()
    if confirmed is not None:
        return confirmed
    waiting = (
        people.filter(
            status=Volunteer.Status.ACTIVE,
            offer_channel__in=[Volunteer.OfferChannel.SMS, Volunteer.OfferChannel.BOTH],
            sms__kind=SmsMessage.Kind.CONFIRM_NUMBER,
        )
        .order_by("-sms__created_at", "-pk")
        .first()
    )
    return waiting


def _act(reply: SmsReply, *, now: dt.datetime) -> str:
    volunteer = _sender(reply.sender)
    if volunteer is None:
        return SmsReply.Outcome.UNKNOWN_SENDER
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    reply.volunteer = volunteer
    parsed = parse(reply.text)
    with translation.override(volunteer.email_language):
        if parsed.word == STOP:
            return _stop(reply, volunteer, now=now)
        if volunteer.phone_confirmed_at is None:
            if parsed.word == YES:
                return _confirm_number(reply, volunteer, now=now)
            _answer(reply, volunteer, texts.confirm_number())
            return SmsReply.Outcome.HELP
        if parsed.word in {YES, NO}:
            return _answer_offer(reply, volunteer, parsed, now=now)
        _answer(reply, volunteer, texts.help_text())
        return SmsReply.Outcome.HELP


def _stop(reply: SmsReply, volunteer: Volunteer, *, now: dt.datetime) -> str:
    """SMS offers pause: offers go by email, until the person chooses SMS again."""
    Volunteer.objects.filter(pk=volunteer.pk).update(
        sms_stopped_at=now, offer_channel=Volunteer.OfferChannel.EMAIL, updated_at=now
    )
    audit.record(
        kind=audit.Kind.VOLUNTEER, event=audit.Event.SMS_STOPPED, volunteer_id=volunteer.pk
    )
    _answer(reply, volunteer, texts.stopped())  # the one last SMS
    return SmsReply.Outcome.STOPPED


def _confirm_number(reply: SmsReply, volunteer: Volunteer, *, now: dt.datetime) -> str:
    # The number moves to this person: whoever confirmed it before no longer gets its SMS.
    Volunteer.objects.filter(phone=volunteer.phone, phone_confirmed_at__isnull=False).exclude(
        pk=volunteer.pk
    ).update(phone_confirmed_at=None, updated_at=now)
    Volunteer.objects.filter(pk=volunteer.pk).update(phone_confirmed_at=now, updated_at=now)
    audit.record(
        kind=audit.Kind.VOLUNTEER, event=audit.Event.PHONE_CONFIRMED, volunteer_id=volunteer.pk
    )
    _answer(reply, volunteer, texts.number_confirmed())
    return SmsReply.Outcome.CONFIRMED


def _open_offers(volunteer: Volunteer, now: dt.datetime) -> list[Offer]:
    return list(
        Offer.objects.filter(
            volunteer=volunteer, status=Offer.Status.SENT, request__starts_at__gt=now
        ).order_by("request__starts_at", "pk")
    )


def _answer_offer(
    reply: SmsReply, volunteer: Volunteer, parsed: Parsed, *, now: dt.datetime
) -> str:
    if parsed.code is not None:
        sms = (
            SmsMessage.objects.filter(
                volunteer=volunteer, kind=SmsMessage.Kind.OFFER, code=parsed.code
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if sms is None or sms.offer_id is None:
            _answer(reply, volunteer, texts.unknown_code(parsed.code))
            return SmsReply.Outcome.HELP
        offer = Offer.objects.get(pk=sms.offer_id)
        code = parsed.code
    else:
        open_offers = _open_offers(volunteer, now)
        if not open_offers:
            _answer(reply, volunteer, texts.nothing_open())
            return SmsReply.Outcome.HELP
        if len(open_offers) > 1:
            codes = [c for c in (outbox.code_of(o) for o in open_offers) if c]
            _answer(reply, volunteer, texts.which(codes) if codes else texts.help_text())
            return SmsReply.Outcome.ASKED_WHICH
        offer = open_offers[0]
        code = outbox.code_of(offer)
    reply.offer = offer
    try:
        # A savepoint: a refused answer rolls back its own work, not the reply's record.
        with transaction.atomic():
            if parsed.word == YES:
                offers.accept(offer=offer, now=now)
            else:
                offers.decline(offer=offer, now=now)
    except OfferError as exc:
        _answer(reply, volunteer, _refusal(exc, offer, code), offer=offer)
        return SmsReply.Outcome.REFUSED
    if parsed.word == YES:
        # The confirmation SMS follows from the accept (`workers.sending.send_confirmation`).
        return SmsReply.Outcome.ACCEPTED
    _answer(reply, volunteer, texts.declined(code), offer=offer)
    return SmsReply.Outcome.DECLINED


def _refusal(exc: OfferError, offer: Offer, code: str) -> str:
    if exc.code == "filled":
        return texts.closed(request=offer.request, code=code)
    return texts.refused(code, exc.message)
