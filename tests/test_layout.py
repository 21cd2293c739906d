"""The package's floors hold: a code change anywhere forces a clean build, the public API is declared and
complete, and the command line is reached through it."""

from __future__ import annotations

import shutil
from pathlib import Path

import ksst_kg
from ksst_kg.core.resources import PACKAGE_DIR
from ksst_kg.pipeline.cache import code_digest


def test_an_edit_in_a_subpackage_changes_the_code_digest(tmp_path: Path) -> None:
    copy = tmp_path / "ksst_kg"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "_resources"))
    before = code_digest(copy)
    assert code_digest(copy) == before  # stable
    module = copy / "export" / "splice.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    assert code_digest(copy) != before
    renamed = tmp_path / "again"
    shutil.copytree(PACKAGE_DIR, renamed, ignore=shutil.ignore_patterns("__pycache__", "_resources"))
    (renamed / "records" / "load.py").rename(renamed / "records" / "loading.py")
    assert code_digest(renamed) != code_digest(PACKAGE_DIR)  # a moved module is a change too


def test_the_public_api_resolves_every_name() -> None:
    for name in ksst_kg.__all__:
        assert getattr(ksst_kg, name) is not None, name
    assert set(ksst_kg.__all__) <= set(dir(ksst_kg))


def test_the_typed_marker_ships() -> None:
    assert (PACKAGE_DIR / "py.typed").is_file()
