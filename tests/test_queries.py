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

from ksst_kg import QueryError
from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, KG, KSST, PROV, XSD
from ksst_kg.query import (
    SavedQuery,
    find_params,
    inline_terms,
    load_queries,
    load_query,
    parse_header,
    rows_as_text,
    run_embedded,
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


def run(store: Store, name: str, params: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Rows of a saved query (read from queries/), its parameters written in as terms."""
    query = load_query(name, QUERIES)
    bindings = query.bindings({k: _text(v) for k, v in (params or {}).items()})
    return rows_as_text(run_embedded(store, query.text, bindings))


def run_over_graphs(store: Store, name: str, params: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The same, with the three graphs named one by one rather than read as the union of the store's graphs."""
    query = load_query(name, QUERIES)
    bindings = query.bindings({k: _text(v) for k, v in (params or {}).items()})
    graphs = (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, "https://example.org/no-such-graph")
    return rows_as_text(run_embedded(store, query.text, bindings, graphs))


# --- the competency questions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), CASES)
def test_competency_question(store: Store, name: str, case: dict[str, Any]) -> None:
    assert run(store, name, case.get("params")) == _expected(case["rows"]), case["question"]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_the_union_of_the_stores_graphs_gives_the_rows_of_the_graphs_named(store: Store, name: str,
                                                                           case: dict[str, Any]) -> None:
    assert run_over_graphs(store, name, case.get("params")) == run(store, name, case.get("params"))


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
    inlined = inline_terms(query.text, bindings)
    assert inlined.replace(str(Literal(value)), f"?{param.variable}") == query.text  # only the variable replaced


def test_the_store_is_unchanged_after_hostile_parameters(store: Store) -> None:
    before = len(store)
    run(store, "provenance", {"edition": INJECTION})
    run(store, "country-history", {"country": INJECTION})
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


def test_only_the_bound_variables_in_the_syntax_are_replaced() -> None:
    q = ('SELECT ?x WHERE { ?x ?p ?_a . ?x ?q $_a . ?x ?r ?_ab . ?x ?s ?__a '
         'FILTER(?o != "?_a" && ?o != <http://ex/?_a>) } # ?_a\n')
    bound = inline_terms(q, {"_a": Literal("x", language="en"), "__a": NamedNode("http://ex/b")})
    assert bound == ('SELECT ?x WHERE { ?x ?p "x"@en . ?x ?q "x"@en . ?x ?r ?_ab . ?x ?s <http://ex/b> '
                     'FILTER(?o != "?_a" && ?o != <http://ex/?_a>) } # ?_a\n')
    assert inline_terms(q, {}) == q


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT ?_y ?e WHERE { ?e ?p ?_y }", 'SELECT ("2018" AS ?_y) ?e WHERE { ?e ?p "2018" }'),
    ("SELECT $_y (STR(?_y) AS ?s) { ?e ?p ?o } GROUP BY ?_y",
     'SELECT ("2018" AS ?_y) (STR("2018") AS ?s) { ?e ?p ?o } GROUP BY ("2018")'),
    ("SELECT * WHERE { { SELECT ?_y WHERE { ?e ?p ?_y } } }",
     'SELECT * WHERE { { SELECT ("2018" AS ?_y) WHERE { ?e ?p "2018" } } }'),
    ("SELECT ?e FROM <http://ex/g> WHERE { ?e ?p ?o } GROUP BY ?e HAVING(COUNT(?o) > ?_y) ORDER BY ?_y",
     'SELECT ?e FROM <http://ex/g> WHERE { ?e ?p ?o } GROUP BY ?e HAVING(COUNT(?o) > "2018") ORDER BY "2018"'),
])
def test_a_parameter_where_only_a_variable_may_stand_keeps_its_name(query: str, expected: str) -> None:
    assert inline_terms(query, {"_y": Literal("2018")}) == expected


def test_a_projected_parameter_is_hidden_from_the_result(store: Store) -> None:
    query = SavedQuery.ad_hoc("adhoc", "SELECT ?_year ?e WHERE { ?e ksst:year ?y FILTER(STR(?y) = ?_year) }")
    result = run_embedded(store, query.text, query.bindings({"year": "2018"}))
    assert result.variables == ["e"]
    assert rows_as_text(result) == [{"e": "kg:edition/sim-2018"}]


def test_a_parameter_where_no_value_may_stand_is_a_clear_error(store: Store) -> None:
    query = SavedQuery.ad_hoc("adhoc", "SELECT ?e WHERE { ?e ksst:year ?y BIND(STR(?y) AS ?_year) }")
    with pytest.raises(QueryError, match=r"parameter variable \?_year stands where a value cannot .*not in VALUES"):
        run_embedded(store, query.text, query.bindings({"year": "2018"}))


def test_a_syntax_error_of_a_query_with_parameters_is_the_users_own(store: Store) -> None:
    query = SavedQuery.ad_hoc("adhoc", "SELECT ?e WHERE { ?e ksst:year ?y FILTER(STR(?y) = ?_year) ")
    with pytest.raises(QueryError, match=r"^syntax error: ") as info:
        run_embedded(store, query.text, query.bindings({"year": "2018"}))
    assert "parameter" not in str(info.value)


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
