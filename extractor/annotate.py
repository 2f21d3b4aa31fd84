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
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from extractor.corpus import CorpusError, Example, read_corpus, validate, write_corpus
from extractor.labels import ENTITY_TYPES
from extractor.tagging import Tagger
from extractor.types import NormalizedDoc, Span, TaggedDoc

if TYPE_CHECKING:
    from extractor.pipeline import Tables

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
# What each label means, as the annotator sees it on hover (Chinese first: the reports are Chinese).
HINTS = {
    "BLANK": "空白单元格标记：—、/、-、无（该格无数值）",
    "COL": "列标题：如 自然人、商业企业、本年新制发件数",
    "NOISE": "表内杂项：页眉页脚、页码、脚注，不属于任何单元格",
    "ROW": "行标签：如 （一）予以公开、规章、行政许可",
    "SECTION": "章节标题：一、总体情况 … 六、其他需要报告的事项",
    "TITLE_ITEM": "表格标题：如 第二十条第（一）项",
    "VALUE": "单元格数值：一个单元格一个框（粘连的数字要拆开，如 2729318 → 27 / 29 / 318）",
}
INSTRUCTIONS = (
    "<p>政府信息公开工作年度报告：只标注表格区域和表格标题，正文叙述不标。</p>"
    "<ul><li>每个单元格的数值单独框选为 VALUE；没有数值而印有 —、/、无 的格子标 BLANK。</li>"
    "<li>粘连在一起的数字（如 <code>2729318</code>）按各列拆成几个 VALUE。</li>"
    "<li>预标注只给出表格内、置信度不低于阈值的片段；标题里写着“存疑”的片段请重点核对。</li>"
    "<li>行标签标 ROW，列标题标 COL，章节标题标 SECTION，页码、页眉页脚标 NOISE。</li></ul>"
    "<p>Annotate the tables only: one VALUE per cell (split glued digits by column), BLANK for a printed "
    "blank marker, ROW / COL / SECTION / TITLE_ITEM for the labels, NOISE for page chrome.</p>"
)


