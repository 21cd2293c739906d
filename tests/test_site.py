"""`ksst site` on the test data set, read as files: each edition page shows exactly the graph's countries, figures
and sources; a conflict shows both values, an inferred value its reasoning, a planned thing is marked planned;
every link resolves; two sites of a build are byte-identical; and an IRI answers in HTML, Turtle, JSON-LD and
N-Triples, the RDF forms holding exactly that entity's triples.

Expectations are computed from the graph with SPARQL of the test's own, never written into a test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    Literal,
    NamedNode,
    Quad,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
)

from ksst_kg import BuildResult, UsageError, build, build_site
from ksst_kg.cli import main
from ksst_kg.core.namespaces import BASE, GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, KG, KSST, RDF, XSD
from ksst_kg.site import BuildPages, SitePages, Sources, write_site
from ksst_kg.site.build import MARKER, write_tree
from ksst_kg.site.negotiate import Answer
from ksst_kg.site.serving import TRY_AGAIN

from .conftest import DATA, select
from .dataset import edition_ids

PLANNED = KG + "concept/activity-status/planned"


# --- the site, and a small HTML reader ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site") / "site"
    build_site(built.out_dir, folder)
    return folder


class Node:
    """An element of a page: tag, attributes, children (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def plain(self) -> str:
        """The text a reader takes for the value: without footnote marks and badges, spaces collapsed."""
        def parts(node: Node) -> Iterator[str]:
            for c in node.children:
                if isinstance(c, str):
                    yield c
                elif c.tag != "sup" and "badge" not in c.attrs.get("class", "").split():
                    yield from parts(c)
                    if c.tag in ("div", "p", "li", "td", "th", "br"):
                        yield " "
        return " ".join("".join(parts(self)).split())

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.attrs.get("class", "").split())]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.walk() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"{len(found)} elements with id {ident!r}"
        return found[0]

    def hrefs(self) -> list[str]:
        return [n.attrs["href"] for n in self.walk() if n.tag in ("a", "link") and "href" in n.attrs]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "rect", "circle", "line", "path"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def read(path: Path) -> Node:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.root


def page_of(site: Path, iri: str) -> Path:
    assert iri.startswith(KG), iri
    return site / "id" / (iri[len(KG):] + ".html")


