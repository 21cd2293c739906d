"""`ksst query` on the embedded store cannot be crashed, hung or turned against the network (issue 15, findings
4-6), and prints no control character of the data on a terminal; through the real command, in a subprocess
where signals and exit codes matter."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from ksst_kg.core.namespaces import GRAPH_ASSERTED, RDFS
from ksst_kg.query import format_table
from ksst_kg.query.guard import MAX_DEPTH, code_of, depth, uses_service
from ksst_kg.query.output import render, safe
from ksst_kg.query.run import Result

from .servers import HOST, HUNGRY, SLOW, tiny_build  # noqa: F401


def ksst(*args: str, timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ksst_kg", *args], capture_output=True, text=True, timeout=timeout,
                          check=False, input=stdin)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records what each connection sends (to see whether SERVICE reached it)."""
    server = socket.socket()
    server.bind((HOST, 0))
    server.listen(8)
    server.settimeout(0.1)
    seen: list[bytes] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    seen.append(conn.recv(4096))
                except OSError:
                    seen.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    done.set()
    thread.join()
    server.close()


# --- 4. nesting and size --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [1000, 5000])
def test_deeply_nested_queries_are_refused_before_they_run(tiny_build: Path, levels: int) -> None:  # noqa: F811
    query = "SELECT * WHERE " + "{" * levels + " ?s ?p ?o " + "}" * levels
    proc = ksst("query", "-e", query, "--out", str(tiny_build))
    assert proc.returncode == 1
    assert one_line(proc) == f"ksst query: the query nests brackets {levels} deep, more than the {MAX_DEPTH} " \
                             f"allowed; flatten it"


def test_long_flat_chains_do_not_crash(tiny_build: Path) -> None:  # noqa: F811
    """What the depth bound does not measure (a chain of 8,000 additions, deep in the engine's recursion: it
    overflows a main thread's 8 MB stack) runs on a stack large enough for it."""
    query = "SELECT ?x WHERE { BIND(" + "+".join(["1"] * 8000) + " AS ?x) }"
    proc = ksst("query", "-e", query, "-f", "csv", "--out", str(tiny_build))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["x", "8000"]


def test_a_query_too_large_is_refused(tiny_build: Path) -> None:  # noqa: F811
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 200_000
    assert "more than the 131,072 allowed" in one_line(ksst("query", "-", "--out", str(tiny_build), stdin=query))


# --- 5. SERVICE ----------------------------------------------------------------------------------------------------


def test_service_is_refused_unless_allowed(tiny_build: Path, listener: tuple[int, list[bytes]]) -> None:  # noqa: F811
    port, seen = listener
    query = f"SELECT * WHERE {{ SERVICE <http://{HOST}:{port}/sparql> {{ ?s ?p ?o }} }}"
    refused = ksst("query", "-e", query, "--out", str(tiny_build))
    assert refused.returncode == 1
    assert "uses SERVICE" in one_line(refused) and "--allow-service" in refused.stderr
    time.sleep(0.3)
    assert seen == []
    allowed = ksst("query", "-e", query, "--allow-service", "--out", str(tiny_build))
    assert allowed.returncode == 1  # the listener is no SPARQL endpoint; but the request did go out
    assert any(b"POST /sparql" in s for s in seen)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { service <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE<http://x/>{} }",
    "SELECT * WHERE { ?s ?p ?o }SERVICE SILENT <http://x/> {}",
    "SELECT * WHERE { ?s ex:a\\# SERVICE <http://x/> {} }",
    "SELECT * WHERE { \\u0053ERVICE <http://x/> {} }",
    "SELECT * WHERE {\n# a comment\nSERVICE#\n<http://x/> {} }",
    "SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE ?e {} }",
])
def test_every_spelling_of_service_is_seen(query: str) -> None:
    assert uses_service(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a <http://schema.org/Service> }",
    "SELECT * WHERE { ?s <http://x/SERVICE> ?o }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/> {}" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> {}",
    "PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }",
])
def test_service_in_names_strings_and_comments_is_not_refused(query: str) -> None:
    assert not uses_service(query)


def test_depth_counts_brackets_of_code_only() -> None:
    assert depth(code_of('SELECT * WHERE { { FILTER(("((((")) } } # ((((((')) == 4
    assert depth(code_of("SELECT * WHERE { ?s ?p ?o FILTER(?o < (((1)))) }")) == 5  # brackets in IRIs count too


# --- 6. time, memory, Ctrl-C ---------------------------------------------------------------------------------------


