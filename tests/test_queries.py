"""The saved queries of queries/, run against the real build, with the rows the articles support.

The competency questions are data: tests/competency/<query>.yaml gives, per case, the question, the parameters
and the exact rows (cells as `ksst query` shows them: prefixed IRIs, lexical values; an unbound cell is left
out). The rows were written from the articles and data/editions/*.yaml, not copied from a query's answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pyoxigraph import Literal, NamedNode, Quad, Store

from ksst_kg.namespaces import GRAPH_ASSERTED, GRAPH_ONTOLOGY, KG, KSST, PROV, XSD
from ksst_kg.query import (
    QueryError,
    SavedQuery,
    bind_values,
    find_params,
    load_queries,
    load_query,
    parse_header,
    rows_as_text,
    run_embedded,
    where_group_start,
)

from .conftest import ROOT

QUERIES = ROOT / "queries"
COMPETENCY = ROOT / "tests" / "competency"
INJECTION = 'x" } ; DROP ALL ; SELECT * { "'


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _expected(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{k: _text(v) for k, v in row.items() if v is not None} for row in rows]


def _cases() -> list[Any]:
    out = []
    for path in sorted(COMPETENCY.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            out.append(pytest.param(doc["query"], case, id=f"{path.stem}-{i}"))
    return out


CASES = _cases()


def run(store: Store, name: str, params: dict[str, Any] | None = None, *, values: bool = False) -> list[dict[str, str]]:
    """Rows of a saved query (read from queries/), parameters bound by substitution or by a VALUES block."""
    query = load_query(name, QUERIES)
    bindings = query.bindings({k: _text(v) for k, v in (params or {}).items()})
    if values:
        result = run_embedded(store, bind_values(query.text, bindings))
        hidden = set(bindings)
        return [{k: v for k, v in row.items() if k not in hidden} for row in rows_as_text(result)]
    return rows_as_text(run_embedded(store, query.text, bindings))


# --- the competency questions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), CASES)
def test_competency_question(store: Store, name: str, case: dict[str, Any]) -> None:
    assert run(store, name, case.get("params")) == _expected(case["rows"]), case["question"]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_values_binding_gives_the_same_rows_as_substitution(store: Store, name: str, case: dict[str, Any]) -> None:
    assert run(store, name, case.get("params"), values=True) == run(store, name, case.get("params"))


@pytest.mark.parametrize(("name", "case"), [c for c in CASES if c.values[1].get("params")])
def test_grlc_rewriting_gives_the_same_rows(store: Store, name: str, case: dict[str, Any]) -> None:
    """Published with grlc, which writes the value into the text in place of `?_name`, a query answers the same."""
    query = load_query(name, QUERIES)
    text = query.text
    for p in query.params:
        text = text.replace(f"?{p.variable}", '"{}"'.format(case["params"][p.name]))  # as grlc does it
    assert f"?{query.params[0].variable}" not in text
    assert rows_as_text(run_embedded(store, text)) == run(store, name, case["params"])


def test_every_saved_query_has_competency_questions() -> None:
    queries = {p.stem for p in QUERIES.glob("*.rq")}
    competency = {p.stem for p in COMPETENCY.glob("*.yaml")}
    assert queries == competency
    for path in COMPETENCY.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["query"] == path.stem
        for case in doc["cases"]:
            assert case["question"] and isinstance(case["rows"], list)


def test_the_questions_of_the_issue_are_all_there() -> None:
    assert set(load_queries(QUERIES)) >= {
        "editions", "participation-matrix", "country-frequency", "country-history", "institutions-visited",
        "people", "participant-trend", "topics", "conflicts", "provenance", "gaps", "organisers"}


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_headers_follow_grlc(path: Path) -> None:
    query = SavedQuery.from_file(path)
    header = parse_header(query.text)
    assert query.summary and query.description, "every query states a summary and a description"
    assert header.get("method") == "GET"
    assert isinstance(header.get("tags"), list)
    for p in query.params:
        assert p.description, f"parameter {p.name} is described under #+ params"
    documented = set(_pairs(header.get("params")))
    assert documented == {p.name for p in query.params}
    # self-contained for grlc: every prefix it uses is declared
    for prefix in ("ksst", "schema", "skos", "prov", "org", "rdfs", "xsd", "kg"):
        if f"{prefix}:" in _code(query.text):
            assert f"PREFIX {prefix}:" in query.text, f"{path.name} uses {prefix}: without declaring it"


def _pairs(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in value or []:
        out.update(item)
    return out


def _code(text: str) -> str:
    return "\n".join(line.split("#")[0] if not line.lstrip().startswith("PREFIX") else "" for line in
                     text.splitlines() if not line.lstrip().startswith("#"))


def test_parameterised_queries_are_the_ones_expected() -> None:
    params = {name: [p.name for p in q.params] for name, q in load_queries(QUERIES).items() if q.params}
    assert params == {"country-history": ["country"], "provenance": ["edition"]}


# --- parameters are terms, never query text ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["country-history", "provenance"])
@pytest.mark.parametrize("value", [INJECTION, 'Bhutan") || true || ("', "2017' || 1=1 || '", "} UNION { ?s ?p ?o }",
                                   "?_country", "BTN\n# comment"])
def test_a_hostile_parameter_is_one_literal(store: Store, name: str, value: str) -> None:
    query = load_query(name, QUERIES)
    param = query.params[0]
    bindings = query.bindings({param.name: value})
    assert bindings == {param.variable: Literal(value)}
    assert run(store, name, {param.name: value}) == []
    bound = bind_values(query.text, bindings)
    block = f" VALUES ?{param.variable} {{ {Literal(value)} }}"
    assert bound.replace(block, "", 1) == query.text   # the query itself is untouched
    assert run(store, name, {param.name: value}, values=True) == []


def test_the_store_is_unchanged_after_hostile_parameters(store: Store) -> None:
    before = len(store)
    run(store, "provenance", {"edition": INJECTION})
    run(store, "provenance", {"edition": INJECTION}, values=True)
    assert len(store) == before


# --- conflicts also finds a second value that no discrepancy explains -------------------------------------


def test_conflicts_lists_an_unrecorded_second_value(store: Store) -> None:
    """A copy of the graph with a second year for 2017 (which the build's QC would reject) and its claim."""
    copy = Store()
    copy.extend(list(store))
    g, onto = NamedNode(GRAPH_ASSERTED), NamedNode(GRAPH_ONTOLOGY)
    edition, year = NamedNode(KG + "edition/sim-2017"), NamedNode(KSST + "year")
    claim = NamedNode(KG + "edition/sim-2017/claim/test-second-year")
    value = Literal("2018", datatype=NamedNode(XSD + "gYear"))
    copy.extend([
        Quad(year, NamedNode(KSST + "singleValued"), Literal("true", datatype=NamedNode(XSD + "boolean")), onto),
        Quad(edition, year, value, g),
        Quad(claim, NamedNode(KSST + "claimSubject"), edition, g),
        Quad(claim, NamedNode(KSST + "claimProperty"), year, g),
        Quad(claim, NamedNode(KSST + "claimValue"), value, g),
        Quad(claim, NamedNode(PROV + "wasDerivedFrom"), NamedNode(KG + "source/moneter-20-negara"), g),
    ])
    rows = [r for r in run(copy, "conflicts") if r["kind"] == "unrecorded"]
    assert rows == [
        {"subject": "kg:edition/sim-2017", "property": "ksst:year", "value": "2017",
         "source": "kg:source/antara-jogja-347704", "kind": "unrecorded"},
        {"subject": "kg:edition/sim-2017", "property": "ksst:year", "value": "2018",
         "source": "kg:source/moneter-20-negara", "kind": "unrecorded"},
    ]
    assert [r for r in run(store, "conflicts") if r["kind"] == "unrecorded"] == []


# --- binding helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "marker"), [
    ("SELECT ?x WHERE { ?x ?p ?o }", "WHERE {"),
    ("SELECT ?x { ?x ?p ?o }", "?x {"),
    ("ASK { ?x ?p ?o }", "ASK {"),
    ('PREFIX ex: <http://ex/a#> SELECT ("{ WHERE" AS ?y) ?x WHERE { ?x ?p "}" }', 'WHERE { ?x'),
    ("# WHERE { in a comment\nSELECT ?where WHERE { ?where ?p ?o }", "WHERE { ?where"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WHERE {"),
    ("SELECT * WHERE { { SELECT ?x WHERE { ?x ?p ?o } } }", "* WHERE {"),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?x ?p ?o FILTER EXISTS { ?x ?q ?r } }", "WHERE {"),
    ("SELECT ?x WHERE { ?x ?p '''multi\n{ line''' }", "WHERE {"),
    ("select ?x where { ?x ?p ?o }", "where {"),
])
def test_the_where_group_is_found(query: str, marker: str) -> None:
    """`marker` is the text around the `{` that opens the WHERE group."""
    assert where_group_start(query) == query.index(marker) + marker.index("{") + 1


def test_values_for_several_variables_and_none() -> None:
    q = "SELECT ?a ?b WHERE { ?a ?p ?b }"
    assert bind_values(q, {}) == q
    bound = bind_values(q, {"a": NamedNode("http://ex/a"), "b": Literal("x", language="en")})
    assert bound == 'SELECT ?a ?b WHERE { VALUES (?a ?b) { (<http://ex/a> "x"@en) } ?a ?p ?b }'
    with pytest.raises(QueryError):
        bind_values("DESCRIBE <http://ex/a>", {"a": Literal("x")})


def test_parameters_follow_grlc_names_and_types() -> None:
    text = """#+ params:
#+   - country: a country
#+ defaults:
#+   - page: 2
SELECT ?_country ?__lang ?_page_integer ?_org_iri ?_title_en ?_day_xsd_date WHERE {
  # ?_commented is not a parameter
  ?s ?p "?_quoted" . FILTER(?_country = ?_country) }"""
    params = {p.name: p for p in find_params(text, {"country": "a country"}, {"page": "2"})}
    assert list(params) == ["country", "lang", "page", "org", "title", "day"]
    assert params["country"].required and params["country"].description == "a country"
    assert not params["lang"].required
    assert params["page"].kind == "integer" and params["page"].default == "2"
    assert params["org"].kind == "iri" and params["title"].kind == "lang:en"
    assert params["day"].kind == XSD + "date"
    query = SavedQuery.from_text("t", text)
    assert query.params[2].default == "2"   # an example for listings (grlc's swagger default), not applied
    with pytest.raises(QueryError, match=r"needs parameter page.*--param page=2"):
        query.bindings({"country": "Bhutan", "org": "http://ex/a", "title": "t", "day": "2017-08-09"})
    bindings = query.bindings({"country": "Bhutan", "page": "2", "org": "https://w3id.org/ksst-kg/id/org/bppi",
                               "title": "Batch II", "day": "2017-08-09"})
    assert bindings == {
        "_country": Literal("Bhutan"), "_page_integer": Literal("2", datatype=NamedNode(XSD + "integer")),
        "_org_iri": NamedNode(KG + "org/bppi"), "_title_en": Literal("Batch II", language="en"),
        "_day_xsd_date": Literal("2017-08-09", datatype=NamedNode(XSD + "date"))}
    with pytest.raises(QueryError, match="needs parameter country"):
        query.bindings({})
    with pytest.raises(QueryError, match="no parameter colour"):
        query.bindings({"country": "x", "colour": "red"})
    with pytest.raises(QueryError, match="not an integer"):
        query.bindings({"country": "x", "page": "2; DROP ALL"})
    with pytest.raises(QueryError, match="not an absolute IRI"):
        query.bindings({"country": "x", "page": "1", "org": "> } DROP ALL {"})


def test_unknown_query_names_are_errors() -> None:
    with pytest.raises(QueryError, match="no saved query named 'nope'"):
        load_query("nope", QUERIES)
    with pytest.raises(QueryError, match="no saved query"):
        load_query("../qc/claim-without-source", QUERIES)
