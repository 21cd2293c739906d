"""What each page shows: a context for its template, built from the indexes of `graph.SiteGraph`.

One builder per kind of page (edition, country, organisation, person, place, concept, source, programme) and
a generic one for every other resource of the graph (visits, roles, claims, discrepancies, posts, ...), so
that every IRI of the graph opens a page. Values are rendered with the page's `render.Page`, which adds the
footnotes; the builders decide what goes where.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from pyoxigraph import NamedNode

from . import vocab as V
from .graph import Claim, SiteGraph, term_key
from .ns import KSST
from .paths import RDF_EXTENSIONS, entity_path, page_path
from .render import NDASH, RSAQUO, Page

KINDS = ("edition", "programme", "country", "organisation", "person", "place", "concept", "source")
KIND_LABELS = {
    "edition": ("Edition", "Editions"), "programme": ("Programme", "Programmes"),
    "country": ("Country", "Countries"), "organisation": ("Organisation", "Organisations"),
    "person": ("Person", "People"), "place": ("Place", "Places"), "concept": ("Topic or term", "Topics"),
    "source": ("Source article", "Sources"), "resource": ("Resource", "Other resources"),
}
INDEX_FILES = {"edition": "editions.html", "programme": "programmes.html", "country": "countries.html",
               "organisation": "organisations.html", "person": "people.html", "place": "places.html",
               "concept": "topics.html", "source": "sources.html"}


LANGUAGES = {"id": "Indonesian", "en": "English"}


def classify(g: SiteGraph, iri: str, org_classes: set[str]) -> str:
    types = g.types.get(iri, set())
    if V.C_EDITION in types:
        return "edition"
    if V.C_PROGRAMME in types:
        return "programme"
    if V.C_COUNTRY in types:
        return "country"
    if V.C_SOURCE in types:
        return "source"
    if V.C_PERSON in types:
        return "person"
    if types & org_classes:
        return "organisation"
    if types & set(V.C_PLACES):
        return "place"
    if V.C_CONCEPT in types:
        return "concept"
    return "resource"


@dataclass
class Table:
    head: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    cls: str | None = None
    row_headers: bool = True
    empty: str | None = None

    def add(self, *cells: Any, id: str | None = None) -> None:
        self.rows.append({"cells": list(cells), "id": id})


def join(items: list[Markup] | list[str], sep: str = ", ") -> Markup:
    return Markup(escape(sep).join(i for i in items if i))


def marker_text(marker: str | None) -> Markup:
    if not marker:
        return Markup("")
    gloss = V.MARKER_GLOSS.get(marker.lower())
    text = f'<q lang="id">{escape(marker)}</q>'
    return Markup(text + (f" ({escape(gloss)})" if gloss else ""))


class Builder:
    """Builds the template context of every page."""

    def __init__(self, g: SiteGraph, org_classes: set[str]) -> None:
        self.g = g
        self.org_classes = org_classes
        self.kind: dict[str, str] = {}
        for s in sorted(g.asserted_subjects):
            if entity_path(s) is not None:
                self.kind[s] = classify(g, s, org_classes)
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        for iri, k in self.kind.items():
            self.by_kind[k].append(iri)
        self.edition_index = {e: i for i, e in enumerate(g.editions)}

    # --- shared parts ---------------------------------------------------------------------------------------

    def sort_editions(self, editions: set[str] | list[str]) -> list[str]:
        return sorted(editions, key=lambda e: (self.edition_index.get(e, 10**9), e))

    def year(self, e: str) -> str:
        return self.g.edition_year.get(e, "")

    def header(self, page: Page, iri: str, kind: str) -> dict[str, Any]:
        g = self.g
        classes = sorted(t for t in g.types.get(iri, ()) if not g.is_entailed(iri, V.TYPE, NamedNode(t))
                         and g.label(t).casefold() != KIND_LABELS[kind][0].casefold())
        base = entity_path(iri)
        formats = [{"href": page.href(f"{base}.{ext}"), "type": mime, "text": name}
                   for ext, mime, name in (("ttl", RDF_EXTENSIONS["ttl"], "Turtle"),
                                           ("jsonld", RDF_EXTENSIONS["jsonld"], "JSON-LD"),
                                           ("nt", RDF_EXTENSIONS["nt"], "N-Triples"))]
        notes = [v.value for v in g.values(iri, V.REFERENCE_NOTE)]
        badges = []
        for _, text, planned in g.status.get(iri, []):
            badges.append(Markup(f'<span class="badge {"planned" if planned else "status"}">{escape(text)}</span>'))
        kind_label = KIND_LABELS[kind][0]
        if kind == "resource" and classes:
            kind_label = g.label(classes[0])[:1].upper() + g.label(classes[0])[1:]
            classes = classes[1:]
        return {
            "kind_label": kind_label,
            "classes": [page.link(c) for c in classes],
            "title": self.title(iri),
            "label_id": g.label_id(iri),
            "alt_labels": g.alt_labels(iri),
            "iri": iri,
            "formats": formats,
            "note": " ".join(notes) if notes else None,
            "badges": badges,
        }

    def title(self, iri: str) -> str:
        """The resource's label; for a claim, which fact it records (claims have no label of their own)."""
        c = self.g.claims.get(iri)
        if c is not None and not self.g.has_label(iri):
            return f"Claim: {self.g.label(c.property)} of {self.g.label(c.subject)}"
        return self.g.label(iri)

    def alternates(self, page: Page, iri: str) -> list[dict[str, str]]:
        base = entity_path(iri)
        return [{"type": mime, "href": page.href(f"{base}.{ext}")} for ext, mime in RDF_EXTENSIONS.items()]

    def crumbs(self, page: Page, kind: str, parents: list[str] | None = None) -> list[Markup]:
        out = [Markup(f'<a href="{escape(page.href("index.html"))}">Home</a>')]
        if kind in INDEX_FILES:
            out.append(Markup(f'<a href="{escape(page.href(INDEX_FILES[kind]))}">{KIND_LABELS[kind][1]}</a>'))
        for p in parents or []:
            out.append(page.link(p))
        return out

    def statements(self, page: Page, iri: str, skip: frozenset[str] | set[str] = frozenset()
                   ) -> list[tuple[Markup, Markup]]:
        """Every property of a resource with its values and their citations (the complete record)."""
        rows = []
        for p in sorted(self.g.out.get(iri, {})):
            if p in skip:
                continue
            rows.append((page.prop(p), page.facts(iri, p)))
        return rows

    def claims_table(self, page: Page, claims: list[Claim], with_subject: bool = False) -> Table:
        head = (["Subject"] if with_subject else []) + ["Property", "Value", "Stated or inferred", "Claim"]
        t = Table(head, cls="claims", row_headers=False)
        for c in sorted(claims, key=lambda c: (c.subject, c.property, term_key(c.value), c.iri)):
            how = page.cite_claims([c], disputes=True) if c.inferred else Markup("stated")
            if not c.inferred and c.discrepancies:
                how = Markup("stated ") + page.cite_claims([c])
            cells = ([page.link(c.subject)] if with_subject else []) + [
                page.prop(c.property), page.term(c.value), how, page.link(c.iri, "claim")]
            t.add(*cells)
        return t

    def part_of(self, iri: str) -> list[str]:
        """The edition (and node) a sub-resource belongs to, for breadcrumbs."""
        g = self.g
        for p in (V.VISIT_OF, V.WORKSHOP_OF, V.EVENT_OF, V.ROLE_IN, V.LIST_OF, V.PLAN_OF, V.FIGURE_OF,
                  V.ABOUT_EDITION):
            up = g.iris(iri, p)
            if up:
                return [up[0]]
        if V.C_CLAIM in g.types.get(iri, ()):
            subj = g.iris(iri, V.CLAIM_SUBJECT)
            if subj:
                return [*self.part_of(subj[0]), subj[0]]
        return []

    # --- edition -------------------------------------------------------------------------------------------

    def edition(self, page: Page, e: str) -> dict[str, Any]:
        g = self.g
        anchors = {}
        for d in g.iris(e, V.HAS_DISCREPANCY):
            anchors[d] = "disc-" + d.rsplit("/", 1)[-1]
        for v in g.iris(e, V.HAS_VISIT):
            anchors.setdefault(v, "visit-" + v.rsplit("/", 1)[-1])
        page.local_anchors.update(anchors)

        def dates() -> Markup:
            start, end = page.facts(e, V.START), page.facts(e, V.END)
            if start and end:
                return Markup(f"{start} to {end}")
            if start:
                return Markup(f"from {start}; end not stated")
            if end:
                return Markup(f'<span class="none">start not stated</span>; ended {end}')
            return Markup("")

        batch = page.facts(e, V.BATCH_ORDINAL)
        if g.values(e, V.BATCH_LABEL):
            batch = join([batch, Markup(f"written “{page.facts(e, V.BATCH_LABEL)}”")], "; ") if batch else \
                page.facts(e, V.BATCH_LABEL)
        named = sorted(g.iris(e, V.PARTICIPATING))
        lists = g.lists_of_edition.get(e, [])
        named_text = Markup("")
        if named:
            partial = any(cl.partial for cl in lists)
            named_text = Markup(f'{len(named)} <a href="#countries">(see the list)</a>')
            if partial:
                named_text += Markup(' <span class="badge partial">partial: some sources name only examples</span>')
        facts = [
            ("Programme", page.facts(e, V.PART_OF_PROGRAMME)),
            ("Year", page.facts(e, V.YEAR)),
            ("Batch", batch),
            ("Year Indonesia hosts", page.facts(e, V.HOSTING_YEAR)),
            ("Dates", dates()),
            ("Duration", page.facts(e, V.DURATION)),
            ("Held in", page.facts(e, V.HELD_IN)),
            ("Venue", page.facts(e, V.VENUE)),
            ("Mode", page.facts(e, V.MODE)),
            ("Host country", page.facts(e, V.HOST_COUNTRY)),
            ("Title", page.facts(e, V.NAME)),
            ("Theme", page.facts(e, V.THEME)),
            ("Participants (stated)", page.facts(e, V.PARTICIPANTS)),
            ("Countries (stated)", page.facts(e, V.COUNTRIES)),
            ("Countries named", named_text),
            ("Participants\u2019 backgrounds", page.facts(e, V.BACKGROUND)),
            ("Follows up", page.facts(e, V.FOLLOWS_UP)),
        ]
        optional = {"Batch", "Year Indonesia hosts", "Venue", "Follows up", "Title", "Theme"}
        facts = [(k, v) for k, v in facts if v or k not in optional]
        for _, text, planned in g.status.get(e, []):
            facts.append(("Status", Markup(f'<span class="badge {"planned" if planned else "status"}">'
                                           f'{escape(text)}</span>')))

        # countries: one column per source's list
        t = Table(["Country", *[self._list_head(page, cl) for cl in lists]], cls="countries")
        if not lists:
            t.head = ["Country"]
        every = some = 0
        for c in sorted(set(named) | {c for cl in lists for c in cl.countries}, key=g.label):
            cells = [Markup(f"{page.link(c)}{page.cite(e, V.PARTICIPATING, NamedNode(c))}")]
            n = 0
            for cl in lists:
                if c in cl.countries:
                    n += 1
                    cells.append(Markup('<span class="yes" title="named">●</span>'
                                        + str(page.cite(cl.iri, V.LISTED, NamedNode(c)))))
                else:
                    cells.append(Markup('<span class="no" title="not named">&ndash;</span>'))
            every += n == len(lists)
            some += 0 < n < len(lists)
            t.add(*cells)
        t.empty = "No source names the countries of this edition."

        roles = self._roles_table(page, e)
        visits = self._visits_table(page, e)
        workshops = self._workshops_table(page, e)
        events = self._events_table(page, e)
        topics = [Markup(f"{page.link(c.value)}{page.cite(e, V.TOPIC, c)}") for c in g.values(e, V.TOPIC)]
        figures = self._figures_table(page, e)
        plans = [self._plan(page, p) for p in g.iris(e, V.NEXT_PLAN)]
        notes = [page.fact(e, V.NOTE, n) for n in g.values(e, V.NOTE)]
        discrepancies = [self._discrepancy(page, d, anchors.get(d)) for d in g.iris(e, V.HAS_DISCREPANCY)]
        programme = g.edition_programme.get(e)
        siblings = [x for x in g.editions if g.edition_programme.get(x) == programme]
        i = siblings.index(e) if e in siblings else -1
        prev_e = siblings[i - 1] if i > 0 else None
        next_e = siblings[i + 1] if 0 <= i < len(siblings) - 1 else None
        skip = {V.TYPE}
        return {
            "facts": facts,
            "countries": t,
            "lists_summary": self._lists_summary(lists, len(named), every, some),
            "roles": roles,
            "visits": visits,
            "workshops": workshops,
            "events": events,
            "topics": topics,
            "figures": figures,
            "plans": plans,
            "notes_list": notes,
            "discrepancies": discrepancies,
            "prev": page.link(prev_e) if prev_e else None,
            "next": page.link(next_e) if next_e else None,
            "all_statements": self.statements(page, e, skip),
        }

    def _list_head(self, page: Page, cl: Any) -> Markup:
        src = cl.source
        name = page.link(src, self.g.sources[src].label if src in self.g.sources else None) if src else Markup("?")
        tag = ('<span class="badge partial">partial</span>' if cl.partial
               else '<span class="badge complete">complete</span>' if cl.completeness else "")
        mark = marker_text(cl.marker)
        cite = page.cite(cl.iri, V.LIST_COMPLETENESS, NamedNode(cl.completeness)) if cl.completeness else ""
        return Markup(f'{name}<br>{tag}{cite}{" " + mark if mark else ""}')

    @staticmethod
    def _lists_summary(lists: list[Any], named: int, every: int, some: int) -> str:
        if not lists:
            return ""
        n = len(lists)
        partial = sum(1 for cl in lists if cl.partial)
        text = (f"{n} source{'s' if n != 1 else ''} name{'' if n != 1 else 's'} the countries: "
                f"{named} countr{'ies' if named != 1 else 'y'} in all")
        if n > 1:
            text += f", {every} named by every source, {some} by some only"
        text += "."
        if partial:
            text += (f" {partial} of the lists {'is' if partial == 1 else 'are'} partial: the source names only "
                     f"examples, so a country missing from it is not named, not absent.")
        return text

    def _roles_table(self, page: Page, e: str) -> Table:
        g = self.g
        t = Table(["Role", "Who", "Post held then", "From", "What they said or did"], cls="roles")
        rows = []
        for r in g.iris(e, V.QUALIFIED):
            concept = g.iris(r, V.HAD_ROLE)
            role_name = concept[0].rsplit("/", 1)[-1] if concept else ""
            order = V.ROLE_ORDER.index(role_name) if role_name in V.ROLE_ORDER else len(V.ROLE_ORDER)
            rows.append((order, role_name, g.label(g.iris(r, V.AGENT)[0]) if g.iris(r, V.AGENT) else "", r))
        for _, _, _, r in sorted(rows):
            role = join([Markup(f"{page.link(c)}{page.cite(r, V.HAD_ROLE, NamedNode(c))}")
                         for c in g.iris(r, V.HAD_ROLE)])
            who = join([Markup(f"{page.link(a)}{page.cite(r, V.AGENT, NamedNode(a))}") for a in g.iris(r, V.AGENT)])
            posts = join([Markup(f"{self.post_text(page, m)}{page.cite(r, V.IN_CAPACITY, NamedNode(m))}")
                          for m in g.iris(r, V.IN_CAPACITY)], "; ")
            status = "".join(f' <span class="badge {"planned" if pl else "status"}">{escape(tx)}</span>'
                             for _, tx, pl in g.status.get(r, []))
            t.add(role, Markup(f"{who}{status}"), posts, page.facts(r, V.FROM_COUNTRY), page.facts(r, V.REMARK, "; "))
        t.empty = "The sources name no one."
        return t

    def post_text(self, page: Page, m: str) -> Markup:
        """`acting Director General, Directorate General of ...` for an org:Membership."""
        g = self.g
        post = join([page.link(p) for p in g.iris(m, V.POST)])
        org = join([page.link(o) for o in g.iris(m, V.ORGANIZATION)])
        acting = any(v.value in ("true", "1") for v in g.values(m, V.ACTING))
        return Markup(f"{'acting ' if acting else ''}{post}{', ' if post and org else ''}{org}")

    def _visits_table(self, page: Page, e: str) -> Table:
        g = self.g
        t = Table(["What was visited", "Where", "What the participants did", "Topics"], cls="visits")
        for v in g.iris(e, V.HAS_VISIT):
            what = [Markup(f"{page.link(o)}{page.cite(v, V.VISITED, NamedNode(o))}") for o in g.iris(v, V.VISITED)]
            cell = join(what)
            for d in g.values(v, V.VISITED_DESCRIPTION):
                cell = join([cell, page.fact(v, V.VISITED_DESCRIPTION, d)], "; ")
            completeness = g.iris(v, V.INST_COMPLETENESS)
            if completeness and completeness[0] == V.PARTIAL:
                marker = g.value(v, V.INST_MARKER)
                cell += Markup(f' <span class="badge partial">partial list</span>'
                               f'{page.cite(v, V.INST_COMPLETENESS, NamedNode(completeness[0]))}'
                               f'{" " + marker_text(marker.value) if marker else ""}')
            for _, text, planned in g.status.get(v, []):
                cell += Markup(f' <span class="badge {"planned" if planned else "status"}">{escape(text)}</span>')
            cell += Markup(f' <a class="more" href="{escape(page.href(page_path(v) or ""))}" '
                           f'aria-label="the visit on its own page">↗</a>')
            acts = Markup("").join(Markup(f"<p>{page.fact(v, V.ACTIVITY, a)}</p>") for a in g.values(v, V.ACTIVITY))
            t.add(cell, page.facts(v, V.HELD_IN), acts, page.facts(v, V.VISIT_TOPIC),
                  id="visit-" + v.rsplit("/", 1)[-1])
        t.empty = "The sources name no study visit."
        return t

    def _workshops_table(self, page: Page, e: str) -> Table:
        g = self.g
        t = Table(["Workshop", "Hosted by", "Topics"], cls="workshops")
        for w in g.iris(e, V.HAS_WORKSHOP):
            name = Markup(f"{page.link(w)}") + Markup("").join(page.cite(w, V.NAME, n) for n in g.values(w, V.NAME))
            for _, text, planned in g.status.get(w, []):
                name += Markup(f' <span class="badge {"planned" if planned else "status"}">{escape(text)}</span>')
            t.add(name, page.facts(w, V.HOSTED_BY), page.facts(w, V.WORKSHOP_TOPIC))
        return t

    def _events_table(self, page: Page, e: str) -> Table:
        """The edition's ceremonies and other events: what, when, where, who opened it, and a status."""
        g = self.g
        t = Table(["Event", "Kind", "Date", "Where", "Opened by", "Notes"], cls="events")
        dated = sorted(g.iris(e, V.HAS_EVENT), key=lambda v: ([x.value for x in g.values(v, V.START)], v))
        for v in dated:
            name = page.link(v)
            for _, text, planned in g.status.get(v, []):
                name += Markup(f' <span class="badge {"planned" if planned else "status"}">{escape(text)}</span>')
            notes = Markup("").join(Markup(f"<p>{page.fact(v, V.NOTE, n)}</p>") for n in g.values(v, V.NOTE))
            t.add(name, page.facts(v, V.EVENT_KIND), page.facts(v, V.START), page.facts(v, V.HELD_IN),
                  page.facts(v, V.OPENED_BY), notes)
        return t

    def _figures_table(self, page: Page, e: str) -> Table:
        g = self.g
        t = Table(["Figure", "Value", "Unit", "Whose data", "Given by"], cls="figures")
        for f in g.iris(e, V.FIGURE):
            t.add(page.link(f), page.facts(f, V.VALUE), page.facts(f, V.UNIT_TEXT), page.facts(f, V.ATTRIBUTED_TO),
                  page.facts(f, V.STATED_BY))
        return t

    def _plan(self, page: Page, p: str) -> dict[str, Any]:
        g = self.g
        rows = [("Year", page.facts(p, V.PLANNED_YEAR)), ("Mode", page.facts(p, V.MODE)),
                ("Place", page.facts(p, V.PLANNED_PLACE))]
        known = {V.PLANNED_YEAR, V.MODE, V.PLANNED_PLACE, V.PLAN_OF, V.TYPE, V.LABEL}
        for prop in sorted(g.out.get(p, {})):
            if prop not in known:
                rows.append((page.prop(prop), page.facts(p, prop)))
        return {"iri": p, "link": page.link(p, "the plan on its own page"), "rows": rows,
                "status": [tx for _, tx, _ in g.status.get(p, [])]}

    def _discrepancy(self, page: Page, d: str, anchor: str | None) -> dict[str, Any]:
        g = self.g
        disc = g.discrepancies.get(d)
        kind = g.label(disc.kind) if disc and disc.kind else "discrepancy"
        t = Table(["Fact", *[f"Claim {i + 1}" for i in range(len(disc.claims) if disc else 0)]], cls="side-by-side")
        if disc:
            claims = [g.claims[c] for c in disc.claims if c in g.claims]
            t.head = ["", *[f"Claim {i + 1}" for i in range(len(claims))]]
            t.add("Of", *[page.link(c.subject) for c in claims])
            t.add("Property", *[page.prop(c.property) for c in claims])
            t.add("Value", *[Markup(f'<strong>{page.term(c.value)}</strong>') for c in claims])
            t.add("Sources", *[page.cite_claims([c], disputes=False) or Markup('<span class="none">none</span>')
                               for c in claims])
            t.add("", *[page.link(c.iri, "claim") for c in claims])
        return {"iri": d, "anchor": anchor, "kind": kind, "comment": disc.comment if disc else None,
                "table": t, "link": page.link(d, "on its own page")}

    # --- country --------------------------------------------------------------------------------------------

    def country(self, page: Page, c: str) -> dict[str, Any]:
        g = self.g
        memberships = []
        for m in g.memberships.get(c, []):
            text = Markup(f"Member state of {page.link(m.organisation)}")
            text += page.cite(c, V.MEMBER_STATE_OF, NamedNode(m.organisation))
            if m.record is not None and m.joined:
                text += Markup(f", since {page.facts(m.record, V.JOINED_IN, ' or ', m.joined)}")
            else:
                text += Markup(' <span class="none">(since when: not recorded in the graph)</span>')
            if m.record is not None and m.left:
                text += Markup(f"; left in {page.facts(m.record, V.LEFT_IN, ' or ', m.left)}")
            if m.record is not None:
                text += Markup(f" ({page.link(m.record, 'the membership record')})")
            memberships.append(text)
        facts = [
            ("ISO 3166-1 codes", join([page.facts(c, V.ISO2), page.facts(c, V.ISO3)], " / ")),
            ("Colombo Plan", join(memberships, "; ") if memberships else
             Markup('<span class="none">not recorded as a member state</span>')),
            ("Wikidata", page.facts(c, V.SAME_AS)),
        ]
        # every edition: named by every list, some, or none
        t = Table(["Year", "Edition", "Named by the sources", "Role"], cls="country-editions")
        named_in = set(g.subjects_with(V.PARTICIPATING, c))
        hosted = set(g.subjects_with(V.HOST_COUNTRY, c))
        for e in g.editions:
            lists = g.lists_of_edition.get(e, [])
            n = sum(1 for cl in lists if c in cl.countries)
            if n and n == len(lists):
                state = Markup('<span class="state every">● named by every source</span>')
            elif n:
                state = Markup(f'<span class="state some">◐ named by {n} of {len(lists)} sources</span>')
            else:
                partial = any(cl.partial for cl in lists)
                state = Markup('<span class="state none">not named</span>' +
                               (' <span class="hint">(the lists are partial)</span>' if partial else "")
                               + ("" if lists else ' <span class="hint">(no source lists the countries)</span>'))
            cites = page.cite(e, V.PARTICIPATING, NamedNode(c)) if e in named_in else Markup("")
            role = "host" if e in hosted else ""
            if e in named_in or e in hosted or lists:
                t.add(self.year(e), page.link(e), Markup(f"{state}{cites}"),
                      Markup(f"{role}{page.cite(e, V.HOST_COUNTRY, NamedNode(c))}") if role else "")
        # people from the country, as persons or in a role
        people: dict[str, list[Markup]] = defaultdict(list)
        for p in g.subjects_with(V.FROM_COUNTRY, c):
            if V.C_PERSON in g.types.get(p, ()):
                people[p]
            elif p in self.kind and g.iris(p, V.AGENT):
                role_names = join([page.link(r) for r in g.iris(p, V.HAD_ROLE)])
                editions = join([page.link(e) for e in g.iris(p, V.ROLE_IN)])
                for a in g.iris(p, V.AGENT):
                    people[a].append(Markup(f"{role_names} in {editions}"
                                            f"{page.cite(p, V.FROM_COUNTRY, NamedNode(c))}"))
        pt = Table(["Person", "Roles in editions"], cls="people")
        for p in sorted(people, key=g.label):
            held = people[p] or [Markup(f"{join([page.link(c) for c in g.iris(r, V.HAD_ROLE)])} in "
                                        f"{join([page.link(e) for e in g.iris(r, V.ROLE_IN)])}")
                                 for r in g.subjects_with(V.AGENT, p)]
            pt.add(Markup(f"{page.link(p)}{page.cite(p, V.FROM_COUNTRY, NamedNode(c))}"), join(held, "; "))
        pt.empty = "The sources name no one from this country."
        orgs = sorted(set(g.subjects_with(V.IN_COUNTRY, c)) | set(g.subjects_with(V.BASED_IN, c)), key=g.label)
        firms = [o for o in orgs if V.C_ENTERPRISE in g.types.get(o, ())]
        others = [o for o in orgs if o not in firms and self.kind.get(o) == "organisation"]
        return {"facts": facts, "editions": t, "people": pt,
                "firms": self.org_table(page, firms, "No firm from this country is named."),
                "organisations": self.org_table(page, others, None)}

    def org_table(self, page: Page, orgs: list[str], empty: str | None) -> Table:
        g = self.g
        t = Table(["Name", "Indonesian name", "Kind", "Part of", "Years in the programme"], cls="orgs")
        for o in orgs:
            kinds = [page.link(k) for k in sorted(g.types.get(o, ())) if not g.is_entailed(o, V.TYPE, NamedNode(k))]
            parent = self.g.iris(o, V.UNIT_OF)
            years = self.org_years(o)
            t.add(page.link(o), Markup(f'<span lang="id">{escape(g.label_id(o) or "")}</span>'), join(kinds),
                  join([page.link(p) for p in parent]), ", ".join(years))
        t.empty = empty
        return t

    def org_years(self, o: str) -> list[str]:
        """Years in which the organisation was visited, hosted a workshop or had a role."""
        g = self.g
        eds = set()
        for v in g.subjects_with(V.VISITED, o):
            eds.update(g.iris(v, V.VISIT_OF))
        for w in g.subjects_with(V.HOSTED_BY, o):
            eds.update(g.iris(w, V.WORKSHOP_OF))
        for r in g.subjects_with(V.AGENT, o):
            eds.update(g.iris(r, V.ROLE_IN))
        return sorted({self.year(e) for e in eds if self.year(e)})

    # --- organisation ---------------------------------------------------------------------------------------

    def organisation(self, page: Page, o: str) -> dict[str, Any]:
        g = self.g
        chain = g.ancestors(o)
        part_of = Markup("")
        if chain:
            steps, at = [], o
            for p in chain:
                steps.append(Markup(f"{page.link(p)}{page.cite(at, V.UNIT_OF, NamedNode(p))}"))
                at = p
            part_of = join(steps, f" {RSAQUO} ")
        renamed = []
        for ch in g.iris(o, V.CHANGED_BY):
            for r in g.iris(ch, V.RESULTING_ORG):
                renamed.append(Markup(f"renamed to {page.link(r)} ({page.link(ch, 'the change')})"))
        for ch in g.iris(o, V.RESULTED_FROM) or g.subjects_with(V.RESULTING_ORG, o):
            for r in g.iris(ch, V.ORIGINAL_ORG):
                renamed.append(Markup(f"renamed from {page.link(r)} ({page.link(ch, 'the change')})"))
        facts = [
            ("Acronym", page.facts(o, V.ACRONYM)),
            ("Part of", part_of),
            ("Based in", page.facts(o, V.BASED_IN)),
            ("Country", page.facts(o, V.IN_COUNTRY)),
            ("Renamed", join(renamed, "; ")),
            ("Website", page.facts(o, V.URL)),
            ("Wikidata", page.facts(o, V.SAME_AS)),
        ]
        facts = [(k, v) for k, v in facts if v]
        units = g.subjects_with(V.UNIT_OF, o)
        # what happened here and at the units, edition by edition
        family = [o, *g.descendants(o)]
        vt = Table(["Year", "Edition", "Visited", "What the participants did"], cls="visits")
        rows = []
        for org in family:
            for v in g.subjects_with(V.VISITED, org):
                for e in g.iris(v, V.VISIT_OF):
                    rows.append((self.edition_index.get(e, 0), e, org, v))
        for _, e, org, v in sorted(rows):
            acts = join([page.fact(v, V.ACTIVITY, a) for a in g.values(v, V.ACTIVITY)], "; ")
            who = page.link(org) if org != o else Markup("this organisation")
            planned = "".join(f' <span class="badge {"planned" if pl else "status"}">{escape(tx)}</span>'
                              for _, tx, pl in g.status.get(v, []))
            vt.add(self.year(e), page.link(e), Markup(f"{who}{page.cite(v, V.VISITED, NamedNode(org))}{planned} "
                                                       f"({page.link(v, 'the visit')})"), acts)
        vt.empty = "No visit to it or its units is recorded."
        rt = Table(["Year", "Edition", "Role", "Through"], cls="roles")
        for org in family:
            for r in g.subjects_with(V.AGENT, org):
                for e in g.iris(r, V.ROLE_IN):
                    rt.add(self.year(e), page.link(e),
                           join([Markup(f"{page.link(c)}{page.cite(r, V.HAD_ROLE, NamedNode(c))}")
                                 for c in g.iris(r, V.HAD_ROLE)]),
                           page.link(org) if org != o else "")
        rt.rows.sort(key=lambda r: (str(r["cells"][0]), str(r["cells"][1]), str(r["cells"][2])))
        wt = Table(["Year", "Workshop", "Hosted by"], cls="workshops")
        for org in family:
            for w in g.subjects_with(V.HOSTED_BY, org):
                ed = g.iris(w, V.WORKSHOP_OF)
                wt.add(self.year(ed[0]) if ed else "", page.link(w), page.fact(w, V.HOSTED_BY, NamedNode(org)))
        wt.rows.sort(key=lambda r: (str(r["cells"][0]), str(r["cells"][1])))
        posts = Table(["Person", "Post", "Attested at"], cls="posts")
        for m in g.subjects_with(V.ORGANIZATION, o):
            posts.add(join([page.link(p) for p in g.iris(m, V.MEMBER)]), self.post_text(page, m),
                      join([page.link(e) for e in g.iris(m, V.ATTESTED_AT)]))
        extra = []
        published = g.subjects_with(V.PUBLISHER, o)
        if published:
            extra.append(("Sources it published", [page.link(s) for s in published]))
        members = g.subjects_with(V.MEMBER_STATE_OF, o)
        if members:
            extra.append(("Member states", [page.link(c) for c in sorted(members, key=g.label)]))
        progs = g.subjects_with(V.ORGANIZER, o) + g.subjects_with(V.FOR_MEMBERS_OF, o)
        if progs:
            extra.append(("Programmes and meetings", [page.link(p) for p in sorted(set(progs))]))
        figs = g.subjects_with(V.ATTRIBUTED_TO, o)
        if figs:
            extra.append(("Figures attributed to it", [page.link(f) for f in figs]))
        return {"facts": facts, "units": [page.link(u) for u in sorted(units, key=g.label)], "visits": vt,
                "roles": rt, "workshops": wt, "posts": posts, "extra": extra,
                "family_note": bool(g.descendants(o))}

    # --- person ---------------------------------------------------------------------------------------------

    def person(self, page: Page, p: str) -> dict[str, Any]:
        g = self.g
        facts = [("Name", page.facts(p, V.NAME)), ("From", page.facts(p, V.FROM_COUNTRY))]
        t = Table(["Year", "Edition", "Role", "Post held then", "What they said or did"], cls="roles")
        rows = []
        for r in g.subjects_with(V.AGENT, p):
            for e in g.iris(r, V.ROLE_IN):
                rows.append((self.edition_index.get(e, 0), e, r))
        for _, e, r in sorted(rows):
            status = "".join(f' <span class="badge {"planned" if pl else "status"}">{escape(tx)}</span>'
                             for _, tx, pl in g.status.get(r, []))
            t.add(self.year(e), page.link(e),
                  Markup(join([Markup(f"{page.link(c)}{page.cite(r, V.HAD_ROLE, NamedNode(c))}")
                               for c in g.iris(r, V.HAD_ROLE)]) + Markup(status)),
                  join([Markup(f"{self.post_text(page, m)}{page.cite(r, V.IN_CAPACITY, NamedNode(m))}")
                        for m in g.iris(r, V.IN_CAPACITY)], "; "),
                  page.facts(r, V.REMARK, "; "))
        posts = Table(["Post", "Attested at"], cls="posts")
        for m in sorted(set(g.subjects_with(V.MEMBER, p))):
            posts.add(Markup(f"{self.post_text(page, m)} ({page.link(m, 'record')})"),
                      join([Markup(f"{page.link(e)}{page.cite(m, V.ATTESTED_AT, NamedNode(e))}")
                            for e in g.iris(m, V.ATTESTED_AT)]))
        figs = [page.link(f) for f in g.subjects_with(V.STATED_BY, p)]
        return {"facts": facts, "roles": t, "posts": posts, "figures": figs}

    # --- place ----------------------------------------------------------------------------------------------

    def place(self, page: Page, pl: str) -> dict[str, Any]:
        g = self.g
        chain, at = [], pl
        while True:
            up = g.iris(at, V.CONTAINED_IN)
            if not up or up[0] in chain:
                break
            chain.append(up[0])
            at = up[0]
        facts = [("Within", join([page.link(c) for c in chain], f" {RSAQUO} ")),
                 ("Wikidata", page.facts(pl, V.SAME_AS))]
        facts = [(k, v) for k, v in facts if v]
        eds = Table(["Year", "Edition", "How"], cls="editions")
        for e in self.sort_editions(set(g.subjects_with(V.HELD_IN, pl)) & set(self.by_kind["edition"])):
            eds.add(self.year(e), page.link(e), Markup(f"held here{page.cite(e, V.HELD_IN, NamedNode(pl))}"))
        for e in self.sort_editions(g.subjects_with(V.VENUE, pl)):
            eds.add(self.year(e), page.link(e), Markup(f"venue{page.cite(e, V.VENUE, NamedNode(pl))}"))
        visits = Table(["Year", "Visit"], cls="visits")
        for v in g.subjects_with(V.HELD_IN, pl):
            if V.C_VISIT in g.types.get(v, ()):
                ed = g.iris(v, V.VISIT_OF)
                visits.add(self.year(ed[0]) if ed else "",
                           Markup(f"{page.link(v)}{page.cite(v, V.HELD_IN, NamedNode(pl))}"))
        visits.rows.sort(key=lambda r: (r["cells"][0], str(r["cells"][1])))
        plans = Table(["Stated at", "Plan", "Planned year"], cls="plans")
        for p in g.subjects_with(V.PLANNED_PLACE, pl):
            ed = g.iris(p, V.PLAN_OF)
            plans.add(join([page.link(e) for e in ed]),
                      Markup(f'{page.link(p)} <span class="badge planned">planned</span>'
                             f'{page.cite(p, V.PLANNED_PLACE, NamedNode(pl))}'), page.facts(p, V.PLANNED_YEAR))
        orgs = sorted(g.subjects_with(V.BASED_IN, pl), key=g.label)
        within = sorted(g.subjects_with(V.CONTAINED_IN, pl), key=g.label)
        return {"facts": facts, "editions": eds, "visits": visits, "plans": plans,
                "organisations": self.org_table(page, [o for o in orgs if self.kind.get(o) == "organisation"], None),
                "within": [page.link(w) for w in within]}

    # --- concept --------------------------------------------------------------------------------------------

    def concept(self, page: Page, c: str) -> dict[str, Any]:
        g = self.g
        facts = [
            ("Definition", page.facts(c, V.DEFINITION)),
            ("Scheme", page.facts(c, V.IN_SCHEME)),
            ("Broader", page.facts(c, V.BROADER)),
            ("Narrower", join([page.link(n) for n in sorted(g.subjects_with(V.BROADER, c), key=g.label)])),
        ]
        facts = [(k, v) for k, v in facts if v]
        usage = self.backlinks(page, c)
        years = sorted({self.year(e) for e in g.subjects_with(V.TOPIC, c)} |
                       {self.year(e) for v in g.subjects_with(V.VISIT_TOPIC, c) for e in g.iris(v, V.VISIT_OF)} |
                       {self.year(e) for w in g.subjects_with(V.WORKSHOP_TOPIC, c) for e in g.iris(w, V.WORKSHOP_OF)})
        return {"facts": facts, "usage": usage, "years": [y for y in years if y]}

    def backlinks(self, page: Page, iri: str, limit: int = 200) -> list[dict[str, Any]]:
        """What links to a resource, grouped by property; claims and discrepancies are left out (they are
        the footnotes), and so is the resource's own edition structure."""
        g = self.g
        groups: dict[str, list[str]] = defaultdict(list)
        claims = 0
        for s, p in g.incoming.get(iri, []):
            types = g.types.get(s, ())
            if V.C_CLAIM in types or V.C_DISCREPANCY in types:
                claims += 1
                continue
            if s in self.kind and g.label(s):
                groups[p].append(s)
        out = []
        for p in sorted(groups, key=lambda p: (g.label(p), p)):
            subjects = sorted(set(groups[p]), key=lambda s: (g.label(s), s))
            out.append({"property": page.prop(p), "count": len(subjects),
                        "links": [Markup(f"{page.link(s)}{page.cite(s, p, NamedNode(iri))}") for s in subjects[:limit]],
                        "more": max(0, len(subjects) - limit)})
        return out

    # --- source ---------------------------------------------------------------------------------------------

    def source(self, page: Page, s: str) -> dict[str, Any]:
        g = self.g
        src = g.sources.get(s)
        facts = [
            ("Outlet", page.facts(s, V.PUBLISHER)),
            ("Headline", page.facts(s, V.TITLE)),
            ("Published", page.facts(s, V.DATE_PUBLISHED) or Markup('<span class="none">not known</span>')),
            ("About the date", page.facts(s, KSST + "datePublishedNote")),
            ("Address", Markup(f'<a class="ext" href="{escape(src.url)}" rel="external">{escape(src.url)}</a>')
             if src and src.url else ""),
            ("Language", LANGUAGES.get(src.language, src.language) if src and src.language else ""),
            ("File", page.facts(s, KSST + "fileName")),
        ]
        facts = [(k, v) for k, v in facts if v]
        claims = g.claims_by_source.get(s, [])
        by_edition: dict[str | None, list[Claim]] = defaultdict(list)
        for c in claims:
            by_edition[c.edition].append(c)
        groups = []
        for e in self.sort_editions([x for x in by_edition if x]) + ([None] if None in by_edition else []):
            cs = by_edition[e]
            groups.append({"edition": page.link(e) if e else Markup("Reference data"), "count": len(cs),
                           "inferred": sum(1 for c in cs if c.inferred),
                           "table": self.claims_table(page, cs, with_subject=True)})
        lists = [cl for cl in g.country_lists.values() if cl.source == s]
        lt = Table(["Edition", "Countries named", "List"], cls="lists")
        for cl in sorted(lists, key=lambda cl: (self.edition_index.get(cl.edition, 0), cl.iri)):
            tag = "partial" if cl.partial else "complete" if cl.completeness else ""
            lt.add(page.link(cl.edition), join([page.link(c) for c in sorted(cl.countries, key=g.label)]),
                   Markup(f'<span class="badge {tag}">{tag}</span> {marker_text(cl.marker)}') if tag else "")
        disc = sorted({d for c in claims for d in c.discrepancies})
        return {"facts": facts, "groups": groups, "lists": lt, "discrepancies": [page.link(d) for d in disc],
                "count": len(claims)}

    # --- programme ------------------------------------------------------------------------------------------

    def programme(self, page: Page, p: str) -> dict[str, Any]:
        g = self.g
        fw = g.iris(p, V.UNDER_FRAMEWORK)
        facts = [
            ("Name", page.facts(p, V.NAME)),
            ("Framework", join([self._framework(page, p, f) for f in fw])),
            ("Organised by", page.facts(p, V.ORGANIZER)),
            ("For the member states of", page.facts(p, V.FOR_MEMBERS_OF)),
        ]
        facts = [(k, v) for k, v in facts if v]
        editions = [e for e in g.editions if g.edition_programme.get(e) == p]
        return {"facts": facts, "editions": self.editions_table(page, editions)}

    def _framework(self, page: Page, p: str, f: str) -> Markup:
        g = self.g
        text = Markup(f"{page.link(f)}{page.cite(p, V.UNDER_FRAMEWORK, NamedNode(f))}")
        if g.values(f, V.ACRONYM):
            text += Markup(f" ({page.facts(f, V.ACRONYM)})")
        if g.values(f, V.COMMITTED_SINCE):
            text += Markup(f", Indonesia committed since {page.facts(f, V.COMMITTED_SINCE)}")
        return text

    def editions_table(self, page: Page, editions: list[str]) -> Table:
        g = self.g
        t = Table(["Year", "Edition", "Dates", "Held in", "Mode", "Participants (stated)", "Countries (stated)",
                   "Countries named"], cls="editions")
        for e in editions:
            start, end = g.values(e, V.START), g.values(e, V.END)
            dates = join([page.term(v) for v in start]) + (Markup(f" {NDASH} ") if start and end else Markup("")) + \
                join([page.term(v) for v in end])
            lists = g.lists_of_edition.get(e, [])
            named = len(g.iris(e, V.PARTICIPATING))
            named_cell = Markup(str(named)) + (Markup(' <span class="badge partial">partial</span>')
                                               if any(cl.partial for cl in lists) else Markup(""))
            t.add(page.facts(e, V.YEAR, " / "), page.link(e), dates, page.facts(e, V.HELD_IN), page.facts(e, V.MODE),
                  page.facts(e, V.PARTICIPANTS, " / "), page.facts(e, V.COUNTRIES, " / "), named_cell)
        return t

    # --- any other resource ---------------------------------------------------------------------------------

    def resource(self, page: Page, iri: str) -> dict[str, Any]:
        g = self.g
        ctx: dict[str, Any] = {"claim": None, "discrepancy": None}
        if iri in g.claims:
            c = g.claims[iri]
            srcs = []
            for s in c.sources:
                src = g.sources.get(s)
                srcs.append(page.link(s, src.label if src else None))
            ctx["claim"] = {
                "subject": page.link(c.subject), "property": page.prop(c.property), "value": page.term(c.value),
                "sources": srcs, "inferred": c.inferred, "reasoning": c.reasoning, "passage": c.passage,
                "edition": page.link(c.edition) if c.edition else None,
                "discrepancies": [page.link(d) for d in c.discrepancies],
            }
        if iri in g.discrepancies:
            ctx["discrepancy"] = self._discrepancy(page, iri, None)
        skip = {V.TYPE} if ctx["claim"] else set()
        ctx["statement_rows"] = self.statements(page, iri, skip)
        own = g.claims_by_subject.get(iri, [])
        ctx["claims"] = self.claims_table(page, own) if own else None
        ctx["backlinks"] = self.backlinks(page, iri)
        return ctx

    # --- indexes -------------------------------------------------------------------------------------------

    def index(self, page: Page, kind: str) -> dict[str, Any]:
        g = self.g
        items = sorted(self.by_kind.get(kind, []), key=lambda i: (g.label(i).casefold(), i))
        if kind == "edition":
            return {"tables": [self.editions_table(page, [e for e in g.editions if e in self.kind])]}
        if kind == "country":
            t = Table(["Country", "Indonesian name", "ISO", "Editions naming it", "Colombo Plan member"],
                      cls="countries")
            for c in items:
                eds = self.sort_editions(g.subjects_with(V.PARTICIPATING, c))
                member = ", ".join(g.label(m.organisation) for m in g.memberships.get(c, []))
                t.add(page.link(c), Markup(f'<span lang="id">{escape(g.label_id(c) or "")}</span>'),
                      page.facts(c, V.ISO3), join([page.link(e, self.year(e)) for e in eds]), member)
            return {"tables": [t]}
        if kind == "organisation":
            return {"tables": [self.org_table(page, items, None)]}
        if kind == "person":
            t = Table(["Person", "From", "Editions", "Roles"], cls="people")
            for p in items:
                roles = g.subjects_with(V.AGENT, p)
                eds = self.sort_editions({e for r in roles for e in g.iris(r, V.ROLE_IN)})
                names = sorted({g.label(c) for r in roles for c in g.iris(r, V.HAD_ROLE)})
                t.add(page.link(p), page.facts(p, V.FROM_COUNTRY), join([page.link(e, self.year(e)) for e in eds]),
                      ", ".join(names))
            return {"tables": [t]}
        if kind == "place":
            t = Table(["Place", "Indonesian name", "Kind", "Within"], cls="places")
            for p in items:
                kinds = [page.link(k) for k in sorted(g.types.get(p, ())) if not g.is_entailed(p, V.TYPE, NamedNode(k))]
                t.add(page.link(p), Markup(f'<span lang="id">{escape(g.label_id(p) or "")}</span>'), join(kinds),
                      page.facts(p, V.CONTAINED_IN))
            return {"tables": [t]}
        if kind == "concept":
            schemes: dict[str, list[str]] = defaultdict(list)
            for c in items:
                for s in g.iris(c, V.IN_SCHEME) or [""]:
                    schemes[s].append(c)
            tables = []
            for s in sorted(schemes, key=lambda s: (s != V.TOPICS_SCHEME, g.label(s) if s else "~")):
                t = Table(["Term", "Indonesian", "Broader", "Years"], cls="concepts",
                          caption=g.label(s) if s else "Without a scheme")
                for c in schemes[s]:
                    years = self.concept(page, c)["years"] if s == V.TOPICS_SCHEME else []
                    t.add(page.link(c), Markup(f'<span lang="id">{escape(g.label_id(c) or "")}</span>'),
                          page.facts(c, V.BROADER), ", ".join(years))
                tables.append(t)
            return {"tables": tables}
        if kind == "source":
            t = Table(["Source", "Outlet", "Headline", "Published", "Editions", "Facts"], cls="sources")
            for s in items:
                src = g.sources.get(s)
                claims = g.claims_by_source.get(s, [])
                eds = self.sort_editions({c.edition for c in claims if c.edition})
                t.add(page.link(s), page.facts(s, V.PUBLISHER), page.facts(s, V.TITLE),
                      page.term_date(src.date) if src and src.date else Markup('<span class="none">not known</span>'),
                      join([page.link(e, self.year(e)) for e in eds]), str(len(claims)))
            return {"tables": [t]}
        if kind == "programme":
            t = Table(["Programme", "Indonesian name", "Editions"], cls="programmes")
            for p in items:
                t.add(page.link(p), Markup(f'<span lang="id">{escape(g.label_id(p) or "")}</span>'),
                      str(len(g.subjects_with(V.PART_OF_PROGRAMME, p))))
            return {"tables": [t]}
        return {"tables": []}

    def counts(self) -> dict[str, int]:
        return {k: len(self.by_kind.get(k, [])) for k in (*KINDS, "resource")}
