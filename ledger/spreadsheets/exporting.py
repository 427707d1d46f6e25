"""``greenledger export-table``: the records of one entry type a token may read, as a sheet the import reads.

The rows are the payloads as they were signed (``GET /v1/entries?type=…``), in log order, in the
import's columns; a comment row above the header says what they are (the import passes over it). A
later ``entry.corrected`` is an entry of its own and does not change the rows. Written through the one
CSV writer (``ledger.tabular``) or the xlsx writer beside it (``ledger.tabular_xlsx``), so no cell runs as
a formula; the import reads the ``'`` those writers put in front of such text back off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ledger import errors, tabular
from ledger.client import LedgerClient
from ledger.spreadsheets import tables
from ledger.spreadsheets.columns import columns_of
from ledger.tabular_xlsx import write_xlsx


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    first_index: int | None
    last_index: int | None

    def summary(self) -> str:
        where = f" (entries {self.first_index:,}-{self.last_index:,})" if self.rows else ""
        return f"wrote {self.rows:,} row{'s' * (self.rows != 1)}{where} to {self.path}"


def export_table(client: LedgerClient, type_name: str, out: Path, *, signer: str | None = None, field_names: bool = False) -> Exported:
    """Write ``type_name``'s records (``signer``'s only, when given) to ``out`` (.xlsx or .csv).

    :raises InvalidInput: for a type no sheet carries, or another suffix.
    :raises ClientError: when the server refuses or cannot be reached.
    """
    columns_of(type_name)  # a type no sheet carries is refused before anything is fetched
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise errors.InvalidInput(f"{out.name}: write a .xlsx or a .csv file", field="out")
    records = client.records(type_name, signer=signer)
    header = tables.header(type_name, field_names=field_names)
    cells = tables.rows(type_name, (r["envelope"]["payload"] for r in records))
    indices = [int(r["index"]) for r in records]
    comment = f"{type_name} records{' signed by ' + signer if signer else ''}, {len(records)} entries" + (
        f" from index {indices[0]} to {indices[-1]}" if indices else ""
    )
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "wb") as sink:
        if suffix == ".xlsx":
            write_xlsx(sink, header, cells, comment=comment, title=type_name)
        else:
            sink.write(tabular.to_csv(header, (tables.csv_cells(row) for row in cells), comment=comment).encode("utf-8-sig"))
    os.replace(temporary, out)
    return Exported(out, len(records), indices[0] if indices else None, indices[-1] if indices else None)
