"""Time `ksst site` on generated data, beside the benchmark of the build (bench/run.py).

    python -m bench.site --size 100k [--seed 7] [--workdir bench/out] [--record bench/RESULTS.md]

Generates the data (bench/generate.py, the same seed and sizes as bench.run), builds it with `ksst build`
(reusing `WORKDIR/build-SIZE` where bench.run left one of that data), then writes the site twice with
`ksst site`, each in a subprocess of its own (wall time and peak memory, as bench.run measures), and checks
that the two sites are byte-identical. Prints a table; `--record` also writes it into RESULTS.md below the
line that bench.run keeps, replacing the table of an earlier run of the same size. Target: a site of 100k
triples in under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.generate import DEFAULT_SEED, generate, parse_size
from bench.run import BIN, ROOT, Step, git_commit, log, machine, measure, record_below_kept_line

TARGET_S = {100_000: 60.0}
BEGIN, END = "<!-- bench.site {size}: begin -->", "<!-- bench.site {size}: end -->"


def tree_digest(folder: Path) -> tuple[str, int, int]:
    """One digest of every file's path and bytes, the number of files and their size."""
    digest, count, size = hashlib.sha256(), 0, 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + data + b"\0")
        count, size = count + 1, size + len(data)
    return digest.hexdigest(), count, size


def triples(build: Path) -> tuple[int, int]:
    summary = json.loads((build / "summary.json").read_text())
    return int(summary.get("asserted_triples", 0)), int(summary.get("inferred_triples", 0))


@dataclass
class SiteRun:
    """One size: the build, and two writes of its site."""

    size: str
    seed: int
    when: str
    commit: str
    asserted: int
    inferred: int
    build_s: float
    site_s: list[float]
    site_peak_mb: list[float]
    pages: int
    files: int
    size_mb: float
    identical: bool
    cpu: str

    @property
    def met(self) -> bool | None:
        target = TARGET_S.get(parse_size(self.size))
        return None if target is None else max(self.site_s) <= target


def run(size: str, seed: int, workdir: Path, timeout: float) -> SiteRun:
    data, build = workdir / f"data-{size}", workdir / f"build-{size}"
    log(f"site {size}: generating {data}")
    generate(data, parse_size(size), seed)
    ksst = str(BIN / "ksst")
    built = measure([ksst, "build", "--data", str(data), "--out", str(build), "-q"], timeout=timeout, cwd=ROOT)
    if not built.ok:
        raise SystemExit(f"ksst build failed: {built.stderr[-2000:]}")
    log(f"site {size}: ksst build {built.wall_s:.1f} s")
    runs: list[Step] = []
    digests = []
    for i in (1, 2):
        site = workdir / f"site-{size}-{i}"
        shutil.rmtree(site, ignore_errors=True)
        step = measure([ksst, "site", "--out", str(build), "--site", str(site)], timeout=timeout, cwd=ROOT)
        if not step.ok:
            raise SystemExit(f"ksst site failed: {step.stderr[-2000:]}")
        log(f"site {size}: ksst site ({i}) {step.wall_s:.1f} s, {step.peak_mb:.0f} MB")
        runs.append(step)
        digests.append(tree_digest(site))
    pages = re.search(r": (\d+) pages", runs[0].stdout)
    asserted, inferred = triples(build)
    return SiteRun(size=size, seed=seed, when=dt.datetime.now().isoformat(timespec="seconds"), commit=git_commit(),
                   asserted=asserted, inferred=inferred, build_s=built.wall_s, site_s=[s.wall_s for s in runs],
                   site_peak_mb=[s.peak_mb for s in runs], pages=int(pages.group(1)) if pages else 0,
                   files=digests[0][1], size_mb=digests[0][2] / 1e6, identical=digests[0] == digests[1],
                   cpu=machine()["cpu"])


def table(r: SiteRun) -> str:
    target = TARGET_S.get(parse_size(r.size))
    verdict = "" if target is None else f" Target {target:.0f} s: {'met' if r.met else 'MISSED'}."
    rows = [f"| `ksst site`, run {i + 1} | {t:.1f} s | {p:,.0f} MB |"
            for i, (t, p) in enumerate(zip(r.site_s, r.site_peak_mb, strict=True))]
    return "\n".join([
        f"### The site at {r.size} (`python -m bench.site --size {r.size}`)",
        "",
        f"{r.asserted:,} asserted + {r.inferred:,} inferred triples (seed {r.seed}). Run {r.when} on commit "
        f"{r.commit}; CPU: {r.cpu}.",
        "",
        "| step | wall | peak |",
        "|---|---:|---:|",
        f"| `ksst build` (for reference) | {r.build_s:.1f} s | |",
        *rows,
        "",
        f"{r.pages:,} pages, {r.files:,} files, {r.size_mb:,.0f} MB; the two sites are "
        f"{'byte-identical' if r.identical else 'NOT identical'}.{verdict}",
    ])


def record(path: Path, size: str, text: str) -> None:
    """Put the table below bench.run's marker line, in place of the one of an earlier run of this size."""
    record_below_kept_line(path, BEGIN.format(size=size), END.format(size=size), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="target triples: 10k, 100k, 1m or a number")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for each step")
    parser.add_argument("--record", type=Path, default=None, metavar="RESULTS.md",
                        help="also write the table into this file, below bench.run's kept line")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = run(args.size, args.seed, args.workdir, args.timeout)
    text = table(result)
    print(text)
    if args.record is not None:
        record(args.record, args.size, text)
    return 0 if result.identical and result.met is not False else 1


if __name__ == "__main__":
    sys.exit(main())
