"""A build of the real data: its files, its summary, determinism, and the JSON-LD round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from ksst_kg import BuildResult, build

from .conftest import DATA, ROOT
from .dataset import edition_ids

EXPECTED_FILES = {
    "ksst.ttl", "ksst.nt", "ksst.jsonld", "inferred.ttl", "inferred.nt", "inferred.jsonld", "void.ttl",
    "ontology-ksst.ttl", "context.jsonld", "summary.json", "store",
}


def triples_of(path: Path, fmt: RdfFormat) -> set[str]:
    return {str(q.triple) for q in parse(path=str(path), format=fmt)}


def test_build_writes_every_export_and_the_store(built: BuildResult) -> None:
    names = {p.name for p in built.out_dir.iterdir()}
    assert names >= EXPECTED_FILES
    assert any(n.startswith("shapes") for n in names)
    assert built.conforms
    summary = json.loads((built.out_dir / "summary.json").read_text())
    assert summary["editions"] == len(edition_ids())
    assert summary["conforms"] is True
    assert summary["asserted_triples"] == len(triples_of(built.out_dir / "ksst.nt", RdfFormat.N_TRIPLES))


def test_turtle_ntriples_and_jsonld_hold_the_same_triples(built: BuildResult) -> None:
    ttl = triples_of(built.out_dir / "ksst.ttl", RdfFormat.TURTLE)
    assert ttl == triples_of(built.out_dir / "ksst.nt", RdfFormat.N_TRIPLES)
    assert ttl == triples_of(built.out_dir / "ksst.jsonld", RdfFormat.JSON_LD)
    inferred = triples_of(built.out_dir / "inferred.ttl", RdfFormat.TURTLE)
    assert inferred == triples_of(built.out_dir / "inferred.jsonld", RdfFormat.JSON_LD)


def test_jsonld_round_trip_through_rdflib_is_isomorphic(built: BuildResult) -> None:
    import rdflib
    from rdflib.compare import isomorphic

    turtle = rdflib.Graph().parse(built.out_dir / "ksst.ttl", format="turtle")
    jsonld = rdflib.Graph().parse(built.out_dir / "ksst.jsonld", format="json-ld")
    assert len(turtle) > 1000
    assert isomorphic(turtle, jsonld)


def test_jsonld_uses_the_short_keys_of_the_shipped_context(built: BuildResult) -> None:
    doc = json.loads((built.out_dir / "ksst.jsonld").read_text())
    shipped = json.loads((ROOT / "ontology" / "context.jsonld").read_text())["@context"]
    assert doc["@context"] == shipped
    edition = next(n for n in doc["@graph"] if n["id"] == "kg:edition/sim-2018")
    assert edition["type"] == "Edition"
    assert edition["startDate"] == "2018-07-18"
    assert edition["heldIn"] == ["kg:place/bandung", "kg:place/jakarta"]


def test_no_blank_nodes(built: BuildResult) -> None:
    text = (built.out_dir / "ksst.nt").read_text()
    assert "_:" not in text


def test_two_builds_are_byte_identical(built: BuildResult, tmp_path: Path) -> None:
    again = build(DATA, tmp_path / "again")
    for name in ("ksst.ttl", "ksst.nt", "ksst.jsonld", "inferred.ttl", "inferred.nt", "inferred.jsonld",
                 "void.ttl"):
        assert (again.out_dir / name).read_bytes() == (built.out_dir / name).read_bytes(), name


def test_cli_build_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "cli-build"
    proc = subprocess.run([sys.executable, "-m", "ksst_kg", "build", "--data", str(DATA), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert f"{len(edition_ids())} editions" in proc.stdout and "conforms" in proc.stdout
    assert (out / "ksst.ttl").is_file()
