"""Which files of a data folder are records: every file that looks like one is read or named in an error.

A data folder holds

    reference/countries.yaml, organisations.yaml, places.yaml, concepts.yaml   reference data
    reference/<organisation>-membership.yaml                                   member states of an organisation
    sources.yaml, people.yaml, programmes.yaml
    editions/<edition-id>.yaml                                                  one file per edition
    expectations/<source-id>.yaml                                               facts to check (not build input)

and anything else that is not YAML (copies of texts a source's `file` names, notes). A file or folder whose
name starts with a dot is ignored (editors' lock and swap files). Anything else that looks like a record
(`*.yaml` or `*.yml` in any case, in any folder) is an error naming it: a `.yml` file, an edition in a
sub-folder of `editions/`, a YAML file the build would not read, a folder, a pipe or a dangling link named
like one. A clean build and a rebuild both start from `scan`, so they treat such files alike.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import RecordError, RecordErrors

REFERENCE_FILES = ("reference/countries.yaml", "reference/organisations.yaml", "reference/places.yaml",
                   "reference/concepts.yaml", "sources.yaml", "people.yaml", "programmes.yaml")
MEMBERSHIP = re.compile(r"^reference/([a-z0-9]+(?:-[a-z0-9]+)*)-membership\.yaml$")
EDITION = re.compile(r"^editions/[^/]+\.yaml$")
EXPECTATIONS = re.compile(r"^expectations/[^/]+\.yaml$")
MAX_DEPTH = 16


@dataclass
class RecordFiles:
    """The record files of a data folder, as POSIX paths relative to it, sorted."""

    inputs: list[str] = field(default_factory=list)  # everything a build reads
    editions: list[str] = field(default_factory=list)
    memberships: dict[str, str] = field(default_factory=dict)  # organisation id → file
    expectations: list[str] = field(default_factory=list)


def looks_like_record(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def record_files(root: Path) -> RecordFiles:
    """Classify every file under `root` that looks like a record; RecordErrors naming each one that cannot be
    a record of this folder (see the module docstring)."""
    out = RecordFiles()
    errors: list[RecordError] = []
    for rel, problem in _walk(Path(root)):
        path = str(Path(root) / rel)
        if problem:
            errors.append(RecordError(path, None, None, problem))
        elif not rel.endswith(".yaml"):
            errors.append(RecordError(path, None, None, f"record files end in .yaml: rename it to "
                                      f"{Path(rel).stem}.yaml, or the build does not read it"))
        elif rel in REFERENCE_FILES:
            out.inputs.append(rel)
        elif EDITION.match(rel):
            out.inputs.append(rel)
            out.editions.append(rel)
        elif MEMBERSHIP.match(rel):
            out.inputs.append(rel)
            out.memberships[MEMBERSHIP.match(rel).group(1)] = rel  # type: ignore[union-attr]  # matched above
        elif EXPECTATIONS.match(rel):
            out.expectations.append(rel)
        else:
            errors.append(RecordError(path, None, None, _misplaced(rel)))
    if errors:
        raise RecordErrors(errors)
    return out


def _misplaced(rel: str) -> str:
    if rel.startswith("editions/"):
        return "an edition file must be directly in editions/ (editions/<edition-id>.yaml); the build does not read " \
               "sub-folders"
    return ("not a record file the build reads: reference data is reference/countries.yaml, organisations.yaml, "
            "places.yaml, concepts.yaml or <organisation>-membership.yaml; editions are editions/<id>.yaml; "
            "expectations are expectations/<source-id>.yaml; move, rename or remove it")


def _walk(root: Path) -> list[tuple[str, str | None]]:
    """(relative path, problem or None) of every entry that looks like a record, in sorted order; folders are
    followed (also through links, each real folder once), dot files skipped."""
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()

    def visit(folder: Path, rel: str, depth: int) -> None:
        real = os.path.realpath(folder)
        if real in seen or depth > MAX_DEPTH:
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            out.append((rel or ".", f"cannot read the folder: {exc.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{rel}/{entry.name}" if rel else entry.name
            try:
                info = os.stat(entry.path)  # follows links
            except OSError:
                if looks_like_record(entry.name):
                    out.append((child, "a symbolic link to nothing (or to something that cannot be read)"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if looks_like_record(entry.name):
                    out.append((child, "is a folder; a record file must be a file"))
                else:
                    visit(Path(entry.path), child, depth + 1)
            elif looks_like_record(entry.name):
                regular = stat.S_ISREG(info.st_mode)
                out.append((child, None if regular else "not a regular file (a pipe, socket or device)"))

    visit(root, "", 0)
    return out


def scan(root: Path) -> dict[str, bytes]:
    """Every record file a build reads (relative POSIX path → bytes), read once so that one build sees one
    version of each; RecordErrors for files that look like records but cannot be (see `record_files`)."""
    files = record_files(root)
    out: dict[str, bytes] = {}
    errors: list[RecordError] = []
    for rel in files.inputs:
        try:
            out[rel] = (Path(root) / rel).read_bytes()
        except OSError as exc:
            errors.append(RecordError(str(Path(root) / rel), None, None, f"cannot read: {exc.strerror}"))
    if errors:
        raise RecordErrors(errors)
    return out
