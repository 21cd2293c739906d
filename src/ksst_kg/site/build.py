"""`build_site`: the whole static site of a build, from its embedded store, its ontology and its shapes.

The site is made in memory (path -> bytes), written to a fresh folder beside the target and renamed into
place, so a failure leaves the previous site as it was and no file of an earlier site survives. Nothing in a
page depends on the time or the order of a hash: two sites of the same build are byte-identical.

The default place is `BUILD/site`, inside the build it shows: a new build is published without it (a build
folder is made whole and swapped in), so a site never outlives the graph it was made from; `ksst serve`
writes it again where it is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pyoxigraph import NamedNode, Store

from ..core.builds import reading
from ..core.errors import UsageError
from ..core.files import default_mode, rename_exchange
from ..core.rdf import open_build_store
from . import charts
from . import vocab as V
from .graph import SiteGraph
from .ns import KG, KSST, VOCAB_PREFIXES, curie
from .ontodocs import Constraint, OntologyDocs, Shape
from .pages import INDEX_FILES, KIND_LABELS, KINDS, Builder, Table
from .paths import (
    MARKER,
    ONTOLOGY_DOC,
    ONTOLOGY_FILES,
    RDF_EXTENSIONS,
    SHAPES_DOC,
    SHAPES_FILES,
    SHAPES_NS,
    SITE_DIR,
    entity_path,
    page_path,
)
from .rdf import describe_from_index, document_triples, serialize_as
from .render import Page

PACKAGE_DIR = Path(__file__).parent
SITE_NAME = "ksst-kg"
LEFTOVER_AGE = 3600.0  # seconds after which a temporary folder of an interrupted run is removed

NAV = [
    {"key": "home", "href": "index.html", "text": "Home"},
    {"key": "edition", "href": "editions.html", "text": "Editions"},
    {"key": "country", "href": "countries.html", "text": "Countries"},
    {"key": "organisation", "href": "organisations.html", "text": "Organisations"},
    {"key": "person", "href": "people.html", "text": "People"},
    {"key": "place", "href": "places.html", "text": "Places"},
    {"key": "concept", "href": "topics.html", "text": "Topics"},
    {"key": "source", "href": "sources.html", "text": "Sources"},
    {"key": "ontology", "href": "ontology/index.html", "text": "Ontology"},
]

INDEX_INTROS = {
    "edition": "Every documented edition, in the order of time. Figures are as the sources state them.",
    "country": "Every country in the graph: the Colombo Plan member states and the countries the sources name.",
    "organisation": "Ministries and their units, technical centres, firms, international bodies and news outlets.",
    "person": "Everyone the sources name: officials who organised, opened or spoke, and participants.",
    "place": "Cities, provinces and venues where editions and visits took place, or organisations are based.",
    "concept": "Curriculum topics, and the other controlled terms of the graph (roles, posts, kinds of list).",
    "source": "The news articles every fact comes from.",
    "programme": "The programmes whose editions the graph records.",
}


@dataclass
class SiteResult:
    """What `build_site` wrote: counts for the command's summary, and the wall time of each step."""

    site_dir: Path
    pages: int = 0
    files: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    ontology_pages: int = 0
    skipped: list[str] = field(default_factory=list)   # IRIs of the graph with no page (see paths.py)
    queries: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(PACKAGE_DIR / "templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Sources:
    """The files a site documents beside the store: the ontology, the shapes and the JSON-LD context, as the
    build shipped them (`ontology-*.ttl`, `shapes-*.ttl`, `context.jsonld` in the build folder)."""

    ontology: tuple[Path, ...]
    shapes: tuple[Path, ...]
    context: Path | None

    @classmethod
    def of_build(cls, build_dir: Path) -> Sources:
        ontology = tuple(sorted(build_dir.glob(ONTOLOGY_FILES)))
        shapes = tuple(sorted(build_dir.glob(SHAPES_FILES)))
        if not ontology or not shapes:
            raise UsageError(f"{build_dir} holds no ontology-*.ttl or shapes-*.ttl; build it again with "
                             f"`ksst build --clean`")
        context = build_dir / "context.jsonld"
        return cls(ontology, shapes, context if context.is_file() else None)

    def json_context(self) -> dict[str, Any] | None:
        """The JSON-LD context the build shipped (what its own JSON-LD exports are compacted with)."""
        if self.context is None:
            return None
        with self.context.open(encoding="utf-8") as handle:
            context: dict[str, Any] = json.load(handle)["@context"]
        return context

    def downloads(self) -> dict[str, bytes]:
        """The source files, published beside their documentation under the names they have in the
        repository (`ontology/ksst.ttl`, `shapes/ksst-shapes.ttl`), and the context at the top."""
        files = {f"ontology/{_unprefixed(p, 'ontology-')}": p.read_bytes() for p in self.ontology}
        files |= {f"shapes/{_unprefixed(p, 'shapes-')}": p.read_bytes() for p in self.shapes}
        if self.context is not None:
            files["context.jsonld"] = self.context.read_bytes()
        return files


def _unprefixed(path: Path, prefix: str) -> str:
    return path.name[len(prefix):] if path.name.startswith(prefix) else path.name


class SiteWriter:
    """Renders every file of the site into memory (`build`); `write_tree` puts them on disk."""

    def __init__(self, store: Store, sources: Sources, base_url: str = "/") -> None:
        self.base_url = base_url
        self.timings: dict[str, float] = {}
        t = perf_counter()
        self.g = SiteGraph(store)
        self.timings["queries"] = perf_counter() - t
        t = perf_counter()
        self.onto = OntologyDocs(sources.ontology, sources.shapes)
        self.timings["ontology"] = perf_counter() - t
        self.sources = sources
        self.context = sources.json_context()
        self.downloads = sources.downloads()
        self.b = Builder(self.g, self.onto.organisation_classes())
        self.env = environment()
        self.files: dict[str, bytes] = {}
        self.known: set[str] = set()
        self.skipped = sorted(s for s in self.g.asserted_subjects if entity_path(s) is None)

    # --- pages ----------------------------------------------------------------------------------------------

    def page(self, path: str) -> Page:
        return Page(self.g, path, known=self.known)

    def render(self, template: str, page: Page, **ctx: Any) -> None:
        ctx.setdefault("alternates", [])
        ctx.setdefault("breadcrumbs", [])
        ctx.setdefault("section", "")
        ctx.setdefault("kind", "page")
        ctx.setdefault("base_url", None)
        html = self.env.get_template(template).render(page=page, root=page.root, nav=NAV, site_name=SITE_NAME,
                                                      **ctx)
        self.files[page.path] = html.encode("utf-8")

    def plan(self) -> None:
        """Every page the site will have, before any is written, so that links go only to pages that exist."""
        for iri in [*self.b.kind, *self.onto.terms]:
            path = page_path(iri)
            if path is not None:
                self.known.add(path)
        self.known |= {"index.html", "about.html", "404.html", "ontology/index.html", "shapes/index.html",
                       *INDEX_FILES.values(), *self.downloads}

    def entity_pages(self) -> None:
        b, g = self.b, self.g
        for iri, kind in b.kind.items():
            path = page_path(iri)
            if path is None:  # pragma: no cover - the builder keeps only IRIs that have a page
                continue
            page = self.page(path)
            builder: Callable[[Page, str], dict[str, Any]] = getattr(b, kind)
            ctx = builder(page, iri)
            h = b.header(page, iri, kind)
            parents = b.part_of(iri) if kind == "resource" else []
            crumb_kind = kind if kind != "resource" else ("edition" if parents else "")
            if kind == "programme" and ctx.get("editions"):
                editions = [e for e in g.editions if g.edition_programme.get(e) == iri]
                ctx["timeline"] = charts.timeline(b, page, editions, chart_id="timeline")
            elif kind == "programme":
                ctx["timeline"] = None
            self.render(f"{kind}.html", page, title=h["title"], h=h, kind=kind, section=kind,
                        alternates=b.alternates(page, iri), breadcrumbs=b.crumbs(page, crumb_kind, parents), **ctx)
            base = entity_path(iri)
            triples = describe_from_index(g, iri)
            for ext in RDF_EXTENSIONS:
                self.files[f"{base}.{ext}"] = serialize_as(triples, ext, self.context)

    def index_pages(self) -> None:
        b = self.b
        for kind in KINDS:
            path = INDEX_FILES[kind]
            page = self.page(path)
            ctx = b.index(page, kind)
            title = KIND_LABELS[kind][1] if kind != "concept" else "Topics and other terms"
            self.render("index_kind.html", page, title=title, intro=INDEX_INTROS.get(kind), section=kind,
                        kind="index", breadcrumbs=[Markup('<a href="index.html">Home</a>')], **ctx)

    def home(self) -> None:
        b, g = self.b, self.g
        page = self.page("index.html")
        counts = b.counts()
        named = {c for cl in g.country_lists.values() for c in cl.countries}
        inferred = sum(1 for c in g.claims.values() if c.inferred)
        stats = [
            {"n": counts["edition"], "what": "editions", "href": "editions.html"},
            {"n": len(named), "what": "countries named", "href": "countries.html"},
            {"n": counts["organisation"], "what": "organisations", "href": "organisations.html"},
            {"n": counts["person"], "what": "people", "href": "people.html"},
            {"n": counts["source"], "what": "source articles", "href": "sources.html"},
            {"n": len(g.claims), "what": f"facts with sources, {inferred} inferred", "href": "sources.html"},
            {"n": len(g.discrepancies), "what": "disagreements kept", "href": "editions.html"},
        ]
        kinds = [{"href": INDEX_FILES[k], "title": KIND_LABELS[k][1] if k != "concept" else "Topics",
                  "n": counts[k], "text": INDEX_INTROS[k]} for k in KINDS]
        chart_list = [charts.participation(b, page), charts.figures(b, page), charts.timeline(b, page)]
        self.render("home.html", page, title=SITE_NAME, stats=stats, kinds=kinds, charts=chart_list,
                    section="home", kind="home")
        self.render("about.html", self.page("about.html"), title="How to read these pages", kind="about")
        # served at any depth (for any unknown address), so its relative links start from the site's root
        self.render("404.html", self.page("404.html"), title="Not found", kind="notfound", base_url=self.base_url)

    # --- ontology and shapes ---------------------------------------------------------------------------------

    def term_link(self, page: Page, iri: str) -> Markup:
        t = self.onto.terms.get(iri)
        text = (t.label() if t and t.label() else None) or ("the ontology" if iri == ONTOLOGY_DOC else curie(iri))
        path = page_path(iri)
        if path and path.split("#")[0] in self.known:
            return Markup(f'<a href="{escape(page.href(path))}" title="{escape(curie(iri))}">{escape(text)}</a>')
        if iri.startswith(("http://", "https://")):
            return Markup(f'<a class="ext" href="{escape(iri)}" rel="external">{escape(curie(iri))}</a>')
        return Markup(escape(text))

    def shape_link(self, page: Page, iri: str) -> Markup:
        s = self.onto.shapes.get(iri)
        text = s.local if s else curie(iri)
        return Markup(f'<a href="{escape(page.href("shapes/index.html#" + text))}">{escape(text)}</a>')

    def constraint(self, page: Page, c: Constraint) -> Markup:
        def val(v: str | tuple[str, str]) -> Markup:
            if isinstance(v, tuple):
                if v[1].startswith(SHAPES_NS):
                    return self.shape_link(page, v[1])
                if v[1].startswith(KG):
                    return Markup(f"<code>{escape(curie(v[1]))}</code>")
                return self.term_link(page, v[1])
            return Markup(f"<code>{escape(v)}</code>")

        if c.name == "minLength" and c.value == ["1"]:
            return Markup("not empty")
        names = {"minCount": "at least", "maxCount": "at most", "datatype": "datatype", "class": "instance of",
                 "pattern": "matches", "languageIn": "language", "uniqueLang": "one value per language",
                 "minLength": "at least this many characters:", "in": "one of", "or": "one of",
                 "hasValue": "has the value", "lessThanOrEquals": "not after the value of", "nodeKind": "node kind",
                 "maxLength": "at most this many characters:", "node": "conforms to", "severity": "severity",
                 "deactivated": "deactivated", "flags": "pattern flags"}
        name = names.get(c.name, f"sh:{c.name}")
        if c.name == "uniqueLang":
            return Markup(escape(name))
        sep = " or " if c.name in ("or", "in") else ", "
        return Markup(f"{escape(name)} ") + Markup(escape(sep).join(val(v) for v in c.value))

    def shape_table(self, page: Page, shapes: list[Shape], *, with_owner: bool = False) -> Table:
        head = (["Node shape"] if with_owner else []) + ["Property shape", "Path", "Constraints", "Message"]
        t = Table(head, cls="shapes", row_headers=False)
        for s in shapes:
            cons = Markup("<br>").join(self.constraint(page, c) for c in s.constraints)
            owner = [Markup(", ").join(self.shape_link(page, o) for o in s.owners) or Markup("")] if with_owner else []
            path = self.term_link(page, s.path) if s.path and s.path.startswith("http") else (s.path or "")
            t.add(*owner, self.shape_link(page, s.iri), path, cons, s.message or "", id=None)
        return t

    def ontology_pages(self) -> int:
        """A page per term of the ontology, its index and the shapes page; the number of pages written."""
        onto, g = self.onto, self.g
        count = 0
        usage_p: dict[str, int] = {}  # triples per property
        usage_c: dict[str, int] = {}  # resources per class
        usage_o: dict[str, int] = {}  # uses of an IRI as a value
        for by_property in g.out.values():
            for p, objs in by_property.items():
                usage_p[p] = usage_p.get(p, 0) + len(objs)
                for o in objs:
                    if isinstance(o, NamedNode):
                        target = usage_c if p == V.TYPE else usage_o
                        target[o.value] = target.get(o.value, 0) + 1
        for iri, t in sorted(onto.terms.items()):
            path = page_path(iri)
            if not path:
                continue
            page = self.page(path)
            axioms = [(k, Markup(", ").join(self.term_link(page, v) if v.startswith("http") else Markup(escape(v))
                                            for v in vs)) for k, vs in t.axioms]
            shapes: list[dict[str, Any]] = []
            if t.kind == "class":
                for s in onto.shapes_for_class(iri):
                    members = [onto.shapes[p] for p in s.properties if p in onto.shapes]
                    title = Markup(f"{self.shape_link(page, s.iri)}: every {escape(t.label() or curie(iri))}")
                    shapes.append({"title": title, "comment": s.comment, "table": self.shape_table(page, members)})
                req = onto.shapes_requiring_class(iri)
                if req:
                    shapes.append({"title": "Values required to be one", "comment": None,
                                   "table": self.shape_table(page, req, with_owner=True)})
                n = usage_c.get(iri, 0)
                usage = f"{n} resource{'s' if n != 1 else ''} of this class (including those the ontology entails)."
            elif t.kind == "individual":
                n = usage_o.get(iri, 0) + usage_c.get(iri, 0)
                usage = f"Used as a value {n} time{'s' if n != 1 else ''}."
            else:
                ps = onto.shapes_for_property(iri)
                if ps:
                    shapes.append({"title": "Property shapes with this path", "comment": None,
                                   "table": self.shape_table(page, ps, with_owner=True)})
                n = usage_p.get(iri, 0)
                usage = f"Used in {n} triple{'s' if n != 1 else ''} (including entailed ones)."
            vocab = next((p for p, ns in VOCAB_PREFIXES.items() if iri.startswith(ns)), "")
            self.render("term.html", page, title=t.label() or curie(iri), kind=t.kind, ours=t.ours, vocab=vocab,
                        single_valued=t.single_valued, label_id=(t.label("id") if t.label("id") != t.label() else None),
                        iri=iri, curie=curie(iri), definitions=t.definitions, comments=t.comments, axioms=axioms,
                        shapes=shapes, usage=usage, section="ontology",
                        breadcrumbs=[Markup(f'<a href="{escape(page.href("index.html"))}">Home</a>'),
                                     Markup(f'<a href="{escape(page.href("ontology/index.html"))}">Ontology</a>')])
            count += 1
        self.ontology_index()
        self.shapes_page()
        return count + 2

    def ontology_index(self) -> None:
        """One table per kind of term, rows anchored by local name so that `ontology#Term` lands on its row."""
        onto = self.onto
        page = self.page("ontology/index.html")
        sections = []
        for heading, terms in onto.by_kind():
            if not terms:
                continue
            rows = []
            for t in terms:
                definition = next((d for lang, d in t.definitions if lang in ("en", "")), "")
                rows.append({"anchor": t.iri[len(KSST):] if t.iri.startswith(KSST) else None,
                             "link": self.term_link(page, t.iri), "en": t.label() or "",
                             "id": t.label("id") or "", "definition": definition})
            sections.append({"id": "s-" + heading.lower().replace(" ", "-"), "title": heading, "rows": rows})
        ont = self.onto.ontology_iri or ONTOLOGY_DOC
        title = next((txt for lang, txt in sorted(onto.literals(ont, V.TITLE)) if lang == "en"), "Ontology")
        title_id = next((txt for lang, txt in sorted(onto.literals(ont, V.TITLE)) if lang == "id"), None)
        descriptions = sorted(onto.literals(ont, "http://purl.org/dc/terms/description"))
        version = next((txt for _, txt in onto.literals(ont, "http://www.w3.org/2002/07/owl#versionInfo")), None)
        downloads = [{"href": page.href(p), "text": p.split("/")[-1]} for p in self.downloads]
        self.render("ontology_index.html", page, title=title, title_id=title_id, iri=ont, version=version,
                    downloads=downloads,
                    descriptions=descriptions, sections=sections, section="ontology", kind="ontology")

    def shapes_page(self) -> None:
        """Every node shape with its property shapes, anchored by local name (the shapes' hash IRIs)."""
        onto = self.onto
        page = self.page("shapes/index.html")
        node_shapes: list[dict[str, Any]] = []
        used: set[str] = set()
        for s in sorted((s for s in onto.shapes.values() if s.node), key=lambda s: s.iri):
            members = [onto.shapes[p] for p in s.properties if p in onto.shapes]
            for c in s.constraints:
                if c.name in ("or", "and", "xone"):
                    members += [onto.shapes[v[1]] for v in c.value if isinstance(v, tuple) and v[1] in onto.shapes]
            used |= {m.iri for m in members}
            rules: list[tuple[str, Markup | str]] = []
            if s.targets:
                rules.append(("Applies to", Markup(", ").join(self.term_link(page, x) for x in s.targets)))
            for c in s.constraints:
                rules.append(("Rule", self.constraint(page, c)))
            if s.message:
                rules.append(("Message", s.message))
            t = self.shape_table(page, members)
            for row, m in zip(t.rows, members, strict=True):
                row["id"] = m.local
            node_shapes.append({"anchor": s.local, "short": s.local, "comment": s.comment, "node_rules": rules,
                                "title": f"{s.local}" + (f": {s.label}" if s.label else ""), "table": t})
        orphans = self.shape_table(page, [s for s in onto.shapes.values() if not s.node and s.iri not in used])
        for row, s in zip(orphans.rows, [s for s in onto.shapes.values() if not s.node and s.iri not in used],
                          strict=True):
            row["id"] = s.local
        self.render("shapes.html", page, title="SHACL shapes", iri=SHAPES_DOC, node_shapes=node_shapes,
                    orphans=orphans, section="ontology", kind="shapes")

    # --- all -------------------------------------------------------------------------------------------------

    def build(self) -> dict[str, bytes]:
        self.plan()
        t = perf_counter()
        self.entity_pages()
        self.timings["entity pages"] = perf_counter() - t
        t = perf_counter()
        self.index_pages()
        self.home()
        self.timings["home and indexes"] = perf_counter() - t
        t = perf_counter()
        self.ontology_count = self.ontology_pages()
        self.timings["ontology pages"] = perf_counter() - t
        for doc, stem in ((ONTOLOGY_DOC, "ontology"), (SHAPES_DOC, "shapes")):
            triples = document_triples(doc, self.g.store, self.sources.shapes)
            for ext in RDF_EXTENSIONS:
                self.files[f"{stem}.{ext}"] = serialize_as(triples, ext, self.context)
        self.files["assets/site.css"] = (PACKAGE_DIR / "static" / "site.css").read_bytes()
        self.files.update(self.downloads)
        self.files[MARKER] = b"written by build_site; the folder is replaced as a whole on the next build\n"
        return self.files



# --- on disk ---------------------------------------------------------------------------------------------------


def _is_site(folder: Path) -> bool:
    """Whether `folder` may be replaced: it does not exist, is empty, or was written by `build_site`."""
    if not folder.exists():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def _remove_leftovers(site_dir: Path) -> None:
    """Temporary and replaced folders of earlier runs that were cut short (old enough not to be another
    run's, which takes seconds)."""
    now = time.time()
    for path in site_dir.parent.glob(f".{site_dir.name}.*-*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink() and now - path.stat().st_mtime > LEFTOVER_AGE:
                shutil.rmtree(path, ignore_errors=True)


def write_tree(site_dir: Path, files: Mapping[str, bytes]) -> None:
    """Make `site_dir` hold exactly these files: written whole into a new folder beside it, then put in its place
    by one atomic exchange of the two folders (Linux `renameat2`, as builds are published; elsewhere two renames,
    the first undone if the second fails). A failure leaves the previous site as it was."""
    if not _is_site(site_dir):
        raise UsageError(f"{site_dir} exists and is not a site written by `ksst site`; remove it or pass "
                         f"another --site")
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(site_dir)
    tmp = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}.tmp-"))
    try:
        os.chmod(tmp, default_mode(directory=True))
        for folder in sorted({str(Path(rel).parent) for rel in files}):
            (tmp / folder).mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            (tmp / rel).write_bytes(data)
        old = None
        if site_dir.exists() and rename_exchange(tmp, site_dir):
            old = tmp  # the previous site, swapped out in one step: a reader never finds no site
        elif site_dir.exists():  # no atomic exchange on this system: two renames, the second undone on failure
            old = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}.old-"))
            os.replace(site_dir, old)  # an empty folder is replaced by the rename
            try:
                os.replace(tmp, site_dir)
            except BaseException:
                os.replace(old, site_dir)
                raise
        else:
            os.replace(tmp, site_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_site(store: Store, site_dir: Path, sources: Sources, *, base_url: str = "/") -> SiteResult:
    """Write the static site of the graph in `store` to `site_dir`, documenting the ontology and the shapes
    of `sources`.

    `base_url` is the path the site is served under (`/` for `ksst serve`, `/ksst-kg/` for a project site on
    a static host): only the 404 page needs it, since it is served at any depth. Every other link is
    relative, so the site also opens from disk."""
    start = perf_counter()
    writer = SiteWriter(store, sources, base_url)
    files = writer.build()
    t = perf_counter()
    write_tree(site_dir, files)
    writer.timings["write"] = perf_counter() - t
    by_kind: dict[str, int] = {}
    for kind in writer.b.kind.values():
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return SiteResult(site_dir=site_dir, pages=sum(1 for p in files if p.endswith(".html")), files=len(files),
                      by_kind=dict(sorted(by_kind.items())), ontology_pages=writer.ontology_count,
                      skipped=writer.skipped, queries=writer.g.query_count, seconds=perf_counter() - start,
                      timings=writer.timings)


def build_site(out: Path = Path("build"), site: Path | None = None, *, base_url: str = "/") -> SiteResult:
    """The site of the build in `out` (its embedded store, ontology and shapes), written to `site` (default
    `out/site`, inside the build it shows). The build is held while it is read (`core.builds.reading`), so a
    build published meanwhile neither changes nor removes it. NoBuild where there is no build; UsageError
    where `site` is a folder of something else."""
    out = Path(out)
    with reading(out) as folder:
        store = open_build_store(folder / "store")
        result = write_site(store, Path(site) if site is not None else folder / SITE_DIR, Sources.of_build(folder),
                            base_url=base_url)
    if site is None:
        result.site_dir = out / SITE_DIR  # as the user names it (through the build folder's link)
    return result
