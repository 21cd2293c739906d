"""Fuzzing `ksst build` as a hostile user would: records edited and broken, builds killed at random moments,
files of the published build damaged, two builds at once. After every step the build folder must hold either
the previous build, byte for byte (after a clean error or a kill), or a build identical to a clean build of the
same data; no traceback, no hang (every build has a time limit), nothing wrong published.

    python -m bench.fuzz --steps 200 [--seed 15] [--data tests/data | --size 100k] [--workdir bench/out/fuzz]

tests/test_fuzz.py runs a few steps of it on the test data; a long run here tries many more. Every loop is
bounded in count and every build in time.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("edit", "break", "kill", "damage", "race")
COUNTRIES = ["FJI", "KOR", "LAO", "MNG", "PHL", "IND", "PAK", "LKA", "NPL", "BTN", "MDV", "AFG", "MMR", "THA", "VNM"]


@dataclass
class Report:
    """What a run saw: each step's kind and outcome, and every broken promise."""

    outcomes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    builds: int = 0

    def count(self, what: str) -> None:
        self.outcomes[what] = self.outcomes.get(what, 0) + 1


@dataclass(frozen=True)
class Snapshot:
    """What two builds of the same data share: every export byte for byte and the store's quads."""

    exports: tuple[tuple[str, str], ...]
    quads: str
    blank_quads: int


def tree_digest(folder: Path) -> str:
    """Every file of a build folder, its cache and store included, byte for byte (RocksDB's info log aside)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(("store/LOG", "store/LOCK")):
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def snapshot(folder: Path) -> Snapshot:
    from pyoxigraph import BlankNode, Store

    exports = tuple((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(folder.iterdir())
                    if p.is_file() and not p.name.startswith("."))
    store = Store.read_only(str(folder / "store"))
    lines, blank = [], 0
    for q in store:
        if isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode):
            blank += 1  # the ontology's blank nodes are named anew by every load
        else:
            lines.append(str(q))
    del store
    return Snapshot(exports, hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest(), blank)


def verified(folder: Path) -> str | None:
    """None if every file the build's state lists has the digest it records; else what differs."""
    state = json.loads((folder / ".cache" / "state.json").read_text())
    for rel, digest in state["outputs"].items():
        path = folder / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return f"{rel} does not match the digest its build recorded"
    return None


def data_digest(data: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data.rglob("*")):
        digest.update(path.relative_to(data).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# --- what a hostile user does to the records -------------------------------------------------------------------


def _editions(data: Path) -> list[Path]:
    return sorted((data / "editions").glob("*.yaml"))


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, record: Any) -> None:
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit_records(rng: random.Random, data: Path, step: int) -> str:
    """A plausible edit of an edition record (some make the data wrong, as curators' edits sometimes do)."""
    files = _editions(data)
    path = rng.choice(files)
    record = _read(path)
    if not isinstance(record, dict):
        return "nothing"
    edits: list[tuple[str, Callable[[dict[str, Any]], object]]] = [
        ("participants", lambda r: r.update(participant_count=rng.randint(1, 80))),
        ("note", lambda r: r.update(notes=[*(r.get("notes") or []), f"Fuzz note {step} {rng.random():.6f}."])),
        ("visit removed", lambda r: r.get("visits") and r["visits"].pop(rng.randrange(len(r["visits"])))),
        ("country added", lambda r: [cl["countries"].append(rng.choice(COUNTRIES)) for cl in r.get("country_lists")
                                     or []]),
        ("country lists removed", lambda r: r.pop("country_lists", None)),
        ("topics cut", lambda r: r.update(topics=(r.get("topics") or [])[1:])),
        ("discrepancies removed", lambda r: r.pop("discrepancies", None)),
        ("unknown country", lambda r: [cl["countries"].append("Atlantis") for cl in r.get("country_lists") or []]),
    ]
    name, change = rng.choice(edits)
    if rng.random() < 0.1 and len(files) > 2:
        path.unlink()
        return "edition removed"
    if rng.random() < 0.1:
        twin = copy.deepcopy(record)
        twin["id"] = f"{record.get('id', 'x')}-fuzz{step}"
        _write(data / "editions" / f"{twin['id']}.yaml", twin)
        return "edition copied"
    try:
        change(record)
    except (TypeError, AttributeError, KeyError, IndexError):  # the record is not shaped as this edit expects
        return "nothing"
    _write(path, record)
    return name


