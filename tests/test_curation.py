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

from ksst_kg import BuildResult
from ksst_kg.records import load_dataset

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
#
# The test writes what a curator would: a source, an outlet and a place of its own (ids no curator uses), and an
# edition of the data's first programme in a year no edition has, so that it holds whatever data/ holds.

NEW_REFERENCE = {
    "reference/organisations.yaml": """
- id: example-test-outlet
  type: NewsOutlet
  name_en: Example Test Outlet
  name_id: Media Contoh Uji
  country: IDN
  reference: Written by a test.
- id: example-test-museum
  type: CulturalInstitution
  name_en: Example Test Museum
  name_id: Museum Contoh Uji
  country: IDN
  reference: Written by a test.
""",
    "reference/places.yaml": """
- id: example-test-city
  type: City
  name_en: Example Test City
  name_id: Kota Contoh Uji
  within: IDN
""",
    "sources.yaml": """
- id: example-test-source
  publisher: example-test-outlet
  url: https://news.example.org/test/colombo-plan
  language: id
  headline: Peserta Colombo Plan Belajar IKM
  byline: Contoh
  date_retrieved: 2026-12-06
  date_published_note: Not stated.
  about_editions: [{edition}]
""",
}

NEW_EDITION = """\
# Written by a test: one more edition, from an invented source.
id: {edition}
sources: [example-test-source]
programme: {programme}
year: {year}
start_date: {year}-07-02
end_date: {year}-07-13
places: [example-test-city]
mode: in-person
participant_count: 19
country_count: 12
country_lists:
  - source: example-test-source
    completeness: partial
    countries: [BGD, {{value: BTN, as_written: Burhan, inferred: true, reasoning: No country is called Burhan.}}, LAO]
visits:
  - id: museum
    status: planned
    institutions: [example-test-museum]
    activities: [A cultural visit.]
"""

NEW_EXPECTATIONS = """\
source: example-test-source
facts:
  - {{about: kg:edition/{edition}, property: ksst:year, values: ["{year}"], derivation: stated}}
  - {{about: kg:edition/{edition}, property: ksst:statedParticipantCount, values: ["19"]}}
  - about: kg:edition/{edition}/country-list/example-test-source
    property: ksst:listedCountry
    values: [kg:country/BGD, kg:country/BTN, kg:country/LAO]
    as_written: [Burhan]
  - {{about: kg:edition/{edition}/visit/museum, property: ksst:activityStatus,
     values: [kg:concept/activity-status/planned]}}
"""


def add_an_edition(data: Path) -> str:
    """Add an edition, its source and what they name to the data folder; the edition's id."""
    ds = load_dataset(data)
    years = {y.value for ed in ds.editions for y in ed.year}
    year = next(y for y in range(2099, 1950, -1) if y not in years and f"test-{y}" not in ds.edition_files)
    edition, programme = f"test-{year}", ds.programmes[0].id
    for rel, text in NEW_REFERENCE.items():
        append(data / rel, text.replace("{edition}", edition))
    (data / "editions" / f"{edition}.yaml").write_text(
        NEW_EDITION.format(edition=edition, programme=programme, year=year), encoding="utf-8")
    (data / "expectations").mkdir(exist_ok=True)
    (data / "expectations" / "example-test-source.yaml").write_text(
        NEW_EXPECTATIONS.format(edition=edition, year=year), encoding="utf-8")
    return edition


def data_checks(data: Path) -> subprocess.CompletedProcess[str]:
    """The data checks (tests/test_data.py) run on `data`, as `make test` runs them on data/."""
    env = {**os.environ, "KSST_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p", "no:xdist",
                           str(ROOT / "tests" / "test_data.py")], capture_output=True, text=True, check=False,
                          env=env, cwd=ROOT)


