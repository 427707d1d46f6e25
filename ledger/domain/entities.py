"""The current state of the programme, as projections of the log: one frozen dataclass per kind.

Each kind names its table and key; field names are column names, so one generic repository stores
them all and an in-memory replay holds the very same objects. Every object records the log indices
it was built from (``*_index`` fields), so a reader can fetch and verify the signed entries behind it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound="Entity")


@functools.cache
def _field_names(kind: type) -> frozenset[str]:
    assert not hasattr(kind, "__post_init__"), "Entity.evolve bypasses __init__, which would skip __post_init__"
    return frozenset(f.name for f in fields(kind))

#: How ``evolve`` gives a frozen copy its fields (a frozen dataclass refuses ``__setattr__``).
_set_attribute = object.__setattr__

MONEY = {"places": 2}
TONNES = {"places": 3}
RATE = {"places": 4}
PERCENT = {"places": 2}
INTENSITY = {"places": 6}


@dataclass(frozen=True)
class Entity:
    TABLE: ClassVar[str]
    KEY: ClassVar[str]
    #: Columns that ``LedgerState.find`` may filter on (indexed).
    INDEXED: ClassVar[tuple[str, ...]] = ()

    @property
    def key(self) -> Any:
        return getattr(self, self.KEY)

    def evolve(self: E, **changes: Any) -> E:
        """A copy with ``changes``: ``dataclasses.replace`` without re-running ``__init__``.

        Every loan movement evolves a loan on the append path and in every replay, and a frozen
        dataclass's ``__init__`` sets each field through ``object.__setattr__``. Entities define no
        ``__post_init__`` and cache nothing in their ``__dict__``, so copying it is all ``replace`` does.
        As that ``__dict__`` holds the fields and nothing else, a merge that grows it names a field the
        kind lacks: only then are the names compared.
        """
        kind = type(self)
        fields = self.__dict__
        merged = fields | changes
        if len(merged) != len(fields) and not changes.keys() <= _field_names(kind):
            unknown = changes.keys() - _field_names(kind)
            raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(kind)
        _set_attribute(copy, "__dict__", merged)
        return copy

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Party(Entity):
    TABLE: ClassVar[str] = "parties"
    KEY: ClassVar[str] = "party_id"

    party_id: str
    legal_name: str
    unified_social_credit_code: str
    roles: tuple[str, ...]
    registered_index: int


@dataclass(frozen=True)
class PartyKey(Entity):
    TABLE: ClassVar[str] = "party_keys"
    KEY: ClassVar[str] = "key_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("party_id",)

    key_id: str
    party_id: str
    public_key: bytes
    added_index: int
    revoked_index: int | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_index is not None


@dataclass(frozen=True)
class Park(Entity):
    TABLE: ClassVar[str] = "parks"
    KEY: ClassVar[str] = "park_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("operator",)

    park_id: str
    name: str
    city: str
    economic_zone: str
    leading_industries: tuple[str, ...]
    operator: str
    baseline_year: int
    baseline_emissions: Decimal = field(metadata=TONNES)
    baseline_output_value: Decimal = field(metadata=MONEY)
    currency: str
    registered_index: int
    last_index: int


@dataclass(frozen=True)
class ParkStatistics(Entity):
    TABLE: ClassVar[str] = "park_statistics"
    KEY: ClassVar[str] = "statistics_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("park_id",)

    statistics_id: str  # "<park>/<period start>"
    park_id: str
    period_start: datetime
    period_end: datetime
    output_value: Decimal = field(metadata=MONEY)
    currency: str
    energy_use_tce: Decimal = field(metadata=TONNES)
    total_emissions: Decimal = field(metadata=TONNES)
    reported_index: int
    last_index: int
    # Reported from 2026 on (issue 16); None in earlier entries and wherever a park does not report them.
    green_output_value: Decimal | None = field(default=None, metadata=MONEY)  # green low-carbon industry
    coal_consumption_tce: Decimal | None = field(default=None, metadata=TONNES)
    clean_energy_tce: Decimal | None = field(default=None, metadata=TONNES)


@dataclass(frozen=True)
class Project(Entity):
    TABLE: ClassVar[str] = "projects"
    KEY: ClassVar[str] = "project_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("park_id",)

    project_id: str
    park_id: str
    name: str
    owner: str
    category: str
    equity: Decimal = field(metadata=MONEY)
    debt: Decimal = field(metadata=MONEY)
    currency: str
    expected_annual_reduction: Decimal = field(metadata=TONNES)
    loan_principal: Decimal = field(metadata=MONEY)  # sum of its loans' principals
    registered_index: int
    last_index: int

    @property
    def total_investment(self) -> Decimal:
        return self.equity + self.debt


@dataclass(frozen=True)
class ProjectTotals(Entity):
    """What a report on many projects needs of each: its investment and running sums over its loans and
    verifications, one row per project instead of all of its loans and verifications.

    Derived from the other projections as entries change them (``ledger.domain.totals``), never from a
    payload: a rebuild and an auditor's replay arrive at the same rows. It carries no log indices of its
    own; the project, loans and verifications it sums record theirs.
    """

    TABLE: ClassVar[str] = "project_totals"
    KEY: ClassVar[str] = "project_id"

    project_id: str
    total_investment: Decimal = field(metadata=MONEY)  # the project's equity + debt
    loan_principal: Decimal = field(metadata=MONEY)  # the project's loan_principal
    outstanding: Decimal = field(metadata=MONEY)  # Σ (disbursed − repaid) over its loans
    verified: Decimal = field(metadata=TONNES)  # Σ reduction over its verifications
    verifications: int
    #: Verifications with more credits issued against them than they verified (the rules refuse this;
    #: reports still check for it).
    over_credited: int


@dataclass(frozen=True)
class Loan(Entity):
    TABLE: ClassVar[str] = "loans"
    KEY: ClassVar[str] = "loan_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("lender", "project_id")

    loan_id: str
    lender: str
    project_id: str
    principal: Decimal = field(metadata=MONEY)
    currency: str
    annual_rate_percent: Decimal = field(metadata=RATE)
    term_months: int
    exceeds_investment: bool
    disbursed: Decimal = field(metadata=MONEY)
    repaid: Decimal = field(metadata=MONEY)
    first_disbursed_at: datetime | None  # value date of the first disbursement
    registered_index: int
    last_index: int

    @property
    def outstanding(self) -> Decimal:
        return self.disbursed - self.repaid


@dataclass(frozen=True)
class Verification(Entity):
    TABLE: ClassVar[str] = "verifications"
    KEY: ClassVar[str] = "verification_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("project_id", "verifier")

    verification_id: str
    verifier: str
    project_id: str
    period_start: datetime
    period_end: datetime
    baseline_emissions: Decimal = field(metadata=TONNES)
    project_emissions: Decimal = field(metadata=TONNES)
    leakage: Decimal = field(metadata=TONNES)
    reduction: Decimal = field(metadata=TONNES)
    methodology: str
    report_sha256: bytes  # SHA-256 of the verification report, as the payload's base64 decodes
    vintage: int
    credits_issued: int  # tonnes of credits issued against it
    rewarded_by: str | None  # the reward disbursement that paid for it
    verified_index: int
    last_index: int


@dataclass(frozen=True)
class RewardProgram(Entity):
    TABLE: ClassVar[str] = "reward_programs"
    KEY: ClassVar[str] = "program_id"

    program_id: str
    name: str
    budget: Decimal = field(metadata=MONEY)
    currency: str
    yuan_per_tco2e: Decimal | None = field(metadata=MONEY)  # per-tonne programmes only
    cap_per_project: Decimal | None = field(metadata=MONEY)
    disbursed: Decimal = field(metadata=MONEY)
    tonnes_paid: Decimal = field(metadata=TONNES)
    created_index: int
    last_index: int
    kind: str = "per-tonne"  # per-tonne | park-success
    target_year: int | None = None  # park-success: the year whose successful parks it rewards
    award_per_park: Decimal | None = field(default=None, metadata=MONEY)  # park-success: most one park receives

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.disbursed


@dataclass(frozen=True)
class RewardDisbursement(Entity):
    TABLE: ClassVar[str] = "reward_disbursements"
    KEY: ClassVar[str] = "disbursement_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("program_id", "project_id", "park_id")

    disbursement_id: str
    program_id: str
    project_id: str | None  # per-tonne rewards pay a project
    amount: Decimal = field(metadata=MONEY)
    currency: str
    tonnes: Decimal = field(metadata=TONNES)
    verification_ids: tuple[str, ...]
    disbursed_index: int
    park_id: str | None = None  # park-success rewards pay a park
    assessment_id: str | None = None  # ... for its successful assessment


@dataclass(frozen=True)
class ProgrammeTargets(Entity):
    """The programme's targets for a year: total output value of the parks and its green low-carbon part."""

    TABLE: ClassVar[str] = "programme_targets"
    KEY: ClassVar[str] = "target_year"

    target_year: int
    output_value: Decimal = field(metadata=MONEY)
    green_output_value: Decimal = field(metadata=MONEY)
    currency: str
    decided_at: datetime  # when the department decided them (the entry may record an earlier decision)
    first_set_index: int  # the first targets entry for this year; later ones replace it (the log keeps all)
    set_index: int  # the entry in force
    first_set_at: datetime  # when the first was signed: after the year, the reports say so


