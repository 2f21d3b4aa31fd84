"""One report as every file a user has: TXT, HTML page, DOCX, text PDF, scanned PNG and image-only PDF.

The input is plain report text in the tab layout (a table row is a line of tab-separated cells); each format
lays it out as a publisher would: HTML ``<table>`` rows inside page chrome, Word tables (short rows padded by
a merged cell), PDF/PNG table rows with each cell at its column's position. Used by the tests and
benchmarks that check the readers give the same cells for every format. Needs the ``render`` extra
(reportlab, python-docx, Pillow and a CJK font).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor import template as tpl

if TYPE_CHECKING:
    from training.synth import SynthReport

FONT_SIZE = 9  # points
LINE = 1.6  # line height in font sizes
MARGIN = 48  # points
WRAP = 38  # characters per line of running text


@lru_cache(maxsize=1)
def font_path() -> Path:
    """wqy-microhei from the ``paperang-p2-fonts-cjk`` wheel (no system CJK font is assumed)."""
    import paperang_p2_fonts_cjk

    return Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"


@dataclass(frozen=True)
class Block:
    """A paragraph (one cell) or a table (several rows of cells)."""

    rows: tuple[tuple[str, ...], ...]

    @property
    def is_table(self) -> bool:
        return any(len(r) > 1 for r in self.rows)


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    table: list[tuple[str, ...]] = []
    for line in text.split("\n"):
        cells = tuple(c.strip() for c in line.split("\t"))
        if len(cells) > 1:
            table.append(cells)
            continue
        if table:
            out.append(Block(tuple(table)))
            table = []
        if line.strip():
            out.append(Block(((line.strip(),),)))
    if table:
        out.append(Block(tuple(table)))
    return out


def to_html(text: str, title: str = "政府信息公开工作年度报告") -> bytes:
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>td{border:1px solid #999}</style></head><body>",
        "<div class='nav'><a href='/'>首页</a> &gt; <a href='/xxgk'>政务公开</a> &gt; 年度报告</div>",
        "<div class='content'>",
    ]
    for block in blocks(text):
        if not block.is_table:
            parts.append(f"<p>{html.escape(block.rows[0][0])}</p>")
            continue
        parts.append("<table>")
        width = max(len(r) for r in block.rows)
        for row in block.rows:
            cells = [f"<td>{html.escape(c) if c else '&nbsp;'}</td>" for c in row[:-1]]
            span = width - len(row) + 1
            last = html.escape(row[-1]) if row[-1] else "&nbsp;"
            cells.append(f"<td colspan='{span}'>{last}</td>" if span > 1 else f"<td>{last}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</div><div class='footer'>主办单位:政府办公室 网站标识码:1234567890</div></body></html>")
    return "\n".join(parts).encode("utf-8")


def to_word_html(text: str, title: str = "政府信息公开工作年度报告") -> bytes:
    """The report as Word's "save as web page" writes it: every cell a ``<p class=MsoNormal><span>``, a group
    label of table 三 one cell spanning its rows (``rowspan``), header words broken by ``<br/>``, empty cells
    ``&nbsp;``."""
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>"]

    def cell(content: str, attrs: str = "") -> str:
        shown = _word_breaks(html.escape(content)) if content else "&nbsp;"
        style = "border:solid windowtext 1.0pt"
        span = f"<span style='font-size:10.5pt'>{shown}</span>"
        return f"<td{attrs} style='{style}'><p class=MsoNormal>{span}</p></td>"

    for block in blocks(text):
        if not block.is_table:
            parts.append(f"<p class=MsoNormal><span>{html.escape(block.rows[0][0])}</span></p>")
            continue
        parts.append("<table class=MsoTableGrid border=1>")
        rows = list(block.rows)
        for i, row in enumerate(rows):
            first, rest = row[0], row[1:]
            if tpl.GROUP_LABELS.fullmatch(first) and rest and not _VALUE.match(rest[0]):
                ends = _ends_results if first.startswith("三") else _starts_group
                span = 1 + next((k for k, r in enumerate(rows[i + 1 :]) if ends(r)), len(rows) - i - 1)
                cells = [cell(first, f" rowspan={span}"), *(cell(c) for c in rest)]
            else:
                cells = [cell(c) for c in row]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def _starts_group(row: Sequence[str]) -> bool:
    """A table row that begins a new group or a row of its own (not one more row of the group above)."""
    return bool(tpl.GROUP_LABELS.fullmatch(row[0])) or not re.match(r"\d+[.．]", row[0])


def _ends_results(row: Sequence[str]) -> bool:
    """The row after 三、本年度办理结果's last: (七)总计 or 四、结转…."""
    return bool(re.match(r"[(（]七|四、", row[0]))


