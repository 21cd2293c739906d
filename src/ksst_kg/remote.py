"""Talking to a SPARQL 1.1 store over HTTP: queries, loading the build, counting what the store holds.

- `select` runs a SELECT with SPARQLWrapper (JSON results) and gives rows of pyoxigraph terms, so remote rows
  compare equal to rows from the embedded store; `construct` runs a CONSTRUCT or DESCRIBE and gives triples.
- `load` pushes the build's asserted, inferred and ontology graphs into a store: one HTTP PUT per graph with
  the SPARQL 1.1 Graph Store Protocol (a PUT replaces the graph in one request), or, where the store has no
  Graph Store Protocol, SPARQL 1.1 Update: INSERT DATA in batches into temporary graphs, then one request
  that MOVEs them into place, so a failure never leaves a half-loaded graph. Then it counts the triples of
  each graph in the store, for the report next to the local counts.
- Every failure (store down, wrong URL, 401, timeout, bad query) is a `RemoteError` whose message is one
  line saying what to check.

HTTP is the standard library's `urllib`, with HTTP basic and digest authentication (Fuseki and GraphDB use
basic, Virtuoso's `*-auth` endpoints digest).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from typing import Literal as TypingLiteral

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, parse, serialize

from . import __version__
from .errors import KsstError
from .namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, XSD

USER_AGENT = f"ksst-kg/{__version__}"
AuthScheme = TypingLiteral["auto", "basic", "digest"]
AUTH_SCHEMES: tuple[str, ...] = ("auto", "basic", "digest")
Term = NamedNode | Literal | BlankNode | Triple

#: What the graphs of a build are called, in the order they are loaded.
GRAPH_NAMES = ("asserted", "inferred", "ontology")
LOCAL_GRAPHS = {"asserted": GRAPH_ASSERTED, "inferred": GRAPH_INFERRED, "ontology": GRAPH_ONTOLOGY}
#: HTTP answers to a Graph Store Protocol request that mean "no Graph Store Protocol here".
NO_GSP_STATUSES = frozenset({404, 405, 406, 415, 501})


# --------------------------------------------------------------------------------------------- errors


class RemoteError(KsstError):
    """A request to a SPARQL store failed; the message is one line saying what to check."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, where the store answered


class StoreUnreachable(RemoteError):
    """Nothing answers at the URL's host and port (connection refused, unknown host, reset)."""


class EndpointNotFound(RemoteError):
    """The server answers, but not at this path (HTTP 404)."""


class AuthenticationFailed(RemoteError):
    """HTTP 401 or 403: credentials missing, wrong, or without the right to do this."""


class StoreTimeout(RemoteError):
    """The store did not answer in time."""


class BadRequest(RemoteError):
    """HTTP 400: the store rejected the query or update."""


class StoreError(RemoteError):
    """Any other failure answer, or an answer that is not what the protocol says."""


class GraphStoreUnavailable(RemoteError):
    """The Graph Store Protocol URL does not take a PUT (404, 405, 415, 501): fall back to SPARQL Update."""


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_of(exc: urllib.error.HTTPError) -> str:
    try:
        return _one_line(exc.read().decode("utf-8", "replace"))
    except Exception:  # the body of an error is a courtesy; never fail on it
        return ""


