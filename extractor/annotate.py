"""The annotation loop with Label Studio, through ``label-studio-sdk`` only.

* ``label_config()`` — the labelling interface, generated from the model's label set;
* ``candidates()`` / ``push()`` — the documents that most need a person (low confidence, failing checks, model and
  rules disagreeing) become tasks on their normalized text, with the model's spans as predictions (model
  version, scores); a second push of the same document adds nothing (tasks are keyed by ``doc_id``);
* ``pull()`` — every submitted annotation is validated (offsets in range, the span text as stored, known
  labels, the text hash still the one the normalizer gives today) and merged into the human corpus, written
  atomically: a pull that fails halfway leaves the previous corpus as it was.

Label Studio's span offsets are Python string indices into the task text, which is our normalized text, so
they are our offsets unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from extractor.corpus import CorpusError, Example, read_corpus, validate, write_corpus
from extractor.labels import ENTITY_TYPES
from extractor.tagging import Tagger
from extractor.types import NormalizedDoc, Span

FROM_NAME, TO_NAME = "label", "text"
_COLOURS = {
    "BLANK": "#bbbbbb",
    "COL": "#8fbcd4",
    "NOISE": "#d9a0a0",
    "ROW": "#f2c14e",
    "SECTION": "#9b8ec4",
    "TITLE_ITEM": "#7fc8a9",
    "VALUE": "#f08a4b",
}


def label_config() -> str:
    """Label Studio XML for character spans over the normalized text, one label per entity type."""
    labels = "".join(
        f"<Label value={quoteattr(t)} background={quoteattr(_COLOURS.get(t, '#cccccc'))}/>" for t in ENTITY_TYPES
    )
    return (
        f'<View><Labels name="{FROM_NAME}" toName="{TO_NAME}">{labels}</Labels>'
        f'<Text name="{TO_NAME}" value="$text" granularity="symbol"/></View>'
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- choosing documents -------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A document offered to annotators, with why."""

    doc: NormalizedDoc
    spans: tuple[Span, ...]  # the model's reading, sent as the prediction
    model_version: str
    priority: float
    reasons: tuple[str, ...]


def _agreement(a: Sequence[Span], b: Sequence[Span]) -> float:
    """F1 of exact (start, end, label) spans that matter to the tables."""
    keep = ("VALUE", "BLANK", "ROW")
    x = {(s.start, s.end, s.label) for s in a if s.label in keep}
    y = {(s.start, s.end, s.label) for s in b if s.label in keep}
    if not x and not y:
        return 1.0
    return 2 * len(x & y) / (len(x) + len(y))


def candidates(docs: Iterable[NormalizedDoc], model: Tagger, rules: Tagger) -> list[Candidate]:
    """Score each document by how much it needs a person: most needed first."""
    from extractor.pipeline import read_tables
    from extractor.schema import CheckStatus

    out = []
    for doc in docs:
        tagged = model.tag(doc)
        _, cells, checks = read_tables(tagged)
        failing = sum(c.status is CheckStatus.FAIL for c in checks)
        low = min((sp.score for sp in tagged.spans), default=1.0)
        agreement = _agreement(tagged.spans, rules.tag(doc).spans)
        reasons = []
        if failing:
            reasons.append(f"{failing} failing checks")
        if low < 0.8:
            reasons.append(f"lowest span score {low:.2f}")
        if agreement < 1.0:
            reasons.append(f"model and rules agree on {agreement:.0%} of table spans")
        if not cells:
            reasons.append("no table cells found")
        priority = failing + (1.0 - low) + 2 * (1.0 - agreement) + (1.0 if not cells else 0.0)
        out.append(Candidate(doc, tagged.spans, tagged.tagger, round(priority, 4), tuple(reasons)))
    return sorted(out, key=lambda c: -c.priority)


# ---- push ---------------------------------------------------------------------------------------
def ensure_project(client: Any, title: str) -> int:
    """The id of the project called ``title``, created with our label config if there is none."""
    for project in client.projects.list():
        if project.title == title:
            return int(project.id)
    return int(client.projects.create(title=title, label_config=label_config()).id)


def ls_result(doc_text: str, spans: Iterable[Span], with_scores: bool) -> list[dict[str, Any]]:
    out = []
    for i, sp in enumerate(spans):
        item: dict[str, Any] = {
            "id": f"s{i}",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": sp.start, "end": sp.end, "text": doc_text[sp.start : sp.end], "labels": [sp.label]},
        }
        if with_scores:
            item["score"] = round(sp.score, 4)
        out.append(item)
    return out


def existing_doc_ids(client: Any, project: int) -> set[str]:
    return {str((t.data or {}).get("doc_id")) for t in client.tasks.list(project=project)}


