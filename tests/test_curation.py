"""A curator's path, through the real command line: adding an edition needs no change to code or tests, and
every mistake the record format guards against is reported once, with its file, record, field and line.

Each of the nine points of the curation issue has its test here: tests welded to the data (a sixth edition
passes the data checks unchanged), a repeated key, a planned visit shown as planned, one list item read with
`as_written` and `inferred`, `marker` optional in loader and shapes alike, where concepts are defined, the new
fields of sources and editions, a source's `file` checked (and sources without one), and the messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT

REAL_DATA = ROOT / "data"


def ksst(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ksst_kg", *args], capture_output=True, text=True, check=False,
                          cwd=cwd)


def build(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return ksst("build", "--data", str(data), "--out", str(out))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")


# --- 1. a new edition, with its source and expectations, passes the data checks unchanged ------------------

NEW_SOURCE = """
- id: example-surabaya-2019
  publisher: antara
  url: https://news.example.org/2019/07/colombo-plan-surabaya
  language: id
  headline: Peserta Colombo Plan Belajar IKM di Surabaya
  byline: Contoh
  date_retrieved: 2026-12-06
  date_published_note: Not stated.
  about_editions: [sim-2019]
"""

NEW_PLACE = """
- id: surabaya
  type: City
  name_en: Surabaya
  name_id: Surabaya
  within: IDN
"""

NEW_EDITION = """\
# Written by a test: a sixth edition, from an invented source.
id: sim-2019
sources: [example-surabaya-2019]
programme: sim-capacity-building
year: 2019
start_date: 2019-07-02
end_date: 2019-07-13
places: [surabaya]
mode: in-person
participant_count: 19
country_count: 12
country_lists:
  - source: example-surabaya-2019
    completeness: partial
    countries: [BGD, {value: BTN, as_written: Burhan, inferred: true, reasoning: No country is called Burhan.}, LAO]
topics: {value: [batik, history-and-culture], sources: [example-surabaya-2019]}
visits:
  - id: museum
    status: planned
    institutions: [museum-kaa]
    activities: [A cultural visit.]
"""

NEW_EXPECTATIONS = """\
source: example-surabaya-2019
facts:
  - {about: kg:edition/sim-2019, property: ksst:year, values: ["2019"], derivation: stated}
  - {about: kg:edition/sim-2019, property: ksst:statedParticipantCount, values: ["19"]}
  - about: kg:edition/sim-2019/country-list/example-surabaya-2019
    property: ksst:listedCountry
    values: [kg:country/BGD, kg:country/BTN, kg:country/LAO]
  - {about: kg:edition/sim-2019/visit/museum, property: ksst:activityStatus,
     values: [kg:concept/activity-status/planned]}
"""


def add_sixth_edition(data: Path) -> None:
    append(data / "sources.yaml", NEW_SOURCE)
    append(data / "reference" / "places.yaml", NEW_PLACE)
    (data / "editions" / "sim-2019.yaml").write_text(NEW_EDITION, encoding="utf-8")
    (data / "expectations" / "example-surabaya-2019.yaml").write_text(NEW_EXPECTATIONS, encoding="utf-8")


def data_checks(data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KSST_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           str(ROOT / "tests" / "test_data.py")], capture_output=True, text=True, check=False,
                          env=env, cwd=ROOT)


def test_a_new_edition_with_its_source_and_expectations_passes_the_data_checks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data)
    add_sixth_edition(data)
    proc = data_checks(data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10 passed" not in proc.stdout  # one more expectations file than data/ has: the new source is checked


def test_the_data_checks_fail_when_an_expectation_is_wrong(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data)
    add_sixth_edition(data)
    path = data / "expectations" / "example-surabaya-2019.yaml"
    path.write_text(path.read_text().replace('values: ["19"]', 'values: ["20"]'))
    (data / "expectations" / "antara-592698.yaml").unlink()
    proc = data_checks(data)
    assert proc.returncode == 1
    assert "ksst:statedParticipantCount is ['19'] in the graph by example-surabaya-2019, expected ['20']" in proc.stdout
    assert "sources without data/expectations/<source-id>.yaml: ['antara-592698']" in proc.stdout