def tail(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def linked(node: Node, folder: str) -> set[str]:
    """The last segment of every link in `node` to a page of `id/FOLDER/`."""
    out = set()
    for href in node.hrefs():
        m = re.search(rf"(?:^|/){folder}/([^/#]+)\.html(?:#.*)?$", href)
        if m:
            out.add(m.group(1))
    return out


def fact_row(doc: Node, heading: str) -> Node:
    """The cell of a fact sheet row (`<th>heading</th><td>…</td>`)."""
    for tr in (tr for table in doc.find_all("table", "facts") for tr in table.find_all("tr")):
        th = tr.find_all("th")
        if th and th[0].text().strip() == heading:
            return tr.find_all("td")[0]
    raise AssertionError(f"no fact sheet row {heading!r}")


def editions(store: Store) -> list[str]:
    return [r["e"] for r in select(store, "SELECT ?e WHERE { ?e a ksst:Edition } ORDER BY ?e")]


# --- every page, every link ----------------------------------------------------------------------------------------


def test_every_resource_of_the_graph_has_a_page_and_its_rdf(site: Path, store: Store) -> None:
    subjects = [r["s"] for r in select(store, f"""
        SELECT DISTINCT ?s WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{KG}")) }}""")]
    assert len(subjects) > 100
    for s in subjects:
        page = page_of(site, s)
        assert page.is_file(), s
        for ext in ("ttl", "jsonld", "nt"):
            assert page.with_suffix(f".{ext}").is_file(), (s, ext)
    for kind in ("editions", "countries", "organisations", "people", "places", "topics", "sources", "programmes"):
        assert (site / f"{kind}.html").is_file()
    assert (site / "ontology" / "index.html").is_file() and (site / "shapes" / "index.html").is_file()


def test_every_internal_link_resolves(site: Path) -> None:
    pages = {p: read(p) for p in site.rglob("*.html")}
    ids = {p: {n.attrs["id"] for n in doc.walk() if "id" in n.attrs} for p, doc in pages.items()}
    broken = []
    for path, doc in pages.items():
        base = Path(site / doc.find_all("base")[0].attrs["href"].lstrip("/")) if doc.find_all("base") else path.parent
        for href in doc.hrefs():
            if re.match(r"^[a-z]+:", href):  # http:, https:, data:
                continue
            target, _, fragment = href.partition("#")
            dest = (base / target).resolve() if target else path
            if not dest.is_file() or (fragment and dest.suffix == ".html" and fragment not in ids[dest]):
                broken.append((str(path.relative_to(site)), href))
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"


def test_pages_load_nothing_from_elsewhere(site: Path) -> None:
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|iframe)\b", text), path
        assert not re.search(r'<link[^>]+href="https?:', text), path
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_two_sites_of_a_build_are_byte_identical(built: BuildResult, site: Path, tmp_path: Path) -> None:
    """Written again by the command, in another process with another hash seed."""
    other = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run([sys.executable, "-m", "ksst_kg", "site", "--out", str(built.out_dir), "--site",
                           str(other), "-q"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    mine = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    theirs = {p.relative_to(other).as_posix(): p.read_bytes() for p in other.rglob("*") if p.is_file()}
    assert mine.keys() == theirs.keys()
    assert [k for k in sorted(mine) if mine[k] != theirs[k]] == []


# --- edition pages against the graph --------------------------------------------------------------------------------


def test_each_edition_page_shows_exactly_the_graphs_countries_figures_and_sources(site: Path, store: Store) -> None:
    found = editions(store)
    assert len(found) >= 3
    for e in found:
        doc = read(page_of(site, e))
        countries = {tail(r["c"]) for r in select(store, f"SELECT ?c WHERE {{ <{e}> ksst:participatingCountry ?c }}")}
        assert linked(doc.by_id("countries"), "country") == countries, e
        for prop, heading in (("statedParticipantCount", "Participants (stated)"),
                              ("statedCountryCount", "Countries (stated)")):
            stated = {r["v"] for r in select(store, f"SELECT ?v WHERE {{ <{e}> ksst:{prop} ?v }}")}
            shown = set(re.findall(r"\d[\d,]*", fact_row(doc, heading).plain())) if stated else set()
            assert {s.replace(",", "") for s in shown} == stated, (e, prop)
        figures = {r["f"] for r in select(store, f"SELECT ?f WHERE {{ <{e}> ksst:statedFigure ?f }}")}
        shown_figures = {tail(h) for h in linked(doc.by_id("figures"), "figure")} if figures else set()
        assert shown_figures == {tail(f) for f in figures}, e
        sources = {tail(r["s"]) for r in select(store, f"""
            SELECT DISTINCT ?s WHERE {{ ?c ksst:aboutEdition <{e}> ; prov:wasDerivedFrom ?s }}""")}
        footnotes = doc.find_all("ol", "footnotes")
        assert len(footnotes) == 1, e
        assert linked(footnotes[0], "source") == sources, e
        for cite in doc.find_all("sup", "cite"):  # every citation mark leads to a footnote
            for href in cite.hrefs():
                assert re.fullmatch(r"#fn-\d+", href) and doc.by_id(href[1:]).tag == "li"


def test_a_conflict_shows_both_values_side_by_side(site: Path, store: Store) -> None:
    rows = select(store, """
        SELECT ?e ?p ?v WHERE {
          ?p ksst:singleValued true . ?e a ksst:Edition ; ?p ?v . ?e ?p ?w FILTER(?v != ?w) } ORDER BY ?e ?p ?v""")
    conflicts: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        conflicts.setdefault((r["e"], r["p"]), set()).add(r["v"])
    assert conflicts, "the test data set has no disagreement on a single-valued property"
    for (e, _p), values in conflicts.items():
        doc = read(page_of(site, e))
        boxes = [b for b in doc.find_all("div", "conflict") if {a.plain() for a in b.find_all("div", "alt")} == values]
        assert boxes, (e, _p, values)
        for alt in boxes[0].find_all("div", "alt"):
            assert alt.find_all("sup", "cite"), "each value carries its own sources"


def test_an_inferred_value_shows_its_reasoning(site: Path, store: Store) -> None:
    rows = select(store, """
        SELECT ?e ?reasoning WHERE {
          ?e a ksst:Edition . ?c ksst:claimSubject ?e ; ksst:derivation ?d ; ksst:reasoning ?reasoning
          FILTER(STRENDS(STR(?d), "/inferred")) } ORDER BY ?e ?reasoning""")
    assert rows, "the test data set has no inferred fact about an edition"
    for r in rows:
        doc = read(page_of(site, r["e"]))
        notes = {n.attrs["id"]: " ".join(n.text().split()) for n in doc.find_all("li") if
                 n.attrs.get("id", "").startswith("why-")}
        letters = [k for k, text in notes.items() if " ".join(r["reasoning"].split()) in text]
        assert letters, (r["e"], r["reasoning"])
        marks = [a for a in doc.find_all("a", "inferred") if a.attrs.get("href") == f"#{letters[0]}"]
        assert marks, f"no value of {r['e']} is marked inferred with the note {letters[0]}"


def test_planned_things_are_marked_planned_and_reported_ones_are_not(site: Path, store: Store) -> None:
    rows = select(store, """
        SELECT ?e ?node ?status WHERE {
          ?node ksst:activityStatus ?status ; ksst:visitOf|ksst:workshopOf|ksst:eventOf|ksst:roleIn ?e
        } ORDER BY ?node""")
    planned = [r for r in rows if r["status"] == PLANNED]
    assert planned, "the test data set has nothing planned"
    for r in rows:
        own = read(page_of(site, r["node"]))
        header = own.find_all("header", "entity")[0]
        assert bool(header.find_all("span", "planned")) == (r["status"] == PLANNED), r["node"]
    for e in {r["e"] for r in planned}:
        doc = read(page_of(site, e))
        badges = doc.find_all("span", "planned")
        assert len(badges) >= sum(1 for r in planned if r["e"] == e)
        for r in planned:
            if r["e"] != e or "/role/" in r["node"]:
                continue
            target = r["node"][len(KG):].split("/", 1)[1] + ".html"  # relative to the edition's folder
            tables = [t for cls in ("visits", "workshops", "events") for t in doc.find_all("table", cls)]
            rows_linking = [tr for table in tables for tr in table.find_all("tr")
                            if any(h.endswith(target) for h in tr.hrefs())]
            assert rows_linking and all(tr.find_all("span", "planned") for tr in rows_linking), r["node"]
    plans = select(store, "SELECT ?e ?plan WHERE { ?e ksst:nextEditionPlan ?plan }")
    for r in plans:
        section = read(page_of(site, r["e"])).by_id("plans")
        assert section.find_all("span", "planned")


def test_partial_lists_say_so(site: Path, store: Store) -> None:
    rows = select(store, """
        SELECT ?e ?marker WHERE {
          ?l ksst:countryListOf ?e ; ksst:listCompleteness ?c FILTER(STRENDS(STR(?c), "/partial"))
          OPTIONAL { ?l ksst:listMarker ?marker } }""")
    assert rows
    for r in rows:
        countries = read(page_of(site, r["e"])).by_id("countries")
        assert countries.find_all("span", "partial")
        if "marker" in r:
            assert r["marker"] in countries.text()


def test_a_membership_shows_when_the_country_joined_and_left(site: Path, store: Store) -> None:
    rows = select(store, """
        SELECT ?country ?joined ?left WHERE {
          ?m a ksst:StateMembership ; ksst:memberState ?country ; ksst:joinedIn ?joined
          OPTIONAL { ?m ksst:leftIn ?left } }""")
    if not rows:
        pytest.skip("the test data set records no membership with a year")
    for r in rows:
        cell = " ".join(fact_row(read(page_of(site, r["country"])), "Colombo Plan").text().split())
        assert f"since {r['joined']}" in cell, cell
        if "left" in r:
            assert f"left in {r['left']}" in cell, cell


# --- content negotiation ---------------------------------------------------------------------------------------


DESCRIPTION = f"""
PREFIX ksst: <{KSST}>
CONSTRUCT {{ ?entity ?p ?o . ?claim ?cp ?co }}
WHERE {{
  {{ GRAPH <{GRAPH_ASSERTED}> {{ ?entity ?p ?o }} }} UNION {{ GRAPH <{GRAPH_INFERRED}> {{ ?entity ?p ?o }} }}
  UNION {{ GRAPH <{GRAPH_ASSERTED}> {{ ?claim ksst:claimSubject ?entity ; ?cp ?co }} }}
}}"""


def description(store: Store, iri: str) -> set[Triple]:
    """What docs/site.md says an IRI answers: its own triples, asserted and inferred, and its claims'."""
    answer = store.query(DESCRIPTION.replace("?entity", f"<{iri}>"))
    assert isinstance(answer, QueryTriples)
    return set(answer)


def parsed(body: bytes, fmt: RdfFormat) -> set[Triple]:
    return {q.triple for q in parse(body, format=fmt, base_iri=KG)}


def sample_iris(store: Store) -> list[str]:
    """One resource of each kind the site has pages for, and a claim and a sub-node."""
    out = []
    for cls in ("ksst:Edition", "ksst:Country", "org:Organization", "ksst:Person", "ksst:SourceDocument",
                "skos:Concept", "ksst:Visit", "ksst:Claim", "ksst:Programme"):
        rows = select(store, f"SELECT ?s WHERE {{ ?s a {cls} FILTER(STRSTARTS(STR(?s), '{KG}')) }} ORDER BY ?s LIMIT 1")
        out += [r["s"] for r in rows]
    return out


TURTLE, JSONLD, NTRIPLES = "text/turtle", "application/ld+json", "application/n-triples"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_the_same_iri_answers_in_html_turtle_jsonld_and_ntriples(site: Path, store: Store,
                                                                 built: BuildResult) -> None:
    pages = SitePages(site)
    shipped = json.loads((built.out_dir / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    iris = sample_iris(store)
    assert len(iris) >= 8
    for iri in iris:
        path = "/" + iri[len(BASE):]
        expected = description(store, iri)
        assert any(t.subject == NamedNode(iri) for t in expected)
        answer = pages.respond(path, BROWSER)
        assert answer is not None
        status, headers, body = answer
        assert status == 200 and headers["Content-Type"].startswith("text/html") and headers["Vary"] == "Accept"
        assert body == page_of(site, iri).read_bytes()
        for accept, fmt in ((TURTLE, RdfFormat.TURTLE), (JSONLD, RdfFormat.JSON_LD), (NTRIPLES, RdfFormat.N_TRIPLES)):
            answer = pages.respond(path, accept)
            assert answer is not None
            status, headers, body = answer
            assert status == 200 and headers["Content-Type"].split(";")[0] == accept, (iri, accept)
            assert parsed(body, fmt) == expected, (iri, accept)
            if fmt == RdfFormat.JSON_LD:  # compacted with the context the build shipped, inline
                assert json.loads(body)["@context"] == shipped
            assert headers["Content-Location"].startswith(path + ".")
            assert headers["Link"].count('rel="alternate"') == 4
        assert pages.respond(iri, TURTLE) == pages.respond(path, TURTLE)  # the full IRI, as a client may send it


def test_every_description_file_holds_exactly_its_entitys_triples(site: Path, store: Store) -> None:
    """The N-Triples beside every page (the same triples in the other two formats are checked above)."""
    files = sorted((site / "id").rglob("*.nt"))
    assert len(files) > 100
    for path in files:
        iri = KG + path.relative_to(site / "id").as_posix()[:-3]
        assert parsed(path.read_bytes(), RdfFormat.N_TRIPLES) == description(store, iri), iri


def test_what_negotiation_answers_at_the_edges(site: Path, store: Store) -> None:
    pages = SitePages(site)
    edition = "/" + editions(store)[0][len(BASE):]

    def respond(path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
        answer = pages.respond(path, accept)
        assert answer is not None
        return answer

    assert respond(edition, "")[1]["Content-Type"].startswith("text/html")  # no Accept: the page
    assert respond(edition, "*/*")[1]["Content-Type"].startswith("text/html")
    assert respond(edition, "text/*")[1]["Content-Type"].startswith("text/html")
    assert respond(edition, f"{TURTLE};q=0.5, {JSONLD}")[1]["Content-Type"] == JSONLD
    assert respond(edition, f"text/html;q=0.1, {NTRIPLES}")[1]["Content-Type"] == NTRIPLES
    assert respond(edition + ".nt", "text/html")[1]["Content-Type"] == NTRIPLES  # an extension wins
    status, headers, body = respond(edition, "image/png")
    assert status == 406 and b"text/turtle" in body and headers["Content-Type"].startswith("text/plain")
    status, headers, body = respond("/id/edition/no-such-edition", BROWSER)
    assert status == 404 and body == (site / "404.html").read_bytes()
    status, headers, body = respond("/id/edition/no-such-edition", TURTLE)
    assert status == 404 and headers["Content-Type"].startswith("text/plain")
    assert respond("/nothing/here.html", BROWSER)[0] == 404
    for hostile in ("/id/../../etc/passwd", "/../pyproject.toml", "/assets/../../x", "/%2e%2e/x", f"/{MARKER}"):
        assert respond(hostile, BROWSER)[0] == 404, hostile
    status, headers, body = respond("/", BROWSER)
    assert status == 200 and body == (site / "index.html").read_bytes()
    assert respond("/assets/site.css", BROWSER)[1]["Content-Type"].startswith("text/css")
    # the ontology and the shapes: the index page (through its folder, for its relative links) or their triples
    status, headers, _ = respond("/ontology", BROWSER)
    assert status == 303 and headers["Location"] == "/ontology/"
    assert respond("/ontology/", BROWSER)[2] == (site / "ontology" / "index.html").read_bytes()
    assert respond("/shapes", NTRIPLES)[2] == (site / "shapes.nt").read_bytes()


@pytest.mark.parametrize("doc", ["ontology", "shapes"])
def test_the_ontology_and_the_shapes_in_every_format(site: Path, store: Store, built: BuildResult, doc: str) -> None:
    if doc == "ontology":
        source = [q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(GRAPH_ONTOLOGY))]
    else:
        source = [q.triple for f in sorted(built.out_dir.glob("shapes-*.ttl"))
                  for q in parse(path=str(f), format=RdfFormat.TURTLE)]
    expected = canonical(source)
    pages = SitePages(site)
    for accept, fmt in ((TURTLE, RdfFormat.TURTLE), (JSONLD, RdfFormat.JSON_LD), (NTRIPLES, RdfFormat.N_TRIPLES)):
        answer = pages.respond(f"/{doc}", accept)
        assert answer is not None and answer[0] == 200
        assert canonical(q.triple for q in parse(answer[2], format=fmt, base_iri=BASE)) == expected, accept


def canonical(triples: Iterator[Triple] | list[Triple]) -> set[Triple]:
    ds = Dataset([Quad(t.subject, t.predicate, t.object) for t in triples])
    ds.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return {q.triple for q in ds}


# --- the command, and what it leaves behind ----------------------------------------------------------------------


def test_the_command_writes_the_site_into_the_build_and_says_where(built: BuildResult, tmp_path: Path) -> None:
    site = tmp_path / "s"
    result = CliRunner().invoke(main, ["site", "--out", str(built.out_dir), "--site", str(site)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {site}:" in result.output and "pages" in result.output
    assert (site / "index.html").is_file() and (site / MARKER).is_file()
    assert not list(tmp_path.glob(".s.*")), "a temporary folder was left"


def test_no_build_and_a_folder_of_something_else_are_refused(built: BuildResult, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["site", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "run `ksst build` first" in result.output
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["site", "--out", str(built.out_dir), "--site", str(mine)])
    assert result.exit_code == 2 and "is not a site written by `ksst site`" in result.output
    assert [p.name for p in mine.iterdir()] == ["keep.txt"]


def test_a_failure_leaves_the_previous_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_tree(site, {MARKER: b"", "index.html": b"first", "id/a.html": b"a"})
    with pytest.raises(ValueError, match="null"):
        write_tree(site, {MARKER: b"", "index.html": b"second", "id/\0bad.html": b"b"})
    assert (site / "index.html").read_bytes() == b"first" and (site / "id" / "a.html").read_bytes() == b"a"
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "the temporary folder was left"
    write_tree(site, {MARKER: b"", "index.html": b"third"})
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [MARKER, "index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_status_and_membership_on_a_graph_that_says_more(built: BuildResult, store: Store, tmp_path: Path) -> None:
    """The site reads what it shows from the store: a status and a membership added to a copy of the graph
    show up on the pages (a reported status is not marked)."""
    copy = Store()
    for graph in (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY):
        copy.extend(Quad(q.subject, q.predicate, q.object, q.graph_name)
                    for q in store.quads_for_pattern(None, None, None, NamedNode(graph)))
    g = NamedNode(GRAPH_ASSERTED)
    visit = select(store, "SELECT ?v WHERE { ?v a ksst:Visit FILTER NOT EXISTS { ?v ksst:activityStatus ?s } } "
                          "ORDER BY ?v LIMIT 1")[0]["v"]
    country = select(store, "SELECT ?c WHERE { ?c a ksst:Country FILTER NOT EXISTS { ?m ksst:memberState ?c } } "
                            "ORDER BY ?c LIMIT 1")[0]["c"]
    record = NamedNode(KG + "member-state/colombo-plan/test-" + tail(country))
    copy.extend([
        Quad(NamedNode(visit), NamedNode(KSST + "activityStatus"), NamedNode(PLANNED), g),
        Quad(record, NamedNode(KSST + "memberState"), NamedNode(country), g),
        Quad(record, NamedNode(KSST + "membershipOf"), NamedNode(KG + "org/colombo-plan"), g),
        Quad(record, NamedNode(RDF + "type"), NamedNode(KSST + "StateMembership"), g),
        Quad(record, NamedNode(KSST + "joinedIn"), Literal("1977", datatype=NamedNode(XSD + "gYear")), g),
    ])
    out = tmp_path / "site"
    write_site(copy, out, Sources.of_build(built.out_dir))
    assert read(page_of(out, visit)).find_all("header", "entity")[0].find_all("span", "planned")
    cell = " ".join(fact_row(read(page_of(out, country)), "Colombo Plan").text().split())
    assert "since 1977" in cell and "the membership record" in cell


def test_serving_the_site_needs_neither_rdflib_nor_jinja2() -> None:
    """`ksst serve` answers pages without the libraries that writing the site needs (its start-up stays light)."""
    script = ("import sys\nfrom ksst_kg.site import SitePages\n"
              "print(sorted(m for m in ('rdflib', 'jinja2', 'owlrl', 'pyshacl') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


# --- the pages `ksst serve` answers: the site of whatever build is published ---------------------------------------


def test_the_served_site_follows_the_published_build(tmp_path: Path) -> None:
    out = tmp_path / "build"
    build(DATA, out)
    notes: list[str] = []
    pages = BuildPages(out, build_site, notes.append)
    assert pages.prepare() is True and notes == [f"{out} has no site yet; writing it, as `ksst site` does",
                                                 f"wrote the site of the build published at {out}"]
    assert pages.prepare() is True and len(notes) == 2  # written once
    edition = "/id/edition/" + edition_ids()[0]
    first = pages.respond(edition, BROWSER)
    assert first is not None and first[0] == 200
    assert pages.respond("/", BROWSER) is None and pages.respond("/?x=1", BROWSER) is None  # the server's own
    before = os.path.realpath(out)
    build(DATA, out, incremental=False)  # a new build is published, without a site
    assert os.path.realpath(out) != before
    answer = pages.respond(edition, BROWSER)
    assert answer is not None and answer[0] == 503 and answer[1]["Retry-After"]
    deadline = time.monotonic() + 60
    while (answer := pages.respond(edition, BROWSER)) is not None and answer[0] == 503:
        assert time.monotonic() < deadline, "the site of the new build was never written"
        time.sleep(0.1)
    assert answer is not None and answer[:1] == (200,) and answer[2] == first[2]
    assert notes and "wrote the site" in notes[-1]


def test_a_site_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    out = tmp_path / "build"
    build(DATA, out)
    calls: list[Path] = []

    def broken(folder: Path) -> None:
        calls.append(folder)
        raise UsageError("the disk is full")

    notes: list[str] = []
    now = [0.0]
    pages = BuildPages(out, broken, notes.append, clock=lambda: now[0])

    def answer_once_written() -> Answer | None:
        deadline = time.monotonic() + 30
        while (answer := pages.respond("/editions.html", BROWSER)) is not None and answer[0] == 503:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return answer

    answer = answer_once_written()
    assert answer is not None and answer[0] == 500 and b"the disk is full" in answer[2]
    assert pages.respond("/countries.html", BROWSER) == answer and len(calls) == 1
    assert len(notes) == 1 and "run `ksst site`" in notes[0]
    now[0] = TRY_AGAIN - 1
    assert pages.prepare() is False and len(calls) == 1  # not tried again yet
    now[0] = TRY_AGAIN + 1  # a minute later it is: the cause may have passed
    assert answer_once_written() == answer and len(calls) == 2
    assert sum("run `ksst site`" in note for note in notes) == 2
