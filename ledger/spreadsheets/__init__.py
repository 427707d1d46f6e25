"""Spreadsheets in and out: a party's rows become signed entries, and its records become rows again.

- ``columns``: for each entry type, the columns a sheet has (payload fields, their Chinese aliases,
  how each cell is read), from the same marshmallow schema the server checks (pure);
- ``cells``: one cell (text, an Excel number, date or boolean) to its payload value, exactly (pure);
- ``rows``: a header and rows to payloads, every bad cell named by row and column (pure);
- ``tables``: payloads back to rows in the same columns, for ``export-table`` (pure);
- ``reader``: the rows of a .csv (UTF-8 or GB18030) or .xlsx (openpyxl) file;
- ``importing``: ``greenledger import``: sign, dry-run, submit in batches, sidecar and receipts files;
- ``exporting``: ``greenledger export-table``: a party's records as a sheet the import reads.
"""
