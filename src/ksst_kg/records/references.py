"""Cross-reference checks: every id a record uses must name a record that exists, exactly once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..core.errors import RecordError
from .model import Dataset, Fact, _norm


def _duplicates(file: str, ids: Iterable[str], what: str) -> Iterator[RecordError]:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            yield RecordError(file, ident, "id", f"duplicate {what} id")
        seen.add(ident)


def _build_country_index(ds: Dataset, file: str) -> Iterator[RecordError]:
    for country in ds.countries:
        names = [country.iso3, country.iso2, country.name_en, country.name_id, *country.variants]
        for name in names:
            key = _norm(name)
            owner = ds.country_index.get(key)
            if owner is not None and owner != country.iso3:
                yield RecordError(file, country.iso3, "variants", f"{name!r} also names {owner}")
            ds.country_index[key] = country.iso3


class _Checker:
    """Collects errors while walking a record; `at` names the record and field of what follows."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.errors: list[RecordError] = []
        self.orgs = {o.id for o in ds.organisations}
        self.people = {p.id for p in ds.people}
        self.places = {p.id: p for p in ds.places}
        self.sources = {s.id for s in ds.sources}
        self.programmes = {p.id for p in ds.programmes}
        self.frameworks = {f.id for f in ds.frameworks}
        self.concepts = {name: {c.id for c in s.concepts} for name, s in ds.schemes.items()}

    def fail(self, file: str, record: str, field: str, message: str) -> None:
        self.errors.append(RecordError(file, record, field, message))

    def one(self, file: str, record: str, field: str, value: str, known: Iterable[str], what: str) -> None:
        if value not in known:
            self.fail(file, record, field, f"unknown {what} {value!r}")

    def country(self, file: str, record: str, field: str, value: str) -> None:
        if self.ds.resolve_country(value) is None:
            self.fail(file, record, field, f"unknown country {value!r} (use an ISO code or a known name)")

    def concept(self, file: str, record: str, field: str, value: str, scheme: str) -> None:
        if value not in self.concepts.get(scheme, set()):
            self.fail(file, record, field, f"unknown concept {value!r} in scheme {scheme!r}")

    def facts_sources(self, file: str, record: str, field: str, facts: Iterable[Fact[Any]]) -> None:
        for i, fact in enumerate(facts):
            for source in fact.sources or []:
                self.one(file, record, f"{field}[{i}].sources", source, self.sources, "source")


def check_references(ds: Dataset) -> list[RecordError]:
    """Build the country index and check every id; return all problems found."""
    ref = str(ds.root / "reference")
    c = _Checker(ds)
    c.errors.extend(_build_country_index(ds, f"{ref}/countries.yaml"))
    c.errors.extend(_duplicates(f"{ref}/countries.yaml", (x.iso3 for x in ds.countries), "country"))
    c.errors.extend(_duplicates(f"{ref}/organisations.yaml", (x.id for x in ds.organisations), "organisation"))
    c.errors.extend(_duplicates(f"{ref}/places.yaml", (x.id for x in ds.places), "place"))
    c.errors.extend(_duplicates(str(ds.root / "sources.yaml"), (x.id for x in ds.sources), "source"))
    c.errors.extend(_duplicates(str(ds.root / "people.yaml"), (x.id for x in ds.people), "person"))
    c.errors.extend(_duplicates(str(ds.root / "editions"), (x.id for x in ds.editions), "edition"))
    for ident in sorted(c.orgs & c.people):
        c.fail(str(ds.root / "people.yaml"), ident, "id", "the same id names an organisation")
    _check_reference_data(c, ref)
    _check_people_and_programmes(c)
    for edition in ds.editions:
        _check_edition(c, str(ds.edition_files[edition.id]), edition)
    return c.errors


def check_edition(ds: Dataset, file: str, edition: Any) -> list[RecordError]:
    """The checks `check_references` makes of one edition (a rebuild checks only the editions that changed)."""
    c = _Checker(ds)
    _check_edition(c, file, edition)
    return c.errors


def _place_or_country(c: _Checker, file: str, record: str, field: str, value: str) -> None:
    if value not in c.places and c.ds.resolve_country(value) is None:
        c.fail(file, record, field, f"unknown place or country {value!r}")


def _check_reference_data(c: _Checker, ref: str) -> None:
    file = f"{ref}/organisations.yaml"
    for org in c.ds.organisations:
        if org.parent is not None:
            c.one(file, org.id, "parent", org.parent.value, c.orgs, "organisation")
            c.facts_sources(file, org.id, "parent", [org.parent])
        if org.based_in:
            _place_or_country(c, file, org.id, "based_in", org.based_in)
        c.country(file, org.id, "country", org.country)
        if org.renamed_to:
            c.one(file, org.id, "renamed_to", org.renamed_to, c.orgs, "organisation")
    for place in c.ds.places:
        _place_or_country(c, f"{ref}/places.yaml", place.id, "within", place.within)
    file = f"{ref}/concepts.yaml"
    for name, scheme in c.ds.schemes.items():
        ids = [x.id for x in scheme.concepts]
        c.errors.extend(_duplicates(file, ids, f"{name} concept"))
        for concept in scheme.concepts:
            if concept.broader:
                c.concept(file, name, f"{concept.id}.broader", concept.broader, name)
    for source in c.ds.sources:
        c.one(str(c.ds.root / "sources.yaml"), source.id, "publisher", source.publisher, c.orgs, "organisation")


