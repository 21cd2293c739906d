"""An entity's own description, and the ontology's and the shapes' triples, in the build's own formats.

The description of an entity IRI is:

  1. every triple with the entity as subject in the asserted graph and in the inferred graph (what OWL RL
     adds about it: inverse links such as a programme's `ksst:hasEdition`, super-classes, super-properties);
  2. every triple of each claim whose `ksst:claimSubject` is the entity (the claim's own triples: property,
     value, sources, stated or inferred, reasoning, passage), so that the provenance of each fact travels with it.

Not included: descriptions of the resources it links to (labels of its places, its sub-nodes such as visits,
roles and country lists, which are entities with descriptions of their own), and claims about its sub-nodes.
That is the concise description a client needs to follow links one hop at a time, and the same set of
triples whichever format is asked for. The ontology graph is not part of any entity's description.

`describe_from_index` reads it from the site's indexes (no query per entity) for the `.ttl`/`.jsonld`/`.nt`
beside each page, which `ksst serve` answers with; the tests hold every one of them to a CONSTRUCT on the store
of this definition. They are written by the build's own writers (`export`), so a page's Turtle reads like the
exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
)

from ..export import jsonld_bytes, ntriples_bytes, sorted_triples, turtle_bytes
from .graph import SiteGraph
from .ns import GRAPH_ONTOLOGY
from .paths import ONTOLOGY_DOC, SHAPES_DOC


def describe_from_index(g: SiteGraph, iri: str) -> list[Triple]:
    """The description of `iri` (see above), from the site's indexes, in the exports' order."""
    s = NamedNode(iri)
    out = [Triple(s, NamedNode(p), o) for p, objs in g.out.get(iri, {}).items() for o in objs]
    for c in g.claims_by_subject.get(iri, []):
        cs = NamedNode(c.iri)
        out += [Triple(cs, NamedNode(p), o) for p, objs in g.out.get(c.iri, {}).items() for o in objs
                if not g.is_entailed(c.iri, p, o)]
    return sorted_triples(out)


def canonical(triples: Iterable[Triple]) -> list[Triple]:
    """Blank nodes renamed canonically (RDFC-1.0), so that the same graph gives the same bytes every time."""
    ds = Dataset([Quad(t.subject, t.predicate, t.object) for t in triples])  # in the default graph
    ds.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return sorted_triples(q.triple for q in ds)


def document_triples(iri: str, store: Store, shapes: Iterable[Path]) -> list[Triple]:
    """The triples of the ontology (its graph in the store) or of the shapes (the files), blank nodes
    canonical: what `/ontology` and `/shapes` answer with, and `ontology.ttl`... and `shapes.ttl`... hold."""
    if iri == ONTOLOGY_DOC:
        return canonical(q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(GRAPH_ONTOLOGY)))
    if iri == SHAPES_DOC:
        return canonical(q.triple for path in sorted(shapes) for q in parse(path=str(path), format=RdfFormat.TURTLE))
    return []


def serialize_as(triples: list[Triple], ext: str, context: dict[str, Any] | None = None) -> bytes:
    """Sorted triples as the file with this extension holds them: the build's Turtle, N-Triples or JSON-LD
    (compacted with `context`, the one the build shipped, inline; None: the project's)."""
    if ext == "ttl":
        return turtle_bytes(triples)
    if ext == "nt":
        return ntriples_bytes(triples)
    if ext == "jsonld":
        return jsonld_bytes(triples, context)
    raise ValueError(f"no RDF format for .{ext}")
