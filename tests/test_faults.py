"""Faults on purpose: timeouts with the model, decompression bombs, a memory-hungry document, file names that
are not UTF-8, links that lead nowhere, an unwritable output and a torn journal. Each ends in an error record or
a one-line message, never a hang, a traceback or lost results."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import read_records, write_reports
from typer.testing import CliRunner

from extractor.batch import journal_path, run_batch
from extractor.cli import app
from extractor.errors import InputError
from extractor.extractor import Extractor, ExtractorSpec
from extractor.io.limits import ZipLimits, check_zip
from extractor.io.ocr import MAX_SIDE, open_image
from extractor.tagging.rules import RuleTagger
from extractor.types import NormalizedDoc, TaggedDoc
from training.synth import generate


@pytest.mark.model
def test_timeouts_with_the_model_tagger_end_the_run_instead_of_hanging(tmp_path: Path):
    # Every document times out, so pebble replaces a worker again and again from its manager thread: with
    # workers forked from this process that deadlocked on an import lock; forked from a clean server it cannot.
    # pebble looks at its timeouts every 0.1 s, so each document is made to take longer than that (60 reports
    # in one text: about 0.4 s), or a fast tagger would finish some before their timeout is seen.
    paths = write_reports(tmp_path / "in", 3)
    for path in paths:
        path.write_text(path.read_text(encoding="utf-8") * 60, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    started = time.monotonic()
    summary = run_batch(paths, out, ExtractorSpec("model"), tagger_name="m", workers=1, timeout=0.005)
    assert time.monotonic() - started < 240
    assert [r["error"]["kind"] for r in read_records(out)] == ["timeout"] * 3
    assert summary.errors == 3


def _docx_bomb(xml_bytes: int) -> bytes:
    """A Word package whose document.xml inflates to ``xml_bytes`` (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/_rels/document.xml.rels", "<Relationships/>")
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b"<w:document><w:body><w:p><w:r><w:t>")
            chunk = b"0" * (1 << 20)
            for _ in range(xml_bytes >> 20):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def test_a_docx_bomb_is_refused_before_it_is_parsed(tmp_path: Path):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_docx_bomb(48 << 20))
    assert bomb.stat().st_size < 1 << 20
    started = time.monotonic()
    out = Extractor(RuleTagger()).extract_path(bomb)
    assert time.monotonic() - started < 5
    assert out.error is not None and out.error.kind == "input_error" and "bomb" in out.error.message


def test_zip_limits_refuse_a_high_ratio_member_and_pass_a_normal_package():
    small = _docx_bomb(2 << 20)
    check_zip(small)  # 2 MB of XML: an ordinary large report
    with pytest.raises(InputError, match="inflates"):
        check_zip(small, ZipLimits(ratio_floor=1 << 20, max_ratio=50))
    with pytest.raises(InputError, match="corrupt"):
        check_zip(b"PK\x03\x04 not really a zip")


def test_a_huge_image_is_shrunk_before_ocr_and_boxes_scale_back():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (9000, 3000), 255).save(buf, format="PNG")
    image, scale = open_image(buf.getvalue())
    assert max(image.size) <= MAX_SIDE
    assert scale == pytest.approx(9000 / image.width)


class _Hungry(RuleTagger):
    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        if "HUNGRY" in doc.text:
            hoard = bytearray(3 << 30)  # 3 GB: past the worker's limit
            hoard[-1] = 1
        return super().tag(doc)


@dataclass(frozen=True)
class _HungrySpec(ExtractorSpec):
    def load_tagger(self) -> RuleTagger:
        return _Hungry()


def test_a_document_past_the_memory_limit_gets_an_error_record_and_the_rest_finish(tmp_path: Path):
    from extractor.config import Limits

    paths = write_reports(tmp_path / "in", 2)
    hungry = tmp_path / "in" / "hungry.txt"
    hungry.write_text("HUNGRY\n" + generate(7).text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    spec = _HungrySpec("rules", limits=Limits(memory_mb=1024))
    summary = run_batch([hungry, *paths], out, spec, tagger_name="rules-1", workers=1, timeout=60)
    records = read_records(out)
    assert records[0]["error"]["kind"] in ("memory_limit", "internal_error")
    assert all(r["error"] is None for r in records[1:])
    assert summary.errors == 1


def test_file_names_that_are_not_utf8_survive_a_batch_and_its_resume(tmp_path: Path):
    folder = tmp_path / "in"
    write_reports(folder, 1)
    odd = os.fsdecode(os.fsencode(str(folder)) + b"/\xffreport.txt")
    Path(odd).write_text(generate(3).text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(folder), "-o", str(out), "--tagger", "rules", "-q"])
    assert result.exit_code == 0, result.output
    paths = [r["source"]["path"] for r in read_records(out)]
    assert any(p.endswith("\\xffreport.txt") for p in paths)
    again = CliRunner().invoke(app, ["extract", str(folder), "-o", str(out), "--tagger", "rules"])
    assert again.exit_code == 0 and "(2 already done)" in again.output


