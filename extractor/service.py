"""The HTTP service: POST a report, get the output contract back. A thin shell over ``Extractor``.

``create_app(spec)`` runs documents in a pool of ``concurrency`` worker processes, each with its own
``Extractor`` and memory limit (as batch workers have); a document past ``timeout`` seconds is answered 504 and
its worker is killed and replaced, so the work stops with the answer. ``create_app(extractor)`` runs them in
threads of this process instead (for embedding and tests: a thread cannot be stopped, so a 504 there does not
end the work). Either way: an upload larger than ``max_bytes`` is answered 413 as soon as its Content-Length or
its streamed bytes say so, never spooled whole; a body that stalls past ``read_timeout`` seconds gets 408; one
that cannot be read as a report 422; each with the contract's error record as the body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import FastAPI, File, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from extractor import __version__
from extractor.config import LIMITS
from extractor.errors import InputError
from extractor.extractor import Extractor, ExtractorSpec
from extractor.pipeline import error_record
from extractor.schema import SCHEMA_VERSION, ExtractionOutput

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
T = TypeVar("T")
MULTIPART_OVERHEAD = 64 * 1024  # form boundaries and part headers around the file's bytes


UPLOAD_FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>xxgk 审阅</title></head>
<body><h1>xxgk 审阅页</h1><form method="post" action="view" enctype="multipart/form-data">
<p>上传年度报告 (txt, html, docx, pdf, 图片): <input type="file" name="file" required>
<button type="submit">审阅</button></p></form></body></html>
"""


def _error_page(message: str) -> str:
    import html

    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>{html.escape(message)}</p></body></html>"


def _json(out: ExtractionOutput, status: int) -> JSONResponse:
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


class _Workers:
    """Documents in killable worker processes (pebble, forked from a forkserver as in ``batch``)."""

    def __init__(self, spec: ExtractorSpec, workers: int) -> None:
        from extractor.batch import worker_pool

        self.pool = worker_pool(spec, workers)

    async def _in_worker(self, work: Callable[[str, bytes], str], name: str, data: bytes, timeout: float) -> str:
        """``work(name, data)`` in a worker; ``TimeoutError`` past ``timeout`` (the worker is killed),
        ``RuntimeError`` when the worker died."""
        from concurrent.futures import TimeoutError as FutureTimeout

        from pebble import ProcessExpired

        future = self.pool.schedule(work, args=(name, data), timeout=timeout)
        try:
            return str(await asyncio.wrap_future(future))
        except FutureTimeout as exc:
            raise TimeoutError from exc
        except ProcessExpired as exc:
            raise RuntimeError(f"worker died: {exc}") from exc

    async def run(self, name: str, data: bytes, timeout: float) -> ExtractionOutput:
        """Raises ``TimeoutError`` past ``timeout`` (the worker is killed), ``InputError`` for an unreadable file."""
        from extractor.batch import work_bytes

        try:
            text = await self._in_worker(work_bytes, name, data, timeout)
        except RuntimeError as exc:
            return error_record(name, data, "internal_error", str(exc))
        out = ExtractionOutput.model_validate_json(text)
        if out.error is not None and out.error.kind == "input_error":
            raise InputError(out.error.message)
        return out

    async def view(self, name: str, data: bytes, timeout: float) -> str:
        """The review page of one document (``TimeoutError``, ``RuntimeError`` as ``_in_worker``)."""
        from extractor.batch import view_bytes

        return await self._in_worker(view_bytes, name, data, timeout)

    def close(self) -> None:
        self.pool.stop()
        self.pool.join(timeout=10)


class _Runner:
    """Where documents run: ``concurrency`` killable worker processes for a spec (opened with the app), or
    threads of this process for a loaded Extractor; either way at most ``timeout`` seconds each."""

    def __init__(self, source: Extractor | ExtractorSpec, concurrency: int, timeout: float) -> None:
        self.source, self.concurrency, self.timeout = source, concurrency, timeout
        self.workers: _Workers | None = None
        self.limiter = anyio.CapacityLimiter(concurrency)

    def open(self) -> None:
        if isinstance(self.source, ExtractorSpec):
            self.workers = _Workers(self.source, self.concurrency)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()

    async def run(self, upload: str, data: bytes) -> ExtractionOutput:
        if self.workers is not None:
            return await self.workers.run(upload, data, self.timeout)
        source = self.source
        assert isinstance(source, Extractor)
        return await self._in_thread(lambda: source.extract(source.read(upload, data)))

    async def view(self, upload: str, data: bytes) -> str:
        if self.workers is not None:
            return await self.workers.view(upload, data, self.timeout)
        source = self.source
        assert isinstance(source, Extractor)
        return await self._in_thread(lambda: source.review_page(upload, data))

    async def _in_thread(self, work: Callable[[], T]) -> T:
        """``work()`` in a thread of this process, at most ``timeout`` seconds (a thread cannot be stopped)."""
        with anyio.fail_after(self.timeout):
            return await anyio.to_thread.run_sync(work, limiter=self.limiter, abandon_on_cancel=True)


