"""Real servers for the triplestore tests, all on 127.0.0.1 and free ports.

- `oxigraph` fixture: a real read-write `oxigraph serve` on a temporary store, killed at the end.
- `virtuoso` fixture: a real Virtuoso of our own (tests/virtuoso.py), one per test process.
- `tiny_build`: a build folder whose embedded store holds a small graph in each of the three named graphs,
  with what trips loaders up (blank nodes, language tags, typed literals, escapes, non-ASCII), so the
  load tests run in a fraction of a second and without the full pipeline.
- Small stand-in HTTP servers: one that accepts connections and never answers (timeouts), and one that
  demands HTTP basic or digest authentication before answering like a SPARQL endpoint, or before passing the
  request on to a real Oxigraph server (as a proxy with authentication in front of a store does).

Test modules import the fixtures from here (`from .servers import oxigraph, ...`).
"""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import http.server
import json
import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, KG, KSST, RDF, RDFS, XSD
from ksst_kg.serve import oxigraph_binary

from .virtuoso import VirtuosoServer, virtuoso_missing

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick, so parallel workers do not clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Oxigraph:
    """A running Oxigraph server and its endpoints."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def update(self) -> str:
        return self.base + "/update"

    @property
    def store(self) -> str:
        return self.base + "/store"

    def graphs(self) -> set[str]:
        """The named graphs that hold a triple."""
        from ksst_kg.remote import select

        _, rows = select(self.query, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=[])
        return {row["g"].value for row in rows}

    def triples(self, graph: str) -> set[str]:
        """The graph's triples as N-Triples strings, blank nodes replaced by `_:b` (they are renamed on load)."""
        from ksst_kg.remote import select

        _, rows = select(self.query, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                         default_graphs=[])
        return {" ".join("_:b" if isinstance(row[v], BlankNode) else str(row[v]) for v in "spo") for row in rows}


