"""Cell accuracy of outputs against gold files, per table, per template and per file; rule pass rates."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from extractor.template import table_of

if TYPE_CHECKING:
    from extractor.corpus import Example
    from extractor.tagging import Tagger


def _stem(path: str) -> str:
    return Path(path).name.rsplit(".", 1)[0]


def same_value(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    try:
        return abs(Decimal(str(got)) - Decimal(str(want))) < Decimal("1e-6")
    except ArithmeticError:
        return str(got) == str(want)


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.right}/{self.total} = {self.rate:.4f}" if self.total else "-"


@dataclass
class Report:
    cells: Tally = field(default_factory=Tally)
    meta: Tally = field(default_factory=Tally)
    by_table: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_template: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_format: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_file: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    tables_all_rules_pass: Tally = field(default_factory=Tally)
    wrong: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    missing_outputs: list[str] = field(default_factory=list)
    # (file, confidence, right) per gold cell the output has, and per document (right = every cell right)
    cell_confidence: list[tuple[str, float, bool]] = field(default_factory=list)
    doc_confidence: list[tuple[str, float, bool]] = field(default_factory=list)
    # wrong cells by kind ("absent": key not in the output; "silent": wrong while it reads as sure) per group
    # ("table active", "format txt"); silently wrong as in ../shared/eval/audit.py
    faults: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    silent: list[str] = field(default_factory=list)

    def fault(self, kind: str, *groups: str) -> None:
        for group in groups:
            self.faults[group][kind] += 1


SURE = 0.9  # a wrong cell at this confidence or above, read or blank, that no failing check names, is silent


def _fault(got: Any, failing: set[str], key: str) -> str:
    """How a wrong cell shows: 'absent' (not in the output), 'silent' (looks right), or 'flagged'."""
    if not isinstance(got, dict):
        return "absent"
    conf = got.get("confidence")
    flagged = got.get("status") not in ("read", "blank") or key in failing or (conf is not None and conf < SURE)
    return "flagged" if flagged else "silent"


def load_outputs(path: Path) -> dict[str, dict[str, Any]]:
    """Records by file stem, and also by ``doc:<sha256>`` and ``path:<source path>`` for gold files that name
    their report by content hash or by path. Raises ``ValueError`` for a line that is not JSON."""
    outputs: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            source = (doc.get("source") or {}).get("path") or ""
            for key in (_stem(source), f"path:{source}", f"doc:{doc.get('doc_id') or ''}"):
                if key not in outputs or outputs[key].get("error"):  # an error record never hides a real result
                    outputs[key] = doc
    return outputs


class Gold(BaseModel):
    """A gold file (``../shared/data/gold/*.json``): the report it describes (``file`` path and/or ``doc_id``),
    its template, meta and the true value of each cell it checks (None: the cell is blank or not printed)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file: str = ""
    doc_id: str | None = None
    template: str = "unknown"
    meta: dict[str, Any] = Field(default_factory=dict)
    cells: dict[str, int | Decimal | None] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Gold:
        gold = cls.model_validate_json(path.read_text(encoding="utf-8"))
        return gold if gold.file else gold.model_copy(update={"file": path.name})

    @property
    def key(self) -> str:
        return _stem(self.file)


def _output_for(outputs: dict[str, dict[str, Any]], gold: Gold) -> dict[str, Any] | None:
    """The record a gold file describes: by its ``doc_id``, then its ``file`` path, then the file stem."""
    for candidate in (f"doc:{gold.doc_id}", f"path:{gold.file}", gold.key):
        if candidate in outputs:
            return outputs[candidate]
    return None


def _tables_pass(doc: dict[str, Any]) -> dict[str, bool]:
    """Per table found: True when no rule of that table fails or is unassessable."""
    ok = {table_of(k): True for k in doc.get("cells") or {}}
    for check in doc.get("checks") or []:
        table = table_of(check["rule"])
        if table in ok and check["status"] not in ("pass", "repaired"):
            ok[table] = False
    return ok


def evaluate(outputs: dict[str, dict[str, Any]], gold_dir: Path, *, with_output_only: bool = False) -> Report:
    """Every gold file of ``gold_dir`` against its output; one without an output is scored as all missing,
    or left out with ``with_output_only`` (a gate that read only some reports on purpose)."""
    report = Report()
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = Gold.load(gold_path)
        doc = _output_for(outputs, gold)
        if doc is None and with_output_only:
            continue
        if doc is None:
            report.missing_outputs.append(gold.key)
            doc = {}
        _score_cells(report, gold, doc)
        if doc.get("confidence") is not None:
            report.doc_confidence.append((gold.key, float(doc["confidence"]), not report.wrong.get(gold.key)))
        report.meta.add(doc.get("template") == gold.template)
        for meta_field in ("year", "agency"):
            want = gold.meta.get(meta_field)
            if want is not None:
                report.meta.add((doc.get("meta") or {}).get(meta_field) == want)
        for passed in _tables_pass(doc).values():
            report.tables_all_rules_pass.add(passed)
    return report


def _score_cells(report: Report, gold: Gold, doc: dict[str, Any]) -> None:
    """Each gold cell of one report against its output record: right or wrong, and how a wrong one shows."""
    key, got_cells = gold.key, doc.get("cells") or {}
    fmt = (doc.get("source") or {}).get("format") or Path(gold.file).suffix.lstrip(".")
    failing = {
        c for ch in doc.get("checks") or [] if ch.get("status") in ("fail", "not_assessable") for c in ch["cells"]
    }
    for cell_key, want in gold.cells.items():
        got = got_cells.get(cell_key)
        got = got if isinstance(got, dict) else None
        ok = got is not None and same_value(got.get("value"), want)
        if got is not None and got.get("confidence") is not None:
            report.cell_confidence.append((key, float(got["confidence"]), ok))
        table = table_of(cell_key)
        groups = (report.by_table[table], report.by_template[gold.template], report.by_format[fmt], report.by_file[key])
        for tally in (report.cells, *groups):
            tally.add(ok)
        if ok:
            continue
        kind = _fault(got, failing, cell_key)
        report.fault(kind, f"table {table}", f"format {fmt}", "all")
        shown = got.get("value") if got is not None else "absent"
        if kind == "silent":
            report.silent.append(f"{key}: {cell_key}: want {want} got {shown}")
        report.wrong[key].append(f"{cell_key}: want {want} got {shown}")


def format_report(report: Report, per_file_errors: int = 5) -> str:
    lines = ["cell accuracy by table:"]
    lines += [f"  {k:<14} {v}" for k, v in sorted(report.by_table.items())]
    lines.append("cell accuracy by template:")
    lines += [f"  {k:<14} {v}" for k, v in sorted(report.by_template.items())]
    lines.append("cell accuracy by input format:")
    lines += [f"  {k:<14} {v}" for k, v in sorted(report.by_format.items())]
    lines.append("cell accuracy by file:")
    for k, v in sorted(report.by_file.items()):
        lines.append(f"  {k:<28} {v}")
        lines += [f"      {w}" for w in report.wrong.get(k, [])[:per_file_errors]]
    if report.missing_outputs:
        lines.append(f"no output for {len(report.missing_outputs)} gold files: {', '.join(report.missing_outputs)}")
    lines.append("wrong cells: absent (not in the output) / silently wrong (read or blank, conf ≥ 0.9, no failing")
    lines.append("check) / flagged, by table and input format:")
    for group in sorted(report.faults, key=lambda g: (g == "all", g)):
        f = report.faults[group]
        lines.append(f"  {group:<18} absent {f['absent']}  silent {f['silent']}  flagged {f['flagged']}")
    lines += [f"  silently wrong: {s}" for s in report.silent[:20]]
    lines.append(f"tables whose rules all pass: {report.tables_all_rules_pass}")
    lines.append(f"meta accuracy: {report.meta}")
    lines.append(f"cell_accuracy={report.cells.rate:.4f} ({report.cells.right}/{report.cells.total})")
    return "\n".join(lines)


def calibration_report(report: Report) -> str:
    """How far the outputs' confidences are from the observed accuracy on gold, per cell and per document (a
    document is right when every gold cell is). With ``xxgk extract`` applying a model's calibration.json these
    are the calibrated confidences; ``--raw-confidence`` shows the pipeline's scores before it."""
    from extractor.calibration import reliability

    if not report.cell_confidence:
        return "calibration: no cell confidences in the outputs"
    _, conf, ok = zip(*report.cell_confidence, strict=True)
    lines = [reliability(conf, ok).table("gold cells: confidence vs right")]
    if report.doc_confidence:
        _, dconf, dok = zip(*report.doc_confidence, strict=True)
        lines.append(reliability(dconf, dok).table("gold documents: confidence vs every cell right"))
    return "\n".join(lines)


def span_report(examples: Sequence[Example], tagger: Tagger) -> str:
    """Span precision/recall/F1 per label (seqeval, exact spans in BIO) of ``tagger`` on a labelled corpus."""
    from seqeval.metrics import classification_report

    from extractor.io.readers import source_from_bytes
    from extractor.normalize import as_is
    from extractor.tagging.alignment import spans_to_tags

    truth, predicted = [], []
    for ex in examples:  # the example text is already normalized: it is tagged as it stands
        source = source_from_bytes(f"{ex.id}.txt", ex.text.encode("utf-8"))
        doc = as_is(source, ex.text)
        truth.append(spans_to_tags(len(ex.text), ex.spans))
        predicted.append(spans_to_tags(len(ex.text), tagger.tag(doc).spans))
    header = f"span F1 of {getattr(tagger, 'name', tagger)} on {len(examples)} documents (seqeval, exact spans)\n"
    return header + str(classification_report(truth, predicted, digits=4, zero_division=0))
