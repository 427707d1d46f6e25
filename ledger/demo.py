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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.client import make_envelope
from ledger.config import Config
from ledger.crypto.canonical import b64encode, parse_timestamp
from ledger.crypto.signing import (
    private_key_from_seed,
    raw_public_key,
    read_private_key_file,
    write_private_key_file,
)
from ledger.domain import roles
from ledger.domain.assessment import covers_year, judge
from ledger.domain.entities import Park, ParkStatistics, ParkTargets
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
#: Members of the province's climate-change expert library, who judge the parks' target years.
ASSESSORS = (
    ("expert-zhang", "Zhang Wei, Sichuan Climate Change Expert Library (illustrative)"),
    ("expert-li", "Li Na, Sichuan Climate Change Expert Library (illustrative)"),
)
#: The seed's goals for 2025: about 500 bn yuan of output value, 200 bn of it from green low-carbon industry.
TARGET_YEAR = 2025
PROGRAMME_TARGETS = (Decimal("500000000000.00"), Decimal("200000000000.00"))
#: When the province set the pilot's targets (illustrative: the programme's own documents date them).
TARGETS_DECIDED_AT = "2022-06-30T00:00:00Z"
#: Heavy-industry parks given a coal cap they overshoot in 2025: the assessments find them not successful.
COAL_CAPPED = ("qingbaijiang-materials", "panzhihua-vanadium")
#: A park whose operator had reported only the first half of 2025: it cannot be judged for the year.
HALF_YEAR_PARK = "luzhou-food"
PARK_SUCCESS_PROGRAM = "nzc-park-success-2025"
PARK_AWARD = Decimal("5000000.00")
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
    #: Payload fields that name earlier entries by log index: field -> the demo numbers of those
    #: entries, whose indices only the log knows (``load_demo`` fills them in).
    refers: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


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
        rows += [(pid, name, "510000", (roles.ASSESSOR,)) for pid, name in ASSESSORS]
        rows += [(f"op-{p.park_id}", f"{p.name} Management Committee", p.region, (roles.PARK_OPERATOR,)) for p in PARKS]
        return rows

    def entries(self) -> Iterator[DemoEntry]:
        """The entries in log order, each numbered by its position (the demo's nonces use the number)."""
        self._yielded = 0  # while _entries runs: the number the entry it yields next will have
        for entry in self._entries():
            yield entry
            self._yielded += 1

    def _entries(self) -> Iterator[DemoEntry]:
        rnd = self.random
        # The figures added with the targets (green industry, coal, clean energy) come from a stream of
        # their own, so every figure the demo had before stays as it was.
        extra = random.Random(f"{SEED}/targets")
        statistics: dict[str, list[tuple[int, ParkStatistics]]] = defaultdict(list)
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
                half = park.park_id == HALF_YEAR_PARK and year == TARGET_YEAR
                part = Decimal("0.5") if half else Decimal(1)
                energy = Decimal(_tonnes(emissions * cut / Decimal("2.6") * part))
                figures = {
                    "park": park.park_id,
                    "period_start": _year(year),
                    "period_end": f"{year}-07-01T00:00:00Z" if half else _year(year + 1),
                    "output_value": _money(output * growth * part),
                    "currency": "CNY",
                    "energy_use_tce": _tonnes(energy),
                    "total_emissions": _tonnes(emissions * cut * part),
                    # Illustrative: green industry's share of output grows, coal gives way to clean energy.
                    "green_output_value": _money(output * growth * part * Decimal(extra.randrange(26, 36) + 3 * offset) / 100),
                    "coal_consumption_tce": _tonnes(energy * Decimal(extra.randrange(40, 56) - 4 * offset) / 100),
                    "clean_energy_tce": _tonnes(energy * Decimal(extra.randrange(24, 38) + 4 * offset) / 100),
                }
                statistics[park.park_id].append((self._yielded, _statistics_entity(figures)))
                yield DemoEntry(f"op-{park.park_id}", "park.statistics.reported", figures)
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
        yield from self._targets_and_assessments(baselines, statistics, extra)
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


    def _targets_and_assessments(
        self, baselines: Mapping[str, tuple[Decimal, Decimal]], statistics: Mapping[str, list[tuple[int, ParkStatistics]]], extra: random.Random
    ) -> Iterator[DemoEntry]:
        """The seed's 2025 targets, each park's, the expert library's assessments of 2025 and the
        rewards for the parks found successful (illustrative figures, as all the demo's)."""
        department = DEPARTMENT[0]
        output_target, green_target = PROGRAMME_TARGETS
        yield DemoEntry(department, "programme.targets.set", {
            "target_year": TARGET_YEAR,
            "output_value": _money(output_target),
            "green_output_value": _money(green_target),
            "currency": "CNY",
            "decided_at": TARGETS_DECIDED_AT,
        })
        successful = []
        for number, park in enumerate(PARKS):
            emissions, output = baselines[park.park_id]
            entity = Park(park.park_id, park.name, park.city, park.zone, park.industries, f"op-{park.park_id}", 2020, Decimal(_tonnes(emissions)),
                          Decimal(_money(output)), "CNY", 0, 0)  # fmt: skip
            inside = [(n, s) for n, s in statistics[park.park_id] if s.period_start.year == TARGET_YEAR]
            targets = {
                "park": park.park_id,
                "target_year": TARGET_YEAR,
                "intensity_reduction_percent": f"{Decimal(extra.randrange(15, 21)):.2f}",
                "emissions_cap": None,
                "coal_cap_tce": None,
                "min_clean_energy_share_percent": f"{Decimal(extra.randrange(25, 35)):.2f}" if number % 3 == 0 else None,
                "decided_at": TARGETS_DECIDED_AT,
            }
            if number % 4 == 1:
                targets["emissions_cap"] = _tonnes(emissions)  # no more than in the baseline year
            coal = sum((s.coal_consumption_tce or Decimal(0) for _, s in inside), Decimal(0))
            if park.park_id in COAL_CAPPED:
                targets["coal_cap_tce"] = _tonnes(coal * Decimal("0.9"))
            yield DemoEntry(department, "park.targets.set", {k: v for k, v in targets.items() if v is not None})
            if not covers_year([s for _, s in inside], TARGET_YEAR):
                continue  # half a year reported: the expert library cannot judge it
            judgement = judge(entity, [s for _, s in inside], _targets_entity(targets))
            assessor = ASSESSORS[number % len(ASSESSORS)][0]
            assessment = f"{park.park_id}/{TARGET_YEAR}"
            if not judgement.missed:
                successful.append((park.park_id, assessment))
            yield DemoEntry(
                assessor,
                "park.assessed",
                {
                    "assessment": assessment,
                    "park": park.park_id,
                    "target_year": TARGET_YEAR,
                    "statistics": [],
                    "outcome": judgement.outcome,
                    **{name: None if value is None else str(value) for name, value in judgement.figures.as_dict().items()},
                    "report_sha256": b64encode(hashlib.sha256(f"{SEED}/assessment/{assessment}".encode()).digest()),
                },
                refers={"statistics": tuple(n for n, _ in inside)},
            )
        yield DemoEntry(department, "reward.program.created", {
            "program": PARK_SUCCESS_PROGRAM,
            "name": "Rewards for the successful pilot parks, 2025",
            "budget": _money(PARK_AWARD * 12),
            "currency": "CNY",
            "kind": "park-success",
            "target_year": TARGET_YEAR,
            "award_per_park": _money(PARK_AWARD),
        })
        for park_id, assessment in successful[:12]:  # the budget pays twelve; the rest wait for the next fund
            yield DemoEntry(department, "reward.disbursed", {
                "disbursement": f"{PARK_SUCCESS_PROGRAM}/{park_id}",
                "program": PARK_SUCCESS_PROGRAM,
                "park": park_id,
                "assessment": assessment,
                "amount": _money(PARK_AWARD),
                "currency": "CNY",
            })


