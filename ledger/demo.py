"""A demo programme loaded through the normal signed path; seeded, so every run sends the same entries.

The 17 parks follow the pilot list where the seed article names them (Tianfu headquarters business
district 天府总部商务区, Chengdu unicorn island 成都独角兽岛, Yibin Sanjiang New District east industrial
park 宜宾三江新区东部产业园, Suining Anju economic development zone 遂宁安居经济开发区); the others, every
company, bank and figure are illustrative.
Running it again changes nothing: each entry has a fixed nonce, and those the log holds are not sent again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.client import make_envelope
from ledger.config import Config
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import (
    private_key_from_seed,
    raw_public_key,
    read_private_key_file,
    write_private_key_file,
)
from ledger.domain import roles
from ledger.domain.identifiers import USCC_ALPHABET, uscc_check_character
from ledger.services import reads
from ledger.services.entries import submit_entries
from ledger.services.runtime import LedgerRuntime
from ledger.services.tokens import authenticate, issue_token

SEED = "greenledger-demo-v1"
CHUNK = 500
#: Folder under the ledger's home holding each demo party's private key, <party>.pem.
DEMO_KEYS = "demo-keys"


@dataclass(frozen=True)
class DemoPark:
    park_id: str
    name: str
    name_zh: str  # the park's own Chinese name (the pages show it on Chinese pages: ledger/web/vocabulary.py)
    city: str
    zone: str
    industries: tuple[str, ...]
    region: str  # administrative division code, for the operators' credit codes


PARKS = (
    DemoPark("tianfu-hq", "Tianfu Headquarters Business District", "天府总部商务区", "Chengdu", "chengdu_plain", ("headquarters economy", "finance", "digital services"), "510100"),
    DemoPark("unicorn-island", "Chengdu Unicorn Island", "成都独角兽岛", "Chengdu", "chengdu_plain", ("software", "new economy", "robots"), "510100"),
    DemoPark("qingbaijiang-materials", "Qingbaijiang Advanced Materials Park (illustrative)", "青白江先进材料产业园（示例）", "Chengdu", "chengdu_plain", ("steel", "new materials"), "510100"),
    DemoPark("yibin-sanjiang-east", "Yibin Sanjiang New District East Industrial Park", "宜宾三江新区东部产业园", "Yibin", "south_sichuan", ("power batteries", "new energy vehicles"), "511500"),
    DemoPark("yibin-digital", "Yibin Digital Economy Park (illustrative)", "宜宾数字经济产业园（示例）", "Yibin", "south_sichuan", ("electronics", "software"), "511500"),
    DemoPark("suining-anju", "Suining Anju Economic Development Zone", "遂宁安居经济开发区", "Suining", "chengdu_plain", ("food processing", "lithium materials"), "510900"),
    DemoPark("deyang-equipment", "Deyang Clean Energy Equipment Park (illustrative)", "德阳清洁能源装备产业园（示例）", "Deyang", "chengdu_plain", ("machinery", "clean energy equipment"), "510600"),
    DemoPark("deyang-food", "Deyang Green Food Park (illustrative)", "德阳绿色食品产业园（示例）", "Deyang", "chengdu_plain", ("food processing",), "510600"),
    DemoPark("mianyang-electronics", "Mianyang Electronics Industry Park (illustrative)", "绵阳电子信息产业园（示例）", "Mianyang", "chengdu_plain", ("electronics",), "510700"),
    DemoPark("mianyang-robots", "Mianyang Robot Industry Park (illustrative)", "绵阳机器人产业园（示例）", "Mianyang", "chengdu_plain", ("robots", "machinery"), "510700"),
    DemoPark("leshan-silicon", "Leshan Crystalline Silicon Park (illustrative)", "乐山晶硅产业园（示例）", "Leshan", "chengdu_plain", ("photovoltaics", "polysilicon"), "511100"),
    DemoPark("meishan-lithium", "Meishan Lithium Materials Park (illustrative)", "眉山锂电材料产业园（示例）", "Meishan", "chengdu_plain", ("lithium materials", "power batteries"), "511400"),
    DemoPark("zigong-equipment", "Zigong Energy-Saving Equipment Park (illustrative)", "自贡节能环保装备产业园（示例）", "Zigong", "south_sichuan", ("machinery", "environmental equipment"), "510300"),
    DemoPark("luzhou-food", "Luzhou Food and Liquor Park (illustrative)", "泸州食品与白酒产业园（示例）", "Luzhou", "south_sichuan", ("food processing",), "510500"),
    DemoPark("nanchong-logistics", "Nanchong Modern Logistics Park (illustrative)", "南充现代物流园（示例）", "Nanchong", "northeast_sichuan", ("logistics", "services"), "511300"),
    DemoPark("nanchong-food", "Nanchong Green Food Park (illustrative)", "南充绿色食品产业园（示例）", "Nanchong", "northeast_sichuan", ("food processing",), "511300"),
    DemoPark("panzhihua-vanadium", "Panzhihua Vanadium-Titanium Park (illustrative)", "攀枝花钒钛产业园（示例）", "Panzhihua", "panxi", ("steel", "vanadium-titanium"), "510400"),
)

DEPARTMENT = ("sc-dee", "Sichuan Provincial Department of Ecology and Environment (illustrative)", "510000")
LENDERS = (
    ("icbc-sichuan", "ICBC Sichuan Branch (illustrative)"),
    ("ccb-sichuan", "China Construction Bank Sichuan Branch (illustrative)"),
    ("adbc-sichuan", "Agricultural Development Bank Sichuan Branch (illustrative)"),
    ("chengdu-bank", "Bank of Chengdu (illustrative)"),
)
VERIFIERS = (("scmrv", "Sichuan Carbon MRV Centre (illustrative)"), ("westchina-verify", "West China Emission Verification Co. (illustrative)"))
AUDITOR = ("provincial-audit", "Sichuan Provincial Audit Office (illustrative)")
PROJECT_KINDS = (
    ("Rooftop solar and storage", "3.2.1"),
    ("Waste heat recovery", "1.1.2"),
    ("Energy management system", "1.3.1"),
    ("Electric boiler retrofit", "1.1.1"),
    ("Green building retrofit", "5.1.2"),
    ("Distributed wind and storage", "3.2.2"),
)
YEARS = (2023, 2024, 2025)


def demo_key(party_id: str) -> Ed25519PrivateKey:
    """The demo party's fixed key (derived from a public seed: demo keys protect nothing)."""
    return private_key_from_seed(hashlib.sha256(f"{SEED}/{party_id}".encode()).digest())


