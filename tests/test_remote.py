"""The SPARQL client: JSON terms, endpoint URLs, errors that say what to check, basic and digest auth."""

from __future__ import annotations

import re
import threading
import urllib.parse

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from ksst_kg import KsstError, remote
from ksst_kg.core.errors import (
    AuthenticationFailed,
    BadRequest,
    EndpointNotFound,
    StoreError,
    StoreTimeout,
    StoreUnreachable,
)
from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, XSD
from ksst_kg.remote import (
    Client,
    Endpoints,
    bnode_safe_batches,
    endpoints_for,
    json_term,
    select,
)

from .servers import HOST, auth_server, free_port, html_server, oxigraph, silent_server, tiny_build, tiny_quads  # noqa: F401

THREE = [GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY]


# ------------------------------------------------------------------------------------------ JSON terms


def test_json_terms_become_pyoxigraph_terms() -> None:
    assert json_term({"type": "uri", "value": "http://x/a"}) == NamedNode("http://x/a")
    assert json_term({"type": "literal", "value": "a"}) == Literal("a")
    assert json_term({"type": "literal", "value": "Bhutan", "xml:lang": "en"}) == Literal("Bhutan", language="en")
    year = json_term({"type": "literal", "value": "2017", "datatype": XSD + "gYear"})
    assert year == Literal("2017", datatype=NamedNode(XSD + "gYear"))
    assert json_term({"type": "typed-literal", "value": "3", "datatype": XSD + "integer"}) == Literal(3)
    assert json_term({"type": "bnode", "value": "b0"}) == BlankNode("b0")
    virtuoso = json_term({"type": "bnode", "value": "nodeID://b10001"})
    assert isinstance(virtuoso, BlankNode)
    assert virtuoso == json_term({"type": "bnode", "value": "nodeID://b10001"})
    quoted = json_term({"type": "triple", "value": {"subject": {"type": "uri", "value": "http://x/s"},
                                                     "predicate": {"type": "uri", "value": "http://x/p"},
                                                     "object": {"type": "literal", "value": "o"}}})
    assert quoted == Triple(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal("o"))


def test_json_rows_keep_unbound_variables_as_none() -> None:
    names, rows = remote.json_rows({"head": {"vars": ["a", "b"]},
                                    "results": {"bindings": [{"a": {"type": "literal", "value": "1"}}]}})
    assert names == ["a", "b"]
    assert rows == [{"a": Literal("1"), "b": None}]
    assert remote.json_rows({"head": {}, "boolean": True})[1][0]["ask"].value == "true"


# ----------------------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(("query", "update", "store"), [
    ("http://localhost:7878/query", "http://localhost:7878/update", "http://localhost:7878/store"),
    ("http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("http://h:8890/sparql-auth", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth"),
    ("http://h:7200/repositories/ksst", "http://h:7200/repositories/ksst/statements",
     "http://h:7200/repositories/ksst/rdf-graphs/service"),
    ("https://h/x", "https://h/x", "https://h/x"),
])
def test_update_and_graph_store_urls_follow_from_the_query_endpoint(query: str, update: str, store: str) -> None:
    assert endpoints_for(query) == Endpoints(query, update, store)


def test_endpoint_overrides_and_virtuoso_with_credentials() -> None:
    e = endpoints_for("http://h:8890/sparql", authenticated=True)
    assert e.store == "http://h:8890/sparql-graph-crud-auth"
    e = endpoints_for("http://h/q", update="http://h/u", store="http://h/s")
    assert (e.update, e.store) == ("http://h/u", "http://h/s")
    assert endpoints_for("http://h/query", use_gsp=False).store is None
    with pytest.raises(KsstError, match="--endpoint"):
        endpoints_for("localhost:7878/query")
    with pytest.raises(KsstError, match="--store-endpoint"):
        endpoints_for("http://h/query", store="ftp://h/store")


def test_graph_iris_default_to_the_builds_own_and_follow_a_base() -> None:
    assert remote.default_graphs() == THREE
    assert remote.target_graphs("http://example.org/g/") == {
        "asserted": "http://example.org/g/asserted", "inferred": "http://example.org/g/inferred",
        "ontology": "http://example.org/g/ontology"}


