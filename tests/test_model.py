"""A tiny character tagger built in-process: it overfits a few documents, saves, loads, and predicts the same
spans one document at a time as in batches. Marked ``model`` (needs torch)."""

from __future__ import annotations

import json
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


def _tiny(**changes):
    """A one-layer model that trains in seconds on the silver documents."""
    from training.train import TrainConfig

    settings = dict(hidden=64, layers=1, heads=2, intermediate=128, window=48, stride=32, steps=600, batch_size=8)
    return TrainConfig(**{**settings, "lr": 3e-3, "seed": 1, "model_id": "tiny", **changes})


@pytest.fixture(scope="module")
def trained(tagger):
    from training.train import train

    examples = _silver(tagger)
    return train(examples, _tiny()), examples


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


def test_a_student_distilled_from_a_model_reads_as_it_does(trained, tmp_path: Path):
    from training.train import train

    teacher, examples = trained
    teacher.save(tmp_path / "teacher")
    config = _tiny(
        hidden=32,
        intermediate=64,
        seed=2,
        model_id="student",
        teacher=str(tmp_path / "teacher"),
        distill=1.0,  # the teacher's distributions alone: no label is given
    )
    student = train([(text, []) for text, _ in examples], config)
    assert student.vocab.index == teacher.vocab.index
    for text, _ in examples:
        want, got = teacher.predict(text)[0], student.predict(text)[0]
        assert sum(a == b for a, b in zip(want, got, strict=True)) >= 0.95 * len(want)


def test_a_teacher_teaches_a_student_that_reads_through_another_vocabulary(trained, tmp_path: Path):
    """A student from a pretrained encoder has the encoder's vocabulary, not the teacher's: the teacher reads the
    same windows through its own (a character it does not know is its [UNK])."""
    from extractor.tagging.vocab import CharVocab
    from training.train import teacher_ids, train

    teacher, examples = trained
    teacher.save(tmp_path / "teacher")
    own = CharVocab.build([text for text, _ in examples] + ["甲乙丙丁戊己庚辛"])  # other ids for the same characters
    assert own.tokens != teacher.vocab.tokens
    translate = teacher_ids(own, teacher.vocab)
    assert translate[own.index["甲"]] == teacher.vocab.index["[UNK]"]
    assert translate[own.index["规"]] == teacher.vocab.index["规"]
    config = _tiny(hidden=32, intermediate=64, seed=2, model_id="student", teacher=str(tmp_path / "teacher"),
                   distill=1.0)  # fmt: skip
    student = train([(text, []) for text, _ in examples], config, vocab=own)
    assert student.vocab == own
    for text, _ in examples:
        want, got = teacher.predict(text)[0], student.predict(text)[0]
        assert sum(a == b for a, b in zip(want, got, strict=True)) >= 0.95 * len(want)


def _pretrained(steps: int):
    from training.pretrain import PretrainConfig, pretrain

    config = PretrainConfig(hidden=64, layers=1, heads=2, intermediate=128, window=48, stride=32, steps=steps,
                            batch_size=8, lr=3e-3, min_count=1, seed=3)  # fmt: skip
    texts = [normalize(source_from_bytes("t.txt", t.encode("utf-8"))).text for t in DOCS]
    return (*pretrain(texts * 4, config), texts, config)


def test_masked_character_pretraining_learns_to_restore_hidden_characters():
    from training.pretrain import masked_loss

    trained, vocab, texts, config = _pretrained(300)
    untrained, _, _, _ = _pretrained(0)
    assert masked_loss(trained, vocab, texts, config) < 0.5 * masked_loss(untrained, vocab, texts, config)


def test_a_tagger_starts_from_a_pretrained_encoder_and_learns_its_tags_from_there(tmp_path: Path, tagger):
    import torch

    from training.pretrain import save_encoder
    from training.train import train

    encoder, vocab, _, _ = _pretrained(100)
    save_encoder(encoder, vocab, tmp_path / "encoder")
    examples = _silver(tagger)
    still = train(examples, _tiny(steps=1, lr=0.0, encoder_from=str(tmp_path / "encoder")))
    assert still.vocab == vocab
    embeddings = still.model.bert.embeddings.word_embeddings.weight
    assert torch.equal(embeddings, encoder.bert.embeddings.word_embeddings.weight)
    tuned = train(examples, _tiny(encoder_from=str(tmp_path / "encoder")))
    for text, spans in examples:
        got = {(s.start, s.end, s.label) for s in tags_to_spans(tuned.predict(text)[0])}
        assert {(s.start, s.end, s.label) for s in spans if s.label in ("VALUE", "BLANK")} <= got


