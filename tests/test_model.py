"""A tiny character tagger built in-process: it overfits a few documents, saves, loads, and predicts the same
spans one document at a time as in batches. Marked ``model`` (needs torch)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from extractor.io.readers import source_from_bytes
from extractor.normalize import normalize
from extractor.tagging.alignment import spans_to_tags, tags_to_spans
from extractor.types import Span

pytestmark = pytest.mark.model

DOCS = [
    "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t结果维持\t总计\n1\t2\t0\t0\t3\t0\t0\t0\t0\t0\t1\t0\t0\t0\t1\n",
    "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t结果纠正\t总计\n0\t0\t5\t0\t5\t2\t0\t0\t0\t2\t0\t—\t0\t0\t0\n",
    "二、主动公开政府信息情况\n第二十条第(一)项\n规章\t3\t0\t12\n行政规范性文件\t8\t1\t40\n",
]


def _silver(tagger):
    examples = []
    for text in DOCS:
        doc = normalize(source_from_bytes("t.txt", text.encode("utf-8")))
        examples.append((doc.text, list(tagger.tag(doc).spans)))
    return examples


def test_tags_and_spans_round_trip_and_keep_adjacent_entities_apart():
    spans = [Span(0, 2, "VALUE"), Span(2, 3, "VALUE"), Span(5, 9, "ROW")]
    assert tags_to_spans(spans_to_tags(10, spans)) == spans


@pytest.fixture(scope="module")
def trained(tagger):
    from extractor.training.train import TrainConfig, train

    examples = _silver(tagger)
    config = TrainConfig(
        hidden=64,
        layers=1,
        heads=2,
        intermediate=128,
        window=48,
        stride=32,
        steps=600,
        batch_size=8,
        lr=3e-3,
        seed=1,
        model_id="tiny",
    )
    return train(examples, config), examples


def test_tiny_model_overfits_the_silver_spans(trained):
    model, examples = trained
    for text, spans in examples:
        got = {(s.start, s.end, s.label) for s in tags_to_spans(model.predict(text)[0])}
        want = {(s.start, s.end, s.label) for s in spans if s.label in ("VALUE", "BLANK")}
        assert want <= got


def test_saved_model_loads_and_predicts_the_same(trained, tmp_path: Path):
    from extractor.tagging.hf import TransformersTagger

    model, examples = trained
    model.save(tmp_path / "m")
    loaded = TransformersTagger.load(tmp_path / "m")
    for text, _ in examples:
        assert loaded.predict(text)[0] == model.predict(text)[0]


def test_batched_windows_predict_the_same_as_one_at_a_time(trained):
    model, examples = trained
    text = examples[0][0] * 3
    batched = model.predict(text)[0]
    model.batch_size = 1
    try:
        assert model.predict(text)[0] == batched
    finally:
        model.batch_size = 16


def test_loading_a_directory_without_a_manifest_fails_clearly(tmp_path: Path):
    from extractor.errors import ModelLoadError
    from extractor.tagging.hf import TransformersTagger

    with pytest.raises(ModelLoadError):
        TransformersTagger.load(tmp_path)
