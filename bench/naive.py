"""The naive pipeline: the same work done the obvious way with rdflib, pyshacl and owlrl, over a whole graph.

Each step runs on the files of a build (`ksst.nt`, `inferred.nt`, the ontology and shapes) and prints one
JSON object with its own timings, so that `bench.run` can run every step in a subprocess of its own (wall
time, peak memory and a time limit per step):

    python -m bench.naive parse     --build DIR [--format nt|ttl]
    python -m bench.naive serialise --build DIR            # parse N-Triples, write Turtle, N-Triples, JSON-LD
    python -m bench.naive shacl     --build DIR [--inference none|rdfs]
    python -m bench.naive owlrl     --build DIR [--semantics owlrl|rdfs]
    python -m bench.naive query     --build DIR [--name Q ...] # rdflib's SPARQL engine, every saved query
    python -m bench.naive load      --build DIR --endpoint URL # rdflib + SPARQL Update INSERT DATA batches

Times in the JSON are in seconds and exclude the interpreter's start-up; `parse_s` is the rdflib parse
every step but `parse` needs before its own work (`work_s`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rdflib

ROOT = Path(__file__).resolve().parent.parent


def resource_files(folder: str, pattern: str = "*.ttl") -> list[Path]:
    try:
        from ksst_kg.core.resources import resource_dir

        base = resource_dir(folder)
    except Exception:  # an installed package without the checkout
        base = ROOT / folder
    return sorted(base.glob(pattern))


def timed_parse(paths: list[Path], fmt: str | None = None,
                graph: rdflib.Graph | None = None) -> tuple[rdflib.Graph, float]:
    graph = rdflib.Graph() if graph is None else graph
    t0 = time.perf_counter()
    for path in paths:
        graph.parse(path, format=fmt or rdflib.util.guess_format(str(path)) or "turtle")
    return graph, time.perf_counter() - t0


def data_graph(build: Path, fmt: str = "nt") -> tuple[rdflib.Graph, float]:
    """The asserted graph of a build, read by rdflib."""
    return timed_parse([build / f"ksst.{fmt}"], "nt" if fmt == "nt" else "turtle")


def step_parse(args: argparse.Namespace) -> dict[str, Any]:
    if args.format == "nt":
        graph, seconds = data_graph(args.build, "nt")
    else:
        # The asserted graph as Turtle, written by pyoxigraph from ksst.nt (not timed): the build's own
        # ksst.ttl may be another file (the ontology's is also called ksst.ttl).
        from pyoxigraph import RdfFormat, parse, serialize

        target = args.scratch or args.build / "naive-out"
        target.mkdir(parents=True, exist_ok=True)
        turtle = target / "asserted.ttl"
        serialize((q.triple for q in parse(path=str(args.build / "ksst.nt"), format=RdfFormat.N_TRIPLES)),
                  output=str(turtle), format=RdfFormat.TURTLE, prefixes=PREFIXES)
        graph, seconds = timed_parse([turtle], "turtle")
    return {"work_s": seconds, "triples": len(graph)}


PREFIXES = {"kg": "https://w3id.org/ksst-kg/id/", "ksst": "https://w3id.org/ksst-kg/ontology#",
            "schema": "https://schema.org/", "prov": "http://www.w3.org/ns/prov#",
            "skos": "http://www.w3.org/2004/02/skos/core#", "org": "http://www.w3.org/ns/org#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def step_serialise(args: argparse.Namespace) -> dict[str, Any]:
    graph, parse_s = data_graph(args.build)
    out: dict[str, Any] = {"parse_s": parse_s, "triples": len(graph)}
    target = args.scratch or args.build / "naive-out"
    target.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for fmt, ext in (("turtle", "ttl"), ("nt", "nt"), ("json-ld", "jsonld")):
        t0 = time.perf_counter()
        graph.serialize(destination=str(target / f"naive.{ext}"), format=fmt)
        out[f"{ext}_s"] = time.perf_counter() - t0
        total += out[f"{ext}_s"]
    out["work_s"] = total
    return out


def step_shacl(args: argparse.Namespace) -> dict[str, Any]:
    from pyshacl import validate

    graph, parse_s = data_graph(args.build)
    shapes, shapes_s = timed_parse(resource_files("shapes"))
    ontology, onto_s = timed_parse(resource_files("ontology"))
    t0 = time.perf_counter()
    conforms, report, _ = validate(graph, shacl_graph=shapes, ont_graph=ontology, inference=args.inference,
                                   advanced=True, allow_warnings=True)
    work = time.perf_counter() - t0
    results = len(list(report.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))
    return {"parse_s": parse_s + shapes_s + onto_s, "work_s": work, "conforms": bool(conforms), "results": results,
            "triples": len(graph), "inference": args.inference}


def step_owlrl(args: argparse.Namespace) -> dict[str, Any]:
    import owlrl

    graph, parse_s = data_graph(args.build)
    _, onto_s = timed_parse(resource_files("ontology"), graph=graph)
    before = len(graph)
    semantics = owlrl.OWLRL_Semantics if args.semantics == "owlrl" else owlrl.RDFS_Semantics
    t0 = time.perf_counter()
    owlrl.DeductiveClosure(semantics).expand(graph)
    work = time.perf_counter() - t0
    return {"parse_s": parse_s + onto_s, "work_s": work, "triples": before, "closure_triples": len(graph),
            "added": len(graph) - before, "semantics": args.semantics}


def saved_queries(names: list[str] | None = None) -> list[tuple[str, str, dict[str, str]]]:
    """(name, text, parameter values) of every saved query that can run with its defaults.

    The text has the values written in, as `ksst query` and grlc send it: both pipelines run the same query.
    """
    from ksst_kg.query import inline_terms, load_queries

    out = []
    for name, q in load_queries().items():
        if names and name not in names:
            continue
        values = q.examples
        if any(p.required and p.name not in values for p in q.params):
            continue
        out.append((name, inline_terms(q.text, q.bindings(values)), values))
    return out


class QueryTimeout(BaseException):
    """Raised by SIGALRM inside rdflib's evaluation (a BaseException, so no `except Exception` eats it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    if not seconds:
        yield
        return

    def _alarm(signum: int, frame: Any) -> None:
        raise QueryTimeout

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def step_query(args: argparse.Namespace) -> dict[str, Any]:
    graph, parse_s = timed_parse([args.build / "ksst.nt", args.build / "inferred.nt"], "nt")
    _, onto_s = timed_parse(resource_files("ontology"), graph=graph)
    timings: dict[str, Any] = {}
    for name, text, _ in saved_queries(args.name):
        t0 = time.perf_counter()
        try:
            with time_limit(args.query_timeout):
                rows = list(graph.query(text))
            timings[name] = {"s": time.perf_counter() - t0, "rows": len(rows)}
        except QueryTimeout:
            timings[name] = {"s": time.perf_counter() - t0, "timed_out": True}
        except Exception as exc:  # rdflib cannot evaluate some valid queries
            timings[name] = {"s": time.perf_counter() - t0, "error": f"{type(exc).__name__}: {exc}"[:300]}
        print(json.dumps({"partial": name, **timings[name]}), flush=True)
    return {"parse_s": parse_s + onto_s, "work_s": sum(t["s"] for t in timings.values() if "error" not in t),
            "queries": timings,
            "triples": len(graph)}


