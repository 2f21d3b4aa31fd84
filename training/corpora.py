"""Corpora the lab builds: generated reports as labelled examples (``extractor.corpus`` format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from extractor.corpus import Example
from training.synth import generate, to_example


def synthetic_examples(seeds: Iterable[int]) -> Iterator[Example]:
    for seed in seeds:
        text, spans = to_example(generate(seed))
        yield Example(f"synth-{seed}", "synthetic", text, tuple(spans))
