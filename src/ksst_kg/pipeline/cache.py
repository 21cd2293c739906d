"""What a build keeps for the next one, in `<build>/.cache/`: enough to rebuild after a few edition records
changed without converting, validating or writing the rest again (`incremental.py`).

The cache lives inside the build folder, so it is published with the exports it describes. It holds:

* `state.json`: a fingerprint of everything a build depends on besides the records (the code, the ontology,
  the shapes, the QC queries, the options, the data folder's name), the SHA-256 of every record file, per
  edition file its edition id and the countries it names (for the summary), the SHA-256 of every other file
  of the build (exports, store, indexes, parses), and a digest of all that, so that an edit is noticed;
* `yaml/<sha256>.marshal`: the parsed YAML of each record file but the editions (plain lists, dicts, strings
  and numbers: the loader keeps dates as text), so that a build reads the large reference files only when
  they changed;
* `asserted.index` and `inferred.index`: each graph's subjects in export order with the length of their block
  in each export, and for the asserted graph the record files each subject comes from (`splice.GraphIndex`).

The previous build is an input to distrust: every file a build reuses is checked against the digest recorded
when it was written, when it is read (the indexes and parses) or while the rebuild works (the exports and the
store, on a thread of their own, before anything is published). A file that fails the check
(`CacheMismatch`) means a clean build that reads nothing of the old one, and one line saying so; a missing
cache, or one of another version, means a clean build and nothing to say. `ksst build --clean` reads no cache.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.resources import PACKAGE_DIR, resource_dir
from ..core.version import __version__
from ..export.splice import GraphIndex
from ..records import parse_yaml, scan

CACHE = ".cache"
FORMAT = 2
STATE = "state.json"
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


class CacheMismatch(Exception):
    """A file of the previous build is not what its cache recorded (changed, truncated, missing, or one too
    many): nothing of that build may be reused, and the build says so in one line (the message)."""


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def unhashed(rel: str) -> bool:
    """Files of a build folder that no digest covers: `state.json`, which carries its own, and RocksDB's info
    log and lock file, which any opening of the store may write and no reading uses."""
    return rel == f"{CACHE}/{STATE}" or bool(re.fullmatch(r"store/(?:LOG(?:\..*)?|LOCK)", rel))


def tree_files(folder: Path, prefix: str = "") -> list[str]:
    """Every regular file under `folder` that a digest covers, as sorted POSIX paths (with `prefix`)."""
    out = []
    for path in folder.rglob("*"):
        rel = prefix + path.relative_to(folder).as_posix()
        if not path.is_dir() and not unhashed(rel):
            out.append(rel)
    return sorted(out)


class Digests:
    """SHA-256 of files, computed once per file: a hard link to a file already hashed in this run (the store's
    checkpoint, the parses linked from the previous cache) is not read again."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, int, int, int], str] = {}

    def of(self, path: Path) -> str:
        st = path.stat()
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in self.known:
            self.known[key] = file_digest(path)
        return self.known[key]

    def tree(self, folder: Path) -> dict[str, str]:
        """The digest of every file a digest covers under `folder`, by relative path."""
        return {rel: self.of(folder / rel) for rel in tree_files(folder)}


class YamlCache:
    """Parsed YAML by file digest: from the previous cache where the file is unchanged and its parse is the one
    that cache recorded (else CacheMismatch), else parsed now."""

    def __init__(self, root: Path, files: Mapping[str, bytes], sums: Mapping[str, str], old: Path | None,
                 recorded: Mapping[str, str] | None = None) -> None:
        """`old`: the previous cache folder (None: read no cache); `recorded`: the digests its state lists
        (`State.outputs`); a parse it does not list is not read."""
        self.root, self.files, self.sums = root, files, sums
        self.old = old / "yaml" if old is not None else None
        prefix = f"{CACHE}/yaml/"
        self.recorded = {rel[len(prefix):]: d for rel, d in (recorded or {}).items() if rel.startswith(prefix)}
        self.parsed: dict[str, Any] = {}
        self.verified: set[str] = set()  # parses of the old cache checked against their digest in this run

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
        name = f"{digest}.marshal"
        if self.old is not None and name in self.recorded:
            value = self._cached(self.old / name, self.recorded[name])
            self.verified.add(digest)
        else:
            value = parse_yaml(self.files[rel], path or self.root / rel)
        self.parsed[digest] = value
        return value

    @staticmethod
    def _cached(path: Path, recorded: str) -> Any:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CacheMismatch(f"{path} cannot be read ({exc.strerror})") from None
        if hashlib.sha256(data).hexdigest() != recorded:
            raise CacheMismatch(f"{path} is not the file the build wrote")
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):  # the digest matched: only a forged file gets here
            raise CacheMismatch(f"{path} cannot be read") from None

    def save(self, cache_dir: Path) -> None:
        """Keep the parse of every current file but the editions (linked from the old cache where it was checked
        in this run, else written): editions are small and many, and a rebuild reads only the few it needs."""
        folder = cache_dir / "yaml"
        folder.mkdir(parents=True, exist_ok=True)
        for rel, digest in sorted(self.sums.items()):
            if is_edition(rel):
                continue
            target = folder / f"{digest}.marshal"
            if target.exists():
                continue
            if self.old is not None and digest in self.verified:
                os.link(self.old / f"{digest}.marshal", target)
            elif digest in self.parsed:  # files the build does not read are not kept
                target.write_bytes(marshal.dumps(self.parsed[digest]))


