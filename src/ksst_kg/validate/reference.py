"""pyshacl, the reference validator: the real shapes and ontology, its report turned into `Violation`s.

The build checks the compiled shapes (`shacl.py`); pyshacl runs where they cannot judge the data, for
`ksst build --pyshacl` and `ksst validate --reference`, and in the tests that hold the two to the same results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import rdflib

from ..core.errors import Violation
from ..core.namespaces import SH
from ..core.resources import resource_dir


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


def shacl_violations(data: rdflib.Graph, origins: Mapping[str, str] | None = None) -> list[Violation]:
    """Run pyshacl with the real shapes and ontology; return the results, sorted."""
    from pyshacl import validate  # heavy (seconds with its dependencies): imported only when pyshacl runs

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
