"""RDF helpers every stage shares, on pyoxigraph's terms (the pipeline's own term model: fast, and what the
store speaks). The bridge to rdflib, which only validating and inferring need, is `bridge.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from .errors import NoBuild, StoreError

T = TypeVar("T")
#: A term as pyoxigraph types a subject or an object: our graphs hold no quoted triples (RDF 1.2), but the
#: type admits them, so code that reads a term's text goes through `lexical`.
Term = NamedNode | BlankNode | Literal | Triple


def lexical(term: Term) -> str:
    """The IRI, blank node label or lexical form of a term (a quoted triple in N-Triples form)."""
    return str(term) if isinstance(term, Triple) else term.value


def serialized(triples: Iterable[Triple], fmt: RdfFormat, **options: Any) -> bytes:
    """pyoxigraph's `serialize` into bytes (it returns None only when given an output file)."""
    data = serialize(list(triples), format=fmt, **options)
    if data is None:  # pragma: no cover - only with an output argument, which we never pass
        raise TypeError("serialize wrote to an output instead of returning bytes")
    return data


def reachable(edges: Mapping[T, Iterable[T]], start: T) -> set[T]:
    """Everything reachable from `start` (itself included) along `edges`."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def open_build_store(path: Path) -> Store:
    """A build's embedded store, read-only: NoBuild where there is none, StoreError where it cannot be read."""
    if not path.is_dir():
        raise NoBuild(f"no embedded store at {path}; run `ksst build` first (or pass --out)")
    try:
        return Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:  # RocksDB reports a damaged store as a RuntimeError
        raise StoreError(f"cannot open the embedded store at {path} ({' '.join(str(exc).split())}); "
                         f"build again with `ksst build --clean`") from exc
