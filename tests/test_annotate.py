"""The annotation loop's own logic, without a server: what a person is shown (pre-annotations), how known
values become labels, how pulled spans are checked one by one, and the gate that promotes a model."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import DATA, GOLD
from hypothesis import given
from hypothesis import strategies as st

from extractor.annotate import (
    HINTS,
    align_values,
    candidates,
    example_from_task,
    label_config,
    preannotate,
    priority_text,
    text_hash,
)
from extractor.evaluate import Gold
from extractor.io.readers import read_source, source_from_bytes
from extractor.labels import ENTITY_TYPES
from extractor.normalize import normalize
from extractor.segment import tagged_stretches
from training.synth import generate, normalized


def _task(text: str, *items: tuple[int, int, str, str]) -> tuple[dict, dict]:
    task = {"id": 7, "data": {"text": text, "doc_id": "d", "text_sha256": text_hash(text)}}
    result = [
        {
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s, "end": e, "text": t, "labels": [label]},
        }
        for s, e, label, t in items
    ]
    return task, {"result": result}


def test_pull_keeps_the_valid_spans_of_a_task_and_names_each_rejected_one():
    text = "规章\t3\t4\t5\n"
    task, annotation = _task(
        text,
        (0, 2, "ROW", "规章"),
        (3, 4, "VALUE", "3"),
        (3, 6, "VALUE", "3\t4"),  # overlaps the cell before
        (5, 6, "VALUE", "5"),  # the text says 4: offsets moved
        (7, 8, "CELL", "5"),  # not a label of ours
    )
    example, rejected = example_from_task(task, annotation)
    assert [(s.start, s.end, s.label) for s in example.spans] == [(0, 2, "ROW"), (3, 4, "VALUE")]
    reasons = {(r.label, r.text): r.reason for r in rejected}
    assert set(reasons) == {("VALUE", "3\t4"), ("VALUE", "5"), ("CELL", "5")}
    assert "overlaps VALUE '3'" in reasons[("VALUE", "3\t4")]
    assert "holds '4'" in reasons[("VALUE", "5")]
    assert "unknown label" in reasons[("CELL", "5")]
    assert all(str(r).startswith("task 7: ") for r in rejected)


@given(st.lists(st.floats(min_value=0, max_value=9999, allow_nan=False), min_size=2, max_size=20))
def test_priorities_sort_the_same_as_text_and_as_numbers(priorities):
    as_text = sorted(priorities, key=priority_text)
    assert [round(p, 4) for p in as_text] == sorted(round(p, 4) for p in as_text)
    assert all(float(priority_text(p)) == pytest.approx(p, abs=1e-4) for p in priorities)


def test_the_label_config_gives_every_label_a_chinese_hint():
    config = label_config()
    assert all(f'value="{t}"' in config for t in ENTITY_TYPES)
    assert all(f'hint="{HINTS[t]}"' in config for t in ENTITY_TYPES)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in HINTS[t]) for t in ENTITY_TYPES)


@pytest.mark.parametrize("seed", [3, 11, 27])
def test_pre_annotations_lie_inside_the_tables_and_above_the_threshold(seed, tagger):
    doc = normalized(generate(seed))
    pre = preannotate(doc, [tagger], threshold=0.5)
    regions = tagged_stretches(doc.text, doc.headings)
    assert pre.spans
    assert all(any(lo <= s.start and s.end <= hi for lo, hi in regions) for s in pre.spans)
    assert all(s.score >= 0.5 for s in pre.spans if s.label not in ("VALUE", "BLANK"))
    assert all(a.end <= b.start for a, b in zip(pre.spans, pre.spans[1:], strict=False))  # never overlapping


def test_a_glued_run_is_offered_as_the_cells_the_engine_split_it_into_and_marked_doubtful(shared_data, tagger):
    doc = normalize(read_source(DATA / "pages" / "jingmen_szfb_2021.txt"))  # 规章 104, 规范性文件 2729318
    pre = preannotate(doc, [tagger])
    rules = doc.text.index("\n104\n") + 1
    pieces = [s for s in pre.spans if rules <= s.start < rules + 3]
    assert [(doc.text[s.start : s.end], s.label) for s in pieces] == [("1", "VALUE"), ("0", "VALUE"), ("4", "VALUE")]
    assert {s for s, _ in pre.doubtful} >= set(pieces)  # repaired by the arithmetic: a person checks them first
    run = doc.text.index("2729318")
    assert not [s for s in pre.spans if run <= s.start < run + 7]  # read more than one way: not pretended
    assert {k for k in pre.unread if k.endswith("(ambiguous)")} >= {"active.normative_docs.made (ambiguous)"}


def test_a_file_that_is_no_report_is_skipped_not_pushed(tagger):
    tsv = source_from_bytes("SOURCES.tsv", "file\tsource\tagency\nhongze_2023.pdf\thttp://x\t某局\n".encode())
    report = normalized(generate(8))
    choice = candidates([normalize(tsv), report], tagger, tagger)
    assert [c.doc.source.path for c in choice.chosen] == [report.source.path]
    assert [path for path, _ in choice.skipped] == ["SOURCES.tsv"]


@pytest.mark.parametrize("seed", range(8))
def test_known_values_become_the_spans_the_generator_printed(seed, tagger):
    report = generate(seed)
    doc = normalized(report)
    from training.synth import project_spans

    printed = [(s.start, s.end) for s in project_spans(doc, report.spans) if s.label in ("VALUE", "BLANK")]
    aligned = align_values(doc, dict(report.cells), [tagger])
    cells = [(s.start, s.end) for s in aligned.spans if s.label in ("VALUE", "BLANK")]
    if aligned.unaligned:  # named, never guessed
        return
    # each cell on printed value characters (the generator labels a glued run as one span; a cell is a piece)
    assert all(any(a <= s and e <= b for a, b in printed) for s, e in cells)
    assert sum(v is not None for v in report.cells.values()) <= len(cells)


def test_known_values_split_a_glued_run_where_the_engine_could_not(shared_data, tagger):
    path = DATA / "pages" / "jingmen_szfb_2021.txt"
    doc = normalize(read_source(path))
    gold = Gold.load(GOLD / "jingmen_szfb_2021.json")
    aligned = align_values(doc, dict(gold.cells), [tagger])
    assert not aligned.unaligned
    run = doc.text.index("2729318")
    pieces = [doc.text[s.start : s.end] for s in aligned.spans if run <= s.start < run + 7]
    assert pieces == ["27", "29", "318"]


# ---- the gate and the models folder -------------------------------------------------------------
def _scores(gold: int, **by_source: int):
    from training.promote import Scores

    return Scores((gold, 100), {k: (v, 50) for k, v in by_source.items()}, (0, 0))


def test_the_gate_keeps_the_current_model_on_a_tie_and_on_any_source_that_regresses():
    from training.promote import gate

    assert gate(_scores(90, a=45, b=45), _scores(90, a=45, b=45)) == (False, "a tie on gold keeps the current model")
    promoted, why = gate(_scores(95, a=50, b=45), _scores(91, a=46, b=45))
    assert promoted and "4 more" in why
    promoted, why = gate(_scores(95, a=50, b=45), _scores(91, a=45, b=46))
    assert not promoted and "b 46→45" in why
    assert gate(_scores(95, a=50, b=45), _scores(91, a=45, b=46), tolerance=1)[0]
    assert not gate(_scores(89, a=44, b=45), _scores(90, a=45, b=45))[0]


def _fake_model(folder: Path, model_id: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"model_id": model_id}), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"weights of " + model_id.encode())
    return folder


def test_rollback_restores_the_previous_default_and_can_itself_be_undone(tmp_path: Path):
    from training.promote import list_models, retire, rollback

    models = tmp_path / "models"
    _fake_model(models / "default", "m1")
    retire(models)
    _fake_model(models / "default", "m2")
    _fake_model(models / "history" / "candidate-x", "candidate-x")  # never the default: not rolled back to
    assert [(e.model_id, e.default) for e in list_models(models)] == [
        ("m2", True),
        ("candidate-x", False),
        ("m1", False),
    ]
    assert rollback(models).model_id == "m1"
    assert (models / "default" / "model.safetensors").read_bytes() == b"weights of m1"
    assert rollback(models).model_id == "m2"
    assert rollback(models, "candidate-x").model_id == "candidate-x"
    with pytest.raises(FileNotFoundError):
        rollback(models, "nothing-of-that-name")
    assert "rollback: m1" in (models / "CHANGELOG.md").read_text(encoding="utf-8")


def test_promoted_files_are_readable_like_a_checkout(tmp_path: Path):
    from training.promote import _readable

    folder = _fake_model(tmp_path / "m", "m")
    (folder / "model.safetensors").chmod(0o600)
    _readable(folder)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((folder / "model.safetensors").stat().st_mode) == 0o666 & ~umask


_TINY = dict(hidden=32, layers=1, heads=2, intermediate=64, window=64, stride=48, steps=20, batch_size=8, lr=3e-3)


@pytest.mark.model
def test_a_promoted_model_has_its_calibration_metrics_card_and_the_gate_never_scores_its_training_data(
    tmp_path: Path, shared_data, tagger
):
    pytest.importorskip("torch")
    from extractor.corpus import Example, write_corpus
    from training.promote import retrain
    from training.train import DataConfig, RunConfig, TrainConfig

    reports = [DATA / "seeds" / "000_b1de9be8d5252a5a.txt", DATA / "pages" / "qiliping_zhen_2020.txt"]
    annotated = normalize(read_source(reports[1]))
    aligned = align_values(annotated, dict(Gold.load(GOLD / "qiliping_zhen_2020.json").cells), [tagger])
    human = tmp_path / "human.jsonl"
    write_corpus(human, [Example("human-q", "human", annotated.text, aligned.spans)])
    config = RunConfig(train=TrainConfig(**_TINY, model_id="tiny", device="cpu"), data=DataConfig(synthetic=2))
    models = tmp_path / "models"
    decision = retrain(config, [human], models, reports, GOLD, synthetic=1, human_weight=3, calibration_reports=2)

    assert decision.promoted and decision.why == "no current model"
    assert decision.held_out == ("000_b1de9be8d5252a5a",)  # the annotated report is training data, not gate
    assert set(decision.candidate.by_source) == {"000_b1de9be8d5252a5a"}
    assert decision.candidate.gold[1] == len(Gold.load(GOLD / "000_b1de9be8d5252a5a.json").cells)
    default = models / "default"
    metrics = json.loads((default / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["training_examples"] == {"generated and silver": 2, "human": 3}
    assert (default / "calibration.json").is_file() and "human | 3 |" in (default / "README.md").read_text("utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert {stat.S_IMODE(f.stat().st_mode) for f in default.iterdir()} == {0o666 & ~umask}
    assert not list(models.glob("tmp*")) and not (models / "candidate").exists()
    assert "promoted (no current model)" in (models / "CHANGELOG.md").read_text(encoding="utf-8")
