"""One log line and one count per request, under a request id the client sees and every problem carries.

The id is the client's ``X-Request-ID`` when that is a plain token (what a proxy or a client's own tracing
sends), else a new random one; it comes back in the ``X-Request-ID`` header and in every problem+json
body, so a party quoting a refusal gives the operator the log line that explains it. The line names the
party a token was issued to, never the token.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import orjson
from flask import Flask, Response, g, has_request_context, request

from ledger.operations import metrics

REQUEST_ID_HEADER = "X-Request-ID"
#: What a request id from outside may look like: no spaces, quotes or control characters to forge a log
#: line with, and short enough to keep in every line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")
#: Label of requests no route matched (a 404 or 405): the path itself would let anyone add label values.
UNMATCHED_ROUTE = "<unmatched>"

request_logger = logging.getLogger("ledger.request")


def request_id() -> str:
    """This request's id: the one accepted or made when it began (made now if it began before the hook ran)."""
    found = g.get("request_id")
    if found is None:
        found = g.request_id = uuid.uuid4().hex
    return str(found)


def note_problem(code: str) -> None:
    """Remember the problem code this request is answered with (``api.problems`` calls it)."""
    if has_request_context():
        g.problem_code = code


def _begin() -> None:
    g.request_started = time.perf_counter()
    sent = request.headers.get(REQUEST_ID_HEADER)
    g.request_id = sent if sent and SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def _written_indices(response: Response) -> list[int]:
    """The indices a write's receipts name; only a 201 appended anything (a 200 replays a first receipt)."""
    if response.status_code != 201 or response.is_streamed:
        return []
    body = orjson.loads(response.get_data())
    if "receipts" in body:
        return [receipt["index"] for receipt in body["receipts"]]
    return [body["index"]]


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    rid = request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED_ROUTE
    status = response.status_code
    metrics.observe_request(route, request.method, status, seconds)
    indices: list[int] = []
    if request.endpoint in metrics.WRITE_ENDPOINTS and request.method == "POST":
        indices = _written_indices(response)
        metrics.observe_submission(len(indices), g.get("problem_code") if status >= 400 else None)
    if request_logger.isEnabledFor(logging.INFO):
        who = g.get("principal")
        fields: dict[str, Any] = {
            "request_id": rid,
            "method": request.method,
            "route": route,
            "path": request.path,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "party": who.party_id if who is not None else None,
        }
        if indices:
            fields["entries"] = indices
        problem_code = g.get("problem_code")
        if problem_code and status >= 400:
            fields["problem"] = problem_code
        request_logger.info("%s %s %s", request.method, request.path, status, extra={"request": fields})
    return response


def install(app: Flask) -> None:
    """Register the hooks: first of the before-request hooks, so every problem finds the request's id."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)


# --- formats -------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, RFC 3339), level, logger, message, a request's fields, a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """A line for a person: time, level, message, then a request's id, party, duration and entries."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.converter = time.gmtime  # UTC, like every time the ledger writes

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            extra = [f"{fields['duration_ms']} ms", f"request_id={fields['request_id']}"]
            if fields.get("party"):
                extra.append(f"party={fields['party']}")
            if fields.get("problem"):
                extra.append(f"problem={fields['problem']}")
            if fields.get("entries"):
                extra.append(f"entries={json.dumps(fields['entries'])}")
            text = f"{text} {' '.join(extra)}"
        return text


def configure_logging(log_format: str, level: str) -> None:
    """Send the ledger's logs (``ledger.*``; gunicorn keeps its own) to stderr in ``log_format`` (json or text) from ``level`` up.

    :raises ValueError: for an unknown format or level.
    """
    if log_format not in ("json", "text"):
        raise ValueError(f"LEDGER_LOG_FORMAT must be json or text, not {log_format!r}")
    numeric = logging.getLevelName(level)
    if not isinstance(numeric, int):
        raise ValueError(f"LEDGER_LOG_LEVEL must be a logging level (DEBUG, INFO, WARNING, ERROR), not {level!r}")
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger = logging.getLogger("ledger")
    logger.handlers[:] = [handler]
    logger.setLevel(numeric)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (a test runner swaps it; gunicorn never does)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass
