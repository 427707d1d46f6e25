"""``greenledger import``: a sheet's rows as signed entries, checked whole before any is sent, resumable.

1. Read every row and check every cell against the entry type's schema; any bad cell stops the import
   before anything is signed (each is listed: row, column, what is wrong).
2. Sign one envelope per row with a nonce made of the file's identity and the row
   (``import-<first 12 hex of SHA-256 of the file>-<row>``), or take the envelopes signed for this very
   file before from its sidecar ``FILE.signed.jsonl``.
3. Ask the server's dry run about every batch (``POST /v1/entries/batch?dry_run=true``): any entry it
   would refuse stops the import with nothing written. Envelopes from a sidecar that the server now
   finds too old (``signed-too-old``: signed more than a day ago and not in the log yet) are signed again
   with the same nonces; those the log holds are sent as they were, and come back with their receipts.
4. Write the sidecar (before sending anything), then submit the batches in order, with a progress bar,
   and write one receipt per row to ``FILE.receipts.jsonl``.

A re-run of the same command after a crash, a timeout or a refused batch sends byte-identical
envelopes: the server answers those it holds with their first receipts and appends the rest, so nothing
is recorded twice. The module is a client: it talks to the server only through ``ledger.client``.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.client import ClientError, EnvelopeSigner, LedgerClient
from ledger.crypto.signing import key_id, raw_public_key
from ledger.spreadsheets import reader
from ledger.spreadsheets.rows import Converted, SheetRow, convert

SIDECAR_FORMAT = "greenledger-import/1"
#: The server's LEDGER_MAX_BATCH default; a batch may not be larger.
DEFAULT_BATCH = 500
#: Answers worth sending the same envelopes again for: no answer (a timeout), busy, rate-limited.
RETRIED_STATUSES = frozenset({0, 429, 502, 503, 504})
RETRIES = 3
#: Dry-run batches in flight at once: the server checks them side by side (they take no lock).
DRY_RUNS_AT_ONCE = 2


class ImportRefused(Exception):
    """The import stopped; ``lines`` say why, one problem a line; ``written`` whether some rows are in the log."""

    def __init__(self, summary: str, lines: Sequence[str] = (), *, written: bool = False) -> None:
        super().__init__(summary)
        self.summary = summary
        self.lines = list(lines)
        self.written = written


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".signed.jsonl")


def receipts_path(path: Path) -> Path:
    return path.with_name(path.name + ".receipts.jsonl")


def nonce_for(file_sha256: str, row: int) -> str:
    """A row's nonce: the same file and row always give the same one, so a re-run is a retry."""
    return f"import-{file_sha256[:12]}-{row}"


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _write_synced(path: Path, lines: Iterator[str]) -> None:
    """Write ``lines`` to ``path`` and have them on disk before returning."""
    with open(path, "w", encoding="utf-8") as sink:
        for line in lines:
            sink.write(line)
        sink.flush()
        os.fsync(sink.fileno())


def _write_atomically(path: Path, lines: Iterator[str]) -> None:
    _write_synced(_partial(path), lines)
    os.replace(_partial(path), path)


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass
class Outcome:
    """What an import did (or, for a dry run, would do)."""

    path: Path
    rows: int
    dry_run: bool
    #: row -> index in the log of each row's entry (a dry run: only those the log holds already).
    indices: dict[int, int] = field(default_factory=dict)
    #: rows the log held before this run.
    already: int = 0
    resigned: int = 0

    def summary(self) -> str:
        rows = f"{self.rows:,} row{'s' * (self.rows != 1)}"
        if self.dry_run:
            held = f" ({self.already:,} of them are in the log already)" if self.already else ""
            return f"dry run: the server would take all {rows} of {self.path.name}{held}; nothing was written"
        low, high = min(self.indices.values()), max(self.indices.values())
        span = f"entries {low:,}-{high:,}" if high - low + 1 == self.rows else f"{self.rows:,} entries between {low:,} and {high:,}"
        where = f"receipts in {receipts_path(self.path)}"
        if self.already == self.rows:
            return f"all {rows} were in the log already, as {span}; nothing added; {where}"
        held = f" ({self.already:,} of them were in the log already)" if self.already else ""
        return f"imported {rows} as {span}{held}; {where}"


@dataclass
class _Sidecar:
    """Envelopes signed for one version of one file, by row."""

    header: dict[str, Any]
    envelopes: dict[int, dict[str, Any]]


