"""The ``xxgk`` command: thin shells over library functions."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from extractor import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Extract the tables of 政府信息公开工作年度报告.")


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="files, folders or globs")],
    output: Annotated[Path, typer.Option("-o", "--output", help="results file: .jsonl or .csv")],
    tagger: Annotated[str, typer.Option(help="'rules' (the baseline tagger)")] = "rules",
    quiet: Annotated[bool, typer.Option("-q", "--quiet")] = False,
) -> None:
    """Read every report under PATHS and write one output-contract JSON object per report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from extractor.io.readers import expand_paths
    from extractor.io.writers import write_outputs
    from extractor.pipeline import extract_many
    from extractor.tagging.rules import RuleTagger

    if tagger != "rules":
        raise typer.BadParameter(f"unknown tagger {tagger!r}; available: rules", param_hint="--tagger")
    files = list(expand_paths(paths))
    if not files:
        typer.echo("no input files found", err=True)
        raise typer.Exit(2)
    results = []
    timings: list[tuple[float, str]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=quiet, transient=False) as bar:
        task = bar.add_task("extracting", total=len(files))
        for out, seconds in extract_many(files, tagger=RuleTagger()):
            results.append(out)
            timings.append((seconds, out.source.path))
            bar.advance(task)
    write_outputs(output, results)
    status = Counter("error" if o.error else "review" if o.review.needed else "ok" for o in results)
    failed = Counter(c.rule.split(".")[0] for o in results for c in o.checks if c.status == "fail")
    typer.echo(
        f"{len(results)} documents → {output}: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())), err=True
    )
    if failed:
        typer.echo("failed checks by table: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())), err=True)
    slowest = sorted(timings, reverse=True)[:3]
    typer.echo("slowest: " + ", ".join(f"{Path(p).name} {s:.2f}s" for s, p in slowest), err=True)


@app.command()
def evaluate(
    outputs: Annotated[Path, typer.Argument(help="results .jsonl from `xxgk extract`")],
    gold_dir: Annotated[Path, typer.Argument(help="folder of gold JSON files")],
) -> None:
    """Cell accuracy per table, per template, per input format and per file; share of tables passing all rules."""
    from extractor.evaluate import evaluate as run
    from extractor.evaluate import format_report, load_outputs

    typer.echo(format_report(run(load_outputs(outputs), gold_dir)))


def entry() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
