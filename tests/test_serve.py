"""`ksst serve` as a real subprocess: it prints the endpoint, answers SPARQL over the union of the graphs,
shares the store with other readers, and stops cleanly (exit 0) on SIGTERM or Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import Store

from ksst_kg import remote, serve
from ksst_kg.core import errors

from .servers import HOST, free_port, http_get, tiny_build, tiny_counts, wait_for_port  # noqa: F401


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


def test_command_and_addresses() -> None:
    command = serve.serve_command(Path("b/store"), "0.0.0.0", 7878, timeout=30)
    assert command[0] == serve.oxigraph_binary() and os.access(command[0], os.X_OK)
    assert command[1:] == ["serve-read-only", "--location", "b/store", "--bind", "0.0.0.0:7878",
                           "--union-default-graph", "--timeout-s", "30"]
    assert serve.bind_address("::1", 80) == "[::1]:80"
    assert serve.urls("0.0.0.0", 7878).query == "http://127.0.0.1:7878/query"
    assert serve.urls("::", 7878).page == "http://[::1]:7878/"
    assert serve.urls("localhost", 1).query == "http://localhost:1/query"
