"""What a build keeps for the next one, in `<build>/.cache/`: enough to rebuild after a few edition records
changed without converting, validating or writing the rest again (`rebuild.py`).

The cache lives inside the build folder, so it is swapped in with the exports it describes and can never
describe other files than those beside it. It holds:

* `state.json`: a fingerprint of everything a build depends on besides the records (the code, the ontology,
  the shapes, the QC queries, the options, the data folder's name), the SHA-256 of every record file, and
  per edition file its edition id and the countries it names (for the summary);
* `yaml/<sha256>.marshal`: the parsed YAML of each record file but the editions (plain lists, dicts, strings
  and numbers: the loader keeps dates as text), so that a build reads the large reference files only when
  they changed;
* `asserted.index` and `inferred.index`: each graph's subjects in export order with the length of their block
  in each export, and for the asserted graph the record files each subject comes from (`splice.GraphIndex`).

A missing, unreadable or foreign cache only means a clean build.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.resources import PACKAGE_DIR, resource_dir
from ..core.version import __version__
from ..export.splice import GraphIndex
from ..records import parse_yaml, scan

CACHE = ".cache"
FORMAT = 1
REFERENCE = "reference"  # the chunk key of everything that is not an edition (see convert.convert)


def fingerprint(*, infer: bool, data_dir: Path) -> str:
    """SHA-256 of what a build depends on besides the records: a change to any of it means a clean build.

    The data folder's name is part of it because violations name record files by it."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{infer}\0{data_dir}\0".encode())
    digest.update(code_digest(PACKAGE_DIR).encode())
    for folder in ("ontology", "shapes", "qc"):
        for path in sorted(p for p in resource_dir(folder).iterdir() if p.is_file()):
            digest.update(f"{folder}/{path.name}".encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_digest(package_dir: Path) -> str:
    """SHA-256 of every module of the package, subpackages included, by relative path: an edit to any module
    anywhere in the package means a clean build."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every record file under `root` (relative POSIX path → bytes), read once so that one build sees one
    version of each file; a file that looks like a record but cannot be one (`records.record_files`) is an
    error for a rebuild exactly as for a clean build."""
    return scan(root)


def digests(files: Mapping[str, bytes]) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


def is_edition(rel: str) -> bool:
    """Whether a record file is one edition (`editions/*.yaml`), the unit a rebuild can redo on its own."""
    parts = rel.split("/")
    return len(parts) == 2 and parts[0] == "editions"


class YamlCache:
    """Parsed YAML by file digest: from the previous cache where the file is unchanged, else parsed now."""

    def __init__(self, root: Path, files: Mapping[str, bytes], sums: Mapping[str, str], old: Path | None) -> None:
        self.root, self.files, self.sums = root, files, sums
        self.old = old / "yaml" if old is not None else None
        self.parsed: dict[str, Any] = {}

    def reader(self) -> Callable[[Path], Any]:
        """A `records.read_yaml` for `load_dataset`: the snapshot's bytes, the cached parse when there is one."""
        def read(path: Path) -> Any:
            rel = Path(path).relative_to(self.root).as_posix()
            if rel not in self.files:
                return parse_yaml(None, path)  # the error a missing file gives
            return self.load(rel, path)
        return read

    def load(self, rel: str, path: Path | None = None) -> Any:
        """The parsed YAML of the current version of `rel`."""
        digest = self.sums[rel]
        if digest in self.parsed:
            return self.parsed[digest]
        cached = self.old / f"{digest}.marshal" if self.old is not None else None
        if cached is not None and cached.is_file():
            value = marshal.loads(cached.read_bytes())
        else:
            value = parse_yaml(self.files[rel], path or self.root / rel)
        self.parsed[digest] = value
        return value

    def save(self, cache_dir: Path) -> None:
        """Keep the parse of every current file but the editions (linked from the old cache where it is there,
        else written): editions are small and many, and a rebuild reads only the few it needs."""
        folder = cache_dir / "yaml"
        folder.mkdir(parents=True, exist_ok=True)
        for rel, digest in sorted(self.sums.items()):
            if is_edition(rel):
                continue
            target = folder / f"{digest}.marshal"
            if target.exists():
                continue
            source = self.old / f"{digest}.marshal" if self.old is not None else None
            if source is not None and source.is_file():
                os.link(source, target)
            elif digest in self.parsed:  # files the build does not read are not kept
                target.write_bytes(marshal.dumps(self.parsed[digest]))


@dataclass
class State:
    """`state.json`: see the module docstring."""

    fingerprint: str
    files: dict[str, str]
    editions: dict[str, str] = field(default_factory=dict)
    countries: dict[str, list[str]] = field(default_factory=dict)
    asserted_triples: int = 0
    inferred_triples: int = 0

    def write(self, cache_dir: Path, asserted: GraphIndex, inferred: GraphIndex) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        (cache_dir / "asserted.index").write_bytes(marshal.dumps(asserted.to_data()))
        (cache_dir / "inferred.index").write_bytes(marshal.dumps(inferred.to_data()))
        (cache_dir / "state.json").write_text(json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True))

    @classmethod
    def read(cls, cache_dir: Path) -> State | None:
        """The state, or None where there is none this version can read."""
        try:
            data = json.loads((cache_dir / "state.json").read_text())
            if data.pop("format", None) != FORMAT:
                return None
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def read_index(cache_dir: Path, name: str) -> GraphIndex:
    return GraphIndex.from_data(marshal.loads((cache_dir / f"{name}.index").read_bytes()))
