"""A Label Studio ML backend serving the current tagger: ``/health``, ``/setup``, ``/predict`` (and ``/versions``).

Label Studio calls ``/setup`` when the backend is connected to a project and ``/predict`` with tasks whose
``data.text`` is the normalized text ``xxgk annotate push`` stored; the answer is the tagger's spans in Label
Studio's ``labels`` result format, with scores and the model version. A thin shell over the tagger. It also
serves the review pages that push wrote (``/pages/<doc_id>.html``), which the tasks link to.
"""

from __future__ import annotations

import base64
import hmac
import re
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from extractor.annotate import TABLE_LABELS, ls_result, preannotate
from extractor.io.readers import source_from_bytes
from extractor.normalize import as_is
from extractor.tagging import Tagger


def predict_text(tagger: Tagger, text: str) -> dict[str, Any]:
    """One Label Studio prediction for a task text (already normalized: tagged as it stands, so the offsets are
    the task's): the same pre-annotation ``annotate push`` sends (table regions, whole cells, a threshold)."""
    source = source_from_bytes("task.txt", text.encode("utf-8"))
    pre = preannotate(as_is(source, text), [tagger])
    score = min((sp.score for sp in pre.spans if sp.label in TABLE_LABELS), default=1.0)
    return {"result": ls_result(text, pre.spans, True), "score": round(score, 4), "model_version": tagger.name}


PAGE_NAME = re.compile(r"[0-9a-f]{64}\.html")  # <doc_id>.html: nothing else is served from the folder
MAX_BODY = 20 * 1024 * 1024  # a predict request carries the task texts; reports are far smaller


def _same(given: str, token: str) -> bool:
    """Constant-time comparison that takes any text (``hmac.compare_digest`` refuses non-ASCII ``str``)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8", "surrogatepass"))


def _authorized(header: str | None, token: str) -> bool:
    """``Authorization: Bearer|Token <token>``, or HTTP Basic with ``<token>`` as the password (what Label
    Studio sends for a backend connected with basic auth)."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return _same(value.strip(), token)
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return _same(password, token)
    return False


def _review_page(pages: Path | None, name: str, request: Request, token: str | None) -> HTMLResponse:
    """A review page of ``pages`` by its file name, behind the token when there is one (header or ``?token=``)."""
    if token is not None:
        given = request.query_params.get("token") or ""
        if not (_same(given, token) or _authorized(request.headers.get("authorization"), token)):
            raise HTTPException(401, detail="a valid token is needed (?token=)")
    if pages is None or not PAGE_NAME.fullmatch(name) or not (pages / name).is_file():
        raise HTTPException(404, detail="no such review page")
    return HTMLResponse((pages / name).read_text(encoding="utf-8"))


def create_ml_backend(
    tagger: Tagger, *, token: str | None = None, max_bytes: int = MAX_BODY, pages: Path | None = None
) -> FastAPI:
    """``token``: when set, every call but ``/health`` must carry it (see ``_authorized``; a review page also
    takes it as ``?token=``, since a browser following a link sends no header); bodies over ``max_bytes`` get
    413 before they are read. ``pages``: the folder of review pages ``annotate push`` wrote, served at
    ``/pages/<doc_id>.html`` for the links in the tasks."""
    from extractor.service import BodyLimit

    def guard(request: Request) -> None:
        if token is not None and not _authorized(request.headers.get("authorization"), token):
            raise HTTPException(401, detail="a valid token is needed", headers={"WWW-Authenticate": "Basic"})

    app = FastAPI(
        title="xxgk Label Studio ML backend",
        description="character spans of the xxgk tagger",
    )
    app.add_middleware(BodyLimit, max_bytes=max_bytes, read_timeout=30.0)
    secured = [Depends(guard)]

    @app.get("/health")
    @app.get("/")
    def health() -> dict[str, str]:
        return {"status": "UP", "model_class": type(tagger).__name__, "model_version": tagger.name}

    @app.post("/setup", dependencies=secured)
    def setup(body: dict[str, Any]) -> dict[str, str]:
        return {"model_version": tagger.name}

    @app.get("/versions", dependencies=secured)
    def versions() -> dict[str, list[str]]:
        return {"versions": [tagger.name]}

    @app.post("/predict", dependencies=secured)
    def predict(body: dict[str, Any]) -> dict[str, Any]:
        results = []
        for task in body.get("tasks") or []:
            text = (task.get("data") or {}).get("text")
            results.append(predict_text(tagger, text) if isinstance(text, str) else {"result": [], "score": 0.0})
        return {"results": results, "model_version": tagger.name}

    @app.get("/pages/{name}", response_class=HTMLResponse)
    def page(name: str, request: Request) -> HTMLResponse:
        return _review_page(pages, name, request, token)

    @app.post("/webhook", dependencies=secured)
    def webhook(body: dict[str, Any]) -> dict[str, str]:
        return {"status": "ignored: retraining runs through `xxgk retrain`"}

    return app
