"""`ksst queries` and `ksst query`: listing, output formats, parameters, errors, remote endpoints, start-up weight."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from ksst_kg import BuildResult
from ksst_kg.cli import main
from ksst_kg.core.namespaces import GRAPH_ASSERTED, KG
from ksst_kg.query import Result, format_table, load_queries

from .conftest import ROOT
from .dataset import country_years, edition_ids
from .servers import HOST, Oxigraph, auth_server, free_port, running_oxigraph, silent_server

#: Parameter values that would change the query if they were spliced into its text.
HOSTILE = ['x" } ; DROP ALL ; SELECT * { "', 'Bhutan") || true || ("', "2018' || 1=1 || '", "} UNION { ?s ?p ?o }",
           "?_country", '2018" } # the rest is a comment', "BTN\n# comment", '""" } } LIMIT 1 #', '\\" OR \\']


def ksst(*args: str, input: str | None = None, env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    # credentials come from the options only, not from the environment of whoever runs the tests
    env = {"KSST_ENDPOINT_USER": None, "KSST_ENDPOINT_PASSWORD": None, **(env or {})}
    return CliRunner(env=env).invoke(main, list(args), input=input, catch_exceptions=False)


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    """The message of a failed `ksst query`: one line on standard error, nothing on standard output."""
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ksst query: ")
    return lines[0]


@pytest.fixture(scope="module")
def out(built: BuildResult) -> str:
    return str(built.out_dir)


# --- listing ----------------------------------------------------------------------------------------------


def test_queries_lists_every_saved_query_with_summary_and_parameters() -> None:
    result = ksst("queries")
    assert result.exit_code == 0, result.output
    for name, query in load_queries(ROOT / "queries").items():
        line = next(line for line in result.stdout.splitlines() if line.startswith(name + " "))
        assert query.summary[:40] in line
    assert "--param country=" in result.stdout and "--param edition=" in result.stdout


def test_queries_name_shows_the_description_and_parameters() -> None:
    result = ksst("queries", "country-history")
    assert result.exit_code == 0
    assert "spelling" in result.stdout and "--param country=VALUE" in result.stdout
    assert "e.g. Bhutan" in result.stdout


# --- formats ----------------------------------------------------------------------------------------------


def test_table_is_aligned_with_prefixed_iris(out: str) -> None:
    result = ksst("query", "editions", "--out", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header, rule = lines[0], lines[1]
    starts = [0] + [i + 2 for i, ch in enumerate(rule) if rule[i:i + 2] == "  " and rule[i + 2:i + 3] == "-"]
    names = header.split()
    assert [header.index(n) for n in names] == starts
    assert names[:3] == ["edition", "year", "start"]
    assert lines[2].startswith("kg:edition/sim-2016  2016  2016-10-24")
    assert "schema:OfflineEventAttendanceMode" in result.stdout
    assert lines[-1] == f"({len(lines) - 3} rows)"
    assert sorted({line.split()[0].removeprefix("kg:edition/") for line in lines[2:-1]}) == edition_ids()


def test_table_cells_wrap_to_a_width() -> None:
    from pyoxigraph import Literal, NamedNode

    prose = "one two three four five six seven eight nine ten eleven twelve"
    result = Result(["a", "b"], [{"a": Literal(prose), "b": NamedNode(KG + "edition/sim-2018")}])
    text = format_table(result, max_width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert "kg:edition/sim-2018" in text                              # IRIs are never cut
    assert " ".join(text.split()[4:-2]).replace(" kg:edition/sim-2018", "") == prose
    wide = format_table(result, max_width=10)                         # too narrow: overflow, never cut words
    assert "kg:edition/sim-2018" in wide and all(w in wide.split() for w in prose.split())


def test_csv_is_only_the_rows(out: str) -> None:
    result = ksst("query", "participation-matrix", "--format", "csv", "--out", out)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(country_years())
    assert rows[0] == {"iso3": "BGD", "country": "Bangladesh", "year": "2016"}
    assert result.stderr == ""


def test_csv_keeps_full_iris_and_tsv_uses_tabs(out: str) -> None:
    result = ksst("query", "organisers", "-f", "csv", "--out", out)
    first = next(csv.DictReader(io.StringIO(result.stdout)))
    assert first["organisation"] == KG + "org/ditjen-ikm"
    tsv = ksst("query", "organisers", "--format", "tsv", "--out", out).stdout
    assert tsv.splitlines()[0].split("\t") == ["year", "role", "organisation", "acronym", "name", "parents",
                                                "sources"]


def test_json_is_sparql_results_json(out: str) -> None:
    result = ksst("query", "country-history", "--param", "country=Srilanka", "--format", "json", "--out", out)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["iso3", "kind", "item", "name", "years", "roles", "sources"]
    bindings = doc["results"]["bindings"]
    assert len(bindings) == 6  # five editions (the invented 2020 list writes "Srilanka") and one person
    assert bindings[0]["item"] == {"type": "uri", "value": KG + "edition/sim-2016"}
    assert bindings[-1]["name"] == {"type": "literal", "value": "Jayalath Kelantotuwage Owitage"}


# --- ad-hoc queries ---------------------------------------------------------------------------------------


def test_expression_with_the_project_prefixes(out: str) -> None:
    result = ksst("query", "-e", "SELECT ?n WHERE { <https://w3id.org/ksst-kg/id/edition/sim-2018> "
                  "ksst:statedParticipantCount ?n }", "-f", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == "n\n20\n"
    ask = ksst("query", "-e", "ASK { ?e ksst:year ?y FILTER(STR(?y) = '2019') }", "-f", "csv", "--out", out)
    assert ask.stdout == "ask\nfalse\n"


def test_query_file_and_standard_input_with_parameters(out: str, tmp_path: Path) -> None:
    path = tmp_path / "named.rq"
    path.write_text("#+ summary: countries an edition year names\n"
                    "SELECT ?_year ?iso WHERE { ?e ksst:year ?y ; ksst:participatingCountry/ksst:isoAlpha3 ?iso "
                    "FILTER(STR(?y) = ?_year) } ORDER BY ?iso\n")
    result = ksst("query", str(path), "--param", "year=2018", "-f", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["iso", "AFG", "BGD", "BTN", "IDN", "IND", "LAO", "LKA", "MMR", "NPL", "PAK"]
    piped = ksst("query", "-", "--param", "year=2018", "-f", "csv", "--out", out, input=path.read_text())
    assert piped.stdout == result.stdout


# --- errors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["query", "no-such-question"], "no saved query named 'no-such-question'"),
    (["query", "country-history"], "needs parameter country"),
    (["query", "country-history", "--param", "country"], "--param takes key=value"),
    (["query", "editions", "--param", "colour=red"], "has no parameter colour"),
    (["query", "-e", "SELECT WHERE {"], "syntax error"),
    (["query", "-e", "SELECT ?x WHERE { ?x ?p ?o }", "editions"], "not both"),
    (["query"], "which query?"),
    (["query", "missing.rq"], "no query file missing.rq"),
])
def test_mistakes_give_a_message_and_a_non_zero_exit(out: str, args: list[str], message: str) -> None:
    assert message in one_line_error(ksst(*args, "--out", out))


@pytest.mark.parametrize(("query", "where"), [
    ("SELECT WHERE {", "error at 1:"),
    ("SELECT ?x\nWHERE {\n  ?x ?p\n}", "error at 4:"),
    ("SELECT ?x WHERE {\n  ?x foo:bar ?o }", "error at 2:"),
])
def test_a_syntax_error_is_one_line_in_the_users_own_lines(out: str, tmp_path: Path, query: str, where: str) -> None:
    """The project's prefixes go in front of an ad-hoc query; the line numbers are still those of its text."""
    message = one_line_error(ksst("query", "-e", query, "--out", out))
    assert message.startswith("ksst query: (expression): syntax error: ") and where in message
    path = tmp_path / "mine.rq"
    path.write_text(query)
    message = one_line_error(ksst("query", str(path), "--out", out))
    assert message.startswith(f"ksst query: {path}: syntax error: ") and where in message
    piped = one_line_error(ksst("query", "-", "--out", out, input=query))
    assert piped.startswith("ksst query: (stdin): syntax error: ") and where in piped


def test_an_unknown_prefix_and_an_update_are_named(out: str) -> None:
    message = one_line_error(ksst("query", "-e", "SELECT ?x WHERE { ?x foo:bar ?o }", "--out", out))
    assert "unknown prefix foo:" in message
    message = one_line_error(ksst("query", "-e", "INSERT DATA { <http://x/s> <http://x/p> 1 }", "--out", out))
    assert "this is a SPARQL update" in message


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_parameter_on_the_command_line_is_one_literal(out: str, value: str) -> None:
    for name, param in (("country-history", "country"), ("provenance", "edition")):
        result = ksst("query", name, "--param", f"{param}={value}", "-f", "csv", "--out", out)
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) == 1, result.stdout  # the header, no rows
    # the same query answers a real value
    real = ksst("query", "provenance", "--param", "edition=2018", "-f", "csv", "--out", out)
    assert len(real.stdout.splitlines()) > 1


def test_a_missing_build_says_to_build(tmp_path: Path) -> None:
    result = ksst("query", "editions", "--out", str(tmp_path / "nothing"))
    assert result.exit_code != 0
    assert "run `ksst build` first" in result.stderr


def test_a_syntax_error_in_a_saved_query_names_the_file(out: str, tmp_path: Path, monkeypatch) -> None:
    from ksst_kg.query import saved as query_module

    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "broken.rq").write_text("#+ summary: broken\nSELECT ?x WHERE { ?x ?p }\n")
    monkeypatch.setattr(query_module, "queries_dir", lambda: folder)
    result = ksst("query", "broken", "--out", out)
    assert result.exit_code != 0
    assert "broken.rq" in result.stderr and "syntax error" in result.stderr


# --- remote endpoints -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(built: BuildResult, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A read-only Oxigraph server over a copy of the built store."""
    copy = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(built.out_dir / "store", copy)
    with running_oxigraph(copy, read_only=True) as server:
        yield server


@pytest.fixture(scope="module")
def endpoint(server: Oxigraph) -> str:
    return server.query


@pytest.mark.parametrize(("name", "params"), [
    ("country-history", ["--param", "country=Papua Nugini"]),
    ("provenance", ["--param", "edition=2018"]),
    ("participant-trend", []),
    ("institutions-visited", []),
])
def test_an_endpoint_gives_the_same_answer_as_the_embedded_store(out: str, endpoint: str, name: str,
                                                                 params: list[str]) -> None:
    local = ksst("query", name, *params, "-f", "json", "--out", out)
    remote = ksst("query", name, *params, "-f", "json", "--endpoint", endpoint)
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(local.stdout)["results"]["bindings"]


def test_an_endpoint_gets_parameters_as_values_and_the_chosen_graphs(endpoint: str) -> None:
    hostile = ksst("query", "country-history", "--param", 'country=x" } ; DROP ALL ; SELECT * { "', "-f", "csv",
                   "--endpoint", endpoint)
    assert hostile.exit_code == 0, hostile.output
    assert hostile.stdout == "iso3,kind,item,name,years,roles,sources\n"
    only_asserted = ksst("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s a ksst:Edition }", "-f", "csv",
                         "--endpoint", endpoint, "--graph", GRAPH_ASSERTED)
    assert only_asserted.stdout == f"n\n{len(edition_ids())}\n"


def test_an_endpoint_that_is_down_is_a_message() -> None:
    message = one_line_error(ksst("query", "editions", "--endpoint", f"http://{HOST}:{free_port()}/query"))
    assert "connection refused" in message and "check that the store is running" in message


def test_a_wrong_path_a_timeout_and_a_syntax_error_at_an_endpoint(server: Oxigraph) -> None:
    message = one_line_error(ksst("query", "editions", "--endpoint", server.base + "/ksst/sparql"))
    assert "HTTP 404" in message and "check the path in --endpoint" in message
    with silent_server() as port:
        message = one_line_error(ksst("query", "editions", "--endpoint", f"http://{HOST}:{port}/query",
                                      "--timeout", "0.3"))
    assert "did not answer within 0.3 s" in message
    message = one_line_error(ksst("query", "-e", "SELECT ?x\nWHERE { ?x ?p }", "--endpoint", server.query))
    assert message.startswith("ksst query: (expression): ") and "HTTP 400" in message and "error at 2:" in message


def test_an_endpoint_answers_ask_construct_and_describe_like_the_embedded_store(out: str, endpoint: str) -> None:
    ask = "ASK { <https://w3id.org/ksst-kg/id/edition/sim-2018> ksst:year ?y }"
    for fmt, expected in (("json", '{\n "head": {},\n "boolean": true\n}\n'), ("csv", "ask\ntrue\n")):
        assert ksst("query", "-e", ask, "-f", fmt, "--out", out).stdout == expected
        assert ksst("query", "-e", ask, "-f", fmt, "--endpoint", endpoint).stdout == expected
    for query in ("CONSTRUCT { ?e ksst:year ?y } WHERE { ?e ksst:year ?y }",
                  "DESCRIBE <https://w3id.org/ksst-kg/id/edition/sim-2018>"):
        local = ksst("query", "-e", query, "-f", "csv", "--out", out)
        remote = ksst("query", "-e", query, "-f", "csv", "--endpoint", endpoint)
        assert remote.exit_code == 0, remote.output
        lines = local.stdout.splitlines()
        assert lines[0] == "subject,predicate,object" and len(lines) > 2
        assert sorted(remote.stdout.splitlines()) == sorted(lines)


def test_an_endpoint_receives_the_query_text_with_the_value_as_one_term(server: Oxigraph) -> None:
    """What goes over the wire: the saved query as written, the escaped literal in place of the variable."""
    from pyoxigraph import Literal

    from ksst_kg.query import load_query

    text = load_query("country-history").text
    with auth_server("basic", upstream=server.base) as proxy:
        for value in HOSTILE:
            result = ksst("query", "country-history", "--param", f"country={value}", "-f", "csv",
                          "--endpoint", proxy.base + "/query", "--user", "dba", "--password", "s3cret")
            assert result.stdout == "iso3,kind,item,name,years,roles,sources\n", result.output
            sent = urllib.parse.parse_qs(proxy.bodies[-1].decode())["query"][0]
            assert sent == text.replace("?_country", str(Literal(value)))


@pytest.mark.parametrize("scheme", ["basic", "digest"])
def test_credentials_reach_an_endpoint_behind_authentication(out: str, server: Oxigraph, scheme: str) -> None:
    """Oxigraph behind an authenticating proxy (digest as Virtuoso's, basic as Fuseki's or GraphDB's): the
    options, the environment and the prompt all give the same rows as the embedded store."""
    local = ksst("query", "participant-trend", "-f", "csv", "--out", out).stdout
    with auth_server(scheme, upstream=server.base) as proxy:
        url = proxy.base + "/query"
        message = one_line_error(ksst("query", "participant-trend", "--endpoint", url))
        assert "HTTP 401" in message and "--user and --password" in message
        message = one_line_error(ksst("query", "participant-trend", "--endpoint", url, "--user", "dba",
                                      "--password", "wrong"))
        assert "refused the credentials" in message
        runs = [ksst("query", "participant-trend", "-f", "csv", "--endpoint", url, "--user", "dba",
                     "--password", "s3cret", "--auth", scheme),
                ksst("query", "participant-trend", "-f", "csv", "--endpoint", url,
                     env={"KSST_ENDPOINT_USER": "dba", "KSST_ENDPOINT_PASSWORD": "s3cret"}),
                ksst("query", "participant-trend", "-f", "csv", "--endpoint", url, "--user", "dba", input="s3cret\n")]
        for result in runs:
            assert result.exit_code == 0, result.output
            assert result.stdout == local
        assert "Password for dba" in runs[-1].stderr
        sent = [a for a in proxy.authorizations if a is not None]
        assert sent and all(a.startswith(scheme.capitalize() + " ") for a in sent)
        if scheme == "digest":
            assert not any("s3cret" in a for a in sent)


# --- start-up weight --------------------------------------------------------------------------------------


def test_query_imports_neither_rdflib_nor_owlrl_nor_pyshacl_nor_pydantic(out: str) -> None:
    script = (
        "import sys\n"
        "from ksst_kg.cli import main\n"
        f"try:\n    main(['query', 'editions', '--out', {out!r}, '-f', 'csv'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "try:\n    main(['queries'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('rdflib', 'owlrl', 'pyshacl', 'pydantic', 'requests', 'jinja2')\n"
        "               if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


# --- messages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "expected"), [
    ("syntax error: error at 17:5: expected WHERE", "syntax error: error at 2:5: expected WHERE"),   # Oxigraph
    ('Encountered " "}" "} "" at line 18, column 3.', 'Encountered " "}" "} "" at line 3, column 3.'),  # Jena, RDF4J
    ("SP030: SPARQL compiler, line 16: syntax error", "SP030: SPARQL compiler, line 1: syntax error"),  # Virtuoso
    ("error at 3:1: in the prologue", "error at 3:1: in the prologue"),                       # not the user's line
])
def test_line_numbers_are_moved_to_the_users_text(message: str, expected: str) -> None:
    from ksst_kg.query import in_user_lines

    assert in_user_lines(message, 15) == expected
    assert in_user_lines(message, 0) == message


def test_a_result_without_columns_is_printed(out: str) -> None:
    """`SELECT * WHERE {}` has one solution and no variable: every format prints it, none crashes."""
    for fmt in ("table", "csv", "tsv", "json"):
        result = ksst("query", "-e", "SELECT * WHERE {}", "--out", out, "-f", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
    assert ksst("query", "-e", "SELECT * WHERE {}", "--out", out).stdout.endswith("(1 row)\n")
