"""The record types of `data/`: typed, frozen pydantic models, and the `Dataset` that holds them all.

Everything a curator can get wrong in one record (an unknown field, an impossible date, a bad id, a number
out of range, `true` where a number belongs) is caught by these models; `load.py` turns their errors into
`RecordError`s that name the file, the record and the field. Numbers and booleans are strict (YAML's `true`
is not 1, a count is not a float); dates are written `YYYY-MM-DD` and nothing else; text is never blank.

docs/model.md describes every field; the README's curator guide shows them in use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeAlias, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic import Strict as StrictType

T = TypeVar("T")

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` (written bare or quoted): not a number, not a date with a time."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _listify(value: Any) -> Any:
    return [] if value is None else value if isinstance(value, list) else [value]


Text = Annotated[str, StrictType(), Field(max_length=20_000), AfterValidator(_text)]
Slug = Annotated[str, StrictType(), Field(pattern=SLUG, max_length=200)]
Iso3 = Annotated[str, StrictType(), Field(pattern=r"^[A-Z]{3}$")]
QId = Annotated[str, StrictType(), Field(pattern=r"^Q[0-9]+$")]
Url = Annotated[str, StrictType(), Field(pattern=r"^https?://[^\s<>\"{}|\\^`]+$", max_length=2000)]
Lang = Annotated[str, StrictType(), Field(pattern=r"^[a-z]{2,3}$")]
YearMonth = Annotated[str, StrictType(), Field(pattern=r"^(19[5-9][0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])$")]
Year = Annotated[int, StrictType(), Field(ge=1950, le=2100)]
Count = Annotated[int, StrictType(), Field(ge=0, le=1_000_000)]
Ordinal = Annotated[int, StrictType(), Field(ge=1, le=1_000)]
Days = Annotated[int, StrictType(), Field(ge=1, le=366)]
Number = Annotated[float, StrictType(), Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
Flag = Annotated[bool, StrictType()]
Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Slugs = Annotated[list[Slug], BeforeValidator(_listify)]
Texts = Annotated[list[Text], BeforeValidator(_listify)]
Status = Literal["planned", "reported"]
Mode = Literal["in-person", "hybrid", "online"]
Completeness = Literal["complete", "partial"]


class Strict(BaseModel):
    """Records reject unknown fields: a typo must not silently drop a fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _wrap_bare(data: Any) -> Any:
    """A value written bare (`year: 2017`) is the mapping `{value: 2017}`."""
    return data if isinstance(data, dict) else {"value": data}


class Written(Strict):
    """A name or phrase as a source wrote it (`Burhan`, `Kemensesneg`), with the sources that wrote it so."""

    value: Text
    sources: list[Slug] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return _wrap_bare(data)


AsWritten = Annotated[list[Written], BeforeValidator(_listify)]


class Item(Strict, Generic[T]):
    """One value as a source gives it, in a list that cites its source once (a country list, a visit's
    institutions): the value, how the source wrote it, and whether the reading is inferred (and why)."""

    value: T
    as_written: AsWritten = []
    inferred: Flag = False
    reasoning: Text | None = None
    passage: Text | None = None
    marker: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return _wrap_bare(data)

    @model_validator(mode="after")
    def _inferred_needs_reasoning(self) -> Item[T]:
        if self.inferred and self.reasoning is None:
            raise ValueError("an inferred value needs `reasoning` saying why")
        return self


class Fact(Item[T], Generic[T]):
    """One value with its provenance. Written bare (`year: 2017`) or as a mapping with `value`, `sources`,
    `inferred` and `reasoning`, `passage`, `marker` (the source's own word before it) and `as_written`."""

    sources: list[Slug] | None = None


def _many(value: Any) -> Any:
    """One fact, a list of facts, or a list of values under one `sources` (`{value: [a, b], sources: [s]}`)."""
    if isinstance(value, dict) and isinstance(value.get("value"), list):
        shared = {k: v for k, v in value.items() if k != "value"}
        return [{**shared, **item} if isinstance(item, dict) else {**shared, "value": item}
                for item in value["value"]]
    return _listify(value)


