"""A small HTTP client for greenledger, so no user hand-rolls canonical JSON or proof checks."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.canonical import format_timestamp
from ledger.crypto.signing import key_id, raw_public_key, sign_envelope


class ClientError(Exception):
    """The server answered with a problem (``problem`` holds the RFC 9457 body) or not at all."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code', '')}: {problem.get('detail', problem)}")
        self.status = status
        self.problem = dict(problem)


def make_envelope(
    *,
    entry_type: str,
    signer: str,
    key: Ed25519PrivateKey,
    payload: Mapping[str, Any],
    nonce: str | None = None,
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    """Build and sign an envelope (DESIGN §4); a random nonce and the current time unless given."""
    envelope = {
        "v": 1,
        "type": entry_type,
        "signer": signer,
        "key": key_id(raw_public_key(key)),
        "signed_at": format_timestamp(signed_at or datetime.now(timezone.utc)),
        "nonce": nonce or secrets.token_urlsafe(18),
        "payload": dict(payload),
    }
    return sign_envelope(envelope, key)


class LedgerClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"detail": raw.decode(errors="replace")}
            raise ClientError(exc.code, problem) from None
        except urllib.error.URLError as exc:
            raise ClientError(0, {"code": "unreachable", "detail": str(exc.reason)}) from None

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        return json.loads(self._request(method, path, body)[1])

    def submit(self, signed: Mapping[str, Any]) -> dict[str, Any]:
        """POST one signed entry; returns its receipt (the first one again on a retry)."""
        result: dict[str, Any] = self._json("POST", "/v1/entries", signed)
        return result

    def submit_batch(self, signed: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("POST", "/v1/entries/batch", {"entries": signed})["receipts"]
        return result

    def dry_run_batch(self, signed: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """What appending ``signed`` as a batch would do with each entry, without writing anything:
        ``{"index_in_batch", "ok"}`` plus ``index`` (the log holds it) or ``problem`` (problem+json)."""
        result: list[dict[str, Any]] = self._json("POST", "/v1/entries/batch?dry_run=true", {"entries": signed})["results"]
        return result

    def entry(self, index: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/entries/{index}")
        return result

    def records(self, entry_type: str, *, signer: str | None = None) -> list[dict[str, Any]]:
        """Every record of ``entry_type`` (``signer``'s only, when given) the token may read, in index order (all pages)."""
        found: list[dict[str, Any]] = []
        after: int | None = None
        while True:
            query = f"/v1/entries?type={entry_type}&limit=1000" + (f"&signer={signer}" if signer else "") + (f"&after={after}" if after is not None else "")
            page = self._json("GET", query)
            found.extend(item["record"] for item in page["items"])
            after = page["next"]
            if after is None:
                return found

    def inclusion_proof(self, index: int, tree_size: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/entries/{index}/inclusion-proof?tree_size={tree_size}")
        return result

    def consistency_proof(self, first: int, second: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/consistency-proof?first={first}&second={second}")
        return result

    def checkpoint(self) -> str:
        return self._request("GET", "/v1/checkpoint")[1].decode("utf-8")

    def log_info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/v1/log")
        return result
