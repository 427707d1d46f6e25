"""``python -m ledger.operations.exporter HOST:PORT PARENT_PID``: answer Prometheus with every worker's metrics.

``greenledger serve --metrics-bind`` starts it beside gunicorn. It adds up the values the workers keep in
``PROMETHEUS_MULTIPROC_DIR`` and reads the log's tree size and checkpoint age from the database at each
scrape, as the runtime role, so it answers (``greenledger_database_up 0``) when the database does not. It
listens apart from the API: the port is for the monitoring network only, and a scrape never waits for a
worker or a token check. It ends when its parent (the gunicorn master) is gone.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

from ledger.config import Config
from ledger.operations.metrics import LogCollector, LogFigures, multiprocess_directory

#: How often the exporter looks whether its parent still runs.
PARENT_POLL_SECONDS = 1.0
#: A scrape must not hang on a database that does not answer.
DATABASE_TIMEOUT_SECONDS = 3


def log_reader(config: Config, engine: Any = None):  # type: ignore[no-untyped-def]
    """A function returning the latest checkpoint's size and time, and what each witness holds (None for an empty log).

    :param engine: the engine to read with; by default one of its own, with a short timeout, for the
        exporter's process.
    """
    from ledger.persistence.db import make_engine
    from ledger.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory

    assert config.database_url is not None
    engine = engine or make_engine(
        config.database_url,
        runtime_role=config.runtime_role,
        pool_size=1,
        max_overflow=0,
        connect_args={"connect_timeout": DATABASE_TIMEOUT_SECONDS, "options": f"-c statement_timeout={DATABASE_TIMEOUT_SECONDS * 1000}"},
    )
    factory = SqlAlchemyUnitOfWorkFactory(engine)

    def read() -> LogFigures | None:
        with factory() as uow:
            checkpoint = uow.log.latest_checkpoint()
            witnesses = uow.witnesses.heads()
        return None if checkpoint is None else LogFigures(checkpoint.tree_size, checkpoint.created_at, witnesses)

    return read


def main(argv: list[str]) -> int:
    bind, parent = argv[0], int(argv[1])
    host, _, port = bind.rpartition(":")
    directory = multiprocess_directory()
    if directory is None:
        print("ledger.operations.exporter: PROMETHEUS_MULTIPROC_DIR is not set", file=sys.stderr)
        return 2
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    registry.register(LogCollector(log_reader(Config.from_env()), lambda: datetime.now(timezone.utc)))
    start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0", registry=registry)
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "metrics-exporter"
    sys.exit(main(sys.argv[1:]))
