"""The review page and the evaluation page: what they show, that they need no network, and how they behave in a
real browser (Debian's headless Chromium, installed by scripts/browser.sh; skipped with the reason without it)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import DATA, GOLD, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from extractor.cli import app
from extractor.extractor import Extractor
from extractor.schema import Cell, ExtractionOutput, SourceInfo
from extractor.tagging.rules import RuleTagger
from extractor.view import TaggedSpan, source_html, spans_html

SEED = REPO / "samples" / "000_b1de9be8d5252a5a.txt"
FAILING_PDF = DATA / "dev" / "pdf" / "hongze_2023.pdf"  # two failing checks of table 三 as printed
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|<link\b|@import|url\(\s*["']?https?:""", re.I)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(RuleTagger())


def _page(extractor: Extractor, path: Path) -> tuple[str, ExtractionOutput]:
    data = path.read_bytes()
    return extractor.review_page(path.name, data), extractor.extract_bytes(path.name, data)


def test_the_review_page_lays_out_every_cell_under_its_printed_labels_with_no_network(extractor):
    page, out = _page(extractor, SEED)
    assert out.cells and not EXTERNAL.search(page)
    for key, cell in out.cells.items():
        assert f'id="c-{key.replace(".", "-")}"' in page
        assert html.escape(cell.row_label or "") in page and html.escape(cell.column_label or "") in page
    for title in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ):
        assert title in page
    spans_shown = sum(1 for c in out.cells.values() if c.span is not None)
    assert page.count("<mark ") >= 1 and spans_shown >= page.count("<mark ")
    assert str(out.meta.year) in page and out.template in page


def test_a_failing_check_is_marked_on_its_cells_with_the_arithmetic_and_the_page_pictures_carry_boxes(
    extractor, shared_data
):
    page, out = _page(extractor, FAILING_PDF)
    failing = [c for c in out.checks if c.status.value == "fail"]
    assert failing, "the fixture is chosen for its failing checks"
    for check in failing:
        assert html.escape(check.detail) in page and "≠" in check.detail
        for key in check.cells:
            cell_td = re.search(rf'<td class="([^"]*)" id="c-{re.escape(key.replace(".", "-"))}"', page)
            assert cell_td and "fail" in cell_td.group(1).split()
    assert '<figure class="page"' in page and page.count('class="box ') == sum(
        1 for c in out.cells.values() if c.box is not None
    )


def _record(text: str, spans: list[tuple[int, int]]) -> ExtractionOutput:
    cells = {
        f"applications.granted.k{i}": Cell(value=1, raw=text[s:e], span=(s, e), confidence=0.5, status="read")
        for i, (s, e) in enumerate(spans)
    }
    return ExtractionOutput(doc_id="d", source=SourceInfo(path="x.txt", format="txt", encoding="utf-8"), cells=cells)


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("一二三<>&\"'\n\t 0123456789"), min_size=0, max_size=80),
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=8),
)
def test_highlighting_the_cells_never_changes_the_source_text(text, pairs):
    spans = [(min(a, b), max(a, b)) for a, b in pairs if min(a, b) < max(a, b) <= len(text)]
    shown = source_html(_record(text, spans), text)
    body = re.sub(r"<[^>]+>", "", shown.removeprefix('<pre id="source">').split("</pre>")[0])
    assert html.unescape(body) == text
    assert shown.count("<mark ") <= len(spans)


def test_the_tagged_spans_are_shown_in_displacys_span_view():
    pytest.importorskip("spacy")
    text = "行政许可\t12\n总计 3"
    shown = spans_html(text, [TaggedSpan(0, 4, "ROW"), TaggedSpan(5, 7, "VALUE"), TaggedSpan(10, 11, "VALUE")])
    assert "ROW" in shown and shown.count("VALUE") >= 2 and "⏎" in shown


def test_view_writes_a_review_page_and_an_evaluation_page_with_a_page_per_document(tmp_path: Path, shared_data):
    runner = CliRunner()
    page = tmp_path / "page.html"
    result = runner.invoke(app, ["view", str(SEED), "--tagger", "rules", "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "c-applications-granted-total" in page.read_text(encoding="utf-8")

    results = tmp_path / "results.jsonl"
    files = [SEED, shared_data / "pages" / "flipbook_sjj_2020_p9.txt", FAILING_PDF]
    assert runner.invoke(
        app, ["extract", *map(str, files), "--tagger", "rules", "-o", str(results), "-q"]
    ).exit_code in (
        0,
        1,
    )
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["view", str(results), "--gold", str(GOLD), "-o", str(report)])
    assert result.exit_code == 0, result.output
    shown = report.read_text(encoding="utf-8")
    assert '<svg class="reliability"' in shown and "静默错误" in shown and not EXTERNAL.search(shown)
    for f in files:
        stem = f.name.rsplit(".", 1)[0]
        assert f'href="report_pages/{stem}.html"' in shown
        assert (tmp_path / "report_pages" / f"{stem}.html").read_text(encoding="utf-8").count("<mark ") > 0
    assert "flipbook_sjj_2020_p9" in shown and "want" in shown  # its wrong cells are listed


def test_view_refuses_a_results_file_without_gold_in_one_line(tmp_path: Path):
    results = tmp_path / "r.jsonl"
    results.write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["view", str(results)])
    assert result.exit_code == 2 and "--gold" in result.output


def test_an_unreadable_report_gets_the_page_of_its_error_record(extractor):
    page = extractor.review_page("empty.txt", b"")
    assert "错误" in page and "input_error" in page


