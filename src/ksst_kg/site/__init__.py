"""The graph as people read it: a static site with a page for every resource, every fact footnoted, charts
and the ontology's documentation (`build.py`), and the same site over HTTP with content negotiation for the
graph's IRIs (`negotiate.py`), for whatever build `ksst serve` serves (`serving.py`). See docs/site.md.

Names are imported on first use: serving the site needs neither rdflib nor Jinja2, which only writing it does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
