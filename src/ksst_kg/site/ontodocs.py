"""Documentation of the ontology and the shapes: a page per class, property and named individual, with its
labels (en, id), definition, axioms, the SHACL shapes that constrain it and how often the graph uses it.

Read with rdflib from `ontology/*.ttl` and `shapes/*.ttl` (the files, not the store: the shapes are not in the
store). Everything is sorted by IRI, so the pages are the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import Literal as RLiteral
from rdflib import URIRef
from rdflib.collection import Collection

from .ns import KSST, ORG, OWL, RDF, RDFS, SH, SKOS, curie

RDF_TYPE = URIRef(RDF + "type")
KINDS = (
    (OWL + "Class", "class", "Classes"),
    (OWL + "ObjectProperty", "object property", "Object properties"),
    (OWL + "DatatypeProperty", "datatype property", "Datatype properties"),
    (OWL + "AnnotationProperty", "annotation property", "Annotation properties"),
    (OWL + "NamedIndividual", "individual", "Individuals"),
)
CHARACTERISTICS = {OWL + "TransitiveProperty": "transitive", OWL + "SymmetricProperty": "symmetric",
                   OWL + "FunctionalProperty": "functional", OWL + "InverseFunctionalProperty": "inverse functional"}


@dataclass
class Term:
    iri: str
    kind: str
    labels: dict[str, list[str]] = field(default_factory=dict)
    definitions: list[tuple[str, str]] = field(default_factory=list)   # (lang, text)
    comments: list[tuple[str, str]] = field(default_factory=list)
    axioms: list[tuple[str, list[str]]] = field(default_factory=list)  # (label, [IRIs or texts])
    single_valued: bool = False
    ours: bool = False

    def label(self, lang: str = "en") -> str | None:
        vs = self.labels.get(lang)
        return vs[0] if vs else None


@dataclass
class Constraint:
    name: str
    value: list[str | tuple[str, str]]   # IRIs (as ("iri", x)) or texts


@dataclass
class Shape:
    iri: str
    node: bool
    label: str | None
    comment: str | None
    message: str | None
    path: str | None = None
    targets: list[str] = field(default_factory=list)
    path_iris: list[str] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)   # property shapes of a node shape
    owners: list[str] = field(default_factory=list)       # node shapes that hold a property shape

    @property
    def local(self) -> str:
        return self.iri.rsplit("#", 1)[-1]


def _load(files: Iterable[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(files):
        g.parse(path, format="turtle")
    return g


def sh(name: str) -> URIRef:
    return URIRef(SH + name)


class OntologyDocs:
    """The terms of the ontology and the shapes, read once, for the term pages, the index and the shapes page."""

    def __init__(self, ontology: Iterable[Path], shapes: Iterable[Path]) -> None:
        self.onto = _load(ontology)
        self.shapes_graph = _load(shapes)
        self.terms: dict[str, Term] = {}
        self._read_terms()
        self.shapes: dict[str, Shape] = {}
        self._read_shapes()
        self.ontology_iri = min((str(s) for s in self.onto.subjects(RDF_TYPE, URIRef(OWL + "Ontology"))),
                                default=None)

    # --- terms ---------------------------------------------------------------------------------------------

    def literals(self, iri: str, p: str) -> list[tuple[str, str]]:
        """(language, text) of every literal value of `p` on the ontology's term `iri`, sorted."""
        return self._lits(URIRef(iri), p)

    def _lits(self, s: URIRef, p: str) -> list[tuple[str, str]]:
        return sorted((o.language or "", str(o)) for o in self.onto.objects(s, URIRef(p))
                       if isinstance(o, RLiteral))

    def _iris(self, s: URIRef, p: str, inverse: bool = False) -> list[str]:
        objs = self.onto.subjects(URIRef(p), s) if inverse else self.onto.objects(s, URIRef(p))
        return sorted(str(o) for o in objs if isinstance(o, URIRef))

    def _read_terms(self) -> None:
        for cls, kind, _ in KINDS:
            for s in sorted(set(self.onto.subjects(RDF_TYPE, URIRef(cls))), key=str):
                if not isinstance(s, URIRef) or str(s) in self.terms:
                    continue
                iri = str(s)
                t = Term(iri, kind, ours=iri.startswith(KSST))
                for lang, text in self._lits(s, RDFS + "label") + self._lits(s, SKOS + "prefLabel"):
                    t.labels.setdefault(lang or "en", [])
                    if text not in t.labels[lang or "en"]:
                        t.labels[lang or "en"].append(text)
                t.definitions = self._lits(s, SKOS + "definition")
                t.comments = self._lits(s, RDFS + "comment")
                t.single_valued = any(str(o).lower() == "true"
                                      for o in self.onto.objects(s, URIRef(KSST + "singleValued")))
                ax = t.axioms
                if kind == "class":
                    ax.append(("Subclass of", self._iris(s, RDFS + "subClassOf")))
                    ax.append(("Superclass of", self._iris(s, RDFS + "subClassOf", inverse=True)))
                    ax.append(("Equivalent to", self._iris(s, OWL + "equivalentClass")))
                    ax.append(("Disjoint with", self._disjoint(iri)))
                    ax.append(("Domain of", self._iris(s, RDFS + "domain", inverse=True)))
                    ax.append(("Range of", self._iris(s, RDFS + "range", inverse=True)))
                    ax.append(("Individuals", self._iris(s, RDF + "type", inverse=True)))
                elif kind == "individual":
                    types = [x for x in self._iris(s, RDF + "type") if x != OWL + "NamedIndividual"]
                    ax.append(("Instance of", types))
                else:
                    ax.append(("Domain", self._iris(s, RDFS + "domain")))
                    ax.append(("Range", self._iris(s, RDFS + "range")))
                    ax.append(("Subproperty of", self._iris(s, RDFS + "subPropertyOf")))
                    ax.append(("Superproperty of", self._iris(s, RDFS + "subPropertyOf", inverse=True)))
                    ax.append(("Inverse of", sorted(set(self._iris(s, OWL + "inverseOf")) |
                                                    set(self._iris(s, OWL + "inverseOf", inverse=True)))))
                    chars = [CHARACTERISTICS[c] for c in self._iris(s, RDF + "type") if c in CHARACTERISTICS]
                    if chars:
                        ax.append(("Characteristics", chars))
                ax.append(("Defined by", self._iris(s, RDFS + "isDefinedBy")))
                t.axioms = [(k, v) for k, v in ax if v]
                self.terms[iri] = t

    def _disjoint(self, iri: str) -> list[str]:
        out = set(self._iris(URIRef(iri), OWL + "disjointWith"))
        out |= set(self._iris(URIRef(iri), OWL + "disjointWith", inverse=True))
        for group in self.onto.subjects(RDF_TYPE, URIRef(OWL + "AllDisjointClasses")):
            for lst in self.onto.objects(group, URIRef(OWL + "members")):
                members = [str(m) for m in Collection(self.onto, lst)]
                if iri in members:
                    out |= {m for m in members if m != iri}
        return sorted(out)

    def subclasses_of(self, iri: str) -> set[str]:
        """Every class below `iri` (transitively), for telling organisations from other things."""
        out, todo = set(), [iri]
        while todo:
            at = todo.pop()
            for s in self.onto.subjects(URIRef(RDFS + "subClassOf"), URIRef(at)):
                if isinstance(s, URIRef) and str(s) not in out:
                    out.add(str(s))
                    todo.append(str(s))
        return out

    def organisation_classes(self) -> set[str]:
        return {ORG + "Organization", *self.subclasses_of(ORG + "Organization")}

    def by_kind(self) -> list[tuple[str, list[Term]]]:
        out = []
        for _, kind, title in KINDS:
            ours = [t for t in self.terms.values() if t.kind == kind and t.ours]
            out.append((title, sorted(ours, key=lambda t: t.iri)))
        reused = [t for t in self.terms.values() if not t.ours]
        out.append(("Terms reused from other vocabularies", sorted(reused, key=lambda t: (t.kind, t.iri))))
        return out

    # --- shapes --------------------------------------------------------------------------------------------

    def _constraint_values(self, node: rdflib.term.Node) -> list[str | tuple[str, str]]:
        if isinstance(node, URIRef):
            return [("iri", str(node))]
        if isinstance(node, RLiteral):
            return [str(node)]
        pairs = list(self.shapes_graph.predicate_objects(node))
        if len(pairs) == 1 and str(pairs[0][0]) == SH + "class" and isinstance(pairs[0][1], URIRef):
            return [("iri", str(pairs[0][1]))]
        return [self._node_text(node)]

    def _node_text(self, node: rdflib.term.Node) -> str:
        """A blank node as text with no blank node label in it (labels change from run to run): a list as
        `( ... )`, a SHACL path in SPARQL's property path syntax, anything else as `[ p o ; ... ]`."""
        g = self.shapes_graph
        if isinstance(node, URIRef):
            return curie(str(node))
        if isinstance(node, RLiteral):
            return str(node)
        if (node, URIRef(RDF + "first"), None) in g:
            return "( " + " ".join(self._node_text(x) for x in Collection(g, node)) + " )"
        for name, fmt in (("alternativePath", "|"), ("inversePath", "^"), ("zeroOrMorePath", "*"),
                          ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
            target = g.value(node, URIRef(SH + name))
            if target is None:
                continue
            if name == "alternativePath":
                return "|".join(self._node_text(x) for x in Collection(g, target))
            inner = self._node_text(target)
            return "^" + inner if name == "inversePath" else f"({inner}){fmt}"
        parts = sorted(f"{curie(str(p))} {self._node_text(o)}" for p, o in g.predicate_objects(node))
        return "[ " + " ; ".join(parts) + " ]"

    def _path_iris(self, node: rdflib.term.Node) -> list[str]:
        if isinstance(node, URIRef):
            return [str(node)]
        out = []
        for _, o in self.shapes_graph.predicate_objects(node):
            out += self._path_iris(o)
        for x in (Collection(self.shapes_graph, node) if (node, URIRef(RDF + "first"), None) in self.shapes_graph
                  else []):
            out += self._path_iris(x)
        return sorted(set(out))

    def _read_shapes(self) -> None:
        g = self.shapes_graph
        node_shapes = set(g.subjects(RDF_TYPE, sh("NodeShape")))
        prop_shapes = set(g.subjects(RDF_TYPE, sh("PropertyShape"))) | set(g.subjects(sh("path"), None))
        skip = {RDF_TYPE, URIRef(RDFS + "label"), URIRef(RDFS + "comment"), sh("message"), sh("property"),
                sh("path"), sh("targetClass")}
        for s in sorted(node_shapes | prop_shapes, key=str):
            if not isinstance(s, URIRef):
                continue
            label = min((str(o) for o in g.objects(s, URIRef(RDFS + "label"))), default=None)
            comment = min((str(o) for o in g.objects(s, URIRef(RDFS + "comment"))), default=None)
            message = min((str(o) for o in g.objects(s, sh("message"))), default=None)
            path = next(iter(sorted(str(o) if isinstance(o, URIRef) else self._node_text(o)
                                    for o in g.objects(s, sh("path")))), None)
            shape = Shape(str(s), s in node_shapes, label, comment, message, path)
            shape.path_iris = sorted({i for o in g.objects(s, sh("path")) for i in self._path_iris(o)})
            shape.targets = sorted(str(o) for o in g.objects(s, sh("targetClass")))
            shape.properties = sorted(str(o) for o in g.objects(s, sh("property")) if isinstance(o, URIRef))
            for p in sorted(set(g.predicates(s, None)), key=str):
                if p in skip or not str(p).startswith(SH):
                    continue
                for o in sorted(g.objects(s, p), key=str):
                    name = str(p)[len(SH):]
                    if name in ("or", "in", "languageIn", "and", "xone"):
                        items: list[str | tuple[str, str]] = []
                        for item in Collection(g, o):
                            items.extend(self._constraint_values(item))
                        shape.constraints.append(Constraint(name, items))
                    else:
                        shape.constraints.append(Constraint(name, self._constraint_values(o)))
            self.shapes[shape.iri] = shape
        for shape in self.shapes.values():
            members = list(shape.properties)
            for c in shape.constraints:
                if c.name in ("or", "and", "xone"):
                    members += [v[1] for v in c.value if isinstance(v, tuple)]
            for m in members:
                if m in self.shapes and shape.iri not in self.shapes[m].owners:
                    self.shapes[m].owners.append(shape.iri)
        for shape in self.shapes.values():
            shape.owners.sort()

    def shapes_for_class(self, iri: str) -> list[Shape]:
        return [s for s in self.shapes.values() if iri in s.targets]

    def shapes_requiring_class(self, iri: str) -> list[Shape]:
        out = []
        for s in self.shapes.values():
            for c in s.constraints:
                if (c.name == "class" and ("iri", iri) in c.value) or (c.name == "or" and ("iri", iri) in c.value):
                    out.append(s)
        return sorted({s.iri: s for s in out}.values(), key=lambda s: s.iri)

    def shapes_for_property(self, iri: str) -> list[Shape]:
        return [s for s in self.shapes.values() if s.path == iri or iri in s.path_iris]
