"""`ksst queries` and `ksst query`: listing, output formats, parameters, errors, remote endpoints, start-up weight."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ksst_kg.build import BuildResult
from ksst_kg.cli import main
from ksst_kg.namespaces import GRAPH_ASSERTED, KG
from ksst_kg.query import Result, format_table, load_queries

from .conftest import ROOT
from .servers import running_oxigraph


def ksst(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


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
    assert lines[-1] == "(4 rows)"


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
    assert len(rows) == 48
    assert rows[0] == {"iso3": "BGD", "country": "Bangladesh", "year": "2016"}
    assert result.stderr == ""


def test_csv_keeps_full_iris_and_tsv_uses_tabs(out: str) -> None:
    result = ksst("query", "organisers", "-f", "csv", "--out", out)
    first = next(csv.DictReader(io.StringIO(result.stdout)))
    assert first["organisation"] == KG + "org/ditjen-ikm"
    tsv = ksst("query", "organisers", "--format", "tsv", "--out", out).stdout
    assert tsv.splitlines()[0].split("\t") == ["year", "role", "organisation", "name", "parents", "sources"]


def test_json_is_sparql_results_json(out: str) -> None:
    result = ksst("query", "country-history", "--param", "country=Srilanka", "--format", "json", "--out", out)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["iso3", "kind", "item", "name", "years", "roles", "sources"]
    bindings = doc["results"]["bindings"]
    assert len(bindings) == 5
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
    result = ksst(*args, "--out", out)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_a_missing_build_says_to_build(tmp_path: Path) -> None:
    result = ksst("query", "editions", "--out", str(tmp_path / "nothing"))
    assert result.exit_code != 0
    assert "run `ksst build` first" in result.stderr


def test_a_syntax_error_in_a_saved_query_names_the_file(out: str, tmp_path: Path, monkeypatch) -> None:
    from ksst_kg import query as query_module

    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "broken.rq").write_text("#+ summary: broken\nSELECT ?x WHERE { ?x ?p }\n")
    monkeypatch.setattr(query_module, "queries_dir", lambda: folder)
    result = ksst("query", "broken", "--out", out)
    assert result.exit_code != 0
    assert "broken.rq" in result.stderr and "syntax error" in result.stderr


# --- remote endpoints -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(built: BuildResult, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A read-only Oxigraph server over a copy of the built store."""
    copy = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(built.out_dir / "store", copy)
    with running_oxigraph(copy, read_only=True) as server:
        yield server.query


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
    assert only_asserted.stdout == "n\n4\n"


def test_an_endpoint_that_is_down_is_a_message() -> None:
    result = ksst("query", "editions", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "2")
    assert result.exit_code != 0
    assert "ksst query:" in result.stderr and "Traceback" not in result.output


# --- start-up weight --------------------------------------------------------------------------------------


def test_query_imports_neither_rdflib_nor_owlrl_nor_pyshacl_nor_pydantic(out: str) -> None:
    script = (
        "import sys\n"
        "from ksst_kg.cli import main\n"
        f"try:\n    main(['query', 'editions', '--out', {out!r}, '-f', 'csv'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "try:\n    main(['queries'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('rdflib', 'owlrl', 'pyshacl', 'pydantic') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
