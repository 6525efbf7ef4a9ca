"""Import many files: extraction in worker processes, every write in this process.

The walk of a batch:

1. :func:`triage` hashes each file (sha256 of its bytes, as the ingester does) and
   sets aside, before anything is extracted, those already stored, those an earlier
   import could not load (unless ``retry_failed``: a re-run over an archive does not
   extract its failures again), and copies of a file met earlier in the batch, which
   wait for that file's outcome and share it.
2. :func:`extract_all` runs the extractor on the rest, in ``workers`` processes
   ("spawn" context) or in this process when ``workers`` is 1. The extractor is a
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
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from extractor.errors import one_line, shown
from extractor.store.load import copy_of, failed_hashes, load_plan, present_hashes, record_failure, refresh_statistics
from schemas import PlanDocument

Status = Literal["loaded", "replaced", "present", "failed"]
Payload = tuple
Extract = Callable[[str], Payload]

# How many times a file may be in flight when a worker dies (segfault, out of memory) before
# it counts as failed. The file is tried once more in a new worker.
WORKER_DEATHS_ALLOWED = 1
WORKER_DIED = "the worker process extracting it died (a crash or out of memory)"


# A worker's first message for a file: it has started on it (start-up, imports, are behind it).
STARTED = ("started",)
QUEUED_PER_WORKER = 2  # files given to a worker at once: the one it extracts and the next
# Seconds a new worker may take to start before its first file's time limit runs anyway.
START_UP = 120.0


def timed_out(timeout: float) -> str:
    return f"stopped after {timeout:g} s: extraction took longer than the time limit (--timeout)"


@dataclass(frozen=True)
class Job:
    path: Path
    sha256: Optional[str]


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


def call(extract: Extract, job: Job) -> Payload:
    try:
        return extract(str(job.path))
    except Exception as exc:  # the extractor should not raise; if it does, this file fails, the batch goes on
        return ("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}")


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
) -> Iterator[tuple[Job, Payload]]:
    """(job, payload) for every job, in the order they finish. ``started(job)`` is called
    as each file goes to the extractor. ``workers`` > 1: that many processes. A file taking
    longer than ``timeout`` seconds fails."""
    started = started or (lambda job: None)
    if workers <= 1:
        for job in jobs:
            started(job)
            yield job, call_with_limit(extract, job, timeout)
        return
    yield from Pool(extract, workers, timeout).run(deque(jobs), started)


# -- worker processes -------------------------------------------------------------------------


def die_with_parent(parent: int) -> None:
    """Make this worker end when the importing process ends, however it ends (kill -9 too)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="finsam-watchdog", daemon=True).start()


def worker_main(conn, extract: Extract, parent: int) -> None:
    """A worker: receive a path, send back its payload, until told to stop (None) or orphaned."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        conn.send(STARTED)  # the time limit runs from here, not from the worker's start-up
        payload = call(extract, Job(Path(path), None))
        try:
            conn.send(payload)
        except Exception as exc:  # a payload that cannot be sent back
            conn.send(("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}"))


class Worker:
    def __init__(self, context, extract: Extract, timeout: Optional[float]):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, extract, os.getpid()),
                                       name="finsam-worker", daemon=True)
        self.process.start()
        child.close()
        # the files given, in order: the first is being extracted, the next waits in the pipe, so that
        # the worker goes on while the import stores what it sent
        self.jobs: deque[Job] = deque()
        self.deadline = float("inf")
        self.timeout = timeout

    @property
    def job(self) -> Optional[Job]:
        return self.jobs[0] if self.jobs else None

    def give(self, job: Job) -> None:
        if not self.jobs:
            self.wait_start()
        self.jobs.append(job)
        self.conn.send(str(job.path))

    def wait_start(self) -> None:
        """The next file's time limit, until the worker says it has started on it."""
        self.deadline = time.monotonic() + START_UP + self.timeout if self.timeout else float("inf")

    def started(self) -> None:
        self.deadline = time.monotonic() + self.timeout if self.timeout else float("inf")

    def done(self) -> Job:
        job = self.jobs.popleft()
        if self.jobs:
            self.wait_start()
        return job

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            self.process.join(2.0)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class Pool:
    """``workers`` processes, each extracting one file with the next waiting (QUEUED_PER_WORKER); a worker
    past its deadline or dead is replaced, and the file waiting with it goes to another."""

    def __init__(self, extract: Extract, workers: int, timeout: Optional[float]):
        self.extract, self.size, self.timeout = extract, workers, timeout
        self.context = multiprocessing.get_context("spawn")

    def worker(self) -> Worker:
        return Worker(self.context, self.extract, self.timeout)

    def replace(self, worker: Worker, queue: deque) -> Worker:
        """A new worker for one dead or past its deadline; the file waiting with it goes back to the queue."""
        worker.stop(kill=True)
        queue.extendleft(reversed(list(worker.jobs)[1:]))
        return self.worker()

    def hand_out(self, pool: list["Worker"], queue: deque) -> None:
        for worker in pool:
            while len(worker.jobs) < QUEUED_PER_WORKER and queue:
                worker.give(queue.popleft())

    def run(self, queue: deque, started: Callable[[Job], None]) -> Iterator[tuple[Job, Payload]]:
        deaths: dict[Job, int] = {}
        pool: list[Worker] = []
        try:
            pool = [self.worker() for _ in range(min(self.size, len(queue)))]
            while True:
                self.hand_out(pool, queue)
                busy = [w for w in pool if w.job is not None]
                if not busy:
                    return
                left = min(w.deadline for w in busy) - time.monotonic()
                wait([x for w in busy for x in (w.conn, w.process.sentinel)], None if left == float("inf") else max(left, 0))
                finished = []
                for i, worker in enumerate(pool):
                    job = worker.job
                    if job is None:
                        continue
                    payload = None
                    while payload is None and worker.conn.poll():
                        try:
                            payload = worker.conn.recv()
                        except (EOFError, OSError):
                            break
                        if payload == STARTED:  # the file it holds first, not the one waiting
                            worker.started()
                            started(worker.job)
                            payload = None
                    if payload is not None:
                        finished.append((worker.done(), payload))
                    elif not worker.process.is_alive():
                        pool[i] = self.replace(worker, queue)
                        deaths[job] = deaths.get(job, 0) + 1
                        if deaths[job] > WORKER_DEATHS_ALLOWED:
                            finished.append((job, ("failed", WORKER_DIED)))
                        else:
                            queue.appendleft(job)
                    elif time.monotonic() >= worker.deadline:
                        pool[i] = self.replace(worker, queue)
                        finished.append((job, ("failed", timed_out(self.timeout))))
                # the free workers get their next files before the results are stored, so that they
                # extract while the single writer writes
                self.hand_out(pool, queue)
                yield from finished
        finally:
            for worker in pool:
                worker.stop(kill=worker.job is not None)


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
) -> Iterator[Result]:
    """Triage, extract and store: one Result per file, the skipped ones first; a copy of a
    file right after that file's own result, with the same outcome."""
    plan = triage(engine, paths, replace, retry_failed)
    for result in plan.skipped:
        if result.status == "failed":  # the same bytes failed before, perhaps under another name
            result = fail(engine, result.path, result.message, result.sha256, result.note, earlier=True)
        yield result
    stored = 0
    for job, payload in extract_all(plan.jobs, extract, min(workers, len(plan.jobs)), started, timeout):
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
