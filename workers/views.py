"""The development mailbox pages (`/dev/mail/`): list, read, open attachments, empty."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from workers import mailbox


def _require_mailbox() -> None:
    if not mailbox.mailbox_enabled():
        raise Http404("The mailbox exists only in development (DEBUG with the mailbox backend).")


def mail_list(request: HttpRequest) -> HttpResponse:
    _require_mailbox()
    mails = [m for m in map(mailbox.read, mailbox.stored_ids()[:200]) if m is not None]
    return render(request, "workers/mail_list.html", {"mails": mails})


def mail_detail(request: HttpRequest, mail_id: str) -> HttpResponse:
    _require_mailbox()
    mail = mailbox.read(mail_id)
    if mail is None:
        raise Http404("No such message.")
    return render(request, "workers/mail_detail.html", {"mail": mail})


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
