"""Check a graph against the SHACL shapes (pyshacl) and the QC queries in `qc/` (stage three).

A violation is reported with its focus node, property, message and, when the graph was built here, the
data file the fact came from, so a curator knows what to open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, serialize

from .namespaces import GRAPH_ASSERTED, GRAPH_ONTOLOGY, SH
from .resources import resource_dir


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
        for row in store.query(path.read_text(encoding="utf-8"), default_graph=default):
            values = [row[v] for v in row.keys() if row[v] is not None]  # noqa: SIM118 - QuerySolution
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


def validate_files(paths: Iterable[Path]) -> list[Violation]:
    """`ksst validate FILE...`: any RDF file, its format guessed from the extension."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format=rdflib.util.guess_format(str(path)) or "turtle")
    return shacl_violations(graph)
