"""The exit codes of `ksst`, one test per kind, each through the real command in a process of its own:
0 success, 1 the data or a query is wrong, 2 usage, 3 a store or endpoint failed, 4 a bug (one line naming the
log file that holds the traceback)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ksst_kg import ExitCode

from .servers import HOST, free_port, tiny_build  # noqa: F401


def ksst(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ksst_kg", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd, check=False)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_success_is_0() -> None:
    result = ksst("queries")
    assert result.returncode == ExitCode.OK == 0, result.stderr
    assert "saved queries" in result.stdout


def test_wrong_data_is_1(tmp_path: Path) -> None:
    """A folder with no records: every missing file named, nothing written."""
    (tmp_path / "data").mkdir()
    result = ksst("build", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "build"))
    assert result.returncode == ExitCode.DATA == 1
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(r"ksst build: \d+ problem\(s\) in the data; nothing was written\.", first), result.stderr
    assert "sources.yaml: cannot read" in result.stderr
    assert not (tmp_path / "build").exists()


def test_an_invalid_graph_is_1(tmp_path: Path) -> None:
    """A file that breaks the shapes: the violations are listed, the summary line counts them."""
    bad = tmp_path / "bad.ttl"
    bad.write_text('<https://w3id.org/ksst-kg/id/edition/x> a <https://w3id.org/ksst-kg/ontology#Edition> .\n')
    result = ksst("validate", str(bad))
    assert result.returncode == ExitCode.DATA == 1
    assert re.fullmatch(r"ksst validate: \d+ violation\(s\)\.", one_line(result.stderr))
    assert "Violation: <https://w3id.org/ksst-kg/id/edition/x>" in result.stdout


def test_a_query_that_cannot_run_is_1(tmp_path: Path) -> None:
    result = ksst("query", "no-such-question", "--out", str(tmp_path))
    assert result.returncode == ExitCode.DATA == 1
    assert one_line(result.stderr).startswith("ksst query: no saved query named 'no-such-question'")


def test_no_build_is_1(tmp_path: Path) -> None:
    result = ksst("query", "gaps", "--out", str(tmp_path / "none"))
    assert result.returncode == ExitCode.DATA == 1
    assert "run `ksst build` first" in one_line(result.stderr)


def test_usage_is_2() -> None:
    assert ksst("build", "--no-such-option").returncode == ExitCode.USAGE == 2  # click's own
    result = ksst("query", "gaps", "--param", "no-equals-sign")
    assert result.returncode == 2
    assert one_line(result.stderr) == "ksst query: --param takes key=value, not 'no-equals-sign'"


def test_a_store_that_is_down_is_3(tiny_build: Path) -> None:  # noqa: F811
    url = f"http://{HOST}:{free_port()}/query"  # nothing listens there
    result = ksst("query", "gaps", "--endpoint", url)
    assert result.returncode == ExitCode.STORE == 3
    port = url.split(":")[2].split("/")[0]
    assert one_line(result.stderr).startswith(f"ksst query: cannot connect to {HOST}:{port} (connection refused)")
    loaded = ksst("load", "--endpoint", url, "--out", str(tiny_build))
    assert loaded.returncode == 3
    assert one_line(loaded.stderr).startswith(f"ksst load: cannot connect to {HOST}:{port}")


def test_a_bug_is_4_with_its_traceback_in_a_log(tmp_path: Path) -> None:
    """A fault injected into the real command (sitecustomize runs before it): one line, the log holds the rest."""
    (tmp_path / "sitecustomize.py").write_text(
        "import ksst_kg.query\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('injected fault')\n"
        "ksst_kg.query.load_queries = broken\n")
    result = ksst("queries", env={"PYTHONPATH": str(tmp_path), "TMPDIR": str(tmp_path)})
    assert result.returncode == ExitCode.UNEXPECTED == 4
    line = one_line(result.stderr)
    match = re.fullmatch(r"ksst queries: unexpected error \(RuntimeError: injected fault\); this is a bug, "
                         r"the traceback is in (\S+\.log)", line)
    assert match, line
    log = Path(match.group(1)).read_text()
    assert "Traceback (most recent call last)" in log and "injected fault" in log


def test_a_store_that_cannot_be_read_is_3(tmp_path: Path) -> None:
    (tmp_path / "build" / "store").mkdir(parents=True)  # a folder, but no store in it
    result = ksst("query", "gaps", "--out", str(tmp_path / "build"))
    assert result.returncode == ExitCode.STORE == 3
    assert one_line(result.stderr).startswith(f"ksst query: cannot open the embedded store at {tmp_path}/build/store")


def test_a_damaged_store_is_3_for_load_too(tmp_path: Path) -> None:
    """Files in the store folder that are not a store (RocksDB's own corruption report, not only a missing one)."""
    store = tmp_path / "build" / "store"
    store.mkdir(parents=True)
    (store / "CURRENT").write_text("MANIFEST-000099\n")
    (store / "MANIFEST-000099").write_bytes(b"\x00garbage" * 10)
    url = f"http://{HOST}:{free_port()}/query"
    build = str(tmp_path / "build")
    for args in (("query", "gaps", "--out", build), ("load", "--endpoint", url, "--out", build)):
        result = ksst(*args)
        assert result.returncode in (ExitCode.STORE, ExitCode.DATA), (args, result.stderr)
        assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
