"""``greenledger import`` over real HTTP: whole workbooks in one command, every bad cell named, nothing
written unless every row passes, and re-runs that add nothing twice."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.client import ClientError, LedgerClient
from ledger.crypto.signing import private_key_to_pem
from ledger.spreadsheets.importing import Importer, ImportRefused, receipts_path, sidecar_path
from tests.conftest import token_for
from tests.helpers import Programme, tree_size

HEADER = ["贷款编号", "项目编号", "本金", "币种", "年利率", "期限（月）"]


@pytest.fixture
def prog(app: Any, sign: Any) -> Programme:
    programme = Programme(app.test_client(), sign)
    programme.ok("dept", "park.registered", programme.park())
    programme.ok("op-tianfu", "project.registered", programme.project(equity="900000000.00", debt="100000000.00"))
    return programme


@pytest.fixture
def bank(app: Any, prog: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_url: str) -> dict[str, Any]:
    """bank-a's key file and token, as a lender importing its loan book would have them."""
    pem = tmp_path / "bank-a.pem"
    pem.write_bytes(private_key_to_pem(prog.keys["bank-a"]))
    token = token_for(app, "bank-a")
    monkeypatch.setenv("LEDGER_TOKEN", token)
    return {"pem": pem, "token": token, "url": live_url, "key": prog.keys["bank-a"]}


