"""`ksst load` of a large build into an Oxigraph server and into Virtuoso, ours against the old path.

    python -m bench.load --size 1m                       # generate and build 1M triples (or reuse), then load
    python -m bench.load --build DIR --runs 2 --record bench/RESULTS.md
    python -m bench.load --size 1m --stores oxigraph --old-ref bb04111

For each store and each path, on a fresh server (127.0.0.1, a folder of its own): the target graphs are first
filled with an "old" version of the build (its asserted graph less its last 1,000 triples; not for the row of a
first load, into empty graphs), then `ksst load`
runs in a subprocess (wall time, start-up and the final counts included) while a reader counts the asserted
target over and over; afterwards the three graphs are counted against the build and the temporary graphs
looked for. A reader count other than the old or the new one means a reader saw a half-replaced graph.

"old" is `ksst load` of the commit `--old-ref` (the package taken from git, run with this environment): one
Graph Store PUT per graph straight onto the target. Into Virtuoso it is run as the docs said to (digest on
/sparql-auth), and also through the anonymous /sparql with updates allowed, the way it could get through.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.run import BIN, ROOT, git_commit, machine, record_below_kept_line
from ksst_kg import remote
from ksst_kg.core.errors import RemoteError
from ksst_kg.remote import Client, credentials_for, endpoints_for
from tests.virtuoso import VirtuosoServer, free_port, virtuoso_missing

DEFAULT_OLD_REF = "bb04111"  # the last commit with the previous `ksst load`
FIRST = "ours, first load"  # the path of a load into a fresh server (no graphs to replace)
TARGETS_S = {"oxigraph": 15.0, "virtuoso": 30.0}  # the targets at 1M, ours
BEGIN = "<!-- bench.load {size}: begin -->"
END = "<!-- bench.load {size}: end -->"


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ the build


def ensure_build(size: str, workdir: Path, seed: int) -> Path:
    """bench/out/load-SIZE/build, generated and built once (reused while its data is there)."""
    from bench.generate import generate, parse_size

    base = workdir / f"load-{size}"
    data, build = base / "data", base / "build"
    if not (build / "store").exists():
        if not data.exists():
            log(f"generating {size} of data")
            generate(data, parse_size(size), seed)
        log("building")
        subprocess.run([str(BIN / "ksst"), "build", "--data", str(data), "--out", str(build)], check=True)
    return build


def old_package(ref: str, workdir: Path) -> Path:
    """The `src` folder of commit `ref`, taken out of git once."""
    out = workdir / f"old-{ref}"
    if not (out / "src" / "ksst_kg").exists():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src/ksst_kg"], check=True,
                                 capture_output=True).stdout
        tar = out / "src.tar"
        tar.write_bytes(archive)
        with tarfile.open(tar) as t:
            t.extractall(out, filter="data")
        tar.unlink()
    return out / "src"


# ---------------------------------------------------------------------------------------------- servers


@dataclass
class Target:
    store: str
    query: str  # the query endpoint `ksst load` is given
    auth: list[str]  # its credential options
    admin: Client  # for setting up and counting


@contextlib.contextmanager
def oxigraph(folder: Path) -> Iterator[Target]:
    port = free_port()
    binary = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
    proc = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    query = f"http://127.0.0.1:{port}/query"
    try:
        client = Client(endpoints_for(query), timeout=600)
        for _ in range(300):
            try:
                client.probe()
                break
            except RemoteError:
                time.sleep(0.1)
        yield Target("oxigraph", query, [], client)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def virtuoso(folder: Path, *, anonymous: bool = False) -> Iterator[Target]:
    with VirtuosoServer(folder, buffers=340_000, dirty_buffers=250_000, max_query_mem="2G",
                        open_update=anonymous) as v:
        credentials = credentials_for("dba", v.password, "digest")
        client = Client(endpoints_for(v.sparql_auth), credentials=credentials, timeout=600)
        client.probe()
        if anonymous:
            yield Target("virtuoso", v.sparql, [], client)
        else:
            yield Target("virtuoso", v.sparql_auth, ["--user", "dba", "--password", v.password, "--auth", "digest"],
                         client)
    shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------------- runs


@dataclass
class Run:
    store: str
    path: str  # ours, old, old (anonymous /sparql)
    seconds: float
    ok: bool
    read: bool  # a reader counted meanwhile (on 2 cores its queries slow the load down)
    load_avg: float
    error: str = ""
    counts_ok: bool = False
    temporary_left: int = 0
    reader_polls: int = 0
    reader_partial: dict[str, int] = field(default_factory=dict)


def set_old(target: Target, graphs: dict[str, remote.GraphData]) -> int:
    """The targets hold an older version: the asserted graph less its last 1,000 triples."""
    client = target.admin
    client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in remote.target_graphs().values()))
    for name, iri in remote.target_graphs().items():
        body = graphs[name].body
        if name == "asserted":
            body = b"".join(body.splitlines(keepends=True)[:-1000])
        for piece in remote.loader.pieces(remote.GraphData(name, body, body.count(b"\n"), graphs[name].blank_nodes),
                                          remote.loader.CHUNK_LINES):
            client.send_graph("POST", iri, piece.body, bulk=True)
    return client.count(remote.target_graphs()["asserted"])


class Reader(threading.Thread):
    def __init__(self, client: Client, graph: str) -> None:
        super().__init__(daemon=True)
        self.client = Client(client.endpoints, credentials=client.credentials, timeout=600)
        self.graph, self.seen, self.stop = graph, dict[int, int](), threading.Event()

    def run(self) -> None:
        for _ in range(20_000):
            if self.stop.is_set():
                return
            with contextlib.suppress(Exception):
                n = self.client.count(self.graph)
                self.seen[n] = self.seen.get(n, 0) + 1
            time.sleep(0.05)


def one_run(target: Target, path: str, build: Path, graphs: dict[str, remote.GraphData], old_src: Path,
            read: bool = True) -> Run:
    old_count = 0 if path == FIRST else set_old(target, graphs)
    new_count = graphs["asserted"].count
    reader = Reader(target.admin, remote.target_graphs()["asserted"])
    if read:
        reader.start()
        time.sleep(0.5)
    env = dict(os.environ, KSST_ENDPOINT_USER="", KSST_ENDPOINT_PASSWORD="")
    env.pop("KSST_ENDPOINT_USER")
    env.pop("KSST_ENDPOINT_PASSWORD")
    if path.startswith("old"):
        env["PYTHONPATH"] = str(old_src)
    command = [str(BIN / "python"), "-m", "ksst_kg", "load", "--endpoint", target.query, *target.auth,
               "--out", str(build), "--timeout", "900", "-q"]
    log(f"{target.store} {path}: ksst load")
    load_avg = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.monotonic() - started
    time.sleep(0.5)
    reader.stop.set()
    if read:
        reader.join()
    counts = {name: target.admin.count(iri) for name, iri in remote.target_graphs().items()}
    left = target.admin.graphs_under(remote.TEMPORARY)
    run = Run(target.store, path, round(seconds, 2), done.returncode == 0, read, round(load_avg, 1),
              " ".join(done.stderr.split())[-300:],
              counts == {name: g.count for name, g in graphs.items()}, len(left), sum(reader.seen.values()),
              {str(n): c for n, c in reader.seen.items() if n not in (old_count, new_count)})
    log(f"{target.store} {path}: {json.dumps(asdict(run))}")
    return run


def bench(build: Path, stores: list[str], runs: int, old_src: Path, workdir: Path) -> list[Run]:
    graphs = remote.graph_data(build)
    out: list[Run] = []
    plan = [("ours", runs), (FIRST, 1), ("old", 2 if runs > 1 else 1)]
    for store in stores:
        for path, n in plan:
            for i in range(n):
                folder = workdir / f"server-{store}-{path}-{i}"
                shutil.rmtree(folder, ignore_errors=True)
                server = oxigraph(folder) if store == "oxigraph" else virtuoso(folder)
                with server as target:  # the first run with a reader (what it sees), the others timed alone
                    out.append(one_run(target, path, build, graphs, old_src, read=i == 0))
                if store == "virtuoso" and path == "old" and not out[-1].ok:
                    folder = workdir / f"server-{store}-old-anonymous"
                    with virtuoso(folder, anonymous=True) as target:
                        out.append(one_run(target, "old (anonymous /sparql)", build, graphs, old_src, read=True))
    return out


# ----------------------------------------------------------------------------------------------- report


def table(size: str, build: Path, results: list[Run], old_ref: str) -> str:
    graphs = remote.graph_data(build)
    total = sum(g.count for g in graphs.values())
    lines = [f"### Loads into a server at {size} (`python -m bench.load --size {size}`)", "",
             f"{graphs['asserted'].count:,} asserted + {graphs['inferred'].count:,} inferred + "
             f"{graphs['ontology'].count:,} ontology triples ({total:,} in all). Run "
             f"{time.strftime('%Y-%m-%d')} on commit {git_commit()}; {machine().get('cpu', '')}; 1-minute load "
             f"averages at the starts of the loads {min(r.load_avg for r in results):.1f} to "
             f"{max(r.load_avg for r in results):.1f} (other work shared the 2 cores). Each load replaces graphs that "
             f"hold an older version (the asserted graph less 1,000 triples), except the first load's, into a fresh "
             f"server; in the first run of each row a reader "
             f"counts the asserted graph every 50 ms meanwhile (which slows the load on 2 cores), the others are "
             f"timed alone: the wall time is their median.", "",
             "| store | path | wall (median) | runs | counts after | temporary graphs left | reader saw half a graph |",
             "|---|---|---:|---|---|---|---|"]
    for store in dict.fromkeys(r.store for r in results):
        for path in dict.fromkeys(r.path for r in results if r.store == store):
            rs = [r for r in results if r.store == store and r.path == path]
            alone = [r.seconds for r in rs if r.ok and not r.read]
            ok = alone or [r.seconds for r in rs if r.ok]
            wall = f"{statistics.median(ok):.1f} s" if ok else "failed"
            runs = ", ".join((f"{r.seconds:.1f} s" if r.ok else f"failed ({r.error[:160]})")
                             + (" (with the reader)" if r.read else "") for r in rs)
            partial = sum(sum(r.reader_partial.values()) for r in rs if r.read)
            polls = sum(r.reader_polls for r in rs if r.read)
            label = {"ours": "`ksst load` (this commit)", "old": f"`ksst load` of {old_ref}",
                     FIRST: "`ksst load` (this commit), a first load into empty graphs"}.get(
                path, f"`ksst load` of {old_ref} through the anonymous /sparql")
            lines.append(f"| {store} | {label} | {wall} | {runs} | "
                         f"{'as built' if all(r.counts_ok for r in rs if r.ok) and ok else 'WRONG' if ok else '-'} | "
                         f"{sum(r.temporary_left for r in rs)} | {partial} of {polls} reads |")
    met = []
    for store, target in TARGETS_S.items():
        ours = [r.seconds for r in results if r.store == store and r.path == "ours" and r.ok and not r.read] or \
            [r.seconds for r in results if r.store == store and r.path == "ours" and r.ok]
        if ours:
            met.append(f"{store} {statistics.median(ours):.1f} s against {target:.0f} s: "
                       f"{'met' if statistics.median(ours) <= target else 'MISSED'}")
    lines += ["", "Targets (ours, median): " + "; ".join(met) + "." if met else ""]
    return "\n".join(lines).rstrip()


def record(path: Path, size: str, text: str) -> None:
    """Put the table below bench.run's marker line, in place of the one of an earlier run of this size."""
    record_below_kept_line(path, BEGIN.format(size=size), END.format(size=size), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", help="target triples of the generated build: 10k, 100k, 1m")
    parser.add_argument("--build", type=Path, default=None, help="load this build instead of generating one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2, help="runs of our path per store (the old path runs once)")
    parser.add_argument("--stores", default="oxigraph,virtuoso")
    parser.add_argument("--old-ref", default=DEFAULT_OLD_REF)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--record", type=Path, default=None, metavar="RESULTS.md")
    args = parser.parse_args(argv)
    stores = [s for s in args.stores.split(",") if s]
    if "virtuoso" in stores and virtuoso_missing():
        log(f"virtuoso skipped: {virtuoso_missing()}")
        stores.remove("virtuoso")
    args.workdir.mkdir(parents=True, exist_ok=True)
    build = args.build.resolve() if args.build else ensure_build(args.size, args.workdir, args.seed)
    results = bench(build, stores, args.runs, old_package(args.old_ref, args.workdir), args.workdir)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
    text = table(args.size, build, results, args.old_ref)
    print(text)
    if args.record is not None:
        record(args.record, args.size, text)
    return 0 if all(r.ok for r in results if r.path == "ours") else 1


if __name__ == "__main__":
    sys.exit(main())
