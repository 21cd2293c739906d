"""Smoke test of the benchmark (bench/): the generator makes valid, reproducible data, and the runner goes
end to end at a tiny size. No timings are asserted: they depend on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.generate import generate, parse_size
from bench.run import KEEP_MARKER
from ksst_kg import build
from ksst_kg.query import load_queries
from ksst_kg.records import load_dataset

from .conftest import DATA, ROOT

TINY = 4_000


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sizes_parse() -> None:
    assert parse_size("10k") == 10_000
    assert parse_size("1m") == 1_000_000
    assert parse_size("2.5k") == 2_500


def test_generated_data_loads_builds_and_is_reproducible(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", TINY, seed=7, data=DATA)
    generate(tmp_path / "b", TINY, seed=7, data=DATA)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    other = generate(tmp_path / "c", TINY, seed=8, data=DATA)
    assert _files(tmp_path / "a") != _files(tmp_path / "c")
    assert first["synthetic_editions"] >= 1

    ds = load_dataset(tmp_path / "a")
    real = load_dataset(DATA)
    assert len(ds.editions) == first["editions"] > len(real.editions)
    assert len(ds.people) > len(real.people)
    assert {e.id for e in real.editions} <= {e.id for e in ds.editions}
    assert other["editions"] >= 1

    result = build(tmp_path / "a", tmp_path / "build")
    assert result.conforms
    assert result.asserted_triples > TINY / 2
    assert (tmp_path / "build" / "store").is_dir()


def test_generator_makes_the_kinds_of_record_the_model_has(tmp_path: Path) -> None:
    summary = generate(tmp_path / "data", 60_000, seed=3, data=DATA)
    for kind in ("country-lists/complete", "country-lists/partial", "discrepancies/value-conflict",
                 "participants"):
        assert summary.get(kind, 0) > 0, kind
    text = "\n".join(p.read_text() for p in (tmp_path / "data" / "editions").glob("*.yaml"))
    for field in ("inferred: true", "reasoning:", "post:", "visits:", "workshops:", "topics:", "discrepancies:"):
        assert field in text, field
    load_dataset(tmp_path / "data")


def test_bench_run_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "4k", "--quick", "--fresh", "--workdir", str(tmp_path / "w"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = out.read_text()
    assert "## Machine" in report and "### 4k" in report
    assert "**full build**" in report and "load into an Oxigraph server" in report
    assert "failed steps" not in report, report
    assert (tmp_path / "w" / "results.json").is_file()


def test_cross_store_end_to_end(tmp_path: Path) -> None:
    """bench.cross_store at 4k against Oxigraph; Virtuoso made unavailable, so that its skip (with the reason)
    is what runs here whether or not it is installed, and the test stays quick."""
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# Results\n\n{KEEP_MARKER}\n\nkept\n", encoding="utf-8")
    out = tmp_path / "cross.json"
    env = dict(os.environ, VIRTUOSO_BIN=str(tmp_path / "no-virtuoso-here"))
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cross_store", "--size", "4k", "--stores", "oxigraph,virtuoso", "--workdir",
         str(tmp_path / "w"), "--json", str(out), "--record", str(results)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["stores"] == ["oxigraph"] and "not installed" in report["skipped"]["virtuoso"]
    assert [ld["error"] for ld in report["loads"]] == [""]
    assert {q["query"] for q in report["results"]} == set(load_queries())
    assert all(q["differences"]["oxigraph"]["same"] for q in report["results"])
    text = results.read_text(encoding="utf-8")
    assert "<!-- bench.cross_store 4k: begin -->" in text and "| same on Oxigraph |" in text
    assert text.index(KEEP_MARKER) < text.index("bench.cross_store 4k") and "kept" in text