def loan_book(path: Path, rows: int, *, start: int = 1, bad: dict[tuple[int, int], Any] | None = None) -> Path:
    """A workbook as a bank officer makes it: Chinese headers, amounts and terms as numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for n in range(start, start + rows):
        sheet.append([f"L{n:05d}", "p1", 1000 + n % 7 * 0.25, "人民币", "3.45", 36 + n % 3 * 12])
    for (row, column), value in (bad or {}).items():
        cell = sheet.cell(row=row, column=column)
        cell.value = value
        if isinstance(value, float):  # as Excel writes a double: its shortest round-trip text (openpyxl: "%.16g")
            cell._value, cell.data_type = repr(value), "n"
    workbook.save(path)
    return path


def run_import(bank: dict[str, Any], path: Path, *extra: str) -> Any:
    args = ["import", str(path), "--type", "loan.registered", "--key", str(bank["pem"]), "--signer", "bank-a", "--server", bank["url"], *extra]
    return CliRunner().invoke(main, args)


def receipts(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in receipts_path(path).read_text(encoding="utf-8").splitlines()]


def test_a_5000_row_workbook_imports_in_one_command(app, bank, tmp_path):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "放款明细.xlsx", 5000)
    result = run_import(bank, book)
    assert result.exit_code == 0, result.output
    assert f"imported 5,000 rows as entries {before:,}-{before + 4999:,}; receipts in {receipts_path(book)}" in result.output
    assert tree_size(client) == before + 5000
    lines = receipts(book)
    assert [r["row"] for r in lines] == list(range(2, 5002))
    assert [r["index"] for r in lines] == list(range(before, before + 5000))
    loan = client.get("/v1/loans/L00007").get_json()
    assert (loan["principal"], loan["currency"], loan["annual_rate_percent"], loan["term_months"], loan["lender"]) == ("1000.00", "CNY", "3.4500", 48, "bank-a")
    assert client.get("/v1/loans/L00002").get_json()["principal"] == "1000.50"
    signed = client.get(f"/v1/entries/{lines[0]['index']}").get_json()["record"]["envelope"]
    assert signed["nonce"].startswith("import-") and signed["nonce"].endswith("-2")


def test_three_bad_cells_are_all_reported_with_row_and_column_and_nothing_is_written(app, bank, tmp_path):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "loans.xlsx", 20, bad={(4, 3): 0.1 + 0.2, (9, 6): "三年", (15, 5): None})
    result = run_import(bank, book)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert problems == [
        "row 4, column C (本金): 0.30000000000000004 has more than 2 decimal places; amounts are never rounded "
        "(a floating-point artefact: round it in the sheet, or type the amount as text)",
        "row 9, column F (期限（月）): '三年' is not a whole number",
        "row 15, column E (年利率): empty, but a value is required",
    ]
    assert "3 problems found; nothing was signed or sent" in result.output
    assert tree_size(client) == before
    assert not sidecar_path(book).exists() and not receipts_path(book).exists()


def test_importing_the_same_sheet_twice_adds_nothing_and_keeps_the_same_receipts(app, bank, tmp_path):
    client = app.test_client()
    book = loan_book(tmp_path / "loans.xlsx", 1200)
    first = run_import(bank, book)
    assert first.exit_code == 0, first.output
    size = tree_size(client)
    written = receipts_path(book).read_bytes()
    second = run_import(bank, book)
    assert second.exit_code == 0, second.output
    assert "all 1,200 rows were in the log already, as entries" in second.output and "nothing added" in second.output
    assert tree_size(client) == size
    assert receipts_path(book).read_bytes() == written


def _failing_after(batches: int, *, lose_answer: bool) -> Any:
    """``submit_batch`` that works ``batches`` times, then dies: before sending (a kill), or after the
    server appended the batch (the answer lost on the way, a timeout)."""
    real = LedgerClient.submit_batch
    calls = {"n": 0}

    def submit_batch(self: LedgerClient, signed: list[Any]) -> list[dict[str, Any]]:
        calls["n"] += 1
        if calls["n"] > batches:
            if lose_answer:
                real(self, signed)
                raise ClientError(0, {"code": "unreachable", "detail": "timed out"})
            raise KeyboardInterrupt("killed")
        return real(self, signed)

    return submit_batch


@pytest.mark.parametrize("lose_answer", [False, True], ids=["killed", "answer-lost"])
def test_an_import_stopped_half_way_completes_on_a_rerun_without_duplicates(app, bank, tmp_path, monkeypatch, lose_answer):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "loans.xlsx", 1000)
    monkeypatch.setattr("ledger.spreadsheets.importing.RETRIES", 0)
    monkeypatch.setattr(LedgerClient, "submit_batch", _failing_after(2, lose_answer=lose_answer))
    stopped = run_import(bank, book, "--batch", "200")
    assert stopped.exit_code != 0
    written = 600 if lose_answer else 400
    assert tree_size(client) == before + written
    assert sidecar_path(book).exists()
    if not lose_answer:
        receipts_path(book).unlink()  # a hard kill writes no receipts either
    monkeypatch.undo()
    monkeypatch.setenv("LEDGER_TOKEN", bank["token"])
    again = run_import(bank, book, "--batch", "200")
    assert again.exit_code == 0, again.output
    assert f"({written:,} of them were in the log already)" in again.output
    assert tree_size(client) == before + 1000
    indices = [r["index"] for r in receipts(book)]
    assert indices == list(range(before, before + 1000))
    expected = sum(Decimal(1000) + Decimal(n % 7) * Decimal("0.25") for n in range(1, 1001))
    assert client.get("/v1/projects/p1").get_json()["loan_principal"] == f"{expected:.2f}"


def test_the_servers_dry_run_stops_an_import_and_names_each_row(app, bank, tmp_path):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "loans.xlsx", 6, bad={(3, 2): "p-unknown", (6, 3): "999999999.00", (7, 1): "L00001"})
    for extra in ((), ("--dry-run",)):
        result = run_import(bank, book, *extra)
        assert result.exit_code == 1, result.output
        problems = [line for line in result.output.splitlines() if line.startswith("row ")]
        assert [p.split(":")[:2] for p in problems] == [["row 3", " unknown-reference"], ["row 6", " loans-exceed-investment"], ["row 7", " duplicate-id"]]
        assert problems[0].endswith("(项目编号, column B)")
        assert "refused 3 of 6 rows; nothing was written" in result.output
        assert tree_size(client) == before
        assert not sidecar_path(book).exists()


def test_a_dry_run_of_a_good_sheet_writes_nothing(app, bank, tmp_path):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "loans.xlsx", 30)
    result = run_import(bank, book, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: the server would take all 30 rows of loans.xlsx; nothing was written" in result.output
    assert tree_size(client) == before
    assert not sidecar_path(book).exists() and not receipts_path(book).exists()


def test_envelopes_signed_more_than_a_day_ago_are_signed_again_only_where_the_log_lacks_them(app, bank, tmp_path, clock, monkeypatch):
    client = app.test_client()
    before = tree_size(client)
    book = loan_book(tmp_path / "loans.xlsx", 300)
    said: list[str] = []
    importer = Importer(LedgerClient(bank["url"], token=bank["token"]), entry_type="loan.registered", signer="bank-a", key=bank["key"],
                        batch=100, progress=False, say=said.append, now=lambda: clock.current)  # fmt: skip
    monkeypatch.setattr(LedgerClient, "submit_batch", _failing_after(1, lose_answer=False))
    with pytest.raises(KeyboardInterrupt):
        importer.run(book)
    monkeypatch.undo()
    first = [line["entry"] for line in map(json.loads, sidecar_path(book).read_text().splitlines()[1:])]
    clock.advance(hours=25)
    outcome = importer.run(book)
    assert outcome.resigned == 200 and outcome.already == 100
    assert any("signed 200 entries again" in line and "the 100 it holds are sent as they were signed" in line for line in said)
    assert tree_size(client) == before + 300
    second = [line["entry"] for line in map(json.loads, sidecar_path(book).read_text().splitlines()[1:])]
    assert second[:100] == first[:100]
    assert all(new["envelope"]["nonce"] == old["envelope"]["nonce"] and new != old for new, old in zip(second[100:], first[100:], strict=True))
    assert [r["index"] for r in receipts(book)] == list(range(before, before + 300))


def test_a_sidecar_of_another_version_of_the_file_is_refused(app, bank, tmp_path):
    book = loan_book(tmp_path / "loans.xlsx", 5)
    assert run_import(bank, book).exit_code == 0
    loan_book(book, 6)
    result = run_import(bank, book)
    assert result.exit_code == 1
    assert "was signed for another version of loans.xlsx" in result.output


def test_a_csv_saved_by_chinese_excel_imports(app, bank, tmp_path):
    client = app.test_client()
    book = tmp_path / "loans.csv"
    text = "贷款编号,项目编号,本金,年利率,期限(月)\r\nGB-1,p1,\"1,250.00\",3.45,60\r\nGB-2,p1,99.5,3.5,12\r\n"
    book.write_bytes(text.encode("gb18030"))
    result = run_import(bank, book)
    assert result.exit_code == 0, result.output
    assert client.get("/v1/loans/GB-1").get_json()["principal"] == "1250.00"
    assert client.get("/v1/loans/GB-2").get_json()["currency"] == "CNY"


def test_an_unknown_type_or_file_kind_is_refused_before_anything_is_signed(bank, tmp_path):
    book = loan_book(tmp_path / "loans.xlsx", 2)
    wrong = CliRunner().invoke(main, ["import", str(book), "--type", "ledger.genesis", "--key", str(bank["pem"]), "--signer", "bank-a", "--server", bank["url"]])
    assert wrong.exit_code == 1 and "not imported from spreadsheets" in wrong.output
    old = tmp_path / "loans.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    result = run_import(bank, old)
    assert result.exit_code == 1 and "save the sheet as .xlsx" in result.output


def test_refusals_say_what_an_importer_can_do(bank, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        Importer(LedgerClient(bank["url"], token=bank["token"]), entry_type="loan.registered", signer="bank-a", key=bank["key"], progress=False).run(
            loan_book(tmp_path / "x.xlsx", 1, bad={(2, 3): "12.345"})
        )
    assert refused.value.lines == ["row 2, column C (本金): 12.345 has more than 2 decimal places; amounts are never rounded"]
    assert not refused.value.written


def test_the_server_verifies_each_imported_signature_once(app, bank, tmp_path, monkeypatch):
    import ledger.crypto.signing as signing
    from ledger.services.entries import VERIFIED_SIGNATURES

    VERIFIED_SIGNATURES.clear()
    verified: list[bytes] = []
    real = signing.verify_signature
    monkeypatch.setattr(signing, "verify_signature", lambda message, signature, key: (verified.append(message), real(message, signature, key))[1])
    book = loan_book(tmp_path / "loans.xlsx", 300)
    result = run_import(bank, book, "--batch", "100")
    assert result.exit_code == 0, result.output
    assert len(verified) == len(set(verified)) == 300  # in the dry run; the appends found them verified
    VERIFIED_SIGNATURES.clear()
