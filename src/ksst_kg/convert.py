"""Turn checked records into RDF triples (stage two of the pipeline).

Every fact a record states becomes the direct triple *and* a `ksst:Claim` naming its sources, so a
reader can ask both "what is the end date?" and "who says so?". Each record file converts on its own into
a `Chunk`, which is what makes incremental rebuilds and per-file error messages possible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, TypeVar

from pyoxigraph import Literal, NamedNode, Triple

from .core.errors import RecordError
from .core.gcpause import paused_gc
from .core.namespaces import DCTERMS, KG, KSST, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, WD, XSD
from .records import Dataset, Edition, Fact, Item, Source
from .records.model import SOURCE_TYPES

Term = NamedNode | Literal
V = TypeVar("V")

RDF_TYPE = NamedNode(RDF + "type")
MODES = {
    "in-person": SCHEMA + "OfflineEventAttendanceMode",
    "hybrid": SCHEMA + "MixedEventAttendanceMode",
    "online": SCHEMA + "OnlineEventAttendanceMode",
}
CONCEPT_TYPES = {"edition-roles": PROV + "Role", "posts": ORG + "Role"}


@lru_cache(maxsize=1024)
def iri(text: str) -> NamedNode:
    """A NamedNode, made once for the vocabulary IRIs used on every record (NamedNode() checks its IRI);
    bounded because data IRIs (URLs, Wikidata entities) come through here too."""
    return NamedNode(text)


def kg(path: str) -> NamedNode:
    return NamedNode(KG + path)


@cache
def ksst(name: str) -> NamedNode:
    """An ontology term, made once: there are a few dozen, used on every record."""
    return NamedNode(KSST + name)


def typed(value: Any, datatype: str) -> Literal:
    return Literal(str(value), datatype=iri(XSD + datatype))


def en(text: str) -> Literal:
    return Literal(" ".join(text.split()), language="en")


def ind(text: str) -> Literal:
    return Literal(" ".join(text.split()), language="id")


def plain(text: str) -> Literal:
    return Literal(" ".join(text.split()))


@lru_cache(maxsize=1024)
def concept(scheme: str, ident: str) -> NamedNode:
    """A concept of a scheme, made once: the schemes are small vocabularies used on every record."""
    return kg(f"concept/{scheme}/{ident}")


def claim_iri(subject: NamedNode, predicate: NamedNode, obj: Term, scope: NamedNode | None = None,
              inferred: bool = False) -> NamedNode:
    """Stable claim IRI: the subject IRI plus a short hash of predicate, object, the edition it is about and,
    for an inferred claim, the word "inferred".

    The edition is part of the key so that a fact attested at two editions (a post held in 2017 and in 2018)
    keeps one claim per edition, each with the sources of that edition. The derivation is, so that a value
    stated by some sources (a later article that gives the year) and inferred from others (the article of the
    time, which leaves the year to be worked out) keeps both claims, each with its sources and reasoning.
    """
    key = f"{predicate} {obj}" if scope is None else f"{predicate} {obj} {scope}"
    if inferred:
        key += " inferred"
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return NamedNode(f"{subject.value}/claim/{digest}")


Written = tuple[tuple[str, tuple[str, ...]], ...]  # (text as a source wrote it, the sources that wrote it so)


@dataclass(frozen=True)
class Prov:
    """Where a fact comes from: the sources, whether it is inferred and why, the passage, the word the source
    puts before it (`marker`) and how the sources wrote it (`written`)."""

    sources: tuple[str, ...]
    inferred: bool = False
    reasoning: str | None = None
    passage: str | None = None
    marker: str | None = None
    written: Written = ()

    @classmethod
    def of(cls, fact: Item[Any], default: Iterable[str] = ()) -> Prov:
        sources = tuple((fact.sources if isinstance(fact, Fact) else None) or default)
        return cls(sources, fact.inferred, fact.reasoning, fact.passage, fact.marker, written_of(fact))

    def with_passage(self, passage: str | None) -> Prov:
        return self if self.passage or not passage else replace(self, passage=passage)


def written_of(fact: Item[Any] | Any) -> Written:
    """The spellings of a fact (or of anything with `as_written`), each with the sources it names (or none)."""
    return tuple((w.value, tuple(w.sources or ())) for w in fact.as_written)


@dataclass
class Chunk:
    """The triples of one record file, with an index of its claims for resolving discrepancies."""

    file: str
    triples: set[Triple] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)
    claims: dict[tuple[str, str], list[tuple[Term, NamedNode]]] = field(default_factory=dict)
    written: dict[str, set[str]] = field(default_factory=dict)  # claim IRI → the spellings it keeps
    languages: dict[str, str] = field(default_factory=dict)  # source id → language, for text as written

    def add(self, s: NamedNode, p: NamedNode, o: Term) -> None:
        """A structural triple: no claim (types, generated labels, links of parts to their edition)."""
        self.triples.add(Triple(s, p, o))
        self.subjects.add(s.value)

    def describe(self, s: NamedNode, about: Iterable[tuple[NamedNode, Term]]) -> None:
        """Structural triples about one subject: `add` for each pair, with one subject look-up."""
        self.triples.update([Triple(s, p, o) for p, o in about])
        self.subjects.add(s.value)

    def as_written(self, text: str, sources: Iterable[str]) -> Literal:
        """Text as a source wrote it, tagged with the language of the (first) source, kept exactly."""
        first = next(iter(sources), None)
        return Literal(" ".join(text.split()), language=self.languages.get(first or "", "und"))

    def fact(self, s: NamedNode, p: NamedNode, o: Term, prov: Prov, *, edition: NamedNode | None = None,
             key: str | None = None) -> NamedNode:
        """A stated or inferred fact: the triple plus its claim; returns the claim IRI."""
        self.add(s, p, o)
        c = claim_iri(s, p, o, edition, prov.inferred)
        about: list[tuple[NamedNode, Term]] = [
            (RDF_TYPE, ksst("Claim")), (ksst("claimSubject"), s), (ksst("claimProperty"), p),
            (ksst("claimObject") if isinstance(o, NamedNode) else ksst("claimValue"), o),
        ]
        about += [(iri(PROV + "wasDerivedFrom"), kg(f"source/{source}")) for source in prov.sources]
        about.append((ksst("derivation"), concept("derivation", "inferred" if prov.inferred else "stated")))
        if prov.reasoning:
            about.append((ksst("reasoning"), en(prov.reasoning)))
        if prov.passage:
            about.append((ksst("passage"), plain(prov.passage)))
        if prov.marker:
            about.append((ksst("marker"), self.as_written(prov.marker, prov.sources)))
        if edition is not None:
            about.append((ksst("aboutEdition"), edition))
        for text, sources in prov.written:
            form = self.written_form(c, text, sources or prov.sources)
            about.append((ksst("writtenAs"), form))
            self.written.setdefault(c.value, set()).add(" ".join(text.split()))
        self.describe(c, about)
        if key is not None:
            self.claims.setdefault((s.value, key), []).append((o, c))
        return c

    def written_form(self, owner: NamedNode, text: str, sources: Iterable[str]) -> NamedNode:
        """`{owner}/written/{hash}`: a name or phrase as the sources wrote it (ksst:WrittenForm)."""
        sources = tuple(sources)
        value = self.as_written(text, sources)
        node = NamedNode(f"{owner.value}/written/{hashlib.sha1(str(value).encode()).hexdigest()[:12]}")
        self.describe(node, [(RDF_TYPE, ksst("WrittenForm")), (ksst("writtenText"), value),
                             *((iri(PROV + "wasDerivedFrom"), kg(f"source/{x}")) for x in sources)])
        return node


def labels(chunk: Chunk, s: NamedNode, name_en: str, name_id: str | None = None,
           variants: Iterable[str] = ()) -> None:
    """English and Indonesian names as rdfs:label and skos:prefLabel; other spellings as skos:altLabel (@id)."""
    chunk.add(s, iri(RDFS + "label"), en(name_en))
    chunk.add(s, iri(SKOS + "prefLabel"), en(name_en))
    if name_id:
        chunk.add(s, iri(RDFS + "label"), ind(name_id))
        chunk.add(s, iri(SKOS + "prefLabel"), ind(name_id))
    for variant in sorted(set(variants)):
        chunk.add(s, iri(SKOS + "altLabel"), ind(variant))


# --- look-ups ---------------------------------------------------------------------------------------------


def _first_by_id(items: Iterable[tuple[str, V]]) -> dict[str, V]:
    """id -> value, the first item winning, as the linear searches (`next(...)`) this replaces did."""
    out: dict[str, V] = {}
    for ident, value in items:
        out.setdefault(ident, value)
    return out


@dataclass(frozen=True)
class Lookups:
    """The reference records by id, built once per data set.

    Each edition used to rebuild the people set and the name table, and to search the places, sources and
    concepts linearly: work proportional to editions times people, most of convert's time at 1M triples.
    """

    names: dict[str, str]
    people: frozenset[str]
    places: dict[str, str]
    sources: dict[str, Source]
    concepts: dict[tuple[str, str], str]
    languages: dict[str, str]

    @classmethod
    def of(cls, ds: Dataset) -> Lookups:
        return cls(
            names={o.id: o.name_en for o in ds.organisations} | {p.id: p.name for p in ds.people},
            people=frozenset(p.id for p in ds.people),
            places=_first_by_id((p.id, p.name_en) for p in ds.places),
            sources=_first_by_id((x.id, x) for x in ds.sources),
            concepts={(name, ident): label for name, scheme in ds.schemes.items()
                      for ident, label in _first_by_id((c.id, c.label_en) for c in scheme.concepts).items()},
            languages=_first_by_id((x.id, x.language) for x in ds.sources),
        )


# --- reference data -------------------------------------------------------------------------------------


def place_or_country(ds: Dataset, ident: str, lookups: Lookups | None = None) -> NamedNode:
    places = lookups.places if lookups else {p.id for p in ds.places}
    iso3 = None if ident in places else ds.resolve_country(ident)
    return kg(f"country/{iso3}") if iso3 else kg(f"place/{ident}")


def convert_reference(ds: Dataset, lookups: Lookups | None = None) -> Chunk:
    """Countries, organisations, places, concept schemes, sources, programmes, people and member states."""
    lookups = lookups or Lookups.of(ds)
    chunk = Chunk(str(ds.root / "reference"), languages=lookups.languages)
    _countries(ds, chunk)
    _organisations(ds, chunk, lookups)
    _places(ds, chunk, lookups)
    _concepts(ds, chunk)
    _sources(ds, chunk)
    _programmes(ds, chunk)
    _people(ds, chunk)
    _memberships(ds, chunk)
    return chunk


def _countries(ds: Dataset, chunk: Chunk) -> None:
    for c in ds.countries:
        s = kg(f"country/{c.iso3}")
        chunk.add(s, RDF_TYPE, ksst("Country"))
        labels(chunk, s, c.name_en, c.name_id, c.variants)
        chunk.add(s, ksst("isoAlpha2"), plain(c.iso2))
        chunk.add(s, ksst("isoAlpha3"), plain(c.iso3))
        chunk.add(s, iri(SCHEMA + "sameAs"), iri(WD + c.wikidata))
        if c.colombo_plan_member:
            chunk.add(s, ksst("memberStateOf"), kg("org/colombo-plan"))
        chunk.add(s, ksst("referenceNote"), en(c.reference))


def _organisations(ds: Dataset, chunk: Chunk, lookups: Lookups) -> None:
    for o in ds.organisations:
        s = kg(f"org/{o.id}")
        chunk.add(s, RDF_TYPE, ksst(o.type))
        labels(chunk, s, o.name_en, o.name_id, o.variants)
        if o.acronym:
            chunk.add(s, ksst("acronym"), plain(o.acronym))
        if o.parent is not None:
            parent = kg(f"org/{o.parent.value}")
            if o.parent.sources:
                chunk.fact(s, iri(ORG + "unitOf"), parent, Prov.of(o.parent))
            else:
                chunk.add(s, iri(ORG + "unitOf"), parent)
        for fostering in o.fostered_by:
            chunk.fact(s, ksst("fosteredBy"), kg(f"org/{fostering.value}"), Prov.of(fostering))
        for text, sources in written_of(o):
            chunk.add(s, ksst("writtenAs"), chunk.written_form(s, text, sources))
        if o.based_in:
            chunk.add(s, ksst("basedIn"), place_or_country(ds, o.based_in, lookups))
        chunk.add(s, ksst("country"), kg(f"country/{ds.resolve_country(o.country)}"))
        if o.wikidata:
            chunk.add(s, iri(SCHEMA + "sameAs"), iri(WD + o.wikidata))
        if o.url:
            chunk.add(s, iri(SCHEMA + "url"), iri(o.url))
        if o.renamed_to:
            _renaming(chunk, o.id, o.name_en, s, o.renamed_to)
        chunk.add(s, ksst("referenceNote"), en(o.reference))


#: The dates of a renaming (`renamed_to.date`, `.not_before`, `.not_after`) and their properties.
CHANGE_DATES = {"date": "changedOn", "not_before": "changedNotBefore", "not_after": "changedNotAfter"}


def _renaming(chunk: Chunk, ident: str, name: str, s: NamedNode, renaming: Any) -> None:
    """`kg:change/{old}-to-{new}`, an org:ChangeEvent: structural where the renaming is public reference, claims
    where sources state it; its dates are always claims citing the sources that date it."""
    change = kg(f"change/{ident}-to-{renaming.value}")
    new = kg(f"org/{renaming.value}")
    chunk.add(change, RDF_TYPE, iri(ORG + "ChangeEvent"))
    chunk.add(change, iri(RDFS + "label"), en(f"{name} renamed"))
    if renaming.sources:
        prov = Prov.of(renaming)
        chunk.fact(change, iri(ORG + "originalOrganization"), s, prov)
        chunk.fact(change, iri(ORG + "resultingOrganization"), new, prov)
    else:
        chunk.add(change, iri(ORG + "originalOrganization"), s)
        chunk.add(change, iri(ORG + "resultingOrganization"), new)
    chunk.add(s, iri(ORG + "changedBy"), change)
    chunk.add(new, iri(ORG + "resultedFrom"), change)
    for field_name, fact in renaming.dates():
        chunk.fact(change, ksst(CHANGE_DATES[field_name]), typed(fact.value.isoformat(), "date"),
                   Prov.of(fact, renaming.sources or ()))


def _places(ds: Dataset, chunk: Chunk, lookups: Lookups) -> None:
    for p in ds.places:
        s = kg(f"place/{p.id}")
        chunk.add(s, RDF_TYPE, ksst(p.type))
        labels(chunk, s, p.name_en, p.name_id, p.variants)
        chunk.add(s, iri(SCHEMA + "containedInPlace"), place_or_country(ds, p.within, lookups))
        if p.wikidata:
            chunk.add(s, iri(SCHEMA + "sameAs"), iri(WD + p.wikidata))


def _concepts(ds: Dataset, chunk: Chunk) -> None:
    for name, scheme in sorted(ds.schemes.items()):
        sch = kg(f"scheme/{name}")
        chunk.add(sch, RDF_TYPE, iri(SKOS + "ConceptScheme"))
        labels(chunk, sch, scheme.label_en, scheme.label_id)
        for c in scheme.concepts:
            s = concept(name, c.id)
            chunk.add(s, RDF_TYPE, iri(SKOS + "Concept"))
            if name in CONCEPT_TYPES:
                chunk.add(s, RDF_TYPE, iri(CONCEPT_TYPES[name]))
            labels(chunk, s, c.label_en, c.label_id)
            chunk.add(s, iri(SKOS + "definition"), en(c.definition_en))
            chunk.add(s, iri(SKOS + "inScheme"), sch)
            if c.broader:
                chunk.add(s, iri(SKOS + "broader"), concept(name, c.broader))
            else:
                chunk.add(s, iri(SKOS + "topConceptOf"), sch)


SOURCE_NOUNS = {"news-article": "article", "web-page": "web page", "public-document": "document"}


def _sources(ds: Dataset, chunk: Chunk) -> None:
    publishers = {o.id: o.name_en for o in ds.organisations}
    for src in ds.sources:
        s = kg(f"source/{src.id}")
        chunk.add(s, RDF_TYPE, ksst("SourceDocument"))
        chunk.add(s, RDF_TYPE, ksst(SOURCE_TYPES[src.type]))
        chunk.add(s, iri(RDFS + "label"), en(f"{publishers[src.publisher]} {SOURCE_NOUNS[src.type]} {src.id}"))
        chunk.add(s, iri(SCHEMA + "publisher"), kg(f"org/{src.publisher}"))
        chunk.add(s, iri(SCHEMA + "url"), iri(src.url))
        chunk.add(s, iri(DCTERMS + "language"), plain(src.language))
        if src.file:
            chunk.add(s, ksst("fileName"), plain(src.file))
        if src.headline:
            chunk.add(s, iri(DCTERMS + "title"), chunk.as_written(src.headline, [src.id]))
        if src.headline_note:
            chunk.add(s, ksst("headlineNote"), en(src.headline_note))
        if src.date_published:
            date = typed(src.date_published.value.isoformat(), "date")
            if src.date_published.inferred or src.date_published.as_written or src.date_published.marker:
                chunk.fact(s, iri(SCHEMA + "datePublished"), date, Prov.of(src.date_published, [src.id]))
            else:
                chunk.add(s, iri(SCHEMA + "datePublished"), date)
        if src.date_published_note:
            chunk.add(s, ksst("datePublishedNote"), en(src.date_published_note))
        for author in src.author:
            chunk.add(s, ksst("authorName"), plain(author))
        if src.byline:
            chunk.add(s, ksst("byline"), plain(src.byline))
        if src.photo_credit:
            chunk.add(s, ksst("photoCredit"), plain(src.photo_credit))
        if src.date_retrieved:
            chunk.add(s, ksst("dateRetrieved"), typed(src.date_retrieved.isoformat(), "date"))
        if src.reading_note:
            chunk.add(s, ksst("readingNote"), en(src.reading_note))
        for edition in src.editions_about():
            chunk.add(s, iri(SCHEMA + "about"), kg(f"edition/{edition}"))
        for edition in src.editions_recounted():
            chunk.add(s, ksst("recounts"), kg(f"edition/{edition}"))


def _programmes(ds: Dataset, chunk: Chunk) -> None:
    for fw in ds.frameworks:
        s = kg(f"framework/{fw.id}")
        chunk.add(s, RDF_TYPE, ksst("CooperationFramework"))
        labels(chunk, s, fw.name_en, fw.name_id)
        chunk.add(s, ksst("acronym"), plain(fw.acronym))
        if fw.committed_since:
            chunk.fact(s, ksst("committedSince"), typed(fw.committed_since.value, "gYear"),
                       Prov.of(fw.committed_since))
    for prog in ds.programmes:
        s = kg(f"programme/{prog.id}")
        chunk.add(s, RDF_TYPE, ksst("Programme"))
        labels(chunk, s, prog.name_en, prog.name_id)
        chunk.add(s, iri(SCHEMA + "name"), en(prog.name_en))
        chunk.fact(s, ksst("underFramework"), kg(f"framework/{prog.framework.value}"), Prov.of(prog.framework))
        for org in prog.organiser:
            chunk.fact(s, iri(SCHEMA + "organizer"), kg(f"org/{org.value}"), Prov.of(org))
        for org in prog.co_organisers:
            chunk.fact(s, ksst("coOrganiser"), kg(f"org/{org.value}"), Prov.of(org))
        for note in prog.notes:
            chunk.fact(s, ksst("contextNote"), en(note.value), Prov.of(note))
        if prog.audience:
            chunk.fact(s, ksst("forMembersOf"), kg(f"org/{prog.audience.value}"), Prov.of(prog.audience))
        for title in prog.titles:
            node = NamedNode(f"{s.value}/title/{hashlib.sha1(title.value.encode()).hexdigest()[:12]}")
            prov = Prov.of(title)
            chunk.add(node, RDF_TYPE, ksst("ProgrammeTitle"))
            chunk.add(node, iri(RDFS + "label"), en(f"Title of {prog.name_en}: {title.value}"))
            chunk.fact(s, ksst("hasTitle"), node, prov)
            chunk.fact(node, iri(SCHEMA + "name"), Literal(" ".join(title.value.split()), language=title.language),
                       prov)
            for year in title.years:
                chunk.fact(node, ksst("usedInYear"), typed(year, "gYear"), prov)


def _people(ds: Dataset, chunk: Chunk) -> None:
    for person in ds.people:
        s = kg(f"person/{person.id}")
        chunk.add(s, RDF_TYPE, ksst("Person"))
        chunk.add(s, iri(RDFS + "label"), plain(person.name))
        chunk.add(s, iri(SCHEMA + "name"), plain(person.name))
        if person.from_country:
            iso3 = ds.resolve_country(person.from_country.value)
            chunk.fact(s, ksst("fromCountry"), kg(f"country/{iso3}"), Prov.of(person.from_country))
        for text, sources in written_of(person):
            chunk.add(s, ksst("writtenAs"), chunk.written_form(s, text, sources))


def _memberships(ds: Dataset, chunk: Chunk) -> None:
    """`kg:member-state/{organisation}/{ISO3}`: a country's membership of an organisation, with the years."""
    names = {c.iso3: c.name_en for c in ds.countries}
    orgs = {o.id: o.name_en for o in ds.organisations}
    for organisation, members in sorted(ds.memberships.items()):
        for member in members:
            iso3 = ds.resolve_country(member.country) or ""
            s = kg(f"member-state/{organisation}/{iso3}")
            prov = Prov(tuple(member.sources))
            chunk.add(s, RDF_TYPE, ksst("StateMembership"))
            chunk.add(s, iri(RDFS + "label"), en(f"{names[iso3]}, member state of {orgs[organisation]}"))
            chunk.fact(s, ksst("memberState"), kg(f"country/{iso3}"), prov)
            chunk.fact(s, ksst("membershipOf"), kg(f"org/{organisation}"), prov)
            chunk.fact(s, ksst("joinedIn"), typed(member.joined.value, "gYear"), Prov.of(member.joined, member.sources))
            if member.left is not None:
                chunk.fact(s, ksst("leftIn"), typed(member.left.value, "gYear"), Prov.of(member.left, member.sources))
            if member.note:
                chunk.add(s, iri(RDFS + "comment"), en(member.note))


