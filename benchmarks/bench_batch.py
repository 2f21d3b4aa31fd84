"""Batch and service throughput on this machine: documents per second, peak memory, and how time grows with
document length and with the number of documents.

    python benchmarks/bench_batch.py [--docs 60] [--taggers rules model]

Prints markdown tables. Documents are generated reports (``training.synth``), written to a
temporary folder first so reading files is part of the measured path, as in a real run.
"""

from __future__ import annotations

import argparse
import resource
import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from extractor.batch import run_batch
from extractor.extractor import Extractor, ExtractorSpec
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.tagging.load import load_tagger
from training.synth import generate


def write_reports(folder: Path, seeds: range) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        path = folder / f"r{seed}.txt"
        path.write_text(generate(seed).text, encoding="utf-8")
        paths.append(path)
    return paths


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def batch_table(paths: list[Path], taggers: list[str], tmp: Path) -> None:
    print("| tagger | workers | documents | seconds | docs/s | peak RSS of one process (MB) |")
    print("|---|---|---|---|---|---|")
    for name in taggers:
        tagger_name = load_tagger(name).name
        for workers in (1, 2):
            out = tmp / f"{name}-{workers}.jsonl"
            t0 = time.perf_counter()
            run_batch(paths, out, ExtractorSpec(name), tagger_name=tagger_name, workers=workers, timeout=600)
            seconds = time.perf_counter() - t0
            print(
                f"| {name} | {workers} | {len(paths)} | {seconds:.1f} | {len(paths) / seconds:.2f} | {peak_mb():.0f} |"
            )


def length_table(taggers: list[str]) -> None:
    print("\n| tagger | characters | seconds per document |")
    print("|---|---|---|")
    base = generate(3).text
    narrative = "(一)主动公开。围绕重点领域信息公开,在政府网站发布各类信息1234条,政务新媒体发布56条。\n" * 1200
    for name in taggers:
        tagger = load_tagger(name)
        for extra in (0, 8000, 24000, 56000):
            text = narrative[:extra] + base
            src = source_from_bytes("len.txt", text.encode("utf-8"))
            extract(src, tagger=tagger)
            t0 = time.perf_counter()
            extract(src, tagger=tagger)
            print(f"| {name} | {len(text)} | {time.perf_counter() - t0:.3f} |")


def count_table(folder: Path, tmp: Path, name: str) -> None:
    print("\n| tagger | documents | workers | seconds | seconds per document |")
    print("|---|---|---|---|---|")
    tagger_name = load_tagger(name).name
    for n in (20, 40, 80):
        paths = write_reports(folder / f"n{n}", range(1000, 1000 + n))
        t0 = time.perf_counter()
        run_batch(paths, tmp / f"count{n}.jsonl", ExtractorSpec(name), tagger_name=tagger_name, workers=2)
        seconds = time.perf_counter() - t0
        print(f"| {name} | {n} | 2 | {seconds:.1f} | {seconds / n:.3f} |")


def service_table(paths: list[Path], name: str, clients: int = 8) -> None:
    import httpx
    import uvicorn

    from extractor.service import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Extractor(load_tagger(name)), concurrency=2), host="127.0.0.1", port=port, log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/extract"

    def post(path: Path) -> int:
        return httpx.post(url, files={"file": (path.name, path.read_bytes())}, timeout=600).status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(post, paths))
    seconds = time.perf_counter() - t0
    server.should_exit = True
    thread.join(10)
    errors = sum(code != 200 for code in codes)
    print("\n| service tagger | clients | requests | errors | seconds | docs/s |")
    print("|---|---|---|---|---|---|")
    print(f"| {name} | {clients} | {len(codes)} | {errors} | {seconds:.1f} | {len(codes) / seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--taggers", nargs="+", default=["rules", "model"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paths = write_reports(tmp / "docs", range(args.docs))
        batch_table(paths, args.taggers, tmp)
        length_table(args.taggers)
        count_table(tmp, tmp, args.taggers[-1])
        for name in args.taggers:
            service_table(paths[:32], name)


if __name__ == "__main__":
    main()
