"""The incremental rebuild (`rebuild.py`, `splice.py`, `cache.py`): after edition records change it must give
exactly what a clean build of the same records gives, every export byte for byte and the store quad for quad,
and report bad records and violations exactly as a clean build does, with nothing written."""

from __future__ import annotations

import copy
import filecmp
import hashlib
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from pyoxigraph import BlankNode, Store

from ksst_kg import KsstError, build
from ksst_kg.convert import convert
from ksst_kg.export import jsonld_bytes, jsonld_document, ntriples_bytes, sorted_triples, turtle_bytes
from ksst_kg.export.splice import block_lengths, blocks, layouts, subjects_of
from ksst_kg.pipeline.cache import CACHE, is_edition, snapshot
from ksst_kg.pipeline.incremental import update
from ksst_kg.records import load_dataset

from .conftest import DATA

ISO3 = ["FJI", "KOR", "LAO", "MNG", "PHL", "IND", "PAK", "LKA", "NPL", "BTN", "MDV", "AFG", "MMR", "THA", "VNM"]


# --- helpers --------------------------------------------------------------------------------------------------


def outcome(data: Path, out: Path, *, incremental: bool) -> tuple[str, Any]:
    """("ok", summary) or (error class, message) of a build; incremental builds must take the fast path."""
    try:
        result = update(data, out, infer=True) if incremental else build(data, out, incremental=False)
    except KsstError as exc:
        return type(exc).__name__, str(exc)
    assert result is not None, "the rebuild fell back to a clean build"
    summary = result.summary()
    for volatile in ("out_dir", "timings", "rebuilt"):
        summary.pop(volatile)
    return "ok", summary


def quads(out: Path) -> tuple[set[Any], int]:
    """The store's quads (the ontology's blank nodes get new ids on every load, so they are only counted)."""
    found = list(Store.read_only(str(out / "store")))
    named = {q for q in found if not isinstance(q.subject, BlankNode) and not isinstance(q.object, BlankNode)}
    return named, len(found)


def assert_same_build(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir() if p.name != CACHE)
    assert names == sorted(p.name for p in b.iterdir() if p.name != CACHE)
    differ = [n for n in names if n != "store" and not filecmp.cmp(a / n, b / n, shallow=False)]
    assert differ == []
    assert quads(a) == quads(b)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def edition_files(data: Path) -> list[Path]:
    return sorted((data / "editions").glob("*.yaml"))


def read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, record: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    record = read(path)
    change(record)
    write(path, record)


@pytest.fixture
def rebuilt(data_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the data and a build of it that each test then edits and rebuilds."""
    out = tmp_path / "build"
    build(data_copy, out)
    return data_copy, out


def check_against_clean(data: Path, out: Path, tmp_path: Path) -> tuple[str, Any]:
    before = tree_digest(out)
    fast = outcome(data, out, incremental=True)
    clean_dir = tmp_path / "clean"
    shutil.rmtree(clean_dir, ignore_errors=True)
    slow = outcome(data, clean_dir, incremental=False)
    assert fast == slow
    if fast[0] == "ok":
        assert_same_build(out, clean_dir)
    else:
        assert tree_digest(out) == before, "a failed rebuild changed the build folder"
        left = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and ".v-" not in p.name]
        assert not left, "a temporary folder was left"
    return fast


# --- the exports as blocks --------------------------------------------------------------------------------------


def test_every_export_is_its_header_blocks_and_footer() -> None:
    """What splicing relies on: each export of the real data is exactly its subjects' blocks, joined."""
    triples = sorted_triples(t for chunk in convert(load_dataset(DATA)) for t in chunk.triples)
    subjects = subjects_of(triples)
    whole = {"nt": ntriples_bytes(triples), "ttl": turtle_bytes(triples), "jsonld": jsonld_bytes(triples)}
    for suffix, layout in layouts().items():
        parts = blocks(suffix, triples)
        assert len(parts) == len(subjects)
        assert layout.header + layout.sep.join(parts) + layout.footer == whole[suffix], suffix
        if suffix != "jsonld":
            assert list(block_lengths(suffix, whole[suffix], subjects, layout)) == [len(p) for p in parts]


def test_jsonld_put_together_node_by_node_is_what_orjson_writes_for_the_document() -> None:
    triples = sorted_triples(t for chunk in convert(load_dataset(DATA)) for t in chunk.triples)
    assert jsonld_bytes(triples) == orjson.dumps(jsonld_document(triples), option=orjson.OPT_INDENT_2) + b"\n"
    assert json.loads(jsonld_bytes([]))["@graph"] == []


# --- rebuilds that succeed ----------------------------------------------------------------------------------------


def test_rebuild_after_one_change_equals_a_clean_build(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = rebuilt
    path = data / "editions" / "sim-2017.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("end_date: 2017-08-09", "end_date: 2017-08-10"))
    assert check_against_clean(data, out, tmp_path)[0] == "ok"
    assert "2017-08-10" in (out / "ksst.ttl").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", [
    pytest.param(lambda r: r["participant_count"].update(passage="quote of a speaker"), id="a fact's passage"),
    pytest.param(lambda r: r.update(notes=[*(r.get("notes") or []), "A note added by a test."]), id="a note"),
    pytest.param(lambda r: r["visits"].pop(0), id="a visit removed"),
    pytest.param(lambda r: r.pop("country_lists"), id="every country list removed"),
    pytest.param(lambda r: [cl["countries"].append("VNM") for cl in r["country_lists"]], id="a country added"),
    pytest.param(lambda r: r.update(roles=r["roles"][1:]), id="a role removed"),
    pytest.param(lambda r: r.update(id=r["id"] + "-renamed"), id="the edition renamed"),
])
def test_a_change_to_one_edition(change: Callable[[dict[str, Any]], None], rebuilt: tuple[Path, Path],
                                 tmp_path: Path) -> None:
    data, out = rebuilt
    edit(data / "editions" / "sim-2018.yaml", change)
    assert check_against_clean(data, out, tmp_path)[0] == "ok"


