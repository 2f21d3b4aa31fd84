"""Each layout family of the real world's mess (``training/families.py``), generated with exact truth:
every cell of a found table is in the output, a cut text says where it ends, and the default reader (the
model cross-checked by the rules) leaves no cell silently wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import template as tpl
from extractor.evaluate import same_value
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.schema import IssueCode
from extractor.tagging.rules import RuleTagger
from training.families import FAMILIES, LAYOUTS_OF, with_family
from training.synth import generate

RULES = RuleTagger()


def _read(seed: int, family: str, tagger, cross_check=None):  # type: ignore[no-untyped-def]
    report = with_family(generate(seed), family, seed)
    source = source_from_bytes(f"{family}.txt", report.text.encode("utf-8"))
    out = extract(source, tagger=tagger, cross_check=cross_check)
    return report, out


def _silently_wrong(report, out) -> list[str]:  # type: ignore[no-untyped-def]
    flagged = {k for c in out.checks if c.status.value in ("fail", "not_assessable") for k in c.cells}
    wrong = []
    for key, want in report.cells.items():
        got = out.cells.get(key)
        if got is None or same_value(got.value, want):
            continue
        if got.status.value in ("read", "blank") and got.confidence >= 0.9 and key not in flagged:
            wrong.append(f"{key}: want {want} got {got.value}")
    return wrong


@given(seed=st.integers(0, 100_000), family=st.sampled_from(FAMILIES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_cell_of_a_found_table_is_in_the_output_in_every_family(seed: int, family: str):
    report, out = _read(seed, family, RULES)
    for table, layout in out.template_detail.items():
        missing = set(tpl.table_keys(table, layout)) - set(out.cells)
        assert not missing, (family, table, sorted(missing)[:3])
    if family == "cut" and len(report.text) < len(generate(seed).text):
        assert out.text_end is not None


def test_each_family_changes_the_text_and_keeps_labels_on_their_characters():
    for family in FAMILIES[1:]:
        changed = applicable = 0
        for seed in range(30):
            plain, report = generate(seed), with_family(generate(seed), family, seed)
            if plain.style.layout not in LAYOUTS_OF.get(family, (plain.style.layout,)):
                assert report.text == plain.text, (family, seed)
                continue
            applicable += 1
            changed += report.text != plain.text
            for span in report.spans:
                assert report.text[span.start : span.end].strip(), (family, seed, span)
            cells = [(sp.start, sp.end) for sp in report.spans if sp.label in ("VALUE", "BLANK")]
            for key, (start, end) in report.positions.items():
                assert report.text[start:end].strip(), (family, seed, key)
                # a printed cell is still labelled a cell (a glued run's cells inside its one VALUE span)
                assert any(a <= start and end <= b for a, b in cells), (family, seed, key)
        assert changed >= applicable / 2 > 0, family


@pytest.mark.model
@given(seed=st.integers(0, 100_000), family=st.sampled_from(FAMILIES))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_default_reader_leaves_no_cell_silently_wrong_in_any_family(seed: int, family: str, shipped_model):
    report, out = _read(seed, family, shipped_model, RULES)
    assert not _silently_wrong(report, out), family


@pytest.fixture(scope="module")
def shipped_model():  # type: ignore[no-untyped-def]
    from extractor.tagging.load import load_tagger

    return load_tagger("model")


@given(seed=st.integers(0, 100_000), family=st.sampled_from(FAMILIES))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_output_carries_typed_issues_and_its_reasons_are_derived_from_them(seed: int, family: str):
    _, out = _read(seed, family, RULES)
    shown = [f"{i.path}: {i.code.value}: {i.detail}" for i in out.issues if i.code is not IssueCode.ROW_NOT_FOUND]
    assert out.review.reasons[: len(shown)] == shown[:50]
    for issue in out.issues:  # each names a cell, a row, a table or a rule of the template
        assert issue.path.split(".", 1)[0] in ("active", "applications", "review"), issue
    found = set(out.template_detail)
    assert not any(i.code is IssueCode.ROW_NOT_FOUND and i.path.split(".", 1)[0] not in found for i in out.issues)


def test_training_data_takes_the_families_a_config_names_in_turn():
    from training.corpora import synthetic_examples

    names = [ex.id for ex in synthetic_examples(range(4), families=("plain", "count_units"))]
    assert names == ["synth-0-plain", "synth-1-count_units", "synth-2-plain", "synth-3-count_units"]
    assert [ex.id for ex in synthetic_examples(range(2))] == ["synth-0", "synth-1"]
    with pytest.raises(ValueError, match="unknown layout families"):
        list(synthetic_examples(range(1), families=("no_such_family",)))
