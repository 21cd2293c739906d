"""`ksst load`: push the build's asserted, inferred and ontology graphs into a SPARQL 1.1 store.

One HTTP PUT per graph with the SPARQL 1.1 Graph Store Protocol (a PUT replaces the graph in one request),
or, where the store has no Graph Store Protocol, SPARQL 1.1 Update: INSERT DATA in batches into temporary
graphs, then one request that MOVEs them into place, so a failure never leaves a half-loaded graph. Then it
counts the triples of each graph in the store, for the report next to the local counts. How far it got is
told to a `LoadProgress` (the command line draws it on the terminal).
"""

from __future__ import annotations

import contextlib
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple

from ..core.errors import EndpointNotFound, GraphStoreUnavailable, RemoteError, StoreError
from ..core.rdf import open_build_store, serialized
from .discovery import GRAPH_NAMES, LOCAL_GRAPHS, Endpoints, endpoints_for, target_graphs
from .http import Credentials, credentials_for, make_opener, send
from .protocol import select_rows

#: HTTP answers to a Graph Store Protocol request that mean "no Graph Store Protocol here".
NO_GSP_STATUSES = frozenset({404, 405, 406, 415, 501})


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


def local_graphs(build_dir: Path) -> dict[str, list[Triple]]:
    """The asserted, inferred and ontology triples of a build, read from its embedded store."""
    store = open_build_store(Path(build_dir) / "store")
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
    return serialized(triples, RdfFormat.N_TRIPLES) if triples else b""


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
        return select_rows(self.opener, self.endpoints.query, query, default_graphs=default_graphs,
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
        send(self.opener, request, timeout=self.timeout, what="update", credentials=self.credentials is not None,
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
            send(self.opener, request, timeout=self.timeout, what="graph upload",
                  credentials=self.credentials is not None, option="--store-endpoint")
        except (EndpointNotFound, StoreError) as exc:
            if exc.status in NO_GSP_STATUSES:
                raise GraphStoreUnavailable(str(exc), exc.status) from None
            raise


def load(build_dir: Path, client: Client, *, graph_base: str | None = None, batch_size: int = 5000,
         progress: LoadProgress | None = None, notify: Callable[[str], None] | None = None) -> LoadReport:
    """Load the build's graphs into the store behind `client`, then count what the store holds.

    The Graph Store Protocol is tried first; if its URL takes no PUT, the load goes through SPARQL Update.
    Loading the same build twice leaves the same graphs (PUT and MOVE both replace).
    """
    graphs = local_graphs(build_dir)
    targets = target_graphs(graph_base)
    progress = progress or NoProgress()
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
              progress: LoadProgress) -> None:
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


def _load_update(client: Client, graphs: dict[str, list[Triple]], targets: dict[str, str], progress: LoadProgress,
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
    return load(build_dir, client, graph_base=graph_base, batch_size=batch_size, progress=progress, notify=notify)
