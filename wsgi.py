"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from ledger.app import create_app, freeze_loaded

app = create_app()
freeze_loaded()
