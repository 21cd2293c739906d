"""Hostile records, through the real command line: every one is a clean error naming file, record and field (or
line), quickly, with nothing written; and a rebuild treats odd files exactly as a clean build does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ksst_kg.core.errors import RecordError, RecordErrors
from ksst_kg.records import parse_yaml


def ksst(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ksst_kg", *args], capture_output=True, text=True, check=False)


def failed(data: Path, out: Path, *flags: str) -> str:
    proc = ksst("build", "--data", str(data), "--out", str(out), *flags)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr
    return proc.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- anchors and aliases ------------------------------------------------------------------------------------


def billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "id: sim-2017\n" + "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_at_once(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "editions" / "sim-2017.yaml").write_text(billion_laughs(9), encoding="utf-8")
    start = time.monotonic()
    stderr = failed(data_copy, tmp_path / "b")
    assert time.monotonic() - start < 30
    assert "anchors and aliases (&name, *name) are not allowed" in stderr
    assert "record 'sim-2017', field 'a1[0]'" in stderr


# --- YAML 1.1 surprises: refused where a number, a boolean or a date is wanted ------------------------------


@pytest.mark.parametrize(("old", "new", "message"), [
    ("duration_days: 13", "duration_days: true", "field 'duration_days': Input should be a valid integer, not true"),
    ("year: 2018", "year: 33:38", "field 'year': Input should be a valid integer, not '33:38'"),
    ("year: 2018", "year: 0x7E2", "field 'year': Input should be a valid integer, not '0x7E2'"),
    ("year: 2018", "year: 2_018", "field 'year': Input should be a valid integer, not '2_018'"),
    ("duration_days: 13", "duration_days: " + "1" + "0" * 40,
     "field 'duration_days': Input should be less than or equal to 366"),
    ("participant_count:\n  value: 20", "participant_count:\n  value: 20.0",
     "field 'participant_count.value': Input should be a valid integer, not 20.0"),
    ("start_date: 2018-07-18", "start_date: 1531872000", "field 'start_date': a date is written YYYY-MM-DD"),
    ("start_date: 2018-07-18", "start_date: 2018-02-30",
     "field 'start_date': '2018-02-30' is not a valid date (day value is outside expected range)"),
], ids=["true-for-a-number", "sexagesimal", "hexadecimal", "underscores", "huge", "float-for-a-count",
        "number-for-a-date", "impossible-date"])
def test_yaml_11_surprises_and_numbers_out_of_range(data_copy: Path, tmp_path: Path, old: str, new: str,
                                                    message: str) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    if "duration_days: 13" in old:
        replace_in(path, "duration_days:\n  value: 13", "duration_days:\n  value: 13")
        replace_in(path, "duration_days:\n  value: 13\n  inferred: true\n  reasoning: Counted from the stated "
                         "dates, 18 to 30 July 2018, both days included.\n", old + "\n")
    replace_in(path, old, new)
    stderr = failed(data_copy, tmp_path / "b")
    assert f"{path}, record 'sim-2018', {message}" in stderr
    assert len(stderr.strip().splitlines()) == 2, stderr  # one mistake, one message


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "!!float .nan"])
def test_not_a_number_and_infinity_are_refused(data_copy: Path, tmp_path: Path, value: str) -> None:
    path = data_copy / "editions" / "sim-2021.yaml"
    replace_in(path, "    value: 4400000\n", f"    value: {value}\n")
    stderr = failed(data_copy, tmp_path / "b")
    assert "record 'sim-2021', field 'figures[0].value'" in stderr
    assert len(stderr.strip().splitlines()) == 2, stderr


@pytest.mark.parametrize(("char", "name"), [("\\e", "ESC"), ("\\a", "BEL"), ("\\0", "NUL"),
                                           ("\\u202e", "RIGHT-TO-LEFT OVERRIDE")])
def test_control_characters_in_text_are_refused(data_copy: Path, tmp_path: Path, char: str, name: str) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "title: Capacity Building Program", f'title: "Capacity{char} Building Program')
    replace_in(path, "Small and Medium Industry\nparticipant_count", 'Small and Medium Industry"\nparticipant_count')
    stderr = failed(data_copy, tmp_path / "b")
    assert "record 'sim-2018', field 'title': the text holds the control character" in stderr
    assert name in stderr


def test_a_byte_order_mark_inside_a_file_is_refused_and_bytes_that_are_not_utf8_are_named() -> None:
    with pytest.raises(RecordError, match=r"control character U\+FEFF"):
        parse_yaml("id: x\ntitle: a\ufeffb\n".encode(), Path("x.yaml"))
    with pytest.raises(RecordError, match=r"not UTF-8 \(byte 13 of the file"):
        parse_yaml(b"id: x\nname: \xff\n", Path("x.yaml"))


def test_explicit_tags_and_merge_keys_are_refused() -> None:
    with pytest.raises(RecordErrors) as info:
        parse_yaml(b"id: x\na: !!python/tuple [1]\nb: !!set {x}\nc: !!int '12'\n", Path("x.yaml"))
    assert [e.field for e in info.value.errors] == ["a", "b", "c"]
    assert parse_yaml(b"id: x\n<<: {a: 1}\n", Path("x.yaml")) == {"id": "x", "<<": {"a": 1}}  # an unknown field


# --- every file that looks like a record is read or named; a rebuild sees them as a clean build does --------


#: Kinds of odd file (`make_odd` puts one in) and what a build says of it.
ODD = {
    "yml": "record files end in .yaml: rename it to sim-2099.yaml, or the build does not read it",
    "nested": "an edition file must be directly in editions/",
    "folder": "is a folder; a record file must be a file",
    "dangling": "a symbolic link to nothing",
    "fifo": "not a regular file (a pipe, socket or device)",
    "stray": "not a record file the build reads",
}


def make_odd(data: Path, kind: str) -> Path:
    editions = data / "editions"
    if kind == "yml":
        path = editions / "sim-2099.yml"
        path.write_text((editions / "sim-2018.yaml").read_text().replace("id: sim-2018", "id: sim-2099"))
    elif kind == "nested":
        path = editions / "sub" / "x.yaml"
        path.parent.mkdir()
        path.write_text("id: x\n")
    elif kind == "folder":
        path = editions / "sim-2098.yaml"
        path.mkdir()
    elif kind == "dangling":
        path = editions / "sim-2097.yaml"
        path.symlink_to(data / "nowhere.yaml")
    elif kind == "fifo":
        path = editions / "sim-2096.yaml"
        os.mkfifo(path)
    else:
        path = data / "reference" / "extra.yaml"
        path.write_text("- id: x\n")
    return path


@pytest.mark.parametrize("kind", ["yml", "nested", "folder", "dangling", "fifo", "stray"])
def test_an_odd_file_is_named_by_a_clean_build_and_a_rebuild_alike(data_copy: Path, tmp_path: Path,
                                                                    kind: str) -> None:
    out = tmp_path / "out" / "build"
    assert ksst("build", "--data", str(data_copy), "--out", str(out)).returncode == 0
    before = sorted(p.name for p in out.parent.iterdir())
    path = make_odd(data_copy, kind)
    rebuild = failed(data_copy, out)
    clean = failed(data_copy, out, "--clean")
    assert rebuild == clean
    assert f"{path}: {ODD[kind]}" in rebuild
    assert sorted(p.name for p in out.parent.iterdir()) == before  # nothing written


def test_editor_files_and_copies_of_texts_are_not_records(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "editions" / ".#sim-2018.yaml").symlink_to(data_copy / "nowhere")  # an editor's lock
    (data_copy / "editions" / "sim-2018.yaml~").write_text("a backup")
    (data_copy / "texts" / "notes.txt").write_text("not a record")
    proc = ksst("build", "--data", str(data_copy), "--out", str(tmp_path / "b"))
    assert proc.returncode == 0, proc.stderr


# --- QC: every value of a single-valued property is covered by a discrepancy --------------------------------


def test_two_counts_with_a_discrepancy_covering_one_fail_the_qc(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "participant_count:\n  value: 20", "participant_count:\n  - value: 20")
    replace_in(path, "  passage: quote of the Director General\n",
               "    passage: quote of the Director General\n  - {value: 25, sources: [moneter-20-negara]}\n")
    stderr = failed(data_copy, tmp_path / "b")
    [violation] = stderr.strip().splitlines()[1:]  # 25 alone: the discrepancy covers 20
    assert "QC check unresolved-conflict failed: <https://w3id.org/ksst-kg/ontology#statedParticipantCount>, " \
        '"25"' in violation
    assert violation.endswith(f"[{path}]")
