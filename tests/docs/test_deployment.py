"""docs/deployment.md's tested blocks run as written: roles, migration, the runtime-role check, init, the config check, a backup.

A tested block is a fenced ``sh`` block after a ``<!-- deployment-test -->`` comment. They run in order in
one bash (``set -euo pipefail``) from the repository's root, on a fresh database and roles with names of
their own on the test server (dropped afterwards), with the embedded server's PostgreSQL tools on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import libpq_url
from tests.ops.test_restore_drill import pg_tools

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deployment.md"
TESTED = re.compile(r"<!-- deployment-test -->\s*```sh\n(.*?)```", re.S)


def test_the_guide_has_the_blocks_the_test_runs():
    blocks = TESTED.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) == 6
    assert any("greenledger config check" in block for block in blocks) and any("has_table_privilege" in block for block in blocks)


@pytest.fixture
def site(pg_server_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The guide's variables, naming roles and a database of this test's own."""
    suffix = uuid.uuid4().hex[:8]
    names = {"OWNER_ROLE": f"gl_owner_{suffix}", "RUNTIME_ROLE": f"gl_app_{suffix}", "LOGIN_ROLE": f"gl_web_{suffix}", "LEDGER_DB": f"gl_deploy_{suffix}"}
    server = make_url(pg_server_url)
    admin = libpq_url(server.set(database="postgres").render_as_string(hide_password=False))

    def as_role(role: str) -> str:
        return libpq_url(server.set(username=role, password=None, database=names["LEDGER_DB"]).render_as_string(hide_password=False))

    backups = tmp_path / "backups"
    backups.mkdir()
    yield names | {
        "ADMIN_URL": admin,
        "OWNER_URL": as_role(names["OWNER_ROLE"]),
        "APP_URL": as_role(names["LOGIN_ROLE"]),
        "LEDGER_HOME": str(tmp_path / "etc-greenledger"),
        "BACKUP_DIR": str(backups),
    }
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{names["LEDGER_DB"]}" WITH (FORCE)')
        for role in ("LOGIN_ROLE", "RUNTIME_ROLE", "OWNER_ROLE"):
            connection.execute(f'DROP ROLE IF EXISTS "{names[role]}"')


def test_the_guides_commands_set_up_a_production_server_that_passes_its_checks(site):
    script = "\n".join(TESTED.findall(GUIDE.read_text(encoding="utf-8")))
    tools = pg_tools()["PG_BIN"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LEDGER_", "DATABASE_URL"))}
    env |= site | {"PATH": os.pathsep.join([str(Path(sys.executable).parent), tools, env.get("PATH", "")]), "PG_BIN": tools}
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"neither {site['RUNTIME_ROLE']} nor {site['LOGIN_ROLE']} can rewrite the log" in done.stdout
    assert "genesis appended at index 0" in done.stdout
    checks = [line for line in done.stdout.splitlines() if line.startswith(("ok ", "warning ", "refused "))]
    verdicts = {line.split(":")[0].split(None, 1)[1]: line.split()[0] for line in checks}
    assert verdicts["mode"] == verdicts["checkpoint key"] == verdicts["runtime role"] == verdicts["login role"] == "ok", done.stdout
    assert "refused" not in verdicts.values()
    assert (Path(site["LEDGER_HOME"]) / "keys" / "checkpoint.pem").stat().st_mode & 0o077 == 0
    dumps = list(Path(site["BACKUP_DIR"]).glob("greenledger-*.dump"))
    assert len(dumps) == 1 and dumps[0].with_suffix(".dump.sha256").is_file()
