"""Check a graph against the SHACL shapes (stage three), as pyshacl would report it.

The build checks the shapes with the compiled validator of `shacl.py` (pyshacl's results, in seconds at a
million triples); pyshacl itself (`reference.py`) is the reference, used where the shapes need a feature
`shacl.py` lacks and by `ksst validate --reference`.

A violation is reported with its focus node, property, message and, when the graph was built here, the
data file the fact came from, so a curator knows what to open.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

import rdflib
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from ..core.bridge import to_rdflib
from ..core.errors import DataError, Violation
from ..core.rdf import Term, lexical
from ..core.resources import ontology_triples
from .reference import shacl_violations, shapes_graph
from .shacl import Result, Unsupported, Validator, compile_shapes


def validate_files(paths: Iterable[Path], *, reference: bool = False) -> list[Violation]:
    """`ksst validate FILE...`: any RDF file, its format guessed from the extension.

    The compiled shapes check it, as the build does; `reference=True` runs pyshacl instead.
    """
    graph = rdflib.Graph()
    for path in paths:  # rdflib reads more formats (TriX, HexTuples, ...); the compiled checks take Oxigraph terms
        try:
            graph.parse(path, format=rdflib.util.guess_format(str(path)) or "turtle")
        except Exception as exc:  # rdflib's parsers raise many kinds; each means the file is not what it says
            raise DataError(f"cannot read {path}: {' '.join(str(exc).split())}") from exc
    asserted = [q.triple for q in parse(graph.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)]
    return graph_violations(asserted, ontology_triples(), reference=reference)


# --- the build's validator: the shapes compiled (shacl.py), pyshacl where they cannot be ---------------------


@cache
def compiled_shapes() -> Validator | None:
    """The real shapes compiled once per process, or None if they use a feature only pyshacl has."""
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
    origins = origins or {}
    validator = None if reference else compiled_shapes()
    if validator is not None:
        try:
            nodes: set[Term] | None = None if only is None else {NamedNode(x) for x in only}
            results = validator.results(asserted, ontology, in_subject_order=in_subject_order, only=nodes)
            return sorted(_violation(r, origins) for r in results)
        except Unsupported:  # data the compiled checks cannot judge (a blank node compared by order)
            pass
    found = shacl_violations(to_rdflib(asserted), origins)
    return found if only is None else [v for v in found if v.focus in only]


def _violation(result: Result, origins: Mapping[str, str]) -> Violation:
    focus = lexical(result.focus)
    return Violation(focus=focus, path=result.path, message=result.message, shape=result.shape,
                     component=result.component, severity=result.severity,
                     value=lexical(result.value) if result.value is not None else "", file=origins.get(focus, ""))