# ------------------------------------------------------------------------------------------- batches


def test_batches_never_split_triples_linked_by_blank_nodes() -> None:
    triples = [q.triple for q in tiny_quads()]
    for size in (1, 2, 3, 5, 100):
        batches = bnode_safe_batches(triples, size)
        assert sorted(map(str, (t for b in batches for t in b))) == sorted(map(str, triples))
        where: dict[BlankNode, int] = {}
        for i, batch in enumerate(batches):
            for t in batch:
                for node in (t.subject, t.object):
                    if isinstance(node, BlankNode):
                        assert where.setdefault(node, i) == i
    assert all(len(b) <= 2 for b in bnode_safe_batches([t for t in triples if "_:" not in str(t)], 2))


@pytest.mark.parametrize("lines", [1, 7, 100, 1_000_000])
def test_a_dump_is_cut_into_pieces_as_it_comes(tiny_build, lines: int) -> None:  # noqa: F811
    """`ksst load` sends pieces while the build is still read: they hold every triple of each graph once, a
    graph of at most `lines` triples in one piece, triples linked by blank nodes together (and only those
    pieces are not sent again after a lost answer)."""
    emitted: list[tuple[str, remote.loader.Piece]] = []
    graphs = remote.graph_data(tiny_build, lambda name: remote.loader.Cutter(
        name, lines, lambda n, piece: emitted.append((n, piece)), threading.Event()))
    assert graphs == remote.graph_data(tiny_build)
    bnodes_in: dict[bytes, int] = {}
    for name, graph in graphs.items():
        mine = [piece for n, piece in emitted if n == name]
        if graph.count <= lines:
            assert [(p.body, p.count, p.repeatable) for p in mine] == [(graph.body, graph.count,
                                                                        not graph.blank_nodes)]
        sent = [line for piece in mine for line in piece.body.splitlines()]
        assert sorted(re.sub(rb"_:\w+", b"_:b", line) for line in sent) == \
            sorted(re.sub(rb"_:\w+", b"_:b", line) for line in graph.body.splitlines())
        for i, piece in enumerate(mine):
            labels = set(re.findall(rb"_:\w+", piece.body))
            assert piece.repeatable == (not labels) and piece.count == len(piece.body.splitlines())
            for label in labels:
                assert bnodes_in.setdefault(name.encode() + label, i) == i
    assert any(graph.blank_nodes for graph in graphs.values())


# ------------------------------------------------------------------------------- against real Oxigraph