def _host_port(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


PATH_HINT = "Oxigraph: /query, Fuseki: /DATASET/sparql, Virtuoso: /sparql, GraphDB: /repositories/ID"
PATH_HINTS = {
    "--endpoint": PATH_HINT,
    "--update-endpoint": "Oxigraph: /update, Fuseki: /DATASET/update, Virtuoso: /sparql-auth, "
                         "GraphDB: /repositories/ID/statements",
    "--store-endpoint": "Oxigraph: /store, Fuseki: /DATASET/data, Virtuoso: /sparql-graph-crud-auth, "
                        "GraphDB: /repositories/ID/rdf-graphs/service",
}


def _http_error(exc: urllib.error.HTTPError, url: str, what: str, *, credentials: bool,
                option: str = "--endpoint") -> RemoteError:
    error = _http_error_message(exc, url, what, credentials=credentials, option=option)
    error.status = exc.code
    return error


def _http_error_message(exc: urllib.error.HTTPError, url: str, what: str, *, credentials: bool,
                        option: str) -> RemoteError:
    code = exc.code
    body = _body_of(exc)
    detail = f": {body}" if body else ""
    if code == 401:
        if credentials:
            return AuthenticationFailed(
                f"{url} refused the credentials (HTTP 401){detail}; check --user and --password, "
                f"and --auth (basic or digest)")
        return AuthenticationFailed(f"{url} needs credentials (HTTP 401); pass --user and --password")
    if code == 403:
        return AuthenticationFailed(
            f"{url} forbids the {what} (HTTP 403){detail}; check that the user has the right to it "
            f"(and that the store is not read-only)")
    if code == 404:
        return EndpointNotFound(f"{url} was not found (HTTP 404); check the path in {option} "
                                f"({PATH_HINTS.get(option, PATH_HINT)})")
    if code == 400:
        return BadRequest(f"{url} rejected the {what} (HTTP 400){detail}; check the {what}")
    if code in (408, 504):
        return StoreTimeout(f"{url} timed out on the {what} (HTTP {code}){detail}; check the store's load "
                            f"or raise --timeout")
    return StoreError(f"{url} answered HTTP {code} {exc.reason} to the {what}{detail}; check the store's log")


def _network_error(exc: BaseException, url: str, timeout: float) -> RemoteError:
    """A failure below HTTP (refused, timed out, unknown host, reset) as a one-line message."""
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return StoreTimeout(f"{url} did not answer within {timeout:g} s; check that the store is up and "
                            f"not overloaded, or raise --timeout")
    if isinstance(reason, ConnectionRefusedError):
        return StoreUnreachable(f"cannot connect to {_host_port(url)} (connection refused); check that the "
                                f"store is running and the host and port in the URL")
    if isinstance(reason, socket.gaierror):
        return StoreUnreachable(f"cannot resolve the host of {url}; check the host name in the URL")
    if isinstance(reason, ConnectionError | http.client.HTTPException):
        return StoreUnreachable(f"{_host_port(url)} closed the connection ({type(reason).__name__}); check "
                                f"that the URL points at an HTTP SPARQL service (http:// or https://)")
    if isinstance(reason, OSError):
        text = reason.strerror or str(reason)
        return StoreUnreachable(f"cannot reach {url} ({_one_line(text)}); check the URL and the network")
    return StoreUnreachable(f"cannot reach {url} ({_one_line(str(reason))}); check the URL")


def _check_url(url: str, option: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{option} {url!r} is not an http:// or https:// URL; check {option}")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise RemoteError(f"{option} {url!r} has an invalid port; check {option}") from None


# ------------------------------------------------------------------------------------------ HTTP client


@dataclass(frozen=True)
class Credentials:
    """User and password for HTTP authentication, and how to send them.

    `auto` answers whichever challenge the store sends (basic or digest) and never sends the password
    unasked; `basic` sends it with every request (as GraphDB and Fuseki expect); `digest` answers
    digest challenges only (Virtuoso's `/sparql-auth` and `/sparql-graph-crud-auth`).
    """

    user: str
    password: str
    scheme: AuthScheme = "auto"


def credentials_for(user: str | None, password: str | None, scheme: str = "auto") -> Credentials | None:
    if user is None and password is None:
        return None
    if scheme not in AUTH_SCHEMES:
        raise RemoteError(f"unknown authentication scheme {scheme!r}; use one of {', '.join(AUTH_SCHEMES)}")
    return Credentials(user or "", password or "", scheme)  # type: ignore[arg-type]


def _root(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def make_opener(credentials: Credentials | None, urls: Iterable[str]) -> urllib.request.OpenerDirector:
    """A urllib opener that authenticates with `credentials` against every host of `urls`."""
    handlers: list[urllib.request.BaseHandler] = []
    if credentials is not None:
        manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
        roots = sorted({_root(u) for u in urls})
        manager.add_password(None, roots, credentials.user, credentials.password,
                             is_authenticated=credentials.scheme == "basic")
        if credentials.scheme in ("auto", "digest"):
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        if credentials.scheme in ("auto", "basic"):
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    opener = urllib.request.build_opener(*handlers)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    return opener


def _open(opener: urllib.request.OpenerDirector, request: urllib.request.Request, *, timeout: float,
          what: str, credentials: bool, option: str) -> tuple[int, bytes, str]:
    """Send `request`; (status, body, content type), or a RemoteError naming what to check."""
    url = request.full_url.split("?", 1)[0]
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, url, what, credentials=credentials, option=option) from None
    except ValueError as exc:  # urllib's auth handlers on a scheme they do not know
        raise AuthenticationFailed(f"{url} asks for authentication ksst cannot answer ({_one_line(str(exc))}); "
                                   f"check --auth") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _network_error(exc, url, timeout) from None


# ----------------------------------------------------------------------------------------------- query


def _sparql_wrapper(endpoint: str, opener: urllib.request.OpenerDirector, timeout: float):  # type: ignore[no-untyped-def]
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    class _Wrapper(SPARQLWrapper):
        """SPARQLWrapper sending its requests through our opener (auth handlers, fractional timeouts)."""

        def _query(self):  # type: ignore[no-untyped-def]
            return opener.open(self._createRequest(), timeout=timeout), self.returnFormat

    wrapper = _Wrapper(endpoint, agent=USER_AGENT)
    wrapper.setReturnFormat(JSON)
    wrapper.setMethod(POST)  # URL-encoded form: no length limit, and every store takes it
    wrapper.setOnlyConneg(True)  # Accept header only: no `format=`/`output=` parameters some stores reject
    return wrapper


def json_term(value: dict[str, Any]) -> Term:
    """A term of SPARQL 1.1 Query Results JSON as a pyoxigraph term."""
    kind = value.get("type")
    text = value.get("value")
    if kind == "uri":
        return NamedNode(text)
    if kind == "bnode":
        try:
            return BlankNode(text)
        except ValueError:  # e.g. Virtuoso's "nodeID://b10001": same label, same blank node
            return BlankNode(hashlib.sha1(str(text).encode()).hexdigest())
    if kind in ("literal", "typed-literal"):  # "typed-literal": older Virtuoso
        language = value.get("xml:lang")
        if language:
            return Literal(text, language=language)
        datatype = value.get("datatype")
        if datatype:
            return Literal(text, datatype=NamedNode(datatype))
        return Literal(text)
    if kind == "triple":  # RDF 1.2 / SPARQL-star
        inner = value["value"]
        return Triple(json_term(inner["subject"]), json_term(inner["predicate"]),  # type: ignore[arg-type]
                      json_term(inner["object"]))
    raise ValueError(f"unknown term type {kind!r}")


def json_rows(data: dict[str, Any]) -> tuple[list[str], list[dict[str, Term | None]]]:
    """(variables, rows) of a SPARQL JSON result; an ASK answer is one row of one variable `ask` (as
    `ksst query` shows ASK answers of the embedded store)."""
    if "boolean" in data:
        value = Literal("true" if data["boolean"] else "false", datatype=NamedNode(XSD + "boolean"))
        return ["ask"], [{"ask": value}]
    variables = list(data["head"].get("vars", []))
    rows = [{v: (json_term(b[v]) if v in b else None) for v in variables} for b in data["results"]["bindings"]]
    return variables, rows


RESULTS_JSON = "application/sparql-results+json"
RDF_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


def _send_query(opener: urllib.request.OpenerDirector, endpoint: str, query: str, *, default_graphs: Sequence[str],
                timeout: float, credentials: bool, accept: str, form: str) -> tuple[bytes, str]:
    """Send a query with SPARQLWrapper; (body, content type) of the answer, or a one-line RemoteError."""
    from SPARQLWrapper import SELECT, TURTLE
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    _check_url(endpoint, "--endpoint")
    wrapper = _sparql_wrapper(endpoint, opener, timeout)
    if form != SELECT:
        wrapper.setReturnFormat(TURTLE)  # an RDF format for an RDF answer (our Accept header is what is sent)
    with warnings.catch_warnings():  # its guess at the query type is not ours to report; the store judges
        warnings.simplefilter("ignore", RuntimeWarning)
        wrapper.setQuery(query)
    # SPARQLWrapper guesses the query form from the text, and can be misled by a comment ("describes",
    # "insert"): the caller knows the form and the answer it wants, whatever it guessed
    wrapper.queryType = form
    wrapper.addCustomHttpHeader("Accept", accept)
    for graph in default_graphs:
        wrapper.addDefaultGraph(str(graph))
    try:
        response = wrapper.query().response
        try:
            return response.read(), response.headers.get("Content-Type", "")
        finally:
            response.close()
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, endpoint, "query", credentials=credentials) from None
    except ValueError as exc:
        raise AuthenticationFailed(f"{endpoint} asks for authentication ksst cannot answer "
                                   f"({_one_line(str(exc))}); check --auth") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _network_error(exc, endpoint, timeout) from None
    except SPARQLWrapperException as exc:
        raise StoreError(f"{endpoint}: {_one_line(str(exc))}; check the endpoint and the query") from None


def _select(opener: urllib.request.OpenerDirector, endpoint: str, query: str, *, default_graphs: Sequence[str],
            timeout: float, credentials: bool) -> tuple[list[str], list[dict[str, Term | None]]]:
    from SPARQLWrapper import SELECT

    raw, _ = _send_query(opener, endpoint, query, default_graphs=default_graphs, timeout=timeout,
                         credentials=credentials, accept=RESULTS_JSON, form=SELECT)
    try:
        return json_rows(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{endpoint} did not answer with SPARQL JSON results; check that --endpoint is the "
                         f"store's SPARQL query endpoint ({PATH_HINT})") from None


def construct(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
              password: str | None = None, timeout: float = 30.0, auth: str = "auto") -> list[Triple]:
    """Run a CONSTRUCT or DESCRIBE on a SPARQL endpoint; the triples of its answer (as pyoxigraph parses
    them, so that they compare equal to the embedded store's)."""
    from SPARQLWrapper import CONSTRUCT

    credentials = credentials_for(user, password, auth)
    raw, content_type = _send_query(make_opener(credentials, [endpoint]), endpoint, query,
                                    default_graphs=default_graphs, timeout=timeout,
                                    credentials=credentials is not None, accept=RDF_TYPES, form=CONSTRUCT)
    rdf_format = RdfFormat.from_media_type(content_type.split(";")[0].strip()) if content_type else None
    if rdf_format is None:
        raise StoreError(f"{endpoint} answered a CONSTRUCT with {content_type or 'no content type'}, not RDF; "
                         f"check that --endpoint is the store's SPARQL query endpoint ({PATH_HINT})")
    try:
        return [q.triple for q in parse(raw, format=rdf_format)]
    except SyntaxError as exc:
        raise StoreError(f"{endpoint} answered with {content_type} that does not parse ({_one_line(str(exc))}); "
                         f"check the store") from None


def select(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
           password: str | None = None, timeout: float = 30.0,
           auth: str = "auto") -> tuple[list[str], list[dict[str, Term | None]]]:
    """Run a SELECT (or ASK) on a SPARQL endpoint; (variable names, rows of pyoxigraph terms or None).

    `default_graphs` go as `default-graph-uri` protocol parameters, so the query's default graph is their
    merge (as with pyoxigraph's `default_graph=[...]`). Failures raise a `RemoteError` (a `KsstError`).
    """
    credentials = credentials_for(user, password, auth)
    opener = make_opener(credentials, [endpoint])
    return _select(opener, endpoint, query, default_graphs=default_graphs, timeout=timeout,
                   credentials=credentials is not None)


# ------------------------------------------------------------------------------------------- endpoints


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
    _check_url(query, "--endpoint")
    if update is not None:
        _check_url(update, "--update-endpoint")
    if store is not None:
        _check_url(store, "--store-endpoint")
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


# -------------------------------------------------------------------------------------------- progress


class Progress:
    """A one-line progress indicator on a terminal, shown only once a load has taken more than `delay`
    seconds; silent when the stream is not a terminal. `clock` is for tests, which need no waiting."""

    def __init__(self, stream: IO[str] | None = None, *, delay: float = 0.7, enabled: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.clock = clock
        self.total = 0
        self.done = 0
        self.label = ""
        self._start = clock()
        self._shown = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, total: int) -> None:
        self.total, self.done, self._start = total, 0, self.clock()
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._tick, name="ksst-progress", daemon=True)
            self._thread.start()

    def stage(self, label: str) -> None:
        with self._lock:
            self.label = label

    def advance(self, n: int) -> None:
        with self._lock:
            self.done += n
        self._render()

    def line(self) -> str:
        pct = (100 * self.done // self.total) if self.total else 100
        width = 24
        filled = width * pct // 100
        elapsed = self.clock() - self._start
        return (f"ksst load: [{'#' * filled}{'-' * (width - filled)}] {self.done:,}/{self.total:,} triples "
                f"({pct}%) {elapsed:.0f} s  {self.label}")

    def _render(self) -> None:
        if not self.enabled or self.clock() - self._start < self.delay:
            return
        with self._lock:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()
            self._shown = True

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._render()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._shown:
            self._render()
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


# ---------------------------------------------------------------------------------------------- loading


def local_graphs(build_dir: Path) -> dict[str, list[Triple]]:
    """The asserted, inferred and ontology triples of a build, read from its embedded store."""
    path = Path(build_dir) / "store"
    if not path.is_dir():
        raise KsstError(f"no embedded store at {path}; run `ksst build` first (or pass --out)")
    store = Store.read_only(str(path))
    try:
        return {name: [q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(iri))]
                for name, iri in LOCAL_GRAPHS.items()}
    finally:
        del store


