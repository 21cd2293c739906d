"""A private Virtuoso for the tests and the load benchmark: its own folder, its own virtuoso.ini, free ports on
127.0.0.1, started and stopped by the caller (never a daemon, never the system's service).

    with VirtuosoServer(tmp_path / "virtuoso") as v:       # starts, waits until ready, stops cleanly
        v.sparql_auth        # http://127.0.0.1:PORT/sparql-auth (digest, user dba)
        v.crud_auth          # http://127.0.0.1:PORT/sparql-graph-crud-auth (Graph Store Protocol, digest)
        v.isql("SELECT 1;")  # SQL through the isql client, as dba

- virtuoso.ini puts the database, transaction log, temporary database and error log in the folder, binds the
  SQL and HTTP ports to 127.0.0.1, sizes memory for a small machine, and sets what the saved queries and a
  large load need (docs/triplestores.md says why): no cost-estimate refusal (`MaxQueryCostEstimationTime`),
  no silent cut of results (`ResultSetMaxRows`), room for one MOVE of a million triples
  (`TransactionAfterImageLimit`);
- `virtuoso-t +foreground` runs in a session of its own (a Ctrl-C of the tests does not reach it) and dies
  with the Python process that started it (Linux);
- it is ready when the SQL port takes a login and `/sparql` answers an ASK (a new database takes 3-5 s);
- it stops by the SQL `shutdown` (a checkpoint, then exit), then SIGTERM, then SIGKILL, each bounded in time.

Debian's package names the binaries `virtuoso-t` and `isql-vt`; `$VIRTUOSO_BIN` / `$VIRTUOSO_ISQL` override.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

#: Memory: 8 KB pages. 170 000 buffers (~1.4 GB at most, allocated as used) hold a few million triples; the
#: upstream table in the default virtuoso.ini gives 680 000 / 500 000 for 8 GB free. MaxQueryMem bounds one query.
DEFAULT_BUFFERS = 170_000
DEFAULT_DIRTY_BUFFERS = 130_000

INI_TEMPLATE = """\
; virtuoso.ini of a private instance (written by tests/virtuoso.py)
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = {host}:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 20
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = {dirs_allowed}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty_buffers}
MaxQueryMem          = {max_query_mem}
ThreadsPerQuery      = {threads}
AsyncQueueMaxThreads = 10
TransactionAfterImageLimit = {txn_limit}
VectorSize           = 1000
MaxVectorSize        = 1000000

