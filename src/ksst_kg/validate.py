"""Check a graph against the SHACL shapes (pyshacl) and the QC queries in `qc/` (stage three).

A violation is reported with its focus node, property, message and, when the graph was built here, the
data file the fact came from, so a curator knows what to open.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
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


# --- the fast path: validate record by record, in parallel, with a cache ---------------------------------
#
# Every shape targets a class and looks at most one step beyond its focus node (the types or schemes of the
# values). So a record's triples, plus the descriptions of the nodes they point to, decide every result
# whose focus node the record describes. Nodes that several records describe (a post attested at two
# editions) are validated once more with everything all records say about them. Results are cached by the
# digest of what was validated, so a rebuild after one record changes validates that record only.


@dataclass(frozen=True)
class Unit:
    """What one pyshacl run sees (N-Triples) and the focus nodes whose results it decides."""

    name: str
    ntriples: bytes
    focus: frozenset[str]
    file: str


def _describe(triples: Iterable[Triple]) -> dict[str, list[Triple]]:
    out: dict[str, list[Triple]] = {}
    for t in triples:
        out.setdefault(t.subject.value, []).append(t)
    return out


def validation_units(chunks: list[tuple[str, set[Triple]]]) -> list[Unit]:
    """One unit per record file, and one for the nodes that several files describe."""
    owners: dict[str, set[int]] = {}
    for i, (_, triples) in enumerate(chunks):
        for t in triples:
            owners.setdefault(t.subject.value, set()).add(i)
    every = _describe(t for _, triples in chunks for t in triples)
    shared = {s for s, who in owners.items() if len(who) > 1}
    units = []
    for name, triples in chunks:
        own = {t.subject.value for t in triples} - shared
        units.append(_unit(name, set(triples), own, every))
    if shared:
        triples = {t for s in shared for t in every[s]}
        units.append(_unit("nodes described by several records", triples, shared, every))
    return units


def _unit(name: str, triples: set[Triple], focus: set[str], every: Mapping[str, list[Triple]]) -> Unit:
    subjects = {t.subject.value for t in triples}
    context = {c for t in triples if isinstance(t.object, NamedNode) and t.object.value not in subjects
               for c in every.get(t.object.value, ())}
    data = serialize(sorted(triples | context, key=str), format=RdfFormat.N_TRIPLES)
    return Unit(name, data, frozenset(focus), name)


def _resources_digest() -> str:
    digest = hashlib.sha256()
    for folder in ("shapes", "ontology"):
        for path in sorted(resource_dir(folder).glob("*.ttl")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run_unit(unit: Unit) -> list[Violation]:
    graph = rdflib.Graph()
    if unit.ntriples:
        graph.parse(data=unit.ntriples, format="nt")
    found = shacl_violations(graph, {s: unit.file for s in unit.focus})
    return [v for v in found if v.focus in unit.focus]


def validate_units(units: list[Unit], cache_dir: Path | None = None, workers: int | None = None) -> list[Violation]:
    """Run pyshacl on each unit not in the cache, several at a time; return all violations, sorted."""
    salt = _resources_digest()
    keys = [hashlib.sha256(salt.encode() + u.name.encode() + u.ntriples).hexdigest() for u in units]
    results: dict[int, list[Violation]] = {}
    todo = []
    for i, key in enumerate(keys):
        cached = _cache_get(cache_dir, key)
        if cached is None:
            todo.append(i)
        else:
            results[i] = cached
    size = sum(len(units[i].ntriples) for i in todo)
    workers = workers or min(len(todo), os.cpu_count() or 1)
    if workers > 1 and size > PARALLEL_THRESHOLD:
        shapes_graph(), ontology_graph()  # parsed once, inherited by the forked workers
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            found = pool.map(_run_unit, [units[i] for i in todo], chunksize=1)
    else:
        found = [_run_unit(units[i]) for i in todo]
    for i, violations in zip(todo, found, strict=True):
        results[i] = violations
        _cache_put(cache_dir, keys[i], violations)
    return sorted(v for i in range(len(units)) for v in results[i])


PARALLEL_THRESHOLD = 2_000_000  # bytes of N-Triples: below this, forking costs more than it saves


def _cache_get(cache_dir: Path | None, key: str) -> list[Violation] | None:
    if cache_dir is None:
        return None
    path = cache_dir / "shacl" / f"{key}.json"
    try:
        return [Violation(**v) for v in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return None


def _cache_put(cache_dir: Path | None, key: str, violations: list[Violation]) -> None:
    if cache_dir is None:
        return
    from .export import atomic_write

    data = json.dumps([asdict(v) for v in violations], sort_keys=True).encode()
    atomic_write(cache_dir / "shacl" / f"{key}.json", data)