def test_a_new_edition_with_its_source_and_expectations_passes_the_data_checks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data)
    before = len(load_dataset(data).editions)
    edition = add_an_edition(data)
    proc = data_checks(data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test_the_graph_says_what_the_source_says[example-test-source] PASSED" in proc.stdout
    summary = build(data, tmp_path / "build")
    assert f"Built {tmp_path / 'build'}: {before + 1} editions" in summary.stdout, summary.stderr
    assert edition.startswith("test-")


def test_the_data_checks_fail_when_an_expectation_is_wrong_or_missing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA, data)
    add_an_edition(data)
    path = data / "expectations" / "example-test-source.yaml"
    path.write_text(path.read_text().replace('values: ["19"]', 'values: ["20"]'))
    first = sorted((data / "expectations").glob("*.yaml"))[0]
    first.unlink()
    proc = data_checks(data)
    assert proc.returncode == 1
    assert ("ksst:statedParticipantCount is ['19'] in the graph by example-test-source, expected ['20']"
            in proc.stdout)
    assert f"sources without data/expectations/<source-id>.yaml: ['{first.stem}']" in proc.stdout


def test_the_test_data_set_passes_the_data_checks(tmp_path: Path) -> None:
    """tests/data has expectations too (for its real and its invented sources): as_written, derivations."""
    proc = data_checks(DATA)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- 2. a repeated key is an error naming both lines --------------------------------------------------------


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def failed_build(data: Path, tmp_path: Path) -> str:
    """The message of a build that must fail on bad records: exit 1, no traceback, nothing written."""
    out = tmp_path / "out"
    proc = build(data, out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Value error" not in proc.stderr
    assert not out.exists()
    return proc.stderr


def problems(stderr: str) -> list[str]:
    """The problems a failed build lists, one a line, after its first line."""
    return stderr.strip().splitlines()[1:]


def test_a_repeated_key_is_an_error_naming_both_lines(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("participant_count:")) + 1
    path.write_text("\n".join(lines) + "\nparticipant_count: 12\n", encoding="utf-8")
    stderr = failed_build(data_copy, tmp_path)
    assert problems(stderr) == [
        f"{path}, record 'sim-2018', field 'participant_count': the key 'participant_count' is repeated: "
        f"first at line {first}, again at line {len(lines) + 1}"]


def test_a_misplaced_sources_key_is_not_dropped_silently(data_copy: Path, tmp_path: Path) -> None:
    """A mis-indented `sources:` under a fact would become a second top-level `sources:`: a repeated key."""
    path = data_copy / "editions" / "sim-2021.yaml"
    replace_in(path, "participant_count: 61\n", "participant_count: 61\nsources: [beritasatu-827659]\n")
    assert "the key 'sources' is repeated: first at line 3" in failed_build(data_copy, tmp_path)


# --- 3. a planned visit is shown as planned ---------------------------------------------------------------------


def test_a_planned_visit_is_shown_as_planned(built: BuildResult) -> None:
    proc = ksst("query", "institutions-visited", "-f", "csv", "--out", str(built.out_dir))
    assert proc.returncode == 0, proc.stderr
    how = {row.split(",")[0].rsplit("/", 1)[-1]: row for row in proc.stdout.splitlines()[1:]}
    assert '"planned visit, planned host, planned workshop host"' in how["bbkb"]  # 2017: "akan diajak"
    assert '"visited, host, workshop host"' in how["bbt"] or ",visited," in how["bbt"]  # 2018: reported
    history = ksst("query", "country-history", "--param", "country=Indonesia", "-f", "csv",
                   "--out", str(built.out_dir))
    assert "Example Batik Malang,2020,planned visit," in history.stdout


# --- 4. one item of a list read with as_written and inferred ------------------------------------------------


def short(text: str) -> str:
    """Output of `ksst query -f csv|tsv` (full IRIs) with the graph's own IRIs prefixed, for shorter tests."""
    return text.replace("https://w3id.org/ksst-kg/id/", "kg:").replace("https://w3id.org/ksst-kg/ontology#", "ksst:")


def test_one_item_of_a_list_keeps_the_name_as_written_and_the_reading_as_inferred(built: BuildResult) -> None:
    query = """SELECT ?country ?written ?derivation ?reasoning WHERE {
      <https://w3id.org/ksst-kg/id/edition/sim-2020/country-list/example-news-2020> ksst:listedCountry ?country .
      ?c ksst:claimSubject <https://w3id.org/ksst-kg/id/edition/sim-2020/country-list/example-news-2020> ;
         ksst:claimObject ?country ; ksst:derivation ?derivation ; ksst:writtenAs/ksst:writtenText ?written .
      OPTIONAL { ?c ksst:reasoning ?reasoning } } ORDER BY ?country"""
    proc = ksst("query", "-e", query, "-f", "tsv", "--out", str(built.out_dir))
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in short(proc.stdout).splitlines()[1:]]
    by_country = {r[0]: r[1:] for r in rows}
    assert by_country["kg:country/BTN"][:2] == ["Burhan", "kg:concept/derivation/inferred"]
    assert "No country is called Burhan" in by_country["kg:country/BTN"][2]
    assert by_country["kg:country/IDN"][:2] == ["Indobesia", "kg:concept/derivation/stated"]
    # the edition's own claim that Bhutan took part is stated: the other source writes Bhutan
    stated = ksst("query", "-e", "SELECT ?d WHERE { ?c ksst:claimSubject "
                  "<https://w3id.org/ksst-kg/id/edition/sim-2020> ; ksst:claimProperty ksst:participatingCountry ; "
                  "ksst:claimObject <https://w3id.org/ksst-kg/id/country/BTN> ; ksst:derivation ?d }",
                  "-f", "csv", "--out", str(built.out_dir))
    assert short(stated.stdout).splitlines()[1:] == ["kg:concept/derivation/stated"]


