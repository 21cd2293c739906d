"""Commented skeletons of new records, for `ksst new edition` and `ksst new source`: a curator fills in what the
sources say without reading code. A skeleton is written beside the records it joins, never over an existing
file or record, and in one piece (a temporary file, then a rename).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import RecordError, UsageError
from ..core.files import atomic_write
from .model import SLUG, SOURCE_TYPES
from .yamlio import read_yaml

EDITION_YEAR = re.compile(r"^(?P<prefix>.+)-(?P<year>[0-9]{4})(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Skeleton:
    """What a `ksst new` command wrote, for the command to report."""

    files: tuple[Path, ...]
    next_steps: str


def new_edition(data_dir: Path, year: int, programme: str | None = None, ident: str | None = None) -> Skeleton:
    """Write `editions/<id>.yaml`, a commented skeleton of the edition of `year` of `programme` (the only
    programme, when there is one); the id follows the other editions of the programme (`sim-2019`)."""
    data_dir = Path(data_dir)
    if not 1950 <= year <= 2100:
        raise UsageError(f"the year must be between 1950 and 2100, not {year}")
    programmes = _ids(data_dir / "programmes.yaml", "programmes")
    if programme is None:
        if len(programmes) != 1:
            raise UsageError(f"say which programme with --programme ({', '.join(programmes) or 'none defined'}; "
                             "programmes are defined in programmes.yaml)")
        programme = programmes[0]
    elif programme not in programmes:
        raise UsageError(f"unknown programme {programme!r} (programmes.yaml defines {', '.join(programmes)})")
    ident = ident or f"{_edition_prefix(data_dir, programme)}-{year}"
    if not re.match(SLUG, ident):
        raise UsageError(f"{ident!r} is not an id: lower-case letters, digits and '-'")
    path = data_dir / "editions" / f"{ident}.yaml"
    if path.exists():
        raise UsageError(f"{path} already exists; edit it, or give another id with --id")
    atomic_write(path, EDITION.format(id=ident, year=year, programme=programme).encode("utf-8"))
    return Skeleton((path,), f"Fill in {path} from the sources (add each with `ksst new source`), then `ksst build`.")


def new_source(data_dir: Path, ident: str, url: str, publisher: str, kind: str = "news-article",
               language: str = "id") -> Skeleton:
    """Append a commented record to `sources.yaml` and write `expectations/<id>.yaml`, the facts a reader finds
    in the source, to fill in."""
    data_dir = Path(data_dir)
    if not re.match(SLUG, ident):
        raise UsageError(f"{ident!r} is not an id: lower-case letters, digits and '-' (such as antara-123456)")
    if kind not in SOURCE_TYPES:
        raise UsageError(f"the type of a source is one of {', '.join(SOURCE_TYPES)}, not {kind!r}")
    if not re.match(r"^https?://\S+$", url):
        raise UsageError(f"the address must start with http:// or https://, not {url!r}")
    if not re.match(r"^[a-z]{2,3}$", language):
        raise UsageError(f"the language is a code such as id or en, not {language!r}")
    sources_file = data_dir / "sources.yaml"
    if ident in _ids(sources_file, None):
        raise UsageError(f"sources.yaml already has a source {ident!r}")
    organisations = _ids(data_dir / "reference" / "organisations.yaml", None)
    if publisher not in organisations:
        raise UsageError(f"unknown publisher {publisher!r}: add the organisation to reference/organisations.yaml "
                         "first (a news outlet has type: NewsOutlet)")
    expectations = data_dir / "expectations" / f"{ident}.yaml"
    if expectations.exists():
        raise UsageError(f"{expectations} already exists")
    text = sources_file.read_text(encoding="utf-8") if sources_file.exists() else ""
    record = SOURCE.format(id=ident, type=kind, publisher=publisher, url=url, language=language)
    atomic_write(sources_file, (text.rstrip("\n") + "\n" + record if text.strip() else record).encode("utf-8"))
    atomic_write(expectations, EXPECTATIONS.format(id=ident).encode("utf-8"))
    return Skeleton((sources_file, expectations),
                   f"Complete the record of {ident} in {sources_file}, cite it in the edition's `sources`, and list "
                   f"what a reader finds in it in {expectations}; then `ksst build` and `make test`.")


def _ids(path: Path, key: str | None) -> list[str]:
    """The ids of the records of a file (of its list `key`), or [] where the file holds none."""
    if not path.exists():
        return []
    try:
        data: Any = read_yaml(path)
    except RecordError as exc:
        raise UsageError(f"{exc}; fix it first") from None
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    return [str(r["id"]) for r in data or [] if isinstance(r, dict) and "id" in r] if isinstance(data, list) else []


def _edition_prefix(data_dir: Path, programme: str) -> str:
    """The prefix of the programme's edition ids (`sim` of `sim-2018`), else the programme's id."""
    for path in sorted((data_dir / "editions").glob("*.yaml")):
        try:
            record = read_yaml(path)
        except RecordError:
            continue
        if not isinstance(record, dict):
            continue
        value = record.get("programme")
        value = value.get("value") if isinstance(value, dict) else value
        match = EDITION_YEAR.match(str(record.get("id", "")))
        if value == programme and match:
            return match.group("prefix")
    return programme


EDITION = """\
# Edition {year} of {programme}. Fill in what the sources say, in your own words; every fact cites the
# `sources` below unless it names its own. Remove the `#` of a line to use it; leave out what no source says.
# The README's curator guide explains each field; `ksst build` names the file, record and field of any mistake.
id: {id}
sources: []                        # ids from sources.yaml (add one with `ksst new source`)
programme: {programme}
year: {year}
# start_date: {year}-07-02         # YYYY-MM-DD
# end_date: {year}-07-13
# duration_days: 12
# places: [surabaya]               # cities, provinces or regencies from reference/places.yaml
# venue: hotel-name                # a place of type Venue
# mode: in-person                  # in-person, hybrid or online
# host_country: IDN                # an ISO code or a name from reference/countries.yaml
# title: Capacity Building Program on ...
# theme: ...
# participant_count: 19            # as stated; two sources that disagree: a list of facts and a discrepancy
# country_count: 12
# hosting_year_ordinal:            # "for the fourth time": a fact may keep the source's own words
#   value: 4
#   marker: keempat kalinya
# country_lists:                   # one list per source that names countries
#   - source: source-id
#     completeness: partial        # complete, or partial (examples only)
#     marker: antara lain          # optional: the word before the list
#     countries:
#       - BGD
#       - {{value: BTN, as_written: Burhan, inferred: true, reasoning: No country is called Burhan; read as Bhutan.}}
# backgrounds: [government-official, sme-entrepreneur]   # concepts from reference/concepts.yaml
# topics: {{value: [batik, footwear], sources: [source-id]}}   # one `sources` for the whole list
# events:
#   - id: opening
#     kind: opening-ceremony       # a concept of the scheme event-kinds
#     date: {year}-07-03
#     place: hotel-name
#     opened_by: [person-id]       # people from people.yaml or organisations
# roles:
#   - {{agent: kemenperin, role: organiser}}
#   - agent: person-id
#     role: opener
#     post: {{organisation: ditjen-ikma, post: director-general}}
#   - {{agent: org-id, role: host, status: planned}}
# visits:
#   - id: visit-id
#     status: planned              # planned (the source speaks of the future) or reported (the default)
#     institutions: [org-id, {{value: org-id, as_written: the name as the source writes it}}]
#     institution_list: {{completeness: partial, marker: seperti}}
#     places: [place-id]
#     activities: [What participants did or were to do, in your own words.]
#     topics: [topic-id]
# workshops:
#   - {{id: workshop-id, name: Batik workshop, host: org-id, places: [place-id], topics: [batik]}}
# figures:
#   - {{id: figure-id, label: What is counted, value: 4400000, unit: business units, marker: sekitar}}
# notes:
#   - Context in your own words.
# discrepancies:                   # name every disagreement between sources (or within one)
#   - id: participants
#     kind: value-conflict         # value-conflict, unit-ambiguity, spelling-variant or status-conflict
#     comment: One source gives 19 participants, the other 20.
#     claims: [{{field: participant_count, value: 19}}, {{field: participant_count, value: 20}}]
"""

SOURCE = """\
- id: {id}
  type: {type}                     # news-article, web-page (an organisation's own page) or public-document
  publisher: {publisher}
  url: {url}
  language: {language}
  # headline: The headline as printed
  # headline_note: Where the headline comes from, if not printed
  # date_published: 2019-07-03     # only if known; inferred: {{value: ..., inferred: true, reasoning: ...}}
  date_published_note: Not stated.
  # author: [Name]
  # byline: initials
  # photo_credit: AGENCY/Name
  # date_retrieved: 2026-12-06
  # about_editions: [edition-id]   # the editions it reports
  # retrospective: {{editions: [edition-id]}}   # earlier editions it recounts
  # reading_note: How much of it was read
"""

EXPECTATIONS = """\
# What a reader finds in {id}, checked against the built graph (tests/test_data.py). One entry per fact:
# the subject and property as `ksst query` shows them, and every value this source gives (exactly these).
source: {id}
facts: []
#  - {{about: kg:edition/edition-id, property: ksst:year, values: ["2019"]}}
#  - about: kg:edition/edition-id/country-list/{id}
#    property: ksst:listedCountry
#    values: [kg:country/BGD, kg:country/BTN]
#  - {{about: kg:edition/edition-id/visit/visit-id, property: ksst:activityStatus,
#     values: [kg:concept/activity-status/planned]}}
"""
