"""`ksst load` and `ksst query --endpoint` against a real Virtuoso (Debian's virtuoso-opensource, started by the
`virtuoso` fixture on 127.0.0.1 with a database of its own; skipped with the reason where it is not installed).

What Virtuoso made fail before: a digest-authenticated upload of a graph of 875 KB (the store closes the
connection while the unauthenticated body arrives), INSERT DATA batches too large for its compiler, blank nodes
and xsd:duration literals in INSERT DATA, booleans answered as 1 and 0, and the cost limit's refusal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import Literal

from ksst_kg import BuildResult, remote
from ksst_kg.cli import main
from ksst_kg.core.errors import StoreError
from ksst_kg.remote import Client, credentials_for, endpoints_for
from ksst_kg.remote.http import http_error

from .servers import Oxigraph, running_oxigraph, tiny_build, tiny_counts, virtuoso  # noqa: F401
from .virtuoso import VirtuosoServer

TARGETS = remote.target_graphs()


def ksst(*args: str) -> Result:
    return CliRunner(env={"KSST_ENDPOINT_USER": None, "KSST_ENDPOINT_PASSWORD": None}).invoke(main, list(args))


def load_into(v: VirtuosoServer, build: Path, *extra: str) -> Result:
    return ksst("load", "--endpoint", v.sparql_auth, "--user", "dba", "--password", v.password, "--auth",
                "digest", "--out", str(build), *extra)


def client_for(v: VirtuosoServer) -> Client:
    return Client(endpoints_for(v.sparql_auth), credentials=credentials_for("dba", v.password, "digest"))


def build_counts(build: Path) -> dict[str, int]:
    return {name: g.count for name, g in remote.graph_data(build).items()}


def store_counts(client: Client) -> dict[str, int]:
    return {name: client.count(iri) for name, iri in TARGETS.items()}


def temporary_graphs(client: Client) -> list[str]:
    return client.graphs_under(remote.TEMPORARY)


def test_load_twice_and_the_counts_stay(virtuoso: VirtuosoServer, built: BuildResult) -> None:  # noqa: F811
    """The test data's asserted graph is about a megabyte of N-Triples: the size that failed 13 times in 33."""
    assert len(remote.graph_data(built.out_dir)["asserted"].body) > 800_000
    client = client_for(virtuoso)
    for _ in range(2):
        result = load_into(virtuoso, built.out_dir)
        assert result.exit_code == 0, result.output
        assert "DIFFERS" not in result.stdout
        assert store_counts(client) == build_counts(built.out_dir)
    assert temporary_graphs(client) == []


def test_fifty_loads_in_a_row(virtuoso: VirtuosoServer, built: BuildResult) -> None:  # noqa: F811
    client = client_for(virtuoso)
    expected = build_counts(built.out_dir)
    failures = []
    for i in range(50):
        result = load_into(virtuoso, built.out_dir, "-q")
        if result.exit_code != 0:
            failures.append(f"load {i}: {result.output.strip()}")
    assert failures == []
    assert store_counts(client) == expected
    assert temporary_graphs(client) == []


def test_the_update_fallback_loads_virtuoso(virtuoso: VirtuosoServer, built: BuildResult) -> None:  # noqa: F811
    """INSERT DATA of 5,000 triples is too much for Virtuoso's compiler (SP030): the batches are halved; its
    blank nodes (the ontology's lists) and xsd:duration literals go in an INSERT ... WHERE."""
    result = load_into(virtuoso, built.out_dir, "--no-gsp")
    assert result.exit_code == 0, result.output
    assert "with the SPARQL Update" in result.stdout
    client = client_for(virtuoso)
    assert store_counts(client) == build_counts(built.out_dir)
    _, rows = client.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?l <http://www.w3.org/1999/02/22-rdf-syntax-ns"
                            "#rest> ?m . ?m <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?x } }")
    assert int(rows[0]["n"].value) > 0  # type: ignore[union-attr]  # lists stayed linked through blank nodes
    assert temporary_graphs(client) == []


def test_leftovers_of_a_load_that_did_not_finish_are_removed(virtuoso: VirtuosoServer,  # noqa: F811
                                                             tiny_build: Path) -> None:  # noqa: F811
    client = client_for(virtuoso)
    key = remote.loader.load_key(TARGETS)
    left = f"{remote.TEMPORARY}{key}:20260101T000000Z-dead:asserted"
    other = f"{remote.TEMPORARY}0123456789ab:20260101T000000Z-else:asserted"  # a load into other graphs: kept
    client.update(f"INSERT DATA {{ GRAPH <{left}> {{ <urn:x> <urn:y> <urn:z> }} GRAPH <{other}> "
                  f"{{ <urn:x> <urn:y> <urn:z> }} }}")
    result = load_into(virtuoso, tiny_build)
    assert result.exit_code == 0, result.output
    assert f"removed 1 temporary graph(s) left by an earlier load of these graphs that did not finish ({left})" \
        in result.stderr
    assert temporary_graphs(client) == [other]
    client.update(f"DROP SILENT GRAPH <{other}>")


