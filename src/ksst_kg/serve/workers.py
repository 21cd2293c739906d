"""Where the server's queries run: a small pool of worker processes per build (`query/worker.py` is their code),
and the build the server answers from, which follows the builds published at the build folder.

A query waits for a free worker (at most `Options.queue_wait` seconds, else the server is busy: 503), runs there
with the time and memory limits, and gets its answer or a failure. A worker that timed out, ran out of memory,
crashed, or whose client went away is killed (SIGKILL: Oxigraph cannot be asked to stop) and replaced by a fresh
one in the background; a worker is also replaced after `MAX_JOBS` queries, so that memory a query left
fragmented does not narrow the next ones.

Workers are started from a fork server (the HTTP front has threads, which a plain fork would copy mid-way), and
die with it when the server dies.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from ..core.builds import reading
from ..query.worker import Answer, Failure, Job, Limits, serve_jobs, wait_for

MAX_JOBS = 1000  # queries a worker answers before it is replaced
CHECK_EVERY = 1.0  # seconds between two looks at whether a newer build was published


@dataclass(eq=False)  # each worker is itself (hashed by identity)
class Worker:
    process: BaseProcess
    conn: Connection
    jobs: int = 0


def _context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ksst_kg.query.worker"])  # a worker starts in a few milliseconds
        return ctx
    return multiprocessing.get_context("spawn")


class Pool:
    """`size` workers over one store, each answering one query at a time."""

    def __init__(self, store: Path, size: int, limits: Limits) -> None:
        self.store, self.size, self.limits = store, max(1, size), limits
        self.ctx = _context()
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.closed = False
        self._lock = threading.Lock()
        self._all: set[Worker] = set()
        for _ in range(self.size):
            self.idle.put(self._start())

    def _start(self) -> Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        process = self.ctx.Process(target=serve_jobs, args=(str(self.store), child, self.limits.memory_mb),
                                   daemon=True, name="ksst-serve-worker")
        process.start()
        child.close()
        worker = Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _stop(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)

    def _replace(self, worker: Worker) -> None:
        """Kill `worker` and put a fresh one in its place, on a thread (the client is not kept waiting)."""
        def work() -> None:
            self._stop(worker)
            if not self.closed:
                self.idle.put(self._start())

        threading.Thread(target=work, name="ksst-serve-replace", daemon=True).start()

    def run(self, job: Job, wait: float, cancelled: Callable[[], bool] | None = None) -> Answer | Failure:
        """Run `job` on a free worker; Failure "busy" if none is free within `wait` seconds."""
        try:
            worker = self.idle.get(timeout=wait)
        except queue.Empty:
            return Failure("busy", f"every query worker is busy (waited {wait:g} s); try again later")
        if cancelled is not None and cancelled():  # its client went away while it waited
            self.idle.put(worker)
            return Failure("timeout", "the client went away; the query was not run")
        healthy = False
        try:
            worker.conn.send(job)
            reply = wait_for(worker.conn, worker.process, self.limits, cancelled)
            healthy = not (isinstance(reply, Failure) and reply.kind in ("timeout", "memory", "crash"))
            return reply
        except (OSError, EOFError, ValueError):
            return Failure("crash", "the query worker stopped unexpectedly; try again")
        finally:
            worker.jobs += 1
            if healthy and worker.jobs < MAX_JOBS and not self.closed:
                self.idle.put(worker)
            else:
                self._replace(worker)

    def close(self) -> None:
        self.closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._stop(worker)


class ServedBuild:
    """The build a server answers from: the version published at `out_dir` when it started, held (a shared lock,
    so that no build removes it) with its pool of workers; a build published later is taken up at the next
    request after `CHECK_EVERY` seconds, and the old one let go once its running queries are answered."""

    def __init__(self, out_dir: Path, size: int, limits: Limits) -> None:
        self.out_dir, self.size, self.limits = out_dir, size, limits
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self.current = _Version.open(out_dir, size, limits)

    @property
    def folder(self) -> Path:
        return self.current.folder

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY:
            return
        self._checked = now
        real = Path(os.path.realpath(self.out_dir))
        if real == self.current.folder or not (real / "store").is_dir():
            return
        try:
            fresh = _Version.open(self.out_dir, self.size, self.limits)
        except Exception:  # the new build could not be opened: keep answering from the one we have
            return
        old, self.current = self.current, fresh
        old.retire()

    @contextlib.contextmanager
    def pool(self) -> Iterator[Pool]:
        """The pool of the current build, kept for the duration of one request."""
        with self._lock:
            self._refresh()
            version = self.current
            version.users += 1
        try:
            yield version.pool
        finally:
            with self._lock:
                version.users -= 1
                done = version.retired and version.users == 0
            if done:
                version.close()

    def close(self) -> None:
        with self._lock:
            self.current.retire()
            done = self.current.users == 0
        if done:
            self.current.close()


class _Version:
    """One published build, held open, and its pool."""

    def __init__(self, folder: Path, held: contextlib.ExitStack, pool: Pool) -> None:
        self.folder, self.held, self.pool = folder, held, pool
        self.users = 0
        self.retired = False
        self._closed = False

    @classmethod
    def open(cls, out_dir: Path, size: int, limits: Limits) -> _Version:
        held = contextlib.ExitStack()
        folder = held.enter_context(reading(out_dir))
        try:
            pool = Pool(folder / "store", size, limits)
        except BaseException:
            held.close()
            raise
        return cls(folder, held, pool)

    def retire(self) -> None:
        self.retired = True
        if self.users == 0:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.pool.close()
        self.held.close()
