"""The annotation loop, simulated on real reports: does correcting what the model doubts make it better?

    python benchmarks/bench_loop.py [--docs 4] [--label-studio] [--config training/configs/finetune.toml]

1. The current model ranks the real gold reports by its own need of a person (``annotate.candidates``).
2. The top ``--docs`` are "corrected" from their gold values (``annotate.align_values``); with
   ``--label-studio`` they go through a running server (scripts/labelstudio.sh): pushed with pre-annotations,
   annotated through the API as a person would, and pulled back with validation.
3. ``xxgk retrain`` fine-tunes on them (on a copy of ``models/``) and gates the candidate on the other gold
   reports only (never a corrected one).
4. A table: cells right per source on those held-out reports, model alone: before, after, and a control (the
   same fine-tune without the corrections), so that a gain is the corrections' and not the replayed data's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"


def main() -> None:
    from extractor.annotate import align_values, candidates
    from extractor.calibration import Calibration
    from extractor.corpus import Example, write_corpus
    from extractor.evaluate import Gold
    from extractor.extractor import read_normalized
    from extractor.io.readers import expand_paths
    from extractor.tagging.load import load_tagger

    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=4)
    parser.add_argument("--config", type=Path, default=REPO / "training/configs/finetune.toml")
    parser.add_argument("--human-weight", type=int, default=20)
    parser.add_argument("--synthetic", type=int, default=20)
    parser.add_argument("--label-studio", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    started = time.perf_counter()

    golds = {g.key: g for g in map(Gold.load, sorted((DATA / "gold").glob("*.json"))) if g.cells}
    files = [p for p in expand_paths([str(DATA / d) for d in ("seeds", "dev", "pages")])]
    docs = [d for _, d in read_normalized(files) if not isinstance(d, Exception)]
    docs = [d for d in docs if Path(d.source.path).stem in golds]
    model, rules = load_tagger("model", None), load_tagger("rules", None)
    calibration = Calibration.load(REPO / "models/default/calibration.json")
    choice = candidates(docs, model, rules, calibration)
    chosen = choice.chosen[: args.docs]
    print(f"chosen by the model's own ranking ({len(choice.chosen)} gold reports ranked):")
    for c in chosen:
        print(f"  {c.priority:7.3f}  {Path(c.doc.source.path).name}: {'; '.join(c.reasons) or '-'}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        human = work / "human.jsonl"
        if args.label_studio:
            _through_label_studio(chosen, golds, [model, rules], human, work)
        else:
            examples = []
            for c in chosen:
                aligned = align_values(c.doc, dict(golds[Path(c.doc.source.path).stem].cells), [model, rules])
                examples.append(Example(f"human-{c.doc.source.doc_id}", "human", c.doc.text, aligned.spans))
            write_corpus(human, examples)
        chosen_paths = {str(c.doc.source.path) for c in chosen}
        gated = [f for f in files if str(f) not in chosen_paths]
        with_corrections = _retrain(args, work / "with", [human], gated)
        control = _retrain(args, work / "control", [], gated)  # the same fine-tune without the corrections
    before, after, alone = with_corrections.current, with_corrections.candidate, control.candidate
    assert before is not None
    print(
        f"\nheld-out gold reports (not corrected): {len(with_corrections.held_out)}; model alone; cells right; "
        "control: the same fine-tune without the corrections\n"
    )
    print("| source | before | after | control |")
    print("|---|---|---|---|")
    for src, (right, total) in after.by_source.items():
        print(f"| {src} | {before.by_source[src][0]}/{total} | {right}/{total} | {alone.by_source[src][0]}/{total} |")
    print(
        f"| **all** | {before.gold[0]}/{before.gold[1]} | {after.gold[0]}/{after.gold[1]} | "
        f"{alone.gold[0]}/{alone.gold[1]} |"
    )
    (b, n), (a, _), (c, _) = before.generated, after.generated, alone.generated
    print(f"| generated (held out) | {b}/{n} | {a}/{n} | {c}/{n} |")
    print(
        f"\ngate: {'promoted' if with_corrections.promoted else 'not promoted'} ({with_corrections.why}); control: "
        f"{'promoted' if control.promoted else 'not promoted'} ({control.why}); "
        f"{time.perf_counter() - started:.0f} s in all"
    )


def _retrain(args, work: Path, human: list[Path], reports: list[Path]):
    """``xxgk retrain`` on a copy of ``models/``, gated on ``reports``."""
    from training.promote import retrain
    from training.train import RunConfig

    models = work / "models"
    shutil.copytree(REPO / "models", models)
    config = RunConfig.load(args.config)
    config = config.model_copy(update={"train": config.train.model_copy(update={"init_from": str(models / "default")})})
    return retrain(
        config,
        human,
        models,
        reports,
        DATA / "gold",
        synthetic=args.synthetic,
        human_weight=args.human_weight,
        say=print,
    )


def _through_label_studio(chosen, golds, taggers, human: Path, work: Path) -> None:
    """Push, annotate from gold through the API as a person would, pull: the real server in the loop."""
    import subprocess
    import uuid

    from extractor.annotate import align_values, client, ensure_project, ls_result, pull, push

    script = REPO / "scripts" / "labelstudio.sh"
    subprocess.run(["bash", str(script), "start"], check=True)
    env = subprocess.run(["bash", str(script), "env"], check=True, capture_output=True, text=True).stdout
    settings = dict(part.split("=", 1) for part in env.split()[1:])
    ls = client(settings["LABEL_STUDIO_URL"], settings["LABEL_STUDIO_API_KEY"])
    project = ensure_project(ls, f"xxgk-bench-{uuid.uuid4().hex[:8]}")
    push(ls, project, chosen)
    by_id = {c.doc.source.doc_id: c.doc for c in chosen}
    for task in ls.tasks.list(project=project, fields="all"):
        record = task.dict()
        doc = by_id[record["data"]["doc_id"]]
        aligned = align_values(doc, dict(golds[Path(doc.source.path).stem].cells), taggers)
        ls.annotations.create(id=record["id"], result=ls_result(doc.text, aligned.spans, with_scores=False))
    report = pull(ls, project, human)
    print(f"pulled {report.written} corrected documents, {len(report.rejected)} spans rejected")


if __name__ == "__main__":
    main()
