"""The record types of `data/`: typed, frozen pydantic models, and the `Dataset` that holds them all.

Everything a curator can get wrong in one record (an unknown field, an impossible date, a bad id) is caught
by these models; `load.py` turns their errors into `RecordError`s that name the file, the record and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

T = TypeVar("T")

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG)]
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
YearMonth = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
Year = Annotated[int, Field(ge=1950, le=2100)]


class Strict(BaseModel):
    """Records reject unknown fields: a typo must not silently drop a fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(Strict, Generic[T]):
    """One value with its provenance. Written bare (`year: 2017`) or as a mapping with `value`."""

    value: T
    sources: list[Slug] | None = None
    inferred: bool = False
    reasoning: str | None = None
    passage: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare(cls, data: Any) -> Any:
        if isinstance(data, dict) and "value" in data:
            return data
        return {"value": data}

    @model_validator(mode="after")
    def _inferred_needs_reasoning(self) -> Fact[T]:
        if self.inferred and not (self.reasoning and self.reasoning.strip()):
            raise ValueError("an inferred fact needs `reasoning`")
        return self


def _listify(value: Any) -> Any:
    return [] if value is None else value if isinstance(value, list) else [value]


class _Many:
    """`Many[int]`: one fact or a list of facts, always read as a list."""

    def __getitem__(self, item: Any) -> Any:
        return Annotated[list[Fact[item]], BeforeValidator(_listify)]


Many = _Many()
Mode = Literal["in-person", "hybrid", "online"]


# --- reference data -------------------------------------------------------------------------------------


class Country(Strict):
    iso3: Iso3
    iso2: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    wikidata: Annotated[str, Field(pattern=r"^Q[0-9]+$")]
    name_en: str
    name_id: str
    variants: list[str] = []
    colombo_plan_member: bool
    reference: str


ORG_TYPES = [
    "Ministry", "DirectorateGeneral", "Agency", "Bureau", "TechnicalCentre", "RegionalGovernment", "RegionalOffice",
    "InternationalOrganisation", "Enterprise", "SmallMediumIndustry", "StateOwnedEnterprise", "InnovationCentre",
    "University", "CulturalInstitution", "NewsOutlet",
]
OrgType = Literal[tuple(ORG_TYPES)]  # type: ignore[valid-type]


class Organisation(Strict):
    id: Slug
    type: OrgType
    acronym: str | None = None
    name_en: str
    name_id: str
    variants: list[str] = []
    parent: Fact[Slug] | None = None
    based_in: str | None = None
    country: Iso3
    wikidata: Annotated[str, Field(pattern=r"^Q[0-9]+$")] | None = None
    url: str | None = None
    renamed_to: Slug | None = None
    reference: str


class Place(Strict):
    id: Slug
    type: Literal["City", "Province", "Venue"]
    name_en: str
    name_id: str
    within: str
    wikidata: Annotated[str, Field(pattern=r"^Q[0-9]+$")] | None = None


class Concept(Strict):
    id: Slug
    label_en: str
    label_id: str
    definition_en: str
    broader: Slug | None = None


class Scheme(Strict):
    label_en: str
    label_id: str
    concepts: list[Concept]


class Source(Strict):
    id: Slug
    file: str
    publisher: Slug
    url: str
    language: str
    headline: str | None = None
    date_published: dt.date | None = None
    date_published_note: str


class Framework(Strict):
    id: Slug
    name_en: str
    name_id: str
    acronym: str
    committed_since: Fact[Year] | None = None


class Programme(Strict):
    id: Slug
    name_en: str
    name_id: str
    framework: Fact[Slug]
    organiser: Many[Slug] = []
    audience: Fact[Slug] | None = None


class ProgrammesFile(Strict):
    frameworks: list[Framework]
    programmes: list[Programme]


class Person(Strict):
    id: Slug
    name: str
    from_country: Fact[str] | None = None


# --- editions -------------------------------------------------------------------------------------------


class Provenanced(Strict):
    """A part of an edition that may cite its own sources instead of the edition's default ones."""

    sources: list[Slug] | None = None
    passage: str | None = None


