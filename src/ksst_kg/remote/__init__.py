"""Talking to a SPARQL 1.1 store over HTTP: the client (`http`), queries (`protocol`), where the endpoints
are (`discovery`) and loading the build into a store (`loader`)."""

from .discovery import GRAPH_NAMES, LOCAL_GRAPHS, Endpoints, default_graphs, endpoints_for, target_graphs
from .http import AUTH_SCHEMES, COST_HINT, Credentials, Http, credentials_for
from .loader import (
    TEMPORARY,
    Client,
    GraphCount,
    GraphData,
    LoadProgress,
    LoadReport,
    NoProgress,
    bnode_safe_batches,
    graph_data,
    load,
    load_build,
    local_graphs,
    ntriples,
)
from .protocol import construct, json_rows, json_term, select

__all__ = [
    "AUTH_SCHEMES",
    "COST_HINT",
    "GRAPH_NAMES",
    "LOCAL_GRAPHS",
    "TEMPORARY",
    "Client",
    "Credentials",
    "Endpoints",
    "GraphCount",
    "GraphData",
    "Http",
    "LoadProgress",
    "LoadReport",
    "NoProgress",
    "bnode_safe_batches",
    "construct",
    "credentials_for",
    "default_graphs",
    "endpoints_for",
    "graph_data",
    "json_rows",
    "json_term",
    "load",
    "load_build",
    "local_graphs",
    "ntriples",
    "select",
    "target_graphs",
]
