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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from .core.bridge import oxigraph_term, to_rdflib
from .core.gcpause import paused_gc
from .core.namespaces import KG, OWL, RDF, RDFS
from .core.rdf import lexical, reachable

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


def _semantics(reflexive_same_as: bool = False) -> type:
    """owlrl's OWL RL rule set, by default without rule eq-ref (every term owl:sameAs itself).

    eq-ref adds three reflexive sameAs triples per triple, and each of those then runs the replacement rules
    eq-rep-s/p/o over everything said about the term, only to re-derive triples already there: half of
    owlrl's time on our graph, for nothing but noise. The other equality rules (sym, trans, rep, diff) still
    run for every non-reflexive owl:sameAs, so the meaningful closure is the same (tests compare the two).
    """
    import owlrl  # heavy, and needed only where the compiled rules do not suffice: imported when used
    from rdflib import OWL, RDF

    if reflexive_same_as:
        semantics: type = owlrl.OWLRL_Semantics
        return semantics

    class OWLRLWithoutReflexiveSameAs(owlrl.OWLRL_Semantics):  # type: ignore[misc]  # owlrl ships no types
        def _equality(self, triple: tuple[rdflib.term.Node, ...], cycle_num: int) -> None:
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
    import owlrl  # heavy: imported when used (see _semantics)

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
        out.add(Triple(NamedNode(str(s)), NamedNode(str(p)), oxigraph_term(o)))
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
SAME_AS = OWL + "sameAs"
T = TypeVar("T")


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
            p, s = t.predicate.value, lexical(t.subject)
            o = lexical(t.object)
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
        self._superclasses: dict[str, frozenset[str]] = {}
        self._derived: dict[str, frozenset[tuple[bool, str]]] = {}
        if RDF_TYPE in self.entailable_properties():
            self.unsupported.add(RDF_TYPE)  # entailed types would need the class rules too: left to owlrl

    def superclasses(self, cls: str) -> frozenset[str]:
        if cls not in self._superclasses:
            self._superclasses[cls] = frozenset(reachable(self._sub_class, cls))
        return self._superclasses[cls]

    def entailable_properties(self) -> set[str]:
        """Properties a rule can give a triple of (super-properties, inverses, symmetric ones): only
        asserted triples of these can coincide with an entailed one."""
        return set(self.symmetric).union(*self._sub_prop.values(), *self._inverse.values())

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


@dataclass(frozen=True)
class Plan:
    """What one triple `s p o` entails under the compiled rules, precomputed per predicate `p`.

    Links are the sub-, super- and inverse properties (`forward`: `s q o`; `backward`: `o q s`, not for
    a literal `o`). Types come from domains and ranges, already closed under sub-classes; which node gets
    which depends on the kind of `o` (a range types only an IRI, a literal has no inverse), as in rule
    prp-rng of owlrl's closure restricted to what our noise filter keeps.
    """

    forward: tuple[str, ...]
    backward: tuple[str, ...]
    subject_types: frozenset[str]        # domains of p and of `forward`
    subject_types_back: frozenset[str]   # ranges of `backward`: s, when o is not a literal and s is an IRI
    object_types: frozenset[str]         # ranges of p and of `forward`: o, when o is an IRI
    object_types_back: frozenset[str]    # domains of `backward`: o, when o is not a literal


def _classes(rules: CompiledRules, table: dict[str, set[str]], props: Iterable[str]) -> frozenset[str]:
    """The classes `table` (domains or ranges) gives `props`, with all their super-classes."""
    out: set[str] = set()
    for prop in props:
        for cls in table.get(prop, ()):
            out |= rules.superclasses(cls)
    return frozenset(out)


def make_plan(rules: CompiledRules, prop: str) -> Plan:
    """The Plan of `prop`: `rules.derived` is closed, so the links it emits entail nothing beyond it."""
    derived = rules.derived(prop) - {(False, prop)}
    forward = tuple(sorted(q for flipped, q in derived if not flipped))
    backward = tuple(sorted(q for flipped, q in derived if flipped))
    return Plan(forward, backward,
                subject_types=_classes(rules, rules.domain, (prop, *forward)),
                subject_types_back=_classes(rules, rules.range, backward),
                object_types=_classes(rules, rules.range, (prop, *forward)),
                object_types_back=_classes(rules, rules.domain, backward))


Node = NamedNode | BlankNode | Literal
Pairs = dict[str, set[tuple[Node, Node]]]


