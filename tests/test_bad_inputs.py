"""Bad input gives an error record, never an exception, and a batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import EXIT_DOCUMENT_ERRORS, app
from extractor.errors import InputError
from extractor.extractor import Extractor
from extractor.io.decode import decode_bytes

REPORT = "某县人民政府2021年政府信息公开工作年度报告\n一、总体情况\n全年主动公开信息12条。\n"


@pytest.mark.parametrize(
    "name,data,fragment",
    [
        ("empty.txt", b"", "empty"),
        ("spaces.txt", b"  \n\t\n", "empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "PDF"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "unreadable image"),
    ],
)
def test_bad_input_becomes_an_error_record(tmp_path: Path, tagger, name, data, fragment):
    path = tmp_path / name
    path.write_bytes(data)
    out = Extractor(tagger).extract_path(path)
    assert out.error is not None and out.error.kind == "input_error"
    assert fragment.lower() in out.error.message.lower()
    assert out.review.needed and not out.cells


def test_a_missing_file_becomes_an_error_record(tmp_path: Path, tagger):
    out = Extractor(tagger).extract_path(tmp_path / "nope.txt")
    assert out.error is not None and "cannot read" in out.error.message


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16"])
def test_reports_decode_in_every_common_encoding(codec):
    text = (
        REPORT
        if codec != "big5"
        else "某縣人民政府2021年政府資訊公開工作年度報告\n一、總體情況\n全年主動公開資訊12條。\n"
    )
    decoded, used = decode_bytes(text.encode(codec))
    assert decoded.lstrip("\ufeff") == text
    assert used


def test_binary_is_refused():
    with pytest.raises(InputError):
        decode_bytes(b"\x00\x01\x02\x03" * 100)


def test_batch_goes_on_past_bad_files_and_writes_every_record(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_empty.txt").write_bytes(b"")
    (tmp_path / "in" / "b_binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "in" / "c_good.txt").write_text(REPORT, encoding="gb18030")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "-o", str(out), "-q"])
    assert result.exit_code == EXIT_DOCUMENT_ERRORS, result.output  # documents failed: the run says so
    assert "failed (2):" in result.output and "a_empty.txt: input_error: empty input" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["path"]).name for r in records] == ["a_empty.txt", "b_binary.txt", "c_good.txt"]
    assert records[0]["error"]["kind"] == "input_error"
    assert records[2]["error"] is None
    assert records[2]["meta"] == {"agency": "某县人民政府", "year": 2021, "published": None}
    assert records[2]["source"]["encoding"] == "gb18030"
