"""Does masked-character pretraining help the tagger on real sources it has never seen?

    python benchmarks/bench_pretrain.py [--pretrain-steps 1200] [--steps 1000] [--synthetic 1500]

The gold sources (``training.promote.gold_source``) are split in two by a hash of their names, before any
result is seen: the *seen* half's report texts (unlabelled) go into pretraining, the *unseen* half's do not.
One masked-character encoder (``training.pretrain``) is pretrained on those real texts and on generated
reports (unlabelled); then two taggers are trained for the same steps on the same generated reports, with
labels and the layout families, one from random weights and one from the pretrained encoder, over the same
vocabulary. No gold label is used in any stage. Printed: the masked-character loss on the unseen half's text,
the model alone's cells on each half of the real gold (right, silently wrong, absent) and per layout family.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
DATA = REPO.parent / "shared" / "data"


def half(source: str) -> str:
    """seen or unseen, by the parity of a hash of the source's name (fixed before any figure was looked at)."""
    return "seen" if hashlib.sha1(source.encode()).digest()[0] % 2 == 0 else "unseen"


def main() -> None:
    from bench_families import tally
    from bench_loso import _score

    from extractor.extractor import read_normalized
    from extractor.io.readers import expand_paths
    from extractor.tagging.hf import TransformersTagger
    from extractor.tagging.vocab import CharVocab
    from training.families import FAMILIES
    from training.pretrain import PretrainConfig, masked_loss, pretrain, save_encoder
    from training.promote import gold_source
    from training.train import DataConfig, TrainConfig, examples_for, train

    parser = argparse.ArgumentParser()
    parser.add_argument("--pretrain-steps", type=int, default=1200)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--synthetic", type=int, default=1500)
    parser.add_argument("--real-share", type=float, default=0.25, help="share of pretraining windows from real text")
    parser.add_argument("--family-reports", type=int, default=6)
    parser.add_argument("--keep", type=Path, default=None, help="write the encoder and both taggers here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    started = time.perf_counter()

    golds = {p.stem for p in (DATA / "gold").glob("*.json")}
    files = [p for p in expand_paths([str(DATA / d) for d in ("seeds", "dev", "pages")]) if p.stem in golds]
    by_half: dict[str, list[Path]] = defaultdict(list)
    for f in files:
        by_half[half(gold_source(f.stem))].append(f)
    real = {
        name: [d.text for _, d in read_normalized(fs) if not isinstance(d, Exception)] for name, fs in by_half.items()
    }
    print({name: sorted({gold_source(f.stem) for f in fs}) for name, fs in by_half.items()})
    labelled = examples_for(DataConfig(synthetic=args.synthetic, synthetic_seed=200_000, families=True))
    generated = [text for text, _ in labelled]
    real_chars = sum(map(len, real["seen"]))
    repeat = max(1, round(args.real_share / (1 - args.real_share) * sum(map(len, generated)) / max(real_chars, 1)))
    unlabelled = [*generated, *real["seen"] * repeat]
    vocab = CharVocab.build(unlabelled, min_count=2)
    print(
        f"{len(generated)} generated reports, {len(real['seen'])} real texts ({real_chars} characters) ×{repeat}; "
        f"vocabulary {len(vocab)}"
    )

    base = dict(hidden=128, layers=3, heads=4, intermediate=512, window=256, stride=224, lr=2e-3, batch_size=32)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        t0 = time.perf_counter()
        pre_config = PretrainConfig(**base, steps=args.pretrain_steps, seed=0)
        encoder, _ = pretrain(unlabelled, pre_config, vocab=vocab)
        save_encoder(encoder, vocab, work / "encoder")
        pretrain_s = time.perf_counter() - t0
        untrained, _ = pretrain(unlabelled[:1], pre_config.model_copy(update={"steps": 0}), vocab=vocab)
        probe = [t[i : i + 256] for t in real["unseen"] for i in range(0, len(t), 256)]
        losses = {
            "random weights": masked_loss(untrained, vocab, probe, pre_config),
            "pretrained": masked_loss(encoder, vocab, probe, pre_config),
        }

        taggers, seconds = {}, {}
        for arm, extra in (
            ("from random weights", {}),
            ("from the pretrained encoder", {"encoder_from": str(work / "encoder")}),
        ):
            t0 = time.perf_counter()
            config = TrainConfig(**base, steps=args.steps, seed=1, model_id=f"pretrain-bench-{len(taggers)}", **extra)
            tagger = train(labelled, config, vocab=vocab)
            tagger.save(work / f"tagger{len(taggers)}")
            taggers[arm] = TransformersTagger.load(work / f"tagger{len(taggers)}")
            seconds[arm] = time.perf_counter() - t0

        print(
            f"\npretraining {args.pretrain_steps} steps: {pretrain_s:.0f} s; tagging {args.steps} steps: "
            + ", ".join(f"{a} {s:.0f} s" for a, s in seconds.items())
        )
        print(
            "masked-character loss on the unseen half's text: " + ", ".join(f"{k} {v:.3f}" for k, v in losses.items())
        )
        print("\n| tagger | gold, seen half | gold, unseen half | " + " | ".join(FAMILIES) + " |")
        print("|---|---|---|" + "---|" * len(FAMILIES))
        counts = tally(args.family_reports, FAMILIES, {arm: (t, None) for arm, t in taggers.items()})
        for arm, tagger in taggers.items():
            cells = []
            for name in ("seen", "unseen"):
                (right, total, silent, absent), _ = _score(tagger, by_half[name], DATA / "gold", work)
                cells.append(f"{right}/{total} ({silent} silent, {absent} absent)")
            fam = [f"{counts[f, arm, 'right'] / max(counts[f, arm, 'cells'], 1):.4f}" for f in FAMILIES]
            print(f"| {arm} | " + " | ".join(cells + fam) + " |")
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
