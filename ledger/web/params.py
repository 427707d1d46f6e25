"""Strict reading of the values a page's URL carries: a bad one is the visitor's mistake (a 4xx page), never a 500."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _

from ledger import errors
from ledger.api.schemas import MAX_BIGINT

#: ASCII digits only: ``str.isdigit`` also takes "²" and "٣", which ``int`` then refuses or reads otherwise.
_DIGITS = re.compile(r"[0-9]{1,19}")
#: Printable ASCII without spaces: what a link inside this site may be (a header must never carry CR or LF).
_LOCAL_LINK = re.compile(r"/ui/[!-~]*")


def log_index(text: str, name: str) -> int:
    """``text`` as a log index or tree size (0 to 2**63-1), else InvalidInput naming ``name``."""
    if not _DIGITS.fullmatch(text) or int(text) > MAX_BIGINT:
        raise errors.InvalidInput(_("%(name)s must be a whole number from 0 to %(most)s", name=name, most=MAX_BIGINT), field=name)
    return int(text)


def optional_index(name: str, *, minimum: int = 0) -> int | None:
    """The query parameter ``name`` as a log index, None when it is absent or empty."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    value = log_index(raw.strip(), name)
    if value < minimum:
        raise errors.InvalidInput(_("%(name)s must be at least %(least)s", name=name, least=minimum), field=name)
    return value


def index_list(raw: str, name: str, *, most: int) -> list[int]:
    """Comma-separated log indices, sorted and without repeats; at most ``most`` of them."""
    values = sorted({log_index(part.strip(), name) for part in raw.split(",") if part.strip()})
    return values[:most]


def local_link(target: str | None) -> str | None:
    """``target`` when it is a page of this site: never an absolute or scheme-relative URL (an open
    redirect), a backslash that browsers read as a slash, or a character a header may not carry."""
    if target and _LOCAL_LINK.fullmatch(target) and "\\" not in target and not target.startswith("//"):
        return target
    return None
