"""The site's view of the store: its own SPARQL queries (`queries/*.rq`), run once each over the whole graph,
and indexes built from their rows (labels, statements by subject and by object, claims by fact, sources,
discrepancies, country lists, roles, ...).

Every query is a bulk query: it answers for all editions (or countries, organisations...) at once, and the
pages pick their rows from the indexes. A site of N pages therefore costs a dozen queries, not N times a
dozen, and the rows come back in one order (each query sorts them) so the pages are the same on every run.
Queries read the union of the asserted, inferred and ontology graphs, as the saved queries do, except where
they name a graph (statements, to tell asserted from entailed triples).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, QuerySolutions, Store, Triple

from .ns import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    KG,
    ORG,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
)

Term = NamedNode | Literal | BlankNode
QUERY_DIR = Path(__file__).parent / "queries"
STATUS_PLANNED = KG + "concept/activity-status/planned"
STATUS_REPORTED = KG + "concept/activity-status/reported"


@cache
def query_text(name: str) -> str:
    return (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")


def term_key(t: Term | None) -> tuple[int, str, str]:
    """A total order on terms that does not depend on the run: kind, lexical value, datatype or language."""
    if t is None:
        return (0, "", "")
    if isinstance(t, NamedNode):
        return (1, t.value, "")
    if isinstance(t, BlankNode):
        return (2, t.value, "")
    return (3, t.value, t.language or t.datatype.value)


def _term(t: NamedNode | BlankNode | Literal | Triple | None) -> Term | None:
    """A value of a solution: the site's queries never bind quoted triples (the graph has none)."""
    if isinstance(t, Triple):
        raise TypeError(f"a quoted triple where the site expects a term: {t}")
    return t


