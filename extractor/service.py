"""The HTTP service: POST a report, get the output contract back. A thin shell over ``pipeline.extract``.

``create_app(tagger)`` builds a FastAPI app around a tagger loaded once by the caller (``xxgk serve``).
Documents run in worker threads (at most ``concurrency`` at a time); a document past ``timeout`` seconds is
answered 504 with an error record (its thread finishes in the background), one larger than ``max_bytes`` 413,
one that cannot be read as a report 422, each with the contract's error record as the body.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import FastAPI, File, UploadFile
from fastapi.responses import JSONResponse

from extractor import __version__
from extractor.config import LIMITS
from extractor.errors import InputError
from extractor.extractor import Extractor
from extractor.pipeline import error_record
from extractor.schema import SCHEMA_VERSION, ExtractionOutput


def _json(out: ExtractionOutput, status: int) -> JSONResponse:
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


def create_app(
    extractor: Extractor,
    *,
    max_bytes: int = LIMITS.max_bytes,
    timeout: float = LIMITS.service_timeout,
    concurrency: int = 4,
) -> FastAPI:
    app = FastAPI(
        title="xxgk",
        version=__version__,
        description="Extract the tables of 政府信息公开工作年度报告 as the xxgk output contract.",
    )
    limiter = anyio.CapacityLimiter(concurrency)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version")
    def version() -> dict[str, Any]:
        return {"xxgk": __version__, "schema_version": SCHEMA_VERSION, "tagger": extractor.name}

    @app.post("/extract", response_model=ExtractionOutput, responses={413: {}, 422: {}, 504: {}})
    async def extract_file(
        file: Annotated[UploadFile, File(description="a report: txt, html, docx, pdf or an image")],
    ) -> JSONResponse:
        name = file.filename or "upload"
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            return _json(error_record(name, None, "input_error", f"larger than the limit of {max_bytes} bytes"), 413)

        def read_and_extract() -> ExtractionOutput:  # in a worker thread: OCR and the model take seconds
            return extractor.extract(extractor.read(name, data))

        try:
            with anyio.fail_after(timeout):
                out = await anyio.to_thread.run_sync(read_and_extract, limiter=limiter, abandon_on_cancel=True)
        except InputError as exc:
            return _json(error_record(name, data, "input_error", str(exc)), 422)
        except TimeoutError:
            return _json(error_record(name, data, "timeout", f"no result within {timeout} s"), 504)
        return _json(out, 200)

    return app
