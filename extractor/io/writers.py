"""ExtractionOutput → JSONL / CSV files, written atomically (temp file in the same folder, then rename)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from extractor.schema import ExtractionOutput


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


def xlsx_bytes(outputs: Iterable[ExtractionOutput]) -> bytes:
    """A workbook like the printed tables: a sheet per table (二, 三, 四), one row per document and table row,
    the table's columns across; a ``documents`` sheet with each report's template, meta, status and reasons."""
    from openpyxl import Workbook

    from extractor import template as tpl

    book = Workbook()
    docs = book.active
    docs.title = "documents"
    docs.append(["doc_id", "path", "template", "agency", "year", "confidence", "review", "error", "reasons"])
    sheets = {
        "active": book.create_sheet("table2_active"),
        "applications": book.create_sheet("table3_applications"),
        "review": book.create_sheet("table4_review"),
    }
    sheets["applications"].append(["doc_id", "path", "row", *tpl.APPLICANT_COLUMNS])
    sheets["review"].append(["doc_id", "path", "block", *tpl.REVIEW_OUTCOMES])
    sheets["active"].append(["doc_id", "path", "row", "column 1", "column 2", "column 3", "columns"])
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
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for key, cell in o.cells.items():
            table, row, column = key.split(".")
            rows.setdefault((table, row), {})[column] = None if cell.value is None else cell.value
        for (table, row), cols in rows.items():
            if table == "active":
                values = list(cols.values())
                sheets[table].append(
                    [o.doc_id, o.source.path, row, *values, *[None] * (3 - len(values)), "|".join(cols)]
                )
            else:
                order = tpl.APPLICANT_COLUMNS if table == "applications" else tpl.REVIEW_OUTCOMES
                sheets[table].append([o.doc_id, o.source.path, row, *(cols.get(c) for c in order)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


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
