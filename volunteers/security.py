"""Security events in the audit trail: logins, failed logins and lockouts (django-axes).

Django sends `user_logged_in` and `user_login_failed` for the login page and the admin;
django-axes sends `user_locked_out` when it refuses a login. The API's token login records its
own entry (`requests.views.TokenLogin`), as it does not go through Django's login. Personal
links record their creation and the use of an expired one in `volunteers/tokens.py`.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed

from volunteers import audit


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(kind=audit.Kind.SECURITY, event=audit.Event.LOGGED_IN, actor=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The name that was tried, which may belong to nobody; the password is never recorded.
    tried = str(credentials.get("username") or "")[:150]
    audit.record(kind=audit.Kind.SECURITY, event=audit.Event.LOGIN_FAILED, actor_name=tried)


def _locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    audit.record(
        kind=audit.Kind.SECURITY,
        event=audit.Event.LOCKED_OUT,
        actor_name=str(username or "")[:150],
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="lotse.audit.logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="lotse.audit.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="lotse.audit.locked_out")
