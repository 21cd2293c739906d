"""What every build writes beside the graph, and how it is put in place: the summary, the VoID description,
the exports with their block index, the resources shipped with a build, and the publication of a finished
build (`core.builds`: the previous build stays as it was until one rename puts the new one in its place).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from pyoxigraph import Literal, NamedNode, Triple

from ..convert import Chunk
from ..core.builds import publish
from ..core.errors import ValidationFailed
from ..core.files import atomic_write
from ..core.namespaces import (
    DCAT,
    DCTERMS,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    KG,
    KSST,
    RDF,
    RDFS,
    SCHEMA,
    VOID,
    XSD,
)
from ..core.resources import resource_dir
from ..core.version import __version__
from ..export.serialise import (
    jsonld_node_blocks,
    sorted_triples,
    turtle_bytes,
)
from ..export.splice import GraphIndex, block_lengths, layouts, subjects_of
from ..records import Dataset, Edition
from ..validate import Violation
from .cache import CACHE, Digests, State, YamlCache, write_index

DATASET_IRI = KG + "dataset/ksst-kg"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


@dataclass
class BuildResult:
    """What a build produced, for the summary the command line prints."""

    out_dir: Path
    editions: int = 0
    countries: int = 0
    institutions: int = 0
    people: int = 0
    sources: int = 0
    asserted_triples: int = 0
    inferred_triples: int = 0
    violations: list[Violation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    rebuilt: list[str] | None = None  # the record files a rebuild redid (None: a clean build)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def summary(self) -> dict[str, object]:
        data = asdict(self)
        data["out_dir"] = str(self.out_dir)
        data["violations"] = len(self.violations)
        data["conforms"] = self.conforms
        return data


def origins_of(chunks: Iterable[Chunk]) -> dict[str, str]:
    """Subject IRI → data file it came from, so violations can name the file to fix."""
    out: dict[str, str] = {}
    for chunk in chunks:
        for subject in chunk.subjects:
            out.setdefault(subject, chunk.file)
    return out


def owners_of(chunks: Iterable[Chunk], data_dir: Path) -> dict[str, str]:
    """Subject IRI → the record files (relative, in build order, one a line) its triples come from: what a
    rebuild reconverts when one of them changes."""
    out: dict[str, list[str]] = {}
    for chunk in chunks:
        rel = Path(chunk.file).relative_to(data_dir).as_posix()
        for subject in chunk.subjects:
            out.setdefault(subject, []).append(rel)
    return {s: "\n".join(rels) for s, rels in out.items()}


def named_countries(ds: Dataset, ed: Edition) -> list[str]:
    """The countries an edition names in its country lists (for the summary's count)."""
    return ds.named_countries(ed)


class Counts(TypedDict):
    """The figures of a build's summary that come from the records."""

    editions: int
    countries: int
    institutions: int
    people: int
    sources: int


def counts(ds: Dataset, named: Mapping[str, list[str]]) -> Counts:
    """Figures for the summary: editions, countries named, institutions, people, sources.

    `named`: per edition file, the countries it names (`named_countries`), which a rebuild keeps in its cache."""
    return Counts(
        editions=len(named),
        countries=len({c for countries in named.values() for c in countries}),
        institutions=sum(1 for o in ds.organisations if o.type != "NewsOutlet"),
        people=len(ds.people),
        sources=len(ds.sources),
    )


def void_triples(result: BuildResult, ds: Dataset, files: Mapping[str, bytes]) -> list[Triple]:
    """VoID/DCAT description of the build: version, licence, sizes, sources."""
    d = NamedNode(DATASET_IRI)

    def t(p: str, o: NamedNode | Literal) -> Triple:
        return Triple(d, NamedNode(p), o)

    out = [
        t(RDF + "type", NamedNode(VOID + "Dataset")),
        t(RDF + "type", NamedNode(DCAT + "Dataset")),
        t(DCTERMS + "title", Literal("KSST capacity-building knowledge graph", language="en")),
        t(DCTERMS + "description", Literal(
            "Editions, institutions, countries and people of Indonesia's South-South and Triangular "
            "Cooperation capacity-building programme on small and medium industry for Colombo Plan members, "
            "each fact with its sources.", language="en")),
        t(DCTERMS + "license", NamedNode(LICENCE)),
        t(SCHEMA + "version", Literal(__version__)),
        t(DCTERMS + "conformsTo", NamedNode(KSST.rstrip("#"))),
        t(VOID + "triples", Literal(str(result.asserted_triples), datatype=NamedNode(XSD + "integer"))),
        t(VOID + "uriSpace", Literal(KG)),
        t(VOID + "vocabulary", NamedNode(KSST)),
        t(KSST + "inferredTriples", Literal(str(result.inferred_triples), datatype=NamedNode(XSD + "integer"))),
        t(RDFS + "label", Literal("ksst-kg", language="en")),
    ]
    for graph in (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY):
        out.append(t(VOID + "subset", NamedNode(graph)))
    out.extend(t(DCTERMS + "source", NamedNode(KG + f"source/{s.id}")) for s in ds.sources)
    out.append(t(KSST + "dataDigest", Literal(data_digest(files))))
    return out


def data_digest(files: Mapping[str, bytes]) -> str:
    """SHA-256 over the record files' relative paths and contents: names the data a build was made from."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    return digest.hexdigest()


class Stopwatch:
    """Wall time of each stage of a build, for `ksst build --timings` and the benchmarks."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = round(now - self._last, 3)
        self._last = now


def finish(tmp: Path, out_dir: Path, result: BuildResult, state: State, index: Mapping[str, GraphIndex],
           yamls: YamlCache, digests: Digests | None = None) -> None:
    """Write the cache beside the outputs in `tmp`, with the digest of every file, then publish `tmp` as the
    build at `out_dir` (`core.builds.publish`: one rename)."""
    state.asserted_triples, state.inferred_triples = result.asserted_triples, result.inferred_triples
    for name, graph_index in index.items():
        write_index(tmp / CACHE, name, graph_index)
    yamls.save(tmp / CACHE)
    result.files = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("."))
    state.outputs = (digests or Digests()).tree(tmp)
    state.write(tmp / CACHE)
    publish(tmp, out_dir)


