"""Speed and memory of the model path against the rules on real report files, measured in one run (issue #15).

    python benchmarks/bench_speed.py [--copies 8] [--data ../shared/data] [--workers 2] [--model DIR]
        [--throughput-only]

The real ``.txt`` and ``.html`` reports of ``--data`` are copied ``--copies`` times, each copy with distinct
bytes (a trailing line naming the copy), so every document is read, tagged and written as in a real run. Each
path runs in a fresh process (``xxgk``'s own batch code, ``--workers`` workers), so its peak RSS is its own.
Prints three markdown tables:

1. throughput per path: rules; the default (the model cross-checked by the rules) and the model alone, on ONNX
   Runtime (the default runtime) and on torch; documents, seconds, docs/s, chars/s, time ÷ rules, the largest
   worker's and the parent's peak RSS;
2. start-up, the median of 5 runs: ``xxgk extract one.txt`` with each tagger, and a fully resumed run (nothing left
   to do);
3. one document against its length: a real report with real narrative in front of its tables, 5k to 500k
   characters, in one process with one thread (seconds, chars/s, peak RSS), and a 100 MB text file, which
   the size limit turns into an error record.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATHS: dict[str, dict[str, object]] = {  # name → ExtractorSpec keyword arguments
    "rules": {"tagger": "rules"},
    "default (model + rules), ONNX Runtime": {"tagger": "model"},
    "model alone, ONNX Runtime": {"tagger": "model", "cross_check": False},
    "default (model + rules), torch": {"tagger": "model", "runtime": "torch"},
    "model alone, torch": {"tagger": "model", "cross_check": False, "runtime": "torch"},
}
LENGTHS = (5_000, 50_000, 500_000)


def copies(data: Path, folder: Path, n: int) -> list[Path]:
    originals = sorted(p for p in data.rglob("*") if p.suffix in (".txt", ".html"))
    out = []
    for i in range(n):
        for p in originals:
            target = folder / f"{p.stem}-{i}{p.suffix}"
            target.write_bytes(p.read_bytes() + f"\n{i}\n".encode())
            out.append(target)
    return out


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _descendant_peaks(root: int, peaks: dict[int, int]) -> None:
    """Record each live descendant's peak resident set (``VmHWM``, kB) from /proc (the pool's workers are
    forked by a fork server, so they are not this process's children and ``getrusage`` does not see them)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    for pid in parents:
        up = pid
        while up in parents and up != root:
            up = parents[up]
        if up != root or pid == root:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))


def _spec(spec_json: str) -> dict:
    """ExtractorSpec keyword arguments from JSON (a model directory as a path)."""
    spec = json.loads(spec_json)
    return {**spec, "model_dir": Path(spec["model_dir"])} if spec.get("model_dir") else spec


def one_path(spec_json: str, listing: Path, out: Path, workers: int) -> None:
    """In a fresh process: one batch run; prints seconds, the largest worker's and this process's peak RSS."""
    import os
    import threading

    from extractor.batch import run_batch
    from extractor.extractor import ExtractorSpec

    spec = ExtractorSpec(**_spec(spec_json))
    paths = [Path(p) for p in listing.read_text(encoding="utf-8").splitlines()]
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            _descendant_peaks(os.getpid(), peaks)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    run_batch(paths, out, spec, tagger_name=spec.tagger_name(), workers=workers, timeout=600)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    worker = max(peaks.values(), default=0) / 1024
    print(json.dumps({"seconds": seconds, "worker_mb": worker, "parent_mb": _peak_mb(resource.RUSAGE_SELF)}))


