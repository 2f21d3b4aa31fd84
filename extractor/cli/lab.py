"""``xxgk corpus``, ``train`` and ``retrain``: the commands over the ``training`` lab (imported here, at the
edge; the runtime never imports it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

corpus_app = typer.Typer(help="Labelled training corpora: generated, silver, from known values.")


@corpus_app.callback(invoke_without_command=True)
def corpus(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="corpus to write (.jsonl[.gz], or .spacy: a spaCy DocBin)")
    ] = None,
    synthetic: Annotated[int, typer.Option(help="number of synthetic reports")] = 0,
    seed: Annotated[int, typer.Option(help="first seed of the synthetic reports")] = 0,
    silver: Annotated[list[str] | None, typer.Option(help="real reports to label with the rule tagger")] = None,
    families: Annotated[
        bool, typer.Option(help="edit each synthetic report as one of the layout families (training/families.py)")
    ] = False,
) -> None:
    """Write a labelled training corpus: synthetic reports and/or silver labels on real reports
    (``xxgk corpus from-gold`` turns known cell values into labels)."""
    if ctx.invoked_subcommand is not None:
        return
    if output is None:
        typer.echo("give the corpus file to write: -o PATH", err=True)
        raise typer.Exit(2)
    from itertools import chain

    from extractor.cli.common import need
    from extractor.corpus import silver_examples, write_corpus

    if output.suffix == ".spacy":
        need("spacy", "view", "a spaCy DocBin")
    from extractor.io.readers import expand_paths
    from training.corpora import synthetic_examples

    examples = chain(
        synthetic_examples(range(seed, seed + synthetic), families=families),
        silver_examples(list(expand_paths(silver or []))),
    )
    n = write_corpus(output, examples)
    typer.echo(f"{n} examples → {output}", err=True)


@corpus_app.command("from-gold")
def corpus_from_gold(
    reports: Annotated[list[str], typer.Argument(help="the reports (files or folders) the gold files describe")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="corpus to write (.jsonl[.gz], or .spacy: a spaCy DocBin)")
    ],
    gold: Annotated[Path, typer.Option(help="folder of gold JSON files (cell key → value)")] = Path(
        "../shared/data/gold"
    ),
    model: Annotated[Path | None, typer.Option(help="model directory read beside the rules")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="file stems to leave out (a held-out split)")] = None,
) -> None:
    """Known cell values (gold files, a user's spreadsheet as gold JSON) → span labels on their reports: each
    value is aligned with the text where the template puts it. A report with a value found nowhere is left out
    and named."""
    from extractor.cli.common import need
    from extractor.corpus import write_corpus
    from extractor.io.readers import expand_paths
    from training.corpora import gold_examples

    if output.suffix == ".spacy":
        need("spacy", "view", "a spaCy DocBin")
    examples, skipped = gold_examples(list(expand_paths(reports)), gold, model, set(exclude or ()))
    for stem, why in skipped:
        typer.echo(f"left out {stem}: {why}", err=True)
    n = write_corpus(output, examples)
    typer.echo(f"{n} examples → {output}", err=True)


def train(
    config: Annotated[Path, typer.Argument(help="TOML run config (see training/configs/)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="model directory to write")],
) -> None:
    """Train a tagger from scratch on the data the config names; seeded and reproducible."""
    from training.train import RunConfig, examples_for
    from training.train import train as run

    run_config = RunConfig.load(config)
    typer.echo("building the training corpus…", err=True)
    examples = examples_for(run_config.data)
    with _progress_bar() as bar:
        task = bar.add_task("training", total=None, loss=float("nan"))
        started = time.perf_counter()

        tagger = run(examples, run_config.train, progress=_reporter(bar, task, started))
    bert = tagger.model.config  # the shape trained, which an encoder_from or init_from model decides
    shape = {"hidden": bert.hidden_size, "layers": bert.num_hidden_layers, "heads": bert.num_attention_heads}
    recorded = run_config.model_copy(
        update={"train": run_config.train.model_copy(update={**shape, "intermediate": bert.intermediate_size})}
    )
    extra = {
        "config": recorded.model_dump(mode="json"),
        "examples": len(examples),
        "train_seconds": round(time.perf_counter() - started),
        "torch": __import__("torch").__version__,
    }
    tagger.save(output, extra=extra)
    typer.echo(f"{len(examples)} examples → {output}", err=True)


def _reporter(bar: Progress, task: TaskID, started: float) -> Callable[[int, int, float], None]:
    """A training loop's ``progress(step, total, loss)``: the bar on a terminal, a line every 100 steps in a log."""

    def progress(step: int, total: int, loss: float) -> None:
        bar.update(task, completed=step, total=total, loss=loss)
        if not bar.console.is_terminal and (step % 100 == 0 or step == total):  # a log file gets lines
            typer.echo(f"step {step}/{total} loss {loss:.4f} {time.perf_counter() - started:.0f}s", err=True)

    return progress


def _progress_bar():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns)


