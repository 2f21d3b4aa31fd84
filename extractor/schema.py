"""The output contract v1 (``shared/spec/output-contract.md``) as frozen pydantic models.

This module is the leaf of the package: it imports nothing from ``extractor``.
Counts are ``int``, money is ``Decimal``, missing is ``None`` (never 0).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

SCHEMA_VERSION: Literal["1"] = "1"

Template = Literal["2021", "2019", "pre2019", "unknown"]
SourceFormat = Literal["txt", "html", "docx", "pdf", "image"]
SectionKey = Literal["overview", "active_disclosure", "applications", "review_litigation", "problems", "other"]
TableKey = Literal["active", "applications", "review"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CellStatus(StrEnum):
    """How a cell value came about. ``blank``: the source shows an empty cell; ``missing``: no cell found."""

    READ = "read"
    REPAIRED = "repaired"
    INFERRED = "inferred"
    BLANK = "blank"
    MISSING = "missing"


class CheckStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REPAIRED = "repaired"
    NOT_ASSESSABLE = "not_assessable"


class IssueCode(StrEnum):
    """Data problems found while reading a report (values, never exceptions)."""

    GLUED_DIGITS = "glued_digits"
    AMBIGUOUS_SPLIT = "ambiguous_split"
    SHORT_ROW = "short_row"
    EXTRA_VALUES = "extra_values"
    ROW_NOT_FOUND = "row_not_found"
    TABLE_NOT_FOUND = "table_not_found"
    RULE_FAILED = "rule_failed"
    UNPARSEABLE_VALUE = "unparseable_value"
    MOJIBAKE_REPAIRED = "mojibake_repaired"
    OCR_REREAD = "ocr_reread"
    ROW_BY_PLACE = "row_by_place"  # a row label printed in other words, read as the one template row missing there
    EDGE_BLANK = "edge_blank"  # a blank marker at a row's edge read as a cell or as layout, by the rules
    # a glued run split where the tagger reads its cells to start, no rule deciding (its confidence: that reading's)
    TAGGER_SPLIT = "tagger_split"


class Issue(_Frozen):
    code: IssueCode
    path: str = Field(description="cell key, table key or rule name the issue is about")
    detail: str = ""


def encodable(text: str) -> str:
    """``text`` as a string that always encodes as UTF-8: a file name's undecodable bytes (surrogate escapes,
    ``\udcff``) are written as ``\\xff``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        if all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text):
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SourceInfo(_Frozen):
    path: str = Field(description="the input's path; bytes that are not UTF-8 written as \\xNN escapes")
    format: SourceFormat
    encoding: str = Field(description="codec used to decode the bytes, plus repairs, e.g. 'gb18030+mojibake-repair'")

    @field_validator("path")
    @classmethod
    def _encodable(cls, path: str) -> str:
        return encodable(path)


class Meta(_Frozen):
    agency: str | None = None
    year: int | None = None
    published: str | None = Field(default=None, description="ISO date YYYY-MM-DD, None = not found")


class Section(_Frozen):
    title: str
    text: str = Field(description="section body in normalized text")
    span: tuple[int, int] = Field(description="half-open offsets into the original decoded text")


CellValue = int | Decimal | None


class Box(_Frozen):
    """Where a piece of text sits on a page: 1-based page number and a rectangle with a top-left origin.

    PDF points for PDF input (a text layer, or a page read by OCR scaled back to points), pixels for images.
    """

    page: int
    x0: float
    top: float
    x1: float
    bottom: float


class Cell(_Frozen):
    value: CellValue = Field(description="int for counts, Decimal for money/decimals, None = blank or not found")
    raw: str = Field(description="characters read from the original text at span")
    span: tuple[int, int] | None = Field(description="half-open offsets into the original decoded text")
    confidence: float
    status: CellStatus
    alternatives: list[list[Any]] = Field(default_factory=list, description="other readings the source supports")
    box: Box | None = Field(default=None, description="where the cell's characters sit on the page (PDF, images)")
    row_label: str | None = Field(default=None, description="the row's printed label, e.g. （一）予以公开")
    column_label: str | None = Field(default=None, description="the column's printed label, e.g. 商业企业")

    @field_serializer("value")
    def _value_json(self, value: CellValue) -> int | float | None:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
        return value


class Check(_Frozen):
    rule: str
    status: CheckStatus
    cells: list[str]
    detail: str = ""


class Review(_Frozen):
    needed: bool
    reasons: list[str] = Field(default_factory=list)


class Figure(_Frozen):
    """A figure outside the official tables (pre-2019 and narrative-only reports)."""

    label: str
    value: int | Decimal
    unit: str
    span: tuple[int, int]


class TextEnd(_Frozen):
    """The text stops inside a table (a web excerpt, a truncated file): cells after ``after`` are ``missing``
    because nothing printed them, not because they were unreadable."""

    table: TableKey
    after: str | None = Field(description="the last cell of the table that was read, None = none was")
    offset: int = Field(description="where the text ends: the length of the original decoded text")


class ErrorInfo(_Frozen):
    kind: str = Field(description="input_error | internal_error | timeout")
    message: str


class ExtractionOutput(_Frozen):
    """One JSON object per report: the output contract v1."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    doc_id: str = Field(description="sha256 of the raw input bytes (hex)")
    source: SourceInfo
    template: Template = "unknown"
    template_detail: dict[str, str] = Field(
        default_factory=dict, description="layout found per table, e.g. {'applications': '2019'} in a hybrid"
    )
    meta: Meta = Meta()
    sections: dict[SectionKey, Section] = Field(default_factory=dict)
    cells: dict[str, Cell] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)
    review: Review = Review(needed=False)
    text_end: TextEnd | None = Field(default=None, description="set when the text ends inside a table")
    issues: list[Issue] = Field(
        default_factory=list,
        description="what reading the tables found, typed (cell, row, table or rule path); review.reasons is "
        "derived from these, the cross-check notes and the failing checks",
    )
    figures: list[Figure] = Field(default_factory=list)
    confidence: float | None = Field(default=None, description="document confidence, None for error records")
    tagger: str | None = Field(default=None, description="which tagger read the text, with its version")
    error: ErrorInfo | None = Field(default=None, description="set only when the document could not be read")

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)
