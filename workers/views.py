"""The development mailbox pages (`/dev/mail/`): list, read, open attachments, empty; and the
development SMS box (`/dev/sms/`): every SMS sent, and replies typed as a phone."""

from urllib.parse import quote

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from volunteers import phones
from volunteers.models import Volunteer
from workers import mailbox
from workers.sms import base as sms_base
from workers.sms import dev as sms_dev


def _require_mailbox() -> None:
    if not mailbox.mailbox_enabled():
        raise Http404("The mailbox exists only in development (DEBUG with the mailbox backend).")


def mail_list(request: HttpRequest) -> HttpResponse:
    """The list; the open page asks again every half second (htmx) with the newest id it shows,
    and gets 204 No Content until a new message arrives, then the list anew."""
    _require_mailbox()
    newest = mailbox.newest_id()
    polling = request.headers.get("HX-Request") == "true"
    if polling and request.GET.get("since") == newest:
        return HttpResponse(status=204)
    mails = [m for m in map(mailbox.read, mailbox.stored_ids()[:200]) if m is not None]
    context = {"mails": mails, "newest": newest, "poll_ms": mailbox.POLL_MILLISECONDS}
    if polling:
        return render(request, "workers/_mail_list.html", context)
    return render(request, "workers/mail_list.html", {**context, "load_htmx": True})


def mail_detail(request: HttpRequest, mail_id: str) -> HttpResponse:
    _require_mailbox()
    mail = mailbox.read(mail_id)
    if mail is None:
        raise Http404("No such message.")
    return render(request, "workers/mail_detail.html", {"mail": mail})


# An email's HTML as it arrives in a mail program: styled inline (email clients know no style
# sheets), so it gets a policy of its own: inline style but never a script, no requests
# anywhere, framed only by the mailbox page and sandboxed even when opened on its own.
@xframe_options_sameorigin
@csp(
    {
        "default-src": NONE,
        "style-src": UNSAFE_INLINE,
        "img-src": [SELF, "data:"],
        "form-action": NONE,
        "base-uri": NONE,
        "frame-ancestors": SELF,
        "sandbox": "allow-popups allow-popups-to-escape-sandbox "
        "allow-top-navigation-by-user-activation",
    }
)
def mail_html(request: HttpRequest, mail_id: str) -> HttpResponse:
    _require_mailbox()
    mail = mailbox.read(mail_id)
    if mail is None or not mail.html:
        raise Http404("No such message, or it has no HTML part.")
    return HttpResponse(mail.html, content_type="text/html; charset=utf-8")


def mail_attachment(request: HttpRequest, mail_id: str, index: int) -> HttpResponse:
    _require_mailbox()
    mail = mailbox.read(mail_id)
    found = mail.attachment(index) if mail is not None else None
    if found is None:
        raise Http404("No such attachment.")
    filename, content_type, payload = found
    response = HttpResponse(payload, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def mail_clear(request: HttpRequest) -> HttpResponse:
    _require_mailbox()
    mailbox.clear()
    return redirect("mailbox")


# --- The development SMS box (`/dev/sms/`) ---------------------------------------------------


def _require_sms_box() -> None:
    if not (mailbox.mailbox_enabled() and sms_dev.in_use()):
        raise Http404("The SMS box exists only in development, with the dev SMS provider.")


def _sms_context(**extra: object) -> dict[str, object]:
    messages = sms_dev.messages()
    phones = sorted({m.phone for m in messages}) or sorted(
        str(p)
        for p in Volunteer.objects.not_erased()
        .filter(phone_confirmed_at__isnull=False)
        .values_list("phone", flat=True)[:20]
    )
    return {
        "messages": messages,
        "newest": sms_dev.newest_id(),
        "poll_ms": mailbox.POLL_MILLISECONDS,
        "phones": phones,
        **extra,
    }


def sms_box(request: HttpRequest) -> HttpResponse:
    """Every SMS sent, newest first (polled like the mailbox), and a form to reply as a phone."""
    _require_sms_box()
    polling = request.headers.get("HX-Request") == "true"
    if polling and request.GET.get("since") == sms_dev.newest_id():
        return HttpResponse(status=204)
    if polling:
        return render(request, "workers/_sms_list.html", _sms_context())
    context = _sms_context(phone=request.GET.get("phone", ""), load_htmx=True)
    return render(request, "workers/sms_box.html", context)


@require_POST
def sms_box_reply(request: HttpRequest) -> HttpResponse:
    """A reply typed as `phone`: handed to the channel's domain as a provider's webhook would."""
    _require_sms_box()
    typed = request.POST.get("phone", "").strip()[:30]
    text = request.POST.get("text", "").strip()[:480]
    number = phones.e164(typed)
    errors = {}
    if number is None:
        errors["phone"] = _("Enter a phone number, e.g. +49 171 2345678.")
    if not text:
        errors["text"] = _("Type the reply.")
    if errors:
        context = _sms_context(phone=typed, errors=errors, load_htmx=True)
        return render(request, "workers/sms_box.html", context, status=400)
    sms_base.receive_inbound(sms_dev.record_reply(phone=number, text=text))
    return redirect(f"{reverse('sms-box')}?phone={quote(number)}")


@require_POST
def sms_box_clear(request: HttpRequest) -> HttpResponse:
    _require_sms_box()
    sms_dev.clear()
    return redirect("sms-box")
