"""`ksst serve` as a real subprocess: it prints the endpoint, answers SPARQL over the union of the graphs,
shares the store with other readers, and stops cleanly (exit 0) on SIGTERM or Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from ksst_kg import remote, serve
from ksst_kg.core import errors

from .servers import (  # noqa: F401
    HOST,
    HUNGRY,
    SLOW,
    free_port,
    http_get,
    make_tiny_build,
    tiny_build,
    tiny_counts,
    wait_for_port,
)


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    lines: queue.Queue[str]

    def wait_for(self, prefix: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            if line.startswith(prefix):
                return line.rstrip("\n")
        raise AssertionError(f"`ksst serve` printed no line starting with {prefix!r}")


def start_serve(build: Path, port: int, *extra: str) -> Served:
    # a process group of its own, as a shell gives a foreground command: Ctrl-C goes to the whole group
    process = subprocess.Popen([sys.executable, "-m", "ksst_kg", "serve", "--out", str(build), "--port", str(port),
                                *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return Served(process, port, lines)


@pytest.fixture
def served(tiny_build: Path) -> Iterator[Served]:  # noqa: F811
    s = start_serve(tiny_build, free_port())
    try:
        yield s
    finally:
        if s.process.poll() is None:
            s.process.kill()
            s.process.wait()


def port_closed(port: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                time.sleep(0.05)
        except OSError:
            return True
    return False


def test_serve_answers_queries_and_stops_on_sigterm(served: Served, tiny_build: Path) -> None:  # noqa: F811
    endpoint = served.wait_for("SPARQL endpoint:")
    assert endpoint == f"SPARQL endpoint: http://{HOST}:{served.port}/query"
    assert served.wait_for("Query page:") == f"Query page: http://{HOST}:{served.port}/"
    url = endpoint.split(": ", 1)[1]
    # the default graph is the union of the three graphs, with or without default-graph-uri
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = sum(tiny_counts().values())
    assert int(remote.select(url, count, default_graphs=[])[1][0]["n"].value) == total
    assert int(remote.select(url, count, default_graphs=remote.default_graphs())[1][0]["n"].value) == total
    # the query page
    status, page = http_get(f"http://{HOST}:{served.port}/")
    assert status == 200 and b"<html" in page.lower()
    # read-only: the store cannot be changed through it
    with pytest.raises(errors.RemoteError):
        remote.Client(remote.endpoints_for(url), timeout=5).update("CLEAR ALL")
    # other readers share the store meanwhile (as `ksst query` does)
    reader = Store.read_only(str(tiny_build / "store"))
    assert len(list(reader.quads_for_pattern(None, None, None))) == total
    del reader
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(10) == 0
    assert port_closed(served.port)
    stderr = served.process.stderr.read()
    assert "ksst serve: stopped." in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("to_group", [False, True], ids=["SIGINT", "Ctrl-C"])
def test_serve_stops_on_ctrl_c(served: Served, to_group: bool) -> None:
    """SIGINT to `ksst serve`, and Ctrl-C as a terminal sends it: to the whole foreground process group."""
    served.wait_for("SPARQL endpoint:")
    if to_group:
        os.killpg(served.process.pid, signal.SIGINT)
    else:
        served.process.send_signal(signal.SIGINT)
    assert served.process.wait(10) == 0
    assert port_closed(served.port)
    stderr = served.process.stderr.read()
    assert "ksst serve: stopped." in stderr and "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_serve_is_read_only(served: Served) -> None:
    """Neither SPARQL Update nor the Graph Store Protocol can change the served build."""
    url = served.wait_for("SPARQL endpoint:").split(": ", 1)[1]
    client = remote.Client(remote.endpoints_for(url), timeout=5)
    with pytest.raises(errors.AuthenticationFailed, match="HTTP 403"):
        client.update("INSERT DATA { <http://x/s> <http://x/p> <http://x/o> }")
    with pytest.raises(errors.AuthenticationFailed, match="HTTP 403"):
        client.put_graph(remote.LOCAL_GRAPHS["asserted"], b"<http://x/s> <http://x/p> <http://x/o> .\n")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(remote.select(url, count, default_graphs=[])[1][0]["n"].value) == sum(tiny_counts().values())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_the_server_does_not_outlive_a_killed_serve(served: Served) -> None:
    served.wait_for("SPARQL endpoint:")
    served.process.send_signal(signal.SIGKILL)
    served.process.wait(10)
    assert port_closed(served.port)


def test_two_servers_share_one_store(tiny_build: Path) -> None:  # noqa: F811
    a, b = start_serve(tiny_build, free_port()), start_serve(tiny_build, free_port())
    try:
        for s in (a, b):
            url = s.wait_for("SPARQL endpoint:").split(": ", 1)[1]
            assert remote.select(url, "ASK { ?s ?p ?o }", default_graphs=[])[1][0]["ask"].value == "true"
    finally:
        for s in (a, b):
            s.process.send_signal(signal.SIGTERM)
            assert s.process.wait(10) == 0


def test_port_in_use(tiny_build: Path) -> None:  # noqa: F811
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "ksst_kg", "serve", "--out", str(tiny_build), "--port",
                                 str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 3  # the server could not start
    assert result.stderr.strip() == (f"ksst serve: port {port} on {HOST} is already in use; stop what runs there "
                                     f"or pick another with --port")


def test_no_build(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ksst_kg", "serve", "--out", str(tmp_path / "none"), "--port",
                             str(free_port())], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "run `ksst build` first" in result.stderr


def test_addresses() -> None:
    assert serve.bind_address("::1", 80) == "[::1]:80"
    assert serve.urls("0.0.0.0", 7878).query == "http://127.0.0.1:7878/query"
    assert serve.urls("::", 7878).page == "http://[::1]:7878/"
    assert serve.urls("localhost", 1).query == "http://localhost:1/query"


# --- what no request can do to the server (issue 15, findings 4-6), and the protocol it keeps -----------------------


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None,
            timeout: float = 30) -> tuple[int, str, bytes]:
    """(status, content type, body) of one request."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def get(base: str, query: str, accept: str | None = None, **params: str) -> tuple[int, str, bytes]:
    return request(f"{base}/query?" + urllib.parse.urlencode({"query": query, **params}),
                   headers={"Accept": accept} if accept else None)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ksst serve` over the tiny build with short limits: one second per query, 100 MB of memory."""
    build = make_tiny_build(tmp_path_factory.mktemp("guarded") / "build")
    s = start_serve(build, free_port(), "--timeout", "1", "--memory", "100")
    try:
        s.wait_for("SPARQL endpoint:")
        yield f"http://{HOST}:{s.port}"
    finally:
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(10) == 0
        assert "Traceback" not in s.process.stderr.read()


def assert_alive(base: str) -> None:
    status, _, body = get(base, COUNT, "text/csv")
    assert status == 200 and body.split() == [b"n", str(sum(tiny_counts().values())).encode()]


@pytest.mark.parametrize("levels", [1000, 5000])
def test_deep_nesting_is_answered_400_and_the_server_goes_on(guarded: str, levels: int) -> None:
    status, kind, body = get(guarded, "SELECT * WHERE " + "{" * levels + " ?s ?p ?o " + "}" * levels)
    assert (status, kind) == (400, "text/plain; charset=utf-8")
    assert body.decode() == f"the query nests brackets {levels} deep, more than the 64 allowed; flatten it\n"
    assert_alive(guarded)


def test_service_is_refused_and_no_request_goes_out(guarded: str) -> None:
    with socket.socket() as trap:
        trap.bind((HOST, 0))
        trap.listen(1)
        trap.settimeout(1.0)
        port = trap.getsockname()[1]
        status, _, body = get(guarded, f"SELECT * WHERE {{ SERVICE <http://{HOST}:{port}/admin> {{ ?s ?p ?o }} }}")
        assert status == 400 and b"uses SERVICE" in body and b"--allow-service" in body
        with pytest.raises(TimeoutError):
            trap.accept()


def test_service_goes_out_only_when_allowed(tiny_build: Path) -> None:  # noqa: F811
    with socket.socket() as trap:
        trap.bind((HOST, 0))
        trap.listen(1)
        trap.settimeout(10)
        port = trap.getsockname()[1]
        s = start_serve(tiny_build, free_port(), "--allow-service")
        try:
            base = s.wait_for("SPARQL endpoint:").split(": ", 1)[1].removesuffix("/query")
            answer: list[tuple[int, str, bytes]] = []
            thread = threading.Thread(target=lambda: answer.append(
                get(base, f"SELECT * WHERE {{ SERVICE <http://{HOST}:{port}/sparql> {{ ?s ?p ?o }} }}")))
            thread.start()
            conn, _ = trap.accept()
            with conn:
                assert conn.recv(4096).startswith(b"POST /sparql ")
            thread.join(30)
            assert answer[0][0] == 400 and b"SERVICE request failed" in answer[0][2]
        finally:
            s.process.send_signal(signal.SIGTERM)
            assert s.process.wait(10) == 0


def test_a_query_past_its_timeout_is_stopped_with_504(guarded: str) -> None:
    started = time.monotonic()
    status, _, body = get(guarded, SLOW)
    assert time.monotonic() - started < 10
    assert (status, body) == (504, b"the query ran longer than its time limit of 1 s and was stopped\n")
    assert_alive(guarded)


def test_a_query_past_its_memory_is_stopped_with_503(tiny_build: Path) -> None:  # noqa: F811
    s = start_serve(tiny_build, free_port(), "--timeout", "60", "--memory", "100")  # time enough on a busy machine
    try:
        base = s.wait_for("SPARQL endpoint:").split(": ", 1)[1].removesuffix("/query")
        status, _, body = get(base, HUNGRY)
        assert (status, body) == (503, b"the query needed more than the 100 MB of memory it may use and was "
                                       b"stopped\n")
        assert_alive(base)
    finally:
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(10) == 0


def test_abandoned_queries_do_not_hold_the_workers(tiny_build: Path) -> None:  # noqa: F811
    """Clients that send a slow query and go away (16 in the report held both cores indefinitely): their queries
    are stopped, and the next query is answered at once, even with no time limit."""
    s = start_serve(tiny_build, free_port(), "--timeout", "0")
    try:
        base = s.wait_for("SPARQL endpoint:").split(": ", 1)[1].removesuffix("/query")
        for _ in range(6):
            with socket.create_connection((HOST, s.port)) as conn:
                target = "/query?" + urllib.parse.urlencode({"query": SLOW})
                conn.sendall(f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        time.sleep(1.0)
        started = time.monotonic()
        assert_alive(base)
        assert time.monotonic() - started < 3
    finally:
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(10) == 0


def test_long_get_urls_post_forms_and_sparql_query_bodies(guarded: str) -> None:
    long = "SELECT ?s WHERE { ?s ?p ?o FILTER(?o NOT IN (" + ",".join(f'"{i}"' for i in range(5000)) + ")) } LIMIT 1"
    url = f"{guarded}/query?" + urllib.parse.urlencode({"query": long})
    assert 60_000 < len(url) < 65_536
    status, kind, body = request(url)
    assert (status, kind) == (200, "application/sparql-results+json") and json.loads(body)["results"]["bindings"]
    too_long = f"{guarded}/query?" + urllib.parse.urlencode({"query": long + " #" + "x" * 70_000})
    assert request(too_long)[0] == 414
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    status, _, body = request(f"{guarded}/query", data=form,
                              headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    assert status == 200 and body.split()[0] == b"n"
    status, _, body = request(f"{guarded}/query", data=COUNT.encode(),
                              headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and body.split()[0] == b"n"
    assert request(f"{guarded}/query", data=b"x", headers={"Content-Type": "text/plain"})[0] == 415


def test_sparqlwrapper_with_get_and_a_long_query(guarded: str) -> None:
    """A client that defaults to GET (SPARQLWrapper) with a query of 20 KB."""
    from SPARQLWrapper import GET, JSON, SPARQLWrapper

    query = "SELECT ?s WHERE { ?s ?p ?o FILTER(?o NOT IN (" + ",".join(f'"{i}"' for i in range(2500)) + ")) }"
    wrapper = SPARQLWrapper(f"{guarded}/query")
    wrapper.setMethod(GET)
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(query)
    rows = wrapper.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert len(rows) == sum(tiny_counts().values())


@pytest.mark.parametrize(("accept", "kind", "start"), [
    (None, "application/sparql-results+json", b"{"),
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("application/json", "application/sparql-results+json", b"{"),
    ("text/csv", "text/csv; charset=utf-8", b"n\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", b"?n\n"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json", b"{"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
])
def test_results_by_content_negotiation(guarded: str, accept: str | None, kind: str, start: bytes) -> None:
    status, got, body = get(guarded, COUNT, accept)
    assert (status, got) == (200, kind) and body.startswith(start)


@pytest.mark.parametrize(("accept", "kind", "fmt"), [
    ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
    ("text/turtle", "text/turtle; charset=utf-8", RdfFormat.TURTLE),
    ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML),
    ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
])
def test_graphs_by_content_negotiation(guarded: str, accept: str, kind: str, fmt: RdfFormat) -> None:
    status, got, body = get(guarded, "CONSTRUCT WHERE { ?s ?p ?o }", accept)
    assert (status, got) == (200, kind)
    assert len(list(parse(body, format=fmt))) == sum(tiny_counts().values())


def test_what_cannot_be_given_or_done(guarded: str) -> None:
    assert get(guarded, COUNT, "image/png")[0] == 406
    assert get(guarded, "CONSTRUCT WHERE { ?s ?p ?o }", "text/csv")[0] == 406
    status, _, body = get(guarded, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and body.startswith(b"syntax error: ")
    assert request(f"{guarded}/query")[0] == 400
    assert request(f"{guarded}/query", method="DELETE")[0] == 405
    assert request(f"{guarded}/update", data=b"update=CLEAR+ALL",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert request(f"{guarded}/nothing")[0] == 404
    status, kind, body = get(guarded, COUNT, format="csv")
    assert (status, kind) == (200, "text/csv; charset=utf-8")


def test_graph_store_reads(guarded: str) -> None:
    status, kind, body = request(f"{guarded}/store?graph=" + urllib.parse.quote(remote.LOCAL_GRAPHS["inferred"]),
                                 headers={"Accept": "application/n-triples"})
    assert (status, kind) == (200, "application/n-triples")
    assert len(body.splitlines()) == tiny_counts()[remote.LOCAL_GRAPHS["inferred"]]


def test_many_clients_at_once(guarded: str) -> None:
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(get(guarded, COUNT)[0])) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [200] * 40


# --- the pages hook -------------------------------------------------------------------------------------------------


class Echo:
    """Pages that answer /hello with what they were asked."""

    def respond(self, path: str, accept: str) -> tuple[int, dict[str, str], bytes] | None:
        if path.startswith("/hello"):
            return 200, {"Content-Type": "text/plain"}, f"{path} {accept}".encode()
        return None


def test_pages_answer_every_get_outside_the_sparql_paths(tiny_build: Path) -> None:  # noqa: F811
    from ksst_kg.query.worker import Limits
    from ksst_kg.serve.app import Options, listen
    from ksst_kg.serve.workers import ServedBuild

    server = listen(HOST, 0, Options(), Echo())
    build = ServedBuild(tiny_build, 1, Limits())
    server.attach(build)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://{HOST}:{server.server_address[1]}"
    try:
        assert request(f"{base}/hello?x=1", headers={"Accept": "text/html"}) == (200, "text/plain",
                                                                                b"/hello?x=1 text/html")
        assert request(f"{base}/other")[0] == 404
        status, _, page = request(f"{base}/")
        assert status == 200 and b"<form" in page  # None for / falls back to the query page
        assert get(base, COUNT, "text/csv")[0] == 200  # the SPARQL paths never reach the pages
    finally:
        server.shutdown()
        server.server_close()
        build.close()


def raw(port: int, data: bytes, timeout: float = 0.5) -> bytes:
    """Send raw bytes to the server; whatever it answers before it closes the connection or falls silent."""
    with socket.create_connection((HOST, port), timeout=timeout) as conn:
        with contextlib.suppress(OSError):
            conn.sendall(data)
        chunks = []
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def test_malformed_requests_never_stop_the_server(tiny_build: Path) -> None:  # noqa: F811
    """Hundreds of broken, hostile and odd requests (seeded): each is answered or closed, the server goes on,
    and prints no traceback."""
    import random

    s = start_serve(tiny_build, free_port(), "--timeout", "2", "--memory", "200")
    try:
        base = s.wait_for("SPARQL endpoint:").split(": ", 1)[1].removesuffix("/query")
        rng = random.Random(15)
        query = urllib.parse.quote(COUNT)
        fixed = [
            b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",  # too many headers
            b"GET /query?query=" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",  # a request line too long
            b"GET /" + b"\xff\xfe" * 10 + b" HTTP/1.1\r\n\r\n",
            b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: x\r\n\r\nASK {}",
            b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 999999999\r\n\r\nA",
            b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK",
            b"POST /query HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/sparql-query\r\n\r\n",
            b"POST /query HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\n"
            b"query=%\xff",
            b"BREW /query HTTP/1.1\r\n\r\n",
            b"GET /query?query=" + query.encode() + b"&query=x HTTP/1.1\r\n\r\n",
            b"GET /query?query=" + query.encode() + b"&default-graph-uri=not%20an%20iri HTTP/1.1\r\n\r\n",
            b"GET /store?graph=%3Cbad HTTP/1.1\r\n\r\n",
            b"GET /query?query=" + query.encode() + b" HTTP/0.9\r\n\r\n",
            b"\r\n\r\n",
            b"",
        ]
        alphabet = [b"GET ", b"POST ", b"/query", b"/store", b"/update", b"?query=", b"%7B", b"{", b"}", b"SELECT",
                    b" HTTP/1.1\r\n", b"Content-Length: 5\r\n", b"Accept: */*\r\n", b"\r\n", b"\x00", b"\xff", b"%",
                    b"SERVICE", b"<http://127.0.0.1:1/>", b"((((", b"#", b"\"", b"Expect: 100-continue\r\n"]
        for i in range(150):
            data = fixed[i] if i < len(fixed) else b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
            data += b"" if i < len(fixed) else b"\r\n\r\n"  # a whole head, so that the server need not wait
            answer = raw(s.port, data)
            assert not answer.startswith((b"HTTP/1.1 500", b"HTTP/1.0 500")), (data[:100], answer[:300])
        assert_alive(base)
    finally:
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(10) == 0
    stderr = s.process.stderr.read()
    assert "Traceback" not in stderr and "error" not in stderr, stderr
