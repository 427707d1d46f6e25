"""Web pages for auditors, the department, lenders and parks: server-rendered, served by the API's app."""

from __future__ import annotations

from flask import Flask

from ledger.web.views import bp


def register_web(app: Flask) -> None:
    """Mount the pages under ``/ui`` (and send ``/`` there)."""
    app.register_blueprint(bp)