@dataclass(frozen=True)
class ParkTargets(Entity):
    """A park's targets for a year; a cap or minimum left None is no target."""

    TABLE: ClassVar[str] = "park_targets"
    KEY: ClassVar[str] = "targets_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("park_id",)

    targets_id: str  # "<park>/<target year>"
    park_id: str
    target_year: int
    intensity_reduction_percent: Decimal = field(metadata=PERCENT)  # against the park's baseline intensity
    emissions_cap: Decimal | None = field(metadata=TONNES)  # tCO2e in the target year
    coal_cap_tce: Decimal | None = field(metadata=TONNES)
    min_clean_energy_share_percent: Decimal | None = field(metadata=PERCENT)
    decided_at: datetime
    first_set_index: int
    set_index: int
    first_set_at: datetime


@dataclass(frozen=True)
class ParkAssessment(Entity):
    """An expert judgement of a park's target year: the statistics, the figures and the outcome they give."""

    TABLE: ClassVar[str] = "park_assessments"
    KEY: ClassVar[str] = "assessment_id"
    INDEXED: ClassVar[tuple[str, ...]] = ("park_id",)

    assessment_id: str
    park_id: str
    target_year: int
    assessor: str
    outcome: str  # successful | not-successful
    missed: tuple[str, ...]  # the targets missed (ledger.domain.assessment.TARGET_NAMES)
    statistics_indices: tuple[int, ...]  # the park.statistics.reported entries it rests on
    output_value: Decimal = field(metadata=MONEY)
    green_output_value: Decimal | None = field(metadata=MONEY)
    total_emissions: Decimal = field(metadata=TONNES)
    intensity: Decimal | None = field(metadata=INTENSITY)
    intensity_reduction_percent: Decimal | None = field(metadata=PERCENT)
    coal_consumption_tce: Decimal | None = field(metadata=TONNES)
    clean_energy_share_percent: Decimal | None = field(metadata=PERCENT)
    targets_index: int  # the park.targets.set entry in force when it was judged
    report_sha256: bytes  # SHA-256 of the assessment report, as the payload's base64 decodes
    assessed_index: int
    last_index: int


