"""What write and read use cases share: storage, clock, checkpoint key, limits and the log's identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import raw_public_key
from ledger.domain.catalog import GENESIS
from ledger.reconciliation.exceptions import Settings
from ledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class LogIdentity:
    """The two trust anchors an auditor pins: the origin and the checkpoint public key."""

    origin: str
    checkpoint_public_key: bytes

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.origin, self.checkpoint_public_key)


@dataclass
class LedgerRuntime:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    checkpoint_key: Ed25519PrivateKey | None
    max_clock_skew: timedelta = timedelta(minutes=5)
    max_batch_entries: int = 1000
    #: Most entries one group-commit transaction takes.
    max_round_entries: int = 5000
    #: The group committer, created on the first write (services.entries).
    committer: Any = field(default=None, repr=False)
    #: Thresholds of the reconciliation exceptions.
    reconciliation: Settings = field(default_factory=Settings)
    #: key id -> (party id, public key) of registered keys; a key id never changes its key.
    public_keys: dict[str, tuple[str, bytes]] = field(default_factory=dict, repr=False)
    #: Recently authenticated API tokens (services.tokens).
    token_cache: Any = field(default=None, repr=False)
    _identity: LogIdentity | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.token_cache is None:
            from ledger.services.tokens import TokenCache

            self.token_cache = TokenCache()

    def identity(self, uow: UnitOfWork) -> LogIdentity:
        """The origin and checkpoint key from the genesis entry (cached: index 0 never changes).

        :raises LedgerNotInitialized: when the log is empty.
        """
        if self._identity is None:
            genesis = uow.log.get(0)
            if genesis is None:
                raise errors.LedgerNotInitialized("the log is empty; run `greenledger init` first")
            envelope = genesis.record_json()["envelope"]
            if envelope["type"] != GENESIS:  # pragma: no cover - init is the only writer of index 0
                raise errors.LedgerNotInitialized("index 0 is not a genesis entry")
            self._identity = LogIdentity(
                origin=envelope["payload"]["origin"],
                checkpoint_public_key=b64decode(envelope["payload"]["checkpoint_key"], field="checkpoint_key", length=32),
            )
        return self._identity

    def signing_key(self, identity: LogIdentity) -> Ed25519PrivateKey:
        """The checkpoint private key, checked against the public key the genesis entry pins.

        :raises ServiceUnavailable: when this server holds no key or a different one.
        """
        if self.checkpoint_key is None:
            raise errors.ServiceUnavailable("this server holds no checkpoint key and cannot accept writes")
        if raw_public_key(self.checkpoint_key) != identity.checkpoint_public_key:
            raise errors.ServiceUnavailable("the configured checkpoint key is not the one the genesis entry pins")
        return self.checkpoint_key
