"""`ksst load`: put the build's asserted, inferred and ontology graphs into a SPARQL 1.1 store, all three
replaced at once, so that a reader sees the old set or the new set and never a mix or half a graph.

1. A cheap query first: a wrong URL, a store that is down or bad credentials show before anything is sent,
   and an authenticated store's challenge is known before the first large body (see `http`).
2. Temporary graphs (`urn:x-ksst-load:KEY:RUN:NAME`) left by an earlier load of the same graphs that did not
   finish (killed, or its store went away) are dropped.
3. Each graph goes into a temporary graph of its own: by the Graph Store Protocol (POSTs of at most
   `CHUNK_LINES` triples, or one bulk POST where the store is Oxigraph, whose bulk loader is several times
   faster than its transactional one), else by SPARQL Update (`INSERT DATA` in batches, halved while the store
   refuses them as too large).
4. The temporary graphs are counted: a store that kept less than it was sent fails the load here.
5. One update request MOVEs the temporary graphs onto the targets. Oxigraph and Virtuoso run one request as
   one transaction, so readers see the three graphs change together.
6. The targets are counted, for the report beside the build's counts.

Into Oxigraph, the target graphs are read first: a graph that differs a little is changed by its differences in
the update of step 5 (no upload); when all the targets are empty (a first load), every graph goes in one
transactional POST of N-Quads instead of steps 3-5 (Oxigraph copies a MOVE of a million triples for minutes).

Whatever fails, the error says what was and was not replaced, and the temporary graphs are dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from ..core.builds import reading
from ..core.errors import GraphStoreUnavailable, RemoteError, StoreError
from ..core.namespaces import XSD
from ..core.rdf import open_build_store, serialized
from .discovery import GRAPH_NAMES, LOCAL_GRAPHS, Endpoints, endpoints_for, target_graphs
from .http import LITERAL_REFUSED, TOO_LARGE, Credentials, Http, credentials_for
from .protocol import Term, select_rows

#: HTTP answers to a Graph Store Protocol request that mean "no Graph Store Protocol here".
NO_GSP_STATUSES = frozenset({404, 405, 406, 415, 501})
#: Triples per Graph Store Protocol request (Virtuoso 7.2 stalls on a single request of a million triples, and
#: takes 100 000 at a time at full speed).
CHUNK_LINES = 100_000
#: The smallest upload sent to Oxigraph's bulk loader (below it a transaction is faster).
BULK_LINES = 50_000
#: Where temporary graphs live.
TEMPORARY = "urn:x-ksst-load:"
#: Datatypes whose literals some stores refuse inside INSERT DATA (Virtuoso 7.2: xsd:duration, SR553), written
#: with STRDT in an INSERT ... WHERE instead, which every store takes.
BIND_DATATYPES = frozenset({XSD + "duration", XSD + "dayTimeDuration", XSD + "yearMonthDuration"})


class LoadProgress(Protocol):
    """What a load tells about how far it got: the triples to send, each stage, the triples sent."""

    done: int

    def start(self, total: int) -> None: ...

    def stage(self, label: str) -> None: ...

    def advance(self, n: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """A `LoadProgress` that shows nothing."""

    def __init__(self) -> None:
        self.done = 0

    def start(self, total: int) -> None:
        self.done = 0

    def stage(self, label: str) -> None:
        pass

    def advance(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        pass


# ------------------------------------------------------------------------------------------ the build


@dataclass
class GraphData:
    """One graph of the build as N-Triples (one triple a line), ready to send."""

    name: str  # asserted, inferred, ontology
    body: bytes
    count: int
    blank_nodes: bool  # triples linked through blank nodes must travel in one request

    def triples(self) -> list[Triple]:
        return [q.triple for q in parse(self.body, format=RdfFormat.N_TRIPLES)]


def graph_data(build_dir: Path, cutter: Callable[[str], Cutter] | None = None) -> dict[str, GraphData]:
    """The asserted, inferred and ontology graphs of a build, dumped from its embedded store (held while read,
    so a build meanwhile cannot remove it); through `cutter(name)`, which sends pieces off as they come."""
    out: dict[str, GraphData] = {}
    with reading(Path(build_dir)) as folder:
        store = open_build_store(folder / "store")
        try:
            for name, iri in LOCAL_GRAPHS.items():
                if cutter is None:
                    body = store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(iri)) or b""
                    out[name] = GraphData(name, body, body.count(b"\n"), _has_blank_nodes(body))
                else:
                    sink = cutter(name)  # a file-like object: write and flush are all dump uses
                    store.dump(cast(IO[bytes], sink), format=RdfFormat.N_TRIPLES, from_graph=NamedNode(iri))
                    out[name] = sink.close()
        finally:
            del store
    return out


class Cancelled(Exception):
    """Raised into a dump whose pieces nobody will send (the load failed meanwhile)."""


class Cutter:
    """Where `Store.dump` writes one graph: the N-Triples are kept whole and, as they come, cut into pieces of
    about `lines` triples for `emit`. Lines with a blank node are held back and sent at the end, each group of
    triples linked by blank nodes in one piece (a blank node sent in two requests becomes two)."""

    def __init__(self, name: str, lines: int, emit: Callable[[str, Piece], None], cancelled: threading.Event):
        self.name, self.lines, self.emit, self.cancelled = name, lines, emit, cancelled
        self.parts: list[bytes] = []
        self.pending = bytearray()
        self.pending_lines = 0
        self.held: list[bytes] = []

    def write(self, data: bytes) -> int:
        if self.cancelled.is_set():
            raise Cancelled
        self.parts.append(bytes(data))
        self.pending += data
        self.pending_lines += data.count(b"\n")
        if self.pending_lines > self.lines:  # (so a graph of `lines` triples or fewer is cut at close only)
            self._cut(len(self.pending) if self.pending.endswith(b"\n") else self.pending.rfind(b"\n") + 1)
        return len(data)

    def flush(self) -> None:
        pass

    def _cut(self, end: int) -> None:
        chunk = bytes(self.pending[:end])
        del self.pending[:end]
        self.pending_lines = self.pending.count(b"\n")
        if b"_:" in chunk:
            lines = chunk.splitlines(keepends=True)
            self.held += [line for line in lines if b"_:" in line]
            chunk = b"".join(line for line in lines if b"_:" not in line)
        if chunk:
            self.emit(self.name, Piece(chunk, chunk.count(b"\n"), True))

    def close(self) -> GraphData:
        """The rest (a graph of at most `lines` triples in one piece; else the last piece, then the held lines);
        the whole graph."""
        body = b"".join(self.parts)
        graph = GraphData(self.name, body, body.count(b"\n"), _has_blank_nodes(body))
        if graph.count <= self.lines:  # nothing sent yet
            if graph.count:
                self.emit(self.name, Piece(body, graph.count, not graph.blank_nodes))
            return graph
        self._cut(len(self.pending))
        if self.held:
            held = GraphData(self.name, b"".join(self.held), len(self.held), True)
            for batch in bnode_safe_batches(held.triples(), self.lines):
                self.emit(self.name, Piece(ntriples(batch), len(batch), not any(_has_blank(t) for t in batch)))
        return graph


class PieceStream:
    """The build's graphs dumped on a thread of their own and cut into pieces as they come, so that the first
    pieces are on their way while the rest is still read (a dump of a million triples takes seconds)."""

    def __init__(self, build_dir: Path, lines: int):
        self._queue: queue.Queue[tuple[str, Piece] | None] = queue.Queue()
        self._cancelled = threading.Event()
        self._error: BaseException | None = None
        self._graphs: dict[str, GraphData] = {}
        self._thread = threading.Thread(target=self._dump, args=(build_dir, lines), name="ksst-dump", daemon=True)
        self._thread.start()

    def _dump(self, build_dir: Path, lines: int) -> None:
        def emit(name: str, piece: Piece) -> None:
            self._queue.put((name, piece))

        try:
            self._graphs = graph_data(build_dir, lambda name: Cutter(name, lines, emit, self._cancelled))
        except BaseException as exc:  # handed to whoever reads the pieces or the graphs
            self._error = exc
        finally:
            self._queue.put(None)

    def __iter__(self) -> Iterator[tuple[str, Piece]]:
        while (item := self._queue.get()) is not None:
            yield item
        self._queue.put(None)  # for the next reader
        self.graphs()

    def graphs(self) -> dict[str, GraphData]:
        """Every graph, whole (after the dump)."""
        self._thread.join()
        if self._error is not None and not isinstance(self._error, Cancelled):
            raise self._error
        return self._graphs

    def cancel(self) -> None:
        self._cancelled.set()
        self._thread.join()


def local_graphs(build_dir: Path) -> dict[str, list[Triple]]:
    """The asserted, inferred and ontology triples of a build, read from its embedded store."""
    return {name: data.triples() for name, data in graph_data(build_dir).items()}


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
    return serialized(triples, RdfFormat.N_TRIPLES) if triples else b""


@dataclass
class Piece:
    """Part of a graph sent in one request: N-Triples, its number of triples, whether it may be sent again
    (a piece without blank nodes is the same triples however often it arrives)."""

    body: bytes
    count: int
    repeatable: bool


def pieces(graph: GraphData, lines: int) -> Iterator[Piece]:
    """The graph in requests of at most about `lines` triples; triples linked by blank nodes stay together."""
    if graph.count <= lines:
        yield Piece(graph.body, graph.count, not graph.blank_nodes)
        return
    if graph.blank_nodes:
        for batch in bnode_safe_batches(graph.triples(), lines):
            yield Piece(ntriples(batch), len(batch), not any(_has_blank(t) for t in batch))
        return
    start, body = 0, graph.body
    while start < len(body):
        end = start
        for _ in range(lines):
            end = body.find(b"\n", end) + 1
            if end == 0:
                end = len(body)
                break
        yield Piece(body[start:end], body.count(b"\n", start, end), True)
        start = end


def _has_blank(t: Triple) -> bool:
    return isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)


# --------------------------------------------------------------------------------------------- report


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
    replaced: list[str] = field(default_factory=list)  # the target graphs replaced (all, or none)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.counts)


# --------------------------------------------------------------------------------------------- client


def store_kind(server: str) -> str:
    """`oxigraph`, `virtuoso` or `` (another store), from an answer's Server header."""
    low = server.lower()
    return "oxigraph" if low.startswith("oxigraph") else "virtuoso" if low.startswith("virtuoso") else ""


