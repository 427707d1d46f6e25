"""The department's targets for every park from one sheet with Chinese headers, and an assessment from a
sheet whose statistics cell lists log indices; the server's rules still decide."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ledger.cli import main
from ledger.crypto.signing import private_key_to_pem
from tests.api.test_targets_rules import FIGURES, H1, H2, REPORT, Targets
from tests.conftest import token_for


def _sheet(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(app: Any, prog: Targets, tmp_path: Path, party: str, path: Path, entry_type: str, url: str) -> Any:
    pem = tmp_path / f"{party}.pem"
    pem.write_bytes(private_key_to_pem(prog.keys[party]))
    args = ["import", str(path), "--type", entry_type, "--key", str(pem), "--signer", party, "--server", url, "--token", token_for(app, party)]
    return CliRunner().invoke(main, args)


def test_targets_and_an_assessment_import_from_sheets(app, sign, tmp_path, live_url):
    prog = Targets(app.test_client(), sign)
    prog.ok("dept", "park.registered", prog.park())
    prog.ok("dept", "park.registered", prog.park("yibin-east", operator="op-yibin"))
    targets = _sheet(tmp_path / "targets.csv", ["园区", "目标年份", "强度下降率", "煤炭消费上限", "清洁能源占比下限(%)", "决定日期"], [
        ["tianfu-hq", 2025, "20.00", "100000.000", "40.00", "2022-06-30"],
        ["yibin-east", 2025, "18.50", "", "", "2022-06-30"],
    ])  # fmt: skip
    done = _import(app, prog, tmp_path, "dept", targets, "park.targets.set", live_url)
    assert done.exit_code == 0, done.output
    assert prog.get("/v1/park-targets/yibin-east/2025")["coal_cap_tce"] is None
    assert prog.get("/v1/park-targets/tianfu-hq/2025")["min_clean_energy_share_percent"] == "40.00"

    statistics = [prog.ok("op-tianfu", "park.statistics.reported", H1), prog.ok("op-tianfu", "park.statistics.reported", H2)]
    header = ["评估编号", "园区", "目标年份", "统计条目", "结论", *FIGURES, "报告哈希"]
    row = ["tianfu-hq/2025", "tianfu-hq", 2025, ";".join(map(str, statistics)), "successful", *FIGURES.values(), REPORT]
    wrong = _import(app, prog, tmp_path, "expert", _sheet(tmp_path / "wrong.csv", header, [[*row[:4], "not-successful", *row[5:]]]), "park.assessed", live_url)
    assert wrong.exit_code == 1 and "row 2: assessment-outcome-mismatch" in wrong.output, wrong.output
    done = _import(app, prog, tmp_path, "expert", _sheet(tmp_path / "assessment.csv", header, [row]), "park.assessed", live_url)
    assert done.exit_code == 0, done.output
    assert prog.get("/v1/park-assessments/tianfu-hq/2025")["statistics_indices"] == statistics
