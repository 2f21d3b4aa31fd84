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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def write_outputs(path: Path, outputs: list[ExtractionOutput]) -> None:
    render = FORMATS.get(path.suffix.lower(), jsonl_text)
    atomic_write_text(path, render(outputs))