def label_config() -> str:
    """Label Studio XML for character spans over the normalized text, one label per entity type, each with its
    Chinese hint, and the instructions above the text."""
    labels = "".join(
        f"<Label value={quoteattr(t)} hint={quoteattr(HINTS.get(t, t))}"
        f" background={quoteattr(_COLOURS.get(t, '#cccccc'))}/>"
        for t in ENTITY_TYPES
    )
    header = "标注表格：每格一个 VALUE，空白格 BLANK（鼠标悬停看各标签说明）"
    return (
        f"<View><Header value={quoteattr(header)}/>"
        f'<Labels name="{FROM_NAME}" toName="{TO_NAME}">{labels}</Labels>'
        f'<Text name="{TO_NAME}" value="$text" granularity="symbol"/></View>'
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- pre-annotations ----------------------------------------------------------------------------
THRESHOLD = 0.5  # spans the tagger scores below this are not offered: a person would only delete them
TABLE_LABELS = ("VALUE", "BLANK")
SURE = 0.9  # a cell below this confidence, or not read as printed, is marked doubtful


@dataclass(frozen=True)
class Preannotation:
    """What a person is shown: spans inside the table regions and table titles only, cells whole (as the
    engine reads them, a glued run already split), each doubtful cell named."""

    spans: tuple[Span, ...]
    doubtful: tuple[tuple[Span, str], ...]  # (span, cell key and why) of cells to check first
    cells: int  # cells the engine read
    failing: int  # failing checks
    unread: tuple[str, ...] = ()  # cells of a found table left empty: not printed, or ambiguous


def _inside(sp: Span, regions: Sequence[tuple[int, int]]) -> bool:
    return any(lo <= sp.start and sp.end <= hi for lo, hi in regions)


def preannotate(
    doc: NormalizedDoc,
    taggers: Sequence[Tagger],
    threshold: float = THRESHOLD,
    calibrate: Callable[[float], float] | None = None,
    reading: Tables | None = None,
) -> Preannotation:
    """The spans to pre-fill a task with. Labels and headers come from the first tagger, inside the table
    regions (with the title line above each) and above ``threshold``; the cells come from the engine's reading
    (``read_document``: tagged, assembled, resolved under the template's arithmetic), so a glued run is
    offered as the cells it was split into, and a cell the engine doubts is marked. ``calibrate`` maps the
    engine's raw cell confidence to the model's calibrated one (its ``calibration.json``); ``reading`` is
    ``read_document``'s result for these taggers when the caller has it already."""
    from extractor.meta import find_meta
    from extractor.pipeline import read_document
    from extractor.schema import CheckStatus
    from extractor.segment import tagged_stretches

    regions = tagged_stretches(doc.text, doc.headings)
    once: list[Tagger] = [t if isinstance(t, _Once) else _Once(t, doc) for t in taggers]  # tags each once
    tagged = once[0].tag(doc)
    if reading is None:
        reading = read_document(doc, once, find_meta(doc).year)
    resolution, checks, _, _ = reading
    cells: list[Span] = []
    doubtful: list[tuple[Span, str]] = []
    unread: list[str] = []
    for key, draft in resolution.cells.items():
        if draft.start is None or draft.end is None:
            unread.append(key + (" (ambiguous)" if draft.alternatives else ""))
            continue
        label = "BLANK" if draft.value is None else "VALUE"
        confidence = calibrate(draft.confidence) if calibrate else draft.confidence
        sp = Span(draft.start, draft.end, label, round(confidence, 4))
        cells.append(sp)
        if confidence < SURE or draft.status.value not in ("read", "blank"):
            doubtful.append((sp, f"存疑 {key}: {draft.status.value}, confidence {confidence:.2f}"))
    taken = sorted(cells, key=lambda sp: sp.start)
    others = [
        sp for sp in tagged.spans if sp.label not in TABLE_LABELS and sp.score >= threshold and _inside(sp, regions)
    ]
    spans = list(taken)
    for sp in others:  # never over a cell: the cell is the engine's, the label the tagger's
        if not any(sp.start < c.end and c.start < sp.end for c in taken):
            spans.append(sp)
    failing = sum(c.status is CheckStatus.FAIL for c in checks)
    return Preannotation(
        tuple(sorted(spans, key=lambda sp: sp.start)), tuple(doubtful), len(cells), failing, tuple(unread)
    )


# ---- corrections from known values ---------------------------------------------------------------
_TOKEN = re.compile(r"[-+]?\d+(?:\.\d+)?|[—–－/\-]+|无")
_BLANK = re.compile(r"[—–－/\-]+|无")


@dataclass(frozen=True)
class Aligned:
    """Known cell values (a gold file, a user's spreadsheet) turned into span labels on a document."""

    spans: tuple[Span, ...]
    corrected: tuple[str, ...]  # cells whose span the engine had wrong and the values put right
    unaligned: tuple[str, ...]  # cells whose value could not be found where the template puts it


def _same(text: str, want: object) -> bool:
    from extractor.evaluate import same_value

    return same_value(text.lstrip("+"), want)


def align_values(doc: NormalizedDoc, values: dict[str, object], taggers: Sequence[Tagger]) -> Aligned:
    """Label ``doc`` with ``values`` (cell key → known value, None for an empty cell): the engine's reading is
    kept where it holds the value; a cell it read otherwise is looked for between its row neighbours that do
    hold (in the template's order), as a number token, a piece of a glued run (the cells' digits in a row) or,
    for an empty cell, a printed blank marker. Cells found nowhere are named, never guessed."""
    from extractor import template as tpl
    from extractor.meta import find_meta
    from extractor.pipeline import read_document

    once: list[Tagger] = [_Once(t, doc) for t in taggers]
    reading = read_document(doc, once, find_meta(doc).year)
    pre = preannotate(doc, once, threshold=0.0, reading=reading)
    resolution = reading[0]
    by_cell = {
        key: Span(d.start, d.end, "BLANK" if d.value is None else "VALUE")
        for key, d in resolution.cells.items()
        if d.start is not None and d.end is not None
    }
    good: dict[str, Span | None] = {}
    bad: list[str] = []
    for key, want in values.items():
        draft = resolution.cells.get(key)
        if draft is not None and (
            (want is None and draft.value is None) or (want is not None and _same(str(draft.value), want))
        ):
            good[key] = by_cell.get(key)
        else:
            bad.append(key)
    placed: dict[str, Span | None] = {}
    unaligned: list[str] = []
    for table, layout in resolution.layouts.items():
        order = [k for k in tpl.table_keys(table, layout) if k in values]
        i = 0
        while i < len(order):
            if order[i] not in bad:
                i += 1
                continue
            j = i
            while j < len(order) and order[j] in bad:
                j += 1
            run = order[i:j]
            lo = max((sp.end for k in order[:i] if (sp := good.get(k) or placed.get(k))), default=None)
            hi = min((sp.start for k in order[j:] if (sp := good.get(k))), default=None)
            found = _place(doc.text, run, values, lo, hi)
            if found is None:
                unaligned.extend(run)
            else:
                placed.update(found)
            i = j
    wrong = {by_cell[k] for k in bad if k in by_cell}
    cells = [sp for sp in good.values() if sp] + [sp for k, sp in placed.items() if sp]
    keep = [sp for sp in pre.spans if sp.label not in TABLE_LABELS]
    keep = [sp for sp in keep if not any(sp.start < c.end and c.start < sp.end for c in cells)]
    engine = [sp for sp in pre.spans if sp.label in TABLE_LABELS and sp not in wrong]
    chosen = {(c.start, c.end): c for c in [*engine, *cells]}
    return Aligned(
        tuple(sorted([*keep, *chosen.values()], key=lambda sp: sp.start)),
        tuple(k for k in bad if k in placed),
        tuple(unaligned),
    )


def _place(
    text: str, run: Sequence[str], values: dict[str, object], lo: int | None, hi: int | None
) -> dict[str, Span | None] | None:
    """Spans for a run of consecutive cells between two cells that hold (``lo``, ``hi``: their ends), read in
    order from the tokens there; None when the tokens do not spell the values."""
    if lo is None and hi is None:
        return None
    if hi is None:  # the table's last cells: up to the end of the line of the next token after the last cell
        assert lo is not None
        first = _TOKEN.search(text, lo)
        nl = text.find("\n", first.end()) if first else -1
        hi = nl if nl != -1 else len(text)
    if lo is None:
        lo = text.rfind("\n", 0, hi) + 1
    if hi - lo > 400:
        return None  # too far apart: the run's place is not fixed by its neighbours
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text, lo, hi)]
    out: dict[str, Span | None] = {}
    at = (0, 0)  # token index, characters of it already taken (a glued run read cell by cell)
    for key in run:
        taken = _take(tokens, at, values[key])
        if taken is None:
            return None
        out[key], at = taken
    return out if not at[1] else None


