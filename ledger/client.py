"""A small HTTP client for greenledger, so no user hand-rolls canonical JSON or proof checks."""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import ssl
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.canonical import b64encode, canonical_json, format_timestamp
from ledger.crypto.signing import key_id, raw_public_key, sign_envelope


class ClientError(Exception):
    """The server answered with a problem (``problem`` holds the RFC 9457 body) or not at all."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code', '')}: {problem.get('detail', problem)}")
        self.status = status
        self.problem = dict(problem)


class NoUsableAnswer(ClientError):
    """No answer of the API's: the server could not be reached, did not answer in time, or answered
    with something that is not JSON. The message is one sentence naming the address, for a person."""

    def __init__(self, sentence: str, *, code: str = "unreachable", status: int = 0) -> None:
        super().__init__(status, {"code": code, "detail": sentence})
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


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


class EnvelopeSigner:
    """Signs many envelopes of one type, signer, key and ``signed_at``: each the envelope, and the
    signature, that ``make_envelope`` makes of the same members, with the members they share encoded once.

    RFC 8785 orders the members by name (key, nonce, payload, signed_at, signer, type, v) and encodes
    each value on its own, so the signed bytes are spliced from the shared members' encodings, the
    nonce's and the payload's (a test holds them equal to ``canonical_json`` of the whole envelope).
    """

    def __init__(self, *, entry_type: str, signer: str, key: Ed25519PrivateKey, signed_at: datetime) -> None:
        self.key = key
        self.members = {"v": 1, "type": entry_type, "signer": signer, "key": key_id(raw_public_key(key)), "signed_at": format_timestamp(signed_at)}
        shared = {name: canonical_json(value, path=f"envelope.{name}") for name, value in self.members.items()}
        self._head = b'{"key":' + shared["key"] + b',"nonce":'
        self._tail = b',"signed_at":' + shared["signed_at"] + b',"signer":' + shared["signer"] + b',"type":' + shared["type"] + b',"v":1}'

    def sign(self, nonce: str, payload: Mapping[str, Any], canonical_payload: bytes | None = None) -> dict[str, Any]:
        """``{"envelope", "signature"}`` for ``payload`` under ``nonce``.

        :param canonical_payload: ``canonical_json(payload)``, when the caller has it already.
        :raises NonCanonicalValue: as ``canonical_json`` would for the whole envelope.
        """
        body = dict(payload)
        envelope = {**self.members, "nonce": nonce, "payload": body}
        if _deeper_than(body, _SPLICED_DEPTH):  # far deeper than any sheet's: canonical_json judges the whole
            message = canonical_json(envelope, path="envelope")
        else:
            if canonical_payload is None:
                canonical_payload = canonical_json(body, path="envelope.payload")
            message = b"".join((self._head, canonical_json(nonce, path="envelope.nonce"), b',"payload":', canonical_payload, self._tail))
        return {"envelope": envelope, "signature": b64encode(self.key.sign(message))}


#: Payloads nesting deeper than this are encoded whole: the depth limit counts from the envelope.
_SPLICED_DEPTH = 8


def _deeper_than(value: Any, depth: int) -> bool:
    """Whether ``value`` nests containers more than ``depth`` levels below itself."""
    members = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(isinstance(v, (dict, list)) and (depth <= 0 or _deeper_than(v, depth - 1)) for v in members)


class LedgerClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def channel(self) -> LedgerClient:
        """A client for the same server whose requests share one kept-alive connection, so that on a
        server of several worker processes they reach the same one (what a dry run left in a worker's
        memory serves the append that follows); ``close()`` it when done. Where a proxy would carry
        the requests, or the address is not a server's, it is a plain client like this one."""
        if not self._is_server_address(self.base_url):
            return LedgerClient(self.base_url, timeout=self.timeout, token=self.token)
        host = urlsplit(self.base_url).hostname or ""
        proxies = urllib.request.getproxies()
        if urlsplit(self.base_url).scheme in proxies and not urllib.request.proxy_bypass(host):
            return LedgerClient(self.base_url, timeout=self.timeout, token=self.token)
        return _Channel(self.base_url, timeout=self.timeout, token=self.token)

    def close(self) -> None:
        """Close what the client holds open (a plain client holds nothing)."""

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        if not self._is_server_address(self.base_url):
            raise NoUsableAnswer(f"{self.base_url} is not a server address (one looks like http://127.0.0.1:8000)", code="bad-address")
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            try:
                problem = json.loads(exc.read())
            except (ValueError, OSError, http.client.HTTPException):
                raise self._not_the_api(path, exc.code) from None
            raise ClientError(exc.code, problem if isinstance(problem, dict) else {"detail": problem}) from None
        except urllib.error.URLError as exc:
            raise self._unreachable(exc.reason) from None
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from None

    @staticmethod
    def _is_server_address(url: str) -> bool:
        try:
            address = urlsplit(url)
            return address.scheme in ("http", "https") and bool(address.hostname) and (address.port or 0) >= 0
        except ValueError:  # an unclosed [ of an IPv6 address, a port that is not a number
            return False

    def _unreachable(self, reason: object) -> NoUsableAnswer:
        """One sentence for a connection that failed, naming the address and what a person can check."""
        host = urlsplit(self.base_url).hostname
        if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError
            return NoUsableAnswer(f"{self.base_url} did not answer within {self.timeout:g} seconds", code="timeout")
        if isinstance(reason, socket.gaierror):
            return NoUsableAnswer(f"cannot find the host {host} of {self.base_url}: the name does not resolve ({reason.strerror})")
        if isinstance(reason, ConnectionRefusedError):
            return NoUsableAnswer(f"nothing answers at {self.base_url} (connection refused): is the server running there, on that port?")
        if isinstance(reason, ssl.SSLError):
            return NoUsableAnswer(f"the TLS connection to {self.base_url} failed: {reason.reason or reason}")
        why = reason.strerror if isinstance(reason, OSError) and reason.strerror else (str(reason) or type(reason).__name__)
        return NoUsableAnswer(f"cannot reach {self.base_url}: {why}")

    def _not_the_api(self, path: str, status: int) -> NoUsableAnswer:
        return NoUsableAnswer(
            f"{self.base_url} answered {path} (HTTP {status}) with something that is not JSON: is it a greenledger server?",
            code="not-json",
            status=status,
        )

    def _problem(self, path: str, status: int, raw: bytes) -> ClientError:
        """The ClientError of an answer with status ``status`` >= 400 and body ``raw``."""
        try:
            problem = json.loads(raw)
        except ValueError:
            return self._not_the_api(path, status)
        return ClientError(status, problem if isinstance(problem, dict) else {"detail": problem})

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        status, raw = self._request(method, path, body)
        try:
            return json.loads(raw)
        except ValueError:  # UnicodeDecodeError is one too
            raise self._not_the_api(path.partition("?")[0], status) from None

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
        status, raw = self._request("GET", "/v1/checkpoint")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise NoUsableAnswer(
                f"{self.base_url} answered /v1/checkpoint (HTTP {status}) with something that is not a checkpoint: is it a greenledger server?",
                code="not-a-checkpoint",
                status=status,
            ) from None

    def next_serial(self) -> int | None:
        """The serial the next credits.issued should start at (None when none is left)."""
        result: int | None = self._json("GET", "/v1/credit-blocks/next-serial")["next_serial"]
        return result

    def log_info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/v1/log")
        return result


class _Channel(LedgerClient):
    """A LedgerClient over one persistent HTTP/1.1 connection (``LedgerClient.channel``), opened again
    when the server closed it. Not for use by two threads at once."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None) -> None:
        super().__init__(base_url, timeout=timeout, token=token)
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        address = urlsplit(self.base_url)
        if address.scheme == "https":
            return http.client.HTTPSConnection(address.hostname or "", address.port, timeout=self.timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(address.hostname or "", address.port, timeout=self.timeout)

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        target = urlsplit(self.base_url).path.rstrip("/") + path
        for attempt in range(2):
            reused = self._connection is not None
            if self._connection is None:
                self._connection = self._connect()
            try:
                self._connection.request(method, target, body=data, headers=headers)
                response = self._connection.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                # A kept-alive connection the server closed while it sat idle: sent again on a new one.
                # Every write is idempotent by its nonces, so a request the server did take is answered
                # with its first receipts.
                if reused and attempt == 0:
                    continue
                raise self._unreachable(exc) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._unreachable(exc) from None
            if response.will_close:
                self.close()
            if response.status >= 400:
                raise self._problem(path, response.status, raw)
            return response.status, raw
        raise AssertionError("unreachable")