class _Entailer:
    """One pass over the asserted triples applying each predicate's Plan, then prp-trp to a fixpoint.

    Entailed types are kept as node -> class IRIs and links as property -> (subject, object) pairs, not as
    Triple objects: most of them are already asserted and are dropped before any Triple is built.
    """

    def __init__(self, rules: CompiledRules) -> None:
        self.rules = rules
        self.plans: dict[str, Plan] = {}
        self.types: defaultdict[Node, set[str]] = defaultdict(set)
        self.links: Pairs = defaultdict(set)
        self.asserted_types: defaultdict[Node, set[str]] = defaultdict(set)
        self.asserted_links: Pairs = defaultdict(set)
        # only asserted links that a rule could also entail need remembering
        self.indexed = rules.entailable_properties() | rules.transitive

    def plan(self, prop: str) -> Plan:
        plan = self.plans.get(prop)
        if plan is None:
            plan = self.plans[prop] = make_plan(self.rules, prop)
        return plan

    def add_asserted(self, triples: Iterable[Triple]) -> bool:
        """Apply the rules to every asserted triple; False (and stop) at an owl:sameAs, left to owlrl."""
        types, asserted_types, indexed, plans = self.types, self.asserted_types, self.indexed, self.plans
        superclasses = self.rules.superclasses
        for s, p, o in triples:
            prop = p.value
            if prop == RDF_TYPE:
                if isinstance(o, NamedNode):
                    asserted_types[s].add(o.value)
                    types[s] |= superclasses(o.value)
                continue
            if prop == SAME_AS:
                return False
            if prop in indexed:
                self.asserted_links[prop].add((s, o))
            self.apply(plans.get(prop) or self.plan(prop), s, o)
        return True

    def apply(self, plan: Plan, s: Node, o: Node) -> None:
        """Record what `s p o` entails by the Plan of p."""
        links, types = self.links, self.types
        named_o = isinstance(o, NamedNode)
        resource_o = named_o or isinstance(o, BlankNode)
        for q in plan.forward:
            links[q].add((s, o))
        if plan.subject_types:
            types[s] |= plan.subject_types
        if named_o and plan.object_types:
            types[o] |= plan.object_types
        if resource_o:
            for q in plan.backward:
                links[q].add((o, s))
            if plan.object_types_back:
                types[o] |= plan.object_types_back
            if plan.subject_types_back and isinstance(s, NamedNode):
                types[s] |= plan.subject_types_back

    def close_transitive(self) -> None:
        """prp-trp: add the missing pairs of each transitive property until no rule adds another."""
        while True:
            fresh = [(prop, pair) for prop in sorted(self.rules.transitive) for pair in self._missing_pairs(prop)]
            if not fresh:
                return
            for prop, (s, o) in fresh:
                self.links[prop].add((s, o))
                self.apply(self.plan(prop), s, o)

    def _missing_pairs(self, prop: str) -> list[tuple[Node, Node]]:
        """Pairs (a, c) of the transitive closure of `prop` (IRI objects only) that are not yet known."""
        edges: dict[Node, set[Node]] = {}
        for s, o in (*self.asserted_links.get(prop, ()), *self.links.get(prop, ())):
            if isinstance(o, NamedNode):
                edges.setdefault(s, set()).add(o)
        return [(start, end) for start, direct in edges.items()
                for end in reachable(edges, start) - {start} - direct]

    def new_triples(self) -> set[Triple]:
        """The entailed triples that are not asserted and not noise, as Triple objects at last."""
        out: set[Triple] = set()
        type_node = NamedNode(RDF_TYPE)
        for node, classes in self.types.items():
            if isinstance(node, NamedNode) and node.value.startswith(KG):
                known = self.asserted_types.get(node, set())
                out.update(Triple(node, type_node, NamedNode(c)) for c in classes - known - NOISE_TYPES)
        for prop, pairs in self.links.items():
            if prop.startswith(BUILTIN_NAMESPACES) and prop not in KEPT_BUILTIN_PREDICATES:
                continue
            pred = NamedNode(prop)
            out.update(Triple(s, pred, o) for s, o in pairs - self.asserted_links.get(prop, set())
                       if isinstance(s, NamedNode) and s.value.startswith(KG))
        return out


@paused_gc()
def compiled_entailments(asserted: Iterable[Triple], ontology: Iterable[Triple]) -> set[Triple] | None:
    """The meaningful entailments by the compiled rules, or None where owlrl is needed: an ontology with
    constructs the rules do not cover, or owl:sameAs in the data."""
    ontology = list(ontology)
    rules = CompiledRules(ontology)
    if rules.unsupported:
        return None
    entailer = _Entailer(rules)
    if not entailer.add_asserted(asserted):
        return None
    entailer.close_transitive()
    out = entailer.new_triples()
    # an ontology triple about one of our resources is given, not entailed
    out.difference_update(t for t in ontology if lexical(t.subject).startswith(KG))
    return out


def entailed(asserted: Iterable[Triple], ontology: Iterable[Triple]) -> set[Triple]:
    """The inferred graph of a build: the compiled rules, or owlrl where they do not suffice."""
    asserted, ontology = list(asserted), list(ontology)
    fast = compiled_entailments(asserted, ontology)
    if fast is not None:
        return fast
    return owlrl_entailments(to_rdflib(asserted), to_rdflib(ontology))