def test_dangling_and_looping_links_become_errorread_records(tmp_path: Path):
    folder = tmp_path / "in"
    write_reports(folder, 1)
    (folder / "dangling.txt").symlink_to(folder / "gone.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(folder), "-o", str(out), "--tagger", "rules", "-q"])
    assert result.exit_code == 1
    by_name = {Path(r["source"]["path"]).name: r for r in read_records(out)}
    assert set(by_name) == {"dangling.txt", "loop.txt", "report_000.txt"}
    assert "dangling or looping link" in by_name["dangling.txt"]["error"]["message"]
    assert by_name["loop.txt"]["error"]["kind"] == "input_error"


def test_an_unwritable_output_is_one_line_before_any_work(tmp_path: Path):
    write_reports(tmp_path / "in", 1)
    result = CliRunner().invoke(
        app, ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "no" / "such" / "out.jsonl"), "--tagger", "rules"]
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_a_torn_last_journal_line_is_dropped_and_the_run_completes(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    run_batch(paths[:2], out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    journal = journal_path(out)
    journal.write_text(out.read_text(encoding="utf-8") + '{"schema_version": "1", "doc_id": "ab', encoding="utf-8")
    out.unlink()
    summary = run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    assert summary.skipped == 2
    records = read_records(out)
    assert [Path(r["source"]["path"]).name for r in records] == [p.name for p in paths]


def test_exports_get_the_usual_mode_csv_a_bom_and_no_journal_is_left(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 2)
    old = os.umask(0o022)
    try:
        for name in ("out.csv", "out.jsonl", "out.xlsx"):
            out = tmp_path / name
            run_batch(paths, out, ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
            assert out.stat().st_mode & 0o777 == 0o644, name
            assert not journal_path(out).exists(), name
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").read_bytes().startswith("\ufeff".encode())


def test_an_unknown_output_suffix_is_refused_before_any_work(tmp_path: Path):
    write_reports(tmp_path / "in", 1)
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "out.txt")])
    assert result.exit_code == 2 and "unknown output format" in result.output
    assert not (tmp_path / "out.txt").exists()


def test_a_document_on_stdin_comes_back_as_jsonl_on_stdout(tmp_path: Path):
    text = (Path(__file__).parents[1] / "samples" / "000_b1de9be8d5252a5a.txt").read_bytes()
    result = CliRunner().invoke(app, ["extract", "-", "-o", "-", "--tagger", "rules"], input=text)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[-1])
    assert record["source"]["path"] == "-" and record["meta"]["agency"] == "旬阳县人民政府办公室"


def test_evaluate_names_a_missing_or_wrong_results_file_in_one_line(tmp_path: Path, shared_data: Path):
    gold = shared_data / "gold"
    for target, why in ((tmp_path / "nope.jsonl", "no such file"), (tmp_path / "out.xlsx", "not a .jsonl")):
        if target.suffix == ".xlsx":
            target.write_bytes(b"PK\x03\x04")
        result = CliRunner().invoke(app, ["evaluate", str(target), str(gold)])
        assert result.exit_code == 2 and why in result.output and "Traceback" not in result.output


def test_evaluate_matches_gold_by_doc_id_and_warns_about_gold_without_output(tmp_path: Path):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.json").write_text(json.dumps({"doc_id": "abc", "cells": {"active.rules.made": 1}}), encoding="utf-8")
    (gold / "b.json").write_text(json.dumps({"file": "b.txt", "cells": {"active.rules.made": 2}}), encoding="utf-8")
    record = {
        "doc_id": "abc",
        "source": {"path": "renamed.txt", "format": "txt"},
        "template": "unknown",
        "cells": {"active.rules.made": {"value": 1, "status": "read", "confidence": 1.0}},
        "checks": [],
    }
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(out), str(gold)])
    assert result.exit_code == 0, result.output
    assert "warning: 1 gold files have no output: b" in result.output
    assert "cell_accuracy=0.5000 (1/2)" in result.output


def test_every_command_takes_minus_h_and_every_option_has_help():
    import typer.main

    root = typer.main.get_command(app)
    assert CliRunner().invoke(app, ["extract", "-h"]).exit_code == 0

    def commands(group, prefix=""):  # type: ignore[no-untyped-def]
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from commands(cmd, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", cmd

    for name, cmd in commands(root):
        for param in cmd.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), f"xxgk {name} {param.opts[0]} has no help text"


