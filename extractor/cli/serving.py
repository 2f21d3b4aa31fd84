"""``xxgk serve`` (the HTTP API) and ``xxgk ml-backend`` (predictions for Label Studio)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from extractor.cli.common import EXIT_USAGE, need, tagger_for, tagger_name
from extractor.config import LIMITS


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
        raise typer.Exit(EXIT_USAGE) from exc
    from extractor.extractor import ExtractorSpec

    spec = ExtractorSpec(tagger, model, cross_check=cross_check)
    tagger_name(spec)  # a bad model directory fails here, not in every worker
    app_ = create_app(spec, max_bytes=max_bytes, timeout=timeout, concurrency=concurrency, read_timeout=read_timeout)
    uvicorn.run(
        app_, host=host, port=port, log_level="info", http=header_timeout_protocol(header_timeout), timeout_keep_alive=5
    )


def ml_backend(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 9090,
    model: Annotated[Path | None, typer.Option(help="model directory")] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="XXGK_ML_TOKEN", help="require this token (Bearer, or the Basic-auth password)"),
    ] = None,
    pages: Annotated[Path, typer.Option(help="review pages written by `annotate push`, served at /pages/")] = Path(
        "annotations/pages"
    ),
) -> None:
    """Serve the current model as a Label Studio ML backend (/health, /setup, /predict), and the pushed
    documents' review pages (/pages/<doc_id>.html)."""
    need("uvicorn", "annotate", "xxgk ml-backend")
    import uvicorn

    from extractor.ml_backend import create_ml_backend

    backend = create_ml_backend(tagger_for("model", model), token=token, pages=pages)
    uvicorn.run(backend, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("ml-backend")(ml_backend)
