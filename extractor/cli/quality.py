"""``xxgk evaluate``, ``calibrate`` and ``evaluate-synthetic``: how right the outputs are, and how sure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from extractor.cli.common import fail, tagger_for


def evaluate(
    outputs: Annotated[Path, typer.Argument(help="results .jsonl from `xxgk extract`")],
    gold_dir: Annotated[Path, typer.Argument(help="folder of gold JSON files")],
    spans: Annotated[
        Path | None, typer.Option(help="labelled corpus (.jsonl[.gz]): also report span F1 per label (seqeval)")
    ] = None,
    tagger: Annotated[str, typer.Option(help="tagger scored on --spans")] = "model",
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
) -> None:
    """Cell accuracy per table, template, input format and file; tables passing all rules; span F1 with --spans."""
    from extractor.evaluate import calibration_report, format_report, load_outputs
    from extractor.evaluate import evaluate as run

    if not outputs.is_file() or outputs.suffix.lower() not in (".jsonl", ".json"):
        why = "no such file" if not outputs.is_file() else "not a .jsonl results file (write one with -o out.jsonl)"
        raise fail("evaluate", f"{outputs}: {why}")
    if not gold_dir.is_dir():
        raise fail("evaluate", f"{gold_dir}: no such folder of gold files")
    try:
        report = run(load_outputs(outputs), gold_dir)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail("evaluate", f"{outputs}: not JSONL results ({exc})") from exc
    if report.missing_outputs:
        typer.echo(
            f"warning: {len(report.missing_outputs)} gold files have no output: {', '.join(report.missing_outputs)}",
            err=True,
        )
    typer.echo(format_report(report))
    typer.echo(calibration_report(report))
    if spans is not None:
        from extractor.corpus import read_corpus
        from extractor.evaluate import span_report

        typer.echo(span_report(list(read_corpus(spans)), tagger_for(tagger, model)))


def calibrate(
    outputs: Annotated[Path, typer.Argument(help="results .jsonl from `xxgk extract --raw-confidence`")],
    gold_dir: Annotated[Path, typer.Argument(help="folder of gold JSON files")],
    output: Annotated[Path, typer.Option("-o", "--output", help="calibration file to write")],
    synthetic: Annotated[int, typer.Option(help="generated reports added to the fit (gold holds few errors)")] = 200,
    seed: Annotated[int, typer.Option(help="first seed of those reports")] = 3_000_000,
    check: Annotated[int, typer.Option(help="held-out generated reports to measure the map on")] = 100,
    tagger: Annotated[str, typer.Option(help="the tagger the outputs were made with")] = "model",
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
) -> None:
    """Fit the map from cell confidence to observed accuracy (isotonic) on the gold outputs plus generated
    reports with exact truth, save it, and show its reliability on held-out generated reports. `xxgk extract`
    applies a model's calibration.json by default."""
    from extractor.evaluate import evaluate as run
    from extractor.evaluate import load_outputs
    from training.synthetic import calibrate_on

    report = run(load_outputs(outputs), gold_dir)
    held = range(seed + synthetic, seed + synthetic + check)
    gold = [(c, ok) for _, c, ok in report.cell_confidence]
    fitted_on = f"{len(report.by_file)} gold files"
    fitted = calibrate_on(gold, tagger_for(tagger, model), range(seed, seed + synthetic), held, fitted_on)
    fitted.calibration.save(output)
    for table in fitted.tables():
        typer.echo(table)
    typer.echo(f"→ {output}")


def evaluate_synthetic(
    n: Annotated[int, typer.Option(help="number of generated reports")] = 200,
    seed: Annotated[int, typer.Option(help="first seed (training corpora use 0…; keep this far away)")] = 1_000_000,
    tagger: Annotated[list[str] | None, typer.Option(help="taggers to compare (default: model and rules)")] = None,
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
) -> None:
    """End-to-end cell accuracy on held-out generated reports, per layout, for each tagger."""
    from training.synthetic import synthetic_accuracy

    for name in tagger or ["model", "rules"]:
        chosen = tagger_for(name, model)
        for layout, tally in sorted(synthetic_accuracy(range(seed, seed + n), chosen).items()):
            typer.echo(f"{chosen.name:<28} {layout:<8} {tally}")


