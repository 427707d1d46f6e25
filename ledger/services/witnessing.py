"""Asking the log's witnesses to cosign its latest checkpoint (C2SP tlog-witness), and keeping what they say.

For each configured witness: send ``add-checkpoint`` with a consistency proof from the size that witness
last said it holds; on 409 with the witness's own size, start again from that size once; on 200, check
the cosignature under the witness's key before keeping it. A witness that refuses, or that cannot be
reached, is reported and changes nothing it said before. The transport is the caller's (``Post``), so
this module knows no HTTP.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Callable

from ledger import errors
from ledger.crypto.cosignature import Cosigner, WitnessPolicy, cosigned_by, merge_cosignatures, parse_cosigner_vkey, split_note
from ledger.domain.log import StoredCheckpoint
from ledger.services import reads
from ledger.services.runtime import LedgerRuntime

SIZE_CONTENT_TYPE = "text/x.tlog.size"

#: (url, body) -> (status, content type, body); raises OSError when the witness cannot be reached.
Post = Callable[[str, bytes], tuple[int, str, str]]


@dataclass(frozen=True)
class ConfiguredWitness:
    cosigner: Cosigner
    url: str


@dataclass(frozen=True)
class WitnessResult:
    witness: str
    ok: bool
    said: str


def parse_witnesses(text: str) -> list[ConfiguredWitness]:
    """The witnesses file: one ``<verifier key> <add-checkpoint URL>`` per line; ``#`` starts a comment.

    :raises InvalidInput: naming the line at fault.
    """
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].startswith(("http://", "https://")):
            raise errors.InvalidInput(f"line {number}: write '<witness verifier key> <https://…/add-checkpoint>'", field=f"line {number}")
        try:
            found.append(ConfiguredWitness(parse_cosigner_vkey(parts[0]), parts[1]))
        except errors.InvalidCheckpoint as exc:
            raise errors.InvalidInput(f"line {number}: {exc.detail}", field=f"line {number}") from None
    if len({w.cosigner.name for w in found}) != len(found):
        raise errors.InvalidInput("each witness is listed once", field="witnesses")
    return found


def cosigned_checkpoint(runtime: LedgerRuntime, checkpoint: StoredCheckpoint | None = None) -> str:
    """The latest checkpoint note (or ``checkpoint``'s) with the witnesses' cosignatures on it."""
    checkpoint = checkpoint or reads.latest_checkpoint(runtime)
    with runtime.uow_factory() as uow:
        lines = uow.witnesses.cosignatures(checkpoint.tree_size)
    return merge_cosignatures(checkpoint.note, lines) if lines else checkpoint.note


def ask_witnesses(runtime: LedgerRuntime, witnesses: list[ConfiguredWitness], post: Post) -> list[WitnessResult]:
    """Ask every witness to cosign the latest checkpoint; keep each valid cosignature."""
    checkpoint = reads.latest_checkpoint(runtime)
    with runtime.uow_factory() as uow:
        heads = uow.witnesses.heads()
        have = {line.split(" ", 2)[1] for line in uow.witnesses.cosignatures(checkpoint.tree_size)}
    results = []
    for witness in witnesses:
        name = witness.cosigner.name
        if name in have:
            results.append(WitnessResult(name, True, f"already cosigned tree size {checkpoint.tree_size}"))
            continue
        results.append(_ask(runtime, witness, checkpoint, heads.get(name, 0), post))
    return results


def _request(runtime: LedgerRuntime, old: int, checkpoint: StoredCheckpoint) -> bytes:
    proof = reads.prove_consistency(runtime, old, checkpoint.tree_size) if 0 < old < checkpoint.tree_size else []
    lines = [f"old {old}"] + [base64.b64encode(h).decode() for h in proof]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode("utf-8")


def _ask(runtime: LedgerRuntime, witness: ConfiguredWitness, checkpoint: StoredCheckpoint, old: int, post: Post) -> WitnessResult:
    name = witness.cosigner.name
    for _ in range(2):  # once more from the size a 409 names
        if old > checkpoint.tree_size:
            return WitnessResult(name, False, f"holds tree size {old}, larger than the log's {checkpoint.tree_size}: a rollback? Nothing was sent")
        try:
            status, content_type, body = post(witness.url, _request(runtime, old, checkpoint))
        except OSError as exc:
            return WitnessResult(name, False, f"cannot be reached at {witness.url}: {exc}")
        if status == 409 and content_type.split(";")[0].strip() == SIZE_CONTENT_TYPE and body.strip().isdigit():
            old = int(body.strip())
            with runtime.uow_factory() as uow:
                uow.witnesses.set_head(name, old)
                uow.commit()
            continue
        if status != 200:
            return WitnessResult(name, False, f"refused ({status}): {body.strip()[:300]}")
        return _keep(runtime, witness, checkpoint, body)
    return WitnessResult(name, False, "answered 409 twice: its size moved while the log asked")


def _keep(runtime: LedgerRuntime, witness: ConfiguredWitness, checkpoint: StoredCheckpoint, body: str) -> WitnessResult:
    """Keep the witness's first cosignature on ``checkpoint``; each line it answered is checked once, and
    one that names the witness but does not verify refuses the whole answer."""
    name = witness.cosigner.name
    checkpoint_body = split_note(checkpoint.note)[0]
    policy = WitnessPolicy((witness.cosigner,), 1)
    kept: tuple[str, int] | None = None
    for line in (line for line in body.splitlines() if line.strip()):
        try:
            found = cosigned_by(f"{checkpoint_body}\n{line}\n", policy)
        except errors.InvalidCheckpoint as exc:
            return WitnessResult(name, False, f"answered a cosignature that does not verify: {exc.detail}")
        if name in found and kept is None:
            kept = (line, found[name])
    if kept is None:
        return WitnessResult(name, False, "answered 200 without a cosignature by its key")
    with runtime.uow_factory() as uow:
        uow.witnesses.add_cosignature(checkpoint.tree_size, name, kept[0], kept[1])
        uow.witnesses.set_head(name, checkpoint.tree_size)
        uow.commit()
    return WitnessResult(name, True, f"cosigned tree size {checkpoint.tree_size}")
