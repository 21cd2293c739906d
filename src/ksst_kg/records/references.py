"""Cross-reference checks: every id a record uses names a record that exists, exactly once, of the right kind;
and the checks that need more than one field (dates in order, a value listed twice, a source's copy on disk).

Each message says where the missing thing would be defined ("unknown concept 'footwear' in scheme 'topics'
(concepts are defined in reference/concepts.yaml)"), and one mistake gives one message: a role naming an
unknown person is not also told that only a person holds a post.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from ..core.errors import RecordError
from .model import EDITION_FACTS, Dataset, Edition, Fact, Item, Written, _norm

WHERE = {
    "organisation": "organisations are defined in reference/organisations.yaml",
    "place": "places are defined in reference/places.yaml",
    "source": "sources are defined in sources.yaml",
    "person": "people are defined in people.yaml",
    "organisation or person": "organisations are defined in reference/organisations.yaml, people in people.yaml",
    "programme": "programmes are defined in programmes.yaml",
    "framework": "frameworks are defined in programmes.yaml",
    "edition": "editions are the files of editions/",
}


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
    """Collects errors while walking a record; each check names the file, record and field of what it checks."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.errors: list[RecordError] = []
        self.orgs = {o.id: o for o in ds.organisations}
        self.people = {p.id for p in ds.people}
        self.places = {p.id: p for p in ds.places}
        self.sources = {s.id for s in ds.sources}
        self.programmes = {p.id for p in ds.programmes}
        self.frameworks = {f.id for f in ds.frameworks}
        self.concepts = {name: {c.id for c in s.concepts} for name, s in ds.schemes.items()}

    def fail(self, file: str, record: str | None, field: str | None, message: str) -> None:
        self.errors.append(RecordError(file, record, field, message))

    def one(self, file: str, record: str, field: str, value: str, known: Iterable[str], what: str) -> bool:
        if value not in known:
            where = f" ({WHERE[what]})" if what in WHERE else ""
            self.fail(file, record, field, f"unknown {what} {value!r}{where}")
            return False
        return True

    def country(self, file: str, record: str, field: str, value: str) -> None:
        if self.ds.resolve_country(value) is None:
            self.fail(file, record, field, f"unknown country {value!r} (use an ISO code or a name or spelling "
                                           "listed in reference/countries.yaml)")

    def concept(self, file: str, record: str, field: str, value: str, scheme: str) -> None:
        if value not in self.concepts.get(scheme, set()):
            self.fail(file, record, field, f"unknown concept {value!r} in scheme {scheme!r} (concepts are "
                                           "defined in reference/concepts.yaml)")

    def source_ids(self, file: str, record: str, field: str, sources: Sequence[str] | None) -> None:
        for j, source in enumerate(sources or []):
            self.one(file, record, f"{field}[{j}]", source, self.sources, "source")

    def written(self, file: str, record: str, field: str, written: Sequence[Written]) -> None:
        for j, w in enumerate(written):
            self.source_ids(file, record, f"{field}[{j}].sources", w.sources)

    def facts(self, file: str, record: str, field: str, facts: Sequence[Item[Any]]) -> None:
        """The sources each fact cites and its spellings cite, and no value given twice."""
        seen: dict[tuple[str, bool], int] = {}
        for i, fact in enumerate(facts):
            at = f"{field}[{i}]" if len(facts) > 1 else field
            if isinstance(fact, Fact):
                self.source_ids(file, record, f"{at}.sources", fact.sources)
            self.written(file, record, f"{at}.as_written", fact.as_written)
            # A value may be given twice only as two derivations: stated by some sources, inferred from others
            # (a year a later article states and the article of the time leaves to be worked out).
            key = (str(fact.value), fact.inferred)
            if key in seen:
                self.fail(file, record, at, f"{fact.value!r} is given twice (also at {field}[{seen[key]}]): write "
                                            "it once, with every source that gives it")
            seen.setdefault(key, i)

    def values(self, file: str, record: str, field: str, facts: Sequence[Item[Any]], known: Iterable[str],
               what: str) -> None:
        for i, fact in enumerate(facts):
            self.one(file, record, f"{field}[{i}]" if len(facts) > 1 else field, fact.value, known, what)

    def concepts_of(self, file: str, record: str, field: str, facts: Sequence[Item[Any]], scheme: str) -> None:
        for i, fact in enumerate(facts):
            self.concept(file, record, f"{field}[{i}]" if len(facts) > 1 else field, fact.value, scheme)


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
    for ident in sorted(set(c.orgs) & c.people):
        c.fail(str(ds.root / "people.yaml"), ident, "id", "the same id names an organisation")
    _check_reference_data(c, ref)
    _check_sources(c)
    _check_people_and_programmes(c)
    _check_memberships(c, ref)
    for edition in ds.editions:
        _check_edition(c, str(ds.edition_files[edition.id]), edition)
    return c.errors