class CountryList(Strict):
    source: Slug
    completeness: Literal["complete", "partial"]
    marker: str
    countries: list[str] = Field(min_length=1)
    passage: str | None = None


class Post(Strict):
    organisation: Slug
    post: Slug
    acting: bool = False


class Role(Provenanced):
    agent: Slug
    role: Slug
    post: Post | None = None
    from_country: str | None = None
    remark: str | None = None


class InstitutionList(Strict):
    """How the source gives a visit's institutions: all of them, or examples after a marker ("seperti")."""

    completeness: Literal["complete", "partial"]
    marker: str | None = None


class Visit(Provenanced):
    id: Slug
    institutions: list[Slug] = []
    institution_list: InstitutionList | None = None
    description: str | None = None
    places: list[Slug] = []
    activities: Many[str] = []
    topics: Many[Slug] = []

    @model_validator(mode="after")
    def _names_what_was_visited(self) -> Visit:
        if not self.institutions and not self.description:
            raise ValueError("a visit needs `institutions` or a `description` of what was visited")
        return self


class Workshop(Provenanced):
    id: Slug
    name: str
    host: Fact[Slug] | None = None  # a fact: an article may name the workshops and the hosts without pairing them
    topics: Many[Slug] = []


class Plan(Provenanced):
    id: Slug
    year: Many[Year] = []
    mode: Many[Mode] = []
    places: Many[Slug] = []


class Meeting(Provenanced):
    id: Slug
    name: str
    ordinal: int | None = None
    month: Fact[YearMonth] | None = None
    organiser: Fact[Slug] | None = None


class Figure(Provenanced):
    id: Slug
    label: str
    value: float
    unit: str
    attributed_to: Slug | None = None
    stated_by: Slug | None = None


class ClaimRef(Strict):
    field: str
    value: Any


class Discrepancy(Strict):
    id: Slug
    kind: Literal["value-conflict", "unit-ambiguity", "spelling-variant"]
    comment: str
    claims: list[ClaimRef] = Field(min_length=2)


class Edition(Strict):
    id: Slug
    sources: list[Slug] = Field(min_length=1)
    programme: Fact[Slug]
    year: Many[Year] = Field(min_length=1)
    batch_ordinal: Many[Annotated[int, Field(ge=1)]] = []
    batch_label: Many[str] = []
    hosting_year_ordinal: Many[Annotated[int, Field(ge=1)]] = []
    start_date: Many[dt.date] = []
    end_date: Many[dt.date] = []
    duration_days: Many[Annotated[int, Field(ge=1)]] = []
    places: Many[Slug] = []
    venue: Many[Slug] = []
    mode: Many[Mode] = []
    host_country: Many[str] = []
    title: Many[str] = []
    theme: Many[str] = []
    participant_count: Many[Annotated[int, Field(ge=0)]] = []
    country_count: Many[Annotated[int, Field(ge=0)]] = []
    country_lists: list[CountryList] = []
    backgrounds: Many[Slug] = []
    topics: Many[Slug] = []
    roles: list[Role] = []
    visits: list[Visit] = []
    workshops: list[Workshop] = []
    plans: list[Plan] = []
    follows_up: list[Meeting] = []
    figures: list[Figure] = []
    notes: Many[str] = []
    discrepancies: list[Discrepancy] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> Edition:
        for start in self.start_date:
            for end in self.end_date:
                if start.value > end.value:
                    raise ValueError(f"start_date {start.value} is after end_date {end.value}")
        return self


# --- the whole data set ---------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Every record of `data/`, checked and cross-referenced; `origin` maps record keys to their file."""

    root: Path
    countries: list[Country] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    schemes: dict[str, Scheme] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    frameworks: list[Framework] = field(default_factory=list)
    programmes: list[Programme] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    editions: list[Edition] = field(default_factory=list)
    edition_files: dict[str, Path] = field(default_factory=dict)
    country_index: dict[str, str] = field(default_factory=dict)

    def resolve_country(self, name: str) -> str | None:
        """ISO alpha-3 code for a code, an English or Indonesian name, or a spelling variant."""
        return self.country_index.get(_norm(name))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