def demo_uscc(party_id: str, region: str) -> str:
    digest = hashlib.sha256(f"{SEED}/uscc/{party_id}".encode()).digest()
    body = "91" + region + "".join(USCC_ALPHABET[b % 31] for b in digest[:9])
    return body + uscc_check_character(body)


def _year(year: int) -> str:
    return f"{year}-01-01T00:00:00Z"


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def _tonnes(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_DOWN))


def _share(total: Decimal, part: int, parts: int) -> Decimal:
    """The ``part``-th of ``parts`` instalments of ``total``; the last takes the remainder, so they add up."""
    each = (total / parts).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return total - each * (parts - 1) if part == parts - 1 else each


@dataclass(frozen=True)
class DemoEntry:
    signer: str
    entry_type: str
    payload: dict[str, Any]


class DemoProgramme:
    """Generates the demo's entries in log order (pure: no I/O)."""

    def __init__(self, *, projects: int = 40, loans: int = 60, tranches: int = 1, seed: int = 2026) -> None:
        self.projects = projects
        self.loans = loans
        self.tranches = tranches
        self.random = random.Random(seed)

    def parties(self) -> list[tuple[str, str, str, tuple[str, ...]]]:
        """(party id, legal name, region, roles) of everyone but the operator."""
        rows = [(DEPARTMENT[0], DEPARTMENT[1], DEPARTMENT[2], (roles.DEPARTMENT,))]
        rows += [(pid, name, "510100", (roles.LENDER,)) for pid, name in LENDERS]
        rows += [(pid, name, "510100", (roles.VERIFIER,)) for pid, name in VERIFIERS]
        rows += [(AUDITOR[0], AUDITOR[1], "510000", (roles.AUDITOR,))]
        rows += [(f"op-{p.park_id}", f"{p.name} Management Committee", p.region, (roles.PARK_OPERATOR,)) for p in PARKS]
        return rows

    def entries(self) -> Iterator[DemoEntry]:
        rnd = self.random
        for party_id, legal_name, region, party_roles in self.parties():
            yield DemoEntry("operator", "party.registered", {
                "party": party_id,
                "legal_name": legal_name,
                "unified_social_credit_code": demo_uscc(party_id, region),
                "roles": list(party_roles),
                "public_key": b64encode(raw_public_key(demo_key(party_id))),
            })
        baselines: dict[str, tuple[Decimal, Decimal]] = {}
        for park in PARKS:
            emissions = Decimal(rnd.randrange(150_000, 2_500_000))
            output = Decimal(rnd.randrange(20, 400)) * Decimal(1_000_000_000) / 10
            baselines[park.park_id] = (emissions, output)
            yield DemoEntry(DEPARTMENT[0], "park.registered", {
                "park": park.park_id,
                "name": park.name,
                "city": park.city,
                "economic_zone": park.zone,
                "leading_industries": list(park.industries),
                "operator": f"op-{park.park_id}",
                "baseline_year": 2020,
                "baseline_emissions": _tonnes(emissions),
                "baseline_output_value": _money(output),
                "currency": "CNY",
            })
        for park in PARKS:
            emissions, output = baselines[park.park_id]
            for offset, year in enumerate(YEARS, start=1):
                if park.park_id == "nanchong-food" and year == 2024:
                    continue  # a gap the reconciliation reports flag as statistics-missing
                growth = Decimal(1) + Decimal(rnd.randrange(6, 14)) / 100 * offset
                cut = Decimal(1) - Decimal(rnd.randrange(3, 9)) / 100 * offset
                yield DemoEntry(f"op-{park.park_id}", "park.statistics.reported", {
                    "park": park.park_id,
                    "period_start": _year(year),
                    "period_end": _year(year + 1),
                    "output_value": _money(output * growth),
                    "currency": "CNY",
                    "energy_use_tce": _tonnes(emissions * cut / Decimal("2.6")),
                    "total_emissions": _tonnes(emissions * cut),
                })
        projects = []
        for number in range(self.projects):
            park = PARKS[number % len(PARKS)]
            kind, category = PROJECT_KINDS[rnd.randrange(len(PROJECT_KINDS))]
            equity = Decimal(rnd.randrange(20, 300)) * 1_000_000
            debt = Decimal(rnd.randrange(50, 900)) * 1_000_000
            expected = Decimal(rnd.randrange(2_000, 60_000))
            project_id = f"{park.park_id}/p{number + 1:04d}"
            projects.append((project_id, park, debt, expected))
            yield DemoEntry(f"op-{park.park_id}", "project.registered", {
                "project": project_id,
                "park": park.park_id,
                "name": kind,
                "owner": f"{park.city} {kind.split()[0]} Co., Ltd. (illustrative)",
                "category": category,
                "equity": _money(equity),
                "debt": _money(debt),
                "currency": "CNY",
                "expected_annual_reduction": _tonnes(expected),
            })
        room = {project_id: debt for project_id, _, debt, _ in projects}
        for number in range(self.loans):
            project_id, _, _, _ = projects[number % len(projects)]
            lender = LENDERS[rnd.randrange(len(LENDERS))][0]
            principal = (room[project_id] * Decimal(rnd.randrange(15, 45)) / 100).quantize(Decimal("1"))
            if principal <= 0:
                continue
            room[project_id] -= principal
            loan_id = f"{lender}/{number + 1:05d}"
            yield DemoEntry(lender, "loan.registered", {
                "loan": loan_id,
                "project": project_id,
                "principal": _money(principal),
                "currency": "CNY",
                "annual_rate_percent": f"{Decimal(rnd.randrange(280, 420)) / 100:.4f}",
                "term_months": rnd.choice((36, 60, 84, 120)),
            })
            disbursed = (principal * Decimal(rnd.randrange(50, 101)) / 100).quantize(Decimal("0.01"))
            repays = rnd.random() < 0.6
            repaid = (disbursed * Decimal(rnd.randrange(5, 30)) / 100).quantize(Decimal("0.01"))
            # Money moves in `tranches` monthly instalments (1 by default; more to scale the log up).
            for tranche in range(self.tranches):
                month = f"2024-{tranche % 12 + 1:02d}-15T00:00:00Z"
                yield DemoEntry(lender, "loan.disbursed", {"loan": loan_id, "amount": _money(_share(disbursed, tranche, self.tranches)), "currency": "CNY", "value_date": month})
            for tranche in range(self.tranches if repays else 0):
                month = f"2025-{tranche % 12 + 1:02d}-15T00:00:00Z"
                yield DemoEntry(lender, "loan.repaid", {"loan": loan_id, "amount": _money(_share(repaid, tranche, self.tranches)), "currency": "CNY", "value_date": month})
        # One bridge loan knowingly registered past the project's total investment: the reports show it
        # as loans-beyond-total-investment and, once disbursed, attribution-over-100-percent.
        bridge_project, _, bridge_debt, _ = projects[0]
        bridge = f"{LENDERS[3][0]}/bridge-0001"
        yield DemoEntry(LENDERS[3][0], "loan.registered", {
            "loan": bridge,
            "project": bridge_project,
            "principal": _money(bridge_debt * 2),
            "currency": "CNY",
            "annual_rate_percent": "4.2000",
            "term_months": 24,
            "exceeds_investment": True,
        })
        yield DemoEntry(LENDERS[3][0], "loan.disbursed", {"loan": bridge, "amount": _money(bridge_debt * 2), "currency": "CNY", "value_date": "2025-06-30T00:00:00Z"})
        verifications = []
        for number, (project_id, park, _, expected) in enumerate(projects):
            verifier = VERIFIERS[number % len(VERIFIERS)][0]
            for year in (2024, 2025):
                if rnd.random() < 0.15:
                    continue  # not every project was verified every year
                baseline = expected * Decimal(rnd.randrange(110, 140)) / 100
                reduction = (expected * Decimal(rnd.randrange(70, 110)) / 100).quantize(Decimal("0.001"))
                project_emissions = (baseline - reduction).quantize(Decimal("0.001"))
                verification_id = f"{verifier}/{year}/{number + 1:04d}"
                verifications.append((verification_id, project_id, park, reduction, year))
                yield DemoEntry(verifier, "reduction.verified", {
                    "verification": verification_id,
                    "project": project_id,
                    "period_start": _year(year),
                    "period_end": _year(year + 1),
                    "baseline_emissions": _tonnes(project_emissions + reduction),
                    "project_emissions": _tonnes(project_emissions),
                    "reduction": _tonnes(reduction),
                    "methodology": rnd.choice(("CCER-14-001-V01", "CCER-01-001-V01", "CM-104-V01")),
                    "report_sha256": b64encode(hashlib.sha256(f"{SEED}/report/{verification_id}".encode()).digest()),
                    "vintage": year,
                })
        rate = Decimal("30.00")
        remaining = Decimal(200_000_000)
        yield DemoEntry(DEPARTMENT[0], "reward.program.created", {
            "program": "nzc-rewards-2025",
            "name": "Near-zero-carbon park reward fund 2025",
            "budget": _money(remaining),
            "currency": "CNY",
            "yuan_per_tco2e": _money(rate),
            "cap_per_project": _money(Decimal(3_000_000)),
        })
        paid = 0
        for verification_id, project_id, _, reduction, year in verifications:
            if year != 2024 or rnd.random() < 0.4:
                continue
            amount = min(rate * reduction, Decimal(3_000_000))
            if amount > remaining:
                break  # the fund is spent; later verifications wait for next year's programme
            remaining -= amount
            paid += 1
            yield DemoEntry(DEPARTMENT[0], "reward.disbursed", {
                "disbursement": f"nzc-2025/{paid:04d}",
                "program": "nzc-rewards-2025",
                "project": project_id,
                "amount": _money(amount),
                "currency": "CNY",
                "verifications": [verification_id],
            })
        serial = 1
        for verification_id, _, park, reduction, _ in verifications:
            if rnd.random() < 0.5:
                continue
            quantity = int(reduction)
            verifier = verification_id.split("/")[0]
            holder = f"op-{park.park_id}"
            start, end = serial, serial + quantity - 1
            serial = end + 1
            yield DemoEntry(verifier, "credits.issued", {"verification": verification_id, "serial_start": start, "serial_end": end, "holder": holder})
            if rnd.random() < 0.6:
                buyer = LENDERS[rnd.randrange(len(LENDERS))][0]
                moved_end = start + quantity // 2
                yield DemoEntry(holder, "credits.transferred", {"serial_start": start, "serial_end": moved_end, "to": buyer})
                if rnd.random() < 0.7:
                    yield DemoEntry(buyer, "credits.retired", {
                        "serial_start": start,
                        "serial_end": start + quantity // 4,
                        "beneficiary": f"{buyer} green loan book {park.city} (illustrative)",
                    })


