"""A Label Studio ML backend serving the current tagger: ``/health``, ``/setup``, ``/predict`` (and ``/versions``).

Label Studio calls ``/setup`` when the backend is connected to a project and ``/predict`` with tasks whose
``data.text`` is the normalized text ``xxgk annotate push`` stored; the answer is the tagger's spans in Label
Studio's ``labels`` result format, with scores and the model version. A thin shell over the tagger.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from extractor.annotate import ls_result
from extractor.io.readers import source_from_bytes
from extractor.offsets import OffsetMap
from extractor.tagging import Tagger
from extractor.types import NormalizedDoc


def predict_text(tagger: Tagger, text: str) -> dict[str, Any]:
    """One Label Studio prediction for a task text (already normalized: tagged as it stands)."""
    source = source_from_bytes("task.txt", text.encode("utf-8"))
    tagged = tagger.tag(NormalizedDoc(source, text, OffsetMap.identity(len(text))))
    score = min((sp.score for sp in tagged.spans), default=1.0)
    return {"result": ls_result(text, tagged.spans, True), "score": round(score, 4), "model_version": tagger.name}


def create_ml_backend(tagger: Tagger) -> FastAPI:
    app = FastAPI(title="xxgk Label Studio ML backend", description="character spans of the xxgk tagger")

    @app.get("/health")
    @app.get("/")
    def health() -> dict[str, str]:
        return {"status": "UP", "model_class": type(tagger).__name__, "model_version": tagger.name}

    @app.post("/setup")
    def setup(body: dict[str, Any]) -> dict[str, str]:
        return {"model_version": tagger.name}

    @app.get("/versions")
    def versions() -> dict[str, list[str]]:
        return {"versions": [tagger.name]}

    @app.post("/predict")
    def predict(body: dict[str, Any]) -> dict[str, Any]:
        results = []
        for task in body.get("tasks") or []:
            text = (task.get("data") or {}).get("text")
            results.append(predict_text(tagger, text) if isinstance(text, str) else {"result": [], "score": 0.0})
        return {"results": results, "model_version": tagger.name}

    @app.post("/webhook")
    def webhook(body: dict[str, Any]) -> dict[str, str]:
        return {"status": "ignored: retraining runs through `xxgk retrain`"}

    return app
