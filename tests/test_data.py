"""The real data, checked: each source's expectations (`data/expectations/<source-id>.yaml`, the facts a reader
finds in that article) against the built graph, and what follows from the records (editions, countries, sources)
against the build's summary and the saved queries, computed from the records, never written here.

Run on another data folder with `KSST_DATA=path/to/data python -m pytest tests/test_data.py`: a curator who adds
an edition, its sources and their expectations runs these checks unchanged.

An expectations file:

    source: moneter-20-negara                  # the id of the source in sources.yaml
    facts:
      - about: kg:edition/sim-2018             # the subject, as `ksst query` shows IRIs
        property: ksst:year                    # the property, prefixed (ksst:, schema:, org:, prov:, ...)
        values: ["2018"]                       # every value this source gives for it, exactly these ([] = none)
        derivation: stated                     # optional: stated or inferred, for every one of those claims
        as_written: [Burhan]                   # optional: spellings this source's claims keep as written
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyoxigraph import Store

from ksst_kg import BuildResult, build
from ksst_kg.core.namespaces import GRAPH_ASSERTED, KG, PREFIXES, sparql_prologue
from ksst_kg.query import load_query, rows_as_text, run_embedded
from ksst_kg.records import Dataset, load_dataset, record_files

from .conftest import ROOT, select

REAL_DATA = Path(os.environ.get("KSST_DATA") or ROOT / "data").resolve()
KEYS = {"about", "property", "values", "derivation", "as_written"}


def expectation_files() -> list[Path]:
    return [REAL_DATA / rel for rel in record_files(REAL_DATA).expectations]


@pytest.fixture(scope="module")
def records() -> Dataset:
    return load_dataset(REAL_DATA)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(REAL_DATA, tmp_path_factory.mktemp("real") / "build")


@pytest.fixture(scope="module")
def real_store(real_build: BuildResult) -> Store:
    copy = real_build.out_dir.parent / "store-copy"  # a copy, so that the build folder stays as it was written
    if not copy.exists():
        shutil.copytree(real_build.out_dir / "store", copy)
    return Store.read_only(str(copy))


def expand(name: str) -> str:
    """A prefixed name (`kg:edition/sim-2018`, `ksst:year`) as a full IRI."""
    prefix, _, local = name.partition(":")
    if prefix not in PREFIXES or not local:
        raise AssertionError(f"{name!r} is not a prefixed name (kg:, ksst:, schema:, org:, prov:, ...)")
    return PREFIXES[prefix] + local


def shown(value: Any) -> str:
    """A value of an expectations file as `ksst query` shows it (`true` is "true", a date is "2021-09-13")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def claims_of(store: Store, about: str, prop: str, source: str) -> list[dict[str, str]]:
    """Value, derivation and spelling kept as written of every claim (about, prop) that cites `source`."""
    query = f"""
        SELECT ?value ?derivation ?written WHERE {{
          ?c a ksst:Claim ; ksst:claimSubject <{about}> ; ksst:claimProperty <{prop}> ;
             prov:wasDerivedFrom <{KG}source/{source}> ; ksst:derivation ?derivation .
          {{ ?c ksst:claimValue ?value }} UNION {{ ?c ksst:claimObject ?value }}
          OPTIONAL {{ ?c ksst:writtenAs ?w . ?w ksst:writtenText ?written ;
                                               prov:wasDerivedFrom <{KG}source/{source}> }}
        }}"""
    return rows_as_text(run_embedded(store, sparql_prologue() + query, {}, (GRAPH_ASSERTED,)))


def check_expectations(store: Store, path: Path, records: Dataset) -> list[str]:
    """Every way the built graph differs from the expectations file; [] when it agrees."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) != {"source", "facts"} or not isinstance(doc["facts"], list):
        return [f"{path.name}: needs `source:` (a source id) and `facts:` (a list)"]
    source = doc["source"]
    if source not in {s.id for s in records.sources}:
        return [f"{path.name}: {source!r} is not a source of sources.yaml"]
    if path.stem != source:
        return [f"{path.name}: the file of source {source!r} is named {source}.yaml"]
    if not doc["facts"]:
        return [f"{path.name}: list at least one fact a reader finds in {source}"]
    problems = []
    for i, fact in enumerate(doc["facts"]):
        where = f"{path.name}, facts[{i}]"
        if not isinstance(fact, dict) or not {"about", "property", "values"} <= set(fact) <= KEYS:
            problems.append(f"{where}: needs about, property and values (and may have derivation, as_written)")
            continue
        found = claims_of(store, expand(fact["about"]), expand(fact["property"]), source)
        values = sorted({row["value"] for row in found})
        expected = sorted({shown(v) for v in fact["values"]})
        if values != expected:
            problems.append(f"{where}: {fact['about']} {fact['property']} is {values} in the graph by {source}, "
                            f"expected {expected}")
        if "derivation" in fact:
            derivations = {row["derivation"].rsplit("/", 1)[-1] for row in found}
            if derivations != {fact["derivation"]}:
                problems.append(f"{where}: {fact['about']} {fact['property']} is {sorted(derivations)}, "
                                f"expected {fact['derivation']}")
        if "as_written" in fact:
            written = {row["written"] for row in found if "written" in row}
            missing = sorted(set(map(str, fact["as_written"])) - written)
            if missing:
                problems.append(f"{where}: {fact['about']} {fact['property']} keeps no spelling {missing} "
                                f"from {source} (it keeps {sorted(written)})")
    return problems


# --- each source's expectations ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", expectation_files(), ids=lambda p: p.stem)
def test_the_graph_says_what_the_source_says(real_store: Store, records: Dataset, path: Path) -> None:
    problems = check_expectations(real_store, path, records)
    assert not problems, "\n".join(problems)


def test_every_source_has_its_expectations(records: Dataset) -> None:
    """A curator who adds a source adds the facts a reader finds in it (data/expectations/<source-id>.yaml)."""
    have = {p.stem for p in expectation_files()}
    missing = sorted({s.id for s in records.sources} - have)
    assert not missing, f"sources without data/expectations/<source-id>.yaml: {missing}"


# --- what follows from the records -------------------------------------------------------------------------


def test_the_build_conforms_and_counts_what_the_records_hold(real_build: BuildResult, records: Dataset) -> None:
    assert real_build.conforms
    assert real_build.editions == len(records.editions)
    assert real_build.sources == len(records.sources)
    assert real_build.people == len(records.people)
    named = {c for ed in records.editions for c in records.named_countries(ed)}
    assert real_build.countries == len(named)


def test_every_edition_and_year_is_in_the_editions_query(real_store: Store, records: Dataset) -> None:
    rows = rows_as_text(run_embedded(real_store, load_query("editions").text, {}))
    assert {r["edition"] for r in rows} == {f"kg:edition/{ed.id}" for ed in records.editions}
    assert {r["year"] for r in rows} == {str(y.value) for ed in records.editions for y in ed.year}


def test_every_named_country_and_year_is_in_the_participation_matrix(real_store: Store, records: Dataset) -> None:
    rows = rows_as_text(run_embedded(real_store, load_query("participation-matrix").text, {}))
    expected = {(code, str(year.value)) for ed in records.editions for code in records.named_countries(ed)
                for year in ed.year}
    assert {(r["iso3"], r["year"]) for r in rows} == expected


def test_every_fact_cites_a_source_the_records_hold(real_store: Store, records: Dataset) -> None:
    cited = {r["s"] for r in select(real_store, "SELECT DISTINCT ?s WHERE { ?c prov:wasDerivedFrom ?s }")}
    assert cited <= {f"{KG}source/{s.id}" for s in records.sources}
