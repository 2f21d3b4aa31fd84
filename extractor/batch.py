"""Batch extraction: parallel workers, per-document timeouts, resumable runs, one atomic output at the end.

Each worker process builds its own ``Extractor`` once, from an ``ExtractorSpec``, under a memory
limit. Every finished document is appended to a journal
(``<output>.journal.jsonl``, flushed per record) so an interrupted run loses nothing: a re-run with the same
tagger skips every document whose content hash already has a good record in the journal or in the previous
output, and recomputes error records. The final output is written atomically from the journal, in input
order, and the journal is removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from extractor.extractor import Extractor, ExtractorSpec
from extractor.io.readers import display_path
from extractor.io.writers import write_outputs
from extractor.pipeline import error_record
from extractor.schema import ExtractionOutput, SourceInfo
from extractor.template import table_of

log = logging.getLogger(__name__)


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0  # already done by an earlier run with the same tagger
    by_status: Counter[str] = field(default_factory=Counter)
    failed_checks: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, error kind: message)

    @property
    def errors(self) -> int:
        """Documents of this run that ended in an error record (input, internal, timeout, memory)."""
        return len(self.failed)

    def add(self, out: ExtractionOutput, seconds: float) -> None:
        self.by_status[status_of(out)] += 1
        if out.error is not None:
            self.failed.append((out.source.path, f"{out.error.kind}: {out.error.message}"))
        for check in out.checks:
            if check.status == "fail":
                self.failed_checks[table_of(check.rule)] += 1
        self.slowest = sorted([*self.slowest, (seconds, out.source.path)], reverse=True)[:5]

    def lines(self) -> list[str]:
        done = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        out = [f"{self.total} documents ({self.skipped} already done): {done}"]
        if self.failed_checks:
            out.append(
                "failed checks by table: " + ", ".join(f"{k} {v}" for k, v in sorted(self.failed_checks.items()))
            )
        if self.slowest:
            out.append("slowest: " + ", ".join(f"{Path(p).name} {s:.2f}s" for s, p in self.slowest))
        if self.failed:
            out.append(f"failed ({len(self.failed)}):")
            out.extend(f"  {path}: {why}" for path, why in self.failed[:50])
            if len(self.failed) > 50:
                out.append(f"  … and {len(self.failed) - 50} more (records with an error in the output)")
        return out


def status_of(out: ExtractionOutput) -> str:
    if out.error is not None:
        return f"error:{out.error.kind}"
    return "review" if out.review.needed else "ok"


def content_key(path: Path, max_bytes: int) -> str | None:
    """sha256 of the file's bytes (the output's ``doc_id``); None when it cannot be read or is too large."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".journal.jsonl")


def _load_done(paths: Iterable[Path], tagger_name: str) -> dict[str, dict[str, Any]]:
    """Good records by doc_id from earlier runs with the same tagger (previous JSONL output and journal)."""
    done: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.is_file() or path.suffix not in (".jsonl", ".json"):
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by an interrupt or a full disk (dropped by repair_journal)
                if rec.get("error") is None and rec.get("tagger") == tagger_name and rec.get("doc_id"):
                    done[rec["doc_id"]] = rec
    return done


def repair_journal(journal: Path) -> None:
    """Cut a journal back to its last complete line, so that new records never land after a torn one."""
    if not journal.is_file():
        return
    with journal.open("rb+") as fh:
        data = fh.read()
        keep = data.rfind(b"\n") + 1
        if keep == len(data):
            return
        log.warning("%s ended in a cut-off line (%d bytes); dropped", journal, len(data) - keep)
        fh.truncate(keep)


def check_writable(output: Path) -> None:
    """Raise ``OSError`` naming ``output`` when its folder cannot take the output file (before any work)."""
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"cannot write {output}: folder {folder} does not exist")
    probe = folder / f".{output.name}.probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
    except OSError as exc:
        raise OSError(f"cannot write {output}: {exc.strerror or exc}") from exc
    finally:
        probe.unlink(missing_ok=True)


# ---- workers ----------------------------------------------------------------------------------
_WORKER: Extractor | None = None


