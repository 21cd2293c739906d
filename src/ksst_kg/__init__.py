"""ksst-kg: a knowledge graph of Indonesia's KSST capacity-building programmes for Colombo Plan members.

The public API, for Python users and for the `ksst` command line, which is a thin layer over it:

    import ksst_kg

    result = ksst_kg.build(Path("data"), Path("build"))          # records → RDF → validate → infer → exports
    rows = ksst_kg.answer(ksst_kg.load_query("gaps").text)       # a saved query on the embedded store
    report = ksst_kg.load_build(Path("build"), "http://127.0.0.1:7878/query")   # into a SPARQL 1.1 store
    site = ksst_kg.build_site(Path("build"))                     # the static site, in build/site

Every failure it means to report is a `KsstError` carrying `exit_code` (see `ExitCode`).

Names are imported on first use (PEP 562), so that `import ksst_kg` and `ksst query` stay fast: a query
does not pay for rdflib, pyshacl and owlrl, which only building and validating need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core.errors import (
    AuthenticationFailed,
    BuildBusy,
    DataError,
    ExitCode,
    KsstError,
    NoBuild,
    QueryError,
    QueryLimit,
    RecordError,
    RecordErrors,
    RemoteError,
    ServeError,
    StoreTimeout,
    StoreUnreachable,
    UsageError,
    ValidationFailed,
    Violation,
)
from .core.lazy import lazy_exports
from .core.version import __version__

if TYPE_CHECKING:
    from .pipeline import BuildResult, build
    from .query import Result, SavedQuery, answer, load_queries, load_query, render
    from .records import Skeleton, new_edition, new_source
    from .remote import LoadReport, load_build
    from .site import SiteResult, build_site
    from .validate import validate_files

_LAZY = {
    "build": "pipeline",
    "BuildResult": "pipeline",
    "validate_files": "validate",
    "answer": "query",
    "load_queries": "query",
    "load_query": "query",
    "render": "query",
    "Result": "query",
    "SavedQuery": "query",
    "load_build": "remote",
    "LoadReport": "remote",
    "new_edition": "records",
    "new_source": "records",
    "Skeleton": "records",
    "build_site": "site",
    "SiteResult": "site",
}

__all__ = [
    "AuthenticationFailed",
    "BuildBusy",
    "BuildResult",
    "DataError",
    "ExitCode",
    "KsstError",
    "LoadReport",
    "NoBuild",
    "QueryError",
    "QueryLimit",
    "RecordError",
    "RecordErrors",
    "RemoteError",
    "Result",
    "SavedQuery",
    "ServeError",
    "SiteResult",
    "Skeleton",
    "StoreTimeout",
    "StoreUnreachable",
    "UsageError",
    "ValidationFailed",
    "Violation",
    "__version__",
    "answer",
    "build",
    "build_site",
    "load_build",
    "load_queries",
    "load_query",
    "new_edition",
    "new_source",
    "render",
    "validate_files",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
