"""The embedded on-disk Oxigraph store of a build: the asserted, inferred and ontology graphs, each named.

Oxigraph reads, parses and indexes a file in Rust without holding the GIL, so the build hands it the N-Triples
files it exports anyway and lets it load them on a thread of its own while Python validates, infers and writes
the other exports: at a million triples that hides the store's ten seconds, and spares a list of a million
`Quad`s and the N-Triples in memory. Queries on the store (the QC checks) run on that thread as well.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pyoxigraph import NamedNode, RdfFormat, Store

T = TypeVar("T")


class StoreWriter:
    """Loads graphs into a new store in the background, one job after the other, in the order given."""

    def __init__(self, path: Path) -> None:
        self.store = Store(str(path))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ksst-store")
        self._jobs: list[Future[Any]] = []

    def load(self, graph: str, path: Path, fmt: RdfFormat = RdfFormat.N_TRIPLES) -> None:
        """Queue the RDF file `path` for the named graph `graph` (Oxigraph reads the file itself)."""
        self._jobs.append(self._pool.submit(self._load, graph, path, fmt))

    def _load(self, graph: str, path: Path, fmt: RdfFormat) -> None:
        self.store.bulk_load(path=str(path), format=fmt, to_graph=NamedNode(graph))

    def then(self, work: Callable[[Store], T]) -> Future[T]:
        """Run `work(store)` on the store's thread once the loads queued before it are in (Oxigraph evaluates
        queries without the GIL too, so the build's QC checks run beside inference and the exports)."""
        job = self._pool.submit(work, self.store)
        self._jobs.append(job)
        return job

    def ready(self) -> Store:
        """Wait for every queued load (re-raising its error) and return the store, for queries."""
        for job in self._jobs:
            job.result()
        return self.store

    def finish(self) -> None:
        """Queue the flush and compaction that make the store quick to open and read."""
        self._jobs.append(self._pool.submit(self._finish))

    def _finish(self) -> None:
        self.store.flush()
        self.store.optimize()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Wait for the jobs (re-raising their errors), then drop the handle so that the folder can be moved
        and opened by other processes; after a failure, queued jobs are dropped (the folder is removed)."""
        try:
            if exc is None:
                self.ready()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)
            del self.store
            gc.collect()