def break_records(rng: random.Random, data: Path, step: int) -> str:
    """Damage to the record files a build must refuse with a clean error (or, for some, accept)."""
    files = sorted(p for p in data.rglob("*.yaml") if p.is_file() and not p.relative_to(data).as_posix()
                   .startswith("expectations/"))  # facts to check, not build input
    path = rng.choice(files)
    raw = path.read_bytes()
    breaks: list[tuple[str, Callable[[], object]]] = [
        ("truncated", lambda: path.write_bytes(raw[: rng.randrange(max(len(raw), 1))])),
        ("random bytes", lambda: path.write_bytes(raw + bytes(rng.randrange(256) for _ in range(16)))),
        ("control characters", lambda: path.write_bytes(raw.replace(b": ", b": \x1b[2J\x07", 1))),
        ("alias bomb", lambda: path.write_bytes(raw + b"\nx: &a [1, 1, 1, 1]\ny: &b [*a, *a, *a, *a]\nz: [*b, *b]\n")),
        ("not a number", lambda: path.write_bytes(raw + b"\nduration_days: .nan\n")),
        ("tab indentation", lambda: path.write_bytes(raw.replace(b"\n  ", b"\n\t", 1))),
        ("a .yml file", lambda: (data / "editions" / f"fuzz-{step}.yml").write_bytes(raw)),
        ("a folder named like a record", lambda: (data / "editions" / f"fuzz-{step}.yaml").mkdir()),
        ("not UTF-8", lambda: path.write_bytes(raw + "\n# é".encode("latin-1"))),
    ]
    name, damage = rng.choice(breaks)
    damage()
    return name


def damage_build(rng: random.Random, folder: Path) -> str:
    """Damage to a file of the published build (a cache, an export, the store) that the next build must notice."""
    candidates = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("LOG", "LOCK"))]
    path = rng.choice(candidates)
    raw = path.read_bytes()
    how = rng.choice(["flip", "truncate", "remove", "append"])
    if how == "flip" and raw:
        i = rng.randrange(len(raw))
        path.write_bytes(raw[:i] + bytes([raw[i] ^ 0x20]) + raw[i + 1:])
    elif how == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "remove":
        path.unlink()
    else:
        path.write_bytes(raw + b"\n")
    return f"{how} {path.relative_to(folder).as_posix()}"


