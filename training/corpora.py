"""Corpora the lab builds: generated reports as labelled examples (``extractor.corpus`` format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from extractor.corpus import Example
from training.families import FAMILIES, with_family
from training.synth import generate, to_example


def synthetic_examples(seeds: Iterable[int], families: bool = False) -> Iterator[Example]:
    """Generated reports with exact labels; with ``families``, each edited as one of the layout families (in
    turn by seed, ``plain`` among them) so that the model sees cut texts, skeletons, placeholder headers,
    extra rows and page footers with the labels those edits leave."""
    for seed in seeds:
        report = generate(seed)
        family = FAMILIES[seed % len(FAMILIES)] if families else "plain"
        text, spans = to_example(with_family(report, family, seed))
        yield Example(f"synth-{seed}" + (f"-{family}" if families else ""), "synthetic", text, tuple(spans))