@contextlib.contextmanager
def running_oxigraph(location: Path, *, read_only: bool = False) -> Iterator[Oxigraph]:
    for _attempt in range(3):  # a port picked free may be taken before the server binds it: try another
        port = free_port()
        mode = "serve-read-only" if read_only else "serve"
        process = subprocess.Popen([oxigraph_binary(), mode, "--location", str(location), "--bind",
                                    f"{HOST}:{port}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, process=process)
        except RuntimeError:
            stop(process)
            continue
        try:
            yield Oxigraph(port, process)
        finally:
            stop(process)
        return
    raise RuntimeError("could not start an Oxigraph server")


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    """A fresh, empty, read-write Oxigraph server."""
    with running_oxigraph(tmp_path / "oxigraph") as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A private Virtuoso (tests/virtuoso.py), one per test process; skipped, with the reason, where Virtuoso
    is not installed (CI installs it: .ci/system-packages)."""
    reason = virtuoso_missing()
    if reason:
        pytest.skip(reason)
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


# ----------------------------------------------------------------------------------------- tiny build

EX = KG + "test/"


def tiny_quads() -> list[Quad]:
    a, i, o = NamedNode(GRAPH_ASSERTED), NamedNode(GRAPH_INFERRED), NamedNode(GRAPH_ONTOLOGY)
    ed = NamedNode(EX + "edition/sim-2017")
    country = NamedNode(EX + "country/BTN")
    label = NamedNode(RDFS + "label")
    quads = [
        Quad(ed, NamedNode(RDF + "type"), NamedNode(KSST + "Edition"), a),
        Quad(ed, NamedNode(KSST + "year"), Literal("2017", datatype=NamedNode(XSD + "gYear")), a),
        Quad(ed, NamedNode(KSST + "statedParticipantCount"),
             Literal("27", datatype=NamedNode(XSD + "nonNegativeInteger")), a),
        Quad(ed, label, Literal("Batch II \"SIM\"\nline two", language="en"), a),
        Quad(ed, NamedNode(KSST + "theme"), Literal("Pemberdayaan IKM — Ā ü 日本", language="id"), a),
        Quad(ed, NamedNode(KSST + "participatingCountry"), country, a),
        Quad(country, label, Literal("Bhutan", language="en"), a),
        Quad(country, NamedNode(KSST + "isoAlpha3"), Literal("BTN"), a),
        Quad(ed, NamedNode(RDF + "type"), NamedNode("https://schema.org/EducationEvent"), i),
        Quad(ed, NamedNode(RDF + "type"), NamedNode("http://www.w3.org/ns/prov#Activity"), i),
        Quad(NamedNode(KSST + "Edition"), NamedNode(RDF + "type"), NamedNode("http://www.w3.org/2002/07/owl#Class"),
             o),
        Quad(NamedNode(KSST + "year"), NamedNode(KSST + "singleValued"),
             Literal("true", datatype=NamedNode(XSD + "boolean")), o),
    ]
    # an OWL restriction and an RDF list: triples linked through blank nodes
    restriction, list1, list2 = BlankNode("r1"), BlankNode("l1"), BlankNode("l2")
    quads += [
        Quad(NamedNode(KSST + "Edition"), NamedNode(RDFS + "subClassOf"), restriction, o),
        Quad(restriction, NamedNode(RDF + "type"), NamedNode("http://www.w3.org/2002/07/owl#Restriction"), o),
        Quad(restriction, NamedNode("http://www.w3.org/2002/07/owl#onProperty"), NamedNode(KSST + "year"), o),
        Quad(NamedNode(KSST + "Organisation"), NamedNode("http://www.w3.org/2002/07/owl#unionOf"), list1, o),
        Quad(list1, NamedNode(RDF + "first"), NamedNode(KSST + "Ministry"), o),
        Quad(list1, NamedNode(RDF + "rest"), list2, o),
        Quad(list2, NamedNode(RDF + "first"), NamedNode(KSST + "Agency"), o),
        Quad(list2, NamedNode(RDF + "rest"), NamedNode(RDF + "nil"), o),
    ]
    return quads


def make_tiny_build(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(str(folder / "store"))
    store.bulk_extend(tiny_quads())
    store.flush()
    del store
    gc.collect()
    return folder


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder with a small embedded store (see `tiny_quads`)."""
    return make_tiny_build(tmp_path_factory.mktemp("tiny") / "build")


def tiny_counts() -> dict[str, int]:
    out = {GRAPH_ASSERTED: 0, GRAPH_INFERRED: 0, GRAPH_ONTOLOGY: 0}
    for q in tiny_quads():
        out[q.graph_name.value] += 1
    return out


# ------------------------------------------------------------------------------ stand-in HTTP servers


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers: requests time out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


SPARQL_JSON = json.dumps({"head": {"vars": ["x"]},
                          "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}).encode()


@dataclass
class AuthServer:
    """What the auth stand-in saw: every Authorization header, and how many requests it let through."""

    port: int
    scheme: str
    user: str
    password: str
    realm: str = "SPARQL"
    authorizations: list[str | None] = field(default_factory=list)
    accepted: int = 0
    bodies: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/sparql"

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def _digest_params(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in urllib.request.parse_http_list(header):
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip().strip('"')
    return out


def forward(upstream: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """Send a request on to `upstream` (a server's base URL); its (status, content type, body)."""
    request = urllib.request.Request(upstream + path, data=body if method != "GET" else None, method=method,
                                     headers={k: v for k, v in headers.items() if v is not None})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@contextlib.contextmanager
def auth_server(scheme: str, user: str = "dba", password: str = "s3cret",
                upstream: str | None = None) -> Iterator[AuthServer]:
    """An HTTP server on 127.0.0.1 that answers like a SPARQL endpoint (and takes PUT and update POSTs) only
    to requests with valid HTTP `scheme` ("basic" or "digest") credentials, and 401 with a challenge to others.
    With `upstream` (a real server's base URL) it passes the authenticated requests on to it instead.
    The digest check is the RFC 7616 computation (MD5, qop=auth) done here independently of urllib."""
    state = AuthServer(0, scheme, user, password)
    nonces: set[str] = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization")
            state.authorizations.append(header)
            if header is None:
                return False
            if scheme == "basic":
                expected = base64.b64encode(f"{user}:{password}".encode()).decode()
                return header == f"Basic {expected}"
            if not header.startswith("Digest "):
                return False
            p = _digest_params(header[len("Digest "):])
            if p.get("username") != user or p.get("realm") != state.realm or p.get("nonce") not in nonces:
                return False
            ha1 = hashlib.md5(f"{user}:{state.realm}:{password}".encode()).hexdigest()
            ha2 = hashlib.md5(f"{self.command}:{p.get('uri')}".encode()).hexdigest()
            expected = hashlib.md5(
                f"{ha1}:{p['nonce']}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}".encode()).hexdigest()
            return p.get("response") == expected and p.get("uri") == self.path

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if not self._authorized():
                self.send_response(401)
                if scheme == "basic":
                    self.send_header("WWW-Authenticate", f'Basic realm="{state.realm}"')
                else:
                    nonce = secrets.token_hex(16)
                    nonces.add(nonce)
                    self.send_header("WWW-Authenticate", f'Digest realm="{state.realm}", nonce="{nonce}", '
                                                         f'qop="auth", algorithm=MD5, opaque="{secrets.token_hex(8)}"')
                message = b"authentication required"
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message)
                return
            state.accepted += 1
            state.bodies.append(body)
            if upstream is not None:
                headers = {"Content-Type": self.headers.get("Content-Type"), "Accept": self.headers.get("Accept")}
                status, content_type, answer = forward(upstream, self.command, self.path, body, headers)
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            if self.command == "PUT" or b"update=" in body:
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(SPARQL_JSON)))
            self.end_headers()
            self.wfile.write(SPARQL_JSON)

        do_GET = do_POST = do_PUT = _handle

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()



@contextlib.contextmanager
def html_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every request with a web page (200), not SPARQL results."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _page(self) -> None:
            page = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        do_GET = do_POST = _page

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# ------------------------------------------------------------------------------ queries that test limits


def values(var: str, n: int) -> str:
    return f"VALUES ?{var} {{ {' '.join(str(i) for i in range(n))} }}"


SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { "  # 200^4 rows: minutes of work on any store, however small
        + " ".join(values(v, 200) for v in "abcd") + " }")
HUNGRY = ("SELECT * WHERE { "  # 8 million rows sorted: far more than 100 MB
          + " ".join(values(v, 200) for v in "abc") + " } ORDER BY DESC(?c) ?b ?a")
