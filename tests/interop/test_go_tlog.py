"""The log's C2SP tiles read by code greenledger did not write: Go's golang.org/x/mod/sumdb/tlog and
sumdb/note (Debian's golang-go and golang-golang-x-mod-dev; `.ci/run` installs them), through
``tests/interop/tlogcheck``, over HTTP and from the folder `greenledger tiles write` fills."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import raw_public_key
from tests.conftest import CHECKPOINT_KEY, OPERATOR_ID, ORIGIN, served, token_for
from tests.helpers import party_key, party_payload

VERIFIER_KEY = verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))
SOURCE = Path(__file__).resolve().parent / "tlogcheck"
#: Debian's x/mod source, built in GOPATH mode: nothing is fetched.
GOPATH = "/usr/share/gocode"


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("go") or not (Path(GOPATH) / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        if os.environ.get("CI"):
            pytest.fail("go or golang.org/x/mod is missing: .ci/run installs golang-go and golang-golang-x-mod-dev")
        pytest.skip("Go is not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    out = tmp_path_factory.mktemp("go") / "tlogcheck"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOCACHE": str(out.parent / "cache"), "GOFLAGS": ""}
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=SOURCE, env=env, check=True, capture_output=True)
    return out


def _check(tlogcheck: Path, base: str, *older: Path, token: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(tlogcheck), "-base", base, "-vkey", VERIFIER_KEY]
    if token:
        command += ["-token", token]
    return subprocess.run([*command, *map(str, older)], capture_output=True, text=True, timeout=120)


def _register(client: Any, sign: Any, start: int, count: int) -> None:
    entries = [sign("party.registered", party_payload(f"bank-{n:04d}", ["lender"], party_key(f"bank-{n:04d}"))) for n in range(start, start + count)]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def grown(app: Any, client: Any, sign: Any, tmp_path: Path) -> Iterator[tuple[Any, list[Path]]]:
    """A log of 701 entries (two full level-0 tiles, a partial one, a partial level-1 tile), with the
    checkpoints it had at sizes 1, 301 and 701 kept as files."""
    kept = []
    for start, count in ((0, 0), (0, 300), (300, 400)):
        if count:
            _register(client, sign, start, count)
        path = tmp_path / f"checkpoint-{start + count + 1}"
        path.write_bytes(client.get("/v1/checkpoint").data)
        kept.append(path)
    yield app, kept


def test_go_reads_the_served_tiles_and_proves_every_record_and_older_tree(tlogcheck: Path, grown: tuple[Any, list[Path]]) -> None:
    app, kept = grown
    with served(app) as url:
        result = _check(tlogcheck, url, *kept[:2], token=token_for(app, OPERATOR_ID))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"ok: {ORIGIN} tree size 701, 701 records proved, 2 older checkpoints consistent"


def test_go_refuses_tiles_without_a_full_readers_token(tlogcheck: Path, grown: tuple[Any, list[Path]]) -> None:
    app, _ = grown
    with served(app) as url:
        result = _check(tlogcheck, url)
    assert result.returncode == 1 and "answered 401" in result.stdout


def test_go_reads_the_written_tiles_and_finds_any_tampering(tlogcheck: Path, grown: tuple[Any, list[Path]], tmp_path: Path) -> None:
    app, kept = grown
    folder = tmp_path / "tiles"
    result = app.test_cli_runner().invoke(args=["ledger", "tiles", "write", str(folder)])
    assert result.exit_code == 0, result.output
    assert "wrote 7 tiles (0 already there) and the checkpoint for tree size 701" in result.output
    assert _check(tlogcheck, str(folder), *kept).returncode == 0

    hashes = folder / "tile/0/001"
    original = hashes.read_bytes()
    hashes.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
    failed = _check(tlogcheck, str(folder))
    assert failed.returncode == 1 and failed.stdout.startswith("FAILED"), failed.stdout
    hashes.write_bytes(original)

    bundle = folder / "tile/entries/002.p/189"
    records = bundle.read_bytes()
    bundle.write_bytes(records.replace(b"bank-0650", b"bank-0651", 1))
    failed = _check(tlogcheck, str(folder))
    assert failed.returncode == 1 and "record 651 " in failed.stdout  # bank-0650 is entry 651 (0 is genesis), failed.stdout

    forged = tmp_path / "forged-checkpoint"
    forged.write_text(kept[1].read_text().replace("\n301\n", "\n302\n"))
    bundle.write_bytes(records)
    failed = _check(tlogcheck, str(folder), forged)
    assert failed.returncode == 1 and "does not verify" in failed.stdout, failed.stdout