class _Listed:
    """`Many[int]` (one fact or a list of facts, always read as a list, see `_many`) and `Items[str]` (the
    values of a list that cites its source once, each bare or an `Item` mapping)."""

    def __init__(self, model: Any, before: Any) -> None:
        self.model, self.before = model, before

    def __getitem__(self, item: Any) -> Any:
        return Annotated[list[self.model[item]], BeforeValidator(self.before)]  # type: ignore[name-defined]


if TYPE_CHECKING:  # what the annotations mean to a type checker; pydantic needs the parametrised models
    Many: TypeAlias = list[Fact[T]]
    Items: TypeAlias = list[Item[T]]
else:
    Many = _Listed(Fact, _many)
    Items = _Listed(Item, _listify)


# --- reference data -------------------------------------------------------------------------------------


class Country(Strict):
    iso3: Iso3
    iso2: Annotated[str, StrictType(), Field(pattern=r"^[A-Z]{2}$")]
    wikidata: QId
    name_en: Text
    name_id: Text
    variants: Texts = []
    colombo_plan_member: Flag
    reference: Text


OrgType = Literal[
    "Ministry", "DirectorateGeneral", "Agency", "Bureau", "TechnicalCentre", "RegionalGovernment", "RegionalOffice",
    "InternationalOrganisation", "Enterprise", "SmallMediumIndustry", "StateOwnedEnterprise", "InnovationCentre",
    "University", "CulturalInstitution", "NewsOutlet",
]
ORG_TYPES = list(get_args(OrgType))
PlaceType = Literal["City", "Province", "Regency", "Venue", "HeritageSite"]
PLACE_TYPES = list(get_args(PlaceType))


class Renaming(Fact[Slug]):
    """The organisation a body was renamed to (`value`), and when: the day where a source dates the change
    (`date`), or the days it cannot be before or after (`not_before`, `not_after`) where sources only attest the
    old name and the new one. Each date is a fact with its own sources; without `sources` the renaming itself is
    public reference."""

    date: Fact[Date] | None = None
    not_before: Fact[Date] | None = None
    not_after: Fact[Date] | None = None

    def dates(self) -> list[tuple[str, Fact[Any]]]:
        return [(name, fact) for name, fact in (("date", self.date), ("not_before", self.not_before),
                                                ("not_after", self.not_after)) if fact is not None]


class Organisation(Strict):
    id: Slug
    type: OrgType
    acronym: Text | None = None
    name_en: Text
    name_id: Text
    variants: Texts = []
    as_written: AsWritten = []
    parent: Fact[Slug] | None = None
    fostered_by: Many[Slug] = []  # "di bawah binaan": guidance by a body it is not a unit of
    based_in: Text | None = None
    country: Iso3
    wikidata: QId | None = None
    url: Url | None = None
    renamed_to: Renaming | None = None
    reference: Text


class Place(Strict):
    id: Slug
    type: PlaceType
    name_en: Text
    name_id: Text
    variants: Texts = []
    within: Text
    wikidata: QId | None = None


class Concept(Strict):
    id: Slug
    label_en: Text
    label_id: Text
    definition_en: Text
    broader: Slug | None = None


class Scheme(Strict):
    label_en: Text
    label_id: Text
    concepts: list[Concept]


SourceType = Literal["news-article", "web-page", "public-document"]
#: The class (`ksst:` local name) of each type of source.
SOURCE_TYPES = {"news-article": "NewsArticle", "web-page": "WebPage", "public-document": "PublicDocument"}


class Retrospective(Strict):
    """The editions a source recounts after the fact (a 2018 article on the 2016 and 2017 editions)."""

    editions: list[Slug] = Field(min_length=1)