def one_length(spec_json: str, path: Path) -> None:
    """In a fresh process, one thread: extract one document (after a warm-up on a small one)."""
    from extractor.batch import limit_memory
    from extractor.extractor import Extractor, ExtractorSpec

    spec = ExtractorSpec(**{**_spec(spec_json), "threads": 1})
    limit_memory(spec.limits.memory_mb)  # as a batch worker runs
    extractor = Extractor.load(spec)
    extractor.extract_bytes("warm.txt", path.read_bytes()[:20_000])
    before = _peak_mb(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    record = extractor.extract_path(path)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": _peak_mb(resource.RUSAGE_SELF),
                "before_mb": before,
                "error": record.error.kind if record.error else None,
                "cells": sum(c.value is not None for c in record.cells.values()),
            }
        )
    )


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def startup(args: list[str], output: Path, fresh: bool = True, repeats: int = 5) -> float:
    """The median seconds of ``repeats`` runs of ``xxgk extract ARGS -o OUTPUT``: each from scratch (``fresh``:
    the output removed first) or each resumed (the output left as the run before wrote it)."""
    times = []
    for _ in range(repeats):
        if fresh:
            output.unlink(missing_ok=True)
        t0 = time.perf_counter()
        command = [sys.executable, "-m", "extractor", "extract", *args, "-o", str(output), "-q"]
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def padded(report: Path, narrative: str, length: int, target: Path) -> Path:
    """``report`` with real narrative in front of it, ``length`` characters in all."""
    text = report.read_text(encoding="utf-8")
    need = max(0, length - len(text))
    front = (narrative * (need // max(1, len(narrative)) + 1))[:need]
    target.write_text(front + text, encoding="utf-8")
    return target


def narrative_of(paths: list[Path]) -> str:
    """The prose of the real reports: their lines outside the table regions, longer than 40 characters."""
    from extractor.io.readers import read_source
    from extractor.normalize import normalize
    from extractor.segment import table_regions

    prose = []
    for p in paths:
        doc = normalize(read_source(p))
        regions = list(table_regions(doc.text, doc.headings).values())
        at = 0
        for line in doc.text.split("\n"):
            inside = any(lo <= at < hi for lo, hi in regions)
            if not inside and len(line) > 40 and not any(ch.isdigit() for ch in line):
                prose.append(line)
            at += len(line) + 1
    return "\n".join(prose) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[1].parent / "shared" / "data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", type=Path, help="model directory of the model paths (default: the shipped one)")
    parser.add_argument("--throughput-only", action="store_true", help="the first table alone, without torch")
    parser.add_argument("--one-path", nargs=4, metavar=("SPEC", "LISTING", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    parser.add_argument("--one-length", nargs=2, metavar=("SPEC", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_path:
        spec, listing, out, workers = args.one_path
        one_path(spec, Path(listing), Path(out), int(workers))
        return
    if args.one_length:
        one_length(args.one_length[0], Path(args.one_length[1]))
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "docs").mkdir()
        paths = copies(args.data, tmp / "docs", args.copies)
        listing = tmp / "listing.txt"
        listing.write_text("\n".join(map(str, paths)), encoding="utf-8")
        chars = sum(len(p.read_bytes().decode("utf-8", "replace")) for p in paths)
        print(f"{len(paths)} real documents ({chars:,} characters), {args.workers} workers, a fresh process each\n")
        print("| path | seconds | docs/s | chars/s | time ÷ rules | peak RSS, largest child (MB) | parent (MB) |")
        print("|---|---|---|---|---|---|---|")
        rules_seconds = None
        paths_run = {
            name: {**spec, **({"model_dir": str(args.model)} if args.model and spec["tagger"] == "model" else {})}
            for name, spec in PATHS.items()
            if not (args.throughput_only and spec.get("runtime") == "torch")
        }
        for i, (name, spec) in enumerate(paths_run.items()):
            got = _child("--one-path", json.dumps(spec), str(listing), str(tmp / f"path{i}.jsonl"), str(args.workers))
            seconds = got["seconds"]
            rules_seconds = rules_seconds or seconds
            print(
                f"| {name} | {seconds:.2f} | {len(paths) / seconds:.1f} | {chars / seconds:,.0f} "
                f"| {seconds / rules_seconds:.2f} | {got['worker_mb']:.0f} | {got['parent_mb']:.0f} |"
            )

        if args.throughput_only:
            return
        model = ["--model", str(args.model)] if args.model else []
        one = paths[0]
        print("\n| start-up, one document (median of 5) | seconds |\n|---|---|")
        for label, extra in (
            ("`xxgk extract one.txt --tagger rules`", ["--tagger", "rules"]),
            ("`xxgk extract one.txt` (model, ONNX Runtime)", model),
            ("`xxgk extract one.txt --runtime torch`", ["--runtime", "torch", *model]),
        ):
            print(f"| {label} | {startup([str(one), *extra], tmp / f'one{len(extra)}.jsonl'):.2f} |")
        resumed = startup([str(one), *model], tmp / f"one{len(model)}.jsonl", fresh=False)
        print(f"| the same, resumed (nothing left to do; no model loaded) | {resumed:.2f} |")

        report = next(p for p in sorted(args.data.rglob("*.txt")) if "seeds" in p.parts)
        narrative = narrative_of(sorted(p for p in args.data.rglob("*") if p.suffix in (".txt", ".html")))
        print("\n| one document, one thread | characters | rules s | default s | default chars/s | peak RSS (MB) |")
        print("|---|---|---|---|---|---|")
        for length in LENGTHS:
            doc = padded(report, narrative, length, tmp / f"long{length}.txt")
            rules = _child("--one-length", json.dumps(PATHS["rules"]), str(doc))
            got = _child("--one-length", json.dumps(paths_run["default (model + rules), ONNX Runtime"]), str(doc))
            print(
                f"| {report.stem} after narrative | {length:,} | {rules['seconds']:.3f} | {got['seconds']:.3f} "
                f"| {length / got['seconds']:,.0f} | {got['rss_mb']:.0f} |"
            )
        for megabytes in (40, 100):  # under the 50 MiB input limit, and over it
            huge = tmp / f"huge{megabytes}.txt"
            with huge.open("w", encoding="utf-8") as fh:
                while fh.tell() < megabytes * 1024 * 1024:
                    fh.write(narrative)
            got = _child("--one-length", json.dumps(paths_run["default (model + rules), ONNX Runtime"]), str(huge))
            outcome = f"error record: {got['error']}" if got["error"] else f"record, {got['cells']} cells"
            print(
                f"| {megabytes} MB of narrative | {huge.stat().st_size:,} bytes | | {got['seconds']:.2f} "
                f"| {outcome} | {got['rss_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