class Client:
    """One store: its endpoints, credentials and timeout, and the requests `ksst load` makes."""

    def __init__(self, endpoints: Endpoints, *, credentials: Credentials | None = None, timeout: float = 60.0,
                 attempts: int = 3, pause: Callable[[float], None] = time.sleep):
        self.endpoints = endpoints
        self.credentials = credentials
        self.timeout = timeout
        self.http = Http(credentials, timeout=timeout, attempts=attempts, pause=pause)
        self.http.warm = self.probe
        self.kind = ""

    def select(self, query: str, default_graphs: Sequence[str] = ()) -> tuple[list[str], list[dict[str, Term | None]]]:
        return select_rows(self.http, self.endpoints.query, query, default_graphs=default_graphs)

    def probe(self) -> None:
        """A trivial query, so a wrong URL, a store that is down or bad credentials show before loading (and
        the store's challenge is known before a large body goes out)."""
        self.http.warmed = True
        self.select("ASK { }")
        self.kind = store_kind(self.http.server)

    def count(self, graph: str) -> int:
        _, rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        try:
            return int(rows[0]["n"].value)  # type: ignore[union-attr]
        except (IndexError, KeyError, AttributeError, ValueError):
            raise StoreError(f"{self.endpoints.query} gave no count for <{graph}>; check the store") from None

    def graphs_under(self, prefix: str) -> list[str]:
        """The graphs whose IRI starts with `prefix` (that hold a triple).

        Oxigraph lists its graphs from a table of its own (`GRAPH ?g {}`), where the portable query reads every
        quad (a minute at a million triples under load); Virtuoso answers `GRAPH ?g {}` with one empty row, and
        reads the portable one from its graph index."""
        if self.kind == "oxigraph":
            _, rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        else:
            literal = str(Literal(prefix))
            _, rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                  f"FILTER(STRSTARTS(STR(?g), {literal})) }}")
        names = [row.get("g") for row in rows]
        return sorted(g.value for g in names if isinstance(g, NamedNode) and g.value.startswith(prefix))

    def get_graph(self, graph: str) -> bytes:
        """The graph as N-Triples, by the Graph Store Protocol (empty if the store has no such graph)."""
        assert self.endpoints.store is not None
        response = self.http.request("GET", self.endpoints.store, params=[("graph", graph)], what="graph download",
                                     headers={"Accept": "application/n-triples"}, option="--store-endpoint",
                                     ok=(404,))
        return b"" if response.status_code == 404 else response.content

    def parallel(self) -> Client:
        """Another client of the same store, on a connection of its own (its own authentication state)."""
        other = Client(self.endpoints, credentials=self.credentials, timeout=self.timeout,
                       attempts=self.http.attempts, pause=self.http.pause)
        other.kind = self.kind
        return other

    def update(self, update: str, *, retry: bool = False) -> None:
        """One SPARQL 1.1 Update request (URL-encoded form, which every store takes; to Oxigraph the update
        itself as the body, which is not inflated by the form's escapes); `retry` only for an update that may
        safely run twice."""
        if self.kind == "oxigraph":
            self.http.request("POST", self.endpoints.update, data=update.encode("utf-8"), what="update",
                              headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                              option="--update-endpoint", retry=retry)
            return
        self.http.request("POST", self.endpoints.update, data={"update": update}, what="update",
                          option="--update-endpoint", retry=retry)

    def _graph_url(self, graph: str, *, bulk: bool) -> tuple[str, list[tuple[str, str]]]:
        assert self.endpoints.store is not None
        params = [("graph", graph)]
        if bulk and self.kind == "oxigraph":
            params += [("no_transaction", "")]  # Oxigraph's bulk loader: not atomic, so only into a new graph
        return self.endpoints.store, params

    def send_graph(self, method: str, graph: str, body: bytes, *, bulk: bool = False, retry: bool = True) -> None:
        """PUT (replace) or POST (add to) `graph` by the Graph Store Protocol: N-Triples sent as Turtle, which
        every store reads."""
        url, params = self._graph_url(graph, bulk=bulk)
        self._graph_store(method, url, params, body, "text/turtle; charset=utf-8", "graph upload", retry)

    def send_dataset(self, body: bytes) -> None:
        """POST N-Quads to the Graph Store's dataset (no `graph` parameter): Oxigraph adds them in one
        transaction. Not repeated: its blank nodes would arrive twice."""
        assert self.endpoints.store is not None
        self._graph_store("POST", self.endpoints.store, [], body, "application/n-quads", "dataset upload", False)

    def _graph_store(self, method: str, url: str, params: list[tuple[str, str]], body: bytes, media_type: str,
                     what: str, retry: bool) -> None:
        """One Graph Store Protocol request; a URL without the protocol raises GraphStoreUnavailable."""
        try:
            self.http.request(method, url, data=body, params=params, what=what, headers={"Content-Type": media_type},
                              option="--store-endpoint", retry=retry)
        except RemoteError as exc:
            if exc.status in NO_GSP_STATUSES:
                raise GraphStoreUnavailable(str(exc), exc.status) from None
            raise

    def put_graph(self, graph: str, body: bytes) -> None:
        """Replace `graph` by `body` in one request."""
        self.send_graph("PUT", graph, body)


