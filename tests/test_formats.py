"""Every input a user has: one generated report rendered as TXT, HTML, DOCX, text PDF, scanned PNG and
image-only PDF goes through the real readers (pdfplumber, python-docx, rapidocr) and the default model."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.extractor import Extractor
from extractor.io.pdf import PAGE_BREAK, drop_running_lines
from extractor.io.readers import source_from_bytes
from extractor.schema import CellStatus, CheckStatus, ExtractionOutput
from training import render

pytest.importorskip("rapidocr")
pytest.importorskip("reportlab")


@pytest.fixture(scope="module")
def report_text() -> tuple[str, dict]:
    """A plain report whose zeros print as zeros: its blank cells, if any, print as nothing OCR could lose (a
    scan's dash marks: ``test_a_scan_whose_blank_cells_print_dashes_…``)."""
    [(text, report)] = render.plain_reports(1, template="2021", blanks=False)
    return text, report.cells


@pytest.fixture(scope="module")
def outputs(report_text, tmp_path_factory) -> dict[str, ExtractionOutput]:
    from extractor.tagging.load import load_tagger

    text, _ = report_text
    paths = render.render_all(text, tmp_path_factory.mktemp("formats"), "report")
    tagger = load_tagger("model")
    extractor = Extractor(tagger)  # one OCR engine for every format
    return {fmt: extractor.extract_path(path) for fmt, path in paths.items()}


def _values(out: ExtractionOutput) -> dict[str, tuple[object, str]]:
    return {k: (c.value, c.status.value) for k, c in out.cells.items()}


@pytest.mark.model
def test_txt_html_docx_pdf_and_scanned_png_yield_the_same_cells(outputs, report_text):
    _, truth = report_text
    for fmt in ("txt", "html", "docx", "pdf", "png"):
        assert outputs[fmt].error is None, (fmt, outputs[fmt].error)
    expected = _values(outputs["txt"])
    assert {k: v for k, (v, _) in expected.items()} == truth
    for fmt in ("html", "docx", "pdf", "png"):
        assert _values(outputs[fmt]) == expected, fmt


@pytest.mark.model
def test_each_format_says_how_it_was_read(outputs):
    assert outputs["txt"].source.encoding == "gb18030"
    assert outputs["html"].source.encoding == "utf-8"
    assert outputs["docx"].source.encoding == "docx"
    assert outputs["pdf"].source.encoding == "pdf-text-layer"
    assert outputs["png"].source.encoding == "ocr"
    assert outputs["scan.pdf"].source.encoding == "pdf-ocr"
    assert [o.source.format for o in outputs.values()] == ["txt", "html", "docx", "pdf", "image", "pdf"]


@pytest.mark.model
def test_a_scanned_pdf_is_read_or_flagged_never_silently_wrong(outputs):
    """OCR may merge a dense row's digits; every cell that differs from the text layer is flagged: missing,
    placed by inference (a short row), or in a check that fails."""
    expected = _values(outputs["pdf"])
    scan = outputs["scan.pdf"]
    failing = {k for c in scan.checks if c.status is CheckStatus.FAIL for k in c.cells}
    for key, cell in scan.cells.items():
        if cell.value != expected[key][0]:  # read otherwise (the same value chosen among splits is no error)
            assert cell.status in (CellStatus.MISSING, CellStatus.INFERRED) or key in failing, key
            assert scan.review.needed
    same = sum(_values(scan)[k] == v for k, v in expected.items())
    assert same / len(expected) > 0.9


@pytest.mark.model
def test_pdf_and_image_cells_point_at_their_place_on_the_page(outputs):
    import pdfplumber

    pdf_out = outputs["pdf"]
    path = Path(pdf_out.source.path)
    with pdfplumber.open(path) as pdf:
        for key in ("applications.total.total", "active.licensing.decisions", "review.litigation_direct.total"):
            cell = pdf_out.cells[key]
            assert cell.box is not None, key
            page = pdf.pages[cell.box.page - 1]
            inside = page.crop((cell.box.x0 - 0.5, cell.box.top - 0.5, cell.box.x1 + 0.5, cell.box.bottom + 0.5))
            assert inside.extract_text().strip() == cell.raw, key
    png = outputs["png"].cells["applications.total.total"]
    assert png.box is not None and png.box.page == 1 and png.box.x1 > png.box.x0
    assert 0 < png.confidence <= 1


def test_running_headers_and_page_numbers_leave_the_text_but_stay_in_the_original():
    pages = [f"某某县政府信息公开年报\n正文第{i}页的内容\n- {i} -" for i in range(1, 5)]
    raw = PAGE_BREAK.join(pages)
    text, offsets = drop_running_lines(raw)
    assert "年报" not in text and "- 2 -" not in text
    assert [ln for ln in text.split("\n") if "正文" in ln] == [f"正文第{i}页的内容" for i in range(1, 5)]
    start = text.index("正文第3页")
    s, e = offsets.source_span(start, start + 6)
    assert raw[s:e] == "正文第3页的"


def _docx_bytes(build) -> bytes:  # type: ignore[no-untyped-def]
    import docx

    document = docx.Document()
    build(document)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_merged_cells_print_once_and_empty_cells_read_blank():
    def build(document) -> None:  # type: ignore[no-untyped-def]
        document.add_paragraph("三、收到和处理政府信息公开申请情况")
        table = document.add_table(rows=3, cols=3)
        table.cell(0, 0).merge(table.cell(0, 2)).text = "申请人情况"
        table.cell(1, 0).merge(table.cell(2, 0)).text = "（三）不予公开"
        table.cell(1, 1).text = "1.属于国家秘密"
        table.cell(1, 2).text = "3"
        table.cell(2, 1).text = "2.其他法律行政法规禁止公开"
        document.add_paragraph("四、结尾")

    source = source_from_bytes("r.docx", _docx_bytes(build))
    assert source.text.split("\n")[:4] == [
        "三、收到和处理政府信息公开申请情况",
        "申请人情况",
        "（三）不予公开\t1.属于国家秘密\t3",
        "2.其他法律行政法规禁止公开\t—",
    ]


def _blank_png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", size, 1).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("cut.docx", b"PK\x03\x04word/" + b"\x00" * 64, "DOCX"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "encrypted DOCX or legacy"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "legacy"),
        ("cut.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unreadable image"),
        ("huge.png", None, "image too large"),
        ("blank.png", None, "no text"),
    ],
)
def test_bad_documents_and_images_are_refused_with_a_reason(name, data, fragment):
    if name == "huge.png":
        data = _blank_png((9000, 9000))
    elif name == "blank.png":
        data = _blank_png((400, 300))
    with pytest.raises(InputError, match=fragment):
        source_from_bytes(name, data)


