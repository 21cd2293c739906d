"""The graph as people read it: a static site with a page for every resource, every fact footnoted, charts
and the ontology's documentation (`build.py`), and the same site over HTTP with content negotiation for the
graph's IRIs (`negotiate.py`), for whatever build `ksst serve` serves (`serving.py`). See docs/site.md.

Names are imported on first use: serving the site needs neither rdflib nor Jinja2, which only writing it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.lazy import lazy_exports

if TYPE_CHECKING:
    from .build import SiteResult, Sources, build_site, write_site
    from .negotiate import SitePages
    from .paths import SITE_DIR
    from .serving import BuildPages

_LAZY = {
    "SITE_DIR": "paths",
    "SiteResult": "build",
    "Sources": "build",
    "build_site": "build",
    "write_site": "build",
    "SitePages": "negotiate",
    "BuildPages": "serving",
}

__all__ = ["SITE_DIR", "BuildPages", "SitePages", "SiteResult", "Sources", "build_site", "write_site"]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
