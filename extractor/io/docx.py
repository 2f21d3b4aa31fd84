"""DOCX → text (python-docx): paragraphs and tables in document order, rendered like our HTML reader.

Each table row is one line with its cells separated by tabs; a cell's paragraphs are joined (a wrapped label
reads as one label); a cell merged across columns prints once; a cell continuing a vertical merge prints
nothing (as an HTML ``rowspan`` cell is absent from the rows below it); an empty cell prints the blank marker
``—``. A DOCX has no plain text of its own, so the rendered text is the original text that spans point into.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from extractor.errors import InputError
from extractor.io.limits import check_zip

BLANK_MARK = "—"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 files, and encrypted DOCX files


def docx_text(data: bytes) -> str:
    """Raises ``InputError`` for an encrypted, legacy (.doc), corrupt or empty Word file."""
    if data.startswith(_OLE_MAGIC):
        raise InputError("encrypted DOCX or legacy Word 97-2003 .doc file (save it as .docx)")
    check_zip(data, what="DOCX")  # before python-docx inflates and parses anything
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        text = "".join(_render(document))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"corrupt or truncated DOCX: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # lxml raises XMLSyntaxError on damaged parts
        if type(exc).__module__.startswith("lxml"):
            raise InputError(f"corrupt DOCX XML: {exc}") from exc
        raise
    if not text.strip():
        raise InputError("DOCX has no text")
    return text


def _render(document: Any) -> Iterator[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document).text + "\n"
        elif tag == "tbl":
            yield from _table(Table(child, document))


def _cell_text(tc: Any, parent: Any) -> str:
    from docx.table import _Cell

    cell = _Cell(tc, parent)
    parts = [p.text.strip() for p in cell.paragraphs]
    parts += [line for table in cell.tables for line in _table(table)]  # a nested table, flattened
    return "".join(parts).replace("\t", " ").replace("\n", " ").strip()


def _table(table: Any) -> Iterator[str]:
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":
                continue
            cells.append(_cell_text(tc, table) or BLANK_MARK)
        if cells:
            yield "\t".join(cells) + "\n"
    yield "\n"