def test_pull_never_opens_a_path_the_label_studio_server_hands_back(tmp_path: Path):
    from extractor.annotate import example_from_task, read_manifest, record_pushed, text_hash

    text = "一、总体情况\n"
    data = {"text": text, "doc_id": "abc", "source_path": "/dev/zero", "text_sha256": text_hash(text)}
    task = {"id": 1, "data": data}
    asked: list[str] = []
    example_from_task(task, {"result": []}, lambda doc_id: asked.append(doc_id) or text)
    assert asked == ["abc"]  # looked up by doc_id in our own manifest, never task.data.source_path

    @dataclass(frozen=True)
    class _Source:
        doc_id: str
        path: str

    @dataclass(frozen=True)
    class _Doc:
        source: _Source

    @dataclass(frozen=True)
    class _Chosen:
        doc: _Doc

    manifest = tmp_path / "pushed.json"
    record_pushed(manifest, [_Chosen(_Doc(_Source("abc", "reports/a.txt")))])  # type: ignore[list-item]
    assert read_manifest(manifest) == {"abc": "reports/a.txt"}


def test_the_ml_backend_wants_its_token_and_refuses_huge_bodies():
    import base64

    from fastapi.testclient import TestClient

    from extractor.ml_backend import create_ml_backend

    client = TestClient(create_ml_backend(RuleTagger(), token="s3cret", max_bytes=10_000))
    body = {"tasks": [{"data": {"text": "一、总体情况\n"}}]}
    assert client.get("/health").status_code == 200
    assert client.post("/predict", json=body).status_code == 401
    assert client.post("/predict", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/predict", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    basic = base64.b64encode(b"label-studio:s3cret").decode()
    assert client.post("/predict", json=body, headers={"Authorization": f"Basic {basic}"}).status_code == 200
    huge = {"tasks": [{"data": {"text": "一" * 20_000}}]}
    assert client.post("/predict", json=huge, headers={"Authorization": "Bearer s3cret"}).status_code == 413


def test_a_missing_extra_or_input_is_one_line_naming_it(tmp_path: Path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    write_reports(tmp_path / "in", 1)
    args = ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "pip install 'xxgk[ray]'" in result.output and "Traceback" not in result.output
    monkeypatch.undo()
    gone = str(tmp_path / "nowhere")
    result = CliRunner().invoke(app, ["extract", gone, "-o", str(tmp_path / "o.jsonl"), "--tagger", "rules"])
    assert result.exit_code == 2 and gone in result.output


def test_json_and_csv_cells_carry_their_printed_row_and_column_labels(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 1)
    run_batch(paths, tmp_path / "o.jsonl", ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    run_batch(paths, tmp_path / "o.csv", ExtractorSpec("rules"), tagger_name="rules-1", workers=0)
    cell = read_records(tmp_path / "o.jsonl")[0]["cells"]["applications.granted.business"]
    assert (cell["row_label"], cell["column_label"]) == ("（一）予以公开", "商业企业")
    csv_text = (tmp_path / "o.csv").read_text(encoding="utf-8-sig")
    assert "applications.granted.business,（一）予以公开,商业企业," in csv_text


@dataclass(frozen=True)
class _CountingSpec(ExtractorSpec):
    marker: str = ""

    def load_tagger(self) -> RuleTagger:
        with open(self.marker, "a") as fh:
            fh.write("loaded\n")
        return RuleTagger()


def test_a_fully_resumed_run_loads_no_model(tmp_path: Path):
    paths = write_reports(tmp_path / "in", 2)
    marker = tmp_path / "loads.txt"
    spec = _CountingSpec("rules", marker=str(marker))
    out = tmp_path / "out.jsonl"
    run_batch(paths, out, spec, tagger_name="rules-1", workers=0)
    assert marker.read_text().count("loaded") == 1
    summary = run_batch(paths, out, spec, tagger_name="rules-1", workers=1)
    assert summary.skipped == 2 and marker.read_text().count("loaded") == 1


@pytest.mark.model
def test_quiet_means_no_progress_bars_from_any_library(tmp_path: Path):
    write_reports(tmp_path / "in", 1)
    args = ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), "-q", "--workers", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Loading weights" not in result.output and "extracting" not in result.output


def test_serve_without_its_extra_is_one_line(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_uvicorn(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "uvicorn" or name.startswith("uvicorn."):
            raise ImportError("No module named 'uvicorn'", name="uvicorn")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvicorn)
    result = CliRunner().invoke(app, ["serve", "--tagger", "rules"])
    assert result.exit_code == 2 and "pip install 'xxgk[serve]'" in result.output and "Traceback" not in result.output