def _init_worker(spec: ExtractorSpec) -> None:
    """Each worker: its memory limit, one model thread (the pool supplies the parallelism), its own Extractor."""
    global _WORKER
    limit_memory(spec.limits.memory_mb)
    _WORKER = Extractor.load(replace(spec, threads=1) if spec.threads == 0 else spec)


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's data segment (``RLIMIT_DATA``: heap and private mappings); past it an allocation fails
    and the document gets a ``memory_limit`` error record, or the worker dies and it gets an ``internal_error``."""
    if memory_mb is None:
        return
    import resource

    limit = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def worker_pool(spec: ExtractorSpec, workers: int):
    """A pebble pool of ``workers`` processes, each with its own ``Extractor`` (``_init_worker``).

    Workers are forked from a clean single-threaded server, never from this process: pebble replaces a
    timed-out worker from its manager thread, and a fork taken while another thread holds an import lock (or
    torch's) deadlocks the new worker. ``xxgk extract`` starts that server early with this module imported in it
    (``cli.extract._start_fork_server``); a model is only ever loaded in the workers."""
    import multiprocessing

    from pebble import ProcessPool

    context = multiprocessing.get_context("forkserver")
    return ProcessPool(max_workers=workers, initializer=_init_worker, initargs=(spec,), context=context)


def work_bytes(name: str, data: bytes) -> str:
    """In a worker: one uploaded document → its record as JSON."""
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.extract_bytes(name, data).to_json()


def view_bytes(name: str, data: bytes) -> str:
    """In a worker: one uploaded document → its review page (``Extractor.review_page``)."""
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.review_page(name, data)


def _work(path: str) -> tuple[str, float]:
    assert _WORKER is not None, "worker not initialised"
    t0 = time.perf_counter()
    out = _WORKER.extract_path(Path(path))
    return out.to_json(), time.perf_counter() - t0


def _failure(path: Path, doc_id: str | None, kind: str, message: str) -> ExtractionOutput:
    out = error_record(display_path(path), None, kind, message)
    return out.model_copy(update={"doc_id": doc_id or ""})


# ---- the run ----------------------------------------------------------------------------------
Progress = Callable[[int, int], None]  # (completed, total)


def run_batch(
    paths: Sequence[Path],
    output: Path,
    spec: ExtractorSpec,
    *,
    tagger_name: str,
    workers: int = 1,
    timeout: float | None = 120.0,
    progress: Progress | None = None,
    engine: str = "local",
    here: Callable[[], Extractor] | None = None,
) -> Summary:
    """Extract ``paths`` into ``output`` (.jsonl, .csv or .xlsx), resuming an interrupted or earlier run.

    ``tagger_name`` is the loaded tagger's ``name`` (model id and version): records of another tagger are redone.

    ``workers=0`` runs in this process (no timeout); otherwise a pool of ``workers`` processes, each with its
    own tagger, kills and replaces a worker whose document runs past ``timeout`` seconds. ``engine="ray"`` runs
    the same workers as Ray actors (on the cluster ``ray.init`` finds, or a local one); results are identical.
    ``here`` gives the ``Extractor`` for ``workers=0`` (else one is loaded from ``spec``); nothing is loaded, here
    or in workers, when every document is already done.

    Raises ``OSError`` before any work when ``output`` cannot be written.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
    check_writable(output)
    journal = journal_path(output)
    repair_journal(journal)
    done = _load_done([output, journal], tagger_name)
    keys = {p: content_key(p, spec.limits.max_bytes) for p in paths}
    todo = [p for p in paths if keys[p] is None or keys[p] not in done]
    summary = Summary(total=len(paths), skipped=len(paths) - len(todo))
    fresh: dict[Path, ExtractionOutput] = {}
    completed = summary.skipped
    if progress:
        progress(completed, len(paths))
    with journal.open("a", encoding="utf-8") as fh:

        def record(path: Path, out: ExtractionOutput, seconds: float) -> None:
            nonlocal completed
            fh.write(out.to_json() + "\n")
            fh.flush()
            fresh[path] = out
            summary.add(out, seconds)
            completed += 1
            if progress:
                progress(completed, len(paths))

        if todo and workers <= 0 and engine == "local":  # a fully resumed run loads no model
            _run_here(todo, (here or (lambda: Extractor.load(spec)))(), record)
        elif todo:
            ENGINES[engine](todo, spec, keys, max(workers, 1), timeout, record)
        os.fsync(fh.fileno())
    results = [fresh.get(p) or _reused(done[keys[p]], p) for p in paths]  # type: ignore[index]
    write_outputs(output, results)
    journal.unlink(missing_ok=True)  # every record is in the output now
    return summary


def _reused(rec: dict[str, Any], path: Path) -> ExtractionOutput:
    """An earlier record for the same content, under the path it has now."""
    out = ExtractionOutput.model_validate(rec)
    return out.model_copy(update={"source": SourceInfo(**{**out.source.model_dump(), "path": str(path)})})


def _run_here(todo: Sequence[Path], extractor: Extractor, record: Record) -> None:
    for path in todo:
        t0 = time.perf_counter()
        record(path, extractor.extract_path(path), time.perf_counter() - t0)


Record = Callable[[Path, ExtractionOutput, float], None]
# (documents to do, tagger spec, content hash by path, workers, timeout, record one result)
Engine = Callable[[Sequence[Path], ExtractorSpec, dict[Path, str | None], int, float | None, Record], None]


def _run_pool(todo, spec, keys, workers, timeout, record):  # an Engine
    from pebble import ProcessExpired

    with worker_pool(spec, workers) as pool:
        futures = [(p, pool.schedule(_work, args=(str(p),), timeout=timeout)) for p in todo]
        try:
            for path, future in futures:
                try:
                    text, seconds = future.result()
                    record(path, ExtractionOutput.model_validate_json(text), seconds)
                except FutureTimeout:
                    record(path, _failure(path, keys[path], "timeout", f"no result within {timeout} s"), timeout or 0)
                except ProcessExpired as exc:
                    record(path, _failure(path, keys[path], "internal_error", f"worker died: {exc}"), 0.0)
                except Exception as exc:  # e.g. a worker that could not start: a record, never a stopped batch
                    message = f"worker failed: {type(exc).__name__}: {exc}"
                    record(path, _failure(path, keys[path], "internal_error", message), 0.0)
        except BaseException:
            pool.stop()
            raise


def _run_ray(todo, spec, keys, workers, timeout, record):  # an Engine
    """The same work on Ray actors, each holding its own tagger; an actor past ``timeout`` is killed and replaced.

    Files are read by the actors, so on a cluster the paths must be visible to every node (a shared volume).
    """
    import ray

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    worker = _ray_worker(ray)
    queue = list(todo)
    running: dict[Any, tuple[Path, Any, float]] = {}

    def submit(actor: Any) -> None:
        if queue:
            path = queue.pop(0)
            running[actor.work.remote(str(path))] = (path, actor, time.monotonic())

    for _ in range(min(workers, max(len(todo), 1))):
        submit(worker.remote(spec))
    while running:
        ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
        for ref in ready:
            path, actor, _ = running.pop(ref)
            try:
                text, seconds = ray.get(ref)
                record(path, ExtractionOutput.model_validate_json(text), seconds)
            except ray.exceptions.RayError as exc:
                record(path, _failure(path, keys[path], "internal_error", f"worker failed: {exc}"), 0.0)
            submit(actor)
        for path, actor in _expired(running, timeout):
            ray.kill(actor)
            record(path, _failure(path, keys[path], "timeout", f"no result within {timeout} s"), timeout)
            submit(worker.remote(spec))


def _ray_worker(ray: Any) -> Any:
    """The Ray actor class: a worker process holding its own Extractor."""

    @ray.remote(num_cpus=1)
    class Worker:
        def __init__(self, spec: ExtractorSpec) -> None:
            _init_worker(spec)

        def work(self, path: str) -> tuple[str, float]:
            return _work(path)

    return Worker


def _expired(running: dict[Any, tuple[Path, Any, float]], timeout: float | None) -> list[tuple[Path, Any]]:
    """The documents running past ``timeout``, taken out of ``running``, with the actor holding each."""
    if timeout is None:
        return []
    now = time.monotonic()
    late = [ref for ref, (_, _, started) in running.items() if now - started > timeout]
    return [running.pop(ref)[:2] for ref in late]


ENGINES: dict[str, Engine] = {"local": _run_pool, "ray": _run_ray}
