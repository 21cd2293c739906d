"""The QC queries in `qc/` (ODK style: a row is a failure), each against fixtures in `tests/qc/cases/`.

A case is `tests/qc/cases/<query>-<what>.ttl`: a small Turtle graph that the query named by the file must
flag, with one `# expected: IRI` line (relative to the id base) per focus node it must report, and no others
(the other queries may flag the small graph too; only the named query's rows are compared).
The queries are read from `qc/` itself and run over the case plus the real ontology, as the build runs them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from ksst_kg.core.namespaces import KG
from ksst_kg.core.resources import ontology_triples
from ksst_kg.validate import qc_queries, qc_violations, store_with

CASES_DIR = Path(__file__).resolve().parent / "qc" / "cases"
CASES = sorted(CASES_DIR.glob("*.ttl"))
EXPECTED = re.compile(r"^# expected: (\S+)\s*$", re.MULTILINE)


def query_of(case: Path) -> str:
    """The QC query a case is for: the longest name in qc/ that starts the file name."""
    names = [q.stem for q in qc_queries() if case.stem.startswith(q.stem + "-")]
    assert names, f"{case.name}: no qc/*.rq starts its name"
    return max(names, key=len)


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_case_is_flagged_exactly_by_its_query(case: Path) -> None:
    text = case.read_text(encoding="utf-8")
    expected = sorted(KG + m for m in EXPECTED.findall(text))
    assert expected, f"{case.name}: no '# expected:' line"
    store = store_with([q.triple for q in parse(text, format=RdfFormat.TURTLE)], ontology_triples())
    found = qc_violations(store, {KG + "edition/sim-2017": "editions/sim-2017.yaml"})
    query = query_of(case)
    mine = [v for v in found if v.shape == f"{query}.rq"]
    assert sorted(v.focus for v in mine) == expected
    assert all(v.message.startswith(f"QC check {query} failed") for v in mine)
    if KG + "edition/sim-2017" in expected:  # the file a curator must open is named
        assert {v.file for v in mine if v.focus == KG + "edition/sim-2017"} == {"editions/sim-2017.yaml"}


def test_every_qc_query_has_a_case() -> None:
    covered = {query_of(case) for case in CASES}
    assert covered == {q.stem for q in qc_queries()}


def test_the_real_data_passes_every_qc_query(store: Store) -> None:
    assert qc_violations(store) == []