class Source(Strict):
    """A document facts are read from: a news article (the default), a page of an organisation's own site, or
    a public document (a report, proceedings). The project keeps its address and details, not its text; `file`
    names a copy kept under the data folder, where one may be kept."""

    id: Slug
    type: SourceType = "news-article"
    publisher: Slug
    url: Url
    language: Lang
    headline: Text | None = None
    headline_note: Text | None = None
    date_published: Item[Date] | None = None
    date_published_note: Text | None = None
    author: Texts = []
    byline: Text | None = None
    photo_credit: Text | None = None
    date_retrieved: Date | None = None
    file: Text | None = None
    about_editions: list[Slug] = []
    retrospective: Retrospective | None = None
    reading_note: Text | None = None

    def editions_recounted(self) -> list[str]:
        return list(self.retrospective.editions) if self.retrospective else []

    def editions_about(self) -> list[str]:
        """Every edition the source reports or recounts, in the order written, once each."""
        return list(dict.fromkeys([*self.about_editions, *self.editions_recounted()]))


class Framework(Strict):
    id: Slug
    name_en: Text
    name_id: Text
    acronym: Text
    committed_since: Fact[Year] | None = None


class Title(Fact[Text]):
    """A title the programme went by, with the sources that use it and the years of the editions they cover."""

    years: list[Year] = []
    language: Lang = "en"


class Programme(Strict):
    id: Slug
    name_en: Text
    name_id: Text
    framework: Fact[Slug]
    organiser: Many[Slug] = []
    co_organisers: Many[Slug] = []
    audience: Fact[Slug] | None = None
    titles: list[Title] = []
    notes: Many[Text] = []


class ProgrammesFile(Strict):
    frameworks: list[Framework]
    programmes: list[Programme]


class Person(Strict):
    id: Slug
    name: Text
    from_country: Fact[Text] | None = None
    as_written: AsWritten = []


class MemberState(Strict):
    """One member state of an organisation (`reference/<organisation>-membership.yaml`): the years it joined
    and left, as the sources give them."""

    country: Text
    joined: Fact[Year]
    left: Fact[Year] | None = None
    sources: list[Slug] = Field(min_length=1)
    note: Text | None = None


# --- editions -------------------------------------------------------------------------------------------


class Provenanced(Strict):
    """A part of an edition that may cite its own sources instead of the edition's default ones."""

    sources: list[Slug] | None = None
    passage: Text | None = None


class CountryList(Strict):
    source: Slug
    completeness: Item[Completeness]
    marker: Text | None = None
    countries: Items[Text] = Field(min_length=1)
    passage: Text | None = None


class Post(Strict):
    """The post an agent held then; `sources` where fewer sources give the post than the role, `acting` a fact
    (or two that disagree: one source writes "Plt.", another not)."""

    organisation: Slug
    post: Slug
    acting: Many[Flag] = []
    as_written: AsWritten = []
    sources: list[Slug] | None = None

    def is_acting(self) -> bool:
        return any(fact.value for fact in self.acting)


class Role(Provenanced):
    agent: Slug
    role: Slug
    status: Many[Status] = []
    post: Post | None = None
    from_country: Text | None = None
    remark: Many[Text] = []
    as_written: AsWritten = []
    inferred: Flag = False  # the role itself is a reading (e.g. a host where the source does not say "at")
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _inferred_needs_reasoning(self) -> Role:
        if self.inferred and self.reasoning is None:
            raise ValueError("an inferred role needs `reasoning` saying why")
        return self


class ListNote(Strict):
    """How the source gives a list: all of it, or examples after a marker ("seperti")."""

    completeness: Completeness
    marker: Text | None = None


class Visit(Provenanced):
    id: Slug
    status: Many[Status] = []
    institutions: Items[Slug] = []
    institution_list: ListNote | None = None
    description: Text | None = None
    places: Items[Slug] = []
    place_list: ListNote | None = None
    activities: Many[Text] = []
    topics: Many[Slug] = []
    notes: Many[Text] = []


class Workshop(Provenanced):
    id: Slug
    name: Text
    status: Many[Status] = []
    host: Fact[Slug] | None = None  # a fact: an article may name the workshops and the hosts without pairing them
    places: Items[Slug] = []
    topics: Many[Slug] = []
    notes: Many[Text] = []


