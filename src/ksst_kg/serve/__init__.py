"""`ksst serve`: a read-only SPARQL 1.1 endpoint over a build that no request can crash, hang, exhaust or turn
against its network.

Design. A Python HTTP front (`app.py`, the standard library's threaded server) checks every request before
any SPARQL engine sees it (`guard.py`, with `query.guard`: the protocol's forms, sizes, a bound on nesting,
no SERVICE unless allowed) and runs each query in a worker process (`workers.py`, with `query.worker`):
pyoxigraph opened read-only on the build's store, a small pool of them. What that gives:

* every query has a time limit (`--timeout`, 60 s by default): past it the worker is killed (Oxigraph cannot be
  asked to stop) and replaced, and the client gets HTTP 504 with one line, never a truncated 200; a query whose
  client went away is stopped the same way;
* every query has a memory limit (`--memory`, 2048 MB by default, `RLIMIT_DATA` of the worker): past it the
  worker dies and the client gets 503;
* a query larger than 128 KB or nested more than 64 brackets deep is answered 400 before it is parsed, and the
  engine evaluates on a thread with a 256 MB stack; a worker that crashes anyway is replaced (500), the server
  goes on;
* `SERVICE` is refused (400) unless `--allow-service`: otherwise anyone who can reach the endpoint could make
  this machine send requests to any host and port, the local network included;
* GET with URLs up to 64 KB, POST of a form and of `application/sparql-query`; answers by content negotiation:
  SPARQL results as JSON, XML, CSV or TSV, graphs as N-Triples, Turtle, RDF/XML or JSON-LD (also `format=`);
  updates and Graph Store writes 403, reads of the Graph Store Protocol at `/store`;
* at most `workers` queries at once (others wait up to 30 s, then 503) and 64 connections (more get 503);
* the default graph is the union of the build's graphs, as the saved queries expect (`default-graph-uri` and
  `named-graph-uri` are honoured);
* the server holds the build it answers from (`core.builds.reading`), so a build meanwhile never removes it;
  a newer build published at the same folder is taken up within a second, without a restart.

Hook for pages. `Server` (and `run`) take an optional `pages` object with a method
`respond(path: str, accept: str) -> tuple[int, dict[str, str], bytes] | None`. Any GET or HEAD outside the
SPARQL paths (`/query`, `/update`, `/store`) goes to it: `path` is the request target as sent (path and query
string), `accept` the Accept header (`*/*` when absent); it returns the status, headers and body to send (the
server adds Content-Length), or None for 404. For `/`, None falls back to the query page. It is called on the
server's request threads, so it must be thread-safe; an exception in it is answered 500.

The `oxigraph` binary (the `oxigraph` package on PyPI) is no longer what `ksst serve` runs; `oxigraph_binary`
finds it for those who run a read-write Oxigraph server to load into (docs/triplestores.md).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..core.errors import ServeError
from .app import DEFAULT_HOST, DEFAULT_PORT, Options, Pages, Server, Urls, bind_address, public_host, run, urls

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Options", "Pages", "Server", "Urls", "bind_address", "oxigraph_binary",
           "public_host", "run", "urls"]


def oxigraph_binary() -> str:
    """The `oxigraph` executable: beside this Python (a virtual environment's bin/), else on PATH."""
    names = ("oxigraph.exe", "oxigraph") if os.name == "nt" else ("oxigraph",)
    for name in names:
        candidate = Path(sys.executable).parent / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServeError("the Oxigraph server is not installed; install it with `pip install 'oxigraph>=0.5,<0.6'`")