@dataclass(frozen=True)
class CreditBlock(Entity):
    """Serials ``start`` to ``end`` inclusive, one tCO2e each, all with one holder and status."""

    TABLE: ClassVar[str] = "credit_blocks"
    KEY: ClassVar[str] = "start"
    INDEXED: ClassVar[tuple[str, ...]] = ("holder", "verification_id")

    start: int
    end: int
    vintage: int
    verification_id: str
    holder: str
    status: str  # active | retired | cancelled
    beneficiary: str | None
    issued_index: int
    last_index: int

    @property
    def quantity(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Correction(Entity):
    """The payload now in force for a corrected entry (the log keeps both)."""

    TABLE: ClassVar[str] = "corrections"
    KEY: ClassVar[str] = "original_index"

    original_index: int
    entry_type: str
    payload_json: str
    corrected_index: int


@dataclass(frozen=True)
class LogSigningKey(Entity):
    """The key that signs the log's checkpoints and reports: the genesis key, until a rotation."""

    TABLE: ClassVar[str] = "log_signing_key"
    KEY: ClassVar[str] = "name"

    name: str  # always CHECKPOINT_KEY_NAME: one row, the key in force
    origin: str
    public_key: bytes
    since_index: int  # the entry that put it in force (0: genesis)


CHECKPOINT_KEY_NAME = "checkpoint"


ENTITY_KINDS: tuple[type[Entity], ...] = (
    Party,
    PartyKey,
    Park,
    ParkStatistics,
    Project,
    ProjectTotals,
    Loan,
    Verification,
    RewardProgram,
    RewardDisbursement,
    ProgrammeTargets,
    ParkTargets,
    ParkAssessment,
    CreditBlock,
    Correction,
    LogSigningKey,
)
