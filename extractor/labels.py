"""The tag set shared by the rule tagger and the model: a fixed, sorted, versioned BIO tuple.

Entity types (a span's ``label``):
SECTION  section heading 一、…六、            TITLE_ITEM  table title 第二十条第(X)项
ROW      row label of a table               COL         column header
VALUE    a cell value (digits, sign, unit)  BLANK       a blank-cell marker (—, /, -, 无, empty HTML cell)
NOISE    page chrome, page numbers, footnotes inside tables
"""

from __future__ import annotations

LABEL_SET_VERSION = "1"
ENTITY_TYPES: tuple[str, ...] = ("BLANK", "COL", "NOISE", "ROW", "SECTION", "TITLE_ITEM", "VALUE")
LABELS: tuple[str, ...] = ("O", *sorted(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))