# --- 5. marker optional everywhere: loader and shapes agree -------------------------------------------------


def test_a_list_without_marker_builds_and_an_empty_marker_is_one_loader_message(data_copy: Path,
                                                                               tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "    marker: seperti\n", "")
    replace_in(path, "institution_list: {completeness: partial, marker: seperti}",
               "institution_list: {completeness: partial}")
    proc = build(data_copy, tmp_path / "ok")
    assert proc.returncode == 0 and "validation: conforms" in proc.stdout, proc.stderr
    replace_in(path, "institution_list: {completeness: partial}",
               "institution_list: {completeness: partial, marker: ' '}")
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'sim-2018', field 'visits[5].institution_list.marker': must not be empty"]


# --- 6. an unknown concept says which file defines concepts -------------------------------------------------


def test_an_unknown_concept_names_the_file_that_defines_concepts(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "topics: [research-and-development, cnc-machining,", "topics: [footwear, cnc-machining,")
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'sim-2018', field 'topics[0]': unknown concept 'footwear' in scheme 'topics' (concepts are "
        "defined in reference/concepts.yaml)"]


# --- 7. what articles have: source details, events, places, lists under one `sources` -----------------------


def test_the_fields_articles_have_reach_the_graph(built: BuildResult) -> None:
    def one(query: str) -> list[str]:
        proc = ksst("query", "-e", query, "-f", "tsv", "--out", str(built.out_dir))
        assert proc.returncode == 0, proc.stderr
        return short(proc.stdout).splitlines()[1:]

    source = "<https://w3id.org/ksst-kg/id/source/example-news-2020>"
    assert one(f"SELECT ?a WHERE {{ {source} ksst:authorName ?a }} ORDER BY ?a") == ["Ayu Lestari", "Bima Santoso"]
    assert one(f"SELECT ?b ?p ?r WHERE {{ {source} ksst:byline ?b ; ksst:photoCredit ?p ; ksst:dateRetrieved ?r }}"
               ) == ["ayu/bim\tEXAMPLE/Bima Santoso\t2026-12-06"]
    assert one("SELECT ?t WHERE { <https://w3id.org/ksst-kg/id/source/example-report-2021> a ?t "
               "FILTER(STRSTARTS(STR(?t), STR(ksst:))) } ORDER BY ?t") == ["ksst:PublicDocument", "ksst:SourceDocument"]
    assert one("SELECT ?d ?p ?o WHERE { <https://w3id.org/ksst-kg/id/edition/sim-2020/event/opening> "
               "ksst:eventKind <https://w3id.org/ksst-kg/id/concept/event-kinds/opening-ceremony> ; "
               "schema:startDate ?d ; ksst:heldIn ?p ; ksst:openedBy ?o } ORDER BY ?o") == [
        "2020-07-06\tkg:place/hotel-example-malang\tkg:org/kemenperin",
        "2020-07-06\tkg:place/hotel-example-malang\tkg:person/siti-rahmawati"]
    assert one("SELECT ?t WHERE { <https://w3id.org/ksst-kg/id/place/candi-singosari> a ?t ; "
               "schema:containedInPlace/a ksst:Regency FILTER(STRSTARTS(STR(?t), STR(ksst:))) }") == [
        "ksst:HeritageSite"]
    # one `sources` for the whole list of topics
    assert one("SELECT DISTINCT ?s WHERE { ?c ksst:claimSubject <https://w3id.org/ksst-kg/id/edition/sim-2020> ; "
               "ksst:claimProperty ksst:curriculumTopic ; prov:wasDerivedFrom ?s }") == [
        "kg:source/example-news-2020"]


