"""`ksst load` into a real Oxigraph server: Graph Store Protocol, the SPARQL Update fallback, loading twice,
counts, and the one-line errors for a store that is down, a wrong path, a timeout and missing credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ksst_kg import KsstError, remote
from ksst_kg.cli import main
from ksst_kg.cli.progress import Progress
from ksst_kg.core import errors
from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ksst_kg.remote import Client, endpoints_for, loader, local_graphs

from .servers import (  # noqa: F401
    HOST,
    Oxigraph,
    auth_server,
    free_port,
    oxigraph,
    running_oxigraph,
    silent_server,
    tiny_build,
    tiny_counts,
)

THREE = [GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY]


def ksst_load(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Result:
    # credentials come from the options only, not from the environment of whoever runs the tests
    env = {"KSST_ENDPOINT_USER": None, "KSST_ENDPOINT_PASSWORD": None, **(env or {})}
    return CliRunner(env=env).invoke(main, ["load", *args], input=input)


def local_triples(build: Path, name: str) -> set[str]:
    from pyoxigraph import BlankNode

    return {" ".join("_:b" if isinstance(x, BlankNode) else str(x) for x in (t.subject, t.predicate, t.object))
            for t in local_graphs(build)[name]}


def assert_holds_the_build(server: Oxigraph, build: Path, targets: dict[str, str] | None = None) -> None:
    targets = targets or remote.target_graphs()
    assert server.graphs() == set(targets.values())  # and no temporary graph left behind
    for name, iri in targets.items():
        assert server.triples(iri) == local_triples(build, name)


def test_a_first_load_into_oxigraph_sends_every_graph_in_one_request(tmp_path: Path,
                                                                      tiny_build: Path) -> None:  # noqa: F811
    """Into empty target graphs Oxigraph gets one POST of N-Quads (one transaction, and no temporary graph);
    a target that holds anything makes it a reload (differences, temporary graphs and the one update)."""
    with running_oxigraph(tmp_path / "fresh") as server:
        report = remote.load(tiny_build, Client(endpoints_for(server.query)))
        assert report.notes == ["the target graphs were empty: all of them sent in one transaction"]
        assert report.replaced == THREE and report.ok
        assert_holds_the_build(server, tiny_build)
        client = Client(endpoints_for(server.query))
        client.update(f"DROP GRAPH <{GRAPH_ASSERTED}> ; DROP GRAPH <{GRAPH_INFERRED}>")
        report = remote.load(tiny_build, client)
        assert f"{GRAPH_ASSERTED}: 0 triples removed, {tiny_counts()[GRAPH_ASSERTED]} added" in report.notes
        assert_holds_the_build(server, tiny_build)


def test_load_with_the_graph_store_protocol(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    result = ksst_load("--endpoint", oxigraph.query, "--out", str(tiny_build))
    assert result.exit_code == 0, result.output
    assert f"with the Graph Store Protocol ({oxigraph.store})" in result.stdout
    for iri, n in tiny_counts().items():
        assert f"{iri}  {n:>8}  {n:>8}\n" in result.stdout
    assert_holds_the_build(oxigraph, tiny_build)


def test_loading_twice_gives_the_same_graphs(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    for no_gsp in ((), ("--no-gsp",), ()):
        result = ksst_load("--endpoint", oxigraph.query, "--out", str(tiny_build), *no_gsp)
        assert result.exit_code == 0, result.output
        assert "DIFFERS" not in result.stdout
        assert_holds_the_build(oxigraph, tiny_build)


def test_load_with_sparql_update_in_batches(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    result = ksst_load("--endpoint", oxigraph.query, "--out", str(tiny_build), "--no-gsp", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert f"with the SPARQL Update ({oxigraph.update})" in result.stdout
    assert_holds_the_build(oxigraph, tiny_build)
    # the blank nodes of the OWL restriction and the RDF list stayed linked
    _, rows = remote.select(oxigraph.query, "SELECT ?x WHERE { ?c rdfs:subClassOf ?r . ?r owl:onProperty ?x . "
                            "?u owl:unionOf/rdf:rest/rdf:first ?y }".replace(
                                "SELECT", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX owl: "
                                "<http://www.w3.org/2002/07/owl#> PREFIX rdf: "
                                "<http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT"), default_graphs=THREE)
    assert len(rows) == 1


def test_falls_back_to_sparql_update_where_there_is_no_graph_store(oxigraph: Oxigraph,  # noqa: F811
                                                                   tiny_build: Path) -> None:  # noqa: F811
    result = ksst_load("--endpoint", oxigraph.query, "--store-endpoint", oxigraph.base + "/no-such-store",
                       "--out", str(tiny_build))
    assert result.exit_code == 0, result.output
    assert "no Graph Store Protocol at" in result.stderr and "(HTTP 404)" in result.stderr
    assert "with the SPARQL Update" in result.stdout
    assert_holds_the_build(oxigraph, tiny_build)


def test_falls_back_while_the_build_is_still_being_read(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    """Into a store other than Oxigraph (here one behind a proxy, which hides the server's name) the pieces go
    out while the build is read; when the first finds no Graph Store, the load goes on with SPARQL Update."""
    with auth_server("basic", upstream=oxigraph.base) as proxy:
        result = ksst_load("--endpoint", proxy.base + "/query", "--user", "dba", "--password", "s3cret",
                           "--store-endpoint", proxy.base + "/no-such-store", "--out", str(tiny_build))
    assert result.exit_code == 0, result.output
    assert "no Graph Store Protocol at" in result.stderr and "with the SPARQL Update" in result.stdout
    assert_holds_the_build(oxigraph, tiny_build)


def test_graph_option_names_the_graphs(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    base = "http://example.org/ksst"
    for extra in ((), ("--no-gsp",)):
        result = ksst_load("--endpoint", oxigraph.query, "--graph", base, "--out", str(tiny_build), *extra)
        assert result.exit_code == 0, result.output
        assert f"{base}/asserted" in result.stdout
        assert_holds_the_build(oxigraph, tiny_build, remote.target_graphs(base))


def test_a_failed_update_load_leaves_the_old_graphs(oxigraph: Oxigraph, tiny_build: Path,  # noqa: F811
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    old = "<http://x/old> <http://x/p> \"kept\" .\n"
    client = Client(endpoints_for(oxigraph.query))
    for iri in THREE:
        client.put_graph(iri, old.encode())
    real_update = Client.update
    calls: list[str] = []

    def failing_update(self: Client, update: str, retry: bool = False) -> None:
        calls.append(update)
        if len(calls) == 3:
            raise errors.StoreError("injected failure")
        real_update(self, update, retry=retry)

    monkeypatch.setattr(Client, "update", failing_update)
    with pytest.raises(errors.StoreError, match="injected failure; nothing was replaced: the graphs in the store "
                                                "are as they were"):
        remote.load(tiny_build, Client(endpoints_for(oxigraph.query, use_gsp=False)), batch_size=3)
    assert calls[-1].startswith("DROP SILENT GRAPH <urn:x-ksst-load:")
    monkeypatch.undo()
    assert oxigraph.graphs() == set(THREE)  # the temporary graphs are gone
    for iri in THREE:
        assert oxigraph.triples(iri) == {old.strip().removesuffix(" .")}


def test_counts_that_differ_fail_the_load(oxigraph: Oxigraph, tiny_build: Path, tmp_path: Path) -> None:  # noqa: F811
    # the graphs go to one server, the counting asks another: the store seems to have lost them (the targets
    # hold something, so that this is not a first load, whose one transaction is only counted at the end)
    for iri in THREE:
        Client(endpoints_for(oxigraph.query)).put_graph(iri, b"<http://x/old> <http://x/p> \"kept\" .\n")
    with running_oxigraph(tmp_path / "other") as other:
        result = ksst_load("--endpoint", other.query, "--store-endpoint", oxigraph.store, "--out", str(tiny_build))
    assert result.exit_code == 3  # a store failed
    assert "the store kept 0 of the 10 triples of the ontology graph" in result.stderr
    assert "nothing was replaced" in result.stderr


# ------------------------------------------------------------------------------------------- errors


def one_line_error(result: Result) -> str:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ksst load: ")
    return lines[0]


def test_wrong_port(tiny_build: Path) -> None:  # noqa: F811
    message = one_line_error(ksst_load("--endpoint", f"http://{HOST}:{free_port()}/query", "--out", str(tiny_build)))
    assert "connection refused" in message and "check that the store is running" in message


def test_wrong_path(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    message = one_line_error(ksst_load("--endpoint", oxigraph.base + "/ksst/query", "--out", str(tiny_build)))
    assert "HTTP 404" in message and "check the path in --endpoint" in message
    assert oxigraph.graphs() == set()


def test_timeout(tiny_build: Path) -> None:  # noqa: F811
    with silent_server() as port:
        message = one_line_error(ksst_load("--endpoint", f"http://{HOST}:{port}/query", "--timeout", "0.3",
                                           "--out", str(tiny_build)))
    assert "did not answer within 0.3 s" in message and "--timeout" in message


def test_missing_and_wrong_credentials(tiny_build: Path) -> None:  # noqa: F811
    with auth_server("basic") as server:
        message = one_line_error(ksst_load("--endpoint", server.url, "--out", str(tiny_build)))
        assert "HTTP 401" in message and "--user and --password" in message
        message = one_line_error(ksst_load("--endpoint", server.url, "--user", "dba", "--password", "nope",
                                           "--out", str(tiny_build)))
        assert "refused the credentials" in message


def test_credentials_reach_every_request(tiny_build: Path) -> None:  # noqa: F811
    """Virtuoso-style: digest auth on the query, graph store and update endpoints alike."""
    with auth_server("digest") as server:
        client = Client(endpoints_for(server.url, store=server.url + "-graph-crud-auth"),
                        credentials=remote.credentials_for("dba", "s3cret", "digest"), timeout=5)
        graphs, targets = remote.graph_data(tiny_build), remote.target_graphs()
        client.probe()
        loader._upload_gsp(client, graphs, targets, remote.NoProgress(), 1000)
        loader._upload_update(client, graphs, targets, remote.NoProgress(), 100)
        # probe, 3 POSTs (the first alone, then two connections, each with a probe of its own), 3 INSERT DATA
        assert server.accepted == 1 + 3 + 2 + 3
        # only the probes went without credentials: each body was sent once, whole, with the digest answer
        assert server.authorizations.count(None) == 3
        assert sorted(b for b in server.bodies if not b.startswith(b"query=") and not b.startswith(b"update="))  \
            == sorted(g.body for g in graphs.values())


@pytest.mark.parametrize(("scheme", "extra"), [
    ("basic", ()), ("basic", ("--auth", "basic")), ("digest", ()), ("digest", ("--auth", "digest", "--no-gsp")),
])
def test_load_into_a_store_behind_authentication(oxigraph: Oxigraph, tiny_build: Path,  # noqa: F811
                                                 scheme: str, extra: tuple[str, ...]) -> None:
    """`ksst load --user --password` through an authenticating proxy in front of the real Oxigraph server (basic as
    Fuseki and GraphDB use it, digest as Virtuoso's `*-auth` endpoints): every request carries the credentials."""
    with auth_server(scheme, upstream=oxigraph.base) as proxy:
        result = ksst_load("--endpoint", proxy.base + "/query", "--user", "dba", "--password", "s3cret",
                           "--out", str(tiny_build), *extra)
        assert result.exit_code == 0, result.output
        assert "DIFFERS" not in result.stdout
        # probe, leftovers (on a connection of its own, with its own probe), 3 POSTs (and the probes of the two
        # more connections, each made when it first has a piece to send: the pieces come as the build is read)
        # or 3 INSERT DATA, 3 counts of the uploads, the MOVEs, 3 counts: all of them got through
        if "--no-gsp" in extra:
            assert proxy.accepted == 1 + 2 + 3 + 3 + 1 + 3
        else:
            assert 1 + 2 + 3 + 3 + 1 + 3 < proxy.accepted <= 1 + 2 + 3 + 2 + 3 + 1 + 3  # 1 or 2 probes
        sent = [a for a in proxy.authorizations if a is not None]
        assert len(sent) == proxy.accepted and all(a.startswith(scheme.capitalize() + " ") for a in sent)
        if scheme == "digest":
            assert not any("s3cret" in a for a in sent)
    assert_holds_the_build(oxigraph, tiny_build)


def test_credentials_from_the_environment_and_the_prompt(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    with auth_server("digest", upstream=oxigraph.base) as proxy:
        url = proxy.base + "/query"
        from_env = ksst_load("--endpoint", url, "--out", str(tiny_build),
                             env={"KSST_ENDPOINT_USER": "dba", "KSST_ENDPOINT_PASSWORD": "s3cret"})
        assert from_env.exit_code == 0, from_env.output
        prompted = ksst_load("--endpoint", url, "--user", "dba", "--out", str(tiny_build), input="s3cret\n")
        assert prompted.exit_code == 0, prompted.output
        assert "Password for dba" in prompted.stderr
    assert_holds_the_build(oxigraph, tiny_build)


def test_no_build(tmp_path: Path, oxigraph: Oxigraph) -> None:  # noqa: F811
    message = one_line_error(ksst_load("--endpoint", oxigraph.query, "--out", str(tmp_path / "nothing")))
    assert "run `ksst build` first" in message


def test_progress_shows_only_on_a_terminal_after_a_moment() -> None:
    """A clock the test moves by hand, so nothing here depends on how fast the machine is."""
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [100.0]

    def clock() -> float:
        return now[0]

    stream = Tty()
    progress = Progress(stream, delay=0.7, clock=clock)
    progress.start(10)
    progress.stage("PUT asserted graph")
    progress.advance(2)
    assert stream.getvalue() == ""             # a load that takes less than a moment shows nothing
    now[0] += 3
    progress.advance(3)
    progress.close()
    assert "5/10 triples (50%) 3 s  PUT asserted graph" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()                      # not a terminal: nothing, however long it takes
    progress = Progress(quiet, delay=0.0, clock=clock)
    progress.start(10)
    now[0] += 60
    progress.advance(10)
    progress.close()
    assert quiet.getvalue() == ""
    fast = Tty()
    progress = Progress(fast, delay=0.7, clock=clock)
    progress.start(10)
    progress.advance(10)
    progress.close()
    assert fast.getvalue() == ""


def test_errors_are_ksst_errors() -> None:
    assert issubclass(errors.RemoteError, KsstError)
    assert errors.RemoteError.exit_code == errors.ExitCode.STORE


# ------------------------------------------------------------------------------------------ the real build

#: Values for saved-query parameters whose header gives no example (`defaults`).
SAMPLE_PARAMS = {"country": "Bhutan", "edition": "2018", "year": "2018", "topic": "batik",
                 "org": "https://w3id.org/ksst-kg/id/org/colombo-plan"}


def sample_values(query) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A value for each required parameter: the example the query's header documents, else SAMPLE_PARAMS."""
    values = {p.name: p.default if p.default is not None else SAMPLE_PARAMS.get(p.name)
              for p in query.params if p.required}
    missing = sorted(k for k, v in values.items() if v is None)
    assert not missing, f"query {query.name}: add sample values for {missing} to SAMPLE_PARAMS"
    return values  # type: ignore[return-value]


@pytest.fixture(scope="module")
def loaded(built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """An Oxigraph server holding the real build, loaded with `ksst load`."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-real")) as server:
        result = ksst_load("--endpoint", server.query, "--out", str(built.out_dir))
        assert result.exit_code == 0, result.output
        yield server


def test_real_build_loads_with_matching_counts(loaded: Oxigraph, built) -> None:
    client = Client(endpoints_for(loaded.query))

    def counts() -> dict[str, int]:
        return {name: client.count(iri) for name, iri in remote.LOCAL_GRAPHS.items()}

    local = {name: len(triples) for name, triples in local_graphs(built.out_dir).items()}
    assert local["asserted"] == built.asserted_triples and local["inferred"] == built.inferred_triples
    assert counts() == local
    # no temporary graph left behind (and an empty graph is no graph in Oxigraph)
    assert loaded.graphs() == {remote.LOCAL_GRAPHS[name] for name, n in local.items() if n}
    for name in remote.GRAPH_NAMES:
        assert loaded.triples(remote.LOCAL_GRAPHS[name]) == local_triples(built.out_dir, name)
    # a second load, through SPARQL Update this time, leaves the same graphs
    result = ksst_load("--endpoint", loaded.query, "--out", str(built.out_dir), "--no-gsp", "--batch-size", "2000")
    assert result.exit_code == 0, result.output
    assert counts() == local
    for name in remote.GRAPH_NAMES:
        assert loaded.triples(remote.LOCAL_GRAPHS[name]) == local_triples(built.out_dir, name)


def saved_queries() -> list[str]:
    from ksst_kg.query import load_queries

    return sorted(load_queries())


def comparable(rows: list[dict], variables: list[str]) -> list[tuple[str, ...]]:
    """Rows as tuples of N-Triples strings, blank nodes made anonymous (stores name them differently)."""
    from pyoxigraph import BlankNode

    return [tuple("" if row.get(v) is None else "_:b" if isinstance(row[v], BlankNode) else str(row[v])
                  for v in variables) for row in rows]


@pytest.mark.parametrize("name", saved_queries())
def test_every_saved_query_gives_the_same_rows_remotely(name: str, loaded: Oxigraph, built) -> None:
    from pyoxigraph import Store

    from ksst_kg.query import inline_terms, load_query, run_embedded

    query = load_query(name)
    bindings = query.bindings(sample_values(query))
    embedded = run_embedded(Store.read_only(str(built.out_dir / "store")), query.text, bindings)
    variables, rows = remote.select(loaded.query, inline_terms(query.text, bindings),
                                    default_graphs=remote.default_graphs())
    assert variables == embedded.variables
    local, remote_rows = comparable(embedded.rows, variables), comparable(rows, variables)
    if "ORDER BY" in query.text.upper():
        assert remote_rows == local
    else:
        assert sorted(remote_rows) == sorted(local)
    if query.params:
        assert remote_rows, "the documented example parameters should give rows"


@pytest.mark.parametrize("name", saved_queries())
def test_ksst_query_with_endpoint_prints_what_the_embedded_store_gives(name: str, loaded: Oxigraph, built) -> None:
    import re

    from ksst_kg.query import load_query

    query = load_query(name)
    params = [f"--param={key}={value}" for key, value in sample_values(query).items()]
    runner = CliRunner(env={"KSST_ENDPOINT_USER": None, "KSST_ENDPOINT_PASSWORD": None})
    embedded = runner.invoke(main, ["query", name, "--format", "csv", "--out", str(built.out_dir), *params])
    served = runner.invoke(main, ["query", name, "--format", "csv", "--endpoint", loaded.query, *params])
    assert embedded.exit_code == 0, embedded.output
    assert served.exit_code == 0, served.output

    def lines(text: str) -> list[str]:
        return [re.sub(r"_:\w+", "_:b", line) for line in text.splitlines()]

    if "ORDER BY" in query.text.upper():
        assert lines(served.stdout) == lines(embedded.stdout)
    else:
        assert sorted(lines(served.stdout)) == sorted(lines(embedded.stdout))


def test_a_reload_into_oxigraph_changes_only_what_differs(oxigraph: Oxigraph, tiny_build: Path) -> None:  # noqa: F811
    """Oxigraph: graphs without blank nodes are replaced by their differences in the one update; a triple someone
    added in the store goes, one someone removed comes back, and the rest is not sent again."""
    assert ksst_load("--endpoint", oxigraph.query, "--out", str(tiny_build)).exit_code == 0
    client = Client(endpoints_for(oxigraph.query))
    client.update(f"INSERT DATA {{ GRAPH <{GRAPH_ASSERTED}> {{ <http://x/stray> <http://x/p> \"added\" }} }} ; "
                  f"DELETE WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ ?s a <http://www.w3.org/ns/prov#Activity> }} }}")
    report = remote.load(tiny_build, client)
    assert f"{GRAPH_ASSERTED}: 1 triples removed, 0 added" in report.notes
    assert f"{GRAPH_INFERRED}: 0 triples removed, 1 added" in report.notes
    assert report.replaced == THREE and report.ok
    assert_holds_the_build(oxigraph, tiny_build)
