"""``xxgk corpus``, ``train`` and ``retrain``: the commands over the ``training`` lab (imported here, at the
edge; the runtime never imports it)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def corpus(
    output: Annotated[Path, typer.Option("-o", "--output", help="corpus file to write (.jsonl or .jsonl.gz)")],
    synthetic: Annotated[int, typer.Option(help="number of synthetic reports")] = 0,
    seed: Annotated[int, typer.Option(help="first seed of the synthetic reports")] = 0,
    silver: Annotated[list[str] | None, typer.Option(help="real reports to label with the rule tagger")] = None,
    families: Annotated[
        bool, typer.Option(help="edit each synthetic report as one of the layout families (training/families.py)")
    ] = False,
) -> None:
    """Write a labelled training corpus: synthetic reports and/or silver labels on real reports."""
    from itertools import chain

    from extractor.corpus import silver_examples, write_corpus
    from extractor.io.readers import expand_paths
    from training.corpora import synthetic_examples

    examples = chain(
        synthetic_examples(range(seed, seed + synthetic), families=families),
        silver_examples(list(expand_paths(silver or []))),
    )
    n = write_corpus(output, examples)
    typer.echo(f"{n} examples → {output}", err=True)


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


def register(app: typer.Typer) -> None:
    app.command()(corpus)
    app.command()(train)
    app.command()(retrain)