class Row:
    """One solution of a site query: `row[name]` for a variable its pattern always binds, `row.get(name)`
    for an optional one, `row.text(name)` for the lexical value of an optional one."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Term | None]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> Term:
        value = self._values[name]
        if value is None:
            raise KeyError(f"?{name} is unbound")
        return value

    def get(self, name: str) -> Term | None:
        return self._values.get(name)

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if value is None else value.value


@dataclass
class Claim:
    iri: str
    subject: str
    property: str
    value: Term
    inferred: bool
    reasoning: str | None
    passage: str | None
    edition: str | None
    sources: tuple[str, ...] = ()
    discrepancies: list[str] = field(default_factory=list)


@dataclass
class Source:
    iri: str
    label: str
    publisher: str | None
    headline: str | None
    date: str | None
    date_note: str | None
    url: str | None
    language: str | None
    file: str | None


@dataclass
class Discrepancy:
    iri: str
    edition: str | None
    kind: str | None
    comment: str | None
    claims: list[str] = field(default_factory=list)


@dataclass
class Membership:
    """A country's membership of an organisation: the record that describes it (if any), when it joined and
    left (several values where the sources disagree)."""

    organisation: str
    record: str | None = None
    joined: list[Term] = field(default_factory=list)
    left: list[Term] = field(default_factory=list)


@dataclass
class CountryList:
    iri: str
    edition: str
    source: str | None
    completeness: str | None   # concept IRI
    marker: str | None
    countries: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.completeness and self.completeness.endswith("/partial"))


class SiteGraph:
    """Answers of the site's queries, indexed for the pages."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.default_graph: list[NamedNode | BlankNode | DefaultGraph] = [
            NamedNode(g) for g in (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY)]
        self.query_count = 0
        self._load_statements()
        self._load_labels()
        self._load_sources()
        self._load_claims()
        self._load_discrepancies()
        self._load_country_lists()
        self._load_editions()
        self._load_status()
        self._load_memberships()
        self.single_valued = {r["property"].value for r in self.select("single-valued")}

    # --- running -----------------------------------------------------------------------------------------

    def select(self, name: str) -> Iterable[Row]:
        """Rows of one of the site's queries (unbound variables are None)."""
        self.query_count += 1
        answer = self.store.query(query_text(name), default_graph=list(self.default_graph))
        if not isinstance(answer, QuerySolutions):
            raise TypeError(f"the site's query {name}.rq is not a SELECT")
        names = [v.value for v in answer.variables]
        for solution in answer:
            yield Row({n: _term(solution[n]) for n in names})

    # --- statements --------------------------------------------------------------------------------------

    def _load_statements(self) -> None:
        """Every triple of the asserted and inferred graphs whose subject is one of ours; a triple only in the
        inferred graph is marked entailed."""
        asserted: set[tuple[str, str, Term]] = set()
        inferred: set[tuple[str, str, Term]] = set()
        for row in self.select("statements"):
            key = (row["s"].value, row["p"].value, row["o"])
            (inferred if row["g"].value == GRAPH_INFERRED else asserted).add(key)
        self.entailed = inferred - asserted
        self.asserted_subjects = {s for s, _, _ in asserted}
        self.out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.types: dict[str, set[str]] = defaultdict(set)
        for s, p, o in sorted(asserted | inferred, key=lambda k: (k[0], k[1], term_key(k[2]))):
            self.out[s][p].append(o)
            if p == RDF_TYPE:
                self.types[s].add(o.value)
            elif isinstance(o, NamedNode):
                self.incoming[o.value].append((s, p))

    def values(self, s: str, p: str) -> list[Term]:
        return self.out.get(s, {}).get(p, [])

    def value(self, s: str, p: str) -> Term | None:
        vs = self.values(s, p)
        return vs[0] if vs else None

    def iris(self, s: str, p: str) -> list[str]:
        return [v.value for v in self.values(s, p) if isinstance(v, NamedNode)]

    def is_entailed(self, s: str, p: str, o: Term) -> bool:
        return (s, p, o) in self.entailed

    def subjects_with(self, p: str, o: str) -> list[str]:
        return sorted({s for s, prop in self.incoming.get(o, []) if prop == p})

    # --- labels ------------------------------------------------------------------------------------------

    def _load_labels(self) -> None:
        self._labels: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
        for row in self.select("labels"):
            lit = row["label"]
            language = lit.language if isinstance(lit, Literal) else None
            self._labels[row["s"].value][(row["p"].value, language or "")].append(lit.value)
        for by in self._labels.values():
            for vs in by.values():
                vs.sort()

    _ORDER = ((SKOS + "prefLabel", "en"), (RDFS + "label", "en"), (SCHEMA + "name", "en"), (SCHEMA + "name", ""),
              (RDFS + "label", ""), (SKOS + "prefLabel", ""), (SKOS + "prefLabel", "id"), (RDFS + "label", "id"))

    def label(self, iri: str) -> str:
        """The English name of a resource (preferred label, label, name), else any, else the IRI's tail."""
        by = self._labels.get(iri)
        if by:
            for key in self._ORDER:
                if by.get(key):
                    return by[key][0]
            for key in sorted(by):
                return by[key][0]
        return iri[len(KG):] if iri.startswith(KG) else iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def has_label(self, iri: str) -> bool:
        return iri in self._labels

    def label_id(self, iri: str) -> str | None:
        """The Indonesian name, where the graph has one that differs from the English."""
        by = self._labels.get(iri, {})
        for key in ((SKOS + "prefLabel", "id"), (RDFS + "label", "id")):
            if by.get(key):
                value = by[key][0]
                return None if value == self.label(iri) else value
        return None

    def alt_labels(self, iri: str) -> list[str]:
        return sorted(v.value for v in self.values(iri, SKOS + "altLabel"))

    # --- sources and claims ------------------------------------------------------------------------------

    def _load_sources(self) -> None:
        self.sources: dict[str, Source] = {}
        for r in self.select("sources"):
            iri = r["source"].value
            self.sources[iri] = Source(
                iri=iri, label=r.text("label") or iri, publisher=r.text("publisher"), headline=r.text("headline"),
                date=r.text("date"), date_note=r.text("dateNote"), url=r.text("url"), language=r.text("language"),
                file=r.text("file"))

    def _load_claims(self) -> None:
        sources: dict[str, list[str]] = defaultdict(list)
        for r in self.select("claim-sources"):
            sources[r["claim"].value].append(r["source"].value)
        self.claims: dict[str, Claim] = {}
        self.claims_by_fact: dict[tuple[str, str, Term], list[Claim]] = defaultdict(list)
        self.claims_by_subject: dict[str, list[Claim]] = defaultdict(list)
        self.claims_by_source: dict[str, list[Claim]] = defaultdict(list)
        for r in sorted(self.select("claims"), key=lambda r: (r["claim"].value, term_key(r.get("value")))):
            iri = r["claim"].value
            obj = r.get("object")
            value = obj if obj is not None else r["value"]
            derivation = r.text("derivation")
            c = Claim(iri=iri, subject=r["subject"].value, property=r["property"].value, value=value,
                      inferred=bool(derivation and derivation.endswith("/inferred")),
                      reasoning=r.text("reasoning"), passage=r.text("passage"), edition=r.text("edition"),
                      sources=tuple(sorted(set(sources.get(iri, ())))))
            self.claims[iri] = c
            self.claims_by_fact[(c.subject, c.property, value)].append(c)
            self.claims_by_subject[c.subject].append(c)
            for src in c.sources:
                self.claims_by_source[src].append(c)

    def claims_for(self, s: str, p: str, o: Term) -> list[Claim]:
        return self.claims_by_fact.get((s, p, o), [])

    def _load_discrepancies(self) -> None:
        self.discrepancies: dict[str, Discrepancy] = {}
        for r in self.select("discrepancies"):
            iri = r["discrepancy"].value
            d = self.discrepancies.get(iri)
            if d is None:
                d = self.discrepancies[iri] = Discrepancy(iri, r.text("edition"), r.text("kind"), r.text("comment"))
            claim = r["claim"].value
            if claim not in d.claims:
                d.claims.append(claim)
                if claim in self.claims:
                    self.claims[claim].discrepancies.append(iri)

    def discrepancies_of(self, claims: Iterable[Claim]) -> list[str]:
        return sorted({d for c in claims for d in c.discrepancies})

    # --- editions and their country lists -------------------------------------------------------------------

    def _load_country_lists(self) -> None:
        self.country_lists: dict[str, CountryList] = {}
        self.lists_of_edition: dict[str, list[CountryList]] = defaultdict(list)
        for r in self.select("country-lists"):
            iri = r["list"].value
            cl = self.country_lists.get(iri)
            if cl is None:
                cl = self.country_lists[iri] = CountryList(iri, r["edition"].value, r.text("source"),
                                                           r.text("completeness"), r.text("marker"))
                self.lists_of_edition[cl.edition].append(cl)
            country = r.text("country")
            if country is not None and country not in cl.countries:
                cl.countries.append(country)

    def _load_editions(self) -> None:
        """Editions in order of year, start date and IRI, with their programme."""
        self.editions: list[str] = []
        self.edition_year: dict[str, str] = {}
        self.edition_programme: dict[str, str | None] = {}
        for r in self.select("editions"):
            e = r["edition"].value
            if e not in self.edition_year:
                self.editions.append(e)
                self.edition_year[e] = r.text("year") or ""
                self.edition_programme[e] = r.text("programme")

    # --- status and memberships -------------------------------------------------------------------------

    def _load_status(self) -> None:
        """What the sources speak of as planned (ksst:activityStatus): {node: [(property, label, planned?)]}.
        A reported status is the default and is not marked."""
        self.status: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for r in self.select("status"):
            node, prop, value = r["node"].value, r["property"].value, r["value"]
            if value.value == STATUS_REPORTED:
                continue
            text = r.text("valueLabel") or (self.label(value.value) if isinstance(value, NamedNode) else value.value)
            self.status[node].append((prop, text, value.value == STATUS_PLANNED))

    def _load_memberships(self) -> None:
        """Each country's memberships of international organisations (the Colombo Plan): from the direct link,
        and from a membership record where there is one, with the years it joined and left."""
        found: dict[str, dict[str, Membership]] = defaultdict(dict)
        for r in self.select("country-memberships"):
            country, org = r["country"].value, r["organisation"].value
            m = found[country].setdefault(org, Membership(org))
            node = r.text("membership")
            if node is not None and m.record is None:
                m.record = node
            for name, values in (("joined", m.joined), ("left", m.left)):
                value = r.get(name)
                if value is not None and value not in values:
                    values.append(value)
        self.memberships = {c: [orgs[o] for o in sorted(orgs)] for c, orgs in found.items()}

    # --- organisations -----------------------------------------------------------------------------------

    def ancestors(self, org: str) -> list[str]:
        """Parent organisations all the way up, nearest first (org:unitOf chain; cycles cut)."""
        out: list[str] = []
        at = org
        while True:
            parents = self.iris(at, ORG + "unitOf")
            if not parents or parents[0] in out or parents[0] == org:
                return out
            at = parents[0]
            out.append(at)

    def descendants(self, org: str) -> list[str]:
        """The units of an organisation and their units (org:transitiveSubOrganizationOf, inferred)."""
        return self.subjects_with(ORG + "transitiveSubOrganizationOf", org)