def _take(
    tokens: Sequence[tuple[int, str]], at: tuple[int, int], want: object
) -> tuple[Span | None, tuple[int, int]] | None:
    """The span of the next cell (``want``) from ``tokens`` at ``at``, and where the next cell starts."""
    t, inside = at
    if want is None:  # an empty cell: its printed blank marker, if the next token is one
        if t < len(tokens) and not inside and _BLANK.fullmatch(tokens[t][1]):
            return Span(tokens[t][0], tokens[t][0] + len(tokens[t][1]), "BLANK"), (t + 1, 0)
        return None, at
    while t < len(tokens) and not inside and _BLANK.fullmatch(tokens[t][1]):
        t += 1
    if t >= len(tokens):
        return None
    start, tok = tokens[t]
    if not inside and _same(tok, want):
        return Span(start, start + len(tok), "VALUE"), (t + 1, 0)
    digits, rest = str(want), tok[inside:]
    if rest.startswith(digits) and rest.isdigit():
        span = Span(start + inside, start + inside + len(digits), "VALUE")
        inside += len(digits)
        return span, ((t + 1, 0) if inside == len(tok) else (t, inside))
    return None


# ---- choosing documents -------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A document offered to annotators, with why."""

    doc: NormalizedDoc
    pre: Preannotation  # the engine's reading, sent as the prediction
    model_version: str
    priority: float
    reasons: tuple[str, ...]

    @property
    def spans(self) -> tuple[Span, ...]:
        return self.pre.spans


def _cell_agreement(a: Preannotation, b: Preannotation) -> float:
    """F1 of the cells (span and label) two readings of a document agree on."""
    x = {(s.start, s.end, s.label) for s in a.spans if s.label in TABLE_LABELS}
    y = {(s.start, s.end, s.label) for s in b.spans if s.label in TABLE_LABELS}
    if not x and not y:
        return 1.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class Choice:
    chosen: list[Candidate]  # most in need first
    skipped: list[tuple[str, str]]  # (path, why) of documents that are not reports with tables