def view(
    path: Annotated[
        Path, typer.Argument(help="a report (txt, html, docx, pdf, image), or a results .jsonl with --gold")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="the HTML page (default: NAME.html here)")
    ] = None,
    gold: Annotated[Path | None, typer.Option(help="gold folder: RESULTS.jsonl becomes an evaluation page")] = None,
    tagger: Annotated[str, typer.Option(help="'model' or 'rules'")] = "model",
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
    cross_check: Annotated[bool, typer.Option(help="cross-check the model with the rules, as extract does")] = True,
) -> None:
    """One self-contained HTML page: a report's tables, cells, doubts and source text (the review page), or,
    for a results file and --gold, its evaluation with a review page per document beside it."""
    from extractor.cli.common import extractor_for
    from extractor.extractor import ExtractorSpec
    from extractor.io.writers import atomic_write_text

    if not path.is_file():
        raise fail("view", f"{path}: no such file")
    target = output or Path(f"{path.name.rsplit('.', 1)[0]}.html")
    if path.suffix.lower() == ".jsonl":
        if gold is None or not gold.is_dir():
            raise fail("view", "a results file is shown against gold: give --gold GOLD_DIR (a folder)")
        _evaluation(path, gold, target)
        return
    if gold is not None:
        raise fail("view", "--gold goes with a results .jsonl, not with a report")
    extractor = extractor_for(ExtractorSpec(tagger, model, cross_check=cross_check))
    from extractor.errors import InputError
    from extractor.io.readers import read_bytes

    try:
        data = read_bytes(path)
    except InputError as exc:
        raise fail("view", str(exc)) from exc
    atomic_write_text(target, extractor.review_page(str(path), data))
    typer.echo(f"→ {target}", err=True)


def _evaluation(results: Path, gold: Path, target: Path) -> None:
    """The evaluation page, and beside it ``<page>_pages/<stem>.html`` for each record whose report is found."""
    from extractor.calibration import reliability
    from extractor.evaluate import evaluate as run
    from extractor.evaluate import load_outputs
    from extractor.io.writers import atomic_write_text
    from extractor.view import evaluation_page

    try:
        outputs = load_outputs(results)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail("view", f"{results}: not JSONL results ({exc})") from exc
    report = run(outputs, gold)
    rel = reliability([c for _, c, _ in report.cell_confidence], [r for *_, r in report.cell_confidence])
    pages = target.parent / f"{target.name.rsplit('.', 1)[0]}_pages"
    pages.mkdir(parents=True, exist_ok=True)
    links = {}
    for stem in report.by_file:
        record = outputs.get(stem)
        if record is None:
            continue
        atomic_write_text(pages / f"{stem}.html", _record_page(record))
        links[stem] = f"{pages.name}/{stem}.html"
    atomic_write_text(target, evaluation_page(report, rel if rel.n else None, links, results.name))
    typer.echo(f"{report.cells} cells right → {target} (and {len(links)} pages in {pages})", err=True)


def _record_page(record: dict) -> str:
    """A review page from a record alone: its report read again for the original text and page pictures (an
    image is not read again: that would be OCR a second time)."""
    from extractor.errors import InputError
    from extractor.io.pictures import page_pictures
    from extractor.io.readers import read_bytes, source_from_bytes
    from extractor.schema import ExtractionOutput
    from extractor.view import review_page

    out = ExtractionOutput.model_validate(record)
    path = Path(out.source.path)
    if out.source.format == "image" or not path.is_file():
        return review_page(out, None)
    try:
        data = read_bytes(path)
        source = source_from_bytes(str(path), data)
    except InputError:
        return review_page(out, None)
    if source.doc_id != out.doc_id:  # the file changed since: its offsets would point elsewhere
        return review_page(out, None)
    pages = {c.box.page for c in out.cells.values() if c.box is not None}
    return review_page(out, source.raw_text, page_pictures(source, data, pages))


def register(app: typer.Typer) -> None:
    app.command()(view)
    app.command()(evaluate)
    app.command()(calibrate)
    app.command("evaluate-synthetic")(evaluate_synthetic)
