"""Run our pipeline and the naive one side by side on generated data, and write bench/RESULTS.md.

    python -m bench.run --sizes 10k,100k,1m [--out bench/RESULTS.md] [--timeout-naive S] [--quick]

Per size: generate the data (bench/generate.py), then each step in a subprocess of its own, so that wall
time and peak memory (the child's ru_maxrss, from os.wait4) are measured per step:

- ours: `ksst build`; the build's stages replayed one by one in one process (load, convert, SHACL, QC,
  inference, exports, store) for where the time goes; a rebuild after one edition record changed; every
  saved query through `ksst query NAME` (wall time, start-up included) and through pyoxigraph on the built
  store (in-process time); a load into a real Oxigraph server (`ksst load`);
- naive (bench/naive.py): rdflib parse of the N-Triples and the Turtle, rdflib serialise, pyshacl over the
  whole graph, owlrl's full OWL RL closure, rdflib's SPARQL engine for each saved query, a load into the
  same kind of server with rdflib and SPARQL Update; each with a time limit.

The size `real` runs the real data/ folder. Raw numbers go to WORKDIR/results.json (sizes of earlier runs
are kept, so sizes can be run separately); RESULTS.md is written from all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
KEEP_MARKER = "<!-- Everything below this line is kept when bench.run rewrites the file. -->"
GRAPH_ASSERTED = "https://w3id.org/ksst-kg/graph/asserted"
GRAPH_INFERRED = "https://w3id.org/ksst-kg/graph/inferred"
GRAPH_ONTOLOGY = "https://w3id.org/ksst-kg/graph/ontology"


# --- measuring one subprocess ----------------------------------------------------------------------------


@dataclass
class Step:
    """Wall time and peak resident memory of one subprocess."""

    cmd: list[str]
    wall_s: float = 0.0
    peak_mb: float = 0.0
    returncode: int | None = None
    timed_out: bool = False
    load_avg: float = 0.0
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def json_lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(line))
        return out

    def last_json(self) -> dict[str, Any]:
        lines = self.json_lines()
        return lines[-1] if lines else {}

    def brief(self) -> dict[str, Any]:
        data = asdict(self)
        data["stdout"] = self.stdout[-4000:]
        data["stderr"] = self.stderr[-2000:]
        return data



def record_below_kept_line(path: Path, begin: str, end: str, text: str) -> None:
    """Put `text` between the `begin` and `end` lines below RESULTS.md's kept line, in place of the block an
    earlier run wrote there (bench.site and bench.load keep their tables there, which bench.run leaves alone)."""
    current = path.read_text(encoding="utf-8")
    if KEEP_MARKER not in current:
        raise SystemExit(f"{path} has no line {KEEP_MARKER!r}")
    block = f"{begin}\n{text}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current)
    else:
        head, _, tail = current.partition(KEEP_MARKER)
        updated = f"{head}{KEEP_MARKER}\n\n{block}\n{tail}"
    path.write_text(updated, encoding="utf-8")

def measure(cmd: list[str], timeout: float | None = None, cwd: Path | None = None) -> Step:
    """Run `cmd`; wall time, and peak RSS of the child from os.wait4 (its own, not the maximum of all
    children so far as RUSAGE_CHILDREN would give). On timeout the whole process group is killed."""
    step = Step(cmd=[str(c) for c in cmd], load_avg=os.getloadavg()[0])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(step.cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd,
                                start_new_session=True)
        status, usage = 0, None
        tree_peak, next_sample = 0.0, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() >= next_sample:  # worker processes: ru_maxrss gives only the largest one
                tree_peak = max(tree_peak, _group_rss_mb(proc.pid))
                next_sample = time.perf_counter() + 0.2
            if timeout is not None and time.perf_counter() - t0 > timeout:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                step.timed_out = True
                break
            time.sleep(0.01)
        step.wall_s = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        step.returncode = proc.returncode
        step.peak_mb = max(usage.ru_maxrss / 1024 if usage else 0.0, tree_peak)
        out.seek(0)
        err.seek(0)
        step.stdout = out.read().decode("utf-8", "replace")
        step.stderr = err.read().decode("utf-8", "replace")
    return step


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group (a step and its workers), in MB."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group
            total += int(fields[21])  # field 24: rss in pages
    return total * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the build's stages, replayed (a child process: `python -m bench.run --stages DATA OUT`) ------------


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    cur = peak = 0.0
    with contextlib.suppress(OSError), open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cur, peak


def replay_stages(data: Path, out: Path) -> None:
    """What `ksst build` does, one stage at a time (with the cyclic GC paused, as in the build), printing a
    JSON line per stage as it ends."""
    from ksst_kg.core.gcpause import paused_gc

    with paused_gc():
        _replay_stages(data, out)


def _replay_stages(data: Path, out: Path) -> None:
    t_start = time.perf_counter()

    def report(stage: str, t0: float, **extra: Any) -> float:
        now = time.perf_counter()
        cur, peak = _rss_mb()
        print(json.dumps({"stage": stage, "s": now - t0, "rss_mb": cur, "peak_mb": peak, **extra}), flush=True)
        return time.perf_counter()

    t = time.perf_counter()
    from pyoxigraph import RdfFormat

    from ksst_kg.convert import convert
    from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
    from ksst_kg.core.resources import ontology_files, ontology_triples
    from ksst_kg.export import StoreWriter, jsonld_bytes, ntriples_bytes, sorted_triples, turtle_bytes, write_ntriples
    from ksst_kg.infer import entailed
    from ksst_kg.pipeline.outputs import origins_of
    from ksst_kg.records import load_dataset
    from ksst_kg.validate import graph_violations, qc_violations

    t = report("import", t)
    ds = load_dataset(data)
    t = report("load records (YAML + pydantic + references)", t, editions=len(ds.editions))
    chunks = convert(ds)
    origins = origins_of(chunks)
    t = report("convert (records to triples)", t)
    asserted = sorted_triples(x for chunk in chunks for x in chunk.triples)
    onto = ontology_triples()
    t = report("sort triples + read ontology", t, triples=len(asserted))
    del chunks
    violations = graph_violations(asserted, onto, origins, in_subject_order=True)
    t = report("SHACL (compiled shapes)", t, violations=len(violations))
    with StoreWriter(out / "store") as store:  # the build overlaps this with SHACL; here it is timed alone
        write_ntriples(asserted, out / "ksst.nt")
        store.load(GRAPH_ASSERTED, out / "ksst.nt")
        for path in ontology_files():
            store.load(GRAPH_ONTOLOGY, path, RdfFormat.TURTLE)
        store.ready()
        t = report("embedded store (asserted + ontology, N-Triples bulk load)", t)
        qc = qc_violations(store.ready(), origins)
        t = report("QC queries (on the store)", t, violations=len(qc))
        inferred = sorted_triples(entailed(asserted, onto))
        t = report("inference", t, triples=len(inferred))
        write_ntriples(inferred, out / "inferred.nt")
        store.load(GRAPH_INFERRED, out / "inferred.nt")
        store.finish()
    t = report("store: inferred graph, flush, optimise", t)
    for name, writer in (("Turtle", turtle_bytes), ("N-Triples", ntriples_bytes), ("JSON-LD", jsonld_bytes)):
        size = 0
        for part in (asserted, inferred):
            data_bytes = writer(part)
            (out / f"export.{name}").write_bytes(data_bytes)
            size += len(data_bytes)
            del data_bytes
        t = report(f"export {name} (asserted + inferred)", t, bytes=size)
    report("total", t_start)


# --- saved queries, in-process on the built store (`python -m bench.run --direct-queries BUILD`) --------


def runnable_queries() -> list[tuple[str, str, dict[str, str]]]:
    from bench.naive import saved_queries

    return saved_queries()


def direct_queries(build: Path, repeat: int, names: list[str] | None = None) -> None:
    """Each query `repeat` times (once if its first run takes over 10 s); one JSON line per query.

    Run as `ksst query` runs it (`ksst_kg.query.evaluate`), without the start-up and the printing.
    """
    from pyoxigraph import QuerySolutions, Store

    from ksst_kg.query import evaluate

    store = Store.read_only(str(build / "store"))
    graphs = (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY)
    for name, text, _ in runnable_queries():
        if names and name not in names:
            continue
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            answer = evaluate(store, text, None, graphs)
            rows = sum(1 for _ in answer) if isinstance(answer, QuerySolutions) else 1
            times.append(time.perf_counter() - t0)
            if times[0] > 10:
                break
        print(json.dumps({"query": name, "first_s": times[0], "median_s": statistics.median(times), "rows": rows,
                          "runs": len(times)}), flush=True)


def put_graphs(endpoint: str, build: Path) -> None:
    """Fallback loader when `ksst load` is missing: one Graph Store Protocol PUT per graph."""
    for name, graph in (("ksst.nt", GRAPH_ASSERTED), ("inferred.nt", GRAPH_INFERRED)):
        url = f"{endpoint.rstrip('/')}/store?graph={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(url, data=(build / name).read_bytes(), method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()


# --- an Oxigraph server ----------------------------------------------------------------------------------


def oxigraph_binary() -> str | None:
    candidate = BIN / "oxigraph"
    return str(candidate) if candidate.is_file() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def oxigraph_server(location: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("no `oxigraph` server binary (pip install oxigraph)")
    shutil.rmtree(location, ignore_errors=True)
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2) as response:
                    response.read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("the Oxigraph server did not start") from None
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(location, ignore_errors=True)


def server_peak_mb(proc: subprocess.Popen[bytes]) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{proc.pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def count_in_server(base: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = urllib.request.Request(f"{base}/query?query={urllib.parse.quote(query)}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        data = json.loads(response.read())
    return int(data["results"]["bindings"][0]["n"]["value"])


# --- one size --------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: str
    when: str = ""
    commit: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def ksst_help(command: str) -> str:
    proc = subprocess.run([str(BIN / "ksst"), command, "--help"], capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else ""


def ksst_has(command: str) -> bool:
    return bool(ksst_help(command))


def build_timings(step: dict[str, Any] | None) -> dict[str, float]:
    """The stage times `ksst build --timings` prints (`timings (s): load 0.03, convert 0.08, ...`)."""
    m = re.search(r"timings \(s\): (.*)", (step or {}).get("stdout", ""))
    if not m:
        return {}
    out = {}
    for part in m.group(1).split(","):
        name, _, value = part.strip().rpartition(" ")
        with contextlib.suppress(ValueError):
            out[name] = float(value)
    return out


def edit_one_edition(data: Path) -> Path:
    """Change one edition record the way a curator would (one more note); return its path."""
    import yaml

    files = sorted((data / "editions").glob("*.yaml"))
    path = files[len(files) // 2]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    notes = record.get("notes") or []
    record["notes"] = [*(notes if isinstance(notes, list) else [notes]), "Benchmark edit: one more note."]
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    return path


def run_size(size: str, args: argparse.Namespace) -> SizeResult:
    from bench.generate import generate, parse_size

    work: Path = args.workdir
    res = SizeResult(size=size, when=dt.datetime.now().isoformat(timespec="seconds"), commit=git_commit())
    data = work / f"data-{size}"
    build = work / f"build-{size}"
    t0 = time.perf_counter()
    if size == "real":
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(ROOT / "data", data)
        res.data = {"source": "data/ (the real records)"}
    else:
        res.data = generate(data, parse_size(size), args.seed)
    res.data["generate_s"] = time.perf_counter() - t0
    log(f"{size}: data in {data} ({res.data['generate_s']:.1f} s)")
    ksst = str(BIN / "ksst")
    naive_t = args.timeout_naive

    def run(key: str, cmd: list[str], timeout: float | None = None) -> Step:
        log(f"{size}: {key} ...")
        step = measure(cmd, timeout=timeout, cwd=ROOT)
        res.steps[key] = step.brief()
        state = "timed out" if step.timed_out else "ok" if step.ok else f"FAILED ({step.returncode})"
        log(f"{size}: {key}: {step.wall_s:.2f} s, {step.peak_mb:.0f} MB, {state}")
        if not step.ok and not step.timed_out:
            log(step.stderr[-1500:])
        return step

    shutil.rmtree(build, ignore_errors=True)
    timings = ["--timings"] if "--timings" in ksst_help("build") else []
    if args.no_infer_build:
        res.notes.append("`--no-infer-build`: `ksst build --no-infer` was timed (OWL RL inference cannot finish at "
                         "this size); the stage table shows how far inference got within the time limit.")
        built = run("ours/build-no-infer", [ksst, "build", "--no-infer", *timings, "--data", str(data), "--out",
                                            str(build)], args.timeout_ours)
    else:
        built = run("ours/build", [ksst, "build", *timings, "--data", str(data), "--out", str(build)],
                    args.timeout_ours)
    if built.ok:
        m = re.search(r"(\d+) asserted \+ (\d+) inferred", built.stdout)
        if m:
            res.data["asserted_triples"], res.data["inferred_triples"] = int(m.group(1)), int(m.group(2))
    else:
        res.notes.append("`ksst build` did not finish" + (" within the time limit" if built.timed_out else "")
                         + "; steps that need its output were skipped.")
    if not args.no_stages:
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            stages = run("ours/stages", [PY, "-m", "bench.run", "--stages", str(data), tmp], args.timeout_ours)
            res.stages = [x for x in stages.json_lines() if "stage" in x]
    if not built.ok and built.timed_out and not args.no_fallback and not args.no_infer_build:
        res.notes.append("`ksst build` hit its time limit; the queries, the server load and the naive steps ran on "
                         "`ksst build --no-infer` instead (no inferred graph).")
        shutil.rmtree(build, ignore_errors=True)
        built = run("ours/build-no-infer", [ksst, "build", "--no-infer", "--data", str(data), "--out", str(build)],
                    args.timeout_ours)
        m = re.search(r"(\d+) asserted", built.stdout)
        if m:
            res.data["asserted_triples"] = int(m.group(1))
    if not built.ok:
        return res
    if not args.no_rebuild:
        edited = edit_one_edition(data)
        res.data["edited_record"] = edited.name
        extra = ["--no-infer"] if "ours/build-no-infer" in res.steps else []
        run("ours/rebuild", [ksst, "build", *extra, *timings, "--data", str(data), "--out", str(build)],
            args.timeout_ours)

    queries = runnable_queries()
    res.data["queries"] = [q[0] for q in queries]
    for name, _, values in queries:
        params = [x for k, v in values.items() for x in ("--param", f"{k}={v}")]
        run(f"ours/cli-query/{name}", [ksst, "query", name, "--out", str(build), "--format", "csv", *params],
            args.timeout_query)
    for name, _, _ in queries:
        direct = run(f"ours/direct-query/{name}", [PY, "-m", "bench.run", "--direct-queries", str(build),
                                                   "--query", name, "--repeat", str(1 if args.quick else 3)],
                     args.timeout_query)
        for line in direct.json_lines():
            res.queries.setdefault(line["query"], {})["ours"] = line
        if direct.timed_out:
            res.queries.setdefault(name, {})["ours"] = {"query": name, "median_s": direct.wall_s, "timed_out": True}

    if not args.no_server and oxigraph_binary():
        loader = [ksst, "load", "--out", str(build), "-q", "--endpoint"] if ksst_has("load") else None
        for who in ("ours", "naive"):
            if who == "naive" and args.skip_naive:
                continue
            try:
                with oxigraph_server(work / f"oxigraph-{size}-{who}") as (base, server):
                    if who == "ours":
                        cmd = [*loader, f"{base}/query"] if loader else [PY, "-m", "bench.run", "--put", base,
                                                                          str(build)]
                        step = run("ours/server-load", cmd, args.timeout_ours)
                    else:
                        step = run("naive/server-load", [PY, "-m", "bench.naive", "load", "--build", str(build),
                                                         "--endpoint", f"{base}/update"], naive_t)
                    res.steps[f"{who}/server-load"]["server_peak_mb"] = server_peak_mb(server)
                    res.steps[f"{who}/server-load"]["server_triples"] = count_in_server(base) if step.ok else None
            except (RuntimeError, OSError) as exc:
                res.notes.append(f"{who} server load: {exc}")
    elif not args.no_server:
        res.notes.append("no `oxigraph` binary: server loads skipped")

    if args.skip_naive:
        return res
    nv = [PY, "-m", "bench.naive"]
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        run("naive/parse-nt", [*nv, "parse", "--build", str(build), "--format", "nt"], naive_t)
        if not args.quick:
            run("naive/parse-ttl", [*nv, "parse", "--build", str(build), "--format", "ttl", "--scratch", scratch],
                naive_t)
        run("naive/serialise", [*nv, "serialise", "--build", str(build), "--scratch", scratch], naive_t)
    run("naive/shacl", [*nv, "shacl", "--build", str(build)], naive_t)
    if args.shacl_rdfs:
        run("naive/shacl-rdfs", [*nv, "shacl", "--build", str(build), "--inference", "rdfs"], naive_t)
    run("naive/owlrl", [*nv, "owlrl", "--build", str(build)], naive_t)
    q = run("naive/queries", [*nv, "query", "--build", str(build), "--query-timeout", str(args.timeout_query)],
            naive_t + 60)
    for line in q.json_lines():
        if "partial" in line:
            res.queries.setdefault(line["partial"], {})["naive"] = line
    return res


def git_commit() -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True,
                           check=False)
    return proc.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


# --- the machine -----------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libs = []
    for name in ("rdflib", "pyshacl", "owlrl", "pyoxigraph", "oxigraph", "pydantic", "PyYAML", "click"):
        try:
            libs.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return {"cpu": cpu, "cores": str(cores), "memory": mem, "os": f"{platform.system()} {platform.release()}",
            "python": f"{platform.python_implementation()} {platform.python_version()}", "libraries": ", ".join(libs)}


# --- the report ------------------------------------------------------------------------------------------


def _s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f} s" if x < 1 else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _mb(x: float | None) -> str:
    return "—" if not x else f"{x:,.0f} MB"


def _ratio(naive: float | None, ours: float | None, naive_timed_out: bool = False) -> str:
    if naive is None or not ours:
        return "—"
    return f"{'> ' if naive_timed_out else ''}{naive / ours:.1f}x"


def _step(res: dict[str, Any], key: str) -> dict[str, Any] | None:
    return res["steps"].get(key)


def _wall(step: dict[str, Any] | None) -> tuple[float | None, bool]:
    """Wall time of a step; a failed one counts as unknown, a timed-out one as at least its limit."""
    if step is None or (step["returncode"] != 0 and not step["timed_out"]):
        return None, False
    return step["wall_s"], step["timed_out"]


def _naive_work(step: dict[str, Any] | None) -> tuple[float | None, bool]:
    """In-process time of a naive step (its parse plus its own work), or its wall time if it timed out."""
    if step is None:
        return None, False
    if step["timed_out"]:
        return step["wall_s"], True
    if step["returncode"] != 0:
        return None, False
    lines = [json.loads(x) for x in step["stdout"].splitlines() if x.startswith("{")]
    last = lines[-1] if lines else {}
    return last.get("parse_s", 0.0) + last.get("work_s", 0.0), False


def _naive_only_work(step: dict[str, Any] | None) -> tuple[float | None, bool]:
    if step is None:
        return None, False
    if step["timed_out"]:
        return step["wall_s"], True
    lines = [json.loads(x) for x in step["stdout"].splitlines() if x.startswith("{")]
    last = lines[-1] if lines else {}
    return (last.get("work_s") if step["returncode"] == 0 else None), False


def _stage(res: dict[str, Any], prefix: str) -> tuple[float | None, float | None]:
    hits = [x for x in res["stages"] if x["stage"].startswith(prefix)]
    if not hits:
        return None, None
    return sum(x["s"] for x in hits), max(x["peak_mb"] for x in hits)


def size_table(res: dict[str, Any]) -> list[str]:
    d = res["data"]
    head = f"### {res['size']}"
    facts = []
    if "asserted_triples" in d:
        facts.append(f"{d['asserted_triples']:,} asserted + {d.get('inferred_triples', 0):,} inferred triples")
    if "editions" in d:
        facts.append(f"{d['editions']} editions, {d.get('programmes', '?')} programmes, {d.get('people', '?')} people, "
                     f"{d.get('sources', '?')} sources")
    busy = max((s.get("load_avg", 0.0) for s in res["steps"].values()), default=0.0)
    lines = [head, "", f"{'; '.join(facts) or d.get('source', '')}. Run {res['when']} on commit {res['commit']}; "
             f"highest 1-minute load average at the start of a step: {busy:.1f}.", ""]
    lines += ["| step | ours | ours peak | naive | naive peak | naive/ours |", "|---|---:|---:|---:|---:|---:|"]

    def row(label: str, ours: float | None, ours_mb: float | None, naive: float | None = None,
            naive_mb: float | None = None, timed_out: bool = False, ours_timed_out: bool = False,
            naive_text: str | None = None) -> None:
        o = ("> " if ours_timed_out else "") + _s(ours)
        n = ("> " if timed_out else "") + _s(naive) if naive is not None else "—"
        ratio = _ratio(naive, ours, timed_out) if not ours_timed_out else "—"
        if naive_text:
            n, ratio = naive_text, "—"
        lines.append(f"| {label} | {o} | {_mb(ours_mb)} | {n} | {_mb(naive_mb)} | {ratio} |")

    build = _step(res, "ours/build")
    no_infer = _step(res, "ours/build-no-infer")
    naive_steps = {k: _step(res, f"naive/{k}") for k in ("parse-nt", "shacl", "owlrl", "serialise")}
    parse_nt, _ = _naive_work(naive_steps["parse-nt"])
    shacl_w, shacl_to = _naive_only_work(naive_steps["shacl"])
    owl_w, owl_to = _naive_only_work(naive_steps["owlrl"])
    ser_w, ser_to = _naive_only_work(naive_steps["serialise"])
    naive_total = None
    if None not in (parse_nt, shacl_w, owl_w, ser_w):
        naive_total = parse_nt + shacl_w + owl_w + ser_w  # type: ignore[operator]
    naive_peak = max((s["peak_mb"] for s in naive_steps.values() if s), default=None)
    bw, bto = _wall(build)
    row("**full build** (`ksst build` / naive: parse + pyshacl + owlrl + serialise)", bw,
        build["peak_mb"] if build else None, naive_total, naive_peak, shacl_to or owl_to or ser_to, bto)
    if no_infer:
        nw, nto = _wall(no_infer)
        row("build without inference (`ksst build --no-infer`; naive: parse + pyshacl + serialise)", nw,
            no_infer["peak_mb"], None if None in (parse_nt, shacl_w, ser_w) else parse_nt + shacl_w + ser_w,
            naive_peak, shacl_to or ser_to, nto)
    rebuild = _step(res, "ours/rebuild")
    if rebuild:
        rw, rto = _wall(rebuild)
        row("rebuild after one edition record changed (naive: a full build again)", rw, rebuild["peak_mb"],
            naive_total, naive_peak, shacl_to or owl_to or ser_to, rto)
    stage_rows = [
        ("load records + convert / naive: rdflib parse N-Triples", ("load records", "convert", "sort triples"),
         "parse-nt", _naive_work),
        ("validate: SHACL + QC / naive: pyshacl, whole graph", ("SHACL", "QC"), "shacl",
         _naive_only_work),
        ("inference / naive: owlrl full OWL RL closure", ("inference",), "owlrl", _naive_only_work),
        ("exports ttl + nt + jsonld / naive: rdflib serialise", ("export",), "serialise", _naive_only_work),
        ("embedded store / naive: -", ("embedded store", "store:"), None, None),
    ]
    for label, prefixes, naive_key, how in stage_rows:
        secs, peaks = [], []
        for p in prefixes:
            s, pk = _stage(res, p)
            if s is not None:
                secs.append(s)
                peaks.append(pk or 0)
        nstep = _step(res, f"naive/{naive_key}") if naive_key else None
        nval, nto = how(nstep) if how and nstep else (None, False)
        row(label, sum(secs) if secs else None, max(peaks) if peaks else None, nval,
            nstep["peak_mb"] if nstep else None, nto)
    ttl = _step(res, "naive/parse-ttl")
    if ttl:
        v, to = _naive_work(ttl)
        row("naive: rdflib parse Turtle (for reference)", None, None, v, ttl["peak_mb"], to)
    nq = _step(res, "naive/queries")
    for name in res["data"].get("queries", []):
        direct = _step(res, f"ours/direct-query/{name}") or _step(res, "ours/direct-queries")
        q = res["queries"].get(name, {})
        ours = q.get("ours", {}).get("median_s")
        o_to = bool(q.get("ours", {}).get("timed_out"))
        naive = q.get("naive", {}).get("s")
        n_to = bool(q.get("naive", {}).get("timed_out")) or bool(nq and nq["timed_out"] and naive is None)
        text = "rdflib error" if q.get("naive", {}).get("error") else "not run" if naive is None and not n_to else None
        row(f"query `{name}`: pyoxigraph on the store / naive: rdflib SPARQL (in-process)", ours,
            direct["peak_mb"] if direct else None, naive if naive is not None else nq["wall_s"] if nq else None,
            nq["peak_mb"] if nq else None, n_to, o_to, text)
        cli = _step(res, f"ours/cli-query/{name}")
        if cli:
            cw, cto = _wall(cli)
            row(f"`ksst query {name}` (wall, start-up included)", cw, cli["peak_mb"], ours_timed_out=cto)
    load = _step(res, "ours/server-load")
    nload = _step(res, "naive/server-load")
    if load:
        lw, lto = _wall(load)
        nw, nto = _wall(nload)
        row("load into an Oxigraph server (`ksst load` / naive: rdflib + INSERT DATA)", lw,
            load.get("server_peak_mb"), nw, nload.get("server_peak_mb") if nload else None, nto, lto)
    lines.append("")
    for key, label in (("ours/build", "clean build"), ("ours/build-no-infer", "clean build, --no-infer"),
                       ("ours/rebuild", "rebuild after one edit")):
        stamps = build_timings(_step(res, key))
        if stamps:
            lines.append(f"`ksst build --timings`, {label}: " + ", ".join(f"{k} {_s(v)}" for k, v in stamps.items())
                         + ".")
            lines.append("")
    if res["stages"]:
        lines += ["Where our build's time goes: the stages replayed one by one in one process; peak is this "
                  "process's peak so far:", "",
                  "| stage | time | RSS after | peak so far |", "|---|---:|---:|---:|"]
        for x in res["stages"]:
            lines.append(f"| {x['stage']} | {_s(x['s'])} | {_mb(x['rss_mb'])} | {_mb(x['peak_mb'])} |")
        lines.append("")
    for note in res["notes"]:
        lines.append(f"- {note}")
    failed = [k for k, s in res["steps"].items() if s["returncode"] not in (0, None) and not s["timed_out"]]
    if failed:
        lines.append(f"- failed steps: {', '.join(failed)} (see results.json)")
    if res["notes"] or failed:
        lines.append("")
    return lines


def _largest(results: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    from bench.generate import parse_size

    synthetic = [r for k, r in results.items() if k != "real"]
    return max(synthetic, key=lambda r: parse_size(r["size"]), default=None)


def targets(results: dict[str, dict[str, Any]]) -> list[str]:
    """The issue's targets, checked against the numbers (at 1M when measured, else at the largest size)."""
    out = ["## Targets", ""]
    big = _largest(results)
    if big is None:
        return [*out, "No synthetic size was run.", ""]
    at = big["size"]
    scale = "" if at.lower() == "1m" else f" (1M not measured: shown at {at}, which is no proof for 1M)"
    out += [f"Checked at {at}{scale}.", "", "| target | measured | met |", "|---|---|---|"]

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else "yes" if ok else "**no**"

    build = big["steps"].get("ours/build")
    bw, bto = _wall(build)
    lines_tbl = size_table(big)
    naive_cell = next((x for x in lines_tbl if x.startswith("| **full build**")), "")
    ratio = naive_cell.split("|")[-2].strip() if naive_cell else "—"
    m = re.search(r"([0-9.]+)x", ratio)
    ok = None if bw is None and not bto else (not bto and bw <= 60 and build["peak_mb"] <= 2048 and m is not None
                                             and float(m.group(1)) >= 4)
    stages_step = big["steps"].get("ours/stages")
    inf, _ = _stage(big, "inference")
    inf = build_timings(build).get("infer", inf)
    inf_text = _s(inf)
    if inf is None and stages_step and stages_step["timed_out"]:
        before = sum(x["s"] for x in big["stages"])
        inf_text = f"> {_s(stages_step['wall_s'] - before)} (time limit)"
    if bto:
        measured = f"> {_s(bw)} (time limit)"
    elif build is None:
        before = sum(x["s"] for x in big["stages"] if not x["stage"].startswith(("inference", "total")))
        measured = (f"not run to the end: the stages before inference take {_s(before)}, inference "
                    f"{inf_text}" if big["stages"] else "not measured")
        ok = False if inf is None and big["stages"] else None
    else:
        measured = f"{_s(bw)}, {_mb(build['peak_mb'])}, naive/ours {ratio}"
    out.append(f"| full `ksst build` <= 60 s, <= 2 GB, >= 4x faster than naive | {measured} | {verdict(ok)} |")
    out.append(f"| inference <= 15 s (same entailments as owlrl: a test, not measured here) | {inf_text} | "
               f"{verdict(None if inf is None and not inf_text.startswith('>') else inf is not None and inf <= 15)} |")
    qs = [(n, q.get("ours", {}).get("median_s"), None if q.get("naive", {}).get("error") else
           q.get("naive", {}).get("s")) for n, q in big["queries"].items()]
    if qs:
        worst = max((q[1] or 0) for q in qs)
        timed_out = {n for n, q in big["queries"].items() if q.get("ours", {}).get("timed_out")}
        ratios = [q[2] / q[1] for q in qs if q[1] and q[2] and q[0] not in timed_out]
        ok = worst <= 1 and bool(ratios) and min(ratios) >= 20
        smallest = f"; smallest ratio {min(ratios):.1f}x" if ratios else ""
        out.append(f"| every saved query <= 1 s and >= 20x faster than rdflib | slowest {_s(worst)}{smallest} | "
                   f"{verdict(ok)} |")
    rebuild = big["steps"].get("ours/rebuild")
    rw, rto = _wall(rebuild)
    out.append(f"| rebuild after one record changed <= 5 s (identical to a clean build: a test) | "
               f"{'> ' if rto else ''}{_s(rw)} | {verdict(None if rw is None else (not rto and rw <= 5))} |")
    real = results.get("real")
    if real:
        rb, _ = _wall(real["steps"].get("ours/build"))
        cli = [(_wall(s)[0], k) for k, s in real["steps"].items() if k.startswith("ours/cli-query/")]
        slow = max((c[0] or 0 for c in cli), default=None)
        out.append(f"| real data: `ksst build` <= 2 s | {_s(rb)} | {verdict(None if rb is None else rb <= 2)} |")
        out.append(f"| real data: `ksst query NAME` <= 0.3 s, start-up included | slowest {_s(slow)} | "
                   f"{verdict(None if slow is None else slow <= 0.3)} |")
    else:
        out.append("| real data: `ksst build` <= 2 s, `ksst query` <= 0.3 s | not run (`--sizes real`) | — |")
    out.append("")
    return out