[HTTPServer]
ServerPort           = {host}:{http_port}
ServerRoot           = {vsp}
MaxClientConnections = 10
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows           = {result_rows}
MaxQueryCostEstimationTime = {cost_limit}
MaxQueryExecutionTime      = {execution_limit}
DeferInferenceRulesInit    = 0
"""


def _which(env: str, *names: str) -> str | None:
    override = os.environ.get(env)
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def virtuoso_binary() -> str | None:
    return _which("VIRTUOSO_BIN", "virtuoso-t")


def isql_binary() -> str | None:
    return _which("VIRTUOSO_ISQL", "isql-vt", "isql-v")


def virtuoso_missing() -> str | None:
    """None if a Virtuoso server can be started here, else the reason (a pytest skip message)."""
    if virtuoso_binary() is None:
        return ("Virtuoso is not installed (no virtuoso-t on PATH): `apt-get install virtuoso-opensource` "
                "(Debian/Ubuntu), or set $VIRTUOSO_BIN")
    if isql_binary() is None:
        return "Virtuoso's isql client is not installed (no isql-vt on PATH), or set $VIRTUOSO_ISQL"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # no prctl: the child outlives a killed parent, as on other systems
        pass


class VirtuosoError(RuntimeError):
    pass


@dataclass
class VirtuosoServer:
    """A private Virtuoso in `folder` (created if missing; a folder with a database in it is reused)."""

    folder: Path
    password: str = "dba"
    cost_limit: int = 0           # MaxQueryCostEstimationTime (s); 0 = no estimate-based refusal
    execution_limit: int = 0      # MaxQueryExecutionTime (s); 0 = no "anytime" partial answers
    result_rows: int = 1_000_000  # ResultSetMaxRows: rows above this are cut silently (Debian's default 10 000)
    buffers: int = DEFAULT_BUFFERS
    dirty_buffers: int = DEFAULT_DIRTY_BUFFERS
    max_query_mem: str = "1G"
    txn_limit: int = 1_500_000_000  # TransactionAfterImageLimit (bytes): one MOVE of a 1M-triple graph needs ~0.5 GB
    threads: int = 2
    dirs_allowed: list[Path] = field(default_factory=list)  # extra folders for file loads (ld_dir, TTLP)
    open_update: bool = False     # grant SPARQL_UPDATE to SPARQL (anonymous /sparql): tests only
    sql_port: int = 0
    http_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    # -------------------------------------------------------------------------------------------- urls

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def sparql_auth(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def crud(self) -> str:
        return self.base + "/sparql-graph-crud"

    @property
    def crud_auth(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    @property
    def user(self) -> str:
        return "dba"

    @property
    def ini(self) -> Path:
        return self.folder / "virtuoso.ini"

    @property
    def log(self) -> Path:
        return self.folder / "db" / "virtuoso.log"

    @property
    def load_dir(self) -> Path:
        """A folder the server may read files from (DirsAllowed), for ld_dir / TTLP_MT file loads."""
        return self.folder / "load"

    # ----------------------------------------------------------------------------------------- running

    def write_ini(self) -> None:
        db = self.folder / "db"
        db.mkdir(parents=True, exist_ok=True)
        (self.folder / "vsp").mkdir(exist_ok=True)
        self.load_dir.mkdir(exist_ok=True)
        dirs = [".", str(self.load_dir), *map(str, self.dirs_allowed)]
        self.ini.write_text(INI_TEMPLATE.format(
            db=db, host=HOST, sql_port=self.sql_port, http_port=self.http_port, vsp=self.folder / "vsp",
            dirs_allowed=", ".join(dirs), buffers=self.buffers, dirty_buffers=self.dirty_buffers,
            max_query_mem=self.max_query_mem, threads=self.threads, result_rows=self.result_rows,
            cost_limit=self.cost_limit, execution_limit=self.execution_limit,
            txn_limit=self.txn_limit), encoding="utf-8")

    def start(self, timeout: float = START_TIMEOUT) -> VirtuosoServer:
        reason = virtuoso_missing()
        if reason:
            raise VirtuosoError(reason)
        self.folder = Path(self.folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        fresh = not (self.folder / "db" / "virtuoso.db").exists()
        last = ""
        for _attempt in range(3):  # a port picked free may be taken before the server binds it
            self.sql_port, self.http_port = free_port(), free_port()
            if self.sql_port == self.http_port:
                continue
            self.write_ini()
            with open(self.folder / "server.out", "ab") as out:
                self.process = subprocess.Popen(
                    [str(virtuoso_binary()), "+foreground", "+configfile", str(self.ini)], cwd=self.folder,
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            try:
                self._wait_ready(timeout, initial_password="dba" if fresh else self.password)
            except VirtuosoError as exc:
                last = str(exc)
                self._kill()
                continue
            if fresh and self.password != "dba":
                self.isql(f"SET PASSWORD dba {self.password};", password="dba")
            if self.open_update:
                self.isql("GRANT SPARQL_UPDATE TO \"SPARQL\";")
            return self
        raise VirtuosoError(f"Virtuoso did not start: {last}")

    def _wait_ready(self, timeout: float, initial_password: str) -> None:
        deadline = time.monotonic() + timeout
        ask = self.sparql + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(ask, timeout=2) as response:
                    if response.status == 200:
                        self.isql("SELECT 1;", password=initial_password, timeout=10)
                        return
            except (urllib.error.URLError, OSError, VirtuosoError):
                pass
            time.sleep(0.2)
        raise VirtuosoError(f"not ready within {timeout:g} s: {self._log_tail()}")

    def _log_tail(self, lines: int = 5) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def isql(self, sql: str, *, password: str | None = None, timeout: float = 600.0) -> str:
        """Run SQL statements through isql as dba; the output, or VirtuosoError on an error."""
        command = [str(isql_binary()), f"{HOST}:{self.sql_port}", "dba", password or self.password,
                   "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT", f"EXEC={sql}"]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                                text=True, errors="replace")
        text = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in text:
            raise VirtuosoError(" ".join(text.split())[:2000])
        return text

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Shut down cleanly (checkpoint), else SIGTERM, else SIGKILL; the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(VirtuosoError, subprocess.TimeoutExpired, OSError):
                self.isql("shutdown;", timeout=timeout)  # the client loses the connection: "error" is normal
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        code = self.process.returncode
        self.process = None
        return code

    def _kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ helpers

    def count(self, graph: str) -> int:
        """Triples in `graph`, by SQL (no SPARQL limits apply)."""
        out = self.isql(f"SPARQL SELECT COUNT(*) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }};")
        numbers = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
        if not numbers:
            raise VirtuosoError(f"no count in {out!r}")
        return int(numbers[-1])
