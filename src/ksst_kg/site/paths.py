"""Where each IRI's page lives in the site, and the way back from a request path to the IRI.

The site mirrors the IRI space under `https://w3id.org/ksst-kg/`:

    https://w3id.org/ksst-kg/id/edition/sim-2018           ->  id/edition/sim-2018.html   (+ .ttl .jsonld .nt)
    https://w3id.org/ksst-kg/id/edition/sim-2018/visit/bbt ->  id/edition/sim-2018/visit/bbt.html
    https://w3id.org/ksst-kg/ontology#Edition              ->  ontology/Edition.html (and ontology/index.html#Edition)
    https://schema.org/startDate (declared in the ontology) ->  ontology/ext/schema/startDate.html
    https://w3id.org/ksst-kg/shapes#Edition-year           ->  shapes/index.html#Edition-year

An entity page is the IRI's path below `id/` plus `.html`, not `.../index.html`: a page and the pages of the
nodes under it (an edition and its visits) sit side by side (`sim-2018.html`, `sim-2018/`), relative links have
one depth per IRI segment, the site opens from disk as well as from a server, and static hosts that drop
`.html` (`/id/edition/sim-2018` -> `id/edition/sim-2018.html`) need no rewriting. Pages that are not the
description of one IRI (home, the index of each kind, the 404 page) sit at the top level, outside `id/`,
`ontology/` and `shapes/`, so they never collide with an IRI's page.

Only IRIs whose path below `id/` is made of the characters of the model's slugs and ISO codes (letters,
digits, `-`, `_`, `.`, `/`) get a page; anything else would need escaping on disk and in links and is
reported as skipped.
"""

from __future__ import annotations

import re
from functools import cache

from .ns import BASE, KG, KSST, VOCAB_PREFIXES

SITE_DIR = "site"  # the site's folder inside a build folder, by default
MARKER = ".ksst-site"  # a folder with this file was written by build_site and may be replaced by it
ONTOLOGY_FILES, SHAPES_FILES = "ontology-*.ttl", "shapes-*.ttl"  # what a build ships of the ontology and shapes
SHAPES_NS = BASE + "shapes#"
ONTOLOGY_DOC = BASE + "ontology"
SHAPES_DOC = BASE + "shapes"

_SLUG_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*")
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")

# the formats an entity is published in beside its page, by file extension
RDF_EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}


@cache
def entity_path(iri: str) -> str | None:
    """`id/edition/sim-2018` for `kg:edition/sim-2018` (no extension); None for IRIs outside `kg:` or
    whose path cannot be a file name as it stands."""
    if not iri.startswith(KG):
        return None
    rest = iri[len(KG):]
    if not _SLUG_PATH.fullmatch(rest) or rest.endswith(".html") or rest.split("/")[-1] == "index":
        return None
    if any(seg in (".", "..") for seg in rest.split("/")):
        return None
    return "id/" + rest


@cache
def page_path(iri: str) -> str | None:
    """The site file (relative to the site root) that documents an IRI, with a fragment for hash IRIs
    documented on a shared page; None if the site has no page for it."""
    path = entity_path(iri)
    if path is not None:
        return path + ".html"
    if iri.startswith(KSST):
        local = iri[len(KSST):]
        return f"ontology/{local}.html" if _LOCAL.fullmatch(local) else None
    if iri.startswith(SHAPES_NS):
        local = iri[len(SHAPES_NS):]
        return f"shapes/index.html#{local}" if _LOCAL.fullmatch(local) else None
    if iri == ONTOLOGY_DOC:
        return "ontology/index.html"
    if iri == SHAPES_DOC:
        return "shapes/index.html"
    for prefix, ns in VOCAB_PREFIXES.items():
        if iri.startswith(ns):
            local = iri[len(ns):]
            if _LOCAL.fullmatch(local):
                return f"ontology/ext/{prefix}/{local}.html"
    return None


def iri_of_request(path: str) -> str | None:
    """The IRI a request path names, as the server sees it after the w3id redirect: `/id/edition/sim-2018`
    (or with `.html`, `.ttl`, `.jsonld`, `.nt`) -> `kg:edition/sim-2018`; `/ontology` and `/shapes` -> the
    ontology and the shapes documents. None for any other path."""
    path = "/" + path.lstrip("/")
    if path in ("/ontology", "/ontology/"):
        return ONTOLOGY_DOC
    if path in ("/shapes", "/shapes/"):
        return SHAPES_DOC
    if not path.startswith("/id/"):
        return None
    rest = path[len("/id/"):]
    for ext in ("html", *RDF_EXTENSIONS):
        if rest.endswith("." + ext):
            rest = rest[: -len(ext) - 1]
            break
    iri = KG + rest
    return iri if entity_path(iri) is not None else None


def relative(from_page: str, to_target: str) -> str:
    """A relative link from one site file to another (`to_target` may carry a `#fragment`); both are paths
    from the site root, without `.` or `..` segments."""
    target, _, fragment = to_target.partition("#")
    if not target:
        rel = from_page.rsplit("/", 1)[-1]
    else:
        rel = _relative(from_page.rsplit("/", 1)[0] if "/" in from_page else "", target)
    return rel + ("#" + fragment if fragment else "")


@cache
def _relative(from_dir: str, target: str) -> str:
    here = from_dir.split("/") if from_dir else []
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:])


def root_of(page: str) -> str:
    """The relative path from a page to the site root, ending in `/` (or empty at the root)."""
    depth = page.count("/")
    return "../" * depth
