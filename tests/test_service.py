"""The HTTP service over real HTTP: a uvicorn server on a free local port, real files, bad and oversized
uploads, and eight clients at once."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

from extractor.extractor import Extractor  # noqa: E402
from extractor.service import create_app  # noqa: E402

SMALL_LIMIT = 200_000


@pytest.fixture(scope="module")
def server(tagger):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(Extractor(tagger), max_bytes=SMALL_LIMIT, timeout=30, concurrency=4),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _post(base: str, name: str, data: bytes) -> httpx.Response:
    return httpx.post(f"{base}/extract", files={"file": (name, data)}, timeout=60)


def test_health_version_and_openapi_answer(server):
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}
    version = httpx.get(f"{server}/version").json()
    assert version["tagger"] == "rules-1" and version["schema_version"] == "1"
    assert "/extract" in httpx.get(f"{server}/openapi.json").json()["paths"]


def test_a_real_report_comes_back_as_the_output_contract(server, shared_data: Path):
    path = shared_data / "dev" / "hangzhou_style_2025.html"
    reply = _post(server, path.name, path.read_bytes())
    assert reply.status_code == 200
    body = reply.json()
    assert body["template"] == "2021" and body["error"] is None
    assert body["cells"]["applications.new_received.total"]["value"] == 14069


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("empty.txt", b"", 422),
        ("binary.txt", bytes(range(256)) * 40, 422),
        ("cut.pdf", b"%PDF-1.7\n1 0 obj <<", 422),
        ("huge.txt", "一".encode() * (SMALL_LIMIT // 3 + 10), 413),
    ],
)
def test_bad_and_oversized_uploads_get_an_error_record(server, name: str, data: bytes, status: int):
    reply = _post(server, name, data)
    assert reply.status_code == status
    assert reply.json()["error"]["kind"] == "input_error"


def test_eight_concurrent_clients_all_get_their_own_answer(server, shared_data: Path):
    files = sorted(p for p in (shared_data / "seeds").iterdir())[:4] + sorted((shared_data / "dev").glob("*.*"))[:4]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda p: (p, _post(server, p.name, p.read_bytes())), files * 2))
    assert len(replies) == 16
    for path, reply in replies:
        assert reply.status_code == 200, reply.text
        assert reply.json()["source"]["path"] == path.name