def bnode_safe_batches(triples: Sequence[Triple], size: int) -> list[list[Triple]]:
    """Split into batches of about `size` triples, never splitting triples that share a blank node.

    Blank nodes in one INSERT DATA request are new blank nodes of the store: a blank node written in two
    requests would become two. So triples linked through blank nodes travel together.
    """
    parent: dict[BlankNode, BlankNode] = {}

    def find(b: BlankNode) -> BlankNode:
        root = b
        while parent.get(root, root) != root:
            root = parent[root]
        while b != root:
            parent[b], b = root, parent[b]
        return root

    def bnodes(t: Triple) -> list[BlankNode]:
        return [x for x in (t.subject, t.object) if isinstance(x, BlankNode)]

    for t in triples:
        nodes = bnodes(t)
        for b in nodes:
            parent.setdefault(b, b)
        for b in nodes[1:]:
            ra, rb = find(nodes[0]), find(b)
            if ra != rb:
                parent[rb] = ra
    plain: list[Triple] = []
    groups: dict[BlankNode, list[Triple]] = {}
    for t in triples:
        nodes = bnodes(t)
        if nodes:
            groups.setdefault(find(nodes[0]), []).append(t)
        else:
            plain.append(t)
    units: list[list[Triple]] = [plain[i:i + size] for i in range(0, len(plain), size)]
    units += list(groups.values())
    batches: list[list[Triple]] = []
    current: list[Triple] = []
    for unit in units:
        if current and len(current) + len(unit) > size:
            batches.append(current)
            current = []
        current.extend(unit)
    if current:
        batches.append(current)
    return batches


