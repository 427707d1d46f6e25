"""What `greenledger parties add` prints: the new party's credentials, then its first commands."""

from __future__ import annotations

import shlex
from typing import Any

from ledger.domain.templates import FIRST_WRITE


def onboarded_lines(done: Any, url: str) -> list[str]:
    """The lines for the registry operator to hand over: party id, key, token (once), server, next steps."""
    party = done.party_id
    key_file = shlex.quote(str(done.key_file)) if done.key_file else "YOUR-KEY.pem"
    expires = done.token.stored.expires_at.strftime("%Y-%m-%d")
    where_key = (
        f"{done.key_file} (its private key: only {party} should hold it; it never leaves that file)"
        if done.key_file
        else "the private key file whose public key was given (the server has only the public key)"
    )
    lines = [
        f"registered {party} ({', '.join(done.roles)}) at index {done.index}; hand {party} these:",
        f"  party id   {party}",
        f"  key id     {done.key_id}",
        f"  key file   {where_key}",
        f"  API token  {done.token.token} (shown only this once; expires {expires})",
        f"  server     {url}",
        f"next, as {party}:",
        f"  export LEDGER_URL={shlex.quote(url)} LEDGER_TOKEN={done.token.token}",
    ]
    first = next((FIRST_WRITE[role] for role in done.roles if role in FIRST_WRITE), None)
    if first is None:  # an auditor writes nothing: its first step is a read
        lines.append('  curl -H "Authorization: Bearer $LEDGER_TOKEN" "$LEDGER_URL/v1/reports/summary"')
        return lines
    stem = first.rpartition(".")[0].replace(".", "-")
    lines += [
        f"  greenledger template {first} > {stem}.json        # then put your own values in {stem}.json",
        f"  greenledger sign --key {key_file} --signer {party} --type {first} {stem}.json > {stem}.signed.json",
        f"  greenledger submit {stem}.signed.json > receipt.json",
        "  greenledger verify-receipt receipt.json",
    ]
    return lines
