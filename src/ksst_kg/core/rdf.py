"""RDF helpers every stage shares: moving terms between pyoxigraph and rdflib, and graph reachability.

pyoxigraph is the pipeline's own term model (fast, and what the store speaks); rdflib is what pyshacl and
owlrl work on, so the two meet here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

T = TypeVar("T")
#: A term as pyoxigraph types a subject or an object: our graphs hold no quoted triples (RDF 1.2), but the
#: type admits them, so code that reads a term's text goes through `lexical`.
Term = NamedNode | BlankNode | Literal | Triple


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """Hand pyoxigraph triples to rdflib through N-Triples (pyshacl and owlrl work on rdflib graphs)."""
    graph = rdflib.Graph()
    data = serialized(triples, RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data, format="nt")
    return graph


def lexical(term: Term) -> str:
    """The IRI, blank node label or lexical form of a term (a quoted triple in N-Triples form)."""
    return str(term) if isinstance(term, Triple) else term.value


def serialized(triples: Iterable[Triple], fmt: RdfFormat, **options: Any) -> bytes:
    """pyoxigraph's `serialize` into bytes (it returns None only when given an output file)."""
    data = serialize(list(triples), format=fmt, **options)
    if data is None:  # pragma: no cover - only with an output argument, which we never pass
        raise TypeError("serialize wrote to an output instead of returning bytes")
    return data


def rdflib_term(term: Term) -> rdflib.term.Node:
    """The same term in rdflib (blank nodes keep their labels; rdflib has no quoted triples)."""
    if isinstance(term, Triple):
        raise TypeError(f"rdflib has no term for the quoted triple {term}")
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def oxigraph_term(term: rdflib.term.Node) -> NamedNode | Literal:
    """An rdflib IRI or literal as a pyoxigraph term (what owlrl's closure gives back)."""
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if not isinstance(term, rdflib.Literal):
        raise TypeError(f"not an IRI or a literal: {term!r}")
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def reachable(edges: Mapping[T, Iterable[T]], start: T) -> set[T]:
    """Everything reachable from `start` (itself included) along `edges`."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
