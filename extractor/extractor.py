"""``Extractor``: the tagger, its calibration, the OCR engine and the limits, loaded once and used the same way
by the library, the CLI, batch workers, the service and the Label Studio backend.

``ExtractorSpec`` is what a worker process needs to build its own ``Extractor`` (picklable, unlike a model).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extractor.calibration import CALIBRATION_FILE, Calibration, apply
from extractor.config import LIMITS, Limits
from extractor.crosscheck import joined_name
from extractor.errors import InputError
from extractor.io.ocr import OcrEngine, RapidOcrEngine
from extractor.pipeline import error_record, extract
from extractor.schema import ExtractionOutput
from extractor.tagging import Tagger
from extractor.types import NormalizedDoc, SourceDoc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractorSpec:
    """``tagger``: 'model' or 'rules'; ``model_dir``: None for the shipped default; ``calibration``: a file, or
    None for the model directory's ``calibration.json`` when it has one; ``calibrate=False`` leaves confidences
    raw (what ``xxgk calibrate`` fits on); ``cross_check``: with the model, also read each table with the rule
    tagger and keep, table by table, the reading the template's arithmetic supports best; ``threads`` and
    ``runtime``: how the model runs (``tagging.load.load_tagger``)."""

    tagger: str = "model"
    model_dir: Path | None = None
    calibration: Path | None = None
    calibrate: bool = True
    limits: Limits = field(default_factory=lambda: LIMITS)
    cross_check: bool = True  # the model's tables checked against the rules' reading (``crosscheck``)
    threads: int = 0  # the model's intra-op threads; 0: the runtime's default (a batch worker takes 1)
    runtime: str = "auto"  # onnx, torch, or auto: ONNX Runtime where the model has an up-to-date model.onnx

    def load_tagger(self) -> Tagger:
        from extractor.tagging.load import load_tagger

        return load_tagger(self.tagger, self.model_dir, threads=self.threads, runtime=self.runtime)

    @property
    def cross_checked(self) -> bool:
        """The rule tagger reads beside the model (never beside itself)."""
        return self.cross_check and self.tagger == "model"

    def tagger_name(self) -> str:
        """The name the loaded tagger will have, read without loading it (no torch): 'rules-1', 'model:…'.
        Raises ``ModelLoadError`` for a model directory without a usable manifest."""
        if self.tagger == "rules":
            from extractor.tagging.rules import RuleTagger

            return RuleTagger.name
        if self.tagger != "model":
            raise ValueError(f"unknown tagger {self.tagger!r}; available: model, rules")
        from extractor.tagging.load import default_model_dir
        from extractor.tagging.rules import RuleTagger
        from extractor.tagging.windows import manifest_model_id, model_name

        name = model_name(manifest_model_id(self.model_dir or default_model_dir()))
        return joined_name([name, RuleTagger.name]) if self.cross_checked else name

    def calibration_file(self) -> Path | None:
        if not self.calibrate:
            return None
        if self.calibration is not None:
            return self.calibration
        if self.tagger != "model":
            return None
        from extractor.tagging.load import default_model_dir

        path = (self.model_dir or default_model_dir()) / CALIBRATION_FILE
        return path if path.is_file() else None


class _LazyOcr:
    """The OCR engine, made on first use: a batch of text files never loads the OCR models."""

    def __init__(self) -> None:
        self._engine: OcrEngine | None = None

    def __call__(self) -> OcrEngine:
        if self._engine is None:
            self._engine = RapidOcrEngine()
        return self._engine


class Extractor:
    """One report in, one output-contract record out, calibrated when a calibration is given."""

    def __init__(
        self,
        tagger: Tagger,
        *,
        cross_check: Tagger | None = None,
        calibration: Calibration | None = None,
        limits: Limits = LIMITS,
        ocr: _LazyOcr | None = None,
    ) -> None:
        self.tagger = tagger
        self.cross_check = cross_check
        self.calibration = calibration
        self.limits = limits
        self._ocr = ocr or _LazyOcr()

    @classmethod
    def load(cls, spec: ExtractorSpec | None = None) -> Extractor:
        """Raises ``ModelLoadError`` for a missing or unusable model directory."""
        spec = spec or ExtractorSpec()
        calibration_file = spec.calibration_file()
        calibration = Calibration.load(calibration_file) if calibration_file else None
        tagger = spec.load_tagger()
        second = None
        if spec.cross_checked:
            from extractor.tagging.rules import RuleTagger

            second = RuleTagger()
        return cls(tagger, cross_check=second, calibration=calibration, limits=spec.limits)

    @property
    def name(self) -> str:
        """The tagger's id and version, as records carry it in ``tagger`` (``model:…+rules-1`` cross-checked)."""
        if self.cross_check is None:
            return self.tagger.name
        return joined_name([self.tagger.name, self.cross_check.name])

    def extract(self, source: SourceDoc) -> ExtractionOutput:
        out = extract(source, tagger=self.tagger, cross_check=self.cross_check)
        return apply(out, self.calibration) if self.calibration is not None else out

    def read(self, name: str, data: bytes) -> SourceDoc:
        """Raises ``InputError`` when ``data`` cannot be read as a report."""
        from extractor.io.readers import source_from_bytes

        return source_from_bytes(name, data, self._ocr, max_bytes=self.limits.max_bytes)

    def extract_bytes(self, name: str, data: bytes) -> ExtractionOutput:
        """Never raises for a bad document: an unreadable one, or a bug on it, gives an error record."""
        return self._guarded(name, lambda: self.extract(self.read(name, data)), data)

    def extract_path(self, path: str | Path) -> ExtractionOutput:
        """Never raises for a bad document (see ``extract_bytes``)."""
        from extractor.io.readers import read_bytes

        try:
            data = read_bytes(Path(path), self.limits.max_bytes)
        except InputError as exc:
            return error_record(str(path), None, "input_error", str(exc))
        return self.extract_bytes(str(path), data)

    def review_page(self, name: str, data: bytes) -> str:
        """The review page (``extractor.view``) of one document: its record, its original text with the cells
        highlighted, its page pictures (PDF, images) and the tagger's spans. Never raises for a bad document: an
        unreadable one gets the page of its error record."""
        from extractor.io.pictures import page_pictures
        from extractor.normalize import normalize
        from extractor.view import TaggedSpan, review_page

        try:
            source = self.read(name, data)
        except InputError as exc:
            return review_page(error_record(name, data, "input_error", str(exc)), None)
        out = self._guarded(name, lambda: self.extract(source), data)
        if out.error is not None:
            return review_page(out, source.raw_text)
        doc = normalize(source)
        spans = [TaggedSpan(s.start, s.end, s.label) for s in self.tagger.tag(doc).spans]
        pictures = page_pictures(source, data, {c.box.page for c in out.cells.values() if c.box is not None})
        return review_page(out, source.raw_text, pictures, (doc.text, spans))

    @staticmethod
    def _guarded(name: str, run: Callable[[], ExtractionOutput], data: bytes) -> ExtractionOutput:
        """``run()``, with an unreadable input, a memory breach or a bug (reading included) as an error record."""
        try:
            return run()
        except InputError as exc:
            return error_record(name, data, "input_error", str(exc))
        except MemoryError:
            return error_record(name, None, "memory_limit", "the document needed more memory than the worker may use")
        except Exception as exc:  # a bug on one document must not stop a batch; it is logged with its traceback
            log.exception("internal error on %s", name)
            return error_record(name, None, "internal_error", f"{type(exc).__name__}: {exc}")


def read_normalized(paths: Iterable[str | Path]) -> Iterator[tuple[str, NormalizedDoc | InputError]]:
    """Each report read and normalized, or the reason it cannot be read, for the loops that want the text
    rather than the tables (choosing documents to annotate, silver corpora, checking pulled annotations)."""
    from extractor.io.readers import read_source
    from extractor.normalize import normalize

    for path in paths:
        try:
            yield str(path), normalize(read_source(path))
        except InputError as exc:
            yield str(path), exc