def candidates(
    docs: Iterable[NormalizedDoc], model: Tagger, rules: Tagger, calibrate: Callable[[float], float] | None = None
) -> Choice:
    """Rank the documents by how much a person is needed: failing checks, doubtful cells, model and rules
    reading different cells. A document with neither a table region nor a cell read (a list of sources, a
    notice) is skipped."""
    out, skipped = [], []
    for doc in docs:
        read_by_model, read_by_rules = _Once(model, doc), _Once(rules, doc)  # each tags the document once
        pre = preannotate(doc, [read_by_model, read_by_rules], calibrate=calibrate)
        if not pre.cells and not _has_tables(doc):
            skipped.append((doc.source.path, "no table of the template found and no cell read: not a report"))
            continue
        agreement = _cell_agreement(preannotate(doc, [read_by_model]), preannotate(doc, [read_by_rules]))
        reasons = []
        if pre.failing:
            reasons.append(f"{pre.failing} failing checks")
        if pre.doubtful:
            lowest = min(pre.doubtful, key=lambda d: d[0].score)
            reasons.append(f"{len(pre.doubtful)} doubtful cells (lowest: {lowest[1].removeprefix('存疑 ')})")
        ambiguous = [k for k in pre.unread if k.endswith("(ambiguous)")]
        if ambiguous:
            reasons.append(f"{len(ambiguous)} cells left empty, their text read more than one way")
        if agreement < 1.0:
            reasons.append(f"model and rules read {agreement:.0%} of the cells alike")
        if not pre.cells:
            reasons.append("no table cells read")
        doubts = 0.1 * (len(pre.doubtful) + len(ambiguous))
        priority = pre.failing + doubts + 2 * (1.0 - agreement) + (1.0 if not pre.cells else 0.0)
        out.append(Candidate(doc, pre, model.name, round(priority, 4), tuple(reasons)))
    return Choice(sorted(out, key=lambda c: -c.priority), skipped)


class _Once:
    """A tagger's reading of one document, tagged once however often it is asked for."""

    def __init__(self, tagger: Tagger, doc: NormalizedDoc) -> None:
        self.name = tagger.name
        self._tagged = tagger.tag(doc)

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        assert doc is self._tagged.doc, "a reading of another document"
        return self._tagged


def _has_tables(doc: NormalizedDoc) -> bool:
    from extractor.segment import table_regions

    return bool(table_regions(doc.text, doc.headings))


# ---- push ---------------------------------------------------------------------------------------
def ensure_project(client: Any, title: str) -> int:
    """The id of the project called ``title``, created with our label config if there is none."""
    for project in client.projects.list():
        if project.title == title:
            return int(project.id)
    project = client.projects.create(
        title=title, label_config=label_config(), expert_instruction=INSTRUCTIONS, show_instruction=True
    )
    return int(project.id)


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


def push(
    client: Any,
    project: int,
    chosen: Sequence[Candidate],
    limit: int | None = None,
    page_link: Callable[[Candidate], str] | None = None,
) -> list[Candidate]:
    """Create a task for each of the first ``limit`` documents not already in the project (tasks are keyed by
    ``doc_id``, so a second push reaches the next ones); returns the candidates pushed. ``page_link`` gives
    the address of a document's review page, stored in its task's data as ``review_page``."""
    have = existing_doc_ids(client, project)
    tasks: list[dict[str, Any]] = []
    pushed: list[Candidate] = []
    for c in chosen:
        if limit is not None and len(pushed) >= limit:
            break
        if c.doc.source.doc_id in have:
            continue
        have.add(c.doc.source.doc_id)
        pushed.append(c)
        tasks.append(task_of(c, page_link(c) if page_link else None))
    if tasks:
        client.projects.import_tasks(id=project, request=tasks)
    return pushed


def priority_text(priority: float) -> str:
    """A priority that sorts the same as text and as a number (Label Studio's data manager sorts task data
    as text): fixed width, zero-padded."""
    return f"{min(max(priority, 0.0), 9999.9999):09.4f}"


