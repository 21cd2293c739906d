"""Stage three: check a graph against the SHACL shapes (compiled, or pyshacl as the reference) and the QC
queries of `qc/`; every problem a `Violation` naming the data file to fix."""

from ..core.errors import Violation
from .check import compiled_shapes, graph_violations, validate_files
from .qc import qc_queries, qc_violations, store_with
from .reference import ontology_graph, shacl_violations, shapes_graph

__all__ = [
    "Violation",
    "compiled_shapes",
    "graph_violations",
    "ontology_graph",
    "qc_queries",
    "qc_violations",
    "shacl_violations",
    "shapes_graph",
    "store_with",
    "validate_files",
]
