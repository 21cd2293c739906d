"""Shared fixtures: one build of the test data set per test session, and helpers to read it.

The code's tests run on `tests/data/`, a frozen data set of their own (four editions read from real articles,
frozen as they were, and one invented edition that uses every feature of the record format); they never read
`data/`, which curators change. The real data is checked by `tests/test_data.py` against its expectations.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from ksst_kg import BuildResult, build
from ksst_kg.core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, sparql_prologue

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DEFAULT_GRAPHS = [NamedNode(g) for g in (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY)]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The test data set, built once into a temporary folder."""
    return build(DATA, tmp_path_factory.mktemp("build") / "build")


@pytest.fixture(scope="session")
def store(built: BuildResult) -> Iterator[Store]:
    """The embedded store of that build, opened read-only."""
    yield Store.read_only(str(built.out_dir / "store"))


def select(store: Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT over asserted + inferred + ontology; rows as {variable: lexical value}."""
    rows = store.query(sparql_prologue() + query, default_graph=DEFAULT_GRAPHS)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the test data set that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target