def test_query_results_read_the_same_as_the_embedded_stores(virtuoso: VirtuosoServer) -> None:  # noqa: F811
    """Virtuoso writes an xsd:boolean as 1 or 0: it is read in its canonical form, so it prints the same."""
    _, rows = client_for(virtuoso).select(
        'SELECT ?b WHERE { VALUES ?x { "true" "false" } BIND(STRDT(?x, <http://www.w3.org/2001/XMLSchema#boolean>) '
        'AS ?b) } ORDER BY ?x')
    assert [row["b"] for row in rows] == [Literal(False), Literal(True)]


def test_virtuosos_limits_are_named_in_the_message() -> None:
    """Virtuoso's texts when a query's estimated cost is over MaxQueryCostEstimationTime, an update over
    TransactionAfterImageLimit, a query over MaxQueryExecutionTime (its own wording, as 7.2 answers them):
    `ksst query` and `ksst load` say which setting to raise."""
    body = ("Virtuoso 42000 Error The estimated execution time 16310 (sec) exceeds the limit of 400 (sec).\n\n"
            "SPARQL query:\nSELECT ...")
    error = http_error(500, "SPARQL Request Failed", body, "http://h:8890/sparql", "query", credentials=False)
    assert isinstance(error, StoreError)
    assert "raise MaxQueryCostEstimationTime in the [SPARQL] section of virtuoso.ini" in str(error)
    assert "\n" not in str(error)
    # the MOVEs of a load larger than the transaction limit (Virtuoso rolls them back), a query over its time
    body = "Virtuoso 40005 Error SR325: Transaction aborted because it's log after image size went above the limit"
    assert "raise it in the [Parameters] section" in str(http_error(500, "", body, "u", "update", credentials=True))
    body = "Virtuoso S1T00 Error SR171: Transaction timed out"
    assert "raise MaxQueryExecutionTime" in str(http_error(500, "", body, "u", "query", credentials=True))


@pytest.fixture
def fresh_oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    with running_oxigraph(tmp_path / "oxigraph") as server:
        yield server


@pytest.mark.parametrize("store", [
    pytest.param("virtuoso", marks=pytest.mark.xfail(
        reason="Virtuoso 7.2 runs the MOVEs in one transaction (all or nothing), but its SPARQL readers see rows "
               "of that transaction before it commits (at DefaultIsolation 2 and 4 alike; at 8 the MOVE "
               "deadlocks), so they can see a graph half moved; see docs/triplestores.md", strict=False)),
    "oxigraph", "oxigraph, a first load"])
def test_a_reader_sees_the_old_set_or_the_new_set(store: str, request: pytest.FixtureRequest, built: BuildResult,
                                                  tiny_build: Path) -> None:  # noqa: F811
    """While a load replaces the tiny build's graphs by the test data's, a reader counting the three graphs in
    one query sees either the tiny build's counts or the test data's, never a mix; in a first load (into
    Oxigraph: one transactional POST of every graph), no graphs or all of them."""
    if store == "virtuoso":
        v: VirtuosoServer = request.getfixturevalue("virtuoso")
        client, load = client_for(v), (lambda build: load_into(v, build))
    else:
        o: Oxigraph = request.getfixturevalue("fresh_oxigraph")
        client = Client(endpoints_for(o.query))
        load = (lambda build: ksst("load", "--endpoint", o.query, "--out", str(build)))  # noqa: E731
    if store.endswith("a first load"):
        old = (0, 0, 0)
    else:
        assert load(tiny_build).exit_code == 0
        old = tuple(tiny_counts()[iri] for iri in TARGETS.values())
    new = tuple(build_counts(built.out_dir)[name] for name in TARGETS)
    query = "SELECT " + " ".join(f"?n{i}" for i in range(3)) + " WHERE { " + " ".join(
        f"{{ SELECT (COUNT(*) AS ?n{i}) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} }}"
        for i, iri in enumerate(TARGETS.values())) + " }"
    seen: list[tuple[int, ...]] = []
    done = threading.Event()

    def read() -> None:
        reader = Client(client.endpoints, credentials=client.credentials)
        while not done.is_set() and len(seen) < 2000:
            _, rows = reader.select(query)
            seen.append(tuple(int(rows[0][f"n{i}"].value) for i in range(3)))  # type: ignore[union-attr]

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    result = load(built.out_dir)
    done.set()
    thread.join(30)
    assert result.exit_code == 0, result.output
    assert seen and set(seen) <= {old, new}, sorted(set(seen) - {old, new})