# --- 8. a source's file is checked, and most sources have none ----------------------------------------------


def test_a_sources_file_must_exist_and_may_be_left_out(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "texts" / "example-news-2020.txt").unlink()
    path = data_copy / "sources.yaml"
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'example-news-2020', field 'file': 'texts/example-news-2020.txt' is not a file under "
        f"{data_copy}: `file` names a copy of the text kept in the data folder; leave it out where the project "
        "keeps no copy"]
    replace_in(path, "  file: texts/example-news-2020.txt\n", "")
    assert build(data_copy, tmp_path / "ok").returncode == 0


# --- 9. messages that say what is wrong, once, where it is ---------------------------------------------------


def test_an_end_date_before_the_start_date_is_one_message_on_the_end_date(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "end_date: 2018-07-30", "end_date: 2018-07-10")
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'sim-2018', field 'end_date': 2018-07-10 is before the start_date, 2018-07-18"]


def test_an_unknown_person_with_a_post_is_one_message(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2018.yaml"
    replace_in(path, "  - agent: ngakan-timur-antara\n", "  - agent: ngakan-timur\n")
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'sim-2018', field 'roles[2].agent': unknown organisation or person 'ngakan-timur' "
        "(organisations are defined in reference/organisations.yaml, people in people.yaml)"]


@pytest.mark.parametrize(("text", "line", "what"), [
    ("id: sim-2017\nyear: [2017\nsources: x\n", 2, "while parsing a flow sequence"),
    ("id: sim-2017\nyear 2017\nsources: [x]\n", 2, "could not find expected ':'"),
    ('id: sim-2017\ntitle: "Batch II\nyear: 2017\n', 2, "while scanning a quoted scalar"),
    ("id: sim-2017\nyear:\n\t- 2017\n", 3, "a tab character; YAML indents with spaces only"),
], ids=["unclosed bracket", "missing colon", "unclosed quote", "tab"])
def test_a_yaml_syntax_error_points_at_the_line_of_the_mistake(data_copy: Path, tmp_path: Path, text: str,
                                                              line: int, what: str) -> None:
    path = data_copy / "editions" / "sim-2017.yaml"
    path.write_text(text, encoding="utf-8")
    [message] = problems(failed_build(data_copy, tmp_path))
    assert message.startswith(f"{path}: malformed YAML at line {line}, column ")
    assert what in message


