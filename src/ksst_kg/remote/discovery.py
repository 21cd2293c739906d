"""Where a store's endpoints are (query, update, Graph Store Protocol) and which graphs a load targets."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from ..core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
from .http import check_url

#: What the graphs of a build are called, in the order they are loaded.
GRAPH_NAMES = ("asserted", "inferred", "ontology")
LOCAL_GRAPHS = {"asserted": GRAPH_ASSERTED, "inferred": GRAPH_INFERRED, "ontology": GRAPH_ONTOLOGY}


@dataclass(frozen=True)
class Endpoints:
    """Where a store takes queries, updates and Graph Store Protocol requests."""

    query: str
    update: str
    store: str | None  # None: no Graph Store Protocol, use SPARQL Update


def _with_path(url: str, path: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def endpoints_for(query: str, *, update: str | None = None, store: str | None = None, use_gsp: bool = True,
                  authenticated: bool = False) -> Endpoints:
    """The update and Graph Store Protocol URLs that go with a query endpoint, unless given.

    | store | query endpoint | update | graph store |
    |---|---|---|---|
    | Oxigraph | `/query` | `/update` | `/store` |
    | Fuseki | `/DS/sparql` or `/DS/query` | `/DS/update` | `/DS/data` |
    | Virtuoso | `/sparql` or `/sparql-auth` | the same | `/sparql-graph-crud` (`-auth` with credentials) |
    | GraphDB, RDF4J | `/repositories/ID` | `/repositories/ID/statements` | `/repositories/ID/rdf-graphs/service` |
    | any other | URL | URL | URL (SPARQL 1.1 lets one URL serve all three) |
    """
    check_url(query, "--endpoint")
    if update is not None:
        check_url(update, "--update-endpoint")
    if store is not None:
        check_url(store, "--store-endpoint")
    path = urllib.parse.urlsplit(query).path.rstrip("/")
    segments = [s for s in path.split("/") if s]
    guess_update, guess_store = query, query
    if path == "/query":  # Oxigraph
        guess_update, guess_store = _with_path(query, "/update"), _with_path(query, "/store")
    elif path in ("/sparql", "/sparql-auth"):  # Virtuoso
        crud = "/sparql-graph-crud-auth" if authenticated or path == "/sparql-auth" else "/sparql-graph-crud"
        guess_update, guess_store = query, _with_path(query, crud)
    elif len(segments) >= 2 and segments[-2] == "repositories":  # GraphDB, RDF4J
        guess_update, guess_store = _with_path(query, path + "/statements"), _with_path(
            query, path + "/rdf-graphs/service")
    elif len(segments) >= 2 and segments[-1] in ("sparql", "query"):  # Fuseki
        base = "/" + "/".join(segments[:-1])
        guess_update, guess_store = _with_path(query, base + "/update"), _with_path(query, base + "/data")
    return Endpoints(query=query, update=update or guess_update, store=(store or guess_store) if use_gsp else None)


def target_graphs(base: str | None = None) -> dict[str, str]:
    """Graph IRIs in the store: by default the build's own (`…/graph/asserted`, `…/inferred`,
    `…/ontology`); with a `base` IRI, `BASE/asserted`, `BASE/inferred`, `BASE/ontology`."""
    if base is None:
        return dict(LOCAL_GRAPHS)
    base = base.rstrip("/")
    return {name: f"{base}/{name}" for name in GRAPH_NAMES}


def default_graphs(base: str | None = None) -> list[str]:
    """The `default-graph-uri`s a remote query needs to see what the embedded store's default graph shows."""
    return list(target_graphs(base).values())