def _nonce(number: int) -> str:
    return f"demo-{number:07d}"


def _signed(entry: DemoEntry, number: int, keys: Callable[[str], Ed25519PrivateKey], signed_at: datetime) -> dict[str, Any]:
    return make_envelope(
        entry_type=entry.entry_type,
        signer=entry.signer,
        key=keys(entry.signer),
        payload=entry.payload,
        nonce=_nonce(number),
        signed_at=signed_at,
    )


def load_demo(
    runtime: LedgerRuntime,
    config: Config,
    *,
    projects: int = 40,
    loans: int = 60,
    tranches: int = 1,
    operator_id: str = "operator",
    progress: Callable[[int], None] | None = None,
) -> str:
    """Sign the demo programme's entries and submit them in batches, then write every demo party's key
    file (``write_demo_keys``); a second run changes nothing.

    :returns: a one-line summary.
    """
    operator = read_private_key_file(config.operator_key_path, config.key_passphrase)

    def keys(party: str) -> Ed25519PrivateKey:
        return operator if party == operator_id else demo_key(party)

    created = total = 0
    entries = enumerate(DemoProgramme(projects=projects, loans=loans, tranches=tranches).entries())
    while chunk := list(itertools.islice(entries, CHUNK)):
        # Entries are signed when they are sent (the server refuses old signatures), so a re-run skips
        # what the log already holds rather than sending it again.
        named = [(entry.signer, _nonce(number)) for number, entry in chunk]
        present = reads.recorded_nonces(runtime, named)
        now = runtime.clock.now()
        batch = [_signed(entry, number, keys, now) for (number, entry), key in zip(chunk, named) if key not in present]
        if batch:
            created += submit_entries(runtime, batch, batch=True).created
        total += len(chunk)
        if progress:
            progress(len(chunk))
    write_demo_keys(config)
    state = "loaded" if created else "already present"
    return f"{total} entries {state}: {len(PARKS)} parks, {projects} projects, up to {loans} loans"


