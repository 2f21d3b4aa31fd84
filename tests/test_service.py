"""The HTTP service over real HTTP: a uvicorn server on a free local port, real files, bad and oversized
uploads, and eight clients at once."""

from __future__ import annotations

import contextlib
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(app, port: int, **config):  # type: ignore[no-untyped-def]
    """A real uvicorn server for ``app`` on 127.0.0.1:``port`` in a thread, while the block runs."""
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(400):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield
    finally:
        srv.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def server(tagger):
    port = _free_port()
    with _serving(create_app(Extractor(tagger), max_bytes=SMALL_LIMIT, timeout=30, concurrency=4), port):
        yield f"http://127.0.0.1:{port}"


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


# ---- documents in worker processes: a 504 stops the work; limits hold before and while reading ----------
import socket as _socket  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from extractor.extractor import ExtractorSpec  # noqa: E402
from extractor.service import header_timeout_protocol  # noqa: E402
from extractor.tagging.rules import RuleTagger  # noqa: E402


class _SlowTagger(RuleTagger):
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def tag(self, doc):  # type: ignore[no-untyped-def]
        if "SLOW" in doc.text:
            time.sleep(4)
            Path(self.marker).write_text("finished")  # only reached when nothing stopped the work
        return super().tag(doc)


@dataclass(frozen=True)
class _SlowSpec(ExtractorSpec):
    marker: str = ""

    def load_tagger(self) -> RuleTagger:
        return _SlowTagger(self.marker)


@pytest.fixture(scope="module")
def workers_server(tmp_path_factory):
    marker = tmp_path_factory.mktemp("svc") / "finished"
    port = _free_port()
    app = create_app(
        _SlowSpec("rules", marker=str(marker)), max_bytes=SMALL_LIMIT, timeout=1.5, concurrency=2, read_timeout=1.0
    )
    with _serving(app, port, http=header_timeout_protocol(1.0)):
        yield f"http://127.0.0.1:{port}", port, marker


def test_a_document_past_the_timeout_gets_504_and_its_work_is_stopped(workers_server, shared_data: Path):
    base, _, marker = workers_server
    started = time.monotonic()
    reply = _post(base, "slow.txt", "SLOW\n一、总体情况\n".encode())
    assert reply.status_code == 504 and reply.json()["error"]["kind"] == "timeout"
    assert time.monotonic() - started < 4
    good = shared_data / "dev" / "hangzhou_style_2025.html"
    assert _post(base, good.name, good.read_bytes()).status_code == 200  # a fresh worker took over
    time.sleep(4.5)
    assert not marker.exists(), "the timed-out document went on computing"


def test_a_review_page_past_the_timeout_gets_504_from_a_killed_worker(workers_server, shared_data: Path):
    base, _, _ = workers_server
    started = time.monotonic()
    reply = httpx.post(f"{base}/view", files={"file": ("slow.txt", "SLOW\n一、总体情况\n".encode(), "text/plain")})
    assert reply.status_code == 504 and "no result within" in reply.text and time.monotonic() - started < 4
    good = shared_data / "dev" / "hangzhou_style_2025.html"
    assert _post(base, good.name, good.read_bytes()).status_code == 200  # a fresh worker took over


def test_review_pages_are_made_in_the_worker_processes(shared_data: Path):
    port = _free_port()
    with _serving(create_app(ExtractorSpec("rules"), timeout=60, concurrency=1), port):
        good = shared_data / "dev" / "hangzhou_style_2025.html"
        files = {"file": (good.name, good.read_bytes(), "text/html")}
        page = httpx.post(f"http://127.0.0.1:{port}/view", files=files, timeout=60)
    assert page.status_code == 200 and page.text.count("<mark ") > 100


def _raw(port: int, head: bytes, body: bytes = b"", wait: float = 5.0) -> bytes:
    with _socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(head + body)
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_an_upload_declared_too_large_is_refused_before_its_body_is_read(workers_server):
    _, port, _ = workers_server
    head = (
        b"POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: 600000000\r\n\r\n"
    )
    answer = _raw(port, head, b"--b\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_upload_is_refused_as_soon_as_it_passes_the_limit(workers_server):
    """Chunked, so no Content-Length warns the server: the 413 must come while the body is still streaming."""
    import select

    _, port, _ = workers_server
    head = (
        b"POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
    chunk = b"0" * 65536
    answer = b""
    sent = 0
    with _socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + b"%x\r\n%s\r\n" % (len(part), part))
        for _ in range(100):  # 6.5 MB offered: far past the 200 KB limit, never all sent
            if select.select([conn], [], [], 0)[0]:
                break
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:  # the server stopped reading after its answer
                break
            sent += len(chunk)
            time.sleep(0.005)  # the server runs in a thread of this process: let it read
        with contextlib.suppress(OSError):
            answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 100 * len(chunk)  # refused before the whole body had been sent


def test_a_stalled_body_gets_408_and_slow_headers_are_cut_off(workers_server):
    _, port, _ = workers_server
    head = (
        b"POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: 5000\r\n\r\n"
    )
    assert _raw(port, head, b"--b\r\n").startswith(b"HTTP/1.1 408")
    started = time.monotonic()
    assert _raw(port, b"POST /extract HTTP/1.1\r\nHost: x\r\n") == b""  # never finishes its head: closed
    assert time.monotonic() - started < 4
