"""The QC queries of `qc/` (as in the Ontology Development Kit: a row is a failure), over a store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, QuerySolutions, Store, Triple

from ..core.errors import Violation
from ..core.namespaces import GRAPH_ASSERTED, GRAPH_ONTOLOGY
from ..core.rdf import lexical
from ..core.resources import resource_dir


def qc_queries() -> list[Path]:
    return sorted(resource_dir("qc").glob("*.rq"))


def qc_violations(store: Store, origins: Mapping[str, str] | None = None,
                  graphs: tuple[str, ...] = (GRAPH_ASSERTED, GRAPH_ONTOLOGY)) -> list[Violation]:
    """Run every QC query (ODK style: a row is a failure) over the asserted graph and the ontology."""
    origins = origins or {}
    out = []
    default: list[NamedNode | BlankNode | DefaultGraph] = [NamedNode(g) for g in graphs]
    for path in qc_queries():
        rows = store.query(path.read_text(encoding="utf-8"), default_graph=default)
        if not isinstance(rows, QuerySolutions):
            raise TypeError(f"{path} is not a SELECT query: a QC check lists its failures as rows")
        variables = rows.variables
        for row in rows:
            values = [row[v] for v in variables if row[v] is not None]
            focus = lexical(values[0]) if values else ""
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
