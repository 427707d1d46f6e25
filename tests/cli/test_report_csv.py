"""`greenledger report --csv` writes the same neutralized table as the API's ?format=csv."""

from __future__ import annotations

import csv
import io

from ledger.tabular import FORMULA_STARTS, PLAIN_NUMBER
from tests.helpers import Programme


def test_report_csv_from_the_cli_neutralizes_formulas(app, client, sign):
    prog = Programme(client, sign)
    prog.ok("dept", "park.registered", prog.park("park-eq", name='=HYPERLINK("http://evil.example","x")', city="-Chengdu"))
    prog.ok("dept", "park.registered", prog.park("park-at", name="@SUM(1,1)", city="\t=1+1"))
    result = app.test_cli_runner().invoke(args=["ledger", "report", "summary", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.output == client.get("/v1/reports/summary?format=csv").get_data(as_text=True)
    comment, _, table = result.output.partition("\n")
    assert comment.startswith("# summary  at tree size ")
    header, *rows = list(csv.reader(io.StringIO(table, newline="")))
    for row in rows:
        for cell in row:
            assert PLAIN_NUMBER.fullmatch(cell) or cell[:1] not in FORMULA_STARTS, cell
    by_park = {row[0]: row for row in rows}
    assert by_park["park-eq"][header.index("name")] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert by_park["park-eq"][header.index("city")] == "'-Chengdu"
    assert by_park["park-at"][header.index("name")] == "'@SUM(1,1)"
    assert by_park["park-at"][header.index("city")] == "'\t=1+1"


def test_the_programme_report_csv_neutralizes_park_names_too(app, client, sign):
    prog = Programme(client, sign)
    prog.ok("dept", "park.registered", prog.park("park-eq", name="=1+1"))
    prog.ok("dept", "park.targets.set", {"park": "park-eq", "target_year": 2030, "intensity_reduction_percent": "18.00", "decided_at": "2026-01-01T00:00:00Z"})
    result = app.test_cli_runner().invoke(args=["ledger", "report", "programme", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.output == client.get("/v1/reports/programme?format=csv").get_data(as_text=True)
    _, _, table = result.output.partition("\n")
    header, row = list(csv.reader(io.StringIO(table, newline="")))
    assert row[header.index("name")] == "'=1+1" and row[header.index("status")] == "in-progress"
    assert client.get("/v1/reports/programme?format=xlsx").status_code == 200
