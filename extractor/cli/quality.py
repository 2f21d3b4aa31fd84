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
    fitted = calibrate_on(report, tagger_for(tagger, model), range(seed, seed + synthetic), held)
    fitted.calibration.save(output)
    for table in fitted.tables:
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


def register(app: typer.Typer) -> None:
    app.command()(evaluate)
    app.command()(calibrate)
    app.command("evaluate-synthetic")(evaluate_synthetic)
