"""The ``xxgk`` command: thin shells over library functions."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from extractor import __version__
from extractor.config import LIMITS

HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings=HELP,
    help="Extract the tables of 政府信息公开工作年度报告.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="log debug messages to stderr")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
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
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no progress bar (progress goes to stderr)")] = False,
) -> None:
    """Read every report under PATHS and write one output-contract record per report.

    Re-running with the same output skips documents already done with the same tagger (by content hash), so
    an interrupted run picks up where it stopped. Exit status: 0 every document read, 1 some documents ended
    in an error record (all records are still written), 2 nothing was done (bad arguments or output).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from extractor.batch import run_batch
    from extractor.extractor import ExtractorSpec
    from extractor.io.readers import expand_paths
    from extractor.io.writers import OUTPUT_SUFFIXES

    streams = paths == ["-"] or str(output) == "-"
    if not streams and output.suffix.lower() not in OUTPUT_SUFFIXES:
        typer.echo(f"xxgk extract: unknown output format {output.name!r}: use {', '.join(OUTPUT_SUFFIXES)}", err=True)
        raise typer.Exit(2)
    if engine == "ray":
        _need("ray", "ray", "--engine ray")
    spec = ExtractorSpec(tagger, model, calibration, calibrate=not raw_confidence, cross_check=cross_check)
    if streams:
        _extract_streams(paths, str(output), _extractor(spec))
        return
    name = _tagger_name(spec)  # a bad model directory fails here, before any work; the model loads only if needed
    files = list(expand_paths(paths))
    if not files:
        typer.echo(f"no input files found in {' '.join(paths)}", err=True)
        raise typer.Exit(2)
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
                here=(lambda: _extractor(spec)) if n_workers == 0 else None,
            )
        except OSError as exc:
            typer.echo(f"xxgk extract: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"→ {output}", err=True)
    for line in summary.lines():
        typer.echo(line, err=True)
    if summary.errors:
        raise typer.Exit(EXIT_DOCUMENT_ERRORS)


EXIT_DOCUMENT_ERRORS = 1  # some documents ended in an error record (the output holds every record)


def _extract_streams(paths: list[str], output: str, loaded) -> None:  # type: ignore[no-untyped-def]
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
            typer.echo(f"xxgk extract: {exc}", err=True)
            raise typer.Exit(2) from exc
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_DOCUMENT_ERRORS)