def check_edition(ds: Dataset, file: str, edition: Any) -> list[RecordError]:
    """The checks `check_references` makes of one edition (a rebuild checks only the editions that changed)."""
    c = _Checker(ds)
    _check_edition(c, file, edition)
    return c.errors


def check_edition_links(ds: Dataset, editions: Iterable[str]) -> list[RecordError]:
    """The editions that sources say they report or recount must exist (given the ids of every edition)."""
    known = set(editions)
    c = _Checker(ds)
    file = str(ds.root / "sources.yaml")
    for source in ds.sources:
        for i, ident in enumerate(source.about_editions):
            c.one(file, source.id, f"about_editions[{i}]", ident, known, "edition")
        for i, ident in enumerate(source.editions_recounted()):
            c.one(file, source.id, f"retrospective.editions[{i}]", ident, known, "edition")
    return c.errors


def _place_or_country(c: _Checker, file: str, record: str, field: str, value: str) -> None:
    if value not in c.places and c.ds.resolve_country(value) is None:
        c.fail(file, record, field, f"unknown place or country {value!r} (places are defined in "
                                    "reference/places.yaml, countries in reference/countries.yaml)")


def _check_reference_data(c: _Checker, ref: str) -> None:
    file = f"{ref}/organisations.yaml"
    for org in c.ds.organisations:
        if org.parent is not None:
            c.one(file, org.id, "parent", org.parent.value, c.orgs, "organisation")
            c.facts(file, org.id, "parent", [org.parent])
        c.values(file, org.id, "fostered_by", org.fostered_by, c.orgs, "organisation")
        c.facts(file, org.id, "fostered_by", org.fostered_by)
        c.written(file, org.id, "as_written", org.as_written)
        for i, written in enumerate(org.as_written):
            if not written.sources:
                c.fail(file, org.id, f"as_written[{i}]", "a name as written needs the `sources` that write it so")
        if org.based_in:
            _place_or_country(c, file, org.id, "based_in", org.based_in)
        c.country(file, org.id, "country", org.country)
        if org.renamed_to:
            _check_renaming(c, file, org.id, org.renamed_to)
    for place in c.ds.places:
        _place_or_country(c, f"{ref}/places.yaml", place.id, "within", place.within)
    file = f"{ref}/concepts.yaml"
    for name, scheme in c.ds.schemes.items():
        ids = [x.id for x in scheme.concepts]
        c.errors.extend(_duplicates(file, ids, f"{name} concept"))
        for concept in scheme.concepts:
            if concept.broader:
                c.concept(file, name, f"{concept.id}.broader", concept.broader, name)


def _check_renaming(c: _Checker, file: str, record: str, renaming: Any) -> None:
    """The body it was renamed to exists; each date of the change cites the sources that date it, in order."""
    c.one(file, record, "renamed_to", renaming.value, c.orgs, "organisation")
    c.facts(file, record, "renamed_to", [renaming])
    for name, fact in renaming.dates():
        at = f"renamed_to.{name}"
        c.facts(file, record, at, [fact])
        if not (fact.sources or renaming.sources):
            c.fail(file, record, at, "a date of a renaming needs the `sources` that date it")
    low, high = renaming.not_before, renaming.not_after
    if low is not None and high is not None and low.value > high.value:
        c.fail(file, record, "renamed_to.not_after", f"{high.value} is before not_before, {low.value}")
    if renaming.date is not None:
        for name, bound in (("not_before", low), ("not_after", high)):
            outside = bound is not None and ((name == "not_before" and renaming.date.value < bound.value)
                                             or (name == "not_after" and renaming.date.value > bound.value))
            if outside:
                c.fail(file, record, "renamed_to.date", f"{renaming.date.value} is outside {name}, {bound.value}")


