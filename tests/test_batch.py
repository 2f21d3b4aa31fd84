"""Batch runs: parallel workers give the in-process results, an interrupted run resumes without losing or
redoing a document, a document past its timeout gets a timeout record, and exports open as tables."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import read_records, write_reports

from extractor.batch import journal_path, run_batch
from extractor.extractor import ExtractorSpec
from extractor.schema import ExtractionOutput
from extractor.tagging.rules import RuleTagger
from extractor.types import NormalizedDoc, TaggedDoc
from training.synth import generate


def test_parallel_workers_give_the_same_records_as_one_process(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 6)
    spec = ExtractorSpec("rules")
    run_batch(paths, tmp_path / "a.jsonl", spec, tagger_name="rules-1", workers=0)
    run_batch(paths, tmp_path / "b.jsonl", spec, tagger_name="rules-1", workers=2)
    assert read_records(tmp_path / "a.jsonl") == read_records(tmp_path / "b.jsonl")


def test_an_interrupted_run_resumes_without_losing_or_redoing_a_document(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 8)
    (tmp_path / "in" / "broken.txt").write_bytes(b"")
    paths.append(tmp_path / "in" / "broken.txt")
    out = tmp_path / "out.jsonl"

    def stop_after_five(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0, progress=stop_after_five)
    assert not out.exists()
    assert len(read_records(journal_path(out))) == 5

    summary = run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    assert summary.skipped == 5 and sum(summary.by_status.values()) == 4
    records = read_records(out)
    assert [r["source"]["path"] for r in records] == [str(p) for p in paths]
    assert records[-1]["error"]["kind"] == "input_error"
    assert not journal_path(out).exists()

    again = run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    assert again.skipped == 8  # the error record is retried, the good ones are not
    redo = run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-2", workers=0)
    assert redo.skipped == 0  # another tagger version redoes everything


class _SlowTagger(RuleTagger):
    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        if "SLOW" in doc.text:
            time.sleep(60)
        return super().tag(doc)


@dataclass(frozen=True)
class _SlowSpec(ExtractorSpec):
    def load_tagger(self) -> RuleTagger:
        return _SlowTagger()


def test_a_document_past_its_timeout_gets_a_timeout_record_and_the_rest_finish(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 3)
    slow = tmp_path / "in" / "slow.txt"
    slow.write_text("SLOW\n" + generate(99).text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_batch([slow, *paths], out, _SlowSpec("rules"), tagger_name="rules-1", workers=2, timeout=12)
    records = read_records(out)
    assert records[0]["error"]["kind"] == "timeout" and records[0]["doc_id"]
    assert all(r["error"] is None for r in records[1:])
    assert summary.by_status["error:timeout"] == 1


def test_xlsx_export_is_laid_out_like_the_printed_tables(tmp_path: Path):
    from openpyxl import load_workbook

    paths = write_reports(tmp_path / "in", 3)
    out = tmp_path / "out.xlsx"
    run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    records = [ExtractionOutput.model_validate(r) for r in read_records_of(paths)]
    book = load_workbook(out)
    assert book.sheetnames == ["documents", "table2_active", "table3_applications", "table4_review"]
    sheet = book["table3_applications"]
    apps = list(sheet.iter_rows(values_only=True))
    assert apps[0][:5] == ("文件", "路径", "行", "自然人", "商业企业")
    assert apps[1][:4] == ("doc_id", "path", "row", "natural_person")
    assert sheet.freeze_panes == "D3"
    labels = {row[2] for row in apps[2:]}
    assert "一、本年新收政府信息公开申请数量 (new_received)" in labels and "（七）总计 (total)" in labels
    blanks = [k for r in records for k, c in r.cells.items() if c.status == "blank" and k.startswith("applications")]
    assert blanks  # these generated reports print blank markers in table 三
    # a blank cell shows the blank marker on grey, never 0
    shown = [cell for row in sheet.iter_rows(min_row=3) for cell in row if cell.value == "—"]
    assert shown and all(cell.fill.start_color.rgb.endswith("EEEEEE") for cell in shown)
    assert len(list(book["documents"].iter_rows())) >= 4


def read_records_of(paths: list[Path]) -> list[dict]:
    from extractor.extractor import Extractor

    extractor = Extractor(RuleTagger())
    return [json.loads(extractor.extract_path(p).to_json()) for p in paths]


def test_the_ray_engine_gives_the_same_records_as_the_local_pool(tmp_path: Path):
    ray = pytest.importorskip("ray")
    paths = write_reports(tmp_path / "in", 4)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        run_batch(paths, tmp_path / "ray.jsonl", ExtractorSpec("rules"), tagger_name="rules-1", workers=2, engine="ray")
    finally:
        ray.shutdown()
    run_batch(paths, tmp_path / "local.jsonl", ExtractorSpec("rules"), tagger_name="rules-1", workers=2)
    assert read_records(tmp_path / "ray.jsonl") == read_records(tmp_path / "local.jsonl")


def test_workers_apply_the_calibration_file_to_every_record(tmp_path: Path):
    from extractor.calibration import Calibration

    paths = write_reports(tmp_path / "in", 3)
    calibration = tmp_path / "calibration.json"
    Calibration(x=(0.0, 1.0), y=(0.25, 0.25), cells=2).save(calibration)
    run_batch(paths, tmp_path / "raw.jsonl", ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    spec = ExtractorSpec("rules", None, calibration)
    run_batch(paths, tmp_path / "cal.jsonl", spec, tagger_name="rules-1", workers=2)
    raw, cal = read_records(tmp_path / "raw.jsonl"), read_records(tmp_path / "cal.jsonl")
    for before, after in zip(raw, cal, strict=True):
        assert {k: c["value"] for k, c in before["cells"].items()} == {k: c["value"] for k, c in after["cells"].items()}
        assert {c["confidence"] for c in after["cells"].values()} == {0.25}
