"""Running the app under gunicorn for `greenledger serve`."""

from __future__ import annotations

import json
from typing import Any, Callable

from ledger.config import Config


def run_gunicorn(bind: str, workers: int, threads: int, *, when_ready: Callable[[], None]) -> None:
    """Serve the app configured from the environment on ``bind``; ``when_ready`` runs once gunicorn listens."""
    from gunicorn.app.base import BaseApplication

    from ledger.app import create_app, freeze_loaded

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            # The control socket sits at one shared path by default: two servers on one host would collide.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("when_ready", lambda arbiter: when_ready())

        def load(self) -> Any:
            _problem_error_pages()  # in each worker, which is where gunicorn answers malformed requests
            app = create_app(Config.from_env())
            freeze_loaded()
            return app

    _Server().run()


def _problem_error_pages() -> None:
    """Have gunicorn answer requests it refuses itself (a request line over 4094 bytes: 414, a malformed
    header: 400) with problem+json like every other error, instead of an HTML page."""
    from gunicorn import util

    from ledger.api.problems import CODE_BY_STATUS, PROBLEM_BASE, PROBLEM_CONTENT_TYPE

    def write_problem(sock: Any, status: int, reason: str, message: str) -> None:
        code = CODE_BY_STATUS.get(status, "http-error")
        body = json.dumps(
            {"type": PROBLEM_BASE + code, "title": reason, "status": status, "detail": message or reason, "instance": "", "code": code}
        ).encode()
        head = f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
        util.write_nonblock(sock, head.encode("latin-1") + body)

    util.write_error = write_problem
