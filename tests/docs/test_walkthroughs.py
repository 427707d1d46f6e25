"""The README's walkthroughs run as written, one per role, against a real `greenledger serve --demo`.

A walkthrough is every fenced ``sh`` block that follows a ``<!-- walkthrough: ROLE -->`` comment in
README.md, in order. Each role's blocks run in one bash (``set -euo pipefail``) in a scratch folder,
with only what a reader would have: the server's LEDGER_HOME (demo keys and tokens), LEDGER_URL,
and the project's ``greenledger`` on PATH. So the README cannot drift from what the commands do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from bench.servers import LedgerServer

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = re.compile(r"<!-- walkthrough: ([a-z-]+) -->\s*```sh\n(.*?)```", re.S)


def walkthroughs(text: str) -> dict[str, str]:
    """role -> the shell text of its blocks, joined in README order."""
    found: dict[str, list[str]] = {}
    for role, block in MARKER.findall(text):
        found.setdefault(role, []).append(block)
    return {role: "\n".join(blocks) for role, blocks in found.items()}


WALKTHROUGHS = walkthroughs(README.read_text(encoding="utf-8"))


class DemoServer(LedgerServer):
    kind = "walkthrough"
    ready_timeout = 300.0

    def _argv(self) -> list[str]:
        return [*super()._argv(), "--demo"]


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(workers=1, threads=4) as server:
        yield server


def test_the_readme_has_a_walkthrough_for_every_role() -> None:
    assert set(WALKTHROUGHS) >= {"lender", "department", "park-operator", "verifier", "assessor", "auditor"}, sorted(WALKTHROUGHS)


@pytest.mark.parametrize("role", ["park-operator", "lender", "verifier", "department", "assessor", "auditor"])  # README order: each builds on the last
def test_a_walkthrough_runs_as_written(demo_server: DemoServer, tmp_path: Path, role: str) -> None:
    if role not in WALKTHROUGHS:
        pytest.fail(f"README.md has no walkthrough for {role}")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "LEDGER_HOME": str(demo_server.home),
        "LEDGER_URL": demo_server.base_url,
        **({"DATABASE_URL": demo_server.env["DATABASE_URL"]} if "DATABASE_URL" in demo_server.env else {}),
    }
    script = "set -euo pipefail\n" + WALKTHROUGHS[role]
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{role} walkthrough failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stdout + done.stderr