def test_onnx_runtime_tags_exactly_like_torch(trained, tmp_path: Path):
    pytest.importorskip("onnxruntime")
    from extractor.tagging.onnx import OnnxTagger

    model, examples = trained
    model.save(tmp_path / "m")
    model.export_onnx(tmp_path / "m")
    onnx = OnnxTagger.load(tmp_path / "m")
    for text, _ in examples:
        assert onnx.predict(text)[0] == model.predict(text)[0]


def test_a_saved_model_is_read_by_onnx_runtime_by_default_under_the_same_name(trained, tmp_path: Path):
    pytest.importorskip("onnxruntime")
    from extractor.tagging.hf import TransformersTagger
    from extractor.tagging.load import load_tagger
    from extractor.tagging.onnx import OnnxTagger

    model, examples = trained
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "model.onnx").is_file()
    default, torch_tagger = load_tagger("model", tmp_path / "m"), load_tagger("model", tmp_path / "m", runtime="torch")
    assert isinstance(default, OnnxTagger) and isinstance(torch_tagger, TransformersTagger)
    assert default.name == torch_tagger.name == "model:tiny"  # same records, so a resumed run skips either's work
    for text, _ in examples:
        assert default.predict(text)[0] == torch_tagger.predict(text)[0]


def test_an_onnx_copy_of_other_weights_is_not_used(trained, tmp_path: Path):
    pytest.importorskip("onnxruntime")
    from extractor.errors import ModelLoadError
    from extractor.tagging.hf import TransformersTagger
    from extractor.tagging.load import load_tagger

    model, _ = trained
    model.save(tmp_path / "m")
    weights = tmp_path / "m" / "model.safetensors"
    other = bytearray(weights.read_bytes())
    other[-1] ^= 1  # the weights changed after the export (a hand-copied file, an interrupted save)
    weights.write_bytes(bytes(other))
    assert isinstance(load_tagger("model", tmp_path / "m"), TransformersTagger)
    with pytest.raises(ModelLoadError, match="other weights"):
        load_tagger("model", tmp_path / "m", runtime="onnx")