def _need(module: str, extra: str, what: str) -> None:
    """One line and exit status 2 when an optional dependency is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        typer.echo(f"{what} needs the '{extra}' extra: pip install 'xxgk[{extra}]'", err=True)
        raise typer.Exit(2)


def _loaded(load):  # type: ignore[no-untyped-def]
    """``load()``: an unknown tagger is a bad ``--tagger``, an unusable model one line and exit status 2."""
    from extractor.errors import ModelLoadError

    try:
        return load()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tagger") from exc
    except ModelLoadError as exc:
        typer.echo(f"cannot load the model: {exc}", err=True)
        raise typer.Exit(2) from exc


def _tagger_name(spec) -> str:  # type: ignore[no-untyped-def]
    return _loaded(spec.tagger_name)  # type: ignore[no-any-return]


def _extractor(spec):  # type: ignore[no-untyped-def]
    from extractor.extractor import Extractor

    return _loaded(lambda: Extractor.load(spec))


def _tagger(name: str, model: Path | None):  # type: ignore[no-untyped-def]
    from extractor.tagging.load import load_tagger

    return _loaded(lambda: load_tagger(name, model))


@app.command()
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
        typer.echo(f"xxgk evaluate: {outputs}: {why}", err=True)
        raise typer.Exit(2)
    if not gold_dir.is_dir():
        typer.echo(f"xxgk evaluate: {gold_dir}: no such folder of gold files", err=True)
        raise typer.Exit(2)
    try:
        report = run(load_outputs(outputs), gold_dir)
    except (ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"xxgk evaluate: {outputs}: not JSONL results ({exc})", err=True)
        raise typer.Exit(2) from exc
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

        typer.echo(span_report(list(read_corpus(spans)), _tagger(tagger, model)))


@app.command()
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
    from extractor.calibration import fit, reliability
    from extractor.evaluate import evaluate as run
    from extractor.evaluate import load_outputs
    from training.synthetic import synthetic_confidence

    report = run(load_outputs(outputs), gold_dir)
    chosen = _tagger(tagger, model)
    pairs = [(c, ok) for _, c, ok in report.cell_confidence]
    pairs += synthetic_confidence(range(seed, seed + synthetic), chosen)
    conf, ok = zip(*pairs, strict=True)
    calibration = fit(conf, ok, fitted_on=f"{len(report.by_file)} gold files + {synthetic} generated reports")
    calibration.save(output)
    held = synthetic_confidence(range(seed + synthetic, seed + synthetic + check), chosen)
    if held:
        hconf, hok = zip(*held, strict=True)
        typer.echo(reliability(hconf, hok).table(f"{check} held-out generated reports, raw"))
        calibrated = [calibration(c) for c in hconf]
        typer.echo(reliability(calibrated, hok).table(f"{check} held-out generated reports, calibrated"))
    typer.echo(f"→ {output}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8080,
    tagger: Annotated[str, typer.Option(help="'model' or 'rules'")] = "model",
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
    max_bytes: Annotated[int, typer.Option(help="largest upload accepted")] = LIMITS.max_bytes,
    timeout: Annotated[
        float, typer.Option(help="seconds allowed per document (OCR takes about 8 s a page)")
    ] = LIMITS.service_timeout,
    concurrency: Annotated[int, typer.Option(help="worker processes: documents extracted at once")] = 4,
    header_timeout: Annotated[float, typer.Option(help="seconds a client may take to send its request head")] = 10.0,
    read_timeout: Annotated[float, typer.Option(help="seconds a stalled upload may wait for its next bytes")] = 30.0,
    cross_check: Annotated[
        bool,
        typer.Option(help="with the model, also read each table with the rules; keep the reading its sums support"),
    ] = True,
) -> None:
    """Serve POST /extract (a file in, the output contract out), GET /health, /version and /docs (OpenAPI).

    Documents run in worker processes: one past --timeout is answered 504 and its worker killed."""
    try:
        import uvicorn

        from extractor.service import create_app, header_timeout_protocol
    except ImportError as exc:
        typer.echo(f"xxgk serve needs the 'serve' extra: pip install 'xxgk[serve]' ({exc.name} is missing)", err=True)
        raise typer.Exit(2) from exc
    from extractor.extractor import ExtractorSpec

    spec = ExtractorSpec(tagger, model, cross_check=cross_check)
    _tagger_name(spec)  # a bad model directory fails here, not in every worker
    app_ = create_app(spec, max_bytes=max_bytes, timeout=timeout, concurrency=concurrency, read_timeout=read_timeout)
    uvicorn.run(
        app_, host=host, port=port, log_level="info", http=header_timeout_protocol(header_timeout), timeout_keep_alive=5
    )


@app.command("evaluate-synthetic")
def evaluate_synthetic(
    n: Annotated[int, typer.Option(help="number of generated reports")] = 200,
    seed: Annotated[int, typer.Option(help="first seed (training corpora use 0…; keep this far away)")] = 1_000_000,
    tagger: Annotated[list[str] | None, typer.Option(help="taggers to compare (default: model and rules)")] = None,
    model: Annotated[Path | None, typer.Option(help="model directory for --tagger model")] = None,
) -> None:
    """End-to-end cell accuracy on held-out generated reports, per layout, for each tagger."""
    from training.synthetic import synthetic_accuracy

    for name in tagger or ["model", "rules"]:
        chosen = _tagger(name, model)
        for layout, tally in sorted(synthetic_accuracy(range(seed, seed + n), chosen).items()):
            typer.echo(f"{chosen.name:<28} {layout:<8} {tally}")


@app.command()
def corpus(
    output: Annotated[Path, typer.Option("-o", "--output", help="corpus file to write (.jsonl or .jsonl.gz)")],
    synthetic: Annotated[int, typer.Option(help="number of synthetic reports")] = 0,
    seed: Annotated[int, typer.Option(help="first seed of the synthetic reports")] = 0,
    silver: Annotated[list[str] | None, typer.Option(help="real reports to label with the rule tagger")] = None,
) -> None:
    """Write a labelled training corpus: synthetic reports and/or silver labels on real reports."""
    from itertools import chain

    from extractor.corpus import silver_examples, write_corpus
    from extractor.io.readers import expand_paths
    from training.corpora import synthetic_examples

    examples = chain(
        synthetic_examples(range(seed, seed + synthetic)), silver_examples(list(expand_paths(silver or [])))
    )
    n = write_corpus(output, examples)
    typer.echo(f"{n} examples → {output}", err=True)


@app.command()
def train(
    config: Annotated[Path, typer.Argument(help="TOML run config (see training/configs/)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="model directory to write")],
) -> None:
    """Train a tagger from scratch on the data the config names; seeded and reproducible."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from training.train import RunConfig, examples_for
    from training.train import train as run

    run_config = RunConfig.load(config)
    typer.echo("building the training corpus…", err=True)
    examples = examples_for(run_config.data)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("training", total=None, loss=float("nan"))
        started = time.perf_counter()

        def progress(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=loss)
            if not bar.console.is_terminal and (step % 100 == 0 or step == total):  # a log file gets lines
                typer.echo(f"step {step}/{total} loss {loss:.4f} {time.perf_counter() - started:.0f}s", err=True)

        tagger = run(examples, run_config.train, progress=progress)
    extra = {
        "config": run_config.model_dump(mode="json"),
        "examples": len(examples),
        "train_seconds": round(time.perf_counter() - started),
        "torch": __import__("torch").__version__,
    }
    tagger.save(output, extra=extra)
    typer.echo(f"{len(examples)} examples → {output}", err=True)


