"""OWL RL inference (stage four): the entailments the cross-year questions need, without owlrl's noise.

owlrl computes the full OWL 2 RL closure of data plus ontology: inverse properties, sub-properties and
sub-classes, transitive properties (`org:transitiveSubOrganizationOf` over `org:unitOf`), domains and ranges,
and whatever else the ontology says. Most of what it adds says nothing to a reader, and we drop it:

* `owl:sameAs` of a resource or literal with itself (rule eq-ref fires for every term);
* triples about literals (owlrl gives literals types and sameAs links through proxy nodes) and about blank
  nodes, including owlrl's error reports;
* types every resource has (`owl:Thing`, `rdfs:Resource`, `owl:NamedIndividual`, `rdfs:Class`, ...);
* triples about the vocabularies themselves (ontology terms, external IRIs such as Wikidata entities):
  they follow from the ontology alone and are already in its named graph for whoever needs them;
* schema-level statements (sub-class, sub-property, domain, range, equivalences, disjointness) whatever
  their subject;
* anything already asserted or in the ontology.

Rule eq-ref (every term owl:sameAs itself) is not even run: it only makes noise, and half of owlrl's work.

What is kept is a new triple whose subject is one of our resources (`kg:`), whose predicate is `rdf:type`
(to a class that is not in the list above), `owl:sameAs` between two different resources, a label or
comment, or a property of our ontology or of a reused vocabulary. It is written to a graph of its own
beside the asserted one (`build/inferred.*`, named graph `.../graph/inferred`).
"""

from __future__ import annotations

from collections.abc import Iterable

import rdflib
from pyoxigraph import Literal, NamedNode, Triple

from .namespaces import KG, OWL, RDF, RDFS

#: Types every individual has under OWL RL or RDFS; they carry no information.
NOISE_TYPES = frozenset({
    OWL + "Thing", RDFS + "Resource", OWL + "NamedIndividual", RDFS + "Class", OWL + "Class",
    RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
    RDFS + "Datatype", RDFS + "Literal", RDFS + "ContainerMembershipProperty",
})

#: Predicates in the rdf:, rdfs: and owl: namespaces that may carry meaning about an individual.
KEPT_BUILTIN_PREDICATES = frozenset({RDF + "type", OWL + "sameAs", RDFS + "label", RDFS + "comment",
                                     RDFS + "seeAlso"})
BUILTIN_NAMESPACES = (OWL, RDFS, RDF)


def noise_reason(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node) -> str | None:
    """Why a new triple is noise, or None if it carries meaning (see the module docstring)."""
    if isinstance(s, rdflib.Literal):
        return "about a literal"
    if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
        return "blank node"
    if not str(s).startswith(KG):
        return "about a vocabulary term or an external resource"
    pred = str(p)
    if pred == OWL + "sameAs":
        return "reflexive owl:sameAs" if s == o else None
    if pred == RDF + "type":
        return "trivial type" if str(o) in NOISE_TYPES else None
    if pred.startswith(BUILTIN_NAMESPACES) and pred not in KEPT_BUILTIN_PREDICATES:
        return "schema-level statement"
    return None


def is_meaningful(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node) -> bool:
    """Keep a new triple only if it says something about one of our resources."""
    return noise_reason(s, p, o) is None


def _to_ox(term: rdflib.term.Node) -> NamedNode | Literal:
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def _semantics(reflexive_same_as: bool = False):  # type: ignore[no-untyped-def]
    """owlrl's OWL RL rule set, by default without rule eq-ref (every term owl:sameAs itself).

    eq-ref adds three reflexive sameAs triples per triple, and each of those then runs the replacement rules
    eq-rep-s/p/o over everything said about the term, only to re-derive triples already there: half of
    owlrl's time on our graph, for nothing but noise. The other equality rules (sym, trans, rep, diff) still
    run for every non-reflexive owl:sameAs, so the meaningful closure is the same (tests compare the two).
    """
    import owlrl
    from rdflib import OWL, RDF

    if reflexive_same_as:
        return owlrl.OWLRL_Semantics

    class OWLRLWithoutReflexiveSameAs(owlrl.OWLRL_Semantics):  # type: ignore[misc]
        def _equality(self, triple, cycle_num):  # type: ignore[no-untyped-def]
            s, p, o = triple
            if p == OWL.sameAs:
                if s == o:
                    return
            elif not (p == RDF.type and o == OWL.AllDifferent):
                return
            super()._equality(triple, cycle_num)

    return OWLRLWithoutReflexiveSameAs


def owlrl_closure(asserted: rdflib.Graph, ontology: rdflib.Graph, *, reflexive_same_as: bool = False) -> rdflib.Graph:
    """The OWL RL closure of data plus ontology, noise included (owlrl, no axiomatic or datatype triples)."""
    import owlrl

    graph = rdflib.Graph()
    for triple in asserted:
        graph.add(triple)
    for triple in ontology:
        graph.add(triple)
    owlrl.DeductiveClosure(_semantics(reflexive_same_as), axiomatic_triples=False,
                           datatype_axioms=False).expand(graph)
    return graph


def owlrl_entailments(asserted: rdflib.Graph, ontology: rdflib.Graph, *,
                      reflexive_same_as: bool = False) -> set[Triple]:
    """The meaningful triples that owlrl's OWL RL closure adds to asserted data plus ontology."""
    out = set()
    for s, p, o in owlrl_closure(asserted, ontology, reflexive_same_as=reflexive_same_as):
        if (s, p, o) in asserted or (s, p, o) in ontology or not is_meaningful(s, p, o):
            continue
        out.add(Triple(NamedNode(str(s)), NamedNode(str(p)), _to_ox(o)))
    return out


def entailed(asserted: rdflib.Graph, ontology: rdflib.Graph) -> Iterable[Triple]:
    """The inferred graph of a build."""
    return owlrl_entailments(asserted, ontology)
