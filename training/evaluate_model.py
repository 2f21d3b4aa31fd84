"""Measure a model against the rule tagger and write the figures its model card quotes.

    python training/evaluate_model.py models/default [--test .data/test.jsonl.gz] [--synthetic 200]

End-to-end cell accuracy on the gold reports (../shared/data/gold), split by template and input format, for the
model and the rules; the same on held-out generated reports (seeds from 1,000,000; training uses seeds from 0)
per layout; span F1 per label (seqeval) on a held-out labelled corpus; the time to tag a 15,000-character
report on 2 threads. Writes ``metrics.json`` into the model directory and prints markdown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from extractor.corpus import read_corpus
from extractor.evaluate import evaluate, load_outputs, span_report
from extractor.extractor import Extractor
from extractor.io.readers import expand_paths, source_from_bytes
from extractor.io.writers import jsonl_text
from extractor.normalize import normalize
from extractor.tagging.hf import TransformersTagger
from extractor.tagging.rules import RuleTagger
from training.synth import generate
from training.synthetic import synthetic_accuracy

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def gold_figures(tagger) -> dict:
    files = list(expand_paths([str(DATA / "seeds"), str(DATA / "dev")]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        out.write_text(jsonl_text(Extractor(tagger).extract_path(p) for p in files), encoding="utf-8")
        report = evaluate(load_outputs(out), DATA / "gold")
    return {
        "cells": [report.cells.right, report.cells.total],
        "by_template": {k: [v.right, v.total] for k, v in sorted(report.by_template.items())},
        "by_format": {k: [v.right, v.total] for k, v in sorted(report.by_format.items())},
        "by_table": {k: [v.right, v.total] for k, v in sorted(report.by_table.items())},
        "tables_all_rules_pass": [report.tables_all_rules_pass.right, report.tables_all_rules_pass.total],
        "wrong": {k: v for k, v in report.wrong.items() if v},
    }


def tag_seconds(model: TransformersTagger, chars: int = 15000, repeat: int = 5) -> float:
    text, seed = "", 7
    while len(text) < chars:
        text += normalize(source_from_bytes("b.txt", generate(seed).text.encode("utf-8"))).text
        seed += 1
    text = text[:chars]
    model.predict(text)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.predict(text)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--test", type=Path, default=REPO / ".data" / "test.jsonl.gz")
    parser.add_argument("--synthetic", type=int, default=200)
    parser.add_argument("--test-docs", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = TransformersTagger.load(args.model)
    rules = RuleTagger()
    seeds = range(1_000_000, 1_000_000 + args.synthetic)
    metrics: dict = {"model": model.name}
    for name, tagger in (("model", model), ("rules", rules)):
        metrics[f"gold_{name}"] = gold_figures(tagger)
        metrics[f"synthetic_{name}"] = {
            k: [v.right, v.total] for k, v in sorted(synthetic_accuracy(seeds, tagger).items())
        }
    if args.test.is_file():
        metrics["span_f1"] = span_report(list(read_corpus(args.test))[: args.test_docs], model)
    metrics["tag_15k_chars_seconds_2_threads"] = round(tag_seconds(model), 3)
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    metrics["parameters"] = sum(p.numel() for p in model.model.parameters())
    metrics["weights_bytes"] = (args.model / "model.safetensors").stat().st_size
    metrics["config"] = manifest.get("config")
    (args.model / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    json.dump({k: v for k, v in metrics.items() if k != "span_f1"}, sys.stdout, ensure_ascii=False, indent=1)
    print("\n" + metrics.get("span_f1", ""))


if __name__ == "__main__":
    main()
