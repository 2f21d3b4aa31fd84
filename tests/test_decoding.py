"""Constrained decoding of per-character label probabilities: never an illegal BIO sequence, and the plain
argmax whenever that is already legal."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.labels import LABELS
from extractor.tagging.alignment import tags_to_spans
from extractor.tagging.windows import ALLOWED, viterbi

N = len(LABELS)


def _legal(tags: list[int]) -> bool:
    if tags and LABELS[tags[0]].startswith("I-"):
        return False
    return all(ALLOWED[a, b] for a, b in itertools.pairwise(tags))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_decoded_tags_are_always_a_legal_bio_sequence(n: int, seed: int):
    dist = np.random.default_rng(seed).dirichlet(np.full(N, 0.3), size=n)
    assert _legal(viterbi(dist).tolist())


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.02, 0.3, 3.0]),
    st.none() | st.integers(0, N - 1),
    st.none() | st.integers(0, N - 1),
)
def test_decoding_by_stretches_finds_the_optimum_of_the_whole(
    n: int, seed: int, spread: float, after: int | None, before: int | None
):
    """Decoding only around the places the argmax breaks the constraints gives a path as probable as the full
    dynamic programme's, under the same edge constraints."""
    from extractor.tagging.windows import _START_OK, _viterbi

    dist = np.random.default_rng(seed).dirichlet(np.full(N, spread), size=n)
    logp = np.log(np.clip(dist, 1e-12, 1.0))
    first_ok = _START_OK if after is None else ALLOWED[after]
    last_ok = np.ones(N, dtype=bool) if before is None else ALLOWED[:, before]
    fast, full = viterbi(dist, after, before), _viterbi(logp, first_ok, last_ok)
    assert first_ok[fast[0]] and last_ok[fast[-1]] and all(ALLOWED[a, b] for a, b in itertools.pairwise(fast))
    rows = np.arange(n)
    assert logp[rows, fast].sum() >= logp[rows, full].sum() - 1e-9


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_a_legal_argmax_is_kept(n: int, seed: int):
    dist = np.random.default_rng(seed).dirichlet(np.full(N, 0.3), size=n)
    argmax = dist.argmax(-1).tolist()
    if _legal(argmax):
        assert viterbi(dist).tolist() == argmax


def test_a_digit_run_is_one_value_even_when_each_digit_looks_like_a_start():
    b, i, o = LABELS.index("B-VALUE"), LABELS.index("I-VALUE"), LABELS.index("O")
    dist = np.full((3, N), 0.001)
    dist[0, b], dist[1, b], dist[1, i], dist[2, o] = 0.9, 0.6, 0.3, 0.9  # "21\t"
    tags = [LABELS[t] for t in viterbi(dist)]
    assert [(s.start, s.end, s.label) for s in tags_to_spans(tags)] == [(0, 2, "VALUE")]


def _spans(text: str, marked: list[tuple[str, str]]) -> list:  # type: ignore[type-arg]
    """Spans over the first occurrence (after the previous one) of each (piece, label)."""
    from extractor.types import Span

    out, pos = [], 0
    for piece, label in marked:
        start = text.index(piece, pos)
        out.append(Span(start, start + len(piece), label, 0.5))
        pos = start + len(piece)
    return out


def test_a_sign_read_as_a_blank_marker_joins_its_number():
    from extractor.tagging.alignment import whole_numbers

    text = "其他对外管理服务事项\n587\n-415\n4789\n- 12"
    spans = _spans(text, [("其他对外管理服务事项", "ROW"), ("587", "VALUE"), ("-", "BLANK"), ("415", "VALUE"),
                          ("4789", "VALUE"), ("-", "BLANK"), ("12", "VALUE")])  # fmt: skip
    got = [(text[s.start : s.end], s.label) for s in whole_numbers(text, spans)]
    assert got == [("其他对外管理服务事项", "ROW"), ("587", "VALUE"), ("-415", "VALUE"), ("4789", "VALUE"),
                   ("-", "BLANK"), ("12", "VALUE")]  # fmt: skip


def test_a_value_takes_in_the_untagged_digits_it_touches_but_not_a_labels_dot():
    from extractor.tagging.alignment import whole_numbers

    text = "1 6 20\n五、存在 12.3.要求 4.5"
    spans = _spans(text, [("1", "VALUE"), ("6", "VALUE"), ("2", "VALUE"), ("五、存在", "SECTION"), ("12", "VALUE"),
                          ("3.要求", "ROW"), ("4", "VALUE")])  # fmt: skip
    got = [text[s.start : s.end] for s in whole_numbers(text, spans) if s.label == "VALUE"]
    assert got == ["1", "6", "20", "12", "4.5"]


