"""The whole annotation loop against a real Label Studio server (installed and started by
scripts/labelstudio.sh, bound to 127.0.0.1): push with predictions, annotate through the API as a person
would, pull with validation, retrain a tiny model on the corrections, and serve it as an ML backend."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import GOLD, REPO, real_files

pytest.importorskip("torch")
sdk = pytest.importorskip("label_studio_sdk")

from extractor.annotate import align_values, candidates, ensure_project, ls_result, pull, push  # noqa: E402
from extractor.evaluate import Gold  # noqa: E402
from extractor.io.readers import read_source  # noqa: E402
from extractor.normalize import normalize  # noqa: E402
from extractor.tagging.hf import TransformersTagger  # noqa: E402
from training.train import DataConfig, RunConfig, TrainConfig, train  # noqa: E402

pytestmark = [pytest.mark.model, pytest.mark.labelstudio]
SCRIPT = REPO / "scripts" / "labelstudio.sh"
TINY = TrainConfig(
    hidden=32,
    layers=1,
    heads=2,
    intermediate=64,
    window=64,
    stride=48,
    steps=30,
    batch_size=8,
    lr=3e-3,
    seed=3,
    model_id="tiny-loop",
    device="cpu",
)


@pytest.fixture(scope="module")
def client():
    for step in ("install", "start"):
        subprocess.run(["bash", str(SCRIPT), step], check=True, timeout=900)
    env = subprocess.run(["bash", str(SCRIPT), "env"], check=True, capture_output=True, text=True).stdout
    settings = dict(part.split("=", 1) for part in env.split()[1:])
    return sdk.LabelStudio(base_url=settings["LABEL_STUDIO_URL"], api_key=settings["LABEL_STUDIO_API_KEY"])


@pytest.fixture(scope="module")
def docs(shared_data):
    names = ("hangzhou_style_2025.html", "000_b1de9be8d5252a5a.txt")
    return [normalize(read_source(p)) for p in real_files() if p.name in names]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, tagger, docs):
    from training.corpora import synthetic_examples

    examples = [(ex.text, ex.spans) for ex in synthetic_examples(range(2))]
    model = train(examples, TINY)
    path = tmp_path_factory.mktemp("models") / "default"
    model.save(path)
    return path


def test_push_pull_retrain_and_serve_against_a_real_server(client, docs, tiny_model, tagger, tmp_path: Path):
    model = TransformersTagger.load(tiny_model)
    project = ensure_project(client, f"xxgk-test-{uuid.uuid4().hex[:8]}")

    chosen = candidates(docs, model, tagger).chosen
    link = lambda c: f"http://127.0.0.1:9090/pages/{c.doc.source.doc_id}.html"  # noqa: E731
    assert len(push(client, project, chosen, limit=1, page_link=link)) == 1
    assert len(push(client, project, chosen, limit=1, page_link=link)) == 1  # --limit counts new documents
    assert push(client, project, chosen) == []  # idempotent
    tasks = [t.dict() for t in client.tasks.list(project=project, fields="all")]
    assert len(tasks) == 2
    assert all(t["predictions"][0]["model_version"] == model.name for t in tasks)
    assert all(isinstance(t["data"]["priority"], str) and len(t["data"]["priority"]) == 9 for t in tasks)
    assert all("0.00" not in t["data"]["reasons"] for t in tasks)
    assert all(t["data"]["review_page"].endswith(f"/{t['data']['doc_id']}.html") for t in tasks)
    project_data = client.projects.get(id=project)
    assert "VALUE" in project_data.expert_instruction and project_data.show_instruction

    # a person corrects each task: here an annotator script that knows the report's values (its gold file)
    by_id = {d.source.doc_id: d for d in docs}
    corrected = {}
    for task in tasks:
        doc = by_id[task["data"]["doc_id"]]
        values = dict(Gold.load(GOLD / f"{Path(doc.source.path).stem}.json").cells)
        aligned = align_values(doc, values, [tagger])
        assert not aligned.unaligned
        spans = aligned.spans
        client.annotations.create(id=task["id"], result=ls_result(doc.text, spans, with_scores=False))
        corrected[doc.source.doc_id] = spans

    corpus = tmp_path / "human.jsonl"
    paths = {d.source.doc_id: d.source.path for d in docs}  # what `annotate push` records locally
    report = pull(client, project, corpus, lambda doc_id: normalize(read_source(paths[doc_id])).text)
    assert report.written == 2 and not report.rejected
    from extractor.corpus import read_corpus

    pulled = {ex.id.removeprefix("human-"): ex for ex in read_corpus(corpus)}
    assert {k: [(s.start, s.end, s.label) for s in v.spans] for k, v in pulled.items()} == {
        k: [(s.start, s.end, s.label) for s in v] for k, v in corrected.items()
    }

    # a task whose text no longer hashes to what was pushed is refused, and the corpus keeps what it had
    first = tasks[0]
    client.tasks.update(id=first["id"], data={**first["data"], "text": first["data"]["text"] + "改"})
    again = pull(client, project, corpus)
    assert again.written == 1 and len(again.rejected) == 1 and again.rejected[0].label == ""
    assert len(list(read_corpus(corpus))) == 2

    # one bad span costs that span only: the rest of the document is taken, the span is named
    second = tasks[1]
    doc = by_id[second["data"]["doc_id"]]
    good = ls_result(doc.text, corrected[doc.source.doc_id], with_scores=False)
    bad = {**good[0], "id": "bad", "value": {**good[0]["value"], "labels": ["CELL"]}}
    client.annotations.create(id=second["id"], result=[*good, bad])
    third = pull(client, project, corpus)
    assert [(r.label, r.reason.split(" (")[0]) for r in third.rejected if r.label] == [("CELL", "unknown label")]

    # retrain on the corrections: the new model reads the annotated documents differently
    from training.promote import retrain

    config = RunConfig(train=TINY.model_copy(update={"steps": 60}), data=DataConfig(synthetic=2))
    decision = retrain(config, [corpus], tiny_model.parent, real_files(), GOLD, synthetic=2, calibration_reports=2)
    assert (tiny_model.parent / "CHANGELOG.md").read_text(encoding="utf-8").count("\n") == 1
    annotated = {Path(d.source.path).stem for d in docs}
    assert decision.held_out and not annotated & set(decision.held_out)  # the gate never scores its training data
    retrained = TransformersTagger.load(decision.model_dir)
    doc = docs[0]
    assert retrained.predict(doc.text)[0] != model.predict(doc.text)[0]
    if decision.promoted:
        assert (tiny_model.parent / "history" / "tiny-loop").is_dir()

    # the ML backend: Label Studio connects to it and fetches its predictions
    _serve_backend_and_fetch(client, project, retrained)


def _serve_backend_and_fetch(client, project: int, model: TransformersTagger) -> None:
    import uvicorn

    from extractor.ml_backend import create_ml_backend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_ml_backend(model), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        backend = client.ml.create(project=project, url=f"http://127.0.0.1:{port}", title="xxgk", is_interactive=False)
        assert backend.state in ("CO", "TR", "PR"), backend.state  # connected
        client.actions.create(
            id="retrieve_tasks_predictions", project=project, selected_items={"all": True, "excluded": []}
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            versions = {
                p["model_version"]
                for t in client.tasks.list(project=project, fields="all")
                for p in t.dict()["predictions"]
            }
            if model.name in versions:
                break
            time.sleep(1)
        assert model.name in versions
    finally:
        server.should_exit = True
        thread.join(10)


def test_label_studio_credentials_are_generated_private_and_kept_out_of_ps(client):
    credentials = REPO / ".ls-data" / "credentials"
    assert credentials.stat().st_mode & 0o777 == 0o600
    secrets = dict(line.split("=", 1) for line in credentials.read_text().split())
    assert secrets["LS_TOKEN"] != "0123456789abcdef0123456789abcdef01234567"  # no fixed default any more
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    server = [line for line in ps.splitlines() if "label-studio start" in line]
    assert server and not any(secrets["LS_TOKEN"] in line or secrets["LS_PASSWORD"] in line for line in server)


def test_the_label_config_names_every_label_of_the_model():
    from extractor.annotate import label_config
    from extractor.labels import ENTITY_TYPES

    config = label_config()
    assert all(f'value="{t}"' in config for t in ENTITY_TYPES)
    assert 'granularity="symbol"' in config


if os.environ.get("CI") and not SCRIPT.exists():  # pragma: no cover - a broken checkout
    raise RuntimeError("scripts/labelstudio.sh is missing")