def push(client: Any, project: int, chosen: Sequence[Candidate]) -> int:
    """Create one task per document not already in the project; returns how many were created."""
    have = existing_doc_ids(client, project)
    tasks = []
    for c in chosen:
        if c.doc.source.doc_id in have:
            continue
        have.add(c.doc.source.doc_id)
        score = min((sp.score for sp in c.spans), default=1.0)
        tasks.append(
            {
                "data": {
                    "text": c.doc.text,
                    "doc_id": c.doc.source.doc_id,
                    "source_path": c.doc.source.path,
                    "text_sha256": text_hash(c.doc.text),
                    "priority": c.priority,
                    "reasons": "; ".join(c.reasons),
                },
                "predictions": [
                    {
                        "model_version": c.model_version,
                        "score": round(score, 4),
                        "result": ls_result(c.doc.text, c.spans, True),
                    }
                ],
            }
        )
    if tasks:
        client.projects.import_tasks(id=project, request=tasks)
    return len(tasks)


def read_manifest(path: Path) -> dict[str, str]:
    """doc_id → local path of every document pushed from this checkout ({} before the first push)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def record_pushed(path: Path, chosen: Sequence[Candidate]) -> None:
    """Add the pushed documents to the local manifest that ``pull`` finds them by (written atomically)."""
    from extractor.io.writers import atomic_write_text

    manifest = read_manifest(path)
    manifest.update({c.doc.source.doc_id: c.doc.source.path for c in chosen})
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def client(url: str, token: str) -> Any:
    """A ``label-studio-sdk`` client: the only way this project talks to Label Studio."""
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url, api_key=token)


def connect_backend(client: Any, project: int, backend: str) -> bool:
    """Register the ML backend at ``backend`` with ``project`` (False: it already was)."""
    if any(b.url.rstrip("/") == backend.rstrip("/") for b in client.ml.list(project=project)):
        return False
    client.ml.create(project=project, url=backend, title="xxgk tagger", is_interactive=False)
    return True


def manifest_texts(path: Path) -> Callable[[str], str | None]:
    """doc_id → today's normalized text of a document pushed from this checkout (None: unknown or gone), found
    by the local manifest, never by a path the server hands back."""
    from extractor.extractor import read_normalized

    pushed = read_manifest(path)

    def normalized_text(doc_id: str) -> str | None:
        if doc_id not in pushed:
            return None
        _, doc = next(read_normalized([pushed[doc_id]]))
        return None if isinstance(doc, Exception) else doc.text  # a source gone: the stored hash is all there is

    return normalized_text


# ---- pull ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PullReport:
    written: int
    rejected: tuple[str, ...]  # task id: reason


def example_from_task(
    task: dict[str, Any], annotation: dict[str, Any], normalized_text: Callable[[str], str | None] | None = None
) -> Example:
    """One annotated task → a corpus example; raises ``CorpusError`` for anything that does not check out.

    ``normalized_text(doc_id)`` gives today's normalized text of a pushed document (None when unknown)."""
    data = task.get("data") or {}
    text = data.get("text")
    if not isinstance(text, str):
        raise CorpusError("task has no text")
    if data.get("text_sha256") != text_hash(text):
        raise CorpusError("task text changed since it was pushed")
    # The server's task data is anyone's to edit: the document is found again by its doc_id in our own push
    # manifest, never by a path the server hands back.
    if normalized_text is not None and data.get("doc_id"):
        today = normalized_text(str(data["doc_id"]))
        if today is not None and text_hash(today) != data["text_sha256"]:
            raise CorpusError("the normalizer now gives another text for this document: offsets would not fit")
    spans = []
    for item in annotation.get("result") or []:
        if item.get("type") != "labels" or item.get("from_name") != FROM_NAME:
            continue
        value = item.get("value") or {}
        start, end, labels = value.get("start"), value.get("end"), value.get("labels") or []
        if not isinstance(start, int) or not isinstance(end, int) or len(labels) != 1:
            raise CorpusError(f"malformed span {value!r}")
        if "text" in value and text[start:end] != value["text"]:
            raise CorpusError(f"span [{start}, {end}) does not hold {value['text']!r}")
        spans.append(Span(start, end, str(labels[0])))
    example = Example(
        f"human-{data.get('doc_id', task.get('id'))}", "human", text, tuple(sorted(spans, key=lambda s: s.start))
    )
    validate(example)
    return example


def pull(
    client: Any,
    project: int,
    corpus: Path,
    normalized_text: Callable[[str], str | None] | None = None,
) -> PullReport:
    """Merge every submitted annotation of ``project`` into ``corpus`` (by document; the newest wins)."""
    merged = {ex.id: ex for ex in read_corpus(corpus)} if corpus.is_file() else {}
    rejected = []
    pulled = 0
    for task in client.tasks.list(project=project, fields="all"):
        record = task.dict() if hasattr(task, "dict") else dict(task)
        annotations = [a for a in record.get("annotations") or [] if not a.get("was_cancelled")]
        if not annotations:
            continue
        newest = max(annotations, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        try:
            example = example_from_task(record, newest, normalized_text)
        except CorpusError as exc:
            rejected.append(f"task {record.get('id')}: {exc}")
            continue
        merged[example.id] = example
        pulled += 1
    write_corpus(corpus, merged.values())
    return PullReport(pulled, tuple(rejected))
