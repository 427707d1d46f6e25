"""Strict JSON request bodies: no duplicate keys, no NaN or Infinity, JSON content type only."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import UnsupportedMediaType

from ledger import errors
from ledger.services.runtime import LedgerRuntime


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two values for one key make a signed envelope ambiguous (RFC 8785 §3.1 requires I-JSON).
            raise errors.MalformedJson(f"duplicate key {key!r} in a JSON object", field=key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise errors.MalformedJson(f"{name} is not JSON", field="body")


def json_body() -> Any:
    """Decode the request body strictly.

    :raises UnsupportedMediaType: unless the content type is application/json.
    :raises MalformedJson: for invalid UTF-8, syntax errors, duplicate keys, NaN or Infinity, and
        nesting deeper than the decoder's recursion allows.
    """
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise errors.MalformedJson(f"body is not UTF-8: {exc.reason} at byte {exc.start}", field="body") from None
    except json.JSONDecodeError as exc:
        raise errors.MalformedJson(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field="body") from None
    except RecursionError:
        # "[[[[…" a few thousand levels deep exhausts the decoder's stack: a client error, not a 500.
        raise errors.MalformedJson("body is nested too deeply", field="body") from None


def runtime() -> LedgerRuntime:
    value: LedgerRuntime = current_app.extensions["ledger"]
    return value


def page_limit(requested: int | None) -> int:
    config = current_app.extensions["ledger_config"]
    if requested is None:
        return int(config.default_page_size)
    if requested > config.max_page_size:
        raise errors.InvalidInput(f"limit must be at most {config.max_page_size}", field="limit")
    return requested
