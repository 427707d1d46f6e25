"""Web pages for auditors, the department, lenders and parks: server-rendered, served by the API's app."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from ledger.web.i18n import init_babel
from ledger.web import signing  # noqa: F401  (its routes join the blueprint)
from ledger.web.views import bp, csrf, unrouted_error


def register_web(app: Flask, *, csrf_lifetime: int) -> None:
    """Mount the pages under ``/ui`` (and send ``/`` there), with CSRF tokens on their forms and each
    page in the visitor's language (Flask-Babel: ``ledger.web.i18n``).

    :param csrf_lifetime: seconds a form token stays valid (a session's absolute lifetime).
    """
    app.config.update(
        WTF_CSRF_FIELD_NAME="csrf",
        # Checked only where the pages ask (``views._check_form_token``): the API's writes are signed
        # envelopes sent with a bearer token, which a cross-site form cannot send.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=csrf_lifetime,
        # Flask-WTF would also demand a same-origin Referer on HTTPS, which our Referrer-Policy
        # (no-referrer) stops browsers from sending; the SameSite=Strict cookie and the token do that job.
        WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(app)
    init_babel(app)
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, unrouted_error)
