"""Bad input: a clear message naming file, record and field, a non-zero exit, and the old build untouched."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ksst_kg import BuildResult


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def malformed_yaml(data: Path) -> None:
    (data / "editions" / "sim-2017.yaml").write_text("id: sim-2017\nyear: [2017\nsources: x\n")


def unknown_country(data: Path) -> None:
    replace_in(data / "editions" / "sim-2018.yaml", "countries: [AFG, BGD", "countries: [Atlantis, BGD")


def impossible_date(data: Path) -> None:
    replace_in(data / "editions" / "sim-2017.yaml", "end_date: 2017-08-09", "end_date: 2017-02-30")


def undefined_organisation(data: Path) -> None:
    replace_in(data / "editions" / "sim-2018.yaml", "{agent: kemenperin, role: organiser}",
               "{agent: kementerian-x, role: organiser}")


def duplicate_identifier(data: Path) -> None:
    path = data / "reference" / "organisations.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: bppi")
    end = text.index("\n- id:", start + 1)
    path.write_text(text + "\n" + text[start:end].strip("\n") + "\n", encoding="utf-8")


def unknown_field(data: Path) -> None:
    replace_in(data / "editions" / "sim-2017.yaml", "end_date: 2017-08-09", "end_date: 2017-08-09\nvenu: bali")


CASES: list[tuple[Callable[[Path], None], list[str]]] = [
    (malformed_yaml, ["sim-2017.yaml", "malformed YAML", "line 3"]),
    (unknown_country, ["sim-2018.yaml", "record 'sim-2018'", "field 'country_lists[0].countries[0]'",
                       "unknown country 'Atlantis'"]),
    (impossible_date, ["sim-2017.yaml", "record 'sim-2017'", "field 'end_date", "date"]),
    (undefined_organisation, ["sim-2018.yaml", "record 'sim-2018'", "field 'roles[0].agent'",
                              "unknown organisation or person 'kementerian-x'"]),
    (duplicate_identifier, ["organisations.yaml", "record 'bppi'", "field 'id'", "duplicate organisation id"]),
    (unknown_field, ["sim-2017.yaml", "record 'sim-2017'", "field 'venu'", "unknown field"]),
]


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("breaker", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_input_is_reported_and_changes_nothing(
    breaker: Callable[[Path], None], expected: list[str], data_copy: Path, built: BuildResult, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "build"
    shutil.copytree(built.out_dir, out)
    before = tree_digest(out)
    breaker(data_copy)
    proc = subprocess.run([sys.executable, "-m", "ksst_kg", "build", "--data", str(data_copy), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    for fragment in expected:
        assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["build"]


def test_a_shacl_violation_names_the_data_file(data_copy: Path, tmp_path: Path) -> None:
    # The loader checks that a place exists, the shapes what kind of place it is: an edition held in a hotel.
    replace_in(data_copy / "editions" / "sim-2018.yaml", "places: [jakarta, bandung]",
               "places: [jakarta, hotel-ramada-bintang-bali]")
    proc = subprocess.run([sys.executable, "-m", "ksst_kg", "build", "--data", str(data_copy),
                           "--out", str(tmp_path / "b")], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "does not validate" in proc.stderr
    assert "sim-2018.yaml" in proc.stderr
    assert not (tmp_path / "b").exists()


def test_an_unexplained_conflict_fails_the_qc_check_and_names_the_data_file(data_copy: Path, tmp_path: Path) -> None:
    """Two start dates and no discrepancy that names them: the QC query `unresolved-conflict` stops the build."""
    replace_in(data_copy / "editions" / "sim-2018.yaml", "start_date: 2018-07-18",
               "start_date: [2018-07-18, 2018-07-19]")
    proc = subprocess.run([sys.executable, "-m", "ksst_kg", "build", "--data", str(data_copy),
                           "--out", str(tmp_path / "b")], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "QC check unresolved-conflict failed" in proc.stderr
    assert "2018-07-19" in proc.stderr and "sim-2018.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "b").exists()
