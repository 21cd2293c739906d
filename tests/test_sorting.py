"""The export order: `sorted_triples` gives exactly `sort_key`'s order, without duplicates."""

from __future__ import annotations

import random

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ksst_kg.core.namespaces import KG, RDF, RDFS, XSD
from ksst_kg.export import sort_key, sorted_triples


def tricky_triples() -> list[Triple]:
    """Subjects and predicates that are prefixes of each other, rdf:type among later predicates, literals
    of every kind, IRI and blank objects, and every triple twice."""
    subjects = [NamedNode(KG + x) for x in ("a", "a/b", "a!", "a/b/c", "ab")] + [BlankNode("b1")]
    predicates = [NamedNode(RDF + "type"), NamedNode(RDFS + "label"), NamedNode(KG + "p"), NamedNode(KG + "p2"),
                  NamedNode(KG + "p/q"), NamedNode("http://a.example/z")]
    objects = [NamedNode(KG + "a"), NamedNode(KG + "a/b"), BlankNode("o1"), Literal("x"), Literal("x", language="en"),
               Literal("x", language="id"), Literal("1", datatype=NamedNode(XSD + "integer")), Literal('say "x"\n'),
               Literal("")]
    rng = random.Random(7)
    triples = [Triple(s, p, o) for s in subjects for p in predicates for o in objects if rng.random() < 0.6]
    doubled = triples + list(triples)
    rng.shuffle(doubled)
    return doubled


def test_sorted_triples_is_sort_key_order_without_duplicates() -> None:
    triples = tricky_triples()
    assert sorted_triples(triples) == sorted(set(triples), key=sort_key)


def test_an_iri_and_a_blank_node_with_the_same_value_are_both_kept() -> None:
    p, o = NamedNode(KG + "p"), Literal("x")
    triples = [Triple(NamedNode("a:b"), p, o), Triple(BlankNode("a:b"), p, o)]
    assert set(sorted_triples(triples)) == set(triples)