def _word_breaks(content: str) -> str:
    """Word wraps a header cell's words inside the cell: 商业<br/>企业."""
    if content in tpl.APPLICANT_HEADER and len(content) >= 4:
        half = len(content) // 2
        return content[:half] + "<br/>" + content[half:]
    return content


def to_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for block in blocks(text):
        if not block.is_table:
            document.add_paragraph(block.rows[0][0])
            continue
        width = max(len(r) for r in block.rows)
        table = document.add_table(rows=len(block.rows), cols=width)
        for r, row in enumerate(block.rows):
            cells = table.rows[r].cells
            for c, value in enumerate(row):
                cells[c].text = value
            if len(row) < width:  # a short row: its last cell spans the rest
                cells[len(row) - 1].merge(cells[width - 1])
                cells[len(row) - 1].text = row[-1]
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class _Placed:
    """A piece of text at a position on a page (points, top-left origin)."""

    page: int
    x: float
    y: float
    text: str


def _wrap(line: str, width: int = WRAP) -> list[str]:
    width = max(width, 1)
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


_VALUE = re.compile(r"^([+-]?[0-9０-９.,]+(万元|元)?|[—\-/\\无]+|)$")


def _split_row(row: Sequence[str]) -> tuple[list[str], list[str]]:
    """A row's label cells (text up to the first value-like cell) and its value cells."""
    for i, cell in enumerate(row):
        if _VALUE.match(cell):
            return list(row[:i]), list(row[i:])
    return [row[0]], list(row[1:])  # a header row: the first cell labels, the rest head the value columns


class _Pen:
    """Where the next line goes: down the page, on to the next page past the bottom margin."""

    def __init__(self, page_height: float) -> None:
        self.page, self.y, self.page_height = 1, float(MARGIN), page_height
        self.placed: list[_Placed] = []

    def put(self, x: float, piece: str, line: int = 0) -> None:
        self.placed.append(_Placed(self.page, x, self.y + line * FONT_SIZE * LINE, piece))

    def advance(self, lines: int = 1) -> None:
        self.y += FONT_SIZE * LINE * lines
        if self.y > self.page_height - MARGIN - FONT_SIZE * LINE:
            self.page, self.y = self.page + 1, float(MARGIN)


def layout(text: str, page_height: float = 842, page_width: float = 595) -> list[_Placed]:
    """Where every piece of text goes: running text wrapped; in a table, the label cells share the left part of
    the row and the value cells sit in right-aligned columns (a cell that does not fit wraps onto more lines)."""
    pen = _Pen(page_height)
    for block in blocks(text):
        if not block.is_table:
            for piece in _wrap(block.rows[0][0]):
                pen.put(MARGIN, piece)
                pen.advance()
            continue
        _table(pen, [_split_row(row) for row in block.rows], page_width)
        pen.advance()
    return pen.placed


