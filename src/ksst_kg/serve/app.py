"""The HTTP front of `ksst serve`: a threaded server from the standard library that checks every request
(`guard.py`) and hands each query to a worker process (`workers.py`). See the package docstring for what it
promises; this module is the protocol's plumbing: paths, methods, bodies, statuses, headers.

Paths: `/query` (SPARQL 1.1 query protocol: GET, POST of a form, POST of `application/sparql-query`), `/update`
(refused: 403), `/store` (the Graph Store Protocol, reading only: `GET ?graph=IRI` or `?default`; writes 403),
`/` (a small query page), and any other GET for the `pages` hook (None → 404).
"""

from __future__ import annotations

import contextlib
import errno
import select
import signal
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import NamedNode

from ..core.builds import current
from ..core.errors import NoBuild, ServeError
from ..query.guard import Bounds
from ..query.worker import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Failure, Job, Limits
from .guard import GRAPH_TYPES, MAX_TARGET, RESULTS_TYPES, Refusal, max_body, negotiate, parse_params, parse_request
from .workers import ServedBuild

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
PROBE_TIMEOUT = 60.0  # seconds the first worker may take to open the store at start-up

# what each failure of a query is answered with
FAILURE_STATUS = {"syntax": 400, "query": 400, "store": 500, "timeout": 504, "memory": 503, "crash": 500,
                  "busy": 503}


class Pages(Protocol):
    """What the server asks for any GET or HEAD outside its SPARQL paths (a static site, entity IRIs by content
    negotiation): `respond(path, accept)` gets the request target as sent (path and query string) and the Accept
    header, and returns (status, headers, body), or None for 404."""

    def respond(self, path: str, accept: str) -> tuple[int, dict[str, str], bytes] | None: ...


@dataclass(frozen=True)
class Options:
    """How the server runs. `timeout` (s) and `memory_mb` bound each query (None: no bound); `workers` is the
    number of queries run at once; a query waits `queue_wait` s for a free worker (then 503); `max_connections`
    bounds the clients served at once (more get 503); `idle` (s) drops a connection that sends nothing."""

    timeout: float | None = DEFAULT_TIMEOUT
    memory_mb: int | None = DEFAULT_MEMORY_MB
    workers: int = 2
    bounds: Bounds = field(default_factory=Bounds)
    cors: bool = False
    queue_wait: float = 30.0
    max_connections: int = 64
    idle: float = 60.0


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def query(self) -> str:
        return self.base + "query"

    @property
    def page(self) -> str:
        return self.base


def public_host(host: str) -> str:
    """The host to put in the URLs we print: a wildcard address is reached through the local machine."""
    bare = host.strip("[]")
    if bare in ("0.0.0.0", ""):
        return "127.0.0.1"
    if bare == "::":
        return "[::1]"
    return f"[{bare}]" if ":" in bare else bare


