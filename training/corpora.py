"""Corpora the lab builds: generated reports as labelled examples (``extractor.corpus`` format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Set
from pathlib import Path

from extractor.corpus import Example
from training.families import FAMILIES, with_family
from training.synth import LAYOUTS, generate, to_example


def synthetic_examples(
    seeds: Iterable[int], families: bool | Sequence[str] = False, layouts: Sequence[str] = ()
) -> Iterator[Example]:
    """Generated reports with exact labels; with ``families`` (true: every layout family; or the names of some,
    a name given twice coming twice as often), each edited as one of them in turn by seed, ``plain`` among
    them, so that the model sees cut texts, skeletons, placeholder headers, extra rows and page footers with
    the labels those edits leave. With ``layouts``, each printed in one of them in turn (by seed, counted apart
    from the families' turn), else in the layout it draws."""
    turn = tuple(FAMILIES) if families is True else tuple(families or ())
    unknown = (set(turn) - set(FAMILIES)) | (set(layouts) - set(LAYOUTS))
    if unknown:
        raise ValueError(f"unknown layout families or layouts {sorted(unknown)}; known: {FAMILIES}, {LAYOUTS}")
    for seed in seeds:
        report = generate(seed, layout=layouts[(seed // max(len(turn), 1)) % len(layouts)] if layouts else None)
        family = turn[seed % len(turn)] if turn else "plain"
        text, spans = to_example(with_family(report, family, seed))
        yield Example(f"synth-{seed}" + (f"-{family}" if turn else ""), "synthetic", text, tuple(spans))


def gold_examples(
    reports: Sequence[Path], gold_dir: Path, model: Path | None = None, exclude: Set[str] = frozenset()
) -> tuple[list[Example], list[tuple[str, str]]]:
    """Examples labelled from gold values (``annotate.align_values``, the model and the rules reading), and
    (file stem, why) for each report left out: no gold, excluded, or a value found nowhere."""
    from extractor.annotate import align_values
    from extractor.evaluate import Gold
    from extractor.extractor import read_normalized
    from extractor.tagging.load import load_tagger

    golds = {g.key: g for g in map(Gold.load, sorted(gold_dir.glob("*.json")))}
    taggers = [load_tagger("model", model), load_tagger("rules", None)]
    out: list[Example] = []
    skipped: list[tuple[str, str]] = []
    for path, doc in read_normalized(reports):
        stem = Path(path).name.rsplit(".", 1)[0]
        if isinstance(doc, Exception):
            skipped.append((stem, str(doc)))
            continue
        if stem in exclude or stem not in golds or not golds[stem].cells:
            skipped.append((stem, "excluded" if stem in exclude else "no gold cells"))
            continue
        aligned = align_values(doc, dict(golds[stem].cells), taggers)
        if aligned.unaligned:
            skipped.append((stem, f"{len(aligned.unaligned)} values found nowhere: {', '.join(aligned.unaligned[:3])}"))
            continue
        out.append(Example(f"gold-{stem}", "gold", doc.text, aligned.spans))
    return out, skipped