def test_an_empty_docx_is_refused():
    with pytest.raises(InputError, match="no text"):
        source_from_bytes("empty.docx", _docx_bytes(lambda d: None))


def test_a_scanned_pdf_without_ocr_says_what_is_missing():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, format="PDF")

    def no_ocr():  # type: ignore[no-untyped-def]
        raise InputError("OCR needs the 'ocr' extra")

    with pytest.raises(InputError, match="ocr"):
        source_from_bytes("scan.pdf", buf.getvalue(), ocr=no_ocr)


def test_an_encrypted_pdf_is_refused():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt="secret")
    pdf.drawString(100, 700, "report")
    pdf.save()
    with pytest.raises(InputError, match=r"encrypted|password"):
        source_from_bytes("locked.pdf", buf.getvalue())


def test_html_page_chrome_is_left_out_and_the_report_body_kept():
    page = (
        "<html><body><nav><a href='/'>首页</a><a>政务公开</a></nav>"
        "<div class='breadcrumb'>当前位置：首页 &gt; 年报</div>"
        "<div class='content'><p>一、总体情况</p><table><tr><td>规章</td><td>3</td><td>&nbsp;</td></tr></table></div>"
        "<div id='footer'>主办单位：县政府办公室<p>网站标识码 123</p></div><p>六、其他需要报告的事项</p></body></html>"
    )
    source = source_from_bytes("page.html", page.encode("utf-8"))
    lines = [ln for ln in source.text.split("\n") if ln.strip()]
    assert [ln.split() for ln in lines] == [["一、总体情况"], ["规章", "3", "—"], ["六、其他需要报告的事项"]]
    start = source.text.index("3\t")
    s, e = source.offsets.source_span(start, start + 1)
    assert source.raw_text[s:e] == "3"


def test_a_scanned_page_with_a_stamped_page_number_is_read_by_ocr():
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (900, 160), 255)
    font = ImageFont.truetype(str(render.font_path()), 40, index=0)
    ImageDraw.Draw(image).text((20, 50), "行政规范性文件  564  984  4185", fill=20, font=font)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(595, 842))
    pdf.drawImage(ImageReader(image), 40, 600, width=450, height=80)
    pdf.drawString(280, 30, "- 1 -")  # the only text layer on the page
    pdf.save()
    source = source_from_bytes("scan.pdf", buf.getvalue())
    assert source.encoding == "pdf-ocr"
    assert "4185" in source.text and "规范性文件" in source.text
    assert source.layout is not None and source.layout.ocr_pages == frozenset({1})


def test_a_word_web_export_with_merged_cells_reads_like_the_text_it_renders():
    from extractor.tagging.rules import RuleTagger

    extractor = Extractor(RuleTagger())
    for text, _ in render.plain_reports(6):
        page = render.to_word_html(text)
        assert b"rowspan=" in page and b"<br/>" in page and b"MsoNormal" in page
        as_text = extractor.extract_bytes("report.txt", text.encode("utf-8"))
        as_word = extractor.extract_bytes("report.html", page)
        assert _values(as_word) == _values(as_text)
        assert as_word.source.format == "html"