def bind_address(host: str, port: int) -> str:
    """`HOST:PORT` as people write it (IPv6 literals in brackets)."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def urls(host: str, port: int) -> Urls:
    return Urls(f"http://{public_host(host)}:{port}/")


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


QUERY_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ksst-kg SPARQL endpoint</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}textarea{width:100%;font-family:monospace}</style>
</head><body>
<h1>ksst-kg SPARQL endpoint</h1>
<p>Read-only. The default graph is the union of the asserted, inferred and ontology graphs.
Queries are sent to <code>/query</code> (SPARQL 1.1 protocol).</p>
<form method="post" action="/query">
<textarea name="query" rows="16">PREFIX ksst: &lt;https://w3id.org/ksst-kg/ontology#&gt;
SELECT ?edition ?year WHERE { ?edition a ksst:Edition ; ksst:year ?year } ORDER BY ?year</textarea>
<p><label>Answer as <select name="format"><option>json</option><option>xml</option><option>csv</option>
<option>tsv</option><option>turtle</option><option>ntriples</option></select></label>
<button type="submit">Run</button></p>
</form></body></html>
"""


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    server_version = "ksst-serve"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.options.idle)  # a client that sends nothing for long is dropped

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request (a failure of the server itself is reported by `_dispatch`)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's own errors (a request line over 64 KB: 414, headers too long: 431, a malformed request:
        400, an unknown method: 501) as one line of plain text, like ours; the connection is closed."""
        self.close_connection = True
        text = {414: f"the request's URL is longer than {MAX_TARGET} bytes; send the query by POST",
                431: "the request's headers are too long"}.get(code, message or self.responses.get(code, ("",))[0])
        body = (text + "\n").encode("utf-8", "replace")
        with contextlib.suppress(OSError):
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    # --- dispatch -----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def do_OPTIONS(self) -> None:
        if not self.server.options.cors:
            self._dispatch()
            return
        self._send(204, {"Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
                         "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"},
                   b"")

    def _dispatch(self) -> None:
        self._body_read = False
        try:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/query":
                if self.command not in ("GET", "HEAD", "POST"):
                    raise Refusal(405, "a query is sent by GET or POST", {"Allow": "GET, HEAD, POST"})
                self._query()
            elif path == "/update":
                raise Refusal(403, "this endpoint is read-only: SPARQL updates are refused")
            elif path == "/store":
                self._store()
            elif self.command in ("GET", "HEAD"):
                self._page(path)
            else:
                raise Refusal(405, f"{self.command} is not taken here", {"Allow": "GET, HEAD"})
        except Refusal as refusal:
            self._error(refusal.status, refusal.message, refusal.headers)
        except Exception as exc:  # a bug: one line on the server's error stream, a 500 for the client
            print(f"ksst serve: error on {self.command} {self.path[:200]}: {type(exc).__name__}: {one_line(str(exc))}",
                  file=sys.stderr)
            self._error(500, "the server failed on this request")
        finally:
            if not self._body_read and self._declared_length() != 0:
                self.close_connection = True  # an unread body must not be read as the next request

    # --- the parts of a request ----------------------------------------------------------------------------------

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            raise Refusal(411, "send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise Refusal(400, "the Content-Length is not a number") from None
        limit = max_body(self.server.options.bounds)
        if length > limit:
            raise Refusal(413, f"the body is {length:,} bytes long, more than the {limit:,} taken")
        data = self.rfile.read(length) if length else b""
        self._body_read = True
        if len(data) < length:
            raise Refusal(400, "the body ended before its Content-Length")
        return data

    def _client_gone(self) -> bool:
        """Whether the client closed its connection (then its query is stopped)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    # --- the endpoints ---------------------------------------------------------------------------------------------

    def _query(self) -> None:
        request = parse_request(self.command, self.path, self.headers.get("Content-Type"), self.headers.get("Accept"),
                                self._body, self.server.options.bounds)
        job = Job(request.query, request.default_graphs, request.named_graphs,
                  request.results or RESULTS_TYPES[0], request.graph or GRAPH_TYPES[0])
        self._answer(job, request.results is not None, request.graph is not None)

    def _store(self) -> None:
        if self.command not in ("GET", "HEAD"):
            raise Refusal(403, "this endpoint is read-only: the Graph Store Protocol only reads here")
        params = parse_params(urllib.parse.urlsplit(self.path).query)
        if "graph" in params:
            try:
                graph = NamedNode(params["graph"][0])
            except ValueError:
                raise Refusal(400, "the graph parameter is not an IRI") from None
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        elif "default" in params:
            text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        else:
            raise Refusal(400, "name the graph to read: ?graph=IRI, or ?default for the default graph")
        chosen = negotiate(self.headers.get("Accept"), GRAPH_TYPES)
        if chosen is None:
            raise Refusal(406, "a graph is given as N-Triples, Turtle, RDF/XML or JSON-LD")
        self._answer(Job(text, graph=chosen), False, True)

    def _answer(self, job: Job, takes_results: bool, takes_graph: bool) -> None:
        with self.server.build.pool() as pool:
            reply = pool.run(job, self.server.options.queue_wait, self._client_gone)
        if isinstance(reply, Failure):
            message = f"syntax error: {one_line(reply.message)}" if reply.kind == "syntax" else one_line(reply.message)
            headers = {"Retry-After": "1"} if reply.kind == "busy" else {}
            raise Refusal(FAILURE_STATUS.get(reply.kind, 500), message, headers)
        if not (takes_graph if reply.kind == "graph" else takes_results):
            raise Refusal(406, f"the answer is {'a graph' if reply.kind == 'graph' else 'SPARQL results'}, in none of "
                               f"the formats asked for")
        self._send(200, {"Content-Type": with_charset(reply.media_type)}, reply.body)

    def _page(self, path: str) -> None:
        pages = self.server.pages
        if pages is not None:
            answer = pages.respond(self.path, self.headers.get("Accept", "*/*"))
            if answer is not None:
                status, headers, body = answer
                self._send(status, headers, body)
                return
        if path == "/":
            self._send(200, {"Content-Type": "text/html; charset=utf-8"}, QUERY_PAGE)
            return
        raise Refusal(404, f"nothing at {path[:200]}; the SPARQL endpoint is /query")

    # --- answers ---------------------------------------------------------------------------------------------------

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.server.options.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(OSError):
                self.wfile.write(body)

    def _declared_length(self) -> int:
        """The Content-Length the client declared (-1 if it is not a number)."""
        try:
            return int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return -1

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        if not self._body_read and self._declared_length() != 0:
            self.close_connection = True
        with contextlib.suppress(OSError):
            self._send(status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})},
                       (message + "\n").encode("utf-8"))


