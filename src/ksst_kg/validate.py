"""Check a graph against the SHACL shapes and the QC queries in `qc/` (stage three).

The build checks the shapes with the compiled validator of `shacl.py` (pyshacl's results, in seconds at a
million triples); pyshacl itself is the reference, used where the shapes need a feature `shacl.py` lacks and
by `ksst validate --reference`.

A violation is reported with its focus node, property, message and, when the graph was built here, the
data file the fact came from, so a curator knows what to open.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from .namespaces import GRAPH_ASSERTED, GRAPH_ONTOLOGY, SH
from .resources import ontology_triples, resource_dir

if TYPE_CHECKING:
    from .shacl import Result, Validator


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result or QC row, in the terms a curator needs."""

    focus: str
    path: str
    message: str
    shape: str = ""
    component: str = ""
    severity: str = "Violation"
    value: str = ""
    file: str = ""

    def __str__(self) -> str:
        where = f" [{self.file}]" if self.file else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{path}: {self.message}{value}{where}"


def _parse_folder(folder: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(resource_dir(folder).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def shapes_graph() -> rdflib.Graph:
    """Every `shapes/*.ttl`, read once per process."""
    return _parse_folder("shapes")


@cache
def ontology_graph() -> rdflib.Graph:
    """Every `ontology/*.ttl`, read once per process."""
    return _parse_folder("ontology")


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """Hand pyoxigraph triples to rdflib through N-Triples (pyshacl and owlrl work on rdflib graphs)."""
    graph = rdflib.Graph()
    data = serialize(list(triples), format=RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data, format="nt")
    return graph


def shacl_violations(data: rdflib.Graph, origins: Mapping[str, str] | None = None) -> list[Violation]:
    """Run pyshacl with the real shapes and ontology; return the results, sorted."""
    from pyshacl import validate

    conforms, report, _ = validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none",
        advanced=True, allow_warnings=True,
    )
    if conforms:
        return []
    return sorted(_results(report, origins or {}))


def _short(graph: rdflib.Graph, term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:  # a term no prefix covers
            return str(term)
    return str(term)


def _results(report: rdflib.Graph, origins: Mapping[str, str]) -> Iterable[Violation]:
    sh = rdflib.Namespace(SH)
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = report.value(result, sh.focusNode)
        path = report.value(result, sh.resultPath)
        severity = report.value(result, sh.resultSeverity)
        yield Violation(
            focus=str(focus),
            path=_short(shapes_graph(), path) if isinstance(path, rdflib.URIRef) else "",
            message=str(report.value(result, sh.resultMessage) or ""),
            shape=str(report.value(result, sh.sourceShape) or ""),
            component=_short(report, report.value(result, sh.sourceConstraintComponent)),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=str(report.value(result, sh.value) or ""),
            file=origins.get(str(focus), ""),
        )


def qc_queries() -> list[Path]:
    return sorted(resource_dir("qc").glob("*.rq"))


def qc_violations(store: Store, origins: Mapping[str, str] | None = None,
                  graphs: tuple[str, ...] = (GRAPH_ASSERTED, GRAPH_ONTOLOGY)) -> list[Violation]:
    """Run every QC query (ODK style: a row is a failure) over the asserted graph and the ontology."""
    origins = origins or {}
    out = []
    default = [NamedNode(g) for g in graphs]
    for path in qc_queries():
        rows = store.query(path.read_text(encoding="utf-8"), default_graph=default)
        variables = rows.variables
        for row in rows:
            values = [row[v] for v in variables if row[v] is not None]
            focus = values[0].value if values else ""
            detail = ", ".join(str(v) for v in values[1:])
            out.append(Violation(focus=focus, path="", message=f"QC check {path.stem} failed: {detail}".rstrip(": "),
                                 shape=path.name, severity="Violation", file=origins.get(focus, "")))
    return sorted(out)


def store_with(asserted: Iterable[Triple], ontology: Iterable[Triple] = ()) -> Store:
    """An in-memory store holding the asserted graph and the ontology in their named graphs."""
    store = Store()
    g_asserted, g_ontology = NamedNode(GRAPH_ASSERTED), NamedNode(GRAPH_ONTOLOGY)
    store.extend([Quad(t.subject, t.predicate, t.object, g_asserted) for t in asserted])
    store.extend([Quad(t.subject, t.predicate, t.object, g_ontology) for t in ontology])
    return store


def validate_files(paths: Iterable[Path], *, reference: bool = False) -> list[Violation]:
    """`ksst validate FILE...`: any RDF file, its format guessed from the extension.

    The compiled shapes check it, as the build does; `reference=True` runs pyshacl instead.
    """
    graph = rdflib.Graph()
    for path in paths:  # rdflib reads more formats (TriX, HexTuples, ...); the compiled checks take Oxigraph terms
        graph.parse(path, format=rdflib.util.guess_format(str(path)) or "turtle")
    asserted = [q.triple for q in parse(graph.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)]
    return graph_violations(asserted, ontology_triples(), reference=reference)


# --- the build's validator: the shapes compiled (shacl.py), pyshacl where they cannot be ---------------------


@cache
def compiled_shapes() -> Validator | None:
    """The real shapes compiled once per process, or None if they use a feature only pyshacl has."""
    from .shacl import Unsupported, compile_shapes

    try:
        return compile_shapes(shapes_graph())
    except Unsupported:
        return None


def graph_violations(asserted: Sequence[Triple], ontology: Sequence[Triple],
                     origins: Mapping[str, str] | None = None, *, in_subject_order: bool = False,
                     reference: bool = False, only: Collection[str] | None = None) -> list[Violation]:
    """SHACL for a whole graph with the ontology, as pyshacl would report it (pyshacl itself as fallback).

    `in_subject_order`: `asserted` is sorted by subject (`sorted_triples`), so it can be checked in blocks.
    `reference`: run pyshacl itself (minutes at a million triples).
    `only`: report just these focus nodes (IRIs): `asserted` is the neighbourhood of what a rebuild changed.
    """
    from .shacl import Unsupported

    origins = origins or {}
    validator = None if reference else compiled_shapes()
    if validator is not None:
        try:
            nodes = None if only is None else {NamedNode(x) for x in only}
            results = validator.results(asserted, ontology, in_subject_order=in_subject_order, only=nodes)
            return sorted(_violation(r, origins) for r in results)
        except Unsupported:  # data the compiled checks cannot judge (a blank node compared by order)
            pass
    found = shacl_violations(to_rdflib(asserted), origins)
    return found if only is None else [v for v in found if v.focus in only]


def _violation(result: Result, origins: Mapping[str, str]) -> Violation:
    focus = result.focus.value
    return Violation(focus=focus, path=result.path, message=result.message, shape=result.shape,
                     component=result.component, severity=result.severity,
                     value=result.value.value if result.value is not None else "", file=origins.get(focus, ""))