class Event(Provenanced):
    """A dated event inside an edition: its opening ceremony, a closing, a signing (`kind`: scheme event-kinds)."""

    id: Slug
    kind: Slug
    name: Text | None = None
    status: Many[Status] = []
    date: Many[Date] = []
    place: Many[Slug] = []
    opened_by: Many[Slug] = []
    notes: Many[Text] = []


class Plan(Provenanced):
    id: Slug
    year: Many[Year] = []
    mode: Many[Mode] = []
    places: Many[Slug] = []


class Meeting(Provenanced):
    id: Slug
    name: Text
    ordinal: Ordinal | None = None
    year: Many[Year] = []
    month: Many[YearMonth] = []
    start_date: Many[Date] = []
    end_date: Many[Date] = []
    places: Many[Text] = []  # a place or, where a source names only that, a country
    organiser: Fact[Slug] | None = None
    notes: Many[Text] = []


class Figure(Provenanced):
    id: Slug
    label: Text
    value: Number
    unit: Text
    marker: Text | None = None
    attributed_to: Slug | None = None
    stated_by: Slug | None = None


class ClaimRef(Strict):
    field: Text
    value: Any


DiscrepancyKind = Literal["value-conflict", "unit-ambiguity", "spelling-variant", "status-conflict"]
DISCREPANCY_KINDS = list(get_args(DiscrepancyKind))


class Discrepancy(Strict):
    id: Slug
    kind: DiscrepancyKind
    comment: Text
    claims: list[ClaimRef] = Field(min_length=2)


#: The edition fields that hold facts (one or many), in the order the converter writes them.
EDITION_FACTS = ("programme", "year", "batch_ordinal", "batch_label", "hosting_year_ordinal", "start_date",
                 "end_date", "duration_days", "places", "venue", "mode", "host_country", "title", "theme",
                 "participant_count", "country_count", "backgrounds", "topics", "notes")


class Edition(Strict):
    id: Slug
    sources: list[Slug] = Field(min_length=1)
    programme: Many[Slug] = Field(min_length=1)  # one programme; stated by some sources, inferred from others
    year: Many[Year] = Field(min_length=1)
    batch_ordinal: Many[Ordinal] = []
    batch_label: Many[Text] = []
    hosting_year_ordinal: Many[Ordinal] = []
    start_date: Many[Date] = []
    end_date: Many[Date] = []
    duration_days: Many[Days] = []
    places: Many[Slug] = []
    venue: Many[Slug] = []
    mode: Many[Mode] = []
    host_country: Many[Text] = []
    title: Many[Text] = []
    theme: Many[Text] = []
    participant_count: Many[Count] = []
    country_count: Many[Count] = []
    country_lists: list[CountryList] = []
    backgrounds: Many[Slug] = []
    topics: Many[Slug] = []
    events: list[Event] = []
    roles: list[Role] = []
    visits: list[Visit] = []
    workshops: list[Workshop] = []
    plans: list[Plan] = []
    follows_up: list[Meeting] = []
    figures: list[Figure] = []
    notes: Many[Text] = []
    discrepancies: list[Discrepancy] = []


# --- the whole data set ---------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Every record of `data/`, checked and cross-referenced; `edition_files` maps edition ids to their file."""

    root: Path
    countries: list[Country] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    schemes: dict[str, Scheme] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    frameworks: list[Framework] = field(default_factory=list)
    programmes: list[Programme] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    memberships: dict[str, list[MemberState]] = field(default_factory=dict)  # organisation id → member states
    editions: list[Edition] = field(default_factory=list)
    edition_files: dict[str, Path] = field(default_factory=dict)
    country_index: dict[str, str] = field(default_factory=dict)

    def resolve_country(self, name: str) -> str | None:
        """ISO alpha-3 code for a code, an English or Indonesian name, or a spelling variant."""
        return self.country_index.get(_norm(name))

    def named_countries(self, ed: Edition) -> list[str]:
        """The countries an edition's country lists name (ISO alpha-3, sorted), for the build summary."""
        return sorted({c for cl in ed.country_lists for c in (self.resolve_country(x.value) for x in cl.countries)
                       if c})


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
