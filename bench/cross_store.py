"""Every saved query on a large build: the embedded store against an Oxigraph server and Virtuoso, rows in order.

    python -m bench.cross_store --size 1m                        # generate and build 1M triples (or reuse), then run
    python -m bench.cross_store --size 1m --build DIR --record bench/RESULTS.md --json out.json
    python -m bench.cross_store --size 4k --stores oxigraph      # what tests/test_bench_smoke.py runs

tests/test_cross_store.py checks on the small test data that every store gives the same rows in the same order;
differences that only show on a large graph (ties in an ORDER BY, the order of GROUP_CONCAT items, a store's
limits or bugs) need a large build. Each saved query runs once, with its header's default parameters, on the
build's embedded store, then on a fresh Oxigraph server and a fresh private Virtuoso (bench/load.py), each
loaded with the real `ksst load` in a subprocess, one store at a time (the machine has two cores). Each answer
has a time limit. Rows are compared as the cross-store test compares them; the exit status is 1 if any query
failed or differs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ksst_kg
from bench.load import Target, ensure_build, log, oxigraph, virtuoso
from bench.run import BIN, ROOT, git_commit, machine, record_below_kept_line
from ksst_kg import remote
from ksst_kg.core.errors import KsstError
from ksst_kg.query import SavedQuery, load_queries, queries_dir
from ksst_kg.query.saved import Term
from tests.compare import Row, rows
from tests.virtuoso import virtuoso_missing

STORES = ("oxigraph", "virtuoso")
LIMIT_S = 300.0  # one answer's time limit, on every store
LOAD_TIMEOUT_S = 900.0  # `ksst load --timeout`: one request of the load
BEGIN = "<!-- bench.cross_store {size}: begin -->"
END = "<!-- bench.cross_store {size}: end -->"

Ask = Callable[[str, Mapping[str, Term]], ksst_kg.Result]


# ------------------------------------------------------------------------------------------- the queries


@dataclass
class Case:
    name: str
    query: SavedQuery
    params: dict[str, str]


def cases() -> list[Case]:
    """Every saved query with its header's examples, passed explicitly: `bindings({})` does not fill them in
    (a required parameter left out is an error), as in tests/test_cross_store.py."""
    return [Case(name, q, q.examples)
            for name, q in sorted(load_queries().items())]


@dataclass
class Answer:
    """One query on one store: its rows (kept in memory for the comparison, not written out) or its error."""

    seconds: float
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    error: str = ""


def run(case: Case, ask: Ask) -> Answer:
    started = time.monotonic()
    try:
        result = ask(case.query.text, case.query.bindings(case.params))
    except (KsstError, OSError) as exc:  # a limit, a refusal or a store's error is a result of the run
        return Answer(round(time.monotonic() - started, 3), error=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    return Answer(round(time.monotonic() - started, 3), list(result.variables), rows(result))


def run_all(store: str, todo: list[Case], ask: Ask) -> dict[str, Answer]:
    out = {}
    for case in todo:
        answer = out[case.name] = run(case, ask)
        log(f"{store} {case.name}: {answer.seconds:.2f} s, "
            + (f"error {answer.error[:200]}" if answer.error else f"{len(answer.rows)} rows"))
    return out


# ------------------------------------------------------------------------------------------- comparing


@dataclass
class Difference:
    """How a store's answer differs from the embedded one (empty: it does not)."""

    same: bool
    error: str = ""
    variables: bool = True  # the same variables, in the same order
    row_counts: tuple[int, int] = (0, 0)  # embedded, server
    first_row: int | None = None  # index of the first row that differs (or is on one side only)
    columns: list[str] = field(default_factory=list)  # variables with a differing cell among the paired rows
    reordered: bool = False  # the same rows, each as often, in another order
    example: dict[str, list[str] | None] = field(default_factory=dict)  # the first differing row, embedded and server


def compare(expected: Answer, got: Answer) -> Difference:
    """Same rows in the same order, cell for cell (and the same variables), as the cross-store test asserts."""
    if expected.error or got.error:
        which = "embedded" if expected.error else "server"
        return Difference(False, error=f"{which}: {expected.error or got.error}")
    counts = (len(expected.rows), len(got.rows))
    same_variables = expected.variables == got.variables
    if same_variables and expected.rows == got.rows:
        return Difference(True, row_counts=counts)
    pairs = list(zip(expected.rows, got.rows, strict=False))
    first = next((i for i, (a, b) in enumerate(pairs) if a != b), None)
    if first is None and counts[0] != counts[1]:  # one side has rows past the end of the other
        first = min(counts)
    return Difference(
        False, variables=same_variables, row_counts=counts, first_row=first,
        columns=[v for j, v in enumerate(expected.variables) if any(a[j] != b[j] for a, b in pairs)]
        if same_variables else [],
        reordered=expected.rows != got.rows and sorted(expected.rows) == sorted(got.rows),
        example={} if first is None else {"embedded": list(expected.rows[first]) if first < counts[0] else None,
                                          "server": list(got.rows[first]) if first < counts[1] else None})


