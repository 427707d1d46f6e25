"""Running the app under gunicorn for `greenledger serve`, and checking first that it can listen where asked."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import uuid
from typing import Any, Callable

from ledger.config import Config

DEFAULT_BIND = "127.0.0.1:8000"
#: How many ports above a taken one to try for a free one to suggest.
PORTS_TO_SUGGEST_FROM = 50


def _host_port(bind: str) -> tuple[str, int] | None:
    """``--bind`` as gunicorn reads it; None for a Unix socket or a file descriptor, which have no port.

    :raises ValueError: a port that is not a number.
    """
    from gunicorn.util import parse_address

    try:
        address = parse_address(bind)
    except RuntimeError as exc:
        raise ValueError(str(exc)) from None
    return address if isinstance(address, tuple) else None


def _joined(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind_error(host: str, port: int) -> OSError | None:
    """The error binding ``host:port`` raises now, or None when it is free.

    SO_REUSEADDR as gunicorn sets it: a port a stopped server left in TIME_WAIT is free to it, one that
    a program listens on is not.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def why_cannot_listen(bind: str) -> str | None:
    """One sentence saying why gunicorn could not listen on ``bind`` (taken, not this machine's), or None."""
    try:
        host_port = _host_port(bind)
    except ValueError as exc:
        return f"--bind {bind}: {exc}"
    if host_port is None:
        return None  # a Unix socket: gunicorn says itself what is wrong with its path
    host, port = host_port
    try:
        error = _bind_error(host, port)
    except socket.gaierror:
        return f"cannot listen on {bind}: the name {host} does not resolve to an address"
    if error is None:
        return None
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {bind}: {host} is not an address of this machine"
    if error.errno == errno.EACCES:
        return f"cannot listen on {bind}: permission denied (ports below 1024 need administrator rights)"
    if error.errno != errno.EADDRINUSE:
        return f"cannot listen on {bind}: {error.strerror}"
    free = next((p for p in range(port + 1, min(port + PORTS_TO_SUGGEST_FROM, 65535) + 1) if _bind_error(host, p) is None), port + 1)
    return f"{bind} is already in use (another greenledger or program listens there); choose another with --bind {_joined(host, free)}"


def client_url(bind: str) -> str:
    """The URL client commands on this machine reach a server listening on ``bind`` at."""
    host_port = _host_port(bind)
    if host_port is None:
        return f"http://{bind}"
    host, port = host_port
    local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # every address: this machine's loopback
    return f"http://{_joined(local, port)}"


def run_gunicorn(
    bind: str,
    workers: int,
    threads: int,
    *,
    when_ready: Callable[[], None],
    metrics_bind: str | None = None,
    log_format: str = "text",
    log_level: str = "INFO",
) -> None:
    """Serve the app configured from the environment on ``bind``; ``when_ready`` runs once gunicorn listens.

    The ledger's logs (one line per request) go to stderr in ``log_format`` from ``log_level`` up, set in
    the master so every worker inherits it. With ``metrics_bind``, an exporter process answers Prometheus
    there with every worker's metrics, started once gunicorn listens and stopped when it exits.
    """
    from gunicorn.app.base import BaseApplication

    from ledger.app import create_app, freeze_loaded
    from ledger.operations.metrics import forget_process
    from ledger.operations.request_log import configure_logging

    configure_logging(log_format, log_level)

    exporter: list[subprocess.Popen[bytes]] = []

    def ready(arbiter: Any) -> None:
        if metrics_bind:
            exporter.append(start_exporter(metrics_bind))
        when_ready()

    def exiting(arbiter: Any) -> None:
        for process in exporter:
            process.terminate()
            process.wait(timeout=10)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            # The app logs every request itself (ledger.operations.request_log): with its id, party and entries.
            self.cfg.set("accesslog", None)
            # The control socket sits at one shared path by default: two servers on one host would collide.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("when_ready", ready)
            self.cfg.set("on_exit", exiting)
            self.cfg.set("child_exit", lambda arbiter, worker: forget_process(worker.pid))

        def load(self) -> Any:
            _problem_error_pages()  # in each worker, which is where gunicorn answers malformed requests
            app = create_app(Config.from_env())
            freeze_loaded()
            return app

    _Server().run()


def start_exporter(metrics_bind: str) -> "subprocess.Popen[bytes]":
    """The metrics exporter (``python -m ledger.operations.exporter``) on ``metrics_bind``, watching this process."""
    return subprocess.Popen([sys.executable, "-m", "ledger.operations.exporter", metrics_bind, str(os.getpid())], stdin=subprocess.DEVNULL)


def _problem_error_pages() -> None:
    """Have gunicorn answer requests it refuses itself (a request line over 4094 bytes: 414, a malformed
    header: 400) with problem+json like every other error, instead of an HTML page."""
    from gunicorn import util

    from ledger.api.problems import CODE_BY_STATUS, PROBLEM_BASE, PROBLEM_CONTENT_TYPE

    from ledger.operations.request_log import request_logger

    def write_problem(sock: Any, status: int, reason: str, message: str) -> None:
        code = CODE_BY_STATUS.get(status, "http-error")
        # The app never saw this request: the id is made here, and logged here, like the app's own.
        request_id = uuid.uuid4().hex
        body = json.dumps(
            {
                "type": PROBLEM_BASE + code, "title": reason, "status": status, "detail": message or reason,
                "instance": "", "code": code, "request_id": request_id,
            }
        ).encode()  # fmt: skip
        request_logger.info(
            "refused by gunicorn: %s %s", status, reason,
            extra={"request": {"request_id": request_id, "method": None, "route": None, "path": None, "status": status, "duration_ms": 0.0, "party": None, "problem": code}},
        )  # fmt: skip
        head = f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
        util.write_nonblock(sock, head.encode("latin-1") + body)

    util.write_error = write_problem
