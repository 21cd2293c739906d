"""SHACL Core, compiled from `shapes/` into Python checks over an index of the graph: the build's validator.

pyshacl is the reference, but it takes about 150 s for a million triples (rdflib's store under every
`sh:class` and `sh:or` check), which is most of a build's budget. This module compiles the shapes once into
closures over plain dictionaries of pyoxigraph terms and checks the whole graph in one pass of each shape.

It implements the part of SHACL Core that our shapes use (class targets; predicate, inverse and alternative
paths; the cardinality, value type, string, value, property pair and `sh:or` components) with pyshacl's
reading of each, and refuses anything else with `Unsupported`, so that a shape using another feature is
checked by pyshacl instead of being silently skipped. The tests hold it to pyshacl's exact results on every
fixture in `tests/shapes/cases/` and on generated data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib.collection import Collection

from ..core.bridge import rdflib_term
from ..core.namespaces import RDF, RDFS, SH, XSD
from ..core.rdf import Term, lexical, reachable

Values = list[Term]
#: One result: the focus node, the value (or None) it is about, and the constraint that fired.
Hit = tuple[Term, Term | None]


class Unsupported(Exception):
    """The shapes use a SHACL feature this module does not implement; use pyshacl."""


@dataclass(frozen=True)
class Result:
    """A validation result as pyshacl would report it (see `validate.Violation`)."""

    focus: Term
    path: str
    message: str
    shape: str
    component: str
    severity: str
    value: Term | None


# --- the graph, indexed for the predicates the shapes look at ----------------------------------------------


class Index:
    """What the checks look up: the types and class hierarchy and the inverse-path links of the whole graph,
    and the objects by subject and predicate of the block of subjects being checked.

    Only the predicates the shapes mention are kept. A value node's own description matters only through
    its types (`sh:class`), so the objects can be indexed one block of subjects at a time (`use_block`),
    which keeps memory small for a large graph given in subject order.
    """

    def __init__(self, links: Iterable[Triple], predicates: frozenset[str], inverse: frozenset[str]) -> None:
        self.predicates = predicates
        self.out: dict[Term, dict[str, Values]] = {}
        self.inv: dict[str, dict[Term, Values]] = {p: {} for p in inverse}
        self.types: dict[Term, Values] = {}
        sub: dict[str, set[str]] = {}
        rdf_type, sub_class = RDF + "type", RDFS + "subClassOf"
        for t in links:
            p = t.predicate.value
            if p == rdf_type:
                self.types.setdefault(t.subject, []).append(t.object)
            elif p == sub_class and isinstance(t.object, NamedNode):
                sub.setdefault(t.subject.value if isinstance(t.subject, NamedNode) else "", set()).add(t.object.value)
            if p in inverse:
                self.inv[p].setdefault(t.object, []).append(t.subject)
        self.supers = {cls: reachable(sub, cls) for cls in sub}  # reflexive, transitive

    def use_block(self, triples: Iterable[Triple]) -> list[Term]:
        """Index the objects of these triples (every triple of each of their subjects); return the subjects."""
        self.out = {}
        subjects: dict[Term, None] = {}
        predicates = self.predicates
        for t in triples:
            subjects[t.subject] = None
            p = t.predicate.value
            if p in predicates:
                self.out.setdefault(t.subject, {}).setdefault(p, []).append(t.object)
        return list(subjects)

    def objects(self, node: Term, predicate: str) -> Values:
        return self.out.get(node, {}).get(predicate, [])

    def subjects(self, predicate: str, node: Term) -> Values:
        return self.inv[predicate].get(node, [])

    def classes_of(self, node: Term) -> set[str]:
        """Every class the node is an instance of, following rdfs:subClassOf as SHACL does."""
        out: set[str] = set()
        for t in self.types.get(node, ()):
            if isinstance(t, NamedNode):
                out |= self.supers.get(t.value, {t.value})
        return out

    def instances(self, nodes: Iterable[Term]) -> dict[str, list[Term]]:
        """Class IRI → those of `nodes` that are its instances (with those of its subclasses), in order."""
        out: dict[str, list[Term]] = {}
        for node in nodes:
            for cls in self.classes_of(node):
                out.setdefault(cls, []).append(node)
        return out


def subject_blocks(triples: Sequence[Triple], extra: Sequence[Triple], size: int) -> Iterator[list[Triple]]:
    """`triples` (in subject order) cut into blocks of about `size` triples between two subjects, with the
    triples of `extra` (any order) about the same subjects; the rest of `extra` comes last."""
    rest: dict[Term, list[Triple]] = {}
    for t in extra:
        rest.setdefault(t.subject, []).append(t)
    block: list[Triple] = []
    done: set[Term] = set()
    previous = None
    for t in triples:
        if t.subject != previous:
            if previous is not None:
                done.add(previous)
                block.extend(rest.pop(previous, ()))
                if len(block) >= size:
                    yield block
                    block = []
            if t.subject in done:
                raise ValueError(f"triples are not in subject order: {t.subject} comes back")
            previous = t.subject
        block.append(t)
    if previous is not None:
        block.extend(rest.pop(previous, ()))
    block.extend(t for ts in rest.values() for t in ts)
    if block:
        yield block


# --- value tests, with pyshacl's reading of SHACL Core -----------------------------------------------------

@cache
def _python_types() -> dict[str, tuple[type, ...]]:
    """The Python types rdflib gives well-formed literals of the datatypes pyshacl checks (others pass)."""
    return {XSD + "integer": (int,), XSD + "float": (float,), XSD + "decimal": (Decimal,),
            XSD + "boolean": (bool,), XSD + "date": (dt.date,), XSD + "time": (dt.time,),
            XSD + "dateTime": (dt.datetime,)}


@lru_cache(maxsize=1 << 16)
def _well_typed(lexical: str, datatype: str) -> bool:
    """Whether rdflib reads the literal as a valid value of its datatype (pyshacl's ill-typed test)."""
    if datatype in (XSD + "string", RDF + "langString"):
        return True
    lit = rdflib.Literal(lexical, datatype=rdflib.URIRef(datatype))
    if getattr(lit, "ill_typed", None) is True:
        return False
    expected = _python_types().get(datatype)
    return expected is None or isinstance(lit.value, expected)


def has_datatype(value: Term, datatype: str) -> bool:
    if not isinstance(value, Literal):
        return False
    if datatype == RDFS + "Literal":
        return True
    actual = RDF + "langString" if value.language else value.datatype.value
    return actual == datatype and _well_typed(value.value, datatype)


def node_kind_ok(value: Term, kind: str) -> bool:
    kinds = {NamedNode: ("IRI", "BlankNodeOrIRI", "IRIOrLiteral"),
             BlankNode: ("BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral"),
             Literal: ("Literal", "BlankNodeOrLiteral", "IRIOrLiteral")}
    return kind.removeprefix(SH) in kinds[type(value)]


def language_ok(value: Term, ranges: frozenset[str]) -> bool:
    if not isinstance(value, Literal) or not value.language:
        return False
    lang = value.language.lower()
    return "*" in ranges or any(lang == r or lang.startswith(r + "-") for r in ranges)


def less_or_equal(value: Term, other: Term) -> bool:
    """sh:lessThanOrEquals as pyshacl compares: strings with strings, other literals by rdflib's order."""
    a, b = rdflib_term(value), rdflib_term(other)
    a_str = isinstance(a, rdflib.URIRef) or (isinstance(a, rdflib.Literal) and isinstance(a.value, str))
    b_str = isinstance(b, rdflib.URIRef) or (isinstance(b, rdflib.Literal) and isinstance(b.value, str))
    if a_str != b_str:
        return False
    if a_str:
        return str(a) <= str(b)
    try:
        return bool(a <= b)  # type: ignore[operator]  # rdflib orders literals; TypeError where it cannot
    except TypeError:
        return False


def as_string(value: Term) -> str:
    """The string a string-based constraint looks at (the IRI of a NamedNode, the lexical form of a literal)."""
    return lexical(value)


# --- shapes, compiled --------------------------------------------------------------------------------------

Check = Callable[[Index, list[tuple[Term, Values]]], Iterator[Hit]]


@dataclass
class Compiled:
    """One shape: how to get its value nodes, its constraint checks, and its nested property shapes."""

    iri: str
    path: Callable[[Index, Term], Values] | None
    path_label: str
    message: str
    checks: list[tuple[str, Check]] = field(default_factory=list)
    properties: list[Compiled] = field(default_factory=list)

    def results(self, index: Index, focus: list[Term]) -> Iterator[Result]:
        pairs = [(f, self.values(index, f)) for f in focus]
        for component, check in self.checks:
            for f, value in check(index, pairs):
                yield Result(f, self.path_label, self.message, self.iri, component, "Violation", value)
        for prop in self.properties:
            yield from prop.results(index, focus)

    def values(self, index: Index, focus: Term) -> Values:
        return [focus] if self.path is None else _distinct(self.path(index, focus))

    def conforms(self, index: Index, node: Term) -> bool:
        return next(self.results(index, [node]), None) is None


def _distinct(values: Values) -> Values:
    return list(dict.fromkeys(values)) if len(values) > 1 else values


#: Parameters this module understands; a shape with any other sh: term is Unsupported. (No sh:severity: pyshacl,
#: as the build calls it, drops warnings when nothing else fails, and every result of ours is a violation.)
SUPPORTED = frozenset(SH + n for n in (
    "targetClass", "property", "path", "message", "name", "description", "order", "group",
    "minCount", "maxCount", "class", "datatype", "nodeKind", "minLength", "pattern", "languageIn",
    "uniqueLang", "in", "hasValue", "equals", "lessThanOrEquals", "or",
))


class ShapesCompiler:
    """Turns the shapes graph (rdflib, small) into `Compiled` shapes over pyoxigraph terms."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.g = graph
        self.sh = rdflib.Namespace(SH)
        self.predicates: set[str] = set()
        self.inverse: set[str] = set()
        self.block_safe = True
        self._done: dict[rdflib.term.Node, Compiled] = {}

    def node_shapes(self) -> list[tuple[tuple[str, ...], Compiled]]:
        """(target classes, shape) for every node shape with a class target, in a stable order."""
        out = []
        for shape in sorted(set(self.g.subjects(rdflib.RDF.type, self.sh.NodeShape)), key=str):
            if any((shape, rdflib.RDF.type, c) in self.g for c in (rdflib.OWL.Class, rdflib.RDFS.Class)):
                raise Unsupported(f"implicit class target on {shape}")
            compiled = self.shape(shape)
            classes = tuple(sorted(str(c) for c in self.g.objects(shape, self.sh.targetClass)))
            if classes:
                out.append((classes, compiled))
        for key in ("targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            if (None, self.sh[key], None) in self.g:
                raise Unsupported(f"sh:{key}")
        return out

    def shape(self, node: rdflib.term.Node) -> Compiled:
        if node in self._done:
            return self._done[node]
        for p in set(self.g.predicates(node)):
            if str(p).startswith(SH) and str(p) not in SUPPORTED:
                raise Unsupported(f"{p} on {node}")
        path_node = self.g.value(node, self.sh.path)
        path, label = self.path(path_node) if path_node is not None else (None, "")
        compiled = Compiled(
            iri=str(node), path=path, path_label=label, message=self.message(node))
        self._done[node] = compiled
        compiled.checks = list(self.checks(node))
        if path is not None and self._or_members_look_beyond_types(node):
            self.block_safe = False
        compiled.properties = [self.shape(p) for p in sorted(self.g.objects(node, self.sh.property), key=str)]
        return compiled

    def _or_members_look_beyond_types(self, node: rdflib.term.Node) -> bool:
        """Whether an sh:or of this property shape checks a value node through its own triples (a path),
        which a block of other subjects does not hold: then the graph is checked in one block."""
        members = [m for lst in self.g.objects(node, self.sh["or"]) for m in Collection(self.g, lst)]
        return any((m, self.sh.path, None) in self.g or (m, self.sh.property, None) in self.g for m in members)

    def message(self, node: rdflib.term.Node) -> str:
        """The shape's English sh:message (the shapes have one each; a test checks it)."""
        messages = sorted(self.g.objects(node, self.sh.message),
                          key=lambda m: (getattr(m, "language", None) != "en", str(m)))
        return str(messages[0]) if messages else ""

    def path(self, node: rdflib.term.Node) -> tuple[Callable[[Index, Term], Values], str]:
        """A path as a function of the focus node, and its label as the build reports it."""
        if isinstance(node, rdflib.URIRef):
            iri = str(node)
            self.predicates.add(iri)
            label = self.g.namespace_manager.normalizeUri(node)
            return (lambda index, focus: index.objects(focus, iri)), label
        inverse = self.g.value(node, self.sh.inversePath)
        if isinstance(inverse, rdflib.URIRef):
            iri = str(inverse)
            self.inverse.add(iri)
            return (lambda index, focus: index.subjects(iri, focus)), ""
        alternatives = self.g.value(node, self.sh.alternativePath)
        if alternatives is not None:
            parts = [self.path(m)[0] for m in Collection(self.g, alternatives)]
            return (lambda index, focus: [v for part in parts for v in part(index, focus)]), ""
        raise Unsupported(f"path {node}")

    def term(self, node: rdflib.term.Node) -> Term:
        if isinstance(node, rdflib.URIRef):
            return NamedNode(str(node))
        if isinstance(node, rdflib.Literal):
            if node.language:
                return Literal(str(node), language=node.language)
            return Literal(str(node), datatype=NamedNode(str(node.datatype or XSD + "string")))
        raise Unsupported(f"blank node value {node}")

    def checks(self, node: rdflib.term.Node) -> Iterator[tuple[str, Check]]:
        for p, o in sorted(self.g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            name = str(p).removeprefix(SH)
            factory = getattr(self, f"_c_{name}", None)
            if factory is not None:
                yield f"sh:{name[0].upper()}{name[1:]}ConstraintComponent", factory(o)

    # One factory per constraint parameter: each returns a check over (focus, value nodes) pairs.

    def _c_minCount(self, o: rdflib.Literal) -> Check:
        n = int(o)
        return lambda index, pairs: ((f, None) for f, vs in pairs if len(vs) < n)

    def _c_maxCount(self, o: rdflib.Literal) -> Check:
        n = int(o)
        return lambda index, pairs: ((f, None) for f, vs in pairs if len(vs) > n)

    def _c_class(self, o: rdflib.URIRef) -> Check:
        cls = str(o)
        self.predicates.add(RDF + "type")

        def check(index: Index, pairs: list[tuple[Term, Values]]) -> Iterator[Hit]:
            for f, vs in pairs:
                for v in vs:
                    if isinstance(v, Literal) or cls not in index.classes_of(v):
                        yield f, v
        return check

    def _value_test(self, test: Callable[[Term], bool]) -> Check:
        return lambda index, pairs: ((f, v) for f, vs in pairs for v in vs if not test(v))

    def _c_datatype(self, o: rdflib.URIRef) -> Check:
        dt = str(o)
        return self._value_test(lambda v: has_datatype(v, dt))

    def _c_nodeKind(self, o: rdflib.URIRef) -> Check:
        kind = str(o)
        return self._value_test(lambda v: node_kind_ok(v, kind))

    def _c_minLength(self, o: rdflib.Literal) -> Check:
        n = int(o)
        return self._value_test(lambda v: n == 0 or (not isinstance(v, BlankNode) and len(as_string(v)) >= n))

    def _c_pattern(self, o: rdflib.Literal) -> Check:
        regex = re.compile(str(o))
        return self._value_test(lambda v: not isinstance(v, BlankNode) and regex.search(as_string(v)) is not None)

    def _c_languageIn(self, o: rdflib.term.Node) -> Check:
        ranges = frozenset(str(x).lower() for x in Collection(self.g, o))
        return self._value_test(lambda v: language_ok(v, ranges))

    def _c_in(self, o: rdflib.term.Node) -> Check:
        allowed = frozenset(self.term(x) for x in Collection(self.g, o))
        return self._value_test(lambda v: v in allowed)

    def _c_uniqueLang(self, o: rdflib.Literal) -> Check:
        if not o.value:
            return lambda index, pairs: iter(())

        def check(index: Index, pairs: list[tuple[Term, Values]]) -> Iterator[Hit]:
            for f, vs in pairs:
                seen: dict[str, int] = {}
                for v in vs:
                    if isinstance(v, Literal) and v.language:
                        seen[v.language.lower()] = seen.get(v.language.lower(), 0) + 1
                for _lang in sorted(lang for lang, n in seen.items() if n > 1):
                    yield f, None
        return check

    def _c_hasValue(self, o: rdflib.term.Node) -> Check:
        wanted = self.term(o)
        return lambda index, pairs: ((f, None) for f, vs in pairs if wanted not in vs)

    def _c_equals(self, o: rdflib.URIRef) -> Check:
        other = str(o)
        self.predicates.add(other)

        def check(index: Index, pairs: list[tuple[Term, Values]]) -> Iterator[Hit]:
            for f, vs in pairs:
                mine, theirs = set(vs), set(index.objects(f, other))
                for v in vs:
                    if v not in theirs:
                        yield f, v
                for w in _distinct(index.objects(f, other)):
                    if w not in mine:
                        yield f, w
        return check

    def _c_lessThanOrEquals(self, o: rdflib.URIRef) -> Check:
        other = str(o)
        self.predicates.add(other)

        def check(index: Index, pairs: list[tuple[Term, Values]]) -> Iterator[Hit]:
            for f, vs in pairs:
                for v in vs:
                    if isinstance(v, BlankNode):
                        raise Unsupported("sh:lessThanOrEquals on a blank node")
                    for w in _distinct(index.objects(f, other)):
                        if not less_or_equal(v, w):
                            yield f, v
        return check

    def _c_or(self, o: rdflib.term.Node) -> Check:
        members = [self.shape(m) for m in Collection(self.g, o)]

        def check(index: Index, pairs: list[tuple[Term, Values]]) -> Iterator[Hit]:
            for f, vs in pairs:
                for v in vs:
                    if not any(m.conforms(index, v) for m in members):
                        yield f, v
        return check


BLOCK = 50_000  # triples indexed at a time: a few MB, and few enough blocks that their overhead is nil


@dataclass
class Validator:
    """The compiled shapes, ready to check any number of graphs."""

    targets: list[tuple[tuple[str, ...], Compiled]]
    predicates: frozenset[str]
    inverse: frozenset[str]
    block_safe: bool = True  # every check sees only its focus node's triples and the graph's types and links

    def results(self, triples: Sequence[Triple], extra: Sequence[Triple] = (), *, in_subject_order: bool = False,
                block: int = BLOCK, only: set[Term] | None = None) -> list[Result]:
        """Check `triples` plus `extra` (the ontology). Triples in subject order (as `sorted_triples` gives
        them) are checked a block of subjects at a time, in a fraction of the memory. `only`: check just these
        focus nodes (a rebuild's neighbourhood of what changed, in which other nodes are incomplete)."""
        index = Index(itertools.chain(triples, extra), self.predicates, self.inverse)
        if in_subject_order and self.block_safe:
            blocks: Iterable[Iterable[Triple]] = subject_blocks(triples, extra, block)
        else:
            blocks = [itertools.chain(triples, extra)]
        out: list[Result] = []
        for part in blocks:
            instances = index.instances(index.use_block(part))
            for classes, shape in self.targets:
                focus = dict.fromkeys(node for cls in classes for node in instances.get(cls, ())
                                      if only is None or node in only)
                out.extend(shape.results(index, list(focus)))
        return out


def compile_shapes(graph: rdflib.Graph) -> Validator:
    """Compile every node shape of `graph`; raise Unsupported if any uses a feature not implemented here."""
    compiler = ShapesCompiler(graph)
    targets = compiler.node_shapes()
    return Validator(targets, frozenset(compiler.predicates), frozenset(compiler.inverse), compiler.block_safe)