def how(d: Difference) -> str:
    """The table's account of a difference: row counts, first differing row, columns."""
    if d.same:
        return "yes"
    if d.error:
        return "**no**: " + d.error[:200].replace("|", "\\|")
    parts = []
    if not d.variables:
        parts.append("other variables")
    if d.row_counts[0] != d.row_counts[1]:
        parts.append(f"{d.row_counts[0]:,} / {d.row_counts[1]:,} rows")
    if d.first_row is not None:
        parts.append(f"first differs at row {d.first_row:,}")
    if d.columns:
        parts.append("in " + ", ".join(f"`{c}`" for c in d.columns))
    if d.reordered:
        parts.append("same rows, other order")
    return "**no**: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------- stores


@dataclass
class Loaded:
    store: str
    seconds: float
    error: str = ""


def ksst_load(target: Target, build: Path) -> Loaded:
    """`ksst load` of the build into the fresh server, as a user runs it (a subprocess; it checks the counts)."""
    env = {k: v for k, v in os.environ.items() if k not in ("KSST_ENDPOINT_USER", "KSST_ENDPOINT_PASSWORD")}
    command = [str(BIN / "python"), "-m", "ksst_kg", "load", "--endpoint", target.query, *target.auth,
               "--out", str(build), "--timeout", str(LOAD_TIMEOUT_S)]
    log(f"{target.store}: ksst load")
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=4 * LOAD_TIMEOUT_S, check=False)
    seconds = round(time.monotonic() - started, 1)
    error = "" if done.returncode == 0 else f"exit {done.returncode}: {' '.join(done.stderr.split())[-300:]}"
    log(f"{target.store}: loaded in {seconds} s" + (f", {error}" if error else ""))
    return Loaded(target.store, seconds, error)


def asker(target: Target) -> Ask:
    """Queries sent as `ksst query --endpoint` sends them: the build's three graphs as the default graph."""
    options = dict(zip(target.auth[::2], target.auth[1::2], strict=True))  # --user U --password P --auth A
    graphs = list(remote.target_graphs().values())

    def ask(text: str, bindings: Mapping[str, Term]) -> ksst_kg.Result:
        return ksst_kg.answer(text, bindings, endpoint=target.query, graphs=graphs, user=options.get("--user"),
                              password=options.get("--password"), auth=options.get("--auth", "auto"),
                              timeout=LIMIT_S)

    return ask


@contextlib.contextmanager
def server(store: str, folder: Path) -> Iterator[Target]:
    with (oxigraph(folder) if store == "oxigraph" else virtuoso(folder)) as target:
        yield target


def on_store(store: str, build: Path, todo: list[Case], workdir: Path) -> tuple[Loaded, dict[str, Answer]]:
    """A fresh server, the build loaded, every query; the server stopped and its folder removed after."""
    with server(store, workdir / f"cross-store-{store}") as target:
        loaded = ksst_load(target, build)
        if loaded.error:
            return loaded, {c.name: Answer(0.0, error=f"not run: the load failed ({loaded.error})") for c in todo}
        return loaded, run_all(store, todo, asker(target))


# ---------------------------------------------------------------------------------------------- report


@dataclass
class Figures:
    """What the JSON and the table keep of an answer (the rows themselves are left out: tens of thousands)."""

    seconds: float
    rows: int
    error: str


@dataclass
class QueryRun:
    query: str
    params: dict[str, str]
    answers: dict[str, Figures]  # by store, "embedded" first
    differences: dict[str, Difference]  # by server


@dataclass
class Report:
    size: str
    build: str
    commit: str
    queries: str  # as committed, or which had uncommitted edits
    date: str
    cpu: str
    stores: list[str]
    skipped: dict[str, str]
    loads: list[Loaded]
    results: list[QueryRun]

    def failures(self) -> int:
        """Queries that differ (or failed) on some store, and loads that failed."""
        return (sum(1 for q in self.results if not all(d.same for d in q.differences.values()))
                + sum(1 for ld in self.loads if ld.error))


def queries_state() -> str:
    """Which saved queries were not as committed (others edit queries/ in the same checkout)."""
    folder = queries_dir()
    status = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "."], capture_output=True,
                            text=True, check=False).stdout
    changed = sorted(Path(line[3:]).name for line in status.splitlines() if line.strip())
    return f"with uncommitted edits to {', '.join(changed)}" if changed else "as committed"


def triples(build: Path) -> str:
    """The build's size, from its summary (not from dumping its graphs, which takes a while at 1M)."""
    path = build / "summary.json"
    if not path.exists():
        return ""
    s = json.loads(path.read_text(encoding="utf-8"))
    return f"{s.get('asserted_triples', 0):,} asserted + {s.get('inferred_triples', 0):,} inferred triples. "


def markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(report: Report, build: Path) -> str:
    loads = "; ".join(f"into {ld.store} in {ld.seconds:.1f} s" + (f" (FAILED: {ld.error})" if ld.error else "")
                      for ld in report.loads)
    skipped = "".join(f" {s} skipped: {why}." for s, why in report.skipped.items())
    stores = report.stores
    lines = [f"### Saved queries on the embedded store and servers at {report.size} "
             f"(`python -m bench.cross_store --size {report.size}`)", "",
             f"{triples(build)}Run {report.date} on commit {report.commit} (saved queries {report.queries}); "
             f"{report.cpu}. Each query ran once with its header's default parameters, on the embedded store and "
             f"then on a fresh server loaded with "
             f"`ksst load` ({loads or 'none'}), one store at a time, each answer limited to {LIMIT_S:.0f} s; seconds "
             f"are the wall time of one `ksst_kg.answer` call (the embedded one starts its worker process). "
             f"\"Same\" is tests/test_cross_store.py's comparison: the same variables and the same rows in the same "
             f"order, cell for cell as RDF terms; where not, the row counts (embedded / server), the first row that "
             f"differs (from 0) and the columns with a differing cell among the rows both have.{skipped}", "",
             markdown_row(["query", "rows (embedded)", "embedded s", *(f"{s} s" for s in stores),
                           *(f"same on {s.capitalize()}" for s in stores)]),
             markdown_row(["---", "---:", "---:", *["---:"] * len(stores), *["---"] * len(stores)])]
    for q in report.results:
        label = q.query + (f" ({', '.join(f'{k}={v}' for k, v in q.params.items())})" if q.params else "")
        emb = q.answers["embedded"]
        seconds = ["failed" if q.answers[s].error else f"{q.answers[s].seconds:.2f}" for s in ["embedded", *stores]]
        lines.append(markdown_row([label, "-" if emb.error else f"{emb.rows:,}", *seconds,
                                   *(how(q.differences[s]) for s in stores)]))
    verdicts = [f"{s.capitalize()}: {sum(1 for q in report.results if q.differences[s].same)} of "
                f"{len(report.results)} queries the same" for s in stores]
    lines += ["", "; ".join(verdicts) + "." if verdicts else "No server compared."]
    return "\n".join(lines)


def record(path: Path, size: str, text: str) -> None:
    """Put the table below RESULTS.md's kept line, in place of the one of an earlier run of this size."""
    record_below_kept_line(path, BEGIN.format(size=size), END.format(size=size), text)


def figures(a: Answer) -> Figures:
    return Figures(a.seconds, len(a.rows), a.error)


def bench(build: Path, stores: list[str], workdir: Path) -> tuple[list[Loaded], list[QueryRun]]:
    """The embedded store first, then each server in turn (never two at once on a shared two-core machine)."""
    todo = cases()  # read once: edits of queries/ meanwhile do not change what is compared
    embedded = run_all("embedded", todo, lambda text, b: ksst_kg.answer(text, b, build_dir=build, timeout=LIMIT_S))
    loads, by_store = [], {}
    for store in stores:
        loaded, by_store[store] = on_store(store, build, todo, workdir)
        loads.append(loaded)
    by_store["embedded"] = embedded
    return loads, [QueryRun(c.name, c.params, {s: figures(by_store[s][c.name]) for s in ["embedded", *stores]},
                            {s: compare(embedded[c.name], by_store[s][c.name]) for s in stores}) for c in todo]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cross_store", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", help="target triples of the generated build: 4k, 100k, 1m")
    parser.add_argument("--build", type=Path, default=None, help="query this build (read only) instead of one "
                        "generated at --size (--size then only names the run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stores", default=",".join(STORES), help="servers to compare with the embedded store")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--json", type=Path, default=None, help="write every answer's figures and difference here")
    parser.add_argument("--record", type=Path, default=None, metavar="RESULTS.md")
    args = parser.parse_args(argv)
    stores = [s for s in args.stores.split(",") if s]
    unknown = sorted(set(stores) - set(STORES))
    if unknown:
        parser.error(f"unknown store {', '.join(unknown)} (known: {', '.join(STORES)})")
    skipped = {}
    if "virtuoso" in stores and virtuoso_missing():
        skipped["virtuoso"] = str(virtuoso_missing())
        log(f"virtuoso skipped: {skipped['virtuoso']}")
        stores.remove("virtuoso")
    args.workdir.mkdir(parents=True, exist_ok=True)
    build = args.build.resolve() if args.build else ensure_build(args.size, args.workdir, args.seed)
    state = queries_state()  # before the run: the queries are read at its start
    loads, queries = bench(build, stores, args.workdir)
    report = Report(args.size, str(build), git_commit(), state, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    machine().get("cpu", ""), stores, skipped, loads, queries)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    text = table(report, build)
    print(text)
    if args.record is not None:
        record(args.record, args.size, text)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