def _seal(data: Mapping[str, Any]) -> str:
    """The digest `state.json` carries of the rest of itself."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class State:
    """`state.json`: see the module docstring."""

    fingerprint: str
    files: dict[str, str]
    editions: dict[str, str] = field(default_factory=dict)
    countries: dict[str, list[str]] = field(default_factory=dict)
    asserted_triples: int = 0
    inferred_triples: int = 0
    outputs: dict[str, str] = field(default_factory=dict)  # every other file of the build: path → SHA-256

    def write(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **asdict(self)}
        data["digest"] = _seal(data)
        (cache_dir / STATE).write_text(json.dumps(data, sort_keys=True))

    @classmethod
    def read(cls, cache_dir: Path) -> State | None:
        """The state: None where there is none, or one of another format (a clean build, nothing to say);
        CacheMismatch where it is there but is not what a build wrote."""
        path = cache_dir / STATE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheMismatch(f"{path} cannot be read ({exc.strerror})") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise CacheMismatch(f"{path} is not the file the build wrote (not JSON)") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        if data.pop("digest", None) != _seal(data):
            raise CacheMismatch(f"{path} was changed after the build wrote it")
        data.pop("format")
        try:
            return cls(**data)
        except TypeError:  # the seal matched: only a forged file gets here
            raise CacheMismatch(f"{path} is not the file the build wrote") from None


def write_index(cache_dir: Path, name: str, index: GraphIndex) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / f"{name}.index").write_bytes(marshal.dumps(index.to_data()))


def read_index(cache_dir: Path, name: str, recorded: Mapping[str, str]) -> GraphIndex:
    """A cached block index, checked against the digest the state records for it (else CacheMismatch)."""
    path = cache_dir / f"{name}.index"
    data = YamlCache._cached(path, recorded.get(f"{CACHE}/{name}.index", ""))
    try:
        return GraphIndex.from_data(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CacheMismatch(f"{path} is not the file the build wrote") from None


def distrust(exc: CacheMismatch) -> str:
    """The one line a build says when it does not reuse the previous build."""
    return f"{exc}; building everything again, reusing nothing of the previous build"


class Verifier:
    """Checks, on a thread of its own, that the files of the previous build a rebuild reads and carries over
    (the exports and the store) are the ones its cache recorded, while the rebuild works: its result is
    published, and its errors reported, only once `check` has passed."""

    EXPORTS = tuple(f"{stem}.{suffix}" for stem in ("ksst", "inferred") for suffix in ("nt", "ttl", "jsonld"))

    def __init__(self, out_dir: Path, state: State, digests: Digests) -> None:
        self.out_dir, self.digests = out_dir, digests
        self.store = {rel: d for rel, d in state.outputs.items() if rel.startswith("store/")}
        self.exports = {rel: state.outputs.get(rel, "") for rel in self.EXPORTS}
        self.error: str | None = None
        self.store_checked = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ksst-verify", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self._check()
        finally:
            self.store_checked.set()

    def _check(self) -> None:
        store = self.store
        try:
            present = set(tree_files(self.out_dir / "store", "store/")) if (self.out_dir / "store").is_dir() else set()
            if present != set(store):  # the store reads any log file it finds: one too many is a change too
                odd = sorted(present ^ set(store))[0]
                self.error = f"{self.out_dir / odd} is {'missing' if odd in store else 'not one the build wrote'}"
                return
            if not self._same(store):
                return
            self.store_checked.set()
            self._same(self.exports)
        except OSError as exc:
            self.error = f"{exc.filename or self.out_dir} cannot be read ({exc.strerror})"

    def _same(self, recorded: Mapping[str, str]) -> bool:
        for rel, digest in sorted(recorded.items()):
            if self.digests.of(self.out_dir / rel) != digest:
                self.error = f"{self.out_dir / rel} is not the file the build wrote"
                return False
        return True

    def check(self) -> None:
        """Wait for the check; CacheMismatch if any file differs."""
        self.thread.join()
        if self.error is not None:
            raise CacheMismatch(self.error)

    def check_store(self) -> None:
        """Wait until the store's files are checked (they are first), before the store is opened: a store
        whose files were damaged is never handed to RocksDB; CacheMismatch if any differs."""
        self.store_checked.wait()
        if self.error is not None:
            raise CacheMismatch(self.error)