def ntriples(triples: Sequence[Triple]) -> bytes:
    return serialize(list(triples), format=RdfFormat.N_TRIPLES) if triples else b""


@dataclass
class GraphCount:
    name: str  # asserted, inferred, ontology
    iri: str  # the graph in the store
    local: int
    remote: int

    @property
    def ok(self) -> bool:
        return self.local == self.remote


@dataclass
class LoadReport:
    endpoints: Endpoints
    method: str  # "Graph Store Protocol" or "SPARQL Update"
    counts: list[GraphCount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.counts)


class _Body:
    """A request body sent in chunks, telling `on_sent` how far it got. Each iteration starts again from the
    beginning, so urllib can send it a second time after an authentication challenge."""

    CHUNK = 256 * 1024

    def __init__(self, data: bytes, on_sent: Callable[[int, int], None]) -> None:
        self.data = memoryview(data)
        self.on_sent = on_sent

    def __iter__(self) -> Iterator[memoryview]:
        total = len(self.data)
        self.on_sent(0, total)
        for start in range(0, total, self.CHUNK):
            yield self.data[start:start + self.CHUNK]
            self.on_sent(min(start + self.CHUNK, total), total)


class Client:
    """One store: its endpoints, credentials and timeout, and the requests `ksst load` makes."""

    def __init__(self, endpoints: Endpoints, *, credentials: Credentials | None = None, timeout: float = 60.0):
        self.endpoints = endpoints
        self.credentials = credentials
        self.timeout = timeout
        urls = [endpoints.query, endpoints.update] + ([endpoints.store] if endpoints.store else [])
        self.opener = make_opener(credentials, urls)

    def select(self, query: str, default_graphs: Sequence[str] = ()) -> tuple[list[str], list[dict[str, Any]]]:
        return _select(self.opener, self.endpoints.query, query, default_graphs=default_graphs,
                       timeout=self.timeout, credentials=self.credentials is not None)

    def probe(self) -> None:
        """A trivial query, so a wrong URL, a store that is down or bad credentials show before loading."""
        self.select("ASK { }")

    def count(self, graph: str) -> int:
        _, rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        try:
            return int(rows[0]["n"].value)
        except (IndexError, KeyError, AttributeError, ValueError):
            raise StoreError(f"{self.endpoints.query} gave no count for <{graph}>; check the store") from None

    def update(self, update: str) -> None:
        """One SPARQL 1.1 Update request (URL-encoded form, which every store takes)."""
        request = urllib.request.Request(
            self.endpoints.update, method="POST",
            data=urllib.parse.urlencode({"update": update}).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        _open(self.opener, request, timeout=self.timeout, what="update", credentials=self.credentials is not None,
              option="--update-endpoint")

    def put_graph(self, graph: str, body: bytes, on_sent: Callable[[int, int], None] | None = None) -> None:
        """Replace `graph` by `body` (N-Triples, sent as Turtle, which every store reads) in one request.

        `on_sent(sent, total)` hears how many bytes have gone out, for a progress indicator."""
        assert self.endpoints.store is not None
        separator = "&" if "?" in self.endpoints.store else "?"
        url = self.endpoints.store + separator + urllib.parse.urlencode({"graph": graph})
        data: bytes | _Body = body if on_sent is None else _Body(body, on_sent)
        request = urllib.request.Request(url, method="PUT", data=data,  # type: ignore[arg-type]
                                         headers={"Content-Type": "text/turtle; charset=utf-8",
                                                  "Content-Length": str(len(body))})
        try:
            _open(self.opener, request, timeout=self.timeout, what="graph upload",
                  credentials=self.credentials is not None, option="--store-endpoint")
        except (EndpointNotFound, StoreError) as exc:
            if exc.status in NO_GSP_STATUSES:
                raise GraphStoreUnavailable(str(exc), exc.status) from None
            raise


def load(build_dir: Path, client: Client, *, graph_base: str | None = None, batch_size: int = 5000,
         progress: Progress | None = None, notify: Callable[[str], None] | None = None) -> LoadReport:
    """Load the build's graphs into the store behind `client`, then count what the store holds.

    The Graph Store Protocol is tried first; if its URL takes no PUT, the load goes through SPARQL Update.
    Loading the same build twice leaves the same graphs (PUT and MOVE both replace).
    """
    graphs = local_graphs(build_dir)
    targets = target_graphs(graph_base)
    progress = progress or Progress(enabled=False)
    report = LoadReport(endpoints=client.endpoints, method="")
    client.probe()
    total = sum(len(t) for t in graphs.values())
    progress.start(total)
    try:
        if client.endpoints.store is not None:
            try:
                _load_gsp(client, graphs, targets, progress)
                report.method = "Graph Store Protocol"
            except GraphStoreUnavailable as exc:
                note = (f"no Graph Store Protocol at {client.endpoints.store} (HTTP {exc.status}); "
                        f"loading with SPARQL Update at {client.endpoints.update}")
                report.notes.append(note)
                if notify:
                    notify(note)
                progress.done = 0
        if not report.method:
            _load_update(client, graphs, targets, progress, batch_size)
            report.method = "SPARQL Update"
        progress.stage("counting")
        for name in GRAPH_NAMES:
            report.counts.append(GraphCount(name, targets[name], len(graphs[name]), client.count(targets[name])))
    finally:
        progress.close()
    return report


def _load_gsp(client: Client, graphs: dict[str, list[Triple]], targets: dict[str, str],
              progress: Progress) -> None:
    for name in GRAPH_NAMES:
        progress.stage(f"PUT {name} graph")
        count = len(graphs[name])
        reported = [0]

        def on_sent(sent: int, total: int, count: int = count, reported: list[int] = reported,
                    name: str = name) -> None:
            triples = count * sent // total if total else count
            progress.advance(triples - reported[0])  # negative when a retry starts again
            reported[0] = triples
            if sent == total:
                progress.stage(f"PUT {name} graph: sent, the store is writing it")

        client.put_graph(targets[name], ntriples(graphs[name]), on_sent)
        progress.advance(count - reported[0])


def _load_update(client: Client, graphs: dict[str, list[Triple]], targets: dict[str, str], progress: Progress,
                 batch_size: int) -> None:
    run = uuid.uuid4().hex
    temporary = {name: f"urn:x-ksst-load:{run}:{name}" for name in GRAPH_NAMES}
    try:
        for name in GRAPH_NAMES:
            progress.stage(f"INSERT DATA {name} graph")
            for batch in bnode_safe_batches(graphs[name], max(1, batch_size)):
                body = ntriples(batch).decode("utf-8")
                client.update(f"INSERT DATA {{ GRAPH <{temporary[name]}> {{\n{body}}} }}")
                progress.advance(len(batch))
        progress.stage("MOVE into place")
        moves = [f"MOVE <{temporary[name]}> TO <{targets[name]}>" if graphs[name]
                 else f"DROP SILENT GRAPH <{targets[name]}>" for name in GRAPH_NAMES]
        client.update(" ;\n".join(moves))
    except BaseException:
        with contextlib.suppress(RemoteError):  # best effort: the error that matters is the first one
            client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in temporary.values()))
        raise
