"""Tagging and whole-pipeline speed on this machine's cores: torch vs ONNX Runtime (fp32 and int8).

    python benchmarks/bench_tagger.py [--model models/default] [--threads 2] [--repeat 5]

Prints a markdown table: seconds to tag a 15,000-character report (median of --repeat runs), characters per
second, documents per second for the whole pipeline over the real reports in ../shared/data (when present)
and over generated ones, and span agreement of each backend with the torch model (the int8 model is only
worth using where that agreement stays at 1.0000 or the gold figures hold).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from extractor.io.readers import expand_paths, read_source, source_from_bytes
from extractor.normalize import normalize
from extractor.pipeline import extract
from extractor.tagging.hf import TransformersTagger
from extractor.tagging.rules import RuleTagger
from training.synth import generate

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def long_report(chars: int = 15000) -> str:
    """Generated reports laid end to end and cut at ``chars`` characters: a long real-looking document."""
    text, seed = "", 7
    while len(text) < chars:
        text += normalize(source_from_bytes("b.txt", generate(seed).text.encode("utf-8"))).text
        seed += 1
    return text[:chars]


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def docs_per_second(tagger, sources) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for src in sources:
        extract(src, tagger=tagger)
    return len(sources) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    text = long_report()
    real = (
        [read_source(p) for p in expand_paths([str(SHARED / "seeds"), str(SHARED / "dev")])] if SHARED.is_dir() else []
    )
    generated = [source_from_bytes(f"g{s}.txt", generate(s).text.encode("utf-8")) for s in range(500, 530)]
    model = TransformersTagger.load(args.model)
    backends: list[tuple[str, object]] = [("torch fp32", model)]
    try:
        from extractor.tagging.onnx import OnnxTagger

        tmp = Path(tempfile.mkdtemp())
        for f in args.model.iterdir():
            (tmp / f.name).write_bytes(f.read_bytes())
        model.export_onnx(tmp, quantize=True)
        backends.append(("onnxruntime fp32", OnnxTagger.load(tmp, "model.onnx", threads=args.threads)))
        backends.append(("onnxruntime int8", OnnxTagger.load(tmp, "model.int8.onnx", threads=args.threads)))
    except ImportError:
        print("(onnxruntime not installed: pip install 'xxgk[onnx]' to compare)")

    reference = model.predict(text)[0]
    print(f"threads={args.threads}, {len(text)} characters, {len(real)} real and {len(generated)} generated docs\n")
    print("| tagger | tag 15k chars (s) | chars/s | agreement with torch | real docs/s | generated docs/s |")
    print("|---|---|---|---|---|---|")
    rows = [("rules", RuleTagger()), *backends]
    for name, tagger in rows:
        if name == "rules":
            doc = normalize(source_from_bytes("b.txt", text.encode("utf-8")))
            seconds = timed(lambda t=tagger, d=doc: t.tag(d), args.repeat)
            agreement = "—"
        else:
            seconds = timed(lambda t=tagger: t.predict(text), args.repeat)
            tags = tagger.predict(text)[0]
            agreement = f"{sum(a == b for a, b in zip(tags, reference, strict=True)) / len(text):.4f}"
        real_rate = f"{docs_per_second(tagger, real):.2f}" if real else "—"
        print(
            f"| {name} | {seconds:.3f} | {len(text) / seconds:,.0f} | {agreement} | {real_rate} "
            f"| {docs_per_second(tagger, generated):.2f} |"
        )


if __name__ == "__main__":
    main()
