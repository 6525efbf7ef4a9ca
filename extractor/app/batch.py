"""Import many files: extraction in worker processes, every write in this process.

The walk of a batch:

1. :func:`triage` hashes each file (sha256 of its bytes, as the ingester does) and
   sets aside, before anything is extracted, those already stored, those an earlier
   import could not load (unless ``retry_failed``: a re-run over an archive does not
   extract its failures again), and copies of a file met earlier in the batch, which
   wait for that file's outcome and share it.
2. :func:`extract_all` runs the extractor on the rest, in ``workers`` processes
   (:class:`extractor.app.workers.Pool`, which an import may start before step 1 so
   that the workers start up meanwhile) or in this process when ``workers`` is 1. The extractor is a
   top-level function ``extract(path) -> payload`` that never raises; a payload is
   plain data, so it crosses process boundaries as is:
   ``("ok", plan.model_dump(mode="json"), plan.text)`` or ``("failed", reason)``.
   A file that takes longer than ``timeout`` seconds fails (its worker is stopped and
   replaced); a worker that dies fails its own file only. Workers die with this
   process (Linux: a parent-death signal; elsewhere a watchdog thread).
3. :func:`store` validates the payload into a PlanDocument and loads it (one
   transaction per document), or records the failure with the file's sha256. A
   failure in one file never stops the batch and never leaves part of a document behind.

:func:`import_files` is the three steps in one generator of :class:`Result`.
"""
from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from extractor.app.workers import WORKER_DIED, Extract, Job, Payload, Pool, call, timed_out
from extractor.errors import one_line, shown
from extractor.store.load import copy_of, failed_hashes, load_plan, present_hashes, record_failure, refresh_statistics
from schemas import PlanDocument

Status = Literal["loaded", "replaced", "present", "failed"]
__all__ = ["WORKER_DIED", "Job", "Pool", "Result", "extract_all", "import_files", "store", "timed_out", "triage"]


@dataclass(frozen=True)
class Result:
    path: Path
    status: Status
    message: str = ""
    earlier: bool = False  # failed in an earlier import and not extracted again
    sha256: Optional[str] = None
    note: str = ""  # e.g. "same content as PATH": shown after the message, not recorded with a failure

    @property
    def line(self) -> str:
        """The message and the note, as one shows them."""
        return f"{self.message} ({self.note})" if self.message and self.note else self.message or self.note


@dataclass
class Triage:
    skipped: list[Result] = field(default_factory=list)  # decided without extracting
    jobs: list[Job] = field(default_factory=list)  # to extract
    copies: dict[str, list[Path]] = field(default_factory=dict)  # sha256 of a job -> later files with its bytes

    def __iter__(self):  # skipped, jobs = triage(...)
        return iter((self.skipped, self.jobs))


def file_sha256(path: Path, chunk: int = 1 << 20) -> Optional[str]:
    """sha256 of the file's bytes; None if it cannot be read (the extractor then says why).
    Only regular files are read: a pipe or device would block."""
    digest = hashlib.sha256()
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            while block := f.read(chunk):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def triage(engine: Engine, paths: Iterable[Path], replace: bool = False, retry_failed: bool = False) -> Triage:
    """Split files into those decided without extraction (results), those to extract (jobs),
    and copies of a job (same bytes met earlier in this batch), which share its outcome.

    With ``replace``, stored documents are extracted again; with ``retry_failed``, files an
    earlier import could not load are. A copy of a stored or earlier-failed file shares that outcome.
    """
    paths = list(paths)
    hashes = {path: file_sha256(path) for path in paths}
    known = [h for h in hashes.values() if h]
    stored = set() if replace else present_hashes(engine, known)
    failed = {} if retry_failed else failed_hashes(engine, known)
    first: dict[str, Path] = {}
    out = Triage()
    for path in paths:
        sha = hashes[path]
        if sha in first:
            same = f"same content as {shown(first[sha])}"
            if sha in out.copies:
                out.copies[sha].append(path)
            elif sha in failed:
                out.skipped.append(Result(path, "failed", failed[sha], earlier=True, sha256=sha, note=same))
            else:
                out.skipped.append(Result(path, "present", note=same))
            continue
        if sha is not None:
            first[sha] = path
        if sha in stored:
            out.skipped.append(Result(path, "present"))
        elif sha in failed:
            out.skipped.append(Result(path, "failed", failed[sha], earlier=True, sha256=sha))
        else:
            out.jobs.append(Job(path, sha))
            if sha is not None:
                out.copies[sha] = []
    return out


