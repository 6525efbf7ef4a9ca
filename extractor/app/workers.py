"""The extraction workers of an import: processes that each take a file's path and send back its payload.

A :class:`Pool` of ``workers`` processes ("spawn" context) can be started before the import knows
which files it will extract (:meth:`Pool.start`): the workers load the extractor (``warm``) while the
importing process loads the store and sorts the files. Each worker holds the file it extracts and
the next (:data:`QUEUED_PER_WORKER`), so it never waits for the writer. A worker past its file's
time limit, or dead, is replaced; its file fails (a death is tried once more) and the file waiting
with it goes to another worker. Workers die with the importing process.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterator, Optional

from extractor.errors import one_line

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
# How much lower a worker's scheduling priority is than the importing process's (Unix niceness): the
# single writer all workers wait for gets the CPU as soon as a plan is ready to store, rather than a
# share of it beside the workers, so that their files are handed out on time. 5 gives the writer
# three times a worker's weight on Linux.
WORKER_NICENESS = 5


def timed_out(timeout: float) -> str:
    return f"stopped after {timeout:g} s: extraction took longer than the time limit (--timeout)"


@dataclass(frozen=True)
class Job:
    path: Path
    sha256: Optional[str]


def call(extract: Extract, job: Job) -> Payload:
    try:
        return extract(str(job.path))
    except Exception as exc:  # the extractor should not raise; if it does, this file fails, the batch goes on
        return ("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}")


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


def worker_main(conn, extract: Extract, parent: int, warm: Optional[Callable[[], None]] = None) -> None:
    """A worker: load what the extractor needs (``warm``), then receive a path and send back its
    payload, until told to stop (None) or orphaned."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    if warm is not None:
        try:
            warm()
        except Exception:  # the first file's extraction meets the same trouble and says so
            pass
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
    def __init__(self, context, extract: Extract, timeout: Optional[float], warm: Optional[Callable[[], None]] = None):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, extract, os.getpid(), warm),
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
    past its deadline or dead is replaced, and the file waiting with it goes to another. ``warm``, a
    top-level function, is called in each worker as it starts (loading the extractor), before any file."""

    def __init__(self, extract: Extract, workers: int, timeout: Optional[float],
                 warm: Optional[Callable[[], None]] = None):
        self.extract, self.size, self.timeout, self.warm = extract, workers, timeout, warm
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[Worker] = []

    def worker(self) -> Worker:
        return Worker(self.context, self.extract, self.timeout, self.warm)

    def start(self, files: Optional[int] = None) -> "Pool":
        """Start the workers (as many as ``files`` need, at most the pool's size) now, before the files
        are known: they start up while this process does other work. :meth:`run` starts those it needs."""
        wanted = self.size if files is None else min(self.size, files)
        while len(self.workers) < wanted:
            self.workers.append(self.worker())
        return self

    def close(self, kill: bool = False) -> None:
        """Stop every worker: those holding a file (or all, with ``kill``) at once, the others when they
        have read their stop."""
        for worker in self.workers:
            worker.stop(kill=kill or worker.job is not None)
        self.workers = []

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
        try:
            self.start(len(queue))
            for worker in self.workers[len(queue):]:  # fewer files than the workers started earlier
                worker.stop(kill=True)  # it holds no file; it may still be starting up
            pool = self.workers = self.workers[:len(queue)]
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
            self.close()