def test_a_misspelt_field_is_one_message_with_a_suggestion(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2017.yaml"
    replace_in(path, "year: 2017", "yeer: 2017")
    assert problems(failed_build(data_copy, tmp_path)) == [
        f"{path}, record 'sim-2017', field 'yeer': unknown field (did you mean 'year'?)"]


def test_a_byte_order_mark_and_crlf_line_ends_read_as_plain_yaml(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "editions" / "sim-2017.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    plain = build(DATA, tmp_path / "plain")
    proc = build(data_copy, tmp_path / "crlf")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "crlf" / "ksst.nt").read_bytes() == (tmp_path / "plain" / "ksst.nt").read_bytes()
    assert plain.returncode == 0


# --- the README's worked example builds, and its expectations hold ------------------------------------------


def readme_example() -> dict[str, str]:
    """The YAML blocks of the README's worked example, by the file each names in its first line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("**A worked example"):]
    section = section[:section.index("\n## ")]
    blocks = section.split("```yaml\n")[1:]
    out = {}
    for block in blocks:
        body = block.split("```", 1)[0]
        first = body.splitlines()[0]
        assert first.startswith("# data/"), first
        out[first.split()[1].removeprefix("data/")] = body
    return out


def test_the_readmes_worked_example_builds_and_passes_the_data_checks(data_copy: Path, tmp_path: Path) -> None:
    data = data_copy
    blocks = readme_example()
    assert set(blocks) == {"sources.yaml", "editions/sim-2019.yaml", "expectations/news-a-2019.yaml"}
    append(data / "sources.yaml", blocks["sources.yaml"])
    (data / "editions" / "sim-2019.yaml").write_text(blocks["editions/sim-2019.yaml"], encoding="utf-8")
    (data / "expectations" / "news-a-2019.yaml").write_text(blocks["expectations/news-a-2019.yaml"], encoding="utf-8")
    (data / "expectations" / "news-b-2019.yaml").write_text(
        "source: news-b-2019\nfacts:\n  - {about: kg:edition/sim-2019, property: schema:endDate, "
        'values: ["2019-07-17"]}\n', encoding="utf-8")
    # step 2 of the guide: what the example names and the reference files lack
    append(data / "reference" / "places.yaml", """
- id: surabaya
  type: City
  name_en: Surabaya
  name_id: Surabaya
  within: IDN
""")
    append(data / "reference" / "organisations.yaml", """
- id: museum-trowulan
  type: CulturalInstitution
  name_en: Trowulan Museum
  name_id: Museum Trowulan
  country: IDN
  reference: Written by a test.
""")
    concepts = data / "reference" / "concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    start = text.index("\ntopics:")
    at = text.index("  concepts:\n", start) + len("  concepts:\n")
    concepts.write_text(text[:at] + "    - id: footwear\n      label_en: footwear\n      label_id: alas kaki\n"
                        "      definition_en: Making shoes and sandals.\n" + text[at:], encoding="utf-8")
    proc = build(data, tmp_path / "build")
    assert proc.returncode == 0 and "validation: conforms" in proc.stdout, proc.stderr
    visited = ksst("query", "institutions-visited", "-f", "csv", "--out", str(tmp_path / "build")).stdout
    assert "Trowulan Museum,2019,planned visit" in visited
    checks = data_checks(data)
    assert checks.returncode == 0, checks.stdout + checks.stderr


# --- `ksst new`: skeletons to fill in ------------------------------------------------------------------------


def test_ksst_new_edition_writes_a_skeleton_that_names_what_is_missing(data_copy: Path, tmp_path: Path) -> None:
    data = data_copy
    proc = ksst("new", "edition", "2019", "--data", str(data))
    assert proc.returncode == 0, proc.stderr
    path = data / "editions" / "sim-2019.yaml"  # named like the programme's other editions
    assert proc.stdout.splitlines()[0] == f"Wrote {path}"
    text = path.read_text(encoding="utf-8")
    assert "programme: sim-capacity-building\nyear: 2019\n" in text
    for example in ("# start_date: 2019-", "#     status: planned", "as_written: Burhan, inferred: true", "# events:",
                    "# topics: {value: [batik, footwear], sources: [source-id]}"):
        assert example in text, example
    assert problems(failed_build(data, tmp_path)) == [
        f"{path}, record 'sim-2019', field 'sources': needs at least 1 item(s), and has none"]
    again = ksst("new", "edition", "2019", "--data", str(data))
    assert again.returncode == 2 and "already exists; edit it, or give another id with --id" in again.stderr
    replace_in(path, "sources: []", "sources: [antara-592698]")
    ok = build(data, tmp_path / "ok")
    editions = len(list((data / "editions").glob("*.yaml")))
    assert ok.returncode == 0 and f"{editions} editions" in ok.stdout, ok.stderr


def test_ksst_new_source_adds_a_record_and_its_expectations(data_copy: Path, tmp_path: Path) -> None:
    data = data_copy
    unknown = ksst("new", "source", "example-2019", "--data", str(data), "--url", "https://news.example.org/1",
                   "--publisher", "nobody")
    assert unknown.returncode == 2 and "unknown publisher 'nobody'" in unknown.stderr
    proc = ksst("new", "source", "example-2019", "--data", str(data), "--url", "https://news.example.org/1",
                "--publisher", "antara")
    assert proc.returncode == 0, proc.stderr
    assert (data / "expectations" / "example-2019.yaml").is_file()
    assert build(data, tmp_path / "b").returncode == 0  # the skeleton is a valid record as it stands
    checks = data_checks(data)
    assert checks.returncode == 1
    assert "example-2019.yaml: list at least one fact a reader finds in example-2019" in checks.stdout
    twice = ksst("new", "source", "example-2019", "--data", str(data), "--url", "https://news.example.org/1",
                 "--publisher", "antara")
    assert twice.returncode == 2 and "already has a source 'example-2019'" in twice.stderr