def _table(pen: _Pen, split: list[tuple[list[str], list[str]]], page_width: float) -> None:
    # Header rows (text in value position) are set as one line of text; value rows define the columns.
    columns = max((len(v) for _, v in split if all(_VALUE.match(c) for c in v)), default=1)
    cell_width = min(6 * FONT_SIZE, (page_width - 2 * MARGIN) * (0.55 if columns <= 8 else 0.85) / columns)
    label_chars = int((page_width - 2 * MARGIN - columns * cell_width) / FONT_SIZE) - 1
    for labels, values in split:
        if not all(_VALUE.match(c) for c in values):
            for piece in _wrap(" ".join(c for c in (*labels, *values) if c), 2 * WRAP):
                pen.put(MARGIN, piece)
                pen.advance()
            continue
        cells: list[tuple[float, list[str]]] = [(MARGIN, _wrap(" ".join(labels), label_chars))] if labels else []
        first = columns - len(values)
        right = page_width - MARGIN
        cells += [(right - (columns - first - k) * cell_width, [v]) for k, v in enumerate(values)]  # never wrapped
        for x, lines in cells:
            for n, piece in enumerate(lines):
                if piece:
                    pen.put(x, piece, n)
        pen.advance(max(len(lines) for _, lines in cells))


def to_pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(font_path()), subfontIndex=0))
    buf = io.BytesIO()
    width, height = 595, 842
    pdf = canvas.Canvas(buf, pagesize=(width, height), invariant=1)
    placed = layout(text)
    for page in range(1, max(p.page for p in placed) + 1):
        pdf.setFont("wqy", FONT_SIZE)
        for p in (p for p in placed if p.page == page):
            pdf.drawString(p.x, height - p.y - FONT_SIZE, p.text)
        pdf.drawString(width / 2 - 10, 24, f"- {page} -")  # a page number in the footer
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def to_images(text: str, dpi: int = 200) -> list[Any]:
    """A 'scan' of each page: the PDF layout drawn in grey on white at ``dpi``."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72
    font = ImageFont.truetype(str(font_path()), int(FONT_SIZE * scale), index=0)
    placed = layout(text)
    pages = []
    for page in range(1, max(p.page for p in placed) + 1):
        image = Image.new("L", (int(595 * scale), int(842 * scale)), 255)
        draw = ImageDraw.Draw(image)
        for p in (p for p in placed if p.page == page):
            draw.text((p.x * scale, p.y * scale), p.text, fill=30, font=font)
        pages.append(image)
    return pages


def to_png(text: str, dpi: int = 200) -> bytes:
    """One tall PNG of the whole report (a photographed or stitched scan)."""
    from PIL import Image

    pages = to_images(text, dpi)
    tall = Image.new("L", (pages[0].width, sum(p.height for p in pages)), 255)
    y = 0
    for p in pages:
        tall.paste(p, (0, y))
        y += p.height
    buf = io.BytesIO()
    tall.save(buf, format="PNG")
    return buf.getvalue()


def to_scanned_pdf(text: str, dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer), one scanned image per page."""
    pages = to_images(text, dpi)
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


def plain_reports(n: int, template: str | None = None, blanks: bool | None = None) -> list[tuple[str, SynthReport]]:
    """The first ``n`` generated reports printed plainly in the tab layout (no broken labels, noise or dropped
    cells, simplified characters) — each format must read them whole — as (tables and headings, report).
    Running text is the same in every format and only slows OCR down, so it is left out. ``blanks``: only
    reports that print zeros as blank marks (True) or none that do (False)."""
    from training.synth import generate

    out = []
    for seed in range(100_000):
        report = generate(seed, "tabs")
        s = report.style
        plain = s.break_labels == 0 and s.noise == 0 and s.missing == 0 and bool(s.blank_marker)
        plain = plain and blanks in (None, s.blank_zeros > 0)
        if plain and "报告" in report.text and template in (None, report.template):
            text = "\n".join(line for line in report.text.split("\n") if "\t" in line or len(line) < 40)
            out.append((text, report))
            if len(out) == n:
                break
    return out


FORMATS = {
    "txt": lambda t: t.encode("gb18030"),
    "html": to_html,
    "docx": to_docx,
    "pdf": to_pdf,
    "png": to_png,
    "scan.pdf": to_scanned_pdf,
}


def render_all(text: str, out_dir: Path, name: str, formats: Sequence[str] = tuple(FORMATS)) -> dict[str, Path]:
    """Write ``text`` as each of ``formats`` to ``out_dir/name.<format>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        path.write_bytes(FORMATS[fmt](text))
        paths[fmt] = path
    return paths
