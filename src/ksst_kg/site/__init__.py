"""The graph as people read it: a static site with a page for every resource, every fact footnoted, charts
and the ontology's documentation (`build.py`), and the same site over HTTP with content negotiation for the
graph's IRIs (`negotiate.py`, what `ksst serve` answers outside the SPARQL paths). See docs/site.md.

Names are imported on first use: serving the site needs neither rdflib nor Jinja2, which only writing it does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import SITE_DIR, SiteResult, Sources, build_site, write_site
    from .negotiate import SitePages

_LAZY = {
    "SITE_DIR": "build",
    "SiteResult": "build",
    "Sources": "build",
    "build_site": "build",
    "write_site": "build",
    "SitePages": "negotiate",
}

__all__ = ["SITE_DIR", "SitePages", "SiteResult", "Sources", "build_site", "write_site"]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` when it is first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ksst_kg.site' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