GRAPHS = {
    "ksst.nt": "https://w3id.org/ksst-kg/graph/asserted",
    "inferred.nt": "https://w3id.org/ksst-kg/graph/inferred",
}


def step_load(args: argparse.Namespace) -> dict[str, Any]:
    """What one writes without a bulk loader: rdflib reads the graph, then INSERT DATA in batches."""
    parse_s = 0.0
    t_work = 0.0
    sent = 0
    for name, graph_iri in GRAPHS.items():
        graph, seconds = timed_parse([args.build / name], "nt")
        parse_s += seconds
        t0 = time.perf_counter()
        batch: list[str] = []
        for s, p, o in graph:
            batch.append(f"{s.n3()} {p.n3()} {o.n3()} .")
            if len(batch) >= args.batch_size:
                _insert(args.endpoint, graph_iri, batch)
                sent += len(batch)
                batch = []
        if batch:
            _insert(args.endpoint, graph_iri, batch)
            sent += len(batch)
        t_work += time.perf_counter() - t0
    return {"parse_s": parse_s, "work_s": t_work, "triples": sent}


def _insert(endpoint: str, graph: str, lines: list[str]) -> None:
    body = f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(lines) + "\n} }"
    request = urllib.request.Request(endpoint, data=body.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


STEPS = {"parse": step_parse, "serialise": step_serialise, "shacl": step_shacl, "owlrl": step_owlrl,
         "query": step_query, "load": step_load}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.naive", description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--build", type=Path, required=True, help="build folder (ksst build --out)")
    parser.add_argument("--format", choices=("nt", "ttl"), default="nt")
    parser.add_argument("--inference", choices=("none", "rdfs"), default="none")
    parser.add_argument("--semantics", choices=("owlrl", "rdfs"), default="owlrl")
    parser.add_argument("--name", action="append", help="only this saved query (repeatable)")
    parser.add_argument("--query-timeout", type=float, default=None, help="time limit of each query (s)")
    parser.add_argument("--endpoint", help="SPARQL Update endpoint for `load`")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--scratch", type=Path, default=None, help="folder for the files `serialise` writes")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    result = STEPS[args.step](args)
    result["step"] = args.step
    result["total_s"] = time.perf_counter() - t0
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
