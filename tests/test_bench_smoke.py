"""Smoke test of the benchmark (bench/): the generator makes valid, reproducible data, and the runner goes
end to end at a tiny size. No timings are asserted: they depend on the machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.generate import generate, parse_size
from ksst_kg import build
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