class Server(ThreadingHTTPServer):
    """A thread per connection, at most `Options.max_connections` at once (more are answered 503 and closed)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily, build: ServedBuild | None,
                 options: Options, pages: Pages | None = None) -> None:
        self.address_family = family
        self.options, self.pages = options, pages
        self._build = build
        self.slots = threading.BoundedSemaphore(options.max_connections)
        super().__init__(address, Handler)

    def attach(self, build: ServedBuild) -> None:
        self._build = build

    @property
    def build(self) -> ServedBuild:
        if self._build is None:  # pragma: no cover - set before the server starts serving
            raise RuntimeError("the server has no build to serve")
        return self._build

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed under a handler: a client gone mid-answer is nothing to report; anything
        else is one line, never a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            print(f"ksst serve: error on a connection: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            body = b"too many connections; try again later\n"
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
                                + str(len(body)).encode() + b"\r\n\r\n" + body)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def listen(host: str, port: int, options: Options, pages: Pages | None) -> Server:
    """A server bound to HOST:PORT, not yet serving; ServeError if the address is taken or cannot be used."""
    try:
        family = socket.getaddrinfo(host.strip("[]"), port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0][0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {bind_address(host, port)} ({exc.strerror}); check --bind") from None
    try:
        return Server((host.strip("[]"), port), family, None, options, pages)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {public_host(host)} is already in use; stop what runs there or pick "
                             f"another with --port") from None
        raise ServeError(f"cannot listen on {bind_address(host, port)} ({exc.strerror}); check --bind and "
                         f"--port") from None


def check_build(out_dir: Path) -> None:
    folder = current(out_dir)
    if folder is None or not (folder / "store").is_dir():
        raise NoBuild(f"no embedded store at {out_dir / 'store'}; run `ksst build` first (or pass --out)")


def run(out_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, options: Options = Options(),
        on_ready: Callable[[Urls], None] | None = None, pages: Pages | None = None) -> int:
    """Serve the build at `out_dir` until SIGINT or SIGTERM (exit status 0), or fail with a KsstError."""
    stopping = threading.Event()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:  # first, so that a Ctrl-C while the server starts stops it too (no traceback)
        signal.signal(s, lambda _signum, _frame: stopping.set())
    build: ServedBuild | None = None
    server: Server | None = None
    thread: threading.Thread | None = None
    try:
        check_build(out_dir)
        server = listen(host, port, options, pages)
        build = ServedBuild(Path(out_dir), options.workers, Limits(options.timeout, options.memory_mb))
        server.attach(build)
        with build.pool() as pool:
            probe = pool.run(Job("ASK {}"), PROBE_TIMEOUT)
        if isinstance(probe, Failure) and not stopping.is_set():
            raise (NoBuild(probe.message) if probe.no_build else ServeError(probe.message))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="ksst-serve",
                                  daemon=True)
        thread.start()
        if not stopping.is_set() and on_ready is not None:
            on_ready(urls(host, port))
        while not stopping.wait(0.5):
            if not thread.is_alive():
                raise ServeError("the server stopped unexpectedly")
        return 0
    finally:
        if server is not None:
            if thread is not None:
                server.shutdown()
            server.server_close()
        if build is not None:
            build.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
