"""Moving terms and graphs between pyoxigraph and rdflib: rdflib is what pyshacl and owlrl work on, so the
two term models meet here and nowhere else (kept apart from `rdf.py` so that a query never imports rdflib)."""

from __future__ import annotations

from collections.abc import Iterable

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from .rdf import Term, serialized


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """Hand pyoxigraph triples to rdflib through N-Triples (pyshacl and owlrl work on rdflib graphs)."""
    graph = rdflib.Graph()
    data = serialized(triples, RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data, format="nt")
    return graph


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