# --- editions -------------------------------------------------------------------------------------------


class _EditionWriter:
    """Writes one edition record; `facts` turns a list of Fact objects into triples with claims."""

    def __init__(self, ds: Dataset, ed: Edition, file: str, lookups: Lookups) -> None:
        self.ds, self.ed, self.file, self.lookups = ds, ed, file, lookups
        self.s = kg(f"edition/{ed.id}")
        self.chunk = Chunk(file, languages=lookups.languages)
        self.names = lookups.names
        years = "/".join(dict.fromkeys(str(f.value) for f in ed.year))  # a year stated and inferred: once
        # the places, or where there are none the mode ("hybrid or online" where sources disagree)
        where = " and ".join(self._place_name(f.value) for f in ed.places) or " or ".join(f.value for f in ed.mode)
        self.label_en, self.label_id = f"{years} edition, {where}", f"angkatan {years}, {where}"

    def concept_label(self, scheme: str, ident: str) -> str:
        return self.lookups.concepts[scheme, ident]

    def prov(self, fact: Item[Any], default: Iterable[str] | None = None) -> Prov:
        return Prov.of(fact, self.ed.sources if default is None else default)

    def facts(self, subject: NamedNode, predicate: NamedNode, facts: Iterable[Item[Any]], make: Any,
              key: str, default: Iterable[str] | None = None, passage: str | None = None) -> None:
        for fact in facts:
            prov = self.prov(fact, default).with_passage(passage)
            self.chunk.fact(subject, predicate, make(fact.value), prov, edition=self.s, key=key)

    def one(self, subject: NamedNode, predicate: NamedNode, obj: Term, key: str,
            sources: Iterable[str] | None, passage: str | None = None, written: Written = (),
            inferred: bool = False, reasoning: str | None = None) -> NamedNode:
        prov = Prov(tuple(sources or self.ed.sources), inferred, reasoning, passage, written=written)
        return self.chunk.fact(subject, predicate, obj, prov, edition=self.s, key=key)

    def write(self) -> Chunk:
        ed, s, c = self.ed, self.s, self.chunk
        c.add(s, RDF_TYPE, ksst("Edition"))
        c.add(s, iri(RDFS + "label"), en(self.label_en))
        c.add(s, iri(RDFS + "label"), ind(self.label_id))
        self.facts(s, ksst("partOfProgramme"), ed.programme, lambda v: kg(f"programme/{v}"), "programme")
        self.facts(s, ksst("year"), ed.year, lambda v: typed(v, "gYear"), "year")
        self.facts(s, ksst("batchOrdinal"), ed.batch_ordinal, lambda v: typed(v, "positiveInteger"),
                   "batch_ordinal")
        self.facts(s, ksst("batchLabel"), ed.batch_label, plain, "batch_label")
        self.facts(s, ksst("hostingYearOrdinal"), ed.hosting_year_ordinal,
                   lambda v: typed(v, "positiveInteger"), "hosting_year_ordinal")
        self.facts(s, iri(SCHEMA + "startDate"), ed.start_date, _date, "start_date")
        self.facts(s, iri(SCHEMA + "endDate"), ed.end_date, _date, "end_date")
        self.facts(s, iri(SCHEMA + "duration"), ed.duration_days, lambda v: typed(f"P{v}D", "duration"),
                   "duration_days")
        # the same length in whole days, an integer every store keeps (Virtuoso keeps an xsd:duration as seconds)
        self.facts(s, ksst("durationDays"), ed.duration_days, lambda v: typed(v, "nonNegativeInteger"),
                   "duration_days")
        self.facts(s, ksst("heldIn"), ed.places, _place, "places")
        self.facts(s, ksst("venue"), ed.venue, _place, "venue")
        self.facts(s, iri(SCHEMA + "eventAttendanceMode"), ed.mode, lambda v: iri(MODES[v]), "mode")
        self.facts(s, ksst("hostCountry"), ed.host_country, self._country, "host_country")
        self.facts(s, iri(SCHEMA + "name"), ed.title, en, "title")
        self.facts(s, ksst("theme"), ed.theme, en, "theme")
        self.facts(s, ksst("statedParticipantCount"), ed.participant_count,
                   lambda v: typed(v, "nonNegativeInteger"), "participant_count")
        self.facts(s, ksst("statedCountryCount"), ed.country_count, lambda v: typed(v, "nonNegativeInteger"),
                   "country_count")
        self.facts(s, ksst("participantBackground"), ed.backgrounds, lambda v: concept("backgrounds", v),
                   "backgrounds")
        self.facts(s, ksst("curriculumTopic"), ed.topics, lambda v: concept("topics", v), "topics")
        self.facts(s, ksst("contextNote"), ed.notes, en, "notes")
        self._country_lists()
        self._events()
        self._roles()
        self._visits()
        self._workshops()
        self._plans()
        self._meetings()
        self._figures()
        self._discrepancies()
        return c

    def _source_label(self, ident: str) -> str:
        return f"{self.names[self.lookups.sources[ident].publisher]} ({ident})"

    def _place_name(self, ident: str) -> str:
        return self.lookups.places[ident]

    def _country(self, name: str) -> NamedNode:
        return kg(f"country/{self.ds.resolve_country(name)}")

    def _part(self, kind: str, ident: str, cls: str, link: str, back: str, label: str) -> NamedNode:
        node = kg(f"edition/{self.ed.id}/{kind}/{ident}")
        self.chunk.add(node, RDF_TYPE, ksst(cls))
        self.chunk.add(self.s, iri(link) if ":" in link else ksst(link), node)
        self.chunk.add(node, ksst(back), self.s)
        self.chunk.add(node, iri(RDFS + "label"), en(label))
        return node

    def _status(self, node: NamedNode, key: str, status: list[Fact[Any]], sources: list[str] | None,
                passage: str | None) -> None:
        """`ksst:activityStatus` planned or reported, where the record says (no status: reported)."""
        self.facts(node, ksst("activityStatus"), status, lambda v: concept("activity-status", v), f"{key}/status",
                   sources or self.ed.sources, passage)

    def _list_note(self, node: NamedNode, key: str, what: str, note: Any, sources: list[str] | None,
                   passage: str | None) -> None:
        """How the source gives a list of a visit (`institution_list`, `place_list`): whole or examples."""
        if note is None:
            return
        self.one(node, ksst(f"{what}ListCompleteness"), concept("completeness", note.completeness),
                 f"{key}/{what}-list", sources, passage)
        if note.marker:
            self.one(node, ksst(f"{what}ListMarker"), self.chunk.as_written(note.marker, sources or self.ed.sources),
                     f"{key}/{what}-list/marker", sources, passage)

    def _country_lists(self) -> None:
        per_country: dict[NamedNode, list[tuple[str, Item[Any], str | None]]] = {}
        for cl in self.ed.country_lists:
            node = self._part("country-list", cl.source, "CountryList", "countryList", "countryListOf",
                              f"Countries named by {self._source_label(cl.source)} ({self.label_en})")
            self.chunk.add(node, iri(PROV + "wasDerivedFrom"), kg(f"source/{cl.source}"))
            src = [cl.source]
            self.facts(node, ksst("listCompleteness"), [cl.completeness], lambda v: concept("completeness", v),
                       f"country-list/{cl.source}/completeness", src, cl.passage)
            if cl.marker:
                self.one(node, ksst("listMarker"), self.chunk.as_written(cl.marker, src),
                         f"country-list/{cl.source}/marker", src, cl.passage)
            for item in cl.countries:
                country = self._country(item.value)
                prov = Prov.of(item, src).with_passage(cl.passage)
                self.chunk.fact(node, ksst("listedCountry"), country, prov, edition=self.s,
                                key=f"country-list/{cl.source}/countries")
                per_country.setdefault(country, []).append((cl.source, item, cl.passage))
        for country, items in per_country.items():
            self.chunk.fact(self.s, ksst("participatingCountry"), country, _union(items), edition=self.s,
                            key="countries")

    def _events(self) -> None:
        for e in self.ed.events:
            kind = self.concept_label("event-kinds", e.kind)
            label = f"{e.name or kind[:1].upper() + kind[1:]} ({self.label_en})"
            node = self._part("event", e.id, "EditionEvent", "hasEvent", "eventOf", label)
            key = f"event/{e.id}"
            self.one(node, ksst("eventKind"), concept("event-kinds", e.kind), f"{key}/kind", e.sources, e.passage)
            if e.name:
                self.one(node, iri(SCHEMA + "name"), en(e.name), f"{key}/name", e.sources, e.passage)
            self._status(node, key, e.status, e.sources, e.passage)
            self.facts(node, iri(SCHEMA + "startDate"), e.date, _date, f"{key}/date", e.sources, e.passage)
            self.facts(node, ksst("heldIn"), e.place, _place, f"{key}/place", e.sources, e.passage)
            self.facts(node, ksst("openedBy"), e.opened_by, self._agent, f"{key}/opened_by", e.sources, e.passage)
            self.facts(node, ksst("contextNote"), e.notes, en, f"{key}/notes", e.sources, e.passage)

    def _agent(self, ident: str) -> NamedNode:
        return kg(f"person/{ident}") if ident in self.lookups.people else kg(f"org/{ident}")

    def _roles(self) -> None:
        for role in self.ed.roles:
            agent = self._agent(role.agent)
            node = self._part(f"role/{role.role}", role.agent, "RoleInEdition", PROV + "qualifiedAssociation",
                              "roleIn",
                              f"{self.names[role.agent]}, {self.concept_label('edition-roles', role.role)} "
                              f"({self.label_en})")
            key = f"role/{role.role}/{role.agent}"
            self.one(node, iri(PROV + "agent"), agent, f"{key}/agent", role.sources, role.passage,
                     written_of(role), role.inferred, role.reasoning)
            self.one(node, iri(PROV + "hadRole"), concept("edition-roles", role.role), f"{key}/role",
                     role.sources, role.passage, inferred=role.inferred, reasoning=role.reasoning)
            self._status(node, key, role.status, role.sources, role.passage)
            if role.post:
                sources = role.post.sources or role.sources
                membership = self._membership(role.agent, role.post, sources)
                self.one(node, ksst("inCapacityOf"), membership, f"{key}/post", sources, role.passage,
                         written_of(role.post))
            if role.from_country:
                self.one(node, ksst("fromCountry"), self._country(role.from_country), f"{key}/from_country",
                         role.sources, role.passage)
            self.facts(node, ksst("remarkSummary"), role.remark, en, f"{key}/remark", role.sources or self.ed.sources,
                       role.passage)

    def _membership(self, person: str, post: Any, sources: list[str] | None) -> NamedNode:
        node = kg(f"membership/{person}/{post.organisation}/{post.post}")
        c = self.chunk
        c.add(node, RDF_TYPE, iri(ORG + "Membership"))
        title = ("acting " if post.is_acting() else "") + self.concept_label("posts", post.post)
        c.add(node, iri(RDFS + "label"), en(f"{self.names[person]}, {title}, {self.names[post.organisation]}"))
        key = f"membership/{person}/{post.organisation}/{post.post}"
        self.one(node, iri(ORG + "member"), kg(f"person/{person}"), f"{key}/member", sources)
        self.one(node, iri(ORG + "organization"), kg(f"org/{post.organisation}"), f"{key}/organisation", sources)
        self.one(node, iri(ORG + "role"), concept("posts", post.post), f"{key}/post", sources)
        self.facts(node, ksst("acting"), post.acting, lambda v: typed("true" if v else "false", "boolean"),
                   f"{key}/acting", sources or self.ed.sources)
        self.one(node, ksst("attestedAt"), self.s, f"{key}/attested", sources)
        return node

    def _visits(self) -> None:
        for v in self.ed.visits:
            visited = ", ".join(self.names[o.value] for o in v.institutions) or v.description or v.id
            node = self._part("visit", v.id, "Visit", "hasVisit", "visitOf", f"Visit: {visited} ({self.label_en})")
            key = f"visit/{v.id}"
            self._status(node, key, v.status, v.sources, v.passage)
            self.facts(node, ksst("visitedInstitution"), v.institutions, lambda o: kg(f"org/{o}"),
                       f"{key}/institutions", v.sources, v.passage)
            self._list_note(node, key, "institution", v.institution_list, v.sources, v.passage)
            if v.description:
                self.one(node, ksst("visitedDescription"), en(v.description), f"{key}/description", v.sources,
                         v.passage)
            self.facts(node, ksst("heldIn"), v.places, _place, f"{key}/places", v.sources, v.passage)
            self._list_note(node, key, "place", v.place_list, v.sources, v.passage)
            self.facts(node, ksst("activity"), v.activities, en, f"{key}/activities", v.sources, v.passage)
            self.facts(node, ksst("visitTopic"), v.topics, lambda t: concept("topics", t), f"{key}/topics",
                       v.sources, v.passage)
            self.facts(node, ksst("contextNote"), v.notes, en, f"{key}/notes", v.sources, v.passage)

    def _workshops(self) -> None:
        for w in self.ed.workshops:
            node = self._part("workshop", w.id, "Workshop", "hasWorkshop", "workshopOf", w.name)
            key = f"workshop/{w.id}"
            self.one(node, iri(SCHEMA + "name"), en(w.name), f"{key}/name", w.sources, w.passage)
            self._status(node, key, w.status, w.sources, w.passage)
            if w.host:
                self.facts(node, ksst("hostedBy"), [w.host], lambda v: kg(f"org/{v}"), f"{key}/host", w.sources,
                           w.passage)
            self.facts(node, ksst("heldIn"), w.places, _place, f"{key}/places", w.sources, w.passage)
            self.facts(node, ksst("workshopTopic"), w.topics, lambda t: concept("topics", t), f"{key}/topics",
                       w.sources, w.passage)
            self.facts(node, ksst("contextNote"), w.notes, en, f"{key}/notes", w.sources, w.passage)

    def _plans(self) -> None:
        for p in self.ed.plans:
            node = self._part("plan", p.id, "EditionPlan", "nextEditionPlan", "planOf",
                              f"Plan for a later edition, stated at the {self.label_en}")
            key = f"plan/{p.id}"
            default = p.sources or self.ed.sources
            self.facts(node, ksst("plannedYear"), p.year, lambda v: typed(v, "gYear"), f"{key}/year", default)
            self.facts(node, iri(SCHEMA + "eventAttendanceMode"), p.mode, lambda v: iri(MODES[v]),
                       f"{key}/mode", default)
            self.facts(node, ksst("plannedPlace"), p.places, _place, f"{key}/places", default)

    def _meetings(self) -> None:
        for m in self.ed.follows_up:
            node = kg(f"event/{m.id}")
            self.chunk.add(node, RDF_TYPE, ksst("Meeting"))
            self.chunk.add(node, iri(RDFS + "label"), en(m.name))
            key = f"event/{m.id}"
            self.one(self.s, ksst("followsUp"), node, "follows_up", m.sources, m.passage)
            self.one(node, iri(SCHEMA + "name"), en(m.name), f"{key}/name", m.sources, m.passage)
            if m.ordinal is not None:
                self.one(node, ksst("meetingOrdinal"), typed(m.ordinal, "positiveInteger"), f"{key}/ordinal",
                         m.sources, m.passage)
            default = m.sources or self.ed.sources
            self.facts(node, ksst("meetingYear"), m.year, lambda v: typed(v, "gYear"), f"{key}/year", default,
                       m.passage)
            self.facts(node, ksst("month"), m.month, lambda v: typed(v, "gYearMonth"), f"{key}/month", default,
                       m.passage)
            self.facts(node, iri(SCHEMA + "startDate"), m.start_date, _date, f"{key}/start_date", default, m.passage)
            self.facts(node, iri(SCHEMA + "endDate"), m.end_date, _date, f"{key}/end_date", default, m.passage)
            self.facts(node, ksst("heldIn"), m.places, lambda v: place_or_country(self.ds, v, self.lookups),
                       f"{key}/places", default, m.passage)
            self.facts(node, ksst("contextNote"), m.notes, en, f"{key}/notes", default, m.passage)
            if m.organiser:
                self.facts(node, iri(SCHEMA + "organizer"), [m.organiser], lambda v: kg(f"org/{v}"),
                           f"{key}/organiser", m.sources, m.passage)

    def _figures(self) -> None:
        people = self.lookups.people
        for f in self.ed.figures:
            node = self._part("figure", f.id, "StatedFigure", "statedFigure", "figureOf", f.label)
            key = f"figure/{f.id}"
            value = format(dt_decimal(f.value), "f")
            prov = Prov(tuple(f.sources or self.ed.sources), passage=f.passage, marker=f.marker)
            self.chunk.fact(node, iri(SCHEMA + "value"), typed(value, "decimal"), prov, edition=self.s,
                            key=f"{key}/value")
            self.one(node, ksst("unitText"), plain(f.unit), f"{key}/unit", f.sources, f.passage)
            if f.attributed_to:
                self.one(node, ksst("attributedTo"), kg(f"org/{f.attributed_to}"), f"{key}/attributed_to",
                         f.sources, f.passage)
            if f.stated_by and f.stated_by in people:
                self.one(node, ksst("statedBy"), kg(f"person/{f.stated_by}"), f"{key}/stated_by", f.sources,
                         f.passage)

    def _discrepancies(self) -> None:
        for i, d in enumerate(self.ed.discrepancies):
            node = self._part("discrepancy", d.id, "Discrepancy", "hasDiscrepancy", "aboutEdition",
                              f"Discrepancy {d.id} ({self.label_en})")
            self.chunk.add(node, ksst("discrepancyKind"), concept("discrepancy-kinds", d.kind))
            self.chunk.add(node, iri(RDFS + "comment"), en(d.comment))
            for j, ref in enumerate(d.claims):
                claims = self._find_claims(ref.field, ref.value)
                if not claims:
                    raise RecordError(self.file, self.ed.id, f"discrepancies[{i}].claims[{j}]",
                                      f"no fact {ref.field} = {ref.value!r} in this record")
                for claim in claims:
                    self.chunk.add(node, ksst("involvesClaim"), claim)

    def _find_claims(self, field_name: str, value: Any) -> list[NamedNode]:
        """The claims of `field_name` (a field of the edition, `<part>/<id>/<field>`, or the post a role names,
        `membership/<person>/<organisation>/<post>/acting`) with this value, or with a spelling of it kept as
        written, or (for a country) with a name or code of that country: one, or two where the value is both
        stated and inferred."""
        path, _, leaf = _claim_field(field_name).rpartition("/")
        base = KG[:-1] if path.startswith("membership/") else self.s.value
        subject = f"{base}/{path}" if path else self.s.value
        key = f"{path}/{leaf}" if path else leaf
        text = " ".join(str(value.isoformat() if isinstance(value, dt.date) else value).split())
        country = self.ds.resolve_country(text)
        found = []
        for obj, claim in self.chunk.claims.get((subject, key), []):
            if _same_value(obj, value) or text in self.chunk.written.get(claim.value, ()) or (
                    country is not None and isinstance(obj, NamedNode) and obj.value == KG + f"country/{country}"):
                found.append(claim)
        return list(dict.fromkeys(found))