class TimeLimit(BaseException):
    """Raised in this process by the alarm when one file takes too long (not an Exception:
    the extractor's own ``except Exception`` must not swallow it)."""


@contextmanager
def alarm(timeout: Optional[float]):
    """Interrupt the body after ``timeout`` seconds (main thread on Unix; elsewhere no limit)."""
    usable = timeout and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def ring(signum, frame):
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_with_limit(extract: Extract, job: Job, timeout: Optional[float]) -> Payload:
    try:
        with alarm(timeout):
            return call(extract, job)
    except TimeLimit:
        return ("failed", timed_out(timeout))


def extract_all(
    jobs: Iterable[Job],
    extract: Extract,
    workers: int = 1,
    started: Optional[Callable[[Job], None]] = None,
    timeout: Optional[float] = None,
    pool: Optional[Pool] = None,
) -> Iterator[tuple[Job, Payload]]:
    """(job, payload) for every job, in the order they finish. ``started(job)`` is called
    as each file goes to the extractor. ``workers`` > 1: that many processes, or those of
    ``pool`` (started earlier, with its own time limit). A file taking longer than ``timeout``
    seconds fails."""
    started = started or (lambda job: None)
    if pool is None and workers > 1:
        pool = Pool(extract, workers, timeout)
    if pool is not None:
        yield from pool.run(deque(jobs), started)
        return
    for job in jobs:
        started(job)
        yield job, call_with_limit(extract, job, timeout)


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
            status = load_plan(engine, plan, replace=replace, path=job.path)
        except SQLAlchemyError as exc:
            reason = f"cannot store ({one_line(exc)})"
        except Exception as exc:  # a bug while building rows: this document only
            reason = f"cannot store: unexpected {type(exc).__name__}: {one_line(exc)}"
        else:
            if status == "present":
                return Result(job.path, status)
            primary = copy_of(engine, plan.source.sha256)
            return Result(job.path, status, describe(plan) + (f"; the same plan as {primary}" if primary else ""))
    return fail(engine, job.path, reason, job.sha256)


def fail(engine: Engine, path: Path, reason: str, sha256: Optional[str], note: str = "", earlier: bool = False) -> Result:
    try:
        record_failure(engine, path, reason, sha256)
    except SQLAlchemyError as exc:
        reason = f"{reason} (and the failure could not be recorded: {one_line(exc)})"
    return Result(path, "failed", reason, earlier=earlier, sha256=sha256, note=note)


def plan_or_reason(payload: Payload) -> PlanDocument | str:
    if not payload or payload[0] != "ok":
        return str(payload[1]) if payload and len(payload) > 1 else "the extractor sent nothing back"
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
    timeout: Optional[float] = None,
    retry_failed: bool = False,
    pool: Optional[Pool] = None,
) -> Iterator[Result]:
    """Triage, extract and store: one Result per file, the skipped ones first; a copy of a
    file right after that file's own result, with the same outcome. ``pool``: workers started
    earlier (:meth:`Pool.start`) to extract with instead of ``workers``; they are stopped at the end."""
    try:
        yield from _import(engine, paths, extract, workers, replace, started, timeout, retry_failed, pool)
    finally:
        if pool is not None:
            pool.close()


def _import(engine, paths, extract, workers, replace, started, timeout, retry_failed, pool) -> Iterator[Result]:
    plan = triage(engine, paths, replace, retry_failed)
    if pool is not None and not plan.jobs:
        pool.close(kill=True)  # nothing to extract: the workers, holding no file, are not waited for
    for result in plan.skipped:
        if result.status == "failed":  # the same bytes failed before, perhaps under another name
            result = fail(engine, result.path, result.message, result.sha256, result.note, earlier=True)
        yield result
    stored = 0
    for job, payload in extract_all(plan.jobs, extract, min(workers, len(plan.jobs)), started, timeout, pool):
        result = store(engine, job, payload, replace)
        stored += result.status in ("loaded", "replaced")
        yield result
        for path in plan.copies.get(job.sha256, []) if job.sha256 else []:
            same = f"same content as {shown(job.path)}"
            if result.status == "failed":
                yield fail(engine, path, result.message, job.sha256, same)
            else:
                yield Result(path, "present", note=same)
    if stored:
        refresh_statistics(engine)