# ----------------------------------------------------------------------------------------------- load


def load_key(targets: dict[str, str]) -> str:
    """What the temporary graphs of loads into these target graphs share (loads into other graphs of the same
    store keep theirs)."""
    return hashlib.sha1(" ".join(targets[n] for n in GRAPH_NAMES).encode()).hexdigest()[:12]


def temporary_graphs(targets: dict[str, str]) -> dict[str, str]:
    run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    return {name: f"{TEMPORARY}{load_key(targets)}:{run}:{name}" for name in GRAPH_NAMES}


def load(build_dir: Path, client: Client, *, graph_base: str | None = None, batch_size: int = 5000,
         progress: LoadProgress | None = None, notify: Callable[[str], None] | None = None,
         chunk_lines: int = CHUNK_LINES) -> LoadReport:
    """Load the build's graphs into the store behind `client`, all replaced at once; then count them there.

    The Graph Store Protocol is tried first; if its URL takes no POST, the load goes through SPARQL Update.
    Loading the same build twice leaves the same graphs. A failure raises a RemoteError whose message says
    what was and was not replaced."""
    started = time.monotonic()
    targets = target_graphs(graph_base)
    progress = progress or NoProgress()
    report = LoadReport(endpoints=client.endpoints, method="")

    def note(text: str) -> None:
        report.notes.append(text)
        if notify:
            notify(text)

    client.probe()
    # into a store other than Oxigraph, the pieces go out while the build's graphs are still being dumped
    stream = PieceStream(build_dir, chunk_lines) if client.kind != "oxigraph" and client.endpoints.store else None
    try:
        with ThreadPoolExecutor(2) as pool:
            # while ours are dumped: the temporary graphs earlier loads left, and (Oxigraph) the graphs as the
            # store holds them, to replace them by their differences; each on a connection of its own
            left = pool.submit(_leftovers, client, f"{TEMPORARY}{load_key(targets)}:")
            current = pool.submit(_current_graphs, client, targets) if client.kind == "oxigraph" else None
            graphs = graph_data(build_dir) if stream is None else {}
            stored = current.result() if current is not None else None
            leftovers = left.result()
        if leftovers:
            client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in leftovers), retry=True)
            note(f"removed {len(leftovers)} temporary graph(s) left by an earlier load of these graphs that did "
                 f"not finish ({', '.join(leftovers)})")
    except BaseException:
        if stream is not None:
            stream.cancel()
        raise
    temporary = temporary_graphs(targets)
    progress.start(sum(g.count for g in graphs.values()) if stream is None else expected_count(build_dir))
    moving = False
    changes: dict[str, Changes] = {}
    try:
        if stored is not None and not any(stored.values()):
            # a first load: one transaction puts all of them in place (steps 3 to 5 at once)
            changes = {name: Changes([], []) for name in GRAPH_NAMES}
            progress.stage("POST the graphs in one transaction")
            moving = True
            if _send_all(client, graphs, targets):
                progress.advance(sum(g.count for g in graphs.values()))
                report.method = "Graph Store Protocol"
                report.notes.append("the target graphs were empty: all of them sent in one transaction")
            else:  # the GETs' 404s meant no Graph Store here, not empty graphs
                changes, moving, stored = {}, False, None
        if not report.method:
            if stored is not None:
                changes = differences(graphs, stored)
                for name, change in changes.items():
                    progress.advance(graphs[name].count)
                    report.notes.append(f"{targets[name]}: {len(change.removed)} triples removed, "
                                        f"{len(change.added)} added")
            if client.endpoints.store is not None:
                try:
                    if stream is None:
                        _upload_gsp(client, {n: g for n, g in graphs.items() if n not in changes}, temporary,
                                    progress, chunk_lines)
                    else:
                        _send_pieces(client, iter(stream), temporary, progress)
                    report.method = "Graph Store Protocol"
                except GraphStoreUnavailable as exc:
                    note(f"no Graph Store Protocol at {client.endpoints.store} (HTTP {exc.status}); "
                         f"loading with SPARQL Update at {client.endpoints.update}")
                    progress.start(expected_count(build_dir))
                if stream is not None:
                    graphs = stream.graphs()
            rest = {name: g for name, g in graphs.items() if name not in changes}
            if not report.method:
                size = _upload_update(client, rest, temporary, progress, batch_size)
                report.method = "SPARQL Update"
                if size < batch_size:
                    note(f"the store refused INSERT DATA requests of {batch_size} triples as too large; sent "
                         f"{size} at a time")
            progress.stage("checking the uploaded graphs")
            _check_uploaded(client, rest, temporary)
            progress.stage("replacing the graphs")
            moving = True
            _replace(client, replace_update(graphs, temporary, targets, changes))
        report.replaced = [targets[n] for n in GRAPH_NAMES]
    except BaseException as exc:
        if stream is not None:
            stream.cancel()
        answered = isinstance(exc, RemoteError) and exc.status is not None  # the store refused it: none of it ran
        state = _what_was_replaced(client, graphs, temporary, targets, changes) if moving and not answered else None
        with contextlib.suppress(RemoteError):  # best effort: the error that matters is the first one
            client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in temporary.values()), retry=True)
        progress.close()
        if isinstance(exc, RemoteError):
            raise _with_state(exc, state or NOTHING_REPLACED) from None
        raise
    progress.stage("counting")
    try:
        for name in GRAPH_NAMES:
            report.counts.append(GraphCount(name, targets[name], graphs[name].count, client.count(targets[name])))
    finally:
        progress.close()
    report.seconds = time.monotonic() - started
    return report


