"""Interrupt a large `xxgk extract` run and restart it: no document may be lost, none done twice.

    python benchmarks/resume_after_interrupt.py [--docs 10000] [--after 60] [--tagger rules]

Generates ``--docs`` reports into a temporary folder, starts ``xxgk extract`` on them, sends SIGTERM after
``--after`` seconds, runs the same command again to completion, and checks that the output holds exactly one
record per input path, in input order, each with the doc_id of its file's content. Prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from extractor.batch import journal_path
from training.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--after", type=float, default=60.0)
    parser.add_argument("--tagger", default="rules")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "reports"
        folder.mkdir()
        t0 = time.perf_counter()
        expected = {}
        for seed in range(args.docs):
            path = folder / f"report_{seed:05d}.txt"
            data = generate(seed).text.encode("utf-8")
            path.write_bytes(data)
            expected[str(path)] = hashlib.sha256(data).hexdigest()
        generated = time.perf_counter() - t0
        out = tmp / "results.jsonl"
        cmd = [sys.executable, "-m", "extractor", "extract", str(folder), "-o", str(out), "--tagger", args.tagger, "-q"]

        t0 = time.perf_counter()
        first = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        time.sleep(args.after)
        first.send_signal(signal.SIGTERM)  # what a scheduler sends; Ctrl-C (SIGINT) takes the same path
        first.wait()
        interrupted_at = time.perf_counter() - t0
        journal = journal_path(out)
        journalled = sum(1 for _ in journal.open(encoding="utf-8")) if journal.exists() else 0

        t0 = time.perf_counter()
        second = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, check=False)
        resumed = time.perf_counter() - t0

        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        paths = [r["source"]["path"] for r in records]
        lost = set(expected) - set(paths)
        duplicated = len(paths) - len(set(paths))
        wrong_id = sum(expected.get(r["source"]["path"]) != r["doc_id"] for r in records)
        in_order = paths == sorted(expected)
        print(
            "| documents | generated in (s) | interrupted after (s) | records kept at interrupt | resumed run (s) "
            "| second run said | records | lost | duplicated | wrong doc_id | input order |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        said = second.stderr.strip().splitlines()[-2:] if second.stderr.strip() else ["?"]
        print(
            f"| {args.docs} | {generated:.0f} | {interrupted_at:.0f} (exit {first.returncode}) | {journalled} "
            f"| {resumed:.0f} | {' / '.join(said)} | {len(records)} | {len(lost)} | {duplicated} | {wrong_id} "
            f"| {in_order} |"
        )
        if lost or duplicated or wrong_id or not in_order or second.returncode != 0:
            sys.exit(1)


if __name__ == "__main__":
    main()
