"""Inline HTML for values, links and citations, for one page at a time.

A `Page` knows where it sits in the site (so that every link is relative and the site opens from disk or from
any folder of a server) and keeps the page's notes: the numbered source footnotes and the lettered notes that
give the reasoning of inferred facts. Citations are numbered in the order the page first cites them, so the
same page always gets the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from pyoxigraph import BlankNode, Literal, NamedNode

from .graph import Claim, SiteGraph, Term
from .ns import KG, KSST, SCHEMA, XSD, curie
from .paths import page_path, relative, root_of

NDASH, RSAQUO = "\u2013", "\u203a"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

MODES = {
    SCHEMA + "OfflineEventAttendanceMode": "in person",
    SCHEMA + "OnlineEventAttendanceMode": "online",
    SCHEMA + "MixedEventAttendanceMode": "hybrid (in person and online)",
}

_NUMERIC = {XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "decimal", "int", "long")}


def format_literal(lit: Literal) -> str:
    """A literal as a reader would write it: dates in words, durations in days, numbers with separators."""
    v, dt = lit.value, lit.datatype.value if lit.datatype else ""
    try:
        if dt == XSD + "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            y, m, d = v.split("-")
            return f"{int(d)} {MONTHS[int(m) - 1]} {y}"
        if dt == XSD + "gYearMonth" and re.fullmatch(r"\d{4}-\d{2}", v):
            y, m = v.split("-")
            return f"{MONTHS[int(m) - 1]} {y}"
        if dt == XSD + "duration":
            match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", v)
            if match and any(match.groups()):
                parts = [f"{n} {unit}{'' if n == '1' else 's'}"
                         for n, unit in zip(match.groups(), ("year", "month", "day"), strict=True) if n]
                return ", ".join(parts)
        if dt in _NUMERIC:
            whole, _, frac = v.partition(".")
            sign = "-" if whole.startswith("-") else ""
            whole = f"{int(whole.lstrip('+-') or '0'):,}"
            return sign + whole + ("." + frac if frac else "")
        if dt == XSD + "boolean":
            return "yes" if v in ("true", "1") else "no"
    except (ValueError, IndexError):
        pass
    return v


@dataclass
class SourceNote:
    number: int
    source: str
    passage: str | None
    first: int | None = None    # the earlier footnote to the same article (another passage of it)


@dataclass
class ReasonNote:
    letter: str
    reasoning: str
    sources: tuple[str, ...]


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


class Page:
    """Rendering helpers bound to one page of the site."""

    def __init__(self, g: SiteGraph, path: str, local_anchors: dict[str, str] | None = None,
                 known: set[str] | None = None) -> None:
        self.g = g
        self.known = known   # the site's files: links go only to pages that exist
        self.path = path
        self.root = root_of(path)
        self.source_notes: dict[tuple[str, str | None], SourceNote] = {}
        self.reason_notes: dict[str, ReasonNote] = {}
        self.local_anchors = local_anchors or {}   # IRI -> in-page anchor, for things shown on this page

    # --- links --------------------------------------------------------------------------------------------

    def href(self, target: str) -> str:
        """Relative link to a site file (given relative to the site root)."""
        return relative(self.path, target)

    def url_of(self, iri: str) -> str | None:
        if iri in self.local_anchors:
            return "#" + self.local_anchors[iri]
        target = page_path(iri)
        if target is None or (self.known is not None and target.split("#")[0] not in self.known):
            return None
        return relative(self.path, target)

    def link(self, iri: str, text: str | None = None, cls: str | None = None) -> Markup:
        """A link to the page of an IRI, named by its English label; an outside IRI links out."""
        text = self.g.label(iri) if text is None else text
        url = self.url_of(iri)
        klass = f' class="{cls}"' if cls else ""
        if url is not None:
            return Markup(f'<a href="{escape(url)}"{klass}>{escape(text)}</a>')
        if iri.startswith(("http://", "https://")):
            return Markup(f'<a href="{escape(iri)}" class="ext" rel="external">{escape(curie(iri))}</a>')
        return Markup(f"<span{klass}>{escape(text)}</span>")

    def term(self, t: Term | None) -> Markup:
        """A value: a link for a resource, formatted text for a literal (tagged with its language)."""
        if t is None:
            return Markup("")
        if isinstance(t, NamedNode):
            if t.value in MODES:
                return self.link(t.value, MODES[t.value])
            if t.value.startswith(KG) or t.value.startswith(KSST):
                return self.link(t.value)
            if page_path(t.value) is not None:
                return self.link(t.value, self.g.label(t.value) if self.g.has_label(t.value) else curie(t.value))
            return self.link(t.value)
        if isinstance(t, BlankNode):
            return Markup(f"<span>_:{escape(t.value)}</span>")
        text = escape(format_literal(t))
        if t.language and t.language != "en":
            return Markup(f'<span lang="{escape(t.language)}">{text}</span>')
        return Markup(text)

    def term_date(self, value: str) -> str:
        return format_literal(Literal(value, datatype=NamedNode(XSD + "date")))

    def prop(self, iri: str) -> Markup:
        """A property, named by its ontology label and linked to its documentation."""
        return self.link(iri, self.g.label(iri) if self.g.has_label(iri) else curie(iri))

    # --- citations ----------------------------------------------------------------------------------------

    def cite_claims(self, claims: list[Claim], *, disputes: bool = True) -> Markup:
        """Footnote markers for the sources of these claims, an `inferred` mark (with the reasoning as a
        lettered note) and a `disputed` mark for a claim in a discrepancy."""
        if not claims:
            return Markup("")
        numbers: list[int] = []
        parts: list[str] = []
        for c in sorted(claims, key=lambda c: c.iri):
            for src in c.sources:
                key = (src, c.passage)
                note = self.source_notes.get(key)
                if note is None:
                    first = next((n.number for n in self.source_notes.values() if n.source == src), None)
                    note = self.source_notes[key] = SourceNote(len(self.source_notes) + 1, src, c.passage, first)
                if note.number not in numbers:
                    numbers.append(note.number)
        if numbers:
            links = ",".join(f'<a href="#fn-{n}">{n}</a>' for n in sorted(numbers))
            parts.append(f'<sup class="cite">[{links}]</sup>')
        for c in sorted(claims, key=lambda c: c.iri):
            if c.inferred:
                text = c.reasoning or "No reasoning recorded."
                reason = self.reason_notes.get(text)
                if reason is None:
                    reason = self.reason_notes[text] = ReasonNote(_letters(len(self.reason_notes)), text, c.sources)
                parts.append(f'<a class="badge inferred" href="#why-{reason.letter}" title="{escape(text)}">'
                             f'inferred<sup>{reason.letter}</sup></a>')
        if disputes:
            for d in self.g.discrepancies_of(claims):
                url = self.url_of(d) or "#"
                parts.append(f'<a class="badge disputed" href="{escape(url)}">disputed</a>')
        return Markup("".join(parts))

    def cite(self, s: str, p: str, o: Term) -> Markup:
        return self.cite_claims(self.g.claims_for(s, p, o))

    def fact(self, s: str, p: str, o: Term) -> Markup:
        """One value with its citations (and `entailed` if only OWL RL gives it)."""
        mark = ""
        if self.g.is_entailed(s, p, o):
            mark = '<span class="badge entailed" title="entailed by the ontology (OWL RL)">entailed</span>'
        return Markup(f'<span class="fact">{self.term(o)}{self.cite(s, p, o)}{mark}</span>')

    def facts(self, s: str, p: str, sep: str = ", ", values: list[Term] | None = None) -> Markup:
        """All values of a property. Where a single-valued property has several values (sources disagree),
        they are shown side by side, each with its sources."""
        vs = self.g.values(s, p) if values is None else values
        if not vs:
            return Markup("")
        if len(vs) > 1 and p in self.g.single_valued:
            claims = [c for o in vs for c in self.g.claims_for(s, p, o)]
            cells = "".join(f'<div class="alt">{self.term(o)}'
                            f'{self.cite_claims(self.g.claims_for(s, p, o), disputes=False)}</div>' for o in vs)
            links = "".join(f' <a class="badge disputed" href="{escape(self.url_of(d) or "#")}">see discrepancy</a>'
                            for d in self.g.discrepancies_of(claims))
            return Markup(f'<div class="conflict" role="group" aria-label="values that disagree">'
                          f'<div class="conflict-head">Sources disagree{links}</div>'
                          f'<div class="alts">{cells}</div></div>')
        return Markup(escape(sep).join(self.fact(s, p, o) for o in vs))

    # --- the notes at the end of a page -------------------------------------------------------------------

    def source_footnotes(self) -> list[SourceNote]:
        return sorted(self.source_notes.values(), key=lambda n: n.number)

    def footnote(self, n: SourceNote) -> Markup:
        """One entry of the Sources list: outlet, headline, date (or why it is unknown), address; a further
        passage of an article already listed refers back to it."""
        src = self.g.sources.get(n.source)
        passage = Markup(f' <span class="passage">At: {escape(n.passage)}.</span>') if n.passage else Markup("")
        if src is None:
            return Markup(f"{self.link(n.source)}.{passage}")
        outlet = self.link(src.publisher) if src.publisher else Markup(escape(src.label))
        if n.first is not None:
            return Markup(f'The article of <a href="#fn-{n.first}">[{n.first}]</a> ({outlet}).{passage}')
        parts = [Markup(f'<span class="outlet">{outlet}</span>')]
        if src.headline:
            parts.append(Markup(f'<q lang="id">{escape(src.headline)}</q>'))
        if src.date:
            date = Markup(f"published {escape(self.term_date(src.date))}")
        else:
            date = Markup('<span class="none">publication date not known</span>')
        if src.date_note:
            date += Markup(f' <span class="why">({escape(src.date_note.rstrip(". "))})</span>')
        parts.append(date)
        text = Markup(", ").join(parts) + Markup(".")
        if src.url:
            text += Markup(f' <a class="ext" href="{escape(src.url)}" rel="external">{escape(src.url)}</a>')
        return text + passage + Markup(f' <span class="about">{self.link(src.iri, "About this source")}</span>')

    def reasoning_notes(self) -> list[ReasonNote]:
        return sorted(self.reason_notes.values(), key=lambda n: n.letter.rjust(4))