def test_an_edition_file_added_and_removed(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = rebuilt
    record = read(data / "editions" / "sim-2017.yaml")
    record["id"] = "sim-2017-bis"
    write(data / "editions" / "sim-2017-bis.yaml", record)
    assert check_against_clean(data, out, tmp_path)[0] == "ok"
    (data / "editions" / "sim-2016.yaml").unlink()
    assert check_against_clean(data, out, tmp_path)[0] == "ok"


def test_a_membership_two_editions_share(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    """A post held at two editions is one membership node with triples from both files: changing or
    dropping it in one file must keep what the other says."""
    data, out = rebuilt
    donor = next(r for r in read(data / "editions" / "sim-2017.yaml")["roles"] if isinstance(r, dict) and "post" in r)
    edit(data / "editions" / "sim-2021.yaml", lambda r: r["roles"].append(copy.deepcopy(donor)))
    assert check_against_clean(data, out, tmp_path)[0] == "ok"
    edit(data / "editions" / "sim-2017.yaml", lambda r: r.update(roles=[x for x in r["roles"] if x != donor]))
    assert check_against_clean(data, out, tmp_path)[0] == "ok"


def test_nothing_changed(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = rebuilt
    assert check_against_clean(data, out, tmp_path)[0] == "ok"


# --- rebuilds that fail as a clean build fails ----------------------------------------------------------------


@pytest.mark.parametrize(("file", "change", "expected", "names"), [
    pytest.param("sim-2018", lambda r: r.update(places=["jakarta", "hotel-ramada-bintang-bali"]), "ValidationFailed",
                 "sim-2018.yaml", id="shapes"),
    pytest.param("sim-2021", lambda r: r.pop("discrepancies"), "ValidationFailed", "unresolved-conflict",
                 id="qc: an unexplained conflict"),
    pytest.param("sim-2018", lambda r: [cl["countries"].append("Atlantis") for cl in r["country_lists"]],
                 "RecordErrors", "sim-2018.yaml", id="an unknown country"),
    pytest.param("sim-2018", lambda r: r.update(start_date="2099-01-01"), "RecordErrors", "sim-2018.yaml",
                 id="dates out of order"),
    pytest.param("sim-2018", lambda r: r.update(id="sim-2017"), "RecordErrors", "duplicate edition id",
                 id="a duplicate edition id"),
    pytest.param("sim-2018", lambda r: r.update(participant_count=21), "RecordError", "sim-2018.yaml",
                 id="a discrepancy that no longer holds"),
])
def test_a_bad_edit_is_reported_as_a_clean_build_reports_it(file: str, change: Callable[[dict[str, Any]], None],
                                                            expected: str, names: str, rebuilt: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    data, out = rebuilt
    edit(data / "editions" / f"{file}.yaml", change)
    kind, message = check_against_clean(data, out, tmp_path)
    assert kind == expected
    assert names in message


def test_malformed_yaml_is_reported_as_a_clean_build_reports_it(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = rebuilt
    path = data / "editions" / "sim-2016.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - : [\n", encoding="utf-8")
    assert check_against_clean(data, out, tmp_path)[0] == "RecordErrors"


# --- when a clean build is needed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda data, out: (data / "people.yaml").write_text(
        (data / "people.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"), id="reference records changed"),
    pytest.param(lambda data, out: (out / CACHE / "state.json").write_text(
        (out / CACHE / "state.json").read_text().replace('"fingerprint": "', '"fingerprint": "x')),
        id="the code, ontology, shapes or options changed"),
    pytest.param(lambda data, out: shutil.rmtree(out / CACHE), id="no cache"),
    pytest.param(lambda data, out: (out / "ksst.ttl").write_text("edited by hand"), id="an export edited by hand"),
    pytest.param(lambda data, out: (out / CACHE / "asserted.index").write_bytes(b"junk"), id="a broken index"),
])
def test_a_clean_build_where_the_rebuild_cannot_be_sure(spoil: Callable[[Path, Path], object],
                                                        rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = rebuilt
    edit(data / "editions" / "sim-2021.yaml", lambda r: r.update(participant_count=77))
    spoil(data, out)
    assert update(data, out, infer=True) is None
    result = build(data, out)
    assert result.rebuilt is None
    clean = build(data, tmp_path / "clean", incremental=False)
    assert_same_build(out, clean.out_dir)


def test_switching_inference_off_is_a_clean_build(rebuilt: tuple[Path, Path]) -> None:
    data, out = rebuilt
    assert update(data, out, infer=False) is None
    assert build(data, out, infer=False).inferred_triples == 0


def test_ksst_build_says_what_it_rebuilt_and_clean_redoes_everything(rebuilt: tuple[Path, Path]) -> None:
    data, out = rebuilt
    edit(data / "editions" / "sim-2021.yaml", lambda r: r.update(participant_count=12))
    command = [sys.executable, "-m", "ksst_kg", "build", "--data", str(data), "--out", str(out)]
    fast = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "Rebuilt what 1 changed edition file(s) touch: editions/sim-2021.yaml." in fast.stdout
    clean = subprocess.run([*command, "--clean"], capture_output=True, text=True, check=True)
    assert "Rebuilt" not in clean.stdout
    assert fast.stdout.splitlines()[-1] == clean.stdout.splitlines()[-1]


def test_the_cache_keeps_one_parse_per_current_reference_file(rebuilt: tuple[Path, Path]) -> None:
    data, out = rebuilt
    edit(data / "editions" / "sim-2021.yaml", lambda r: r.update(participant_count=12))
    assert update(data, out, infer=True) is not None
    kept = sorted(p.stem for p in (out / CACHE / "yaml").iterdir())
    assert kept == sorted({hashlib.sha256(b).hexdigest() for rel, b in snapshot(data).items() if not is_edition(rel)})


# --- many random edits, on the real data and on generated data ---------------------------------------------------


def _random_edit(rng: random.Random, data: Path, step: int) -> None:
    files = edition_files(data)
    roll = rng.random()
    if roll < 0.08 and len(files) > 3:
        rng.choice(files).unlink()
        return
    if roll < 0.16:
        record = read(rng.choice(files))
        record["id"] += f"-copy{step}"
        write(data / "editions" / f"{record['id']}.yaml", record)
        return
    donor_roles = [r for f in files for r in read(f).get("roles") or [] if isinstance(r, dict) and "post" in r]
    changes: list[Callable[[dict[str, Any]], None]] = [
        lambda r: r.update(participant_count=rng.randint(1, 80)),
        lambda r: r.update(notes=[*(r.get("notes") or []), f"Note {rng.random()}."]),
        lambda r: r.get("visits") and r["visits"].pop(rng.randrange(len(r["visits"]))),
        lambda r: [cl["countries"].append(rng.choice(ISO3)) for cl in r.get("country_lists") or []],
        lambda r: r.pop("country_lists", None),
        lambda r: donor_roles and r.setdefault("roles", []).append(copy.deepcopy(rng.choice(donor_roles))),
        lambda r: r.update(roles=[x for x in r.get("roles") or [] if rng.random() < 0.5]),
        lambda r: r.update(topics=(r.get("topics") or [])[1:]),
        lambda r: r.update(sources=r["sources"][:1]),
        lambda r: r.pop("discrepancies", None),
        lambda r: [cl.update(marker=" ") for cl in r.get("country_lists") or []],
    ]
    edit(rng.choice(files), rng.choice(changes))


def _random_walk(data: Path, out: Path, tmp_path: Path, steps: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    for step in range(steps):
        saved = {p: p.read_bytes() for p in edition_files(data)}
        _random_edit(rng, data, step)
        kind, _ = check_against_clean(data, out, tmp_path)
        seen[kind] = seen.get(kind, 0) + 1
        if kind != "ok":  # put the records back, so that the walk goes on from good data
            for path in edition_files(data):
                if path not in saved:
                    path.unlink()
            for path, content in saved.items():
                path.write_bytes(content)
    return seen


def test_random_edits_of_the_real_data(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    seen = _random_walk(*rebuilt, tmp_path, steps=14, seed=20170809)
    assert seen.get("ok", 0) >= 5, seen


def test_random_edits_of_generated_data(tmp_path: Path) -> None:
    """Generated data has what the real data lacks: people at many editions, many programmes and sources."""
    from bench.generate import generate

    data = tmp_path / "data"
    generate(data, target=4_000, seed=7, data=DATA)
    out = tmp_path / "build"
    build(data, out)
    seen = _random_walk(data, out, tmp_path, steps=8, seed=7)
    assert seen.get("ok", 0) >= 3, seen