class Importer:
    """Import sheets of one entry type, signed by one party's key, into the log at ``client``."""

    def __init__(
        self,
        client: LedgerClient,
        *,
        entry_type: str,
        signer: str,
        key: Ed25519PrivateKey,
        batch: int = DEFAULT_BATCH,
        progress: bool = True,
        say: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.client = client
        self.entry_type = entry_type
        self.signer = signer
        self.key = key
        self.key_id = key_id(raw_public_key(key))
        self.batch = batch
        self.progress = progress
        self.say = say
        self.now = now
        self.sleep = sleep
        #: Connections opened for this run, and the one each batch (by its first position) was checked on.
        self._channels: list[LedgerClient] = []
        self._checked_on: dict[int, LedgerClient] = {}

    # --- reading and signing -------------------------------------------------------------------------

    def read(self, path: Path, *, sheet: str | None = None) -> tuple[bytes, Converted]:
        """The file's bytes and its rows, every cell checked.

        :raises ImportRefused: listing every bad cell; nothing was signed.
        :raises LedgerError: for a file that cannot be read, or a type no sheet carries.
        """
        data = path.read_bytes()
        converted = convert(self.entry_type, reader.read_rows(path.name, data, sheet=sheet))
        if not converted.ok:
            count = len(converted.problems)
            raise ImportRefused(
                f"{path.name}: {count} problem{'s' * (count != 1)} found; nothing was signed or sent", [str(p) for p in converted.problems]
            )
        return data, converted

    def _header(self, path: Path, file_sha256: str, rows: int) -> dict[str, Any]:
        return {
            "format": SIDECAR_FORMAT,
            "file": path.name,
            "file_sha256": file_sha256,
            "type": self.entry_type,
            "signer": self.signer,
            "key": self.key_id,
            "rows": rows,
        }

    def _load_sidecar(self, path: Path, file_sha256: str) -> _Sidecar | None:
        side = sidecar_path(path)
        if not side.exists():
            return None
        try:
            lines = side.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0])
            envelopes = {int(item["row"]): item["entry"] for item in map(json.loads, lines[1:])}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ImportRefused(f"{side} is not an import sidecar ({exc}); move it away to sign the file anew") from None
        if header.get("format") != SIDECAR_FORMAT:
            raise ImportRefused(f"{side} is not a {SIDECAR_FORMAT} sidecar; move it away to sign the file anew")
        if header.get("file_sha256") != file_sha256:
            raise ImportRefused(
                f"{side} was signed for another version of {path.name} (SHA-256 {str(header.get('file_sha256'))[:12]}…, "
                f"the file is now {file_sha256[:12]}…)",
                [
                    "an import of that version may have sent some of its rows: they are listed in "
                    f"{receipts_path(path).name}, and signing the changed file anew would send them again under new nonces",
                    "take the rows already in the log out of the sheet (or import the earlier version again to finish it),",
                    f"then move {side.name} and {receipts_path(path).name} away and re-run",
                ],
            )
        mine = {"type": self.entry_type, "signer": self.signer, "key": self.key_id}
        theirs = {name: header.get(name) for name in mine}
        if theirs != mine:
            raise ImportRefused(
                f"{side} holds {theirs['type']} entries signed by {theirs['signer']} with key {theirs['key']}, "
                f"not {self.entry_type} by {self.signer} with key {self.key_id}; use those, or move the sidecar away"
            )
        return _Sidecar(header, envelopes)

    def envelopes(self, path: Path, data: bytes, converted: Converted) -> tuple[list[dict[str, Any] | None], bool]:
        """Each row's envelope from the sidecar, where it has one, else None (to be signed, by ``_signer``);
        and whether any is to be signed."""
        file_sha256 = hashlib.sha256(data).hexdigest()
        stored = self._load_sidecar(path, file_sha256)
        out: list[dict[str, Any] | None] = []
        for row in converted.rows:
            kept = stored.envelopes.get(row.number) if stored else None
            if kept is not None and kept.get("envelope", {}).get("payload") != row.payload:
                raise ImportRefused(
                    f"{sidecar_path(path)} row {row.number} signed another payload than the file now reads to; move the sidecar away"
                )
            out.append(kept)
        return out, any(e is None for e in out)

    def _signer(self, data: bytes, rows: Sequence[SheetRow]) -> Callable[[int], dict[str, Any]]:
        """Signs row ``i``'s envelope, every row at the same ``signed_at``."""
        file_sha256 = hashlib.sha256(data).hexdigest()
        signer = EnvelopeSigner(entry_type=self.entry_type, signer=self.signer, key=self.key, signed_at=self.now())
        return lambda i: signer.sign(nonce_for(file_sha256, rows[i].number), rows[i].payload, rows[i].canonical or None)

    def _sidecar_lines(self, path: Path, data: bytes, rows: Sequence[SheetRow], envelopes: Sequence[dict[str, Any] | None]) -> Iterator[str]:
        yield _line(self._header(path, hashlib.sha256(data).hexdigest(), len(rows)))
        for row, envelope in zip(rows, envelopes, strict=True):
            assert envelope is not None
            yield _line({"row": row.number, "entry": envelope})

    def _write_sidecar(self, path: Path, data: bytes, rows: Sequence[SheetRow], envelopes: Sequence[dict[str, Any]]) -> None:
        _write_atomically(sidecar_path(path), self._sidecar_lines(path, data, rows, envelopes))

    # --- talking to the server -------------------------------------------------------------------------

    def _call(self, what: Callable[[], Any]) -> Any:
        for attempt in range(RETRIES + 1):
            try:
                return what()
            except ClientError as exc:
                if exc.status not in RETRIED_STATUSES or attempt == RETRIES:
                    raise
                self.sleep(2**attempt)
        raise AssertionError("unreachable")

    def _batches(self, count: int) -> list[range]:
        return [range(start, min(start + self.batch, count)) for start in range(0, count, self.batch)]

    def _bar(self, total: int, desc: str) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, unit="rows", desc=desc, file=sys.stderr, disable=None if self.progress else True)

    def dry_run(
        self,
        envelopes: list[dict[str, Any] | None],
        positions: Sequence[int] | None = None,
        *,
        sign: Callable[[int], dict[str, Any]] | None = None,
        signed: Callable[[], None] = lambda: None,
    ) -> dict[int, dict[str, Any]]:
        """The server's result for each envelope (by position), batch by batch as they will be sent.

        An envelope still None is signed (``sign``) just before its batch goes: two batches are checked
        at a time while the next is signed, since a dry run takes no lock and writes nothing. Each
        check goes on a kept-alive connection of its own (``LedgerClient.channel``), and the batch's
        append will go on the same one, to the server process that has just verified its signatures.
        ``signed`` is called once every envelope is signed and sent, while the answers are awaited.
        """
        results: dict[int, dict[str, Any]] = {}
        wanted = set(range(len(envelopes)) if positions is None else positions)
        batches = [b for b in self._batches(len(envelopes)) if wanted.intersection(b)]
        free: queue.SimpleQueue[LedgerClient] = queue.SimpleQueue()
        for _ in range(DRY_RUNS_AT_ONCE):
            free.put(self._channel())

        def check(batch: range, signed: list[dict[str, Any]]) -> tuple[range, list[dict[str, Any]]]:
            channel = free.get()
            try:
                self._checked_on[batch.start] = channel
                return batch, self._call(lambda: channel.dry_run_batch(signed))
            finally:
                free.put(channel)

        with self._bar(sum(len(b) for b in batches), "checking") as bar, ThreadPoolExecutor(max_workers=DRY_RUNS_AT_ONCE) as pool:
            pending = []
            for batch in batches:
                for i in batch:
                    if envelopes[i] is None:
                        assert sign is not None
                        envelopes[i] = sign(i)
                pending.append(pool.submit(check, batch, [e for e in (envelopes[i] for i in batch) if e is not None]))
            signed()
            for future in pending:
                batch, answer = future.result()
                for result in answer:
                    results[batch.start + result["index_in_batch"]] = result
                bar.update(len(batch))
        return results

    def _channel(self) -> LedgerClient:
        channel = self.client.channel()
        self._channels.append(channel)
        return channel

    def _close_channels(self) -> None:
        for channel in self._channels:
            channel.close()
        self._channels.clear()
        self._checked_on.clear()

    @staticmethod
    def _problem_line(row: SheetRow, problem: Mapping[str, Any], converted: Converted) -> str:
        field_path = str(problem.get("field") or "")
        field_path = field_path.split(".", 1)[1] if field_path.startswith("entries[") and "." in field_path else field_path
        detail = str(problem.get("detail", ""))
        if detail.startswith("entries[") and ": " in detail:
            detail = detail.split(": ", 1)[1]
        where = field_path
        name = field_path.removeprefix("envelope.payload.").split(".")[0]
        if field_path.startswith("envelope.payload.") and name in converted.columns:
            letter, header = converted.columns[name]
            where = f"{header}, column {letter}"
        return f"row {row.number}: {problem.get('code')}: {detail}" + (f" ({where})" if where else "")

    # --- the whole import --------------------------------------------------------------------------------

    def run(self, path: Path, *, dry_run: bool = False, sheet: str | None = None) -> Outcome:
        """Import ``path`` (or only ask the server, ``dry_run``), as the module docstring says.

        :raises ImportRefused: with every problem found; ``written`` says whether some rows are in the log.
        :raises ClientError: when the server cannot be reached even after retries (nothing new written
            past the batches already answered).
        """
        try:
            return self._run(path, dry_run=dry_run, sheet=sheet)
        finally:
            self._close_channels()

    def _run(self, path: Path, *, dry_run: bool, sheet: str | None) -> Outcome:
        data, converted = self.read(path, sheet=sheet)
        rows = converted.rows
        envelopes, fresh = self.envelopes(path, data, converted)
        # The sidecar is written (and synced) to its .partial file while the dry run's answers are
        # awaited, and put in place only once every row passed: before anything is appended, as ever.
        staged = _partial(sidecar_path(path))
        stage = (lambda: _write_synced(staged, self._sidecar_lines(path, data, rows, envelopes))) if fresh and not dry_run else (lambda: None)
        try:
            results = self.dry_run(envelopes, sign=self._signer(data, rows), signed=stage)
            outcome = self._after_dry_run(path, data, converted, envelopes, results, fresh=fresh, dry_run=dry_run, staged=staged)
        finally:
            staged.unlink(missing_ok=True)
        return outcome

    def _after_dry_run(
        self,
        path: Path,
        data: bytes,
        converted: Converted,
        envelopes: list[dict[str, Any] | None],
        results: dict[int, dict[str, Any]],
        *,
        fresh: bool,
        dry_run: bool,
        staged: Path,
    ) -> Outcome:
        rows = converted.rows
        too_old = [i for i, r in results.items() if not r["ok"] and r["problem"].get("code") == "signed-too-old"]
        resigned = 0
        if too_old:  # only envelopes from the sidecar can be: the others were signed just now
            resign = self._signer(data, rows)
            for i in too_old:
                envelopes[i] = resign(i)
            resigned = len(too_old)
            held = sum(1 for r in results.values() if r.get("index") is not None)
            self.say(
                f"signed {resigned:,} entries again: they were signed more than the server allows before sending "
                f"(signed-too-old) and the log does not hold them yet; the {held:,} it holds are sent as they were signed"
            )
            results.update(self.dry_run(envelopes, too_old))
        refused = sorted(i for i, r in results.items() if not r["ok"])
        if refused:
            lines = [self._problem_line(rows[i], results[i]["problem"], converted) for i in refused]
            raise ImportRefused(f"the server's dry run refused {len(refused):,} of {len(rows):,} rows; nothing was written", lines)
        already = {rows[i].number: r["index"] for i, r in results.items() if r.get("index") is not None}
        if dry_run:
            return Outcome(path, len(rows), True, already, len(already), resigned)
        signed = [e for e in envelopes if e is not None]
        assert len(signed) == len(rows)
        if resigned:
            self._write_sidecar(path, data, rows, signed)
        elif fresh:
            os.replace(staged, sidecar_path(path))
        receipts = self._submit(path, rows, signed)
        return Outcome(path, len(rows), False, {n: r["index"] for n, r in receipts.items()}, len(already), resigned)

    def _submit(self, path: Path, rows: Sequence[SheetRow], envelopes: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        receipts: dict[int, dict[str, Any]] = {}
        try:
            with self._bar(len(rows), "importing") as bar:
                for batch in self._batches(len(rows)):
                    channel = self._checked_on.get(batch.start, self.client)
                    try:
                        answer = self._call(lambda batch=batch, channel=channel: channel.submit_batch([envelopes[i] for i in batch]))
                    except ClientError as exc:
                        first, last = rows[batch.start].number, rows[batch.stop - 1].number
                        done = f"rows {rows[0].number}-{rows[batch.start - 1].number} are in the log" if batch.start else "no row was written"
                        raise ImportRefused(
                            f"the batch of rows {first}-{last} was not appended: {exc}; {done}",
                            [
                                f"receipts of the rows written are in {receipts_path(path)}",
                                "re-run the same command to go on: it sends the same signed envelopes, and the server "
                                "answers those it holds with their receipts",
                            ],
                            written=bool(batch.start),
                        ) from None
                    for i, receipt in zip(batch, answer, strict=True):
                        receipts[rows[i].number] = receipt
                    bar.update(len(batch))
        finally:
            if receipts:
                self._write_receipts(path, rows, receipts)
        return receipts

    def _write_receipts(self, path: Path, rows: Sequence[SheetRow], receipts: Mapping[int, dict[str, Any]]) -> None:
        """One line per row, in row order; a receipt an earlier run wrote for the same entry is kept as it
        was, so a repeated import leaves the file byte for byte as it found it."""
        target = receipts_path(path)
        earlier: dict[int, str] = {}
        if target.exists():
            for line in target.read_text(encoding="utf-8").splitlines(keepends=True):
                try:
                    item = json.loads(line)
                    earlier[int(item["row"])] = line
                except (ValueError, KeyError, TypeError):
                    continue

        def lines() -> Iterator[str]:
            for row in rows:
                receipt = receipts.get(row.number)
                if receipt is None:
                    continue
                kept = earlier.get(row.number)
                if kept is not None:
                    old = json.loads(kept)
                    if old.get("index") == receipt["index"] and old.get("leaf_hash") == receipt["leaf_hash"]:
                        yield kept
                        continue
                yield _line({"row": row.number, **receipt})

        _write_atomically(target, lines())