NOTHING_REPLACED = "nothing was replaced: the graphs in the store are as they were"


def _with_state(exc: RemoteError, state: str) -> RemoteError:
    error = type(exc)(f"{exc}; {state}", exc.status)
    return error


#: The most N-Triples of differences sent in the one update (Oxigraph takes update bodies of up to 128 MB); a
#: graph that differs by more (a first load, a rebuild from other data) is moved in whole from a temporary graph.
DIFFERENCE_BYTES = 96_000_000


@dataclass
class Changes:
    """What turns a graph in the store into the build's: N-Triples lines to delete and to insert."""

    removed: list[bytes]
    added: list[bytes]


def _leftovers(client: Client, prefix: str) -> list[str]:
    other = client.parallel()
    try:
        return other.graphs_under(prefix)
    finally:
        other.http.close()


def _current_graphs(client: Client, targets: dict[str, str]) -> dict[str, bytes] | None:
    """The target graphs as the store holds them (N-Triples), read on a connection of its own; None where the
    store has no Graph Store Protocol."""
    if client.endpoints.store is None:
        return None
    other = client.parallel()
    try:
        return {name: other.get_graph(targets[name]) for name in GRAPH_NAMES}
    except RemoteError:
        return None  # the load itself will say what is wrong with the store
    finally:
        other.http.close()