def task_of(c: Candidate, review_page: str | None = None) -> dict[str, Any]:
    score = min((sp.score for sp in c.pre.spans if sp.label in TABLE_LABELS), default=1.0)
    result = ls_result(c.doc.text, c.pre.spans, True)
    notes = dict((sp, why) for sp, why in c.pre.doubtful)
    for item, sp in zip(result, c.pre.spans, strict=True):
        if sp in notes:
            item["meta"] = {"text": [notes[sp]]}
    return {
        "data": {
            "text": c.doc.text,
            "doc_id": c.doc.source.doc_id,
            "source_path": c.doc.source.path,
            "text_sha256": text_hash(c.doc.text),
            "priority": priority_text(c.priority),
            "reasons": "; ".join(c.reasons) or "checks pass; sampled for review",
            "doubtful": len(c.pre.doubtful),
            **({"review_page": review_page} if review_page else {}),
        },
        "predictions": [{"model_version": c.model_version, "score": round(score, 4), "result": result}],
    }


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
class Rejection:
    """A span (or, with no label, a whole task) that pull did not take, and why."""

    task: str
    reason: str
    label: str = ""
    text: str = ""

    def __str__(self) -> str:
        what = f"{self.label} {self.text!r}: " if self.label else ""
        return f"task {self.task}: {what}{self.reason}"


@dataclass(frozen=True)
class PullReport:
    written: int  # documents merged into the corpus
    rejected: tuple[Rejection, ...]
    cancelled: tuple[str, ...] = ()  # tasks whose only annotations were cancelled (skipped by the annotator)


def _span_of(item: dict[str, Any], text: str) -> Span | str:
    """A Label Studio result item as a span, or why it cannot be one."""
    value = item.get("value") or {}
    start, end, labels = value.get("start"), value.get("end"), value.get("labels") or []
    if not isinstance(start, int) or not isinstance(end, int):
        return "offsets are not whole numbers"
    if len(labels) != 1:
        return f"{len(labels)} labels on one span (one is needed)"
    if not 0 <= start < end <= len(text):
        return f"[{start}, {end}) is outside the text ({len(text)} characters)"
    if labels[0] not in ENTITY_TYPES:
        return f"unknown label (known: {', '.join(ENTITY_TYPES)})"
    if "text" in value and text[start:end] != value["text"]:
        return f"[{start}, {end}) holds {text[start:end]!r}, not the span's text"
    return Span(start, end, str(labels[0]))


def example_from_task(
    task: dict[str, Any], annotation: dict[str, Any], normalized_text: Callable[[str], str | None] | None = None
) -> tuple[Example, tuple[Rejection, ...]]:
    """One annotated task → a corpus example of its valid spans, and each span rejected with its label, text
    and reason. Raises ``CorpusError`` when the task itself does not check out (its text changed).

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
    task_id = str(task.get("id"))
    spans: list[Span] = []
    rejected: list[Rejection] = []
    for item in annotation.get("result") or []:
        if item.get("type") != "labels" or item.get("from_name") != FROM_NAME:
            continue
        value = item.get("value") or {}
        got = _span_of(item, text)
        if isinstance(got, str):
            labels = value.get("labels") or []
            rejected.append(Rejection(task_id, got, ",".join(map(str, labels)) or "?", str(value.get("text", ""))))
        else:
            spans.append(got)
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda s: (s.start, s.end)):
        if kept and sp.start < kept[-1].end:
            other = kept[-1]
            reason = f"overlaps {other.label} {text[other.start : other.end]!r} at [{other.start}, {other.end})"
            rejected.append(Rejection(task_id, reason, sp.label, text[sp.start : sp.end]))
            continue
        kept.append(sp)
    example = Example(f"human-{data.get('doc_id', task.get('id'))}", "human", text, tuple(kept))
    validate(example)
    return example, tuple(rejected)


def pull(
    client: Any,
    project: int,
    corpus: Path,
    normalized_text: Callable[[str], str | None] | None = None,
) -> PullReport:
    """Merge every submitted annotation of ``project`` into ``corpus`` (by document; the newest wins): the
    valid spans of each document are taken, every other one is reported."""
    merged = {ex.id: ex for ex in read_corpus(corpus)} if corpus.is_file() else {}
    rejected: list[Rejection] = []
    cancelled: list[str] = []
    pulled = 0
    for task in client.tasks.list(project=project, fields="all"):
        record = task.dict() if hasattr(task, "dict") else dict(task)
        every = record.get("annotations") or []
        annotations = [a for a in every if not a.get("was_cancelled")]
        if not annotations:
            if every:
                cancelled.append(str(record.get("id")))
            continue
        newest = max(annotations, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        try:
            example, bad = example_from_task(record, newest, normalized_text)
        except CorpusError as exc:
            rejected.append(Rejection(str(record.get("id")), str(exc)))
            continue
        rejected.extend(bad)
        merged[example.id] = example
        pulled += 1
    write_corpus(corpus, merged.values())
    return PullReport(pulled, tuple(rejected), tuple(cancelled))
