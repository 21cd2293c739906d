"""The fast path must not change results: record-by-record SHACL equals whole-graph SHACL, and a rebuild
after one record changes revalidates only that record and gives what a clean build gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksst_kg import validate
from ksst_kg.build import build
from ksst_kg.convert import convert
from ksst_kg.records import load_dataset
from ksst_kg.validate import shacl_violations, to_rdflib, validate_units, validation_units

from .conftest import DATA

OUTPUTS = ("ksst.ttl", "ksst.nt", "ksst.jsonld", "inferred.ttl", "inferred.nt", "inferred.jsonld", "summary.json")


def chunks_of(data: Path) -> list[tuple[str, set]]:
    return [(c.file, c.triples) for c in convert(load_dataset(data))]


def test_units_cover_every_subject_once() -> None:
    chunks = chunks_of(DATA)
    units = validation_units(chunks)
    focus = [s for u in units for s in u.focus]
    assert len(focus) == len(set(focus))
    assert set(focus) == {t.subject.value for _, triples in chunks for t in triples}
    assert any(u.name == "nodes described by several records" for u in units)  # a post held at two editions


def break_records(data: Path) -> None:
    """Two violations only the shapes see: an empty marker and a visit topic that is not a topic."""
    path = data / "editions" / "sim-2018.yaml"
    text = path.read_text().replace("marker: seperti", "marker: ' '")
    path.write_text(text)
    path = data / "editions" / "sim-2017.yaml"
    path.write_text(path.read_text().replace("end_date: 2017-08-09", "end_date: 2017-08-09\nbatch_label: ' '"))


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "broken"])
def test_record_by_record_equals_whole_graph(data_copy: Path, broken: bool) -> None:
    if broken:
        break_records(data_copy)
    chunks = chunks_of(data_copy)
    whole = shacl_violations(to_rdflib(t for _, triples in chunks for t in triples))
    parts = validate_units(validation_units(chunks))
    key = [(v.focus, v.path, v.shape, v.component) for v in whole]
    assert [(v.focus, v.path, v.shape, v.component) for v in parts] == key
    assert bool(key) == broken


def test_worker_processes_give_the_same_results(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    break_records(data_copy)
    units = validation_units(chunks_of(data_copy))
    serial = validate_units(units, workers=1)
    monkeypatch.setattr(validate, "PARALLEL_THRESHOLD", 0)
    assert validate_units(units, workers=2) == serial


def test_rebuild_after_one_change_revalidates_one_record_and_equals_a_clean_build(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "build", tmp_path / "cache"
    build(data_copy, out, cache_dir=cache)
    path = data_copy / "editions" / "sim-2017.yaml"
    path.write_text(path.read_text().replace("end_date: 2017-08-09", "end_date: 2017-08-10"))

    ran: list[str] = []
    real = validate._run_unit
    monkeypatch.setattr(validate, "_run_unit", lambda unit: ran.append(unit.name) or real(unit))
    build(data_copy, out, cache_dir=cache)
    # the changed record, and the posts several records share (their context includes the 2017 edition)
    assert sorted(Path(name).name for name in ran) == ["nodes described by several records", "sim-2017.yaml"]

    clean = build(data_copy, tmp_path / "clean", use_cache=False)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (clean.out_dir / name).read_bytes(), name
    assert "2017-08-10" in (out / "ksst.ttl").read_text()