@given(
    markers=st.lists(st.sampled_from(["——", "—", "--", "-", "/", "无", "———"]), min_size=1, max_size=6),
    sep=st.sampled_from(["\t", " ", "\n", "|"]),
)
def test_a_blank_marker_tagged_a_dash_at_a_time_is_one_cell(markers: list[str], sep: str):
    from extractor.tagging.alignment import whole_blanks
    from extractor.types import Span

    text = sep.join(markers)
    spans, pos = [], 0
    for marker in markers:  # the model's B-BLANK on every character, as it does on ——
        spans += [Span(pos + i, pos + i + 1, "BLANK") for i in range(len(marker))]
        pos += len(marker) + len(sep)
    got = [text[s.start : s.end] for s in whole_blanks(text, spans)]
    assert got == markers


@given(a=st.integers(0, 9999), b=st.integers(1, 999), sign=st.sampled_from("+-"))
def test_a_sign_inside_a_value_the_model_read_whole_starts_the_next_value(a: int, b: int, sign: str):
    """``80-10`` tagged as one VALUE (a glued run is one span by the label convention) is two values, ``80``
    and ``-10``: a number never holds a sign inside it. The rule tagger reads it the same way."""
    from extractor.tagging.alignment import whole_numbers

    text = f"行政事业性收费{a}{sign}{b}第二十条"
    spans = _spans(text, [("行政事业性收费", "ROW"), (f"{a}{sign}{b}", "VALUE"), ("第二十条", "TITLE_ITEM")])
    got = [text[s.start : s.end] for s in whole_numbers(text, spans) if s.label == "VALUE"]
    assert got == [str(a), f"{sign}{b}"]


def test_a_label_the_model_tagged_in_part_is_made_whole_over_the_untagged_characters_touching_it():
    from extractor.tagging.alignment import whole_labels

    text = "行政奖励\t98\t65\n行政许可\t6984"
    spans = _spans(text, [("行政", "ROW"), ("98", "VALUE"), ("65", "VALUE"), ("行政许可", "ROW"), ("6984", "VALUE")])
    got = [(text[s.start : s.end], s.label) for s in whole_labels(text, spans)]
    assert got[0] == ("行政奖励", "ROW") and got[3] == ("行政许可", "ROW")


def test_a_value_span_without_a_digit_is_no_value():
    from extractor.tagging.alignment import whole_numbers

    text = "社会\t12"
    spans = _spans(text, [("社", "COL"), ("会", "VALUE"), ("12", "VALUE")])
    assert [text[s.start : s.end] for s in whole_numbers(text, spans) if s.label == "VALUE"] == ["12"]


def _decode(text: str, dist: np.ndarray) -> list[tuple[str, str]]:
    from extractor.tagging.windows import conventional, spans_of

    dist = conventional(text, dist)
    return [(text[s.start : s.end], s.label) for s in spans_of(text, dist, viterbi(dist))]


def _confident(text: str, tags: list[str], p: float = 0.9) -> np.ndarray:
    """A distribution that puts ``p`` on each character's tag and spreads the rest."""
    dist = np.full((len(text), N), (1 - p) / (N - 1))
    for i, tag in enumerate(tags):
        dist[i, LABELS.index(tag)] = p
    return dist


def test_a_digit_the_model_reads_as_starting_a_new_value_inside_a_run_continues_the_run():
    text = "\n173件\n"
    dist = _confident(text, ["O", "B-VALUE", "B-VALUE", "I-VALUE", "B-NOISE", "O"])
    assert _decode(text, dist) == [("173", "VALUE")]  # was 1 | 73件 read as noise


@given(
    st.sampled_from("件条个项次篇"),
    st.integers(0, 9999),
    st.sampled_from(["\n", "\t", "|"]),
    st.sampled_from(["O", "NOISE"]),
    st.sampled_from(["O", "B-ROW", "I-NOISE"]),
)
def test_a_count_with_its_unit_filling_its_cell_is_a_value_whatever_the_model_made_of_it(
    unit: str, n: int, edge: str, digits_read_as: str, unit_read_as: str
):
    text = f"{edge}{n}{unit}{edge}"
    digits = len(str(n))
    read = ["O"] * digits if digits_read_as == "O" else ["B-NOISE"] + ["I-NOISE"] * (digits - 1)
    unit_tag = "O" if unit_read_as == "I-NOISE" and digits_read_as == "O" else unit_read_as
    dist = _confident(text, ["O", *read, unit_tag, "O"], p=0.8)
    assert _decode(text, dist) == [(str(n), "VALUE")]