annotate_app = typer.Typer(
    no_args_is_help=True, context_settings=HELP, help="The Label Studio loop: push documents, pull corrections."
)
app.add_typer(annotate_app, name="annotate")
_URL = typer.Option(envvar="LABEL_STUDIO_URL", help="Label Studio address")
_TOKEN = typer.Option(envvar="LABEL_STUDIO_API_KEY", help="Label Studio API token")
_PROJECT = typer.Option(help="project title (created with xxgk's label config if missing)")
_MANIFEST = typer.Option(help="local record of pushed documents (doc_id → path); pull finds documents only here")
DEFAULT_MANIFEST = Path("annotations/pushed.json")


def _client(url: str, token: str):  # type: ignore[no-untyped-def]
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url, api_key=token)


@annotate_app.command("push")
def annotate_push(
    paths: Annotated[list[str], typer.Argument(help="reports to choose from")],
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
    limit: Annotated[int, typer.Option(help="documents to push, most in need first")] = 50,
    model: Annotated[Path | None, typer.Option(help="model directory")] = None,
    manifest: Annotated[Path, _MANIFEST] = DEFAULT_MANIFEST,
) -> None:
    """Push the documents that most need a person as pre-annotated tasks (idempotent)."""
    from extractor.annotate import candidates, ensure_project, push, record_pushed
    from extractor.errors import InputError
    from extractor.io.readers import expand_paths, read_source
    from extractor.normalize import normalize

    docs = []
    for path in expand_paths(paths):
        try:
            docs.append(normalize(read_source(path)))
        except InputError as exc:
            typer.echo(f"skipped {path}: {exc}", err=True)
    chosen = candidates(docs, _tagger("model", model), _tagger("rules", None))[:limit]
    client = _client(url, token)
    pid = ensure_project(client, project)
    created = push(client, pid, chosen)
    record_pushed(manifest, chosen)
    typer.echo(f"{created} new tasks in project {project!r} ({len(chosen) - created} already there)", err=True)