def test_select_gives_the_same_terms_as_the_embedded_store(oxigraph, tiny_build) -> None:  # noqa: F811
    client = Client(endpoints_for(oxigraph.query))
    for name, iri in remote.LOCAL_GRAPHS.items():
        client.put_graph(iri, remote.loader.ntriples(remote.local_graphs(tiny_build)[name]))
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o"
    names, rows = select(oxigraph.query, query, default_graphs=THREE)
    store = Store.read_only(str(tiny_build / "store"))
    local = store.query(query, default_graph=[NamedNode(g) for g in THREE])
    expected = [{v: row[v] for v in names} for row in local]
    assert names == ["s", "p", "o"]
    assert rows == expected
    assert any(isinstance(r["o"], Literal) and r["o"].language == "id" for r in rows)
    assert any(isinstance(r["o"], Literal) and r["o"].datatype == NamedNode(XSD + "gYear") for r in rows)
    # only the graphs named as default-graph-uri are in the default graph
    _, only_inferred = select(oxigraph.query, "SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[GRAPH_INFERRED])
    assert len(only_inferred) == 2


def test_comments_do_not_change_what_is_asked(oxigraph) -> None:  # noqa: F811
    query = "# describes the INSERT DATA of a DESCRIBE\nSELECT ?x WHERE { VALUES ?x { 1 } } # CONSTRUCT\n"
    assert select(oxigraph.query, query, default_graphs=[]) == (["x"], [{"x": Literal(1)}])


def test_wrong_port_says_the_store_is_not_running() -> None:
    with pytest.raises(StoreUnreachable, match=r"\(connection refused\); check that the store is running") as err:
        select(f"http://{HOST}:{free_port()}/query", "ASK {}", default_graphs=[])
    assert "\n" not in str(err.value)


def test_wrong_path_says_to_check_the_path(oxigraph) -> None:  # noqa: F811
    with pytest.raises(EndpointNotFound, match=r"HTTP 404.*check the path in --endpoint") as err:
        select(oxigraph.base + "/sparql/nope", "ASK {}", default_graphs=[])
    assert "\n" not in str(err.value)
    assert isinstance(err.value, KsstError)


def test_a_bad_query_says_so(oxigraph) -> None:  # noqa: F811
    with pytest.raises(BadRequest, match=r"rejected the query \(HTTP 400\).*check the query"):
        select(oxigraph.query, "SELEC * WHERE {}", default_graphs=[])


def test_a_page_that_is_not_sparql_says_so() -> None:
    with html_server() as url, pytest.raises(StoreError, match="did not answer with SPARQL JSON results"):
        select(url, "ASK {}", default_graphs=[])


def test_a_store_that_never_answers_times_out() -> None:
    with silent_server() as port, pytest.raises(StoreTimeout, match=r"did not answer within 0.3 s") as err:
        select(f"http://{HOST}:{port}/query", "ASK {}", default_graphs=[], timeout=0.3)
    assert "--timeout" in str(err.value)


# ---------------------------------------------------------------------------------------------- auth


def test_basic_credentials_are_passed_through() -> None:
    with auth_server("basic") as server:
        with pytest.raises(AuthenticationFailed, match=r"needs credentials.*--user and --password"):
            select(server.url, "SELECT ?x {}", default_graphs=[])
        with pytest.raises(AuthenticationFailed, match=r"refused the credentials.*check --user and --password"):
            select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="wrong")
        names, rows = select(server.url, "SELECT ?x {}", default_graphs=[GRAPH_ASSERTED], user="dba",
                             password="s3cret")
        assert (names, rows) == (["x"], [{"x": Literal("ok")}])
        assert server.authorizations[-1].startswith("Basic ")
        form = urllib.parse.parse_qs(server.bodies[-1].decode())
        assert form["default-graph-uri"] == [GRAPH_ASSERTED]
        assert form["query"] == ["SELECT ?x {}"]


def test_basic_scheme_sends_the_password_without_waiting_for_a_challenge() -> None:
    with auth_server("basic") as server:
        select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="s3cret", auth="basic")
        assert len(server.authorizations) == 1 and server.accepted == 1


def test_auto_scheme_does_not_send_the_password_unasked() -> None:
    with auth_server("basic") as server:
        select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="s3cret")
        assert server.authorizations[0] is None and server.accepted == 1


def test_digest_credentials_answer_the_challenge() -> None:
    with auth_server("digest") as server:
        _, rows = select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="s3cret")
        assert rows == [{"x": Literal("ok")}]
        assert server.authorizations[0] is None
        assert server.authorizations[-1].startswith("Digest ")
        assert "s3cret" not in server.authorizations[-1]
        with pytest.raises(AuthenticationFailed, match="refused the credentials"):
            select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="wrong", auth="digest")


def test_digest_credentials_on_graph_store_and_update_requests() -> None:
    with auth_server("digest") as server:
        credentials = remote.credentials_for("dba", "s3cret", "digest")
        client = Client(Endpoints(server.url, server.url + "-update", server.url + "-graph-crud-auth"),
                        credentials=credentials, timeout=5)
        client.put_graph("http://example.org/g", b"<http://x/s> <http://x/p> <http://x/o> .\n")
        client.update("DROP SILENT GRAPH <http://example.org/g>")
        # a cheap query first obtains the challenge, so the body goes out once, with its credentials
        assert server.accepted == 3
        assert server.bodies[1] == b"<http://x/s> <http://x/p> <http://x/o> .\n"
        assert server.authorizations[0] is None
        assert all(a.startswith("Digest ") for a in server.authorizations[1:])
        assert server.authorizations.count(None) == 1


def test_the_basic_scheme_does_not_answer_a_digest_challenge() -> None:
    with auth_server("digest") as server, pytest.raises(AuthenticationFailed, match="check --auth"):
        select(server.url, "SELECT ?x {}", default_graphs=[], user="dba", password="s3cret", auth="basic")