def test_a_count_the_model_reads_as_a_labels_digits_stays_a_label():
    text = "\n2件\n"
    assert _decode(text, _confident(text, ["O", "B-ROW", "I-ROW", "O"])) == [("2件", "ROW")]


def test_a_count_of_the_prose_stays_what_the_model_read():
    text = "全年共受理申请15件,办结14件。"
    tags = ["O"] * len(text)
    assert _decode(text, _confident(text, tags)) == []


def test_a_label_the_model_cut_in_two_is_one_label_unless_the_second_part_has_its_own_numbering():
    from extractor.tagging.alignment import whole_labels

    text = "|3.其他|0|\n2.其他法律行政法规禁止公开\n(三)不予公开1.属于国家秘密\n3.其他 0\n总计 5 4.属于"
    spans = _spans(text, [("3.", "ROW"), ("其他", "ROW"), ("0", "VALUE"), ("2.其他法律", "ROW"),
                          ("行政法规禁止公开", "ROW"), ("(三)不予公开", "ROW"), ("1.属于国家秘密", "ROW"),
                          ("3", "ROW"), ("其他", "ROW"), ("总计", "ROW"), ("5", "VALUE"), ("4", "ROW"),
                          ("属于", "ROW")])  # fmt: skip
    got = [text[s.start : s.end] for s in whole_labels(text, spans) if s.label == "ROW"]
    assert got == ["3.其他", "2.其他法律行政法规禁止公开", "(三)不予公开", "1.属于国家秘密", "3.其他", "总计", "4.属于"]


@given(
    st.integers(0, 999),
    st.sampled_from(["", "个", "件"]),
    st.sampled_from([" ", "\t", "  "]),
    st.sampled_from(["0", "12", "—", "/"]),
)
def test_a_number_followed_by_the_next_cell_is_no_rows_numbering(n: int, unit: str, gap: str, after: str):
    """``(四)无法提供\\n3 0 0`` and ``3.其他 3个 15个``: a model reading the first number as part of a row label
    (PDF text where labels drift off their values' line) is overruled; ``3.其他`` and ``3 .其他`` stay labels."""
    text = f"\n{n}{unit}{gap}{after}\n"
    digits = len(str(n))
    tags = ["O", "B-ROW", *["I-ROW"] * (digits - 1 + len(unit)), *["O"] * len(gap), *_value_tags(after), "O"]
    assert _decode(text, _confident(text, tags, p=0.9))[0] == (str(n), "VALUE")
    label = f"\n{n}{gap}.其他\n"
    tags = ["O", "B-ROW", *["I-ROW"] * (len(label) - 3), "O"]
    assert _decode(label, _confident(label, tags)) == [(f"{n}{gap}.其他", "ROW")]


def _value_tags(cell: str) -> list[str]:
    kind = "VALUE" if cell[0].isdigit() else "BLANK"
    return [f"B-{kind}", *[f"I-{kind}"] * (len(cell) - 1)]


@given(marker=st.sampled_from(["-", "—", "——", "/", "无"]), sep=st.sampled_from([" ", "\t", "|"]))
def test_a_blank_mark_the_model_reads_as_a_value_is_a_blank_cell_but_a_sign_stays_a_sign(marker: str, sep: str):
    """``24 37 -`` with ``-`` read as a value (a value with no digit would be dropped, and the row's cells shift):
    a blank cell. ``-361`` keeps its sign."""
    text = f"24{sep}{marker}{sep}-361\n"
    tags = ["B-VALUE", "I-VALUE", "O", "B-VALUE", *["I-VALUE"] * (len(marker) - 1), "O", "B-VALUE"]
    tags += ["I-VALUE"] * 3 + ["O"]
    assert _decode(text, _confident(text, tags, 0.7)) == [("24", "VALUE"), (marker, "BLANK"), ("-361", "VALUE")]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=8), st.integers(1, 9), st.floats(0.6, 0.95))
def test_a_value_glued_before_the_next_rows_numbering_keeps_its_digits(run: list[int], k: int, p: float):
    """``20000022.申请人…`` (a one-line dump: the row's values, then the next row's ``2.``): the template numbers no
    row past 9, so a model reading the run's last digit as the numbering's too is overruled; the numbering stays."""
    digits = "".join(map(str, run))
    label = f"{k}.申请人逾期"
    text = f" {digits}{label} "
    tags = ["O", *(["B-VALUE"] + ["I-VALUE"] * (len(digits) - 2) if len(digits) > 1 else []), "B-ROW"]
    tags += ["I-ROW"] * len(label) + ["O"]
    assert _decode(text, _confident(text, tags, p=p)) == [(digits, "VALUE"), (label, "ROW")]
