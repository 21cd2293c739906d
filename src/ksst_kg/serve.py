"""`ksst serve`: the Oxigraph server, read-only, over the build's embedded store.

The server is the `oxigraph` binary of the `oxigraph` package on PyPI, run as

    oxigraph serve-read-only --location BUILD/store --bind HOST:PORT --union-default-graph

`--union-default-graph` makes a query's default graph the union of the store's graphs (asserted, inferred,
ontology), which is what the saved queries expect; `default-graph-uri` parameters still work. A read-only
server may run beside other readers of the store (`ksst query` opens it read-only too).

The child runs in its own session, so Ctrl-C and SIGTERM reach only us; we pass them on as SIGTERM, wait
for it to stop and exit 0. On Linux the child also gets SIGTERM if we die without that chance.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .core.errors import NoBuild, ServeError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


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
    raise ServeError("the Oxigraph server is not installed; install it with `pip install 'oxigraph>=0.5,<0.6'` "
                     "into the environment of ksst")


def bind_address(host: str, port: int) -> str:
    """`HOST:PORT` as the server takes it (IPv6 literals in brackets)."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def public_host(host: str) -> str:
    """The host to put in the URLs we print: a wildcard address is reached through the local machine."""
    bare = host.strip("[]")
    if bare in ("0.0.0.0", ""):
        return "127.0.0.1"
    if bare == "::":
        return "[::1]"
    return f"[{bare}]" if ":" in bare else bare


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def query(self) -> str:
        return self.base + "query"

    @property
    def page(self) -> str:
        return self.base


def urls(host: str, port: int) -> Urls:
    return Urls(f"http://{public_host(host)}:{port}/")


def serve_command(store: Path, host: str, port: int, *, timeout: float | None = None,
                  cors: bool = False) -> list[str]:
    command = [oxigraph_binary(), "serve-read-only", "--location", str(store), "--bind", bind_address(host, port),
               "--union-default-graph"]
    if timeout is not None:
        command += ["--timeout-s", str(max(1, round(timeout)))]
    if cors:
        command.append("--cors")
    return command


def check_store(store: Path) -> None:
    if not store.is_dir():
        raise NoBuild(f"no embedded store at {store}; run `ksst build` first (or pass --out)")


def port_in_use(host: str, port: int) -> bool:
    """True if something already listens on HOST:PORT (so the server would fail to bind)."""
    try:
        with socket.create_connection((public_host(host).strip("[]"), port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until_listening(process: subprocess.Popen[bytes], host: str, port: int,
                         timeout: float = STARTUP_TIMEOUT) -> bool:
    """Poll until HOST:PORT accepts connections (True), or the child exits or time runs out (False)."""
    deadline = time.monotonic() + timeout
    target = (public_host(host).strip("[]"), port)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(target, timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: have the kernel send the server SIGTERM if `ksst serve` itself dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except Exception:
        pass


def run(store: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, timeout: float | None = None,
        cors: bool = False, on_ready: Callable[[Urls], None] | None = None) -> int:
    """Run the server until SIGINT or SIGTERM (exit status 0), or until it fails (ServeError)."""
    check_store(store)
    if port_in_use(host, port):
        raise ServeError(f"port {port} on {public_host(host)} is already in use; stop what runs there or "
                         f"pick another with --port")
    command = serve_command(store, host, port, timeout=timeout, cors=cors)
    stopping: list[int] = []
    children: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    # the handlers come first, so that a Ctrl-C while the server starts stops it too (no traceback)
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, forward)
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    except BaseException:
        _restore(previous)
        raise
    children.append(process)
    try:
        if stopping:
            return 0
        if not wait_until_listening(process, host, port) and not stopping:
            code = process.poll()
            if code is None:
                raise ServeError(f"the Oxigraph server did not start listening on {bind_address(host, port)} "
                                 f"within {STARTUP_TIMEOUT:g} s; check the messages above")
            raise ServeError(f"the Oxigraph server stopped at once (exit status {code}); check the messages above "
                             f"(is the port free? is {store} a store built by `ksst build`?)")
        if not stopping and on_ready is not None:
            on_ready(urls(host, port))
        while True:
            try:
                code = process.wait()
                break
            except InterruptedError:  # pragma: no cover - Python retries wait() itself
                continue
        if stopping:
            return 0
        raise ServeError(f"the Oxigraph server stopped unexpectedly (exit status {code}); check the messages above")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _restore(previous)


def _restore(handlers: dict[signal.Signals, object]) -> None:
    for s, handler in handlers.items():
        signal.signal(s, handler)  # type: ignore[arg-type]