def demo_keys_dir(config: Config) -> Path:
    return config.home / DEMO_KEYS


def write_demo_keys(config: Config) -> Path:
    """Each demo party's private key as ``demo-keys/<party>.pem`` under the ledger's home (mode 0600, the
    folder 0700), so a person can sign as any demo party with `greenledger sign --key`. The keys come
    from a public seed and protect nothing; they are written unencrypted, and files already there are
    kept as they are.

    :returns: the folder.
    """
    folder = demo_keys_dir(config)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, and a folder made earlier keeps its own
    for party_id, *_ in DemoProgramme(projects=1, loans=0).parties():
        path = folder / f"{party_id}.pem"
        if path.exists():
            continue
        try:
            write_private_key_file(path, demo_key(party_id))
        except errors.InvalidKey:
            if not path.exists():  # another loader may have written it meanwhile; anything else is real
                raise
    return folder


def demo_tokens(runtime: LedgerRuntime, config: Config, *, lifetime: timedelta = timedelta(days=30)) -> dict[str, str]:
    """API tokens for the operator and every demo party, kept in ``demo-tokens.json`` (0600) under
    the ledger's home so a person can try each role's view; still-valid tokens are reused."""
    path = config.home / "demo-tokens.json"
    parties = ["operator", *(row[0] for row in DemoProgramme(projects=1, loans=0).parties())]
    try:
        kept: dict[str, str] = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        kept = {}
    tokens = {}
    for party in parties:
        token = kept.get(party)
        principal = authenticate(runtime, token) if token else None
        tokens[party] = token if principal and principal.party_id == party else issue_token(runtime, party, lifetime=lifetime, label="demo").token
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(tokens, out, indent=2)
    return tokens
