"""Fuzz the live API against its OpenAPI document: `greenledger serve --demo` on loopback, then schemathesis.

Every operation of api_spec/openapi.yaml gets a bounded number of generated requests (examples,
coverage, fuzzing and stateful phases, a fixed seed); a 5xx, an undocumented status, content type or
header, or a body that does not match its schema fails the run. Prints one line of figures last.

    .venv/bin/python .ci/schemathesis.py [--max-examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.servers import LedgerServer  # noqa: E402

SPEC = REPO / "api_spec" / "openapi.yaml"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"


class DemoServer(LedgerServer):
    """``greenledger serve --demo``: the demo programme loaded, so reads find parks, loans and reports."""

    kind = "schemathesis"
    ready_timeout = 300.0

    def _argv(self) -> list[str]:
        return [*super()._argv(), "--demo"]


def request_headers(server: DemoServer) -> list[str]:
    """The headers every generated request carries, as schemathesis ``-H`` options: the registry
    operator's API token (an admin reads everything, so every operation is reachable), issued with
    ``greenledger tokens issue`` beside the server. (bench.servers lifts the rate limit.)"""
    headers = {
        "Authorization": f"Bearer {server.issue_token('operator')}",
        "Accept": "application/json, application/problem+json, text/plain, text/csv, application/x-ndjson",
    }
    return [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")))
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    schemathesis = Path(sys.executable).with_name("schemathesis")
    with DemoServer(workers=2, threads=4) as server, tempfile.TemporaryDirectory(prefix="schemathesis-") as work:
        command = [
            str(schemathesis), "run", str(SPEC), "--url", server.base_url,
            "--checks", CHECKS, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", "2", "--request-timeout", "60", "--no-shrink", "--warnings", "off",
            *request_headers(server),
        ]  # fmt: skip
        # Its cache and reports go to a scratch folder, not into the work tree.
        run = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=900)
        output = run.stdout + run.stderr
        print(output)
        if run.returncode != 0:
            print(server.log_tail(80), file=sys.stderr)
        assert server.process is not None
        # gunicorn's access log: how the server answered, so a run of nothing but 401s would show.
        statuses = Counter(m.group(1)[0] + "xx" for m in re.finditer(r'HTTP/1\.[01]" (\d{3}) ', server.process.log_path.read_text(errors="replace")))
    tested = re.search(r"Tested:\s+(\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"found (\d+) unique failure", output)
    print(
        f"schemathesis: {tested.group(1) if tested else '?'} operations, {cases.group(1) if cases else '?'} test cases, "
        f"{failures.group(1) if failures else 0} failures (max {args.max_examples} examples per operation and phase, seed {args.seed}); "
        f"answers {', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}"
    )
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
