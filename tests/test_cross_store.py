"""Every saved query gives the same rows in the same order on the embedded store, a real Oxigraph server and a
real Virtuoso, each parameter set of its competency file (and its header's example) included.

The test data's build is loaded into both servers with `ksst load` under graphs of their own (`--graph`), so
other tests that load into the same servers at the same time do not touch them; the queries are sent as
`ksst query --endpoint` sends them (parameters written in as terms, the three graphs as default-graph-uri).
Cells are compared as RDF terms (an xsd:boolean in its canonical form, as `ksst_kg.remote` reads it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import ksst_kg
from ksst_kg import BuildResult, remote
from ksst_kg.cli import main
from ksst_kg.query import load_queries, load_query

from .compare import rows
from .servers import Oxigraph, running_oxigraph, virtuoso  # noqa: F401
from .virtuoso import VirtuosoServer

COMPETENCY = Path(__file__).parent / "competency"
BASE = "https://example.org/cross-store"
GRAPHS = list(remote.target_graphs(BASE).values())


def cases() -> list[Any]:
    out = []
    for name in sorted(load_queries()):
        query = load_query(name)
        sets: list[dict[str, str]] = []
        path = COMPETENCY / f"{name}.yaml"
        if path.exists():
            for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
                params = {k: str(v) for k, v in (case.get("params") or {}).items()}
                if params not in sets:
                    sets.append(params)
        defaults = query.examples
        if defaults and defaults not in sets:
            sets.append(defaults)
        for params in sets or [{}]:
            label = name + ("[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]" if params else "")
            out.append(pytest.param(name, params, id=label))
    return out


def load_into(*args: str) -> None:
    result = CliRunner(env={"KSST_ENDPOINT_USER": None, "KSST_ENDPOINT_PASSWORD": None}).invoke(
        main, ["load", "--graph", BASE, *args])
    assert result.exit_code == 0, result.output
    assert "DIFFERS" not in result.stdout


@pytest.fixture(scope="module")
def oxigraph_loaded(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    with running_oxigraph(tmp_path_factory.mktemp("cross-oxigraph")) as server:
        load_into("--endpoint", server.query, "--out", str(built.out_dir))
        yield server


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso: VirtuosoServer, built: BuildResult) -> VirtuosoServer:  # noqa: F811
    load_into("--endpoint", virtuoso.sparql_auth, "--user", "dba", "--password", virtuoso.password, "--auth",
              "digest", "--out", str(built.out_dir))
    return virtuoso


@pytest.mark.parametrize(("name", "params"), cases())
def test_every_store_gives_the_same_rows_in_the_same_order(name: str, params: dict[str, str], built: BuildResult,
                                                          request: pytest.FixtureRequest) -> None:
    query = load_query(name)
    bindings = query.bindings(params)
    embedded = ksst_kg.answer(query.text, bindings, build_dir=built.out_dir)
    expected = rows(embedded)
    ox: Oxigraph = request.getfixturevalue("oxigraph_loaded")
    served = ksst_kg.answer(query.text, bindings, endpoint=ox.query, graphs=GRAPHS)
    assert served.variables == embedded.variables
    assert rows(served) == expected, "oxigraph"
    v: VirtuosoServer = request.getfixturevalue("virtuoso_loaded")
    answered = ksst_kg.answer(query.text, bindings, endpoint=v.sparql_auth, graphs=GRAPHS, user="dba",
                              password=v.password, auth="digest")
    assert answered.variables == embedded.variables
    assert rows(answered) == expected, "virtuoso"