def nquads(graphs: dict[str, GraphData], targets: dict[str, str]) -> bytes:
    """The build's graphs as one N-Quads document, each triple in its target graph (an N-Triples line ends in
    " .": the graph name goes before it; a line break inside a literal is always escaped)."""
    return b"".join(graphs[n].body.replace(b" .\n", f" <{targets[n]}> .\n".encode()) for n in GRAPH_NAMES)


def _send_all(client: Client, graphs: dict[str, GraphData], targets: dict[str, str]) -> bool:
    """Every graph in one transactional POST (a first load into Oxigraph); False where the URL has no Graph
    Store Protocol after all (its GET answered 404 for every graph)."""
    try:
        client.send_dataset(nquads(graphs, targets))
    except GraphStoreUnavailable:
        return False
    return True


def expected_count(build_dir: Path) -> int:
    """About how many triples a load sends, before the graphs are dumped: the build summary's asserted and
    inferred triples (the ontology's thousand or so are left out); 0 where there is no summary."""
    try:
        summary = json.loads((Path(build_dir) / "summary.json").read_text(encoding="utf-8"))
        return int(summary["asserted_triples"]) + int(summary["inferred_triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _has_blank_nodes(ntriples: bytes) -> bool:
    return b"_:" in ntriples and re.search(rb"(^|\s)_:", ntriples, re.MULTILINE) is not None


def differences(graphs: dict[str, GraphData], stored: dict[str, bytes]) -> dict[str, Changes]:
    """For each graph without blank nodes (here and in the store), the triples to remove and to add.

    Oxigraph writes N-Triples one triple a line, each term in one form (pyoxigraph's, which wrote ours), so
    the lines compare as the triples do. A graph with blank nodes cannot be compared (the store names them
    anew) and is moved in whole."""
    out: dict[str, Changes] = {}
    for name in GRAPH_NAMES:
        graph = graphs[name]
        current = stored.get(name)
        if graph.blank_nodes or current is None or _has_blank_nodes(current):
            continue
        if current == graph.body:  # Oxigraph dumps a graph in its index order: the same build reads the same
            out[name] = Changes([], [])
            continue
        have = set(current.splitlines())
        want = set(graph.body.splitlines())
        have.discard(b"")
        want.discard(b"")
        change = Changes(sorted(have - want), sorted(want - have))
        if sum(len(line) + 1 for line in (*change.removed, *change.added)) <= DIFFERENCE_BYTES:
            out[name] = change
    return out


def replace_update(graphs: dict[str, GraphData], temporary: dict[str, str], targets: dict[str, str],
                   changes: dict[str, Changes] | None = None) -> str:
    """One update request that puts every graph of the build in place of its target: the differences where they
    are known, else a MOVE of its temporary graph (an empty graph of the build empties its target)."""
    parts: list[str] = []
    for n in GRAPH_NAMES:
        change = (changes or {}).get(n)
        if change is not None:
            if change.removed:
                parts.append(f"DELETE DATA {{ GRAPH <{targets[n]}> {{\n" + _lines(change.removed) + "} }")
            if change.added:
                parts.append(f"INSERT DATA {{ GRAPH <{targets[n]}> {{\n" + _lines(change.added) + "} }")
        elif graphs[n].count:
            parts.append(f"MOVE <{temporary[n]}> TO <{targets[n]}>")
        else:
            parts.append(f"DROP SILENT GRAPH <{targets[n]}>")
    return " ;\n".join(parts) if parts else "DROP SILENT GRAPH <urn:x-ksst-load:nothing>"


def _lines(lines: list[bytes]) -> str:
    return b"".join(line + b"\n" for line in lines).decode("utf-8")


#: A transaction the store rolled back because it deadlocked with another (Virtuoso: SQL state 40001, SR172):
#: nothing of it was applied, so it may run again.
DEADLOCK = re.compile(r"\b40001\b|deadlock", re.IGNORECASE)


def _replace(client: Client, update: str, attempts: int = 3) -> None:
    for attempt in range(1, attempts + 1):
        try:
            client.update(update)
            return
        except RemoteError as exc:
            if attempt == attempts or not DEADLOCK.search(str(exc)):
                raise
            client.http.pause(0.5 * attempt)


def _what_was_replaced(client: Client, graphs: dict[str, GraphData], temporary: dict[str, str],
                       targets: dict[str, str], changes: dict[str, Changes]) -> str:
    """After an update whose answer was lost: which targets the store replaced (a moved graph's temporary graph
    is gone; a graph changed by its differences holds the build's count), said in one clause."""
    try:
        done = {n: (client.count(targets[n]) == graphs[n].count) if n in changes
                else not client.count(temporary[n]) for n in GRAPH_NAMES if graphs[n].count}
    except RemoteError:
        return ("the store did not say whether it replaced the graphs: check them with `ksst load` again, "
                "which replaces them whatever their state")
    if all(done.values()):
        return "yet the store did replace every graph (only its answer was lost)"
    if not any(done.values()):
        return NOTHING_REPLACED
    return (f"the store replaced {', '.join(targets[n] for n, d in done.items() if d)} but not "
            f"{', '.join(targets[n] for n, d in done.items() if not d)}: load again to make them agree")


def _check_uploaded(client: Client, graphs: dict[str, GraphData], temporary: dict[str, str]) -> None:
    for name in graphs:
        expected = graphs[name].count
        if not expected:
            continue
        held = client.count(temporary[name])
        if held != expected:
            raise StoreError(f"the store kept {held} of the {expected} triples of the {name} graph sent to it; "
                             f"check the store's log (disk space, memory, a limit on request size)")


def _upload_gsp(client: Client, graphs: dict[str, GraphData], temporary: dict[str, str], progress: LoadProgress,
                chunk_lines: int) -> None:
    """POST each graph into its temporary graph: the whole graph to Oxigraph's bulk loader; to other stores in
    pieces of `chunk_lines` triples (see `_send_pieces`)."""
    bulk = client.kind == "oxigraph"  # (small graphs go in transactions: the bulk loader has a fixed cost of seconds)
    work: list[tuple[str, Piece]] = []
    for name in GRAPH_NAMES:
        graph = graphs.get(name)
        if graph is None or not graph.count:
            continue
        lines = graph.count if bulk and not graph.blank_nodes else chunk_lines
        work += [(name, piece) for piece in pieces(graph, lines)]
    _send_pieces(client, iter(work), temporary, progress, bulk=bulk)


def _send_pieces(client: Client, work: Iterator[tuple[str, Piece]], temporary: dict[str, str],
                 progress: LoadProgress, *, bulk: bool = False, connections: int = 2) -> None:
    """POST the pieces into their temporary graphs, the first alone (it tells whether there is a Graph Store
    Protocol), the rest over `connections` connections at once (Virtuoso takes two streams of 100,000 triples
    nearly twice as fast as one); to Oxigraph's bulk loader one at a time."""
    first = next(work, None)
    if first is None:
        return
    progress.stage("POST the graphs")
    name, piece = first
    client.send_graph("POST", temporary[name], piece.body, bulk=bulk and piece.count >= BULK_LINES,
                      retry=piece.repeatable)
    progress.advance(piece.count)
    if connections <= 1 or bulk:
        for name, piece in work:
            client.send_graph("POST", temporary[name], piece.body, bulk=bulk and piece.count >= BULK_LINES,
                              retry=piece.repeatable)
            progress.advance(piece.count)
        return
    lock = threading.Lock()
    # clients of their own: digest authentication keeps its nonce per thread, and each warms up in its own
    clients = [client.parallel() for _ in range(connections)]

    failed = threading.Event()

    def worker(c: Client) -> None:
        while not failed.is_set():
            with lock:  # one reader of `work` at a time (it may be a generator fed by the dump)
                item = next(work, None)
            if item is None:
                return
            try:
                c.send_graph("POST", temporary[item[0]], item[1].body, retry=item[1].repeatable)
            except BaseException:
                failed.set()  # the other connection stops too
                raise
            with lock:
                progress.advance(item[1].count)

    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            for future in [pool.submit(worker, c) for c in clients]:
                future.result()
    finally:
        for c in clients:
            c.http.close()


def _upload_update(client: Client, graphs: dict[str, GraphData], temporary: dict[str, str], progress: LoadProgress,
                   batch_size: int) -> int:
    """INSERT DATA in batches of `batch_size` triples, halved while the store refuses a batch as too large
    (Virtuoso: SP030, SP031); a batch whose literals the store refuses as written is sent again with every
    typed literal made by STRDT. The batch size that went through."""
    size = max(1, batch_size)
    for name in GRAPH_NAMES:
        if name not in graphs or not graphs[name].count:
            continue
        progress.stage(f"INSERT DATA {name} graph")
        queue = deque(bnode_safe_batches(graphs[name].triples(), size))
        while queue:
            batch = queue.popleft()
            if len(batch) > size:  # the size went down since the batches were cut
                parts = bnode_safe_batches(batch, size)
                if len(parts) > 1:
                    queue.extendleft(reversed(parts))
                    continue
            repeatable = not any(_has_blank(t) for t in batch)
            try:
                try:
                    client.update(insert_update(batch, temporary[name]), retry=repeatable)
                except RemoteError as exc:
                    if not LITERAL_REFUSED.search(str(exc)):
                        raise
                    client.update(insert_update(batch, temporary[name], bind_all=True), retry=repeatable)
            except RemoteError as exc:  # Virtuoso answers 400 or 500 to a request too large for it
                if TOO_LARGE.search(str(exc)) and size > 1 and len(batch) > 1:
                    size = max(1, min(size, len(batch)) // 2)
                    queue.appendleft(batch)
                    continue
                raise
            progress.advance(len(batch))
    return size


def insert_update(triples: Sequence[Triple], graph: str, *, bind_all: bool = False) -> str:
    """An update adding the triples to `graph`: INSERT DATA, and, in the same request, an INSERT ... WHERE for
    what some stores refuse in INSERT DATA: blank nodes (Virtuoso 7.2: "not allowed in a constant clause"; in a
    template each becomes one new blank node, as in INSERT DATA) and literals of a datatype they cannot take as
    written (Virtuoso: xsd:duration), made with STRDT; with `bind_all`, every typed literal."""
    plain = [t for t in triples if not _has_blank(t) and not _bound(t, bind_all)]
    special = [t for t in triples if _has_blank(t) or _bound(t, bind_all)]
    parts = []
    if plain:
        parts.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{ntriples(plain).decode('utf-8')}}} }}")
    if special:
        template: list[str] = []
        binds: list[str] = []
        for t in special:
            o: Any = t.object
            if _bound(t, bind_all):
                binds.append(f"BIND(STRDT({Literal(o.value)}, <{o.datatype.value}>) AS ?v{len(binds)})")
                template.append(f"{t.subject} {t.predicate} ?v{len(binds) - 1} .")
            else:
                template.append(ntriples([t]).decode("utf-8").strip())
        parts.append(f"INSERT {{ GRAPH <{graph}> {{\n" + "\n".join(template) + "\n} }\nWHERE {\n"
                     + "\n".join(binds) + "\n}")
    return " ;\n".join(parts)


