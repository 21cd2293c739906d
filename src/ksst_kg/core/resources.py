"""Find the project's first-class source files (ontology, shapes, queries, QC checks).

In a checkout they are read from the top-level folders, so an edit shows at once; an installed wheel
carries copies under `ksst_kg/_resources`.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # ksst_kg/, which ships _resources/ in a wheel
CHECKOUT_ROOT = PACKAGE_DIR.parent.parent


def resource_dir(name: str) -> Path:
    """`ontology`, `shapes`, `queries` or `qc`: the checkout's folder if present, else the packaged one."""
    for candidate in (CHECKOUT_ROOT / name, PACKAGE_DIR / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resource folder {name!r} not found beside {PACKAGE_DIR}")


def resource_path(folder: str, name: str) -> Path:
    return resource_dir(folder) / name


def default_data_dir() -> Path:
    """The curated records: `data/` of the checkout, or of the current directory."""
    for candidate in (Path.cwd() / "data", CHECKOUT_ROOT / "data"):
        if (candidate / "sources.yaml").is_file():
            return candidate
    return Path.cwd() / "data"


def ontology_files() -> list[Path]:
    return sorted(resource_dir("ontology").glob("*.ttl"))


def ontology_triples() -> list[Triple]:
    """Every `ontology/*.ttl`, as the build, the validators and the reasoner read it."""
    return [q.triple for path in ontology_files() for q in parse(path=str(path), format=RdfFormat.TURTLE)]