@annotate_app.command("pull")
def annotate_pull(
    output: Annotated[Path, typer.Option("-o", "--output", help="human corpus to merge into")] = Path(
        "annotations/human.jsonl"
    ),
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
    manifest: Annotated[Path, _MANIFEST] = DEFAULT_MANIFEST,
) -> None:
    """Pull submitted annotations, validate every span and merge them into the human corpus (atomically)."""
    from extractor.annotate import ensure_project, pull, read_manifest
    from extractor.errors import InputError
    from extractor.io.readers import read_source
    from extractor.normalize import normalize

    pushed = read_manifest(manifest)

    def normalized_text(doc_id: str) -> str | None:
        path = pushed.get(doc_id)  # never a path the server hands back
        if path is None:
            return None
        try:
            return normalize(read_source(path)).text
        except InputError:
            return None  # the source is gone: the stored text hash is all there is to check

    client = _client(url, token)
    report = pull(client, ensure_project(client, project), output, normalized_text)
    typer.echo(f"{report.written} annotated documents → {output}", err=True)
    for reason in report.rejected:
        typer.echo(f"rejected {reason}", err=True)


@annotate_app.command("connect")
def annotate_connect(
    backend: Annotated[str, typer.Option(help="address of a running `xxgk ml-backend`")],
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
) -> None:
    """Register the ML backend with the project so Label Studio asks it for predictions."""
    from extractor.annotate import ensure_project

    client = _client(url, token)
    pid = ensure_project(client, project)
    if any(b.url.rstrip("/") == backend.rstrip("/") for b in client.ml.list(project=pid)):
        typer.echo("already connected", err=True)
        return
    client.ml.create(project=pid, url=backend, title="xxgk tagger", is_interactive=False)
    typer.echo(f"connected {backend} to project {project!r}", err=True)


@app.command("ml-backend")
def ml_backend(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 9090,
    model: Annotated[Path | None, typer.Option(help="model directory")] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="XXGK_ML_TOKEN", help="require this token (Bearer, or the Basic-auth password)"),
    ] = None,
) -> None:
    """Serve the current model as a Label Studio ML backend (/health, /setup, /predict)."""
    _need("uvicorn", "annotate", "xxgk ml-backend")
    import uvicorn

    from extractor.ml_backend import create_ml_backend

    backend = create_ml_backend(_tagger("model", model), token=token)
    uvicorn.run(backend, host=host, port=port, log_level="info")


@app.command()
def retrain(
    config: Annotated[Path, typer.Argument(help="TOML run config")],
    human: Annotated[list[Path] | None, typer.Option(help="human corpora from `xxgk annotate pull`")] = None,
    models: Annotated[Path, typer.Option(help="models folder holding default/")] = Path("models"),
    gold: Annotated[Path, typer.Option(help="gold folder (held out)")] = Path("../shared/data/gold"),
    reports: Annotated[list[str] | None, typer.Option(help="the reports the gold files describe")] = None,
    synthetic: Annotated[int, typer.Option(help="held-out generated reports for breaking ties")] = 50,
) -> None:
    """Train on synthetic + silver + human data; promote only if it beats the current model on the gold set."""
    from extractor.io.readers import expand_paths
    from training.promote import retrain as run
    from training.train import RunConfig

    files = list(expand_paths(reports or ["../shared/data/seeds", "../shared/data/dev"]))
    decision = run(RunConfig.load(config), human or [], models, files, gold, synthetic=synthetic)
    verdict = "promoted to" if decision.promoted else "not better; kept as"
    typer.echo(
        f"candidate {decision.candidate} vs current {decision.current}: {verdict} {decision.model_dir}", err=True
    )


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a batch stops as on Ctrl-C: the journal keeps every finished document


def entry() -> None:
    import signal

    signal.signal(signal.SIGTERM, _stop)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