PLAIN_DATATYPES = frozenset({XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


def _bound(t: Triple, bind_all: bool = False) -> bool:
    o = t.object
    if not isinstance(o, Literal) or o.datatype is None or _has_blank(t):
        return False
    return o.datatype.value in BIND_DATATYPES or (bind_all and o.datatype.value not in PLAIN_DATATYPES)


def load_build(build_dir: Path, endpoint: str, *, update_endpoint: str | None = None,
               store_endpoint: str | None = None, use_gsp: bool = True, graph_base: str | None = None,
               user: str | None = None, password: str | None = None, auth: str = "auto", timeout: float = 60.0,
               batch_size: int = 5000, progress: LoadProgress | None = None,
               notify: Callable[[str], None] | None = None) -> LoadReport:
    """`ksst load`: find the store's endpoints from `endpoint`, then `load` the build into it."""
    credentials = credentials_for(user, password, auth)
    endpoints = endpoints_for(endpoint, update=update_endpoint, store=store_endpoint, use_gsp=use_gsp,
                              authenticated=credentials is not None)
    client = Client(endpoints, credentials=credentials, timeout=timeout)
    try:
        return load(build_dir, client, graph_base=graph_base, batch_size=batch_size, progress=progress,
                    notify=notify)
    finally:
        client.http.close()

