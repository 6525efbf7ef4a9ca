"""Import many files: extraction in worker processes, every write in this process.

The walk of a batch:

1. :func:`triage` hashes each file (sha256 of its bytes, as the ingester does) and
   sets aside those already stored, and copies of a file met earlier in the batch,
   before anything is extracted: a re-run of the same import is cheap and adds nothing.
2. :func:`extract_all` runs the extractor on the rest, in ``workers`` processes
   ("spawn" context) or in this process when ``workers`` is 1. The extractor is a
   top-level function ``extract(path) -> payload`` that never raises; a payload is
   plain data, so it crosses process boundaries as is:
   ``("ok", plan.model_dump(mode="json"), plan.text)`` or ``("failed", reason)``.
3. :func:`store` validates the payload into a PlanDocument and loads it (one
   transaction per document), or records the failure. A failure in one file never
   stops the batch and never leaves part of a document behind.

:func:`import_files` is the three steps in one generator of :class:`Result`.
"""
from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from extractor.store.load import load_plan, present_hashes, record_failure
from schemas import PlanDocument

Status = Literal["loaded", "replaced", "present", "failed"]
Payload = tuple
Extract = Callable[[str], Payload]

# How many times a file may be in flight when a worker dies (segfault, out of memory) before
# it counts as failed. The files in flight are tried again, each alone in the pool.
WORKER_DEATHS_ALLOWED = 1
WORKER_DIED = "the worker process extracting it died (a crash or out of memory)"


@dataclass(frozen=True)
class Job:
    path: Path
    sha256: Optional[str]


@dataclass(frozen=True)
class Result:
    path: Path
    status: Status
    message: str = ""


def one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return " ".join(text.split()) or type(exc).__name__


def file_sha256(path: Path, chunk: int = 1 << 20) -> Optional[str]:
    """sha256 of the file's bytes; None if it cannot be read (the extractor then says why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(chunk):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def triage(engine: Engine, paths: Iterable[Path], replace: bool = False) -> tuple[list[Result], list[Job]]:
    """Split files into those already present (results) and those to extract (jobs).

    A file whose bytes were met earlier in this batch is "present" too ("same content as ...").
    With ``replace``, stored documents are extracted again; copies within the batch still are not.
    """
    paths = list(paths)
    hashes = {path: file_sha256(path) for path in paths}
    stored = set() if replace else present_hashes(engine, [h for h in hashes.values() if h])
    first: dict[str, Path] = {}
    skipped: list[Result] = []
    jobs: list[Job] = []
    for path in paths:
        sha = hashes[path]
        if sha in first:
            skipped.append(Result(path, "present", f"same content as {first[sha]}"))
            continue
        if sha is not None:
            first[sha] = path
        if sha in stored:
            skipped.append(Result(path, "present"))
        else:
            jobs.append(Job(path, sha))
    return skipped, jobs


def call(extract: Extract, job: Job) -> Payload:
    try:
        return extract(str(job.path))
    except Exception as exc:  # the extractor should not raise; if it does, this file fails, the batch goes on
        return ("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}")


def extract_all(
    jobs: Iterable[Job],
    extract: Extract,
    workers: int = 1,
    started: Optional[Callable[[Job], None]] = None,
) -> Iterator[tuple[Job, Payload]]:
    """(job, payload) for every job, in the order they finish. ``started(job)`` is called
    as each file goes to the extractor. ``workers`` > 1: that many processes."""
    started = started or (lambda job: None)
    if workers <= 1:
        for job in jobs:
            started(job)
            yield job, call(extract, job)
        return
    queue = deque(jobs)
    deaths: dict[Job, int] = {}
    while queue:
        # A new pool each time a worker died; normally this loop runs once.
        yield from pool_round(queue, deaths, extract, workers, started)


def pool_round(queue: deque, deaths: dict, extract: Extract, workers: int, started) -> Iterator[tuple[Job, Payload]]:
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: dict[Future, Job] = {}

    def suspect(job: Job) -> bool:
        return deaths.get(job, 0) > 0

    def submit() -> None:
        # One file per worker in flight, so the file started is the file being extracted.
        # A file that was in flight when a worker died runs alone, so a second death is its own.
        while queue and len(pending) < workers:
            if any(map(suspect, pending.values())) or (pending and suspect(queue[0])):
                return
            job = queue.popleft()
            started(job)
            pending[pool.submit(extract, str(job.path))] = job

    try:
        submit()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            finished = []
            for future in done:
                job = pending.pop(future)
                try:
                    finished.append((job, future.result()))
                except BrokenProcessPool:
                    deaths[job] = deaths.get(job, 0) + 1
                    if deaths[job] > WORKER_DEATHS_ALLOWED:
                        finished.append((job, ("failed", WORKER_DIED)))
                    else:
                        queue.appendleft(job)
                except Exception as exc:  # e.g. a payload that cannot be sent back
                    finished.append((job, ("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}")))
            broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
            if broken:
                for future, job in pending.items():  # died with the pool: try again in a new one
                    deaths[job] = deaths.get(job, 0) + 1
                    if deaths[job] > WORKER_DEATHS_ALLOWED:
                        finished.append((job, ("failed", WORKER_DIED)))
                    else:
                        queue.appendleft(job)
                pending.clear()
            else:
                submit()  # keep the workers busy while this process writes
            yield from finished
            if broken:
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def describe(plan: PlanDocument) -> str:
    figures = sum(len(r.cells) for t in plan.budget_tables for r in t.rows)
    return (f"{plan.association or '?'} {plan.plan_year or '?'}: {len(plan.budget_tables)} tables, "
            f"{figures} figures, {len(plan.projects)} projects, {len(plan.goals)} goals")


def store(engine: Engine, job: Job, payload: Payload, replace: bool = False) -> Result:
    """Load an extracted plan in one transaction, or record why the file failed."""
    reason = plan_or_reason(payload)
    if isinstance(reason, PlanDocument):
        plan = reason
        try:
            status = load_plan(engine, plan, replace=replace)
        except SQLAlchemyError as exc:
            reason = f"cannot store ({one_line(exc)})"
        except Exception as exc:  # a bug while building rows: this document only
            reason = f"cannot store: unexpected {type(exc).__name__}: {one_line(exc)}"
        else:
            return Result(job.path, status, "" if status == "present" else describe(plan))
    try:
        record_failure(engine, job.path, reason)
    except SQLAlchemyError as exc:
        reason = f"{reason} (and the failure could not be recorded: {one_line(exc)})"
    return Result(job.path, "failed", reason)


def plan_or_reason(payload: Payload) -> PlanDocument | str:
    if not payload or payload[0] != "ok":
        return str(payload[1]) if len(payload) > 1 else "the extractor sent nothing back"
    try:
        plan = PlanDocument.model_validate(payload[1])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return f"invalid plan from the extractor ({where}: {first['msg']})"
    plan.text = payload[2] if len(payload) > 2 else None
    return plan


def import_files(
    engine: Engine,
    paths: Iterable[Path],
    extract: Extract,
    workers: int = 1,
    replace: bool = False,
    started: Optional[Callable[[Job], None]] = None,
) -> Iterator[Result]:
    """Triage, extract and store: one Result per file, the skipped ones first."""
    skipped, jobs = triage(engine, paths, replace)
    yield from skipped
    for job, payload in extract_all(jobs, extract, min(workers, len(jobs)), started):
        yield store(engine, job, payload, replace)