def _check_sources(c: _Checker) -> None:
    file = str(c.ds.root / "sources.yaml")
    for source in c.ds.sources:
        if c.one(file, source.id, "publisher", source.publisher, c.orgs, "organisation"):
            kind = c.orgs[source.publisher].type
            if source.type == "news-article" and kind != "NewsOutlet":
                c.fail(file, source.id, "publisher", f"a news article's publisher must be a news outlet, and the "
                                                     f"type of {source.publisher!r} is {kind}: for a page or "
                                                     "document of the organisation itself, write type: web-page or "
                                                     "type: public-document")
        if source.date_published is not None:
            c.written(file, source.id, "date_published.as_written", source.date_published.as_written)
        if source.file is not None:
            problem = _file_problem(c.ds.root, source.file)
            if problem:
                c.fail(file, source.id, "file", problem)
        recounted = source.editions_recounted()
        if source.about_editions:
            for i, ident in enumerate(recounted):
                if ident not in source.about_editions:
                    c.fail(file, source.id, f"retrospective.editions[{i}]",
                           f"{ident!r} is not in about_editions: list every edition the source is about there")


def _file_problem(root: Path, name: str) -> str | None:
    """Why the `file` of a source cannot be its copy under the data folder, or None."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        return f"{name!r} must be a path inside the data folder (such as texts/{path.name})"
    target = Path(root) / path
    if not target.is_file():
        return (f"{name!r} is not a file under {root}: `file` names a copy of the text kept in the data folder; "
                "leave it out where the project keeps no copy")
    return None


def _check_people_and_programmes(c: _Checker) -> None:
    file = str(c.ds.root / "people.yaml")
    for person in c.ds.people:
        if person.from_country is not None:
            c.country(file, person.id, "from_country", person.from_country.value)
            c.facts(file, person.id, "from_country", [person.from_country])
        c.written(file, person.id, "as_written", person.as_written)
        for i, written in enumerate(person.as_written):
            if not written.sources:
                c.fail(file, person.id, f"as_written[{i}]", "a name as written needs the `sources` that write it so")
    file = str(c.ds.root / "programmes.yaml")
    for fw in c.ds.frameworks:
        if fw.committed_since:
            c.facts(file, fw.id, "committed_since", [fw.committed_since])
    for prog in c.ds.programmes:
        c.one(file, prog.id, "framework", prog.framework.value, c.frameworks, "framework")
        facts: list[tuple[str, list[Any]]] = [("framework", [prog.framework]), ("organiser", prog.organiser),
                                              ("co_organisers", prog.co_organisers), ("titles", prog.titles),
                                              ("notes", prog.notes)]
        if prog.audience:
            facts.append(("audience", [prog.audience]))
            c.one(file, prog.id, "audience", prog.audience.value, c.orgs, "organisation")
        c.values(file, prog.id, "organiser", prog.organiser, c.orgs, "organisation")
        c.values(file, prog.id, "co_organisers", prog.co_organisers, c.orgs, "organisation")
        for name, values in facts:
            c.facts(file, prog.id, name, values)
            for i, fact in enumerate(values):
                if not fact.sources:
                    c.fail(file, prog.id, f"{name}[{i}]" if len(values) > 1 else name,
                           "a fact about a programme needs `sources` (programmes.yaml has no default sources)")


def _check_memberships(c: _Checker, ref: str) -> None:
    for organisation, members in sorted(c.ds.memberships.items()):
        file = f"{ref}/{organisation}-membership.yaml"
        c.one(file, organisation, "(file name)", organisation, c.orgs, "organisation")
        seen: set[str] = set()
        for member in members:
            record = member.country
            c.country(file, record, "country", member.country)
            code = c.ds.resolve_country(member.country)
            if code in seen:
                c.fail(file, record, "country", f"{code} is listed twice")
            seen.add(code or "")
            c.source_ids(file, record, "sources", member.sources)
            c.facts(file, record, "joined", [member.joined])
            if member.left is not None:
                c.facts(file, record, "left", [member.left])
                if member.left.value < member.joined.value:
                    c.fail(file, record, "left", f"{member.left.value} is before the year it joined "
                                                 f"({member.joined.value})")


def _check_edition(c: _Checker, file: str, ed: Edition) -> None:
    rid = ed.id
    c.source_ids(file, rid, "sources", ed.sources)
    c.values(file, rid, "programme", ed.programme, c.programmes, "programme")
    for name in EDITION_FACTS:
        value = getattr(ed, name)
        c.facts(file, rid, name, value if isinstance(value, list) else [value])
    c.values(file, rid, "places", ed.places, c.places, "place")
    c.values(file, rid, "venue", ed.venue, c.places, "place")
    for i, f in enumerate(ed.host_country):
        c.country(file, rid, f"host_country[{i}]" if len(ed.host_country) > 1 else "host_country", f.value)
    c.concepts_of(file, rid, "backgrounds", ed.backgrounds, "backgrounds")
    c.concepts_of(file, rid, "topics", ed.topics, "topics")
    _check_dates(c, file, ed)
    c.errors.extend(_duplicates(file, (cl.source for cl in ed.country_lists), "country list source"))
    for i, cl in enumerate(ed.country_lists):
        at = f"country_lists[{i}]"
        c.one(file, rid, f"{at}.source", cl.source, c.sources, "source")
        c.written(file, rid, f"{at}.completeness.as_written", cl.completeness.as_written)
        seen: dict[str, int] = {}
        for j, item in enumerate(cl.countries):
            c.written(file, rid, f"{at}.countries[{j}].as_written", item.as_written)
            code = c.ds.resolve_country(item.value)
            if code is None:
                c.country(file, rid, f"{at}.countries[{j}]", item.value)
            elif code in seen:
                c.fail(file, rid, f"{at}.countries[{j}]", f"{item.value!r} names {code}, which the list already "
                                                          f"names at countries[{seen[code]}]")
            else:
                seen[code] = j
    _check_events(c, file, ed)
    _check_roles(c, file, ed)
    _check_edition_parts(c, file, ed)


def _check_dates(c: _Checker, file: str, ed: Edition) -> None:
    """No start date after an end date (each pair once, at the end date, the field a curator fixes)."""
    for i, start in enumerate(ed.start_date):
        for j, end in enumerate(ed.end_date):
            if start.value > end.value:
                at = f"end_date[{j}]" if len(ed.end_date) > 1 else "end_date"
                since = f"start_date[{i}]" if len(ed.start_date) > 1 else "start_date"
                c.fail(file, ed.id, at, f"{end.value} is before the {since}, {start.value}")


def _check_events(c: _Checker, file: str, ed: Edition) -> None:
    rid = ed.id
    agents = set(c.orgs) | c.people
    c.errors.extend(_duplicates(file, (e.id for e in ed.events), "events entry"))
    for i, event in enumerate(ed.events):
        at = f"events[{i}]"
        c.source_ids(file, rid, f"{at}.sources", event.sources)
        c.concept(file, rid, f"{at}.kind", event.kind, "event-kinds")
        for name in ("status", "date", "place", "opened_by", "notes"):
            c.facts(file, rid, f"{at}.{name}", getattr(event, name))
        c.values(file, rid, f"{at}.place", event.place, c.places, "place")
        c.values(file, rid, f"{at}.opened_by", event.opened_by, agents, "organisation or person")


def _check_roles(c: _Checker, file: str, ed: Edition) -> None:
    rid = ed.id
    agents = set(c.orgs) | c.people
    seen: dict[tuple[str, str], int] = {}
    for i, role in enumerate(ed.roles):
        at = f"roles[{i}]"
        c.source_ids(file, rid, f"{at}.sources", role.sources)
        c.written(file, rid, f"{at}.as_written", role.as_written)
        c.facts(file, rid, f"{at}.status", role.status)
        known = c.one(file, rid, f"{at}.agent", role.agent, agents, "organisation or person")
        c.concept(file, rid, f"{at}.role", role.role, "edition-roles")
        if (role.role, role.agent) in seen:
            first = seen[role.role, role.agent]
            c.fail(file, rid, at, f"{role.agent!r} already has the role {role.role!r} at roles[{first}]")
        seen.setdefault((role.role, role.agent), i)
        c.facts(file, rid, f"{at}.remark", role.remark)
        if role.post:
            if known and role.agent not in c.people:
                c.fail(file, rid, f"{at}.post", f"only a person holds a post, and {role.agent!r} is an organisation")
            c.one(file, rid, f"{at}.post.organisation", role.post.organisation, c.orgs, "organisation")
            c.concept(file, rid, f"{at}.post.post", role.post.post, "posts")
            c.written(file, rid, f"{at}.post.as_written", role.post.as_written)
            c.source_ids(file, rid, f"{at}.post.sources", role.post.sources)
            c.facts(file, rid, f"{at}.post.acting", role.post.acting)
        if role.from_country:
            c.country(file, rid, f"{at}.from_country", role.from_country)


def _check_edition_parts(c: _Checker, file: str, ed: Edition) -> None:
    rid = ed.id
    for kind, parts in (("visits", ed.visits), ("workshops", ed.workshops), ("plans", ed.plans),
                        ("follows_up", ed.follows_up), ("figures", ed.figures)):
        c.errors.extend(_duplicates(file, (p.id for p in parts), f"{kind} entry"))
        for i, part in enumerate(parts):
            c.source_ids(file, rid, f"{kind}[{i}].sources", part.sources)
    for i, visit in enumerate(ed.visits):
        at = f"visits[{i}]"
        if not visit.institutions and not visit.description:
            c.fail(file, rid, at, "a visit needs `institutions` or a `description` of what was visited")
        for name in ("status", "institutions", "places", "activities", "topics", "notes"):
            c.facts(file, rid, f"{at}.{name}", getattr(visit, name))
        c.values(file, rid, f"{at}.institutions", visit.institutions, c.orgs, "organisation")
        c.values(file, rid, f"{at}.places", visit.places, c.places, "place")
        c.concepts_of(file, rid, f"{at}.topics", visit.topics, "topics")
    for i, shop in enumerate(ed.workshops):
        at = f"workshops[{i}]"
        if shop.host:
            c.one(file, rid, f"{at}.host", shop.host.value, c.orgs, "organisation")
            c.facts(file, rid, f"{at}.host", [shop.host])
        for name in ("status", "places", "topics", "notes"):
            c.facts(file, rid, f"{at}.{name}", getattr(shop, name))
        c.values(file, rid, f"{at}.places", shop.places, c.places, "place")
        c.concepts_of(file, rid, f"{at}.topics", shop.topics, "topics")
    for i, plan in enumerate(ed.plans):
        c.values(file, rid, f"plans[{i}].places", plan.places, c.places, "place")
        for name in ("year", "mode", "places"):
            c.facts(file, rid, f"plans[{i}].{name}", getattr(plan, name))
    for i, meeting in enumerate(ed.follows_up):
        at = f"follows_up[{i}]"
        if meeting.organiser:
            c.one(file, rid, f"{at}.organiser", meeting.organiser.value, c.orgs, "organisation")
            c.facts(file, rid, f"{at}.organiser", [meeting.organiser])
        for name in ("year", "month", "start_date", "end_date", "places", "notes"):
            c.facts(file, rid, f"{at}.{name}", getattr(meeting, name))
        for j, place in enumerate(meeting.places):
            _place_or_country(c, file, rid, f"{at}.places[{j}]" if len(meeting.places) > 1 else f"{at}.places",
                              place.value)
        for start in meeting.start_date:
            for end in meeting.end_date:
                if start.value > end.value:
                    c.fail(file, rid, f"{at}.end_date", f"{end.value} is before the start_date, {start.value}")
    for i, fig in enumerate(ed.figures):
        if fig.attributed_to:
            c.one(file, rid, f"figures[{i}].attributed_to", fig.attributed_to, c.orgs, "organisation")
        if fig.stated_by:
            c.one(file, rid, f"figures[{i}].stated_by", fig.stated_by, c.people, "person")
    c.errors.extend(_duplicates(file, (d.id for d in ed.discrepancies), "discrepancy"))
