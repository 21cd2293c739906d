"""Talking to a SPARQL 1.1 store over HTTP: the client (`http`), queries (`protocol`), where the endpoints
are (`discovery`) and loading the build into a store (`load`)."""

from .discovery import GRAPH_NAMES, LOCAL_GRAPHS, Endpoints, default_graphs, endpoints_for, target_graphs
from .http import AUTH_SCHEMES, Credentials, credentials_for, make_opener
from .loader import (
    Client,
    GraphCount,
    LoadProgress,
    LoadReport,
    NoProgress,
    bnode_safe_batches,
    load,
    load_build,
    local_graphs,
)
from .protocol import construct, json_rows, json_term, select

__all__ = [
    "AUTH_SCHEMES",
    "GRAPH_NAMES",
    "LOCAL_GRAPHS",
    "Client",
    "Credentials",
    "Endpoints",
    "GraphCount",
    "LoadProgress",
    "LoadReport",
    "NoProgress",
    "bnode_safe_batches",
    "construct",
    "credentials_for",
    "default_graphs",
    "endpoints_for",
    "json_rows",
    "json_term",
    "load",
    "load_build",
    "local_graphs",
    "make_opener",
    "select",
    "target_graphs",
]