def test_train_command_writes_a_model_that_extract_then_uses(tmp_path: Path, shared_data):
    from typer.testing import CliRunner

    from extractor.cli import app
    from extractor.io.readers import read_source

    config = Path(__file__).resolve().parents[1] / "training" / "configs" / "tiny.toml"
    runner = CliRunner()
    trained = runner.invoke(app, ["train", str(config), "-o", str(tmp_path / "tiny")])
    assert trained.exit_code == 0, trained.output
    manifest = json.loads((tmp_path / "tiny" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["train"]["model_id"] == "tiny"
    report = shared_data / "dev" / "hangzhou_style_2025.html"
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["extract", str(report), "-o", str(out), "--tagger", "model", "--model", str(tmp_path / "tiny"), "-q"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["tagger"] == "model:tiny+rules-1"  # the default: the model cross-checked by the rules
    assert record["doc_id"] == read_source(report).doc_id


def test_extract_with_a_missing_model_directory_fails_clearly(tmp_path: Path, shared_data):
    from typer.testing import CliRunner

    from extractor.cli import app

    report = shared_data / "dev" / "hangzhou_style_2025.html"
    args = ["extract", str(report), "-o", str(tmp_path / "o.jsonl"), "--model", str(tmp_path / "nothing")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "cannot load the model" in result.output


def test_the_shipped_model_reads_the_gold_reports_as_well_as_the_rules(tmp_path: Path, shared_data):
    """models/default/README.md states 2163/2165 on the 12 files the rules were written against, as the rules
    read them; the two cells neither gets are not determined by their report (pingtan 2023's 132470). On the
    web excerpts of ../shared/data/pages the model is still behind the rules (issue #13), so they are left out
    of this floor."""
    from conftest import GOLD, real_files

    from extractor.evaluate import evaluate, load_outputs
    from extractor.extractor import Extractor
    from extractor.io.writers import jsonl_text
    from extractor.tagging.load import load_tagger, shipped_model_dir

    assert (shipped_model_dir() / "model.safetensors").stat().st_size < 10 * 1024 * 1024
    files = [p for p in real_files() if "pages" not in p.parts]
    gold = tmp_path / "gold"
    gold.mkdir()
    for p in files:
        if (GOLD / f"{p.stem}.json").is_file():
            (gold / f"{p.stem}.json").write_bytes((GOLD / f"{p.stem}.json").read_bytes())
    model = load_tagger("model")
    out = tmp_path / "model.jsonl"
    out.write_text(jsonl_text(Extractor(model).extract_path(p) for p in files), encoding="utf-8")
    rules = tmp_path / "rules.jsonl"
    by_rules = Extractor(load_tagger("rules"))
    rules.write_text(jsonl_text(by_rules.extract_path(p) for p in files), encoding="utf-8")
    got = evaluate(load_outputs(out), gold).cells
    assert got.right >= evaluate(load_outputs(rules), gold).cells.right
    assert got.rate >= 0.999


def test_the_shipped_model_beats_the_rules_on_held_out_generated_reports(tagger):
    """Strict since session 14 (it was an expected failure while the rules read what the model read): the model
    reads glued runs the rules leave open, where it reads the cells to start (``resolve``)."""
    from extractor.tagging.load import load_tagger
    from training.synthetic import synthetic_accuracy

    seeds = range(2_000_000, 2_000_012)  # neither the training (0…) nor the card's test seeds (1,000,000…)
    model = synthetic_accuracy(seeds, load_tagger("model"))["all"].rate
    rules = synthetic_accuracy(seeds, tagger)["all"].rate
    assert model > rules, (model, rules)


def test_the_model_reads_only_the_table_regions_and_passes_over_the_narrative(trained):
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize
    from extractor.segment import tagged_stretches

    model, examples = trained
    narrative = "(一)主动公开。本年度在政府网站发布各类信息1234条,政务新媒体发布56条。\n" * 40
    text = narrative + examples[0][0] + "\n五、存在的主要问题及改进情况\n" + narrative
    doc = normalize(source_from_bytes("long.txt", text.encode("utf-8")))
    stretches = tagged_stretches(doc.text, doc.headings)
    assert stretches and sum(b - a for a, b in stretches) < len(doc.text) - 2 * len(narrative) + 200
    spans = model.tag(doc).spans
    assert spans and all(any(a <= sp.start and sp.end <= b for a, b in stretches) for sp in spans)
    prose = normalize(source_from_bytes("prose.txt", narrative.encode("utf-8")))
    assert model.tag(prose).spans == ()


def test_a_table_heading_in_long_narrative_does_not_send_the_rest_of_the_text_to_the_model():
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize
    from extractor.segment import MAX_REGION, tagged_stretches

    prose = "本年度依申请公开工作平稳有序,答复及时规范,未发生因政府信息公开引发的行政复议。\n"
    text = "四、政府信息公开行政复议、行政诉讼情况\n" + prose * (3 * MAX_REGION // len(prose))
    doc = normalize(source_from_bytes("long.txt", text.encode("utf-8")))
    stretches = tagged_stretches(doc.text, doc.headings)
    assert stretches and sum(b - a for a, b in stretches) <= MAX_REGION + 200 < len(doc.text) // 2


def test_the_loss_at_digits_inside_a_run_counts_as_many_times_as_asked():
    """``run_digit_weight``: weight 1 is the model's own token loss; a larger weight moves the loss towards the
    digits inside a run (here the only tokens read wrong), never towards the first digit or the words."""
    import torch

    from extractor.tagging.vocab import CharVocab
    from training.train import run_digits, weighted_loss

    vocab = CharVocab.build(["规章2729318件"])
    ids = torch.tensor([vocab.encode("规章2729318件")])
    labels = torch.zeros_like(ids)
    labels[0, 0] = -100
    logits = torch.full((1, ids.shape[1], 15), -5.0)
    logits[..., 0] = 5.0  # every token read as its label (0)…
    logits[0, 3:9, 0], logits[0, 3:9, 1] = -5.0, 5.0  # …but the digits after the run's first
    plain = torch.nn.functional.cross_entropy(logits.view(-1, 15), labels.view(-1), ignore_index=-100)
    digit = run_digits(vocab)
    assert torch.isclose(weighted_loss(logits, labels, ids, digit, 1.0), plain)
    assert weighted_loss(logits, labels, ids, digit, 8.0) > plain


def test_a_window_that_cuts_a_glued_run_is_trained_on_as_often_as_the_config_says():
    from extractor.tagging.vocab import CharVocab
    from extractor.types import Span
    from training.train import LABEL2ID, framed_windows, run_digits, with_cuts_repeated

    glued = ("规章2729318", (Span(2, 4, "VALUE"), Span(4, 6, "VALUE"), Span(6, 9, "VALUE")))
    apart = ("规章27 29 318", (Span(2, 4, "VALUE"), Span(5, 7, "VALUE"), Span(8, 11, "VALUE")))
    whole = ("许可2729318", (Span(2, 9, "VALUE"),))
    vocab = CharVocab.build(text for text, _ in (glued, apart, whole))
    chunks = framed_windows([glued, apart, whole], vocab, 32, 16)
    repeated = with_cuts_repeated(chunks, run_digits(vocab), 3)
    assert repeated == [chunks[0]] * 3 + chunks[1:]
    assert with_cuts_repeated(chunks, run_digits(vocab), 1) == chunks
    assert LABEL2ID["B-VALUE"] in chunks[1][1]  # cells that start after a space are no cut inside a run
