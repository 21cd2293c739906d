"""Running a query where it can be stopped: in a process of its own, with a time limit, a memory limit and a
large stack, so that no query can hang, exhaust or crash the program that asked for it.

Oxigraph evaluates a query in Rust without ever returning to Python, so neither a timer nor Ctrl-C can stop it
in the same process, and a query can take all the memory there is. A worker process can be killed at once. So
`ksst query` runs each query on the embedded store in a worker it starts for that query, and `ksst serve` keeps
a pool of them (`serve/workers.py`); both use the code here:

* `serve_jobs` is a worker's life: it ignores Ctrl-C (its parent decides), limits its own memory
  (`RLIMIT_DATA`: an allocation past it fails, and Oxigraph then aborts the process, which its parent reports as
  "out of memory"), opens the store read-only once, and answers `Job`s on a thread with a large stack until its
  connection closes;
* `execute` runs one job and serialises the answer in the format asked for (SPARQL results in JSON, XML, CSV or
  TSV; a graph in N-Triples, Turtle, RDF/XML or JSON-LD), or says what failed;
* `run_once` is what `ksst query` does: a worker for one job, waited for at most the time limit, killed at the
  limit, at Ctrl-C, and always at the end.

The answer comes back as bytes in a standard format, which `ksst query` parses again with pyoxigraph: what a
worker sends is what a server would.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TypeVar

from pyoxigraph import (
    BlankNode,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
)

from ..core.errors import KsstError, NoBuild
from ..core.rdf import open_build_store

STACK_BYTES = 256 * 1024 * 1024  # the evaluation thread's stack: deep enough for any query the guard lets by
BASE_MEMORY_MB = 512  # what a worker needs besides a query's own data: the interpreter, the store, the stack
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 2048

RESULTS_FORMATS = {f.media_type.split(";")[0]: f for f in (QueryResultsFormat.JSON, QueryResultsFormat.XML,
                                                           QueryResultsFormat.CSV, QueryResultsFormat.TSV)}
T = TypeVar("T")
GRAPH_FORMATS = {f.media_type: f for f in (RdfFormat.N_TRIPLES, RdfFormat.TURTLE, RdfFormat.RDF_XML,
                                           RdfFormat.JSON_LD)}


@dataclass(frozen=True)
class Limits:
    """What one query may take: seconds of wall time and megabytes of memory (None: no limit)."""

    timeout: float | None = DEFAULT_TIMEOUT
    memory_mb: int | None = DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class Job:
    """One query for a worker. `graphs`: the default graph's graphs (None: the union of all the store's graphs);
    `named`: the graphs GRAPH may name (None: all); `results` and `graph`: the media types to answer in; `raw`:
    the query as its author wrote it, before parameters were written in (to tell their syntax errors apart)."""

    query: str
    graphs: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None
    results: str = QueryResultsFormat.JSON.media_type
    graph: str = RdfFormat.N_TRIPLES.media_type
    raw: str | None = None


@dataclass(frozen=True)
class Answer:
    """A query's answer: `kind` is "solutions", "boolean" or "graph"; `body` is in `media_type`."""

    kind: str
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Failure:
    """Why a query has no answer. `kind`: "syntax" (the query is malformed: `raw_error` is the error of the text as
    its author wrote it, None if that parses), "query" (it cannot be evaluated), "store" (the store cannot be
    read), "timeout", "memory" or "crash" (the worker died)."""

    kind: str
    message: str
    raw_error: str | None = None
    no_build: bool = False


# --- in the worker ----------------------------------------------------------------------------------------------


def die_with_parent() -> None:
    """Linux: have the kernel kill this worker when the process that started it dies (a killed `ksst query` or
    `ksst serve` must not leave a query running); elsewhere the worker stops at its next read of the pipe."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)


def limit_memory(memory_mb: int | None) -> None:
    if memory_mb is None:
        return
    limit = (memory_mb + BASE_MEMORY_MB + STACK_BYTES // 2**20) * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def serve_jobs(store_path: str, conn: Connection, memory_mb: int | None, quiet: bool = True) -> None:
    """A worker's life (see the module docstring): answer jobs from `conn` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    die_with_parent()
    if quiet:  # Oxigraph's message when it aborts on a failed allocation; the parent reports it in its own words
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    limit_memory(memory_mb)
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=_loop, args=(store_path, conn), name="ksst-query")
    thread.start()
    thread.join()


