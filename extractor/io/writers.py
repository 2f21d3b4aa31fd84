"""ExtractionOutput → JSONL / CSV files, written atomically (temp file in the same folder, then rename)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from extractor.schema import Cell, ExtractionOutput


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def jsonl_text(outputs: Iterable[ExtractionOutput]) -> str:
    return "".join(o.to_json() + "\n" for o in outputs)


CSV_COLUMNS = (
    "doc_id",
    "path",
    "template",
    "agency",
    "year",
    "cell",
    "row_label",
    "column_label",
    "value",
    "status",
    "confidence",
    "raw",
    "start",
    "end",
)


def csv_text(outputs: Iterable[ExtractionOutput]) -> str:
    """One row per cell."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for o in outputs:
        for key, cell in o.cells.items():
            start, end = cell.span if cell.span else ("", "")
            value = "" if cell.value is None else str(cell.value)
            writer.writerow(
                (
                    o.doc_id,
                    o.source.path,
                    o.template,
                    o.meta.agency or "",
                    o.meta.year or "",
                    key,
                    cell.row_label or "",
                    cell.column_label or "",
                    value,
                    cell.status.value,
                    cell.confidence,
                    cell.raw,
                    start,
                    end,
                )
            )
    return buf.getvalue()


FORMATS = {".jsonl": jsonl_text, ".json": jsonl_text, ".csv": csv_text}


BLANK_SHOWN = "—"  # a blank cell in the workbook: the source printed an empty cell
FILLS = {"blank": "EEEEEE", "missing": "FFF2CC", "flagged": "F4CCCC"}  # grey, yellow, red
LEGEND = {
    "blank": "grey, —: the source prints an empty cell",
    "missing": "yellow, empty: no value was found",
    "flagged": "red: repaired, inferred or in a failing check",
}
SHEETS = {"active": "table2_active", "applications": "table3_applications", "review": "table4_review"}


def xlsx_bytes(outputs: Iterable[ExtractionOutput]) -> bytes:
    """A workbook like the printed tables: a sheet per table (二, 三, 四) with the Chinese row and column labels
    (keys beneath), one row per document and table row, headers frozen; blank cells show ``—`` on grey, missing
    cells are empty on yellow, and cells that are repaired, inferred or named by a failing check are red. A
    ``documents`` sheet holds each report's template, meta, status and reasons, and a legend."""
    from openpyxl import Workbook

    from extractor import template as tpl

    book = Workbook()
    docs = book.active
    docs.title = "documents"
    docs.append(["doc_id", "path", "template", "agency", "year", "confidence", "review", "error", "reasons"])
    docs.freeze_panes = "A2"
    sheets = {}
    for table, title in SHEETS.items():
        sheet = book.create_sheet(title)
        columns = tpl.table_columns(table)
        sheet.append(["文件", "路径", "行", *(tpl.COLUMN_LABELS[f"{table}.{c}"] for c in columns)])
        sheet.append(["doc_id", "path", "row", *columns])
        sheet.freeze_panes = "D3"
        sheets[table] = (sheet, columns)
    for o in outputs:
        docs.append(
            [
                o.doc_id,
                o.source.path,
                o.template,
                o.meta.agency,
                o.meta.year,
                o.confidence,
                o.review.needed,
                o.error.message if o.error else None,
                "; ".join(o.review.reasons),
            ]
        )
        _table_rows(o, sheets)
    docs.append([])
    for name, colour in FILLS.items():
        docs.append([f"legend: {name}", LEGEND[name]])
        docs.cell(docs.max_row, 2).fill = _fill(colour)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _fill(colour: str):
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=colour, end_color=colour)


def _table_rows(o: ExtractionOutput, sheets: dict) -> None:
    from extractor import template as tpl

    failing = {k for c in o.checks if c.status.value == "fail" for k in c.cells}
    rows: dict[tuple[str, str], dict[str, Cell]] = {}
    for key, cell in o.cells.items():
        table, row, column = tpl.CellKey.parse(key)
        rows.setdefault((table, row), {})[column] = cell
    for (table, row), cells in rows.items():
        sheet, columns = sheets[table]
        label = tpl.ROW_LABELS[f"{table}.{row}"]
        values = []
        for c in columns:
            shown = cells.get(c)
            values.append(None if shown is None else BLANK_SHOWN if shown.status.value == "blank" else shown.value)
        sheet.append([o.doc_id, o.source.path, f"{label} ({row})", *values])
        for i, c in enumerate(columns):
            found = cells.get(c)
            if found is None:
                continue
            status = found.status.value
            kind = "flagged" if status in ("repaired", "inferred") or f"{table}.{row}.{c}" in failing else status
            if kind in FILLS:
                sheet.cell(sheet.max_row, 4 + i).fill = _fill(FILLS[kind])


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # the mode any new file gets, not mkstemp's 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


OUTPUT_SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")


def write_outputs(path: Path, outputs: list[ExtractionOutput]) -> None:
    """By suffix: .jsonl/.json, .csv (one row per cell, UTF-8 with a BOM so that Excel keeps the Chinese) or
    .xlsx (one sheet per table). Raises ``ValueError`` for any other suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        atomic_write_bytes(path, xlsx_bytes(outputs))
    elif suffix == ".csv":
        atomic_write_text(path, "\ufeff" + csv_text(outputs))
    elif suffix in FORMATS:
        atomic_write_text(path, FORMATS[suffix](outputs))
    else:
        raise ValueError(f"unknown output format {path.suffix!r}: use one of {', '.join(OUTPUT_SUFFIXES)}")