def test_a_query_is_stopped_at_its_timeout(tiny_build: Path) -> None:  # noqa: F811
    started = time.monotonic()
    proc = ksst("query", "-e", SLOW, "--timeout", "1", "--out", str(tiny_build))
    assert time.monotonic() - started < 10
    assert proc.returncode == 1
    assert one_line(proc) == "ksst query: the query ran longer than its time limit of 1 s and was stopped; narrow " \
                             "the query, or raise --timeout"


def test_a_query_is_stopped_past_its_memory(tiny_build: Path) -> None:  # noqa: F811
    proc = ksst("query", "-e", HUNGRY, "--memory", "100", "--out", str(tiny_build))
    assert proc.returncode == 1
    assert one_line(proc) == "ksst query: the query needed more than the 100 MB of memory it may use and was " \
                             "stopped; narrow the query, or raise --memory"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups as a terminal makes them")
def test_ctrl_c_stops_a_query_within_a_second(tiny_build: Path) -> None:  # noqa: F811
    proc = subprocess.Popen([sys.executable, "-m", "ksst_kg", "query", "-e", SLOW, "--out", str(tiny_build)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(1.5)  # the query is running
    assert proc.poll() is None
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, stderr = proc.communicate(timeout=10)
    assert time.monotonic() - started < 1.0
    assert proc.returncode == 130
    assert stderr == "ksst query: interrupted; the query was stopped\n"
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker of the group is left running


def test_a_killed_query_leaves_no_worker(tiny_build: Path) -> None:  # noqa: F811
    proc = subprocess.Popen([sys.executable, "-m", "ksst_kg", "query", "-e", SLOW, "--out", str(tiny_build)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(1.5)
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the worker outlived the killed `ksst query`")


# --- control characters --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose labels hold terminal escapes (records refuse them; a store made otherwise may hold them)."""
    folder = tmp_path_factory.mktemp("hostile") / "build"
    folder.mkdir()
    store = Store(str(folder / "store"))
    labels = ["\x1b[2J\x1b[31mred\x07", "tab\there\rover", "nul\x00end", "rtl \u202eevil", "plain"]
    store.extend([Quad(NamedNode(f"http://x/{i}"), NamedNode(RDFS + "label"), Literal(text), NamedNode(GRAPH_ASSERTED))
                  for i, text in enumerate(labels)])
    store.flush()
    del store
    return folder


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_no_control_character_of_the_data_reaches_the_output(hostile_build: Path, fmt: str) -> None:
    proc = ksst("query", "-e", "SELECT ?l WHERE { ?s ?p ?l } ORDER BY ?l", "-f", fmt, "--out", str(hostile_build))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    if fmt in ("csv", "tsv"):  # exact data when piped (this is not a terminal): only the table and JSON escape
        return
    bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c == "\u202e"]
    assert bad == [], bad
    if fmt == "table":
        assert "\\x1b[2J\\x1b[31mred\\x07" in text and "\\u202eevil" in text and "nul\\x00end" in text


def test_csv_on_a_terminal_is_escaped() -> None:
    result = Result(["l"], [{"l": Literal("a\x1b[31mb\rc")}])
    assert render(result, "csv", terminal=True) == "l\na\\x1b[31mb\\x0dc\n"
    assert render(result, "csv") == "l\na\x1b[31mb\rc\n"
    assert safe("line\nbreak\u2028") == "line\nbreak\\u2028"
    assert "\x1b" not in format_table(result)


# --- a damaged store ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["CURRENT removed", "tables truncated", "tables flipped"])
def test_a_damaged_store_is_one_line_and_exit_3(tiny_build: Path, tmp_path: Path, damage: str) -> None:  # noqa: F811
    import shutil

    build = tmp_path / "build"
    shutil.copytree(tiny_build, build)
    store = build / "store"
    if damage == "CURRENT removed":
        (store / "CURRENT").unlink()
    for table in store.glob("*.sst"):
        data = bytearray(table.read_bytes())
        if damage == "tables truncated":
            table.write_bytes(bytes(data[:100]))
        elif damage == "tables flipped":
            for i in range(50, len(data), 97):
                data[i] ^= 0xFF
            table.write_bytes(bytes(data))
    proc = ksst("query", "-e", "SELECT * WHERE { ?s ?p ?o }", "--out", str(build))
    assert proc.returncode == 3, proc.stderr
    line = one_line(proc)
    assert line.startswith("ksst query: cannot open the embedded store at ") and "ksst build --clean" in line