def _loop(store_path: str, conn: Connection) -> None:
    try:
        store: Store | Failure = open_build_store(Path(store_path))
    except KsstError as exc:
        store = Failure("store", str(exc), no_build=isinstance(exc, NoBuild))
    except BaseException as exc:  # a panic of the engine (pyo3 raises it as a BaseException) on a damaged store
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        store = Failure("store", f"cannot open the embedded store at {store_path} ({_one_line(exc)}); build "
                                 f"again with `ksst build --clean`")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = store if isinstance(store, Failure) else execute(store, job)
        except MemoryError:
            reply = Failure("memory", "the query needed more memory than its limit")
        except BaseException as exc:  # a panic of the engine: on a damaged store, or a bug of the engine
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            reply = Failure("crash", f"the query engine failed on this query ({_one_line(exc)}); if the store "
                                     f"was damaged, build again with `ksst build --clean`")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def execute(store: Store, job: Job) -> Answer | Failure:
    """Run one job on `store`; its answer serialised as the job asks, or what failed."""
    try:
        answer = _evaluate(store, job.query, job)
        if isinstance(answer, QuerySolutions):
            fmt = RESULTS_FORMATS.get(job.results, QueryResultsFormat.JSON)
            return Answer("solutions", _bare(fmt.media_type), _bytes(answer.serialize(format=fmt)))
        if isinstance(answer, QueryBoolean):
            fmt = RESULTS_FORMATS.get(job.results, QueryResultsFormat.JSON)
            return Answer("boolean", _bare(fmt.media_type), _bytes(answer.serialize(format=fmt)))
        graph_fmt = GRAPH_FORMATS.get(job.graph, RdfFormat.N_TRIPLES)
        return Answer("graph", _bare(graph_fmt.media_type), _bytes(answer.serialize(format=graph_fmt)))
    except SyntaxError as exc:
        return Failure("syntax", str(exc), _raw_error(job))
    except (ConnectionError, TimeoutError, socket.gaierror) as exc:  # a SERVICE request (where it is allowed)
        return Failure("query", f"a SERVICE request failed ({' '.join(str(exc).split())})")
    except OSError as exc:
        return Failure("store", f"the store cannot be read ({' '.join(str(exc).split())})")
    except (RuntimeError, ValueError, TypeError) as exc:
        return Failure("query", " ".join(str(exc).split()))


def _evaluate(store: Store, text: str, job: Job) -> QuerySolutions | QueryBoolean | QueryTriples:
    named: list[NamedNode | BlankNode] | None = [NamedNode(g) for g in job.named] if job.named is not None else None
    if job.graphs is None or set(job.graphs) == {g.value for g in store.named_graphs()}:
        # every graph of the store: its union is read from one index (one seek per lookup, not one per graph)
        return store.query(text, use_default_graph_as_union=True, named_graphs=named)
    return store.query(text, default_graph=[NamedNode(g) for g in job.graphs], named_graphs=named)


def _raw_error(job: Job) -> str | None:
    """The syntax error of the query as its author wrote it (on an empty store: nothing is evaluated)."""
    if job.raw is None or job.raw == job.query:
        return None
    try:
        Store().query(job.raw)
    except SyntaxError as exc:
        return str(exc)
    except (OSError, RuntimeError, ValueError, TypeError):
        pass
    return None


def on_deep_stack(work: Callable[[], T]) -> T:
    """`work()` run on a thread with a large stack (in this process), its result returned or its error raised."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    previous = threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="ksst-query", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]  # an exception, stored above
    return box["value"]  # type: ignore[return-value]  # work's result, stored above


def _bare(media_type: str) -> str:
    """A media type without its parameters (the server adds the charset)."""
    return media_type.split(";")[0]


def _bytes(data: bytes | None) -> bytes:
    if data is None:  # pragma: no cover - only with an output argument, which we never pass
        raise TypeError("serialize wrote to an output instead of returning bytes")
    return data


# --- in the parent ----------------------------------------------------------------------------------------------


Context = (multiprocessing.context.ForkContext | multiprocessing.context.ForkServerContext
           | multiprocessing.context.SpawnContext)


def context() -> Context:
    """How workers are started: forked where the parent has one thread and fork exists (a fork takes a
    millisecond and shares the parent's imports), else from a fork server (safe beside threads)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def death(process: BaseProcess, limits: Limits) -> Failure:
    """What a worker that died while it ran a query means."""
    code = process.exitcode
    if code in (-signal.SIGABRT, -signal.SIGKILL, 134, 137) and limits.memory_mb is not None:
        return Failure("memory", f"the query needed more than the {limits.memory_mb} MB of memory it may use "
                                 f"and was stopped")
    how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return Failure("crash", f"the query engine failed on this query ({how}) and was stopped")


def wait_for(conn: Connection, process: BaseProcess, limits: Limits,
             cancelled: Callable[[], bool] | None = None) -> Answer | Failure:
    """The reply to the job just sent, waited for at most the time limit (then Failure "timeout"). Waits in
    short slices so that a dead worker, a cancellation and Ctrl-C are noticed at once."""
    deadline = None if limits.timeout is None else time.monotonic() + limits.timeout
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return Failure("timeout", f"the query ran longer than its time limit of {limits.timeout:g} s and was "
                                      f"stopped")
        if cancelled is not None and cancelled():
            return Failure("timeout", "the client went away; the query was stopped")
        try:
            if conn.poll(0.2 if left is None else min(left, 0.2)):
                reply: Answer | Failure = conn.recv()
                return reply
        except (EOFError, OSError):
            process.join(1.0)
            return death(process, limits)
        if not process.is_alive():
            return death(process, limits)


def run_once(store_path: Path, job: Job, limits: Limits = Limits()) -> Answer | Failure:
    """Run one job in a worker of its own (see the module docstring); the worker is gone when this returns,
    however it returns (Ctrl-C included)."""
    ctx = context()
    parent, child = ctx.Pipe(duplex=True)
    process = ctx.Process(target=serve_jobs, args=(str(store_path), child, limits.memory_mb), daemon=True,
                          name="ksst-query")
    process.start()
    child.close()
    try:
        parent.send(job)
        return wait_for(parent, process, limits)
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join()
