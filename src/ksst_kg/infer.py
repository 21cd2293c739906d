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


# --- the fast path: the same rules, compiled from the ontology ------------------------------------------

#: Ontology constructs the compiled rules do not cover; an ontology using one goes through owlrl instead.
UNCOMPILED = frozenset({
    OWL + "FunctionalProperty", OWL + "InverseFunctionalProperty", OWL + "Restriction", OWL + "propertyChainAxiom",
    OWL + "hasKey", OWL + "unionOf", OWL + "intersectionOf", OWL + "oneOf", OWL + "complementOf",
    OWL + "hasValue", OWL + "someValuesFrom", OWL + "allValuesFrom", OWL + "maxCardinality",
    OWL + "maxQualifiedCardinality", OWL + "sameAs", OWL + "AsymmetricProperty", OWL + "IrreflexiveProperty",
})
RDF_TYPE = RDF + "type"


def _closure(edges: dict[str, set[str]], start: str) -> set[str]:
    """Everything reachable from `start` (itself included) along `edges`."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class CompiledRules:
    """OWL RL rules cax-sco, cax-eqc, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-dom, prp-rng and prp-trp,
    specialised to one ontology: for each property, every (direction, property) a triple of it entails.
    """

    def __init__(self, ontology: Iterable[Triple]) -> None:
        sub_class: dict[str, set[str]] = {}
        sub_prop: dict[str, set[str]] = {}
        inverse: dict[str, set[str]] = {}
        self.domain: dict[str, set[str]] = {}
        self.range: dict[str, set[str]] = {}
        self.transitive: set[str] = set()
        self.symmetric: set[str] = set()
        self.unsupported: set[str] = set()
        for t in ontology:
            p, s = t.predicate.value, t.subject.value
            o = t.object.value
            if p in UNCOMPILED or (p == RDF_TYPE and o in UNCOMPILED):
                self.unsupported.add(o if p == RDF_TYPE else p)
            elif p == RDFS + "subClassOf":
                sub_class.setdefault(s, set()).add(o)
            elif p == OWL + "equivalentClass":
                sub_class.setdefault(s, set()).add(o)
                sub_class.setdefault(o, set()).add(s)
            elif p == RDFS + "subPropertyOf":
                sub_prop.setdefault(s, set()).add(o)
            elif p == OWL + "equivalentProperty":
                sub_prop.setdefault(s, set()).add(o)
                sub_prop.setdefault(o, set()).add(s)
            elif p == OWL + "inverseOf":
                inverse.setdefault(s, set()).add(o)
                inverse.setdefault(o, set()).add(s)
            elif p == RDFS + "domain":
                self.domain.setdefault(s, set()).add(o)
            elif p == RDFS + "range":
                self.range.setdefault(s, set()).add(o)
            elif p == RDF_TYPE and o == OWL + "TransitiveProperty":
                self.transitive.add(s)
            elif p == RDF_TYPE and o == OWL + "SymmetricProperty":
                self.symmetric.add(s)
        self._sub_class, self._sub_prop, self._inverse = sub_class, sub_prop, inverse
        self._superclasses: dict[str, set[str]] = {}
        self._derived: dict[str, frozenset[tuple[bool, str]]] = {}

    def superclasses(self, cls: str) -> set[str]:
        if cls not in self._superclasses:
            self._superclasses[cls] = _closure(self._sub_class, cls)
        return self._superclasses[cls]

    def derived(self, prop: str) -> frozenset[tuple[bool, str]]:
        """(reversed?, property) pairs that `s prop o` entails, itself included: sub-properties, inverses and
        symmetry applied until nothing new comes."""
        if prop not in self._derived:
            seen = {(False, prop)}
            todo = [(False, prop)]
            while todo:
                flipped, q = todo.pop()
                nexts = [(flipped, sup) for sup in self._sub_prop.get(q, ())]
                nexts += [(not flipped, inv) for inv in self._inverse.get(q, ())]
                if q in self.symmetric:
                    nexts.append((not flipped, q))
                for item in nexts:
                    if item not in seen:
                        seen.add(item)
                        todo.append(item)
            self._derived[prop] = frozenset(seen)
        return self._derived[prop]


def rl_closure(asserted: Iterable[Triple], rules: CompiledRules) -> set[Triple]:
    """Forward-chain the compiled rules over the asserted triples; return the closure (asserted included)."""
    closure: set[Triple] = set()
    todo = list(asserted)
    type_node = NamedNode(RDF_TYPE)
    while todo:
        fresh: list[Triple] = []
        for t in todo:
            if t in closure:
                continue
            closure.add(t)
            s, p, o = t.subject, t.predicate, t.object
            if p.value == RDF_TYPE:
                fresh.extend(Triple(s, p, NamedNode(c)) for c in rules.superclasses(o.value))
                continue
            for flipped, q in rules.derived(p.value):
                if flipped and isinstance(o, Literal):
                    continue
                subj, obj = (o, s) if flipped else (s, o)
                fresh.append(Triple(subj, NamedNode(q), obj))
                fresh.extend(Triple(subj, type_node, NamedNode(c)) for c in rules.domain.get(q, ()))
                if isinstance(obj, NamedNode):
                    fresh.extend(Triple(obj, type_node, NamedNode(c)) for c in rules.range.get(q, ()))
        fresh.extend(_transitive_steps(closure, rules.transitive))
        todo = [t for t in fresh if t not in closure]
    return closure


def _transitive_steps(closure: set[Triple], transitive: set[str]) -> list[Triple]:
    """prp-trp: for each transitive property, the pairs its closure adds (computed per property)."""
    out: list[Triple] = []
    for prop in transitive:
        edges: dict[NamedNode, set[NamedNode]] = {}
        for t in closure:
            if t.predicate.value == prop and isinstance(t.object, NamedNode):
                edges.setdefault(t.subject, set()).add(t.object)
        node = NamedNode(prop)
        for start, direct in edges.items():
            for end in _closure(edges, start) - {start} - direct:  # type: ignore[arg-type]
                out.append(Triple(start, node, end))
    return out


def _is_noise(t: Triple) -> bool:
    s, p, o = t.subject.value, t.predicate.value, t.object
    if not s.startswith(KG):
        return True
    if p == RDF_TYPE:
        return o.value in NOISE_TYPES
    return p.startswith(BUILTIN_NAMESPACES) and p not in KEPT_BUILTIN_PREDICATES


def compiled_entailments(asserted: Iterable[Triple], ontology: Iterable[Triple]) -> set[Triple] | None:
    """The meaningful entailments by the compiled rules, or None where owlrl is needed: an ontology with
    constructs the rules do not cover, or owl:sameAs in the data."""
    ontology = list(ontology)
    rules = CompiledRules(ontology)
    asserted = list(asserted)
    if rules.unsupported or any(t.predicate.value == OWL + "sameAs" for t in asserted):
        return None
    given = set(asserted) | set(ontology)
    return {t for t in rl_closure(asserted, rules) if t not in given and not _is_noise(t)}


def entailed(asserted: Iterable[Triple], ontology: Iterable[Triple]) -> set[Triple]:
    """The inferred graph of a build: the compiled rules, or owlrl where they do not suffice."""
    asserted, ontology = list(asserted), list(ontology)
    fast = compiled_entailments(asserted, ontology)
    if fast is not None:
        return fast
    from .validate import to_rdflib

    return owlrl_entailments(to_rdflib(asserted), to_rdflib(ontology))
