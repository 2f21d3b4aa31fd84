"""What every command shares: help options, exit codes, optional extras, and loading a tagger or an Extractor
with one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from extractor.extractor import Extractor, ExtractorSpec
    from extractor.tagging import Tagger

HELP = {"help_option_names": ["-h", "--help"]}
EXIT_DOCUMENT_ERRORS = 1  # some documents ended in an error record (the output holds every record)
EXIT_USAGE = 2  # nothing was done: bad arguments, an unusable model or output
T = TypeVar("T")


def fail(command: str, message: str) -> typer.Exit:
    """Print ``xxgk COMMAND: message`` on stderr; the exit (status 2) to raise."""
    typer.echo(f"xxgk {command}: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def need(module: str, extra: str, what: str) -> None:
    """One line and exit status 2 when an optional dependency is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        typer.echo(f"{what} needs the '{extra}' extra: pip install 'xxgk[{extra}]'", err=True)
        raise typer.Exit(EXIT_USAGE)


def loaded(load: Callable[[], T]) -> T:
    """``load()``: an unknown tagger is a bad ``--tagger``, an unusable model one line and exit status 2."""
    from extractor.errors import ModelLoadError

    try:
        return load()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tagger") from exc
    except ModelLoadError as exc:
        typer.echo(f"cannot load the model: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def tagger_name(spec: ExtractorSpec) -> str:
    """The name a spec's tagger will carry, without loading it (a bad model directory fails here)."""
    return loaded(spec.tagger_name)


def extractor_for(spec: ExtractorSpec) -> Extractor:
    from extractor.extractor import Extractor

    return loaded(lambda: Extractor.load(spec))


def tagger_for(name: str, model: Path | None) -> Tagger:
    from extractor.tagging.load import load_tagger

    return loaded(lambda: load_tagger(name, model))
