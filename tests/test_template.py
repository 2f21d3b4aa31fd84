"""The template is data in one place, and everything that reads labels derives from it: every printed label is
found as its own row, every printed header as a column, and a label broken over lines is joined again."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from extractor import template as tpl
from extractor.io.readers import source_from_bytes
from extractor.normalize import normalize
from extractor.tagging.rules import COL_RX

LAYOUTS = ("2019", "2021")


def test_every_printed_row_label_is_read_as_its_own_row_in_every_layout():
    for layout in LAYOUTS:
        for table in ("active", "applications"):
            rows = tpl.table_rows(table, layout)
            for row in rows:
                printed = tpl.ACTIVE_PRINTED[row.key] if table == "active" else (tpl.APPLICATION_PRINTED[row.key],)
                for label in printed:
                    first = next(r for r in rows if r.regex.search(label))  # the assembler's choice
                    assert first.key == row.key, (layout, label, first.key)


def test_every_printed_column_header_is_a_column_for_the_rule_tagger():
    headers = [h for hs in (tpl.ACTIVE_HEADERS_2019, tpl.ACTIVE_HEADERS_2021) for cols in hs.values() for h in cols]
    for header in [*headers, *tpl.APPLICANT_HEADER, *tpl.REVIEW_HEADER]:
        if header == "其他":  # a column only between cells: tpl.COLUMN_VARIANTS
            assert COL_RX.search(" 其他 ")
            continue
        assert COL_RX.fullmatch(header), header


def test_every_column_a_table_has_carries_a_printed_label():
    for table in ("active", "applications", "review"):
        for column in tpl.table_columns(table):
            assert f"{table}.{column}" in tpl.COLUMN_LABELS
    for layout in LAYOUTS:
        for key in tpl.table_keys("applications", layout) + tpl.table_keys("active", layout):
            row, column = tpl.cell_labels(key)
            assert row and column


@given(data=st.data())
def test_a_printed_label_broken_by_a_line_break_anywhere_is_joined_again(data):
    term = data.draw(st.sampled_from(tpl.join_terms()))
    cut = data.draw(st.integers(1, len(term) - 1))
    text = f"前文\n{term[:cut]}\n{term[cut:]}\t12\n"
    doc = normalize(source_from_bytes("t.txt", text.encode("utf-8")))
    assert term in doc.text, (term, doc.text)


def test_the_last_character_of_a_broken_header_before_a_tab_is_no_sign_of_the_next_cell():
    """``本年增/`` / ``减<tab>12``: 减 ends the header 本年增/减; a tab after a sign word starts another cell."""
    doc = normalize(source_from_bytes("t.txt", "前文\n本年增/\n减\t12\n".encode()))
    assert "本年增/减" in doc.text and "-12" not in doc.text