def write_report(results: dict[str, dict[str, Any]], path: Path, argv: list[str]) -> None:
    from bench.generate import parse_size

    order = sorted(results, key=lambda k: -1 if k == "real" else parse_size(k))
    info = machine()
    lines = [
        "# Benchmark: our pipeline against the naive one",
        "",
        "Written by `python -m bench.run` (see bench/README.md); the last run was "
        f"`python -m bench.run {' '.join(argv)}`. Each step ran in a subprocess of its own: wall time is the "
        "subprocess's (start-up included), peak is its maximum resident memory (ru_maxrss). Naive steps list "
        "their in-process time (rdflib parse plus the step's own work for parse; the work alone for the "
        "others), so that the naive full build is one parse plus pyshacl plus owlrl plus serialise. "
        "Query rows give pyoxigraph's median of 3 runs against rdflib's one run. `>` marks a time limit.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores available",
        f"- memory: {info['memory']}",
        f"- {info['os']}, {info['python']}",
        f"- {info['libraries']}",
        "",
        *targets(results),
        "## Results per size",
        "",
    ]
    for key in order:
        lines += size_table(results[key])
    kept = ""
    if path.is_file():
        old = path.read_text(encoding="utf-8")
        if KEEP_MARKER in old:
            kept = old.split(KEEP_MARKER, 1)[1]
    text = "\n".join(lines).rstrip() + "\n\n" + KEEP_MARKER + (kept or "\n")
    path.write_text(text, encoding="utf-8")


