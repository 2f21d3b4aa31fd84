"""``xxgk extract``: every report under the paths given, one output-contract record each (``batch.run_batch``)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from extractor.cli.common import EXIT_DOCUMENT_ERRORS, extractor_for, fail, need, tagger_name
from extractor.config import LIMITS

if TYPE_CHECKING:
    from extractor.extractor import Extractor


def extract(
    paths: Annotated[list[str], typer.Argument(help="files, folders or globs; '-' reads one document from stdin")],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="results file: .jsonl, .json, .csv or .xlsx; '-' writes JSONL to stdout"),
    ],
    tagger: Annotated[str, typer.Option(help="'model' (the shipped default) or 'rules' (the baseline)")] = "model",
    model: Annotated[Path | None, typer.Option(help="model directory (default: models/default or $XXGK_MODEL)")] = None,
    workers: Annotated[int, typer.Option(help="worker processes (0: in this process, no timeout)")] = -1,
    timeout: Annotated[
        float, typer.Option(help="seconds allowed per document (OCR takes about 8 s a page)")
    ] = LIMITS.batch_timeout,
    engine: Annotated[str, typer.Option(help="'local' (process pool) or 'ray' (pip install 'xxgk[ray]')")] = "local",
    calibration: Annotated[
        Path | None,
        typer.Option(help="confidence calibration file (default: the model's calibration.json, if it has one)"),
    ] = None,
    raw_confidence: Annotated[bool, typer.Option(help="leave confidences uncalibrated (for `xxgk calibrate`)")] = False,
    cross_check: Annotated[
        bool,
        typer.Option(help="with the model, also read each table with the rules; keep the reading its sums support"),
    ] = True,
    runtime: Annotated[
        str,
        typer.Option(help="the model's runtime: 'onnx', 'torch', or 'auto' (ONNX Runtime if the model has model.onnx)"),
    ] = "auto",
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no progress bar (progress goes to stderr)")] = False,
) -> None:
    """Read every report under PATHS and write one output-contract record per report.

    Re-running with the same output skips documents already done with the same tagger (by content hash), so
    an interrupted run picks up where it stopped. Exit status: 0 every document read, 1 some documents ended
    in an error record (all records are still written), 2 nothing was done (bad arguments or output).
    """
    _start_fork_server(workers != 0 and engine == "local" and "-" not in (*paths, str(output)))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from extractor.batch import run_batch
    from extractor.extractor import ExtractorSpec
    from extractor.io.readers import expand_paths
    from extractor.io.writers import OUTPUT_SUFFIXES

    streams = paths == ["-"] or str(output) == "-"
    if not streams and output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise fail("extract", f"unknown output format {output.name!r}: use {', '.join(OUTPUT_SUFFIXES)}")
    if engine == "ray":
        need("ray", "ray", "--engine ray")
    spec = ExtractorSpec(
        tagger, model, calibration, calibrate=not raw_confidence, cross_check=cross_check, runtime=runtime
    )
    if streams:
        _extract_streams(paths, str(output), extractor_for(spec))
        return
    name = tagger_name(spec)  # a bad model directory fails here, before any work; the model loads only if needed
    files = list(expand_paths(paths))
    if not files:
        raise fail("extract", f"no input files found in {' '.join(paths)}")
    n_workers = min(os.cpu_count() or 1, len(files)) if workers < 0 else workers
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    started = time.perf_counter()
    from rich.console import Console

    with Progress(*columns, disable=quiet, console=Console(stderr=True)) as bar:
        task = bar.add_task("extracting", total=len(files), rate="")
        first: list[int] = []

        def progress(done: int, total: int) -> None:
            if not first:  # documents skipped as already done do not count towards the rate
                first.append(done)
            rate = (done - first[0]) / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, rate=f"{rate:.1f} docs/s")

        try:
            summary = run_batch(
                files,
                output,
                spec,
                tagger_name=name,
                workers=n_workers,
                timeout=timeout,
                progress=progress,
                engine=engine,
                here=(lambda: extractor_for(spec)) if n_workers == 0 else None,
            )
        except OSError as exc:
            raise fail("extract", str(exc)) from exc
    typer.echo(f"→ {output}", err=True)
    for line in summary.lines():
        typer.echo(line, err=True)
    if summary.errors:
        raise typer.Exit(EXIT_DOCUMENT_ERRORS)


def _start_fork_server(pooled: bool) -> None:
    """For a run in worker processes (``pooled``): start the fork server they are forked from
    (``batch.worker_pool``) now, with the extractor imported in it, so that its imports run beside this process's
    instead of after them in each worker (one document: 0.91 s instead of 1.01 s on an idle machine, 1.2 s instead
    of 1.5 s on a busy one)."""
    if not pooled:
        return
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.set_forkserver_preload(["extractor.batch"])
    forkserver.ensure_running()


def _extract_streams(paths: list[str], output: str, loaded: Extractor) -> None:
    """``-`` in or out: in this process, no journal; stdin is one document, stdout gets JSONL."""
    from extractor.io.readers import expand_paths
    from extractor.io.writers import jsonl_text, write_outputs

    if paths == ["-"]:
        results = [loaded.extract_bytes("-", sys.stdin.buffer.read())]
    else:
        results = [loaded.extract_path(p) for p in expand_paths(paths)]
    if output == "-":
        sys.stdout.write(jsonl_text(results))
        sys.stdout.flush()
    else:
        try:
            write_outputs(Path(output), results)
        except (OSError, ValueError) as exc:
            raise fail("extract", str(exc)) from exc
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_DOCUMENT_ERRORS)


def register(app: typer.Typer) -> None:
    app.command()(extract)