def _tab_reports_with_empty_cells(n: int) -> list:  # type: ignore[type-arg]
    """Generated tab-separated reports that print a blank cell as nothing (a Word table saved as text)."""
    from training.synth import generate

    out = []
    for seed in range(5_000_000, 5_000_400):
        report = generate(seed)
        if report.style.layout == "tabs" and report.style.blank_marker == "":
            out.append(report)
        if len(out) == n:
            return out
    raise AssertionError("too few generated reports with empty cells")


def test_an_empty_cell_of_a_pdf_table_keeps_the_values_after_it_in_their_columns():
    """In a PDF's text an empty cell leaves only a gap; the values' places on the page say which column each
    is in, so a row with an empty cell reads as its text does, with a blank cell in the gap (table 三 here,
    whose rows hold values in every column elsewhere in the table)."""
    from extractor.tagging.rules import RuleTagger

    extractor = Extractor(RuleTagger())
    placed = 0
    for report in _tab_reports_with_empty_cells(4):
        as_text = extractor.extract_bytes("r.txt", report.text.encode("utf-8"))
        as_pdf = extractor.extract_bytes("r.pdf", render.to_pdf(report.text))
        table = [k for k in as_text.cells if k.startswith("applications.")]
        same = sum(as_pdf.cells[k].value == as_text.cells[k].value for k in table)
        assert same >= 0.97 * len(table), (same, len(table))
        placed += any(n.step == "pdf_empty_cells" for n in _notes(report.text))
    assert placed >= 2, "empty cells were placed in too few reports for the test to mean anything"


def _notes(text: str):  # type: ignore[no-untyped-def]
    from extractor.normalize import normalize

    return normalize(source_from_bytes("r.pdf", render.to_pdf(text))).notes


def test_a_pdf_row_whose_values_fit_no_column_is_left_as_printed():
    from extractor.normalize import pdf_empty_cell_edits
    from extractor.offsets import OffsetMap
    from extractor.schema import Box
    from extractor.types import Layout

    text = "规章 1 2 3\n规范性文件 4 5 6\n行政许可 7\n"
    xs = {i: 100 + 40 * int(ch) for i, ch in enumerate(text) if ch.isdigit()}  # 1…6 in columns; 7 far right
    xs[text.index("7")] = 100 + 40 * 3 + 20  # between two columns: no place to read from
    boxes = tuple(
        Box(page=1, x0=xs.get(i, 10.0 * i), top=0.0, x1=xs.get(i, 10.0 * i) + 5, bottom=10.0) for i in range(len(text))
    )
    layout = Layout(boxes)
    assert pdf_empty_cell_edits(text, OffsetMap.identity(len(text)), layout) == []
    fits = "规章 1 2 3\n规范性文件 4 5 6\n行政许可 9\n"  # 9: under the third column → two blanks before it
    boxes = tuple(
        Box(page=1, x0=x, top=0.0, x1=x + 5, bottom=10.0)
        for x in (100 + 40 * ((int(ch) - 1) % 3 + 1) if ch.isdigit() else 10.0 * i for i, ch in enumerate(fits))
    )
    assert pdf_empty_cell_edits(fits, OffsetMap.identity(len(fits)), Layout(boxes)) == [
        (fits.index("9"), fits.index("9"), "— — ")
    ]


@pytest.fixture(scope="module")
def dashed_scan(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A plain report printing its zeros as dash marks (``——``), as text and as a scanned PNG."""
    from extractor.tagging.load import load_tagger

    [(text, _)] = render.plain_reports(1, template="2021", blanks=True)
    paths = render.render_all(text, tmp_path_factory.mktemp("dashes"), "report", formats=("txt", "png"))
    extractor = Extractor(load_tagger("model"))
    return extractor.extract_path(paths["txt"]), extractor.extract_path(paths["png"])


@pytest.mark.model
def test_a_scan_whose_blank_cells_print_dashes_is_never_silently_wrong(dashed_scan):
    """The OCR engine drops a cell's lone dash mark (``规章 —— 29 ——`` comes out ``规章 29``): the row then prints
    fewer values than cells. Each cell read otherwise than in the text is flagged: missing, placed by inference,
    chosen among readings (``repaired``, below 0.9) or in a failing check."""
    text_out, scan = dashed_scan
    failing = {k for c in scan.checks if c.status is CheckStatus.FAIL for k in c.cells}
    for key, cell in scan.cells.items():
        if cell.value != text_out.cells[key].value:
            flagged = cell.status in (CellStatus.MISSING, CellStatus.INFERRED) or key in failing
            assert flagged or (cell.status is CellStatus.REPAIRED and cell.confidence < 0.9), key
    assert scan.review.needed


@pytest.mark.model
@pytest.mark.xfail(
    strict=True,
    reason="rapidocr drops a table cell's lone dash mark (——), so its blank cells and the places of the values "
    "after them are lost (flagged: the test above); reading them needs the marks found on the image",
)
def test_a_scan_whose_blank_cells_print_dashes_reads_them_as_blank(dashed_scan):
    text_out, scan = dashed_scan
    assert {k: c.value for k, c in scan.cells.items()} == {k: c.value for k, c in text_out.cells.items()}
