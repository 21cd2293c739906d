"""OWL RL inference (stage four): the entailments the cross-year questions need, without owlrl's noise.

owlrl computes the full OWL 2 RL closure of data plus ontology. Most of what it adds says nothing to a
reader (reflexive owl:sameAs, types of literals, axiomatic triples, facts about the vocabularies
themselves). We keep only new triples about our own resources, in our own or the reused vocabularies,
and write them to a graph of their own beside the asserted one.
"""

from __future__ import annotations

from collections.abc import Iterable

import rdflib
from pyoxigraph import Literal, NamedNode, Triple

from .namespaces import KG, OWL, RDF, RDFS

NOISE_TYPES = {OWL + "Thing", RDFS + "Resource", OWL + "NamedIndividual", RDFS + "Class", OWL + "Class"}
VOCAB_NAMESPACES = (OWL, RDFS, RDF)


def is_meaningful(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node) -> bool:
    """Keep a new triple only if it says something about one of our resources."""
    if not isinstance(s, rdflib.URIRef) or not str(s).startswith(KG):
        return False
    if isinstance(o, rdflib.BNode):
        return False
    pred = str(p)
    if pred == RDF + "type":
        return str(o) not in NOISE_TYPES
    if pred == OWL + "sameAs":
        return s != o
    return not pred.startswith(VOCAB_NAMESPACES)


def _to_ox(term: rdflib.term.Node) -> NamedNode | Literal:
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def owlrl_entailments(asserted: rdflib.Graph, ontology: rdflib.Graph) -> set[Triple]:
    """The meaningful triples that owlrl's OWL RL closure adds to asserted data plus ontology."""
    import owlrl

    graph = rdflib.Graph()
    for triple in asserted:
        graph.add(triple)
    for triple in ontology:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    out = set()
    for s, p, o in graph:
        if (s, p, o) in asserted or (s, p, o) in ontology or not is_meaningful(s, p, o):
            continue
        out.add(Triple(NamedNode(str(s)), NamedNode(str(p)), _to_ox(o)))
    return out


def entailed(asserted: rdflib.Graph, ontology: rdflib.Graph) -> Iterable[Triple]:
    """The inferred graph of a build."""
    return owlrl_entailments(asserted, ontology)