# --- the run ----------------------------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, data: Path, work: Path, seed: int, build_timeout: float = 600.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.data, self.work = data, work
        self.out = work / "site" / "build"
        self.rng = random.Random(seed)
        self.build_timeout = build_timeout
        self.references: dict[str, Snapshot] = {}
        self.report = Report()
        self.log = log or (lambda _line: None)
        self.good: dict[str, bytes] = {}
        self.duration = 5.0  # seconds the last whole build took: kills are aimed inside that span

    # builds

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "ksst_kg", "build", "--data", str(self.data), "--out", str(self.out), "-q",
                *extra]

    def build(self, *extra: str, kill_after: float | None = None) -> tuple[int | None, str]:
        """Exit code (None: killed) and standard error of one `ksst build`, which may not run past its limit."""
        self.report.builds += 1
        started = time.monotonic()
        proc = subprocess.Popen(self.command(*extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            if kill_after is not None:
                try:
                    proc.wait(kill_after)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.communicate(timeout=60)
                    return None, ""
            _, stderr = proc.communicate(timeout=self.build_timeout)
            if proc.returncode == 0:
                self.duration = time.monotonic() - started
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.problem(f"a build ran longer than {self.build_timeout:g} s (a hang)")
            return None, ""
        return proc.returncode, stderr

    def reference(self) -> Snapshot:
        """A clean build of the data as it is now (made once per version of the data)."""
        key = data_digest(self.data)
        if key not in self.references:
            import ksst_kg

            folder = self.work / "reference" / key[:16] / "build"
            ksst_kg.build(self.data, folder, incremental=False)
            self.references[key] = snapshot(folder)
            shutil.rmtree(folder.parent)
        return self.references[key]

    # checks

    def problem(self, text: str) -> None:
        self.report.problems.append(text)
        self.log(f"PROBLEM: {text}")

    def current(self) -> Path:
        return Path(os.path.realpath(self.out))

    def check_clean_error(self, code: int | None, stderr: str, before: str, step: str) -> None:
        if "Traceback" in stderr or "unexpected error" in stderr:
            self.problem(f"{step}: a traceback or a bug: {stderr[-500:]}")
        if code == 1 and not stderr.startswith("ksst build: "):
            self.problem(f"{step}: an error without its one line: {stderr[:300]!r}")
        if tree_digest(self.current()) != before:
            self.problem(f"{step}: a failed build changed the previous build")

    def check_published(self, step: str, tidy: bool = True) -> None:
        """The build published equals a clean build of the data, is whole, and (`tidy`: after a build that was
        not killed) nothing is left beside it."""
        folder = self.current()
        if snapshot(folder) != self.reference():
            self.problem(f"{step}: the build published differs from a clean build of the same data")
        damaged = verified(folder)
        if damaged:
            self.problem(f"{step}: the build published is not whole: {damaged}")
        leftovers = [p.name for p in self.out.parent.iterdir() if p.name not in (self.out.name, folder.name)]
        if tidy and leftovers:
            self.problem(f"{step}: left beside the build: {leftovers}")

    def outcome(self, code: int | None, stderr: str, before: str, step: str) -> None:
        self.report.count(f"{step.split(':')[0]} → exit {code}")
        self.log(f"{step} → exit {code}")
        if code == 0:
            if "Traceback" in stderr:
                self.problem(f"{step}: a traceback: {stderr[-500:]}")
            self.check_published(step)
            self.good = self.records()
        elif code in (1, 5):
            self.check_clean_error(code, stderr, before, step)
            self.restore()
        else:
            self.problem(f"{step}: exit status {code}: {stderr[-500:]}")
            self.restore()

    # the records, kept to go back to good data after an error

    def records(self) -> dict[str, bytes]:
        return {p.relative_to(self.data).as_posix(): p.read_bytes() for p in self.data.rglob("*") if p.is_file()}

    def restore(self) -> None:
        for path in sorted(self.data.rglob("*"), reverse=True):
            rel = path.relative_to(self.data).as_posix()
            if path.is_dir() and not path.is_symlink():
                if not any(k.startswith(rel + "/") for k in self.good):
                    shutil.rmtree(path)
            elif rel not in self.good:
                path.unlink()
        for rel, content in self.good.items():
            (self.data / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.data / rel).write_bytes(content)

    # steps

    def step(self, kind: str, index: int) -> None:
        before = tree_digest(self.current())
        if kind == "edit":
            what = edit_records(self.rng, self.data, index)
            code, stderr = self.build()
            self.outcome(code, stderr, before, f"edit: {what}")
        elif kind == "break":
            what = break_records(self.rng, self.data, index)
            code, stderr = self.build()
            self.outcome(code, stderr, before, f"break: {what}")
        elif kind == "kill":
            if self.rng.random() < 0.5:
                edit_records(self.rng, self.data, index)
            extra = ("--clean",) if self.rng.random() < 0.5 else ()
            delay = self.rng.uniform(0.05, 1.0) * self.duration
            code, stderr = self.build(*extra, kill_after=delay)
            if code is None:
                self.report.count("kill → killed")
                after = tree_digest(self.current())
                if after != before:  # killed after it published: then it must be a whole, right build
                    self.check_published(f"kill after {delay:.1f} s", tidy=False)
                code, stderr = self.build()  # the next build cleans up and goes on
                self.outcome(code, stderr, tree_digest(self.current()), "kill: the build after")
            else:
                self.outcome(code, stderr, before, "kill: finished first")
        elif kind == "damage":
            what = damage_build(self.rng, self.current())
            damaged = tree_digest(self.current())
            edited = self.rng.random() < 0.5
            if edited:
                edit_records(self.rng, self.data, index)
            code, stderr = self.build()
            if code == 1 and edited:  # the edit made the records wrong: the damaged build stays as it was
                self.outcome(code, stderr, damaged, f"damage: {what}, then a wrong edit")
            elif code != 0:
                self.problem(f"damage {what}: the next build failed (exit {code}): {stderr[-300:]}")
                self.restore()
            else:
                self.report.count("damage → exit 0")
                self.log(f"damage {what} → exit 0{' (' + stderr.strip() + ')' if stderr else ''}")
                if stderr and not stderr.startswith("ksst build: "):
                    self.problem(f"damage {what}: {stderr[-300:]}")
                self.check_published(f"damage: {what}")
        elif kind == "race":
            edit_records(self.rng, self.data, index)
            procs = [subprocess.Popen(self.command(*extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True) for extra in ((), ("--clean",))]
            results = []
            for proc in procs:
                try:
                    results.append((proc.wait(self.build_timeout), proc.communicate()[1]))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    results.append((None, proc.communicate()[1]))
            self.report.builds += 2
            codes = sorted(c for c, _ in results if c is not None)
            self.report.count(f"race → exits {codes}")
            for code, stderr in results:
                if code not in (0, 1, 5) or "Traceback" in stderr:
                    self.problem(f"race: exit {code}: {stderr[-300:]}")
            if 0 in codes:
                self.check_published("race")
                self.good = self.records()
            else:
                self.restore()

    def run(self, kinds: list[str]) -> Report:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        code, stderr = self.build()
        if code != 0:
            raise RuntimeError(f"the first build failed: {stderr}")
        self.good = self.records()
        for index, kind in enumerate(kinds):
            started = time.monotonic()
            self.step(kind, index)
            self.log(f"step {index + 1}/{len(kinds)} {kind}: {time.monotonic() - started:.1f} s, "
                     f"{len(self.report.problems)} problem(s)")
        return self.report


def fuzz(data: Path, work: Path, *, seed: int, steps: int | None = None, kinds: list[str] | None = None,
         build_timeout: float = 600.0, log: Callable[[str], None] | None = None) -> Report:
    """Copy `data` into `work` and fuzz it: `kinds` in this order, or `steps` random ones."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(data, work / "data")
    rng = random.Random(seed)
    plan = kinds if kinds is not None else [rng.choice(KINDS) for _ in range(steps or 0)]
    return Fuzzer(work / "data", work, seed, build_timeout, log).run(plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50, help="random steps to take (default 50)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data", help="record folder to start from")
    parser.add_argument("--size", default=None, help="start from generated data of this size instead (e.g. 100k)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    parser.add_argument("--build-timeout", type=float, default=600.0, help="seconds a build may take")
    args = parser.parse_args(argv)
    data = args.data
    if args.size:
        from bench.generate import generate, parse_size

        data = args.workdir.parent / f"fuzz-data-{args.size}"
        if not data.is_dir():
            generate(data, parse_size(args.size), seed=args.seed)
    started = time.monotonic()
    report = fuzz(data, args.workdir, seed=args.seed, steps=args.steps, build_timeout=args.build_timeout,
                  log=lambda line: print(line, flush=True))
    print(json.dumps({"seconds": round(time.monotonic() - started, 1), "builds": report.builds,
                      "outcomes": report.outcomes, "problems": report.problems}, indent=1, ensure_ascii=False))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