def fail_validation(result: BuildResult, violations: list[Violation]) -> None:
    """Keep the violations in the result and raise them: the caller and `summary.json` both see them."""
    result.violations = sorted(violations)
    raise ValidationFailed(result.violations)


def write_exports(tmp: Path, stem: str, triples: list[Triple], owners: Mapping[str, str] | None) -> GraphIndex:
    """Turtle and JSON-LD beside the N-Triples (written first, for the store); the index of their blocks."""
    lay = layouts()
    ttl = turtle_bytes(triples)
    atomic_write(tmp / f"{stem}.ttl", ttl)
    nodes = jsonld_node_blocks(triples)
    atomic_write(tmp / f"{stem}.jsonld", lay["jsonld"].header + lay["jsonld"].sep.join(nodes) + lay["jsonld"].footer)
    subjects = subjects_of(triples)
    lengths = {"ttl": block_lengths("ttl", ttl, subjects, lay["ttl"]), "jsonld": array("Q", map(len, nodes))}
    del ttl
    lengths["nt"] = block_lengths("nt", (tmp / f"{stem}.nt").read_bytes(), subjects, lay["nt"])
    return GraphIndex(subjects, lengths, [owners[s] for s in subjects] if owners is not None else None)


def write_summary(tmp: Path, ds: Dataset, result: BuildResult, files: Mapping[str, bytes]) -> None:
    """`void.ttl` (the dataset's description) and `summary.json` (the figures `ksst build` prints)."""
    atomic_write(tmp / "void.ttl", turtle_bytes(sorted_triples(void_triples(result, ds, files))))
    summary = result.summary()
    for volatile in ("out_dir", "files", "timings", "rebuilt"):
        summary.pop(volatile)
    atomic_write(tmp / "summary.json", (json.dumps(summary, indent=1, sort_keys=True) + "\n").encode())


def copy_resources(tmp: Path) -> None:
    """The ontology, its JSON-LD context and the shapes, shipped with every build."""
    for folder, pattern, prefix in (("ontology", "*.ttl", "ontology-"), ("ontology", "*.jsonld", ""),
                                    ("shapes", "*.ttl", "shapes-")):
        for path in sorted(resource_dir(folder).glob(pattern)):
            shutil.copyfile(path, tmp / f"{prefix}{path.name}")
