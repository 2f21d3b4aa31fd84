"""Reading cost and agreement per input format: the same generated reports rendered as TXT, HTML, DOCX, text PDF,
scanned PNG and image-only PDF, read and extracted on this machine.

    python benchmarks/bench_formats.py [--reports 3] [--tagger model|rules]

Prints a markdown table: seconds per document to read (decode/render/OCR) and to extract, and the share of cells
equal to the TXT reading of the same report, and how many cells differ without a flag (not missing or inferred,
in no failing check).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from extractor.io.readers import read_source
from extractor.pipeline import extract
from extractor.schema import CellStatus, CheckStatus
from extractor.tagging.load import load_tagger
from training import render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3)
    parser.add_argument("--tagger", default="model")
    args = parser.parse_args()
    tagger = load_tagger(args.tagger)
    read_s: dict[str, list[float]] = {f: [] for f in render.FORMATS}
    extract_s: dict[str, list[float]] = {f: [] for f in render.FORMATS}
    same: dict[str, list[float]] = {f: [] for f in render.FORMATS}
    unflagged: dict[str, int] = dict.fromkeys(render.FORMATS, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (text, _) in enumerate(render.plain_reports(args.reports)):
            paths = render.render_all(text, Path(tmp), f"r{i}")
            base = None
            for fmt, path in paths.items():
                t0 = time.perf_counter()
                source = read_source(path)
                t1 = time.perf_counter()
                out = extract(source, tagger=tagger)
                t2 = time.perf_counter()
                read_s[fmt].append(t1 - t0)
                extract_s[fmt].append(t2 - t1)
                values = {k: c.value for k, c in out.cells.items()}
                base = base if base is not None else values
                same[fmt].append(sum(values.get(k) == v for k, v in base.items()) / max(len(base), 1))
                failing = {k for c in out.checks if c.status is CheckStatus.FAIL for k in c.cells}
                unflagged[fmt] += sum(
                    1
                    for k, v in base.items()
                    if k in out.cells
                    and out.cells[k].value != v
                    and out.cells[k].status not in (CellStatus.MISSING, CellStatus.INFERRED)
                    and k not in failing
                )
    print(f"\n### Input formats ({args.reports} generated reports, {tagger.name}, 2 cores)\n")
    print("| format | read s/doc | extract s/doc | cells equal to the TXT reading | differing and unflagged |")
    print("|---|---|---|---|---|")
    for fmt in render.FORMATS:
        print(
            f"| {fmt} | {statistics.mean(read_s[fmt]):.2f} | {statistics.mean(extract_s[fmt]):.2f} "
            f"| {statistics.mean(same[fmt]):.4f} | {unflagged[fmt]} |"
        )


if __name__ == "__main__":
    main()
