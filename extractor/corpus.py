"""Training corpora: labelled (normalized text, spans) examples as JSON lines, from three sources.

* synthetic — generated reports (``training.corpora.synthetic_examples``, the lab), exact labels;
* silver — the rule tagger's spans on real reports whose assembled tables pass every rule;
* human — corrections pulled from Label Studio (written by the annotation loop in this same format).

One line per document: ``{"id", "source", "text", "spans": [[start, end, label], ...]}`` with offsets into
``text`` (the normalized text). Files may be gzip-compressed (``.jsonl.gz``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.labels import ENTITY_TYPES
from extractor.types import Span


@dataclass(frozen=True)
class Example:
    id: str
    source: str  # synthetic | silver | human
    text: str
    spans: tuple[Span, ...]

    def to_json(self) -> str:
        spans = [[sp.start, sp.end, sp.label] for sp in self.spans]
        return json.dumps({"id": self.id, "source": self.source, "text": self.text, "spans": spans}, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Example:
        d = json.loads(line)
        spans = tuple(Span(int(s), int(e), str(label)) for s, e, label in d["spans"])
        return cls(str(d["id"]), str(d.get("source", "")), str(d["text"]), spans)


class CorpusError(ValueError):
    """A corpus line that cannot be trained on (offsets outside the text, unknown label, overlap)."""


def validate(example: Example) -> None:
    last_end = 0
    for sp in sorted(example.spans, key=lambda s: s.start):
        if not 0 <= sp.start < sp.end <= len(example.text):
            raise CorpusError(f"{example.id}: span [{sp.start}, {sp.end}) outside a text of {len(example.text)}")
        if sp.label not in ENTITY_TYPES:
            raise CorpusError(f"{example.id}: unknown label {sp.label!r}")
        if sp.start < last_end:
            raise CorpusError(f"{example.id}: overlapping spans at {sp.start}")
        last_end = sp.end


def _open(path: Path, mode: str):
    return gzip.open(path, mode + "t", encoding="utf-8") if path.suffix == ".gz" else path.open(mode, encoding="utf-8")


def read_corpus(path: Path) -> Iterator[Example]:
    with _open(path, "r") as fh:
        for line in fh:
            if line.strip():
                yield Example.from_json(line)


def write_corpus(path: Path, examples: Iterable[Example]) -> int:
    """Write atomically (a temporary file renamed into place); returns the number of examples. A ``.spacy``
    path gets a spaCy ``DocBin`` instead of JSON lines (``to_docbin``)."""
    if path.suffix == ".spacy":
        return write_docbin(path, examples)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp" + path.suffix)
    n = 0
    try:
        with _open(tmp, "w") as fh:
            for ex in examples:
                validate(ex)
                fh.write(ex.to_json() + "\n")
                n += 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return n


def to_docbin(examples: Iterable[Example]):  # -> spacy.tokens.DocBin
    """The examples as a spaCy ``DocBin``: one ``spacy.blank("zh")`` ``Doc`` per example with one token per
    character (so ``doc.text`` is the example's text and token offsets are character offsets), the spans in
    ``doc.spans["sc"]`` and as ``doc.ents``, the id and source in ``user_data``. Needs spaCy (``xxgk[view]``)."""
    import spacy
    from spacy.tokens import Doc, DocBin

    nlp = spacy.blank("zh")
    docs = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for ex in examples:
        validate(ex)
        doc = Doc(nlp.vocab, words=list(ex.text), spaces=[False] * len(ex.text))
        spans = [doc[sp.start : sp.end] for sp in ex.spans]
        for span, sp in zip(spans, ex.spans, strict=True):
            span.label_ = sp.label
        doc.spans["sc"] = spans
        doc.ents = spans
        doc.user_data.update({"id": ex.id, "source": ex.source})
        docs.add(doc)
    return docs


def write_docbin(path: Path, examples: Iterable[Example]) -> int:
    """``to_docbin`` written atomically to ``path``; returns the number of examples."""
    from extractor.io.writers import atomic_write_bytes

    docs = to_docbin(examples)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, docs.to_bytes())
    return len(docs)


def silver_examples(paths: Sequence[Path]) -> Iterator[Example]:
    """Rule-tagger spans on real reports whose tables were assembled and pass every assessable rule."""
    from extractor.extractor import read_normalized
    from extractor.pipeline import read_tables
    from extractor.schema import CheckStatus
    from extractor.tagging.rules import RuleTagger

    tagger = RuleTagger()
    for _, doc in read_normalized(paths):
        if isinstance(doc, Exception):
            continue
        tagged = tagger.tag(doc)
        _, cells, checks = read_tables(tagged)
        if cells and not any(c.status is CheckStatus.FAIL for c in checks):
            yield Example(f"silver-{doc.source.doc_id[:16]}", "silver", doc.text, tagged.spans)
