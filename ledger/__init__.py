"""greenledger: a signed, append-only ledger of green finance and carbon credits.

Importing the package loads nothing heavy: the offline verifier (``ledger.verify``) must run where
Flask, SQLAlchemy and database drivers are not installed. ``create_app`` wires everything, on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.config import Config

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["Config", "create_app"]


def create_app(config: Config | None = None) -> "Flask":
    """Build the Flask app (see ``ledger.app.create_app``)."""
    from ledger.app import create_app as build

    return build(config)