#: A part of an edition as a discrepancy may name it in the record's own words (`visits/museum/institutions`,
#: `country_lists/<source-id>`), beside the segment of its IRI (`visit/museum/institutions`).
PARTS = {"visits": "visit", "workshops": "workshop", "plans": "plan", "figures": "figure", "events": "event",
         "country_lists": "country-list"}


def _claim_field(field_name: str) -> str:
    """`field_name` of a discrepancy's claim with the record's own names of parts written as their IRI segments."""
    head, *rest = field_name.split("/")
    if head not in PARTS or not rest:
        return field_name
    if head == "country_lists" and len(rest) == 1:
        rest.append("countries")
    return "/".join([PARTS[head], *rest])


def _date(value: dt.date) -> Literal:
    return typed(value.isoformat(), "date")


def _place(ident: str) -> NamedNode:
    return kg(f"place/{ident}")


def _union(items: list[tuple[str, Item[Any], str | None]]) -> Prov:
    """The provenance of `participatingCountry` from the country lists that name the country: stated by the
    lists that state it (with their spellings); where every list's reading is inferred, inferred from all of
    them, with their reasons."""
    stated = [entry for entry in items if not entry[1].inferred]
    chosen = stated or items
    written = tuple((text, srcs or (source,)) for source, item, _ in chosen for text, srcs in written_of(item))
    reasons = "; ".join(dict.fromkeys(item.reasoning for _, item, _ in chosen if item.reasoning))
    passages = "; ".join(dict.fromkeys(p for _, item, list_passage in chosen for p in (item.passage or list_passage,)
                                       if p)) or None
    sources = tuple(dict.fromkeys(source for source, _, _ in chosen))
    return Prov(sources, not stated, reasons or None, passages, written=written)


def dt_decimal(value: float) -> Decimal:
    return Decimal(str(value)).normalize()


def _same_value(obj: Term, value: Any) -> bool:
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(obj, NamedNode) and str(value) in MODES:  # a mode named as in the record: hybrid, online
        return obj.value == MODES[str(value)]
    text = obj.value
    if isinstance(obj, NamedNode):
        return text.rsplit("/", 1)[-1] == str(value)
    return text == " ".join(str(value).split())


def convert_edition(ds: Dataset, ed: Edition, lookups: Lookups | None = None) -> Chunk:
    """All triples of one edition record, with claims citing its sources."""
    return _EditionWriter(ds, ed, str(ds.edition_files[ed.id]), lookups or Lookups.of(ds)).write()


@paused_gc()
def convert(ds: Dataset) -> list[Chunk]:
    """Every chunk of the data set: the reference data first, then one per edition file."""
    lookups = Lookups.of(ds)
    return [convert_reference(ds, lookups), *(convert_edition(ds, ed, lookups) for ed in ds.editions)]


__all__ = ["Chunk", "convert", "convert_edition", "convert_reference"]
