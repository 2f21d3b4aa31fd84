"""The ``xxgk`` command: one thin module per command group, each command a few lines over a library function.

``extract`` (batch extraction), ``quality`` (evaluate, calibrate, evaluate-synthetic), ``serving`` (serve,
ml-backend), ``annotation`` (annotate push/pull/connect), ``lab`` (corpus, train, retrain: the only commands
that import the ``training`` lab, at the edge).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from extractor import __version__
from extractor.cli import annotation, extract, lab, quality, serving
from extractor.cli.common import EXIT_DOCUMENT_ERRORS, HELP

__all__ = ["EXIT_DOCUMENT_ERRORS", "app", "entry"]

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


for group in (extract, quality, serving, lab):
    group.register(app)
app.add_typer(annotation.app, name="annotate")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a batch stops as on Ctrl-C: the journal keeps every finished document


def entry() -> None:
    import signal

    signal.signal(signal.SIGTERM, _stop)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