def retrain(
    config: Annotated[Path, typer.Argument(help="TOML run config")] = Path("training/configs/finetune.toml"),
    human: Annotated[list[Path] | None, typer.Option(help="human corpora from `xxgk annotate pull`")] = None,
    human_weight: Annotated[int, typer.Option(help="times each human example is repeated")] = 20,
    models: Annotated[Path, typer.Option(help="models folder holding default/")] = Path("models"),
    gold: Annotated[Path, typer.Option(help="gold folder (held out)")] = Path("../shared/data/gold"),
    reports: Annotated[list[str] | None, typer.Option(help="the reports the gold files describe")] = None,
    synthetic: Annotated[int, typer.Option(help="held-out generated reports, scored and recorded")] = 50,
    tolerance: Annotated[int, typer.Option(help="gold cells a source may lose and still be promoted")] = 0,
) -> None:
    """Fine-tune the current model on generated + human data (by default); promote the candidate only if it
    reads more held-out gold cells than the current model, and no source fewer."""
    from extractor.io.readers import expand_paths
    from training.promote import retrain as run
    from training.train import RunConfig

    files = list(expand_paths(reports or ["../shared/data/seeds", "../shared/data/dev", "../shared/data/pages"]))
    with _progress_bar() as bar:
        task = bar.add_task("fine-tuning", total=None, loss=float("nan"))

        def progress(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=loss)
            if not bar.console.is_terminal and (step % 50 == 0 or step == total):
                typer.echo(f"step {step}/{total} loss {loss:.4f}", err=True)

        decision = run(
            RunConfig.load(config),
            human or [],
            models,
            files,
            gold,
            synthetic=synthetic,
            human_weight=human_weight,
            tolerance=tolerance,
            progress=progress,
            say=lambda line: bar.console.print(line, highlight=False),
        )
    verdict = "promoted to" if decision.promoted else "not promoted; kept as"
    typer.echo(f"candidate: {decision.candidate}", err=True)
    typer.echo(f"current:   {decision.current or 'none'}", err=True)
    if decision.current:
        for src, (right, total) in decision.candidate.by_source.items():
            was = decision.current.by_source.get(src, (0, 0))[0]
            if right != was:
                typer.echo(f"  {src}: {was} → {right} of {total}", err=True)
    typer.echo(f"{decision.why}: {verdict} {decision.model_dir}", err=True)


model_app = typer.Typer(no_args_is_help=True, help="The models folder: list the models, roll back to one.")


@model_app.command("list")
def model_list(models: Annotated[Path, typer.Option(help="models folder")] = Path("models")) -> None:
    """The default model and every earlier or candidate model kept in history/, with its gold figures."""
    from training.promote import list_models

    for e in list_models(models):
        typer.echo(f"{'*' if e.default else ' '} {e.model_id:40} gold {e.gold:12} {e.path}")


@model_app.command("rollback")
def model_rollback(
    model_id: Annotated[
        str | None, typer.Argument(help="model id from `xxgk model list` (default: the previous default)")
    ] = None,
    models: Annotated[Path, typer.Option(help="models folder")] = Path("models"),
) -> None:
    """Make an earlier model the default again; the current one goes to history/ (so this can be undone)."""
    from training.promote import rollback

    try:
        entry = rollback(models, model_id)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{entry.model_id} is the default again", err=True)


def pretrain(
    output: Annotated[Path, typer.Option("-o", "--output", help="encoder directory to write")],
    real: Annotated[
        list[Path] | None, typer.Argument(help="real reports (any format) whose text to learn from")
    ] = None,
    synthetic: Annotated[int, typer.Option(help="generated reports (all layout families), unlabelled")] = 1500,
    steps: Annotated[int, typer.Option(help="training steps of 32 windows")] = 1000,
    real_repeat: Annotated[int, typer.Option(help="times each real text is read per generated pass")] = 1,
    hidden: Annotated[int, typer.Option(help="hidden size (the shipped student: 64)")] = 128,
    layers: Annotated[int, typer.Option(help="encoder layers (the shipped student: 2)")] = 3,
    heads: Annotated[int, typer.Option(help="attention heads")] = 4,
    intermediate: Annotated[int, typer.Option(help="feed-forward size (4 × hidden as a rule)")] = 512,
) -> None:
    """Pretrain a masked-character encoder (by default 3×128, the models' shape before the student) on unlabelled
    text; ``encoder_from`` in a train config starts a tagger of the same shape from it."""
    from extractor.extractor import read_normalized
    from extractor.io.readers import expand_paths
    from training.corpora import synthetic_examples
    from training.pretrain import PretrainConfig, save_encoder
    from training.pretrain import pretrain as run

    texts = [ex.text for ex in synthetic_examples(range(200_000, 200_000 + synthetic), families=True)]
    if real:
        docs = read_normalized(expand_paths([str(p) for p in real]))
        texts += [doc.text for _, doc in docs if not isinstance(doc, Exception)] * real_repeat
    with _progress_bar() as bar:
        task = bar.add_task("pretraining", total=steps, loss=float("nan"))
        model, vocab = run(
            texts,
            PretrainConfig(
                hidden=hidden,
                layers=layers,
                heads=heads,
                intermediate=intermediate,
                window=256,
                stride=192,
                steps=steps,
            ),
            progress=_reporter(bar, task, time.perf_counter()),
        )
    save_encoder(model, vocab, output)
    typer.echo(f"{len(texts)} texts, vocabulary {len(vocab)} → {output}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(corpus_app, name="corpus")
    app.command()(pretrain)
    app.command()(train)
    app.command()(retrain)
    app.add_typer(model_app, name="model")