def create_app(
    source: Extractor | ExtractorSpec,
    *,
    max_bytes: int = LIMITS.max_bytes,
    timeout: float = LIMITS.service_timeout,
    concurrency: int = 4,
    read_timeout: float = 30.0,
) -> FastAPI:
    """``source``: an ``ExtractorSpec`` (documents in ``concurrency`` worker processes) or a loaded
    ``Extractor`` (documents in threads of this process)."""
    name = source.name if isinstance(source, Extractor) else source.tagger_name()
    runner = _Runner(source, concurrency, timeout)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        runner.open()
        try:
            yield
        finally:
            runner.close()

    app = FastAPI(
        title="xxgk",
        version=__version__,
        description="Extract the tables of 政府信息公开工作年度报告 as the xxgk output contract.",
        lifespan=lifespan,
    )

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version")
    def version() -> dict[str, Any]:
        return {"xxgk": __version__, "schema_version": SCHEMA_VERSION, "tagger": name}

    @app.post("/extract", response_model=ExtractionOutput, responses={408: {}, 413: {}, 422: {}, 504: {}})
    async def extract_file(
        file: Annotated[UploadFile, File(description="a report: txt, html, docx, pdf or an image")],
    ) -> JSONResponse:
        upload = file.filename or "upload"
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            return _json(error_record(upload, None, "input_error", f"larger than the limit of {max_bytes} bytes"), 413)
        try:
            out = await runner.run(upload, data)
        except InputError as exc:
            return _json(error_record(upload, data, "input_error", str(exc)), 422)
        except TimeoutError:
            return _json(error_record(upload, data, "timeout", f"no result within {timeout} s"), 504)
        return _json(out, 200)

    _view_routes(app, runner, max_bytes, timeout)
    app.add_middleware(BodyLimit, max_bytes=max_bytes + MULTIPART_OVERHEAD, read_timeout=read_timeout)
    return app


def _view_routes(app: FastAPI, runner: _Runner, max_bytes: int, timeout: float) -> None:
    """``GET /view`` (an upload form) and ``POST /view`` (the review page of the uploaded report)."""

    @app.get("/view", response_class=HTMLResponse)
    def view_form() -> HTMLResponse:
        """A page to upload a report and get its review page."""
        return HTMLResponse(UPLOAD_FORM)

    @app.post("/view", response_class=HTMLResponse, responses={408: {}, 413: {}, 504: {}})
    async def view_file(
        file: Annotated[UploadFile, File(description="a report: txt, html, docx, pdf or an image")],
    ) -> HTMLResponse:
        """The review page (one self-contained HTML page) of an uploaded report; an unreadable one gets the
        page of its error record."""
        upload = file.filename or "upload"
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            return HTMLResponse(_error_page(f"{upload}: larger than the limit of {max_bytes} bytes"), 413)
        try:
            return HTMLResponse(await runner.view(upload, data))
        except TimeoutError:
            return HTMLResponse(_error_page(f"{upload}: no result within {timeout} s"), 504)
        except RuntimeError as exc:
            return HTMLResponse(_error_page(f"{upload}: {exc}"), 500)


class BodyLimit:
    """ASGI middleware: 413 on a Content-Length over ``max_bytes`` before reading anything, 413 as soon as the
    streamed body passes it, 408 when the next piece of the body takes longer than ``read_timeout`` seconds."""

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _refuse(send, 413, "input_error", f"Content-Length {int(length)} is over the limit")
            return
        request = _LimitedRequest(receive, send, self.max_bytes, self.read_timeout)
        await self.app(scope, request.receive, request.send)


class _LimitedRequest:
    """One request's body read under the limits: past ``max_bytes`` it is answered 413, stalled for
    ``read_timeout`` seconds 408, and the app is told the client left (whatever it answers then is dropped)."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int, read_timeout: float) -> None:
        self._receive, self._send = receive, send
        self.max_bytes, self.read_timeout = max_bytes, read_timeout
        self.seen = 0
        self.started = self.refused = False

    async def receive(self) -> Message:
        try:
            message = await asyncio.wait_for(self._receive(), self.read_timeout)
        except TimeoutError:
            return await self.refuse(408, "timeout", f"no body data for {self.read_timeout} s")
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.max_bytes:
                return await self.refuse(413, "input_error", f"body over the limit of {self.max_bytes} bytes")
        return message

    async def refuse(self, status: int, kind: str, message: str) -> Message:
        if not self.started and not self.refused:
            self.refused = True
            await _refuse(self._send, status, kind, message)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


async def _refuse(send: Send, status: int, kind: str, message: str) -> None:
    body = json.dumps(error_record("upload", None, kind, message).model_dump(mode="json")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def header_timeout_protocol(seconds: float) -> type:
    """uvicorn's h11 protocol with a deadline for request headers: a connection that has not sent a whole
    request head ``seconds`` after it opened (or after its last response) is closed (slow-header clients)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._header_deadline = self.loop.call_later(seconds, self._headers_late)

        def _headers_late(self) -> None:
            idle = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
            if idle and not self.transport.is_closing():
                self.transport.close()
            elif not self.transport.is_closing():
                self._header_deadline = self.loop.call_later(seconds, self._headers_late)

        def connection_lost(self, exc: Exception | None) -> None:
            self._header_deadline.cancel()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
