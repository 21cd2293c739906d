"""The site over HTTP: its files, and content negotiation for the graph's IRIs (what `ksst serve` answers
outside the SPARQL paths).

    GET /id/edition/sim-2018   Accept: text/html (a browser), or none   200 the page
                               Accept: text/turtle                      200 the entity's description in Turtle
                               Accept: application/ld+json              200 JSON-LD with the project's context
                               Accept: application/n-triples            200 N-Triples
                               Accept: image/png                        406 naming what is offered
    GET /id/edition/sim-2018.ttl (or .html, .jsonld, .nt)               that file, whatever Accept says
    GET /ontology, /shapes     the index page (303 to /ontology/, so that its relative links work), or their
                               triples in the format asked for
    GET /, /editions.html, /assets/site.css, ...                        the site's files
    anything else              404 with the site's 404 page (plain text to a client that takes no HTML)

The answers are the site's own files: the `.ttl`, `.jsonld` and `.nt` beside each page hold the entity's
description (`rdf.describe_from_index`) written by the build's writers, so the server needs no store, answers exactly
what a static host would, and a site always answers for the build it was made from. The format is the one
with the highest quality value of the most specific media range that matches it (RFC 9110, 12.5.1); ties go
to HTML, then Turtle, JSON-LD, N-Triples. A negotiated answer carries `Vary: Accept`, `Content-Location` (the
file chosen) and a `Link` header to every format. The w3id redirect in front already answers with 303, so the
IRI itself answers 200 with the document.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .ns import BASE
from .paths import ONTOLOGY_DOC, RDF_EXTENSIONS, SHAPES_DOC, entity_path, iri_of_request

#: the formats an IRI is offered in: (file extension, content type sent, media types accepted for it)
FORMATS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("html", "text/html; charset=utf-8", ("text/html", "application/xhtml+xml")),
    ("ttl", "text/turtle; charset=utf-8", ("text/turtle", "application/x-turtle")),
    ("jsonld", "application/ld+json", ("application/ld+json", "application/json")),
    ("nt", "application/n-triples", ("application/n-triples",)),
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ttl": "text/turtle; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".txt": "text/plain; charset=utf-8",
}
PLAIN = "text/plain; charset=utf-8"
NOT_FOUND_TEXT = b"Not found: the graph does not describe this IRI, and the site has no such page.\n"

Answer = tuple[int, dict[str, str], bytes]


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """Media ranges with their quality values, in the order given (malformed parts are skipped)."""
    out = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def choose(accept: str | None) -> str | None:
    """The extension of the format to answer with (`html`, `ttl`, `jsonld`, `nt`), or None if the client
    accepts none of them. No Accept header (or an empty one) means HTML."""
    ranges = parse_accept(accept)
    if not ranges:
        return "html"
    best, best_q = None, 0.0
    for ext, _, types in FORMATS:
        q_for_format = 0.0
        for media in types:
            main = media.split("/")[0]
            specific = [q for r, q in ranges if r == media]
            partial = [q for r, q in ranges if r == f"{main}/*"]
            anything = [q for r, q in ranges if r == "*/*"]
            q_for_format = max(q_for_format, (specific or partial or anything or [0.0])[0])
        if q_for_format > best_q:
            best, best_q = ext, q_for_format
    return best


@dataclass(frozen=True)
class SitePages:
    """The site in `site_dir` (written by `build_site`) as `ksst serve` answers it; `respond` is the whole
    interface: the status, headers and body for a GET of `path` with that Accept header."""

    site_dir: Path

    def respond(self, path: str, accept: str) -> Answer | None:
        """The answer to `GET path` (see the module's docstring). Every path gets one, the unknown ones the
        404 page, so this never returns None (the type allows a front to try something else first)."""
        if path.startswith(BASE):  # the full IRI, as a client that skips the w3id redirect may send it
            path = "/" + path[len(BASE):]
        path = unquote(urlsplit(path).path) or "/"
        if "\x00" in path or any(seg in ("..", ".") for seg in path.split("/")):
            return self.not_found(accept)
        iri = iri_of_request(path)
        if iri is not None and posixpath.splitext(path)[1] not in CONTENT_TYPES:
            return self.negotiate(path, iri, accept)
        return self.static(path, accept)

    # --- the IRIs ------------------------------------------------------------------------------------------

    def negotiate(self, path: str, iri: str, accept: str) -> Answer:
        ext = choose(accept)
        if ext is None:
            offered = ", ".join(types[0] for _, _, types in FORMATS)
            return 406, {"Content-Type": PLAIN, "Vary": "Accept"}, \
                f"Not acceptable: this IRI is offered as {offered}.\n".encode()
        files = self.files_of(iri)
        if files is None or not (self.site_dir / files["html"]).is_file():
            return self.not_found(accept, vary=True)
        if ext == "html" and iri in (ONTOLOGY_DOC, SHAPES_DOC) and not path.endswith("/"):
            # the index page's links are relative to its folder: send the browser there (the fragment of a
            # hash IRI, ontology#Edition, stays with the browser and lands on the term's row)
            location = "/" + files["html"].rsplit("/", 1)[0] + "/"
            return 303, {"Location": location, "Vary": "Accept", "Content-Type": PLAIN}, \
                f"See {location}\n".encode()
        chosen = self.site_dir / files[ext]
        headers = {
            "Content-Type": next(ct for e, ct, _ in FORMATS if e == ext),
            "Vary": "Accept",
            "Content-Location": "/" + files[ext],
            "Link": ", ".join(f'</{files[e]}>; rel="alternate"; type="{types[0]}"' for e, _, types in FORMATS),
        }
        return 200, headers, chosen.read_bytes()

    @staticmethod
    def files_of(iri: str) -> dict[str, str] | None:
        """The site's file of each format for an IRI (paths from the site's root)."""
        if iri == ONTOLOGY_DOC:
            return {"html": "ontology/index.html", **{ext: f"ontology.{ext}" for ext in RDF_EXTENSIONS}}
        if iri == SHAPES_DOC:
            return {"html": "shapes/index.html", **{ext: f"shapes.{ext}" for ext in RDF_EXTENSIONS}}
        base = entity_path(iri)
        if base is None:
            return None
        return {ext: f"{base}.{ext}" for ext, _, _ in FORMATS}

    # --- the files -----------------------------------------------------------------------------------------

    def static(self, path: str, accept: str) -> Answer:
        rel = path.lstrip("/") or "index.html"
        target = self.site_dir / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or any(part.startswith(".") for part in Path(rel).parts):
            return self.not_found(accept)
        content_type = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        return 200, {"Content-Type": content_type}, target.read_bytes()

    def not_found(self, accept: str, *, vary: bool = False) -> Answer:
        headers = {"Vary": "Accept"} if vary else {}
        page = self.site_dir / "404.html"
        if choose(accept) == "html" and page.is_file():
            return 404, {**headers, "Content-Type": CONTENT_TYPES[".html"]}, page.read_bytes()
        return 404, {**headers, "Content-Type": PLAIN}, NOT_FOUND_TEXT