def _optional_decimal(p: Mapping[str, Any], name: str) -> Decimal | None:
    return Decimal(p[name]) if p.get(name) is not None else None


def _statistics_entity(p: Mapping[str, Any]) -> ParkStatistics:
    """A statistics payload as the projection the rules keep, to judge the demo's own assessments."""
    return ParkStatistics(
        f"{p['park']}/{p['period_start']}", p["park"], parse_timestamp(p["period_start"], field=""), parse_timestamp(p["period_end"], field=""),
        Decimal(p["output_value"]), p["currency"], Decimal(p["energy_use_tce"]), Decimal(p["total_emissions"]), 0, 0,
        _optional_decimal(p, "green_output_value"), _optional_decimal(p, "coal_consumption_tce"), _optional_decimal(p, "clean_energy_tce"),
    )  # fmt: skip


def _targets_entity(p: Mapping[str, Any]) -> ParkTargets:
    return ParkTargets(
        f"{p['park']}/{p['target_year']}", p["park"], p["target_year"], Decimal(p["intensity_reduction_percent"]),
        _optional_decimal(p, "emissions_cap"), _optional_decimal(p, "coal_cap_tce"), _optional_decimal(p, "min_clean_energy_share_percent"),
        parse_timestamp(p["decided_at"], field=""), 0, 0, parse_timestamp(p["decided_at"], field=""),
    )  # fmt: skip


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
    signers: dict[int, str] = {}  # demo number -> signer, for the entries later ones refer to
    entries = enumerate(DemoProgramme(projects=projects, loans=loans, tranches=tranches).entries())
    while chunk := list(itertools.islice(entries, CHUNK)):
        # Entries are signed when they are sent (the server refuses old signatures), so a re-run skips
        # what the log already holds rather than sending it again.
        named = [(entry.signer, _nonce(number)) for number, entry in chunk]
        present = reads.recorded_indices(runtime, named)
        batch: list[dict[str, Any]] = []
        for (number, entry), key in zip(chunk, named):
            signers[number] = entry.signer
            if key in present:
                continue
            if entry.refers:  # the entries it names must be in the log first, for their indices
                if batch:
                    created += submit_entries(runtime, batch, batch=True).created
                    batch = []
                entry = _with_indices(runtime, entry, signers)
            batch.append(_signed(entry, number, keys, runtime.clock.now()))
        if batch:
            created += submit_entries(runtime, batch, batch=True).created
        total += len(chunk)
        if progress:
            progress(len(chunk))
    write_demo_keys(config)
    state = "loaded" if created else "already present"
    return f"{total} entries {state}: {len(PARKS)} parks, {projects} projects, up to {loans} loans"


def _with_indices(runtime: LedgerRuntime, entry: DemoEntry, signers: Mapping[int, str]) -> DemoEntry:
    """``entry`` with the log indices of the entries its ``refers`` name filled into its payload."""
    wanted = {number: (signers[number], _nonce(number)) for numbers in entry.refers.values() for number in numbers}
    found = reads.recorded_indices(runtime, wanted.values())
    payload = dict(entry.payload)
    for name, numbers in entry.refers.items():
        payload[name] = [found[wanted[number]] for number in numbers]
    return DemoEntry(entry.signer, entry.entry_type, payload)


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
