"""What the server checks of a request before any worker sees it: the SPARQL 1.1 protocol's forms of a query
(GET with `query=`, POST of a form, POST of `application/sparql-query`), their sizes, the query itself
(`query.guard`: size, nesting, SERVICE), and the answer formats the client accepts.

Everything here is pure: a request's parts in, a `SparqlRequest` or a `Refusal` (an HTTP status and one line)
out, so that it can be tested without a server.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.errors import QueryLimit
from ..query.guard import Bounds, check_query

MAX_TARGET = 64 * 1024  # the longest request target (path and query string) taken: long GET queries work
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"

# answer formats in the server's order of preference, and the short names of the `format` parameter
RESULTS_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values")
GRAPH_TYPES = ("application/n-triples", "text/turtle", "application/rdf+xml", "application/ld+json")
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples"}
SHORT_NAMES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
               "tsv": "text/tab-separated-values", "nt": "application/n-triples", "ntriples": "application/n-triples",
               "n-triples": "application/n-triples", "ttl": "text/turtle", "turtle": "text/turtle",
               "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml", "jsonld": "application/ld+json",
               "json-ld": "application/ld+json"}


class Refusal(Exception):
    """A request answered with an error status and one line saying why."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class SparqlRequest:
    """A query and how to answer it. `default_graphs` None: the union of the build's graphs."""

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    results: str | None = RESULTS_TYPES[0]  # None: the client takes no results format
    graph: str | None = GRAPH_TYPES[0]  # None: the client takes no graph format
    params: dict[str, list[str]] = field(default_factory=dict)


def max_body(bounds: Bounds) -> int:
    """The largest body taken: a form percent-encodes a query to at most three times its size."""
    return 3 * bounds.max_bytes + 64 * 1024


def parse_params(text: str) -> dict[str, list[str]]:
    """Parameters of a query string or form (UTF-8, percent-encoded); Refusal 400 if they are not."""
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                                     errors="strict", max_num_fields=1000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refusal(400, f"the parameters cannot be read ({exc})") from None


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def read_query(method: str, params: dict[str, list[str]], content_type: str | None,
               body: Callable[[], bytes]) -> tuple[str, dict[str, list[str]]]:
    """The query text of a request and all its parameters (URL and form), by the protocol's three forms."""
    if "update" in params:
        raise Refusal(403, "this endpoint is read-only: SPARQL updates are refused")
    if method == "POST":
        kind = media_type(content_type)
        if kind == FORM:
            try:
                form = parse_params(body().decode("utf-8"))
            except UnicodeDecodeError:
                raise Refusal(400, "the form is not UTF-8") from None
            if "update" in form:
                raise Refusal(403, "this endpoint is read-only: SPARQL updates are refused")
            merged = {k: [*params.get(k, []), *v] for k, v in form.items()}
            params = {**params, **merged}
        elif kind == SPARQL_QUERY:
            if "query" in params:
                raise Refusal(400, "a query in the body and another in the URL")
            try:
                return body().decode("utf-8"), params
            except UnicodeDecodeError:
                raise Refusal(400, "the query is not UTF-8") from None
        elif kind == "application/sparql-update":
            raise Refusal(403, "this endpoint is read-only: SPARQL updates are refused")
        else:
            raise Refusal(415, f"a query is sent as {FORM} or {SPARQL_QUERY}, not {kind or 'an untyped body'}")
    queries = params.get("query", [])
    if not queries:
        raise Refusal(400, "no query: pass it as the `query` parameter (GET or a form) or as the body "
                           f"({SPARQL_QUERY})")
    if len(queries) > 1:
        raise Refusal(400, "more than one `query` parameter")
    return queries[0], params


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights, in the order given."""
    out = []
    for part in (header or "*/*").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        weight = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    weight = min(max(float(f[2:]), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        out.append((ALIASES.get(fields[0].lower(), fields[0].lower()), weight))
    return out


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers (an exact type over `type/*` over `*/*`, then the server's order);
    None if it accepts none of them."""
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for rank, candidate in enumerate(offered):
        weight, precision = -1.0, -1
        for pattern, q in ranges:
            level = 2 if pattern == candidate else 1 if pattern == candidate.split("/")[0] + "/*" else \
                0 if pattern == "*/*" else -1
            if level > precision:
                weight, precision = q, level
        if precision < 0 or weight <= 0:
            continue
        key = (weight, precision, -rank)
        if best is None or key > best:
            best, chosen = key, candidate
    return chosen


def graphs(params: Mapping[str, list[str]], name: str) -> tuple[str, ...] | None:
    values = params.get(name)
    return tuple(values) if values else None


def parse_request(method: str, target: str, content_type: str | None, accept: str | None, body: Callable[[], bytes],
                  bounds: Bounds) -> SparqlRequest:
    """A query request to `/query` (its method, request target, Content-Type and Accept headers, and a reader of
    its body) as the server will run it, or Refusal."""
    if len(target) > MAX_TARGET:
        raise Refusal(414, f"the request's URL is longer than {MAX_TARGET} bytes; send the query by POST")
    params = parse_params(urllib.parse.urlsplit(target).query)
    text, params = read_query(method, params, content_type, body)
    try:
        check_query(text, bounds)
    except QueryLimit as exc:
        raise Refusal(400, str(exc)) from None
    asked = params.get("format", params.get("output", []))
    if asked:
        wanted = SHORT_NAMES.get(asked[0].lower(), asked[0].lower())
        results = wanted if wanted in RESULTS_TYPES else None
        graph = wanted if wanted in GRAPH_TYPES else None
    else:
        results = negotiate(accept, RESULTS_TYPES)
        graph = negotiate(accept, GRAPH_TYPES)
    if results is None and graph is None:
        raise Refusal(406, "none of the formats asked for can be given: SPARQL results as JSON, XML, CSV or TSV; "
                           "graphs as N-Triples, Turtle, RDF/XML or JSON-LD")
    return SparqlRequest(text, graphs(params, "default-graph-uri"), graphs(params, "named-graph-uri"), results, graph,
                         params)
