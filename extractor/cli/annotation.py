"""``xxgk annotate push|pull|connect``: the Label Studio loop, through ``label-studio-sdk`` only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from extractor.cli.common import HELP, tagger_for

app = typer.Typer(
    no_args_is_help=True, context_settings=HELP, help="The Label Studio loop: push documents, pull corrections."
)
_URL = typer.Option(envvar="LABEL_STUDIO_URL", help="Label Studio address")
_TOKEN = typer.Option(envvar="LABEL_STUDIO_API_KEY", help="Label Studio API token")
_PROJECT = typer.Option(help="project title (created with xxgk's label config if missing)")
_MANIFEST = typer.Option(help="local record of pushed documents (doc_id → path); pull finds documents only here")
DEFAULT_MANIFEST = Path("annotations/pushed.json")
DEFAULT_PAGES = Path("annotations/pages")


def write_pages(extractor, pushed, folder: Path) -> None:  # an Extractor, candidates
    """The review page of each pushed document, as ``<doc_id>.html`` in ``folder``."""
    from extractor.io.readers import read_bytes
    from extractor.io.writers import atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    for c in pushed:
        path = Path(c.doc.source.path)
        page = extractor.review_page(str(path), read_bytes(path))
        atomic_write_text(folder / f"{c.doc.source.doc_id}.html", page)


@app.command("push")
def annotate_push(
    paths: Annotated[list[str], typer.Argument(help="reports to choose from")],
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
    limit: Annotated[int, typer.Option(help="new documents to push, most in need first")] = 50,
    model: Annotated[Path | None, typer.Option(help="model directory")] = None,
    manifest: Annotated[Path, _MANIFEST] = DEFAULT_MANIFEST,
    pages: Annotated[Path, typer.Option(help="folder for the pushed documents' review pages")] = DEFAULT_PAGES,
    page_url: Annotated[
        str, typer.Option(help="a review page's address in the task data ({doc_id}); `xxgk ml-backend` serves them")
    ] = "http://127.0.0.1:9090/pages/{doc_id}.html",
) -> None:
    """Push the documents that most need a person as pre-annotated tasks (idempotent), each with a link to its
    review page (written into --pages)."""
    from extractor.annotate import candidates, client, ensure_project, push, record_pushed
    from extractor.extractor import read_normalized
    from extractor.io.readers import expand_paths

    docs = []
    for path, doc in read_normalized(expand_paths(paths)):
        if isinstance(doc, Exception):
            typer.echo(f"skipped {path}: {doc}", err=True)
        else:
            docs.append(doc)
    from extractor.calibration import Calibration
    from extractor.extractor import Extractor, ExtractorSpec

    calibration = ExtractorSpec(model_dir=model).calibration_file()
    calibrate = Calibration.load(calibration) if calibration else None
    model_tagger, rules = tagger_for("model", model), tagger_for("rules", None)
    choice = candidates(docs, model_tagger, rules, calibrate)
    for path, why in choice.skipped:
        typer.echo(f"skipped {path}: {why}", err=True)
    ls = client(url, token)
    link = page_url.format  # {doc_id}
    pushed = push(ls, ensure_project(ls, project), choice.chosen, limit, lambda c: link(doc_id=c.doc.source.doc_id))
    record_pushed(manifest, pushed)
    write_pages(Extractor(model_tagger, cross_check=rules, calibration=calibrate), pushed, pages)
    left = len(choice.chosen) - len(pushed)
    typer.echo(
        f"{len(pushed)} new tasks in project {project!r} ({left} documents not pushed: already there or past --limit)",
        err=True,
    )
    for c in pushed:
        typer.echo(f"  {c.priority:7.3f}  {c.doc.source.path}: {'; '.join(c.reasons) or 'checks pass'}", err=True)


@app.command("pull")
def annotate_pull(
    output: Annotated[Path, typer.Option("-o", "--output", help="human corpus to merge into")] = Path(
        "annotations/human.jsonl"
    ),
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
    manifest: Annotated[Path, _MANIFEST] = DEFAULT_MANIFEST,
) -> None:
    """Pull submitted annotations, validate every span and merge the valid ones into the human corpus
    (atomically). Exit status 1 when any span or task was rejected (each is listed)."""
    from extractor.annotate import client, ensure_project, manifest_texts, pull

    ls = client(url, token)
    report = pull(ls, ensure_project(ls, project), output, manifest_texts(manifest))
    typer.echo(f"{report.written} annotated documents → {output}", err=True)
    if report.cancelled:
        skipped = ", ".join(report.cancelled)
        typer.echo(f"{len(report.cancelled)} tasks skipped by their annotators: {skipped}", err=True)
    for rejection in report.rejected:
        typer.echo(f"rejected {rejection}", err=True)
    if report.rejected:
        typer.echo(f"{len(report.rejected)} spans or tasks rejected (the rest was taken)", err=True)
        raise typer.Exit(1)


@app.command("connect")
def annotate_connect(
    backend: Annotated[str, typer.Option(help="address of a running `xxgk ml-backend`")],
    url: Annotated[str, _URL] = "http://127.0.0.1:8089",
    token: Annotated[str, _TOKEN] = "",
    project: Annotated[str, _PROJECT] = "xxgk",
) -> None:
    """Register the ML backend with the project so Label Studio asks it for predictions."""
    from extractor.annotate import client, connect_backend, ensure_project

    ls = client(url, token)
    if connect_backend(ls, ensure_project(ls, project), backend):
        typer.echo(f"connected {backend} to project {project!r}", err=True)
    else:
        typer.echo("already connected", err=True)