def _check_people_and_programmes(c: _Checker) -> None:
    file = str(c.ds.root / "people.yaml")
    for person in c.ds.people:
        if person.from_country is not None:
            c.country(file, person.id, "from_country", person.from_country.value)
            c.facts_sources(file, person.id, "from_country", [person.from_country])
    file = str(c.ds.root / "programmes.yaml")
    for fw in c.ds.frameworks:
        if fw.committed_since:
            c.facts_sources(file, fw.id, "committed_since", [fw.committed_since])
    for prog in c.ds.programmes:
        c.one(file, prog.id, "framework", prog.framework.value, c.frameworks, "framework")
        c.facts_sources(file, prog.id, "framework", [prog.framework])
        for i, org in enumerate(prog.organiser):
            c.one(file, prog.id, f"organiser[{i}]", org.value, c.orgs, "organisation")
        c.facts_sources(file, prog.id, "organiser", prog.organiser)
        if prog.audience:
            c.one(file, prog.id, "audience", prog.audience.value, c.orgs, "organisation")


def _check_edition(c: _Checker, file: str, ed: Any) -> None:
    rid = ed.id
    for i, source in enumerate(ed.sources):
        c.one(file, rid, f"sources[{i}]", source, c.sources, "source")
    c.one(file, rid, "programme", ed.programme.value, c.programmes, "programme")
    for name in ("programme", "year", "batch_ordinal", "batch_label", "hosting_year_ordinal", "start_date",
                 "end_date", "duration_days", "places", "venue", "mode", "host_country", "title", "theme",
                 "participant_count", "country_count", "backgrounds", "topics", "notes"):
        value = getattr(ed, name)
        c.facts_sources(file, rid, name, value if isinstance(value, list) else [value])
    for i, f in enumerate(ed.places):
        c.one(file, rid, f"places[{i}]", f.value, c.places, "place")
    for i, f in enumerate(ed.venue):
        c.one(file, rid, f"venue[{i}]", f.value, c.places, "place")
    for i, f in enumerate(ed.host_country):
        c.country(file, rid, f"host_country[{i}]", f.value)
    for i, f in enumerate(ed.backgrounds):
        c.concept(file, rid, f"backgrounds[{i}]", f.value, "backgrounds")
    for i, f in enumerate(ed.topics):
        c.concept(file, rid, f"topics[{i}]", f.value, "topics")
    for i, cl in enumerate(ed.country_lists):
        c.one(file, rid, f"country_lists[{i}].source", cl.source, c.sources, "source")
        for j, name in enumerate(cl.countries):
            c.country(file, rid, f"country_lists[{i}].countries[{j}]", name)
    _check_edition_parts(c, file, ed)


def _check_sources(c: _Checker, file: str, rid: str, field: str, sources: list[str] | None) -> None:
    for j, source in enumerate(sources or []):
        c.one(file, rid, f"{field}.sources[{j}]", source, c.sources, "source")


def _check_edition_parts(c: _Checker, file: str, ed: Any) -> None:
    rid = ed.id
    agents = c.orgs | c.people
    for i, role in enumerate(ed.roles):
        at = f"roles[{i}]"
        _check_sources(c, file, rid, at, role.sources)
        c.one(file, rid, f"{at}.agent", role.agent, agents, "organisation or person")
        c.concept(file, rid, f"{at}.role", role.role, "edition-roles")
        if role.post:
            if role.agent not in c.people:
                c.fail(file, rid, f"{at}.post", "only a person holds a post")
            c.one(file, rid, f"{at}.post.organisation", role.post.organisation, c.orgs, "organisation")
            c.concept(file, rid, f"{at}.post.post", role.post.post, "posts")
        if role.from_country:
            c.country(file, rid, f"{at}.from_country", role.from_country)
    for kind, parts in (("visits", ed.visits), ("workshops", ed.workshops), ("plans", ed.plans),
                        ("follows_up", ed.follows_up), ("figures", ed.figures)):
        c.errors.extend(_duplicates(file, (p.id for p in parts), f"{kind} entry"))
        for i, part in enumerate(parts):
            _check_sources(c, file, rid, f"{kind}[{i}]", part.sources)
    for i, visit in enumerate(ed.visits):
        for j, org in enumerate(visit.institutions):
            c.one(file, rid, f"visits[{i}].institutions[{j}]", org, c.orgs, "organisation")
        for j, place in enumerate(visit.places):
            c.one(file, rid, f"visits[{i}].places[{j}]", place, c.places, "place")
        for j, topic in enumerate(visit.topics):
            c.concept(file, rid, f"visits[{i}].topics[{j}]", topic.value, "topics")
    for i, shop in enumerate(ed.workshops):
        if shop.host:
            c.one(file, rid, f"workshops[{i}].host", shop.host.value, c.orgs, "organisation")
            c.facts_sources(file, rid, f"workshops[{i}].host", [shop.host])
        for j, topic in enumerate(shop.topics):
            c.concept(file, rid, f"workshops[{i}].topics[{j}]", topic.value, "topics")
    for i, plan in enumerate(ed.plans):
        for j, place in enumerate(plan.places):
            c.one(file, rid, f"plans[{i}].places[{j}]", place.value, c.places, "place")
        c.facts_sources(file, rid, f"plans[{i}].year", plan.year)
    for i, meeting in enumerate(ed.follows_up):
        if meeting.organiser:
            c.one(file, rid, f"follows_up[{i}].organiser", meeting.organiser.value, c.orgs, "organisation")
            c.facts_sources(file, rid, f"follows_up[{i}].organiser", [meeting.organiser])
    for i, fig in enumerate(ed.figures):
        if fig.attributed_to:
            c.one(file, rid, f"figures[{i}].attributed_to", fig.attributed_to, c.orgs, "organisation")
        if fig.stated_by:
            c.one(file, rid, f"figures[{i}].stated_by", fig.stated_by, c.people, "person")
    c.errors.extend(_duplicates(file, (d.id for d in ed.discrepancies), "discrepancy"))