# ---- in a real browser --------------------------------------------------------------------------
def _browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed: pip install -e '.[dev]'")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).is_file() and Path(driver).is_file()):
        pytest.skip("Debian's chromium and chromium-driver are not installed: bash scripts/browser.sh install")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1500,1000",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def _in_view(browser, element) -> bool:
    return bool(
        browser.execute_script(
            "const r=arguments[0].getBoundingClientRect();return r.bottom>0&&r.top<window.innerHeight&&r.height>0;",
            element,
        )
    )


@pytest.mark.browser
def test_in_a_browser_the_tables_lay_out_a_clicked_cell_lights_its_span_and_a_failing_check_shows(
    extractor, shared_data, tmp_path: Path
):
    from selenium.webdriver.common.by import By

    page, out = _page(extractor, FAILING_PDF)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    browser = _browser()
    try:
        browser.get(path.as_uri())
        tables = browser.find_elements(By.CSS_SELECTOR, "section.table table")
        assert len(tables) == 3 and all(t.is_displayed() and t.size["width"] > 200 for t in tables)
        row_heads = browser.find_elements(By.CSS_SELECTOR, "section.table th.row")
        assert len(row_heads) >= 30 and tables[1].location["y"] > tables[0].location["y"]  # stacked, as printed

        # a cell far down the text: its characters scroll into view and light up, and a click on them comes back
        key = max((k for k, c in out.cells.items() if c.span is not None), key=lambda k: out.cells[k].span or (0, 0))
        dom = key.replace(".", "-")
        mark = browser.find_element(By.CSS_SELECTOR, f'mark[data-ids~="s-{dom}"]')
        assert not _in_view(browser, mark)
        browser.find_element(By.ID, f"c-{dom}").click()
        assert "active" in (mark.get_attribute("class") or "").split() and _in_view(browser, mark)
        browser.execute_script("document.getElementById('left').scrollTop=0")
        mark.click()
        cell = browser.find_element(By.ID, f"c-{mark.get_attribute('data-keys').split()[0].replace('.', '-')}")
        assert "active" in (cell.get_attribute("class") or "").split() and _in_view(browser, cell)

        failing = browser.find_elements(By.CSS_SELECTOR, "td.cell.fail")
        assert failing and all(f.is_displayed() for f in failing)
        listed = browser.find_elements(By.CSS_SELECTOR, "li.fail")
        assert listed and "≠" in listed[0].text
        assert browser.find_elements(By.CSS_SELECTOR, "figure.page .box")
        shot = tmp_path / "page.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    finally:
        browser.quit()


def test_the_ml_backend_serves_the_pushed_review_pages_behind_its_token(extractor, tmp_path: Path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from extractor.ml_backend import create_ml_backend

    out = extractor.extract_bytes(SEED.name, SEED.read_bytes())
    (tmp_path / f"{out.doc_id}.html").write_text(extractor.review_page(SEED.name, SEED.read_bytes()), "utf-8")
    (tmp_path / "secret.txt").write_text("not a page", "utf-8")
    web = TestClient(create_ml_backend(RuleTagger(), token="t0ken", pages=tmp_path))
    assert web.get(f"/pages/{out.doc_id}.html").status_code == 401
    assert web.get(f"/pages/{out.doc_id}.html?token=wrong-令牌").status_code == 401
    page = web.get(f"/pages/{out.doc_id}.html?token=t0ken")
    assert page.status_code == 200 and "c-applications-granted-total" in page.text
    assert web.get("/pages/secret.txt?token=t0ken").status_code == 404
    assert web.get("/pages/..%2Fsecret.txt?token=t0ken").status_code == 404


def test_the_service_gives_an_upload_form_and_the_review_page_of_an_upload(extractor):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from extractor.service import create_app

    web = TestClient(create_app(extractor))
    form = web.get("/view")
    assert form.status_code == 200 and 'type="file"' in form.text
    page = web.post("/view", files={"file": (SEED.name, SEED.read_bytes(), "text/plain")})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "c-applications-granted-total" in page.text and not EXTERNAL.search(page.text)
    bad = web.post("/view", files={"file": ("x.txt", b"\x00\x01binary", "text/plain")})
    assert bad.status_code == 200 and "input_error" in bad.text


def test_a_corpus_exports_to_a_spacy_docbin_with_the_same_texts_and_spans(tmp_path: Path):
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    from extractor.corpus import read_corpus

    runner = CliRunner()
    for name in ("c.jsonl", "c.spacy"):
        result = runner.invoke(app, ["corpus", "-o", str(tmp_path / name), "--synthetic", "3", "--seed", "7"])
        assert result.exit_code == 0, result.output
    examples = list(read_corpus(tmp_path / "c.jsonl"))
    docs = list(DocBin().from_disk(tmp_path / "c.spacy").get_docs(spacy.blank("zh").vocab))
    assert [d.text for d in docs] == [ex.text for ex in examples]
    for doc, ex in zip(docs, examples, strict=True):
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == [
            (sp.start, sp.end, sp.label) for sp in ex.spans
        ]
        assert doc.user_data["id"] == ex.id and len(doc.ents) == len(ex.spans)


def test_the_span_view_of_a_long_text_shows_the_stretch_of_the_tables_only():
    pytest.importorskip("spacy")
    text = "叙" * 200_000 + "行政许可\t12\n" + "叙" * 200_000
    shown = spans_html(text, [TaggedSpan(200_000, 200_004, "ROW"), TaggedSpan(200_005, 200_007, "VALUE")])
    assert "ROW" in shown and "VALUE" in shown and len(shown) < 100_000