# --- command line ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k", help="comma-separated: real, 10k, 100k, 1m or a number")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md", help="report to write")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out",
                        help="generated data, builds and results.json")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default: bench.generate's)")
    parser.add_argument("--timeout-naive", type=float, default=900.0, help="time limit of each naive step (s)")
    parser.add_argument("--timeout-ours", type=float, default=1800.0, help="time limit of each of our steps (s)")
    parser.add_argument("--timeout-query", type=float, default=300.0, help="time limit of each naive query (s)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: short time limits, one run per query, no Turtle parse")
    parser.add_argument("--skip-naive", action="store_true", help="run only our pipeline")
    parser.add_argument("--keep-naive", action="store_true",
                        help="with --skip-naive: keep the naive numbers of the last run of each size")
    parser.add_argument("--shacl-rdfs", action="store_true", help="also run pyshacl with RDFS inference")
    parser.add_argument("--no-stages", action="store_true", help="do not replay the build's stages")
    parser.add_argument("--no-rebuild", action="store_true", help="do not time a rebuild after one edit")
    parser.add_argument("--no-server", action="store_true", help="do not load an Oxigraph server")
    parser.add_argument("--no-infer-build", action="store_true",
                        help="time `ksst build --no-infer` instead of the full build (for sizes owlrl cannot do)")
    parser.add_argument("--no-fallback", action="store_true",
                        help="if `ksst build` hits its time limit, stop there (default: go on with --no-infer)")
    parser.add_argument("--fresh", action="store_true", help="forget the results of earlier runs")
    parser.add_argument("--report-only", action="store_true", help="only rewrite --out from WORKDIR/results.json")
    # internal modes, used by the steps themselves
    parser.add_argument("--stages", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--direct-queries", metavar="BUILD", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--query", action="append", help=argparse.SUPPRESS)
    parser.add_argument("--put", nargs=2, metavar=("BASE", "BUILD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        replay_stages(Path(args.stages[0]), Path(args.stages[1]))
        return 0
    if args.direct_queries:
        direct_queries(Path(args.direct_queries), args.repeat, args.query)
        return 0
    if args.put:
        put_graphs(args.put[0], Path(args.put[1]))
        return 0
    from bench.generate import DEFAULT_SEED, parse_size

    args.seed = DEFAULT_SEED if args.seed is None else args.seed
    if args.quick:
        args.timeout_naive = min(args.timeout_naive, 120.0)
        args.timeout_ours = min(args.timeout_ours, 300.0)
        args.timeout_query = min(args.timeout_query, 20.0)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s != "real":
            parse_size(s)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = args.workdir / "results.json"
    results: dict[str, dict[str, Any]] = {}
    if store.is_file() and not args.fresh:
        results = json.loads(store.read_text(encoding="utf-8"))
    if args.report_only:
        write_report(results, args.out, argv)
        print(f"{args.out} written from {store}")
        return 0
    for size in sizes:
        res = run_size(size, args)
        old = results.get(size)
        if args.keep_naive and old:
            for key, step in old["steps"].items():
                if key.startswith("naive/"):
                    res.steps.setdefault(key, step)
            for name, q in old["queries"].items():
                if "naive" in q:
                    res.queries.setdefault(name, {}).setdefault("naive", q["naive"])
            res.notes.append(f"Naive steps kept from the run of {old['when']} (they do not depend on our code).")
        results[size] = asdict(res)
        store.write_text(json.dumps(results, indent=1), encoding="utf-8")
        write_report(results, args.out, argv)
        log(f"{size}: done; report in {args.out}")
    print("\n".join(size_table(results[sizes[-1]])) if sizes else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
