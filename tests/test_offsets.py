"""The offset map is exact: every normalized character points back to the raw text it came from."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.io.readers import source_from_bytes
from extractor.normalize import apply_edits, normalize

CHARS = st.sampled_from(list("0123456789 \t\n\xa0\u3000（）、。商业企业自然人總計報(bào)告-1-｜/—第页１２３ab"))


@st.composite
def text_and_edits(draw):
    text = draw(st.text(CHARS, max_size=60))
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits, pos = [], 0
    for a, b in zip(points[::2], points[1::2], strict=False):
        if a >= pos:
            edits.append((a, b, draw(st.text(CHARS, max_size=3))))
            pos = b
    return text, edits


@given(text_and_edits())
def test_apply_edits_keeps_unchanged_characters_pointing_at_themselves(case):
    text, edits = case
    new, offsets = apply_edits(text, edits)
    assert len(offsets) == len(new)
    for i, ch in enumerate(new):
        s, e = offsets.source_span(i, i + 1)
        assert 0 <= s <= e <= len(text)
        if e - s == 1 and not any(a <= s < b for a, b, _ in edits):
            assert text[s] == ch


@settings(max_examples=150, deadline=None)
@given(st.text(CHARS, min_size=1, max_size=80))
def test_normalized_spans_map_inside_the_raw_text_in_order(raw):
    source = source_from_bytes("x.txt", (raw + "x").encode("utf-8"))
    doc = normalize(source)
    last = 0
    for i in range(len(doc.text)):
        s, e = doc.raw_span(i, i + 1)
        assert 0 <= s <= e <= len(source.raw_text)
        assert s >= last or e == s  # monotone, synthetic characters aside
        last = max(last, s)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 99999), min_size=7, max_size=7), st.sampled_from(["\n", "\t", " ", "\n\n"]))
def test_digits_survive_normalization_with_exact_raw_text(values, sep):
    widths = str.maketrans("0123456789", "０１２３４５６７８９")
    raw = "一、本年新收政府信息公开申请数量" + sep + sep.join(str(v).translate(widths) for v in values)
    doc = normalize(source_from_bytes("x.txt", raw.encode("utf-8")))
    for v in values:
        idx = doc.text.find(str(v))
        assert idx >= 0
        assert doc.raw(idx, idx + len(str(v))) == str(v).translate(widths)


def test_a_page_number_line_goes_but_dashes_and_a_number_on_separate_lines_are_table_cells():
    raw = "规章\n—\n30\n34\n规范性文件\n—\n29\n—\n- 3 -\n第2页 共8页\n行政许可\n10088\n"
    text = normalize(source_from_bytes("r.txt", raw.encode("utf-8"))).text
    assert "—\n29\n—" in text
    assert "- 3 -" not in text and "第2页" not in text


@st.composite
def offset_maps(draw, source_len: int | None = None):
    """An offset map over a source of ``source_len`` characters: ordered, possibly empty or widened ranges."""
    from array import array

    from extractor.offsets import OffsetMap

    n_source = draw(st.integers(0, 12)) if source_len is None else source_len
    starts, ends = array("q"), array("q")
    for _ in range(draw(st.integers(0, 12))):
        s = draw(st.integers(0, n_source))
        starts.append(s)
        ends.append(draw(st.integers(s, n_source)))
    return OffsetMap(starts, ends, n_source)


@given(st.data())
def test_composed_maps_send_each_character_where_the_two_steps_do(data):
    outer = data.draw(offset_maps())
    inner = data.draw(offset_maps(source_len=len(outer)))
    composed = outer.then(inner)
    assert composed.source_len == outer.source_len
    assert [(composed.starts[i], composed.ends[i]) for i in range(len(inner))] == [
        outer.source_span(inner.starts[i], inner.ends[i]) for i in range(len(inner))
    ]
