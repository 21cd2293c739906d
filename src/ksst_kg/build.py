"""The whole pipeline: records → RDF → validation → inference → exports and the embedded store.

Everything is written into a fresh folder beside the build folder and swapped in only when every step
has succeeded, so a failed build leaves the previous one exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from . import __version__
from .convert import Chunk, convert
from .errors import ValidationFailed
from .export import atomic_write, default_mode, jsonld_bytes, sorted_triples, turtle_bytes, write_ntriples
from .gcpause import paused_gc
from .namespaces import (
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
from .records import Dataset, load_dataset
from .resources import ontology_files, ontology_triples, resource_dir
from .store import StoreWriter
from .validate import Violation, graph_violations, qc_violations

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


def counts(ds: Dataset) -> dict[str, int]:
    """Figures for the summary: editions, countries named, institutions, people, sources."""
    named = {ds.resolve_country(c) for ed in ds.editions for cl in ed.country_lists for c in cl.countries}
    return {
        "editions": len(ds.editions),
        "countries": len(named),
        "institutions": sum(1 for o in ds.organisations if o.type != "NewsOutlet"),
        "people": len(ds.people),
        "sources": len(ds.sources),
    }


def void_triples(result: BuildResult, ds: Dataset) -> list[Triple]:
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
    out.append(t(KSST + "dataDigest", Literal(data_digest(ds.root))))
    return out


def data_digest(root: Path) -> str:
    """SHA-256 over the record files' paths and contents: names the data a build was made from."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `tmp`; if anything fails the old build is put back."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{tmp.name}")
        out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class Stopwatch:
    """Wall time of each stage of a build, for `ksst build --timings` and the benchmarks."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = round(now - self._last, 3)
        self._last = now


@paused_gc()  # the stages make millions of objects and no cycles (see gcpause.py)
def build(data_dir: Path, out_dir: Path, *, infer: bool = True, reference_shacl: bool = False) -> BuildResult:
    """Run the pipeline; raise RecordErrors or ValidationFailed (with nothing written) on bad input.

    `reference_shacl`: validate with pyshacl itself instead of the compiled shapes (same results, slower)."""
    out_dir = Path(out_dir)
    clock = Stopwatch()
    ds = load_dataset(Path(data_dir))
    clock.lap("load")
    chunks = convert(ds)
    origins = origins_of(chunks)
    asserted = sorted_triples(t for chunk in chunks for t in chunk.triples)
    del chunks  # the sorted list holds every triple; the chunks' sets would double the memory
    onto = ontology_triples()
    result = BuildResult(out_dir=out_dir, **counts(ds))
    result.asserted_triples = len(asserted)
    clock.lap("convert")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    try:
        tmp.chmod(default_mode(directory=True))
        write_ntriples(asserted, tmp / "ksst.nt")
        with StoreWriter(tmp / "store") as store:
            store.load(GRAPH_ASSERTED, tmp / "ksst.nt")  # in the background, while SHACL runs
            for path in ontology_files():
                store.load(GRAPH_ONTOLOGY, path, RdfFormat.TURTLE)
            qc = store.then(lambda st: qc_violations(st, origins))  # after the loads, beside what follows
            violations = graph_violations(asserted, onto, origins, in_subject_order=True,
                                          reference=reference_shacl)
            clock.lap("shacl")
            if violations:
                _fail(result, violations + qc.result())
            inferred: list[Triple] = []
            if infer:
                from .infer import entailed

                inferred = sorted_triples(entailed(asserted, onto))
            write_ntriples(inferred, tmp / "inferred.nt")
            store.load(GRAPH_INFERRED, tmp / "inferred.nt")  # after the QC checks, which must not see it
            store.finish()  # flush and compact while the exports are written
            result.inferred_triples = len(inferred)
            clock.lap("infer")
            _write_outputs(tmp, ds, result, asserted, inferred)
            clock.lap("export")
            if qc.result():
                _fail(result, qc.result())
            clock.lap("qc")
        clock.lap("store")
        result.files = sorted(p.name for p in tmp.iterdir())
        swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.timings = clock.times
    return result


def _fail(result: BuildResult, violations: list[Violation]) -> None:
    result.violations = sorted(violations)
    raise ValidationFailed("\n".join(str(v) for v in result.violations))


def _write_outputs(tmp: Path, ds: Dataset, result: BuildResult, asserted: list[Triple],
                   inferred: list[Triple]) -> None:
    """The exports besides the N-Triples (written first, for the store), and the files shipped with them."""
    for stem, triples in (("ksst", asserted), ("inferred", inferred)):
        atomic_write(tmp / f"{stem}.ttl", turtle_bytes(triples))
        atomic_write(tmp / f"{stem}.jsonld", jsonld_bytes(triples))
    atomic_write(tmp / "void.ttl", turtle_bytes(sorted_triples(void_triples(result, ds))))
    for folder, pattern, prefix in (("ontology", "*.ttl", "ontology-"), ("ontology", "*.jsonld", ""),
                                    ("shapes", "*.ttl", "shapes-")):
        for path in sorted(resource_dir(folder).glob(pattern)):
            shutil.copyfile(path, tmp / f"{prefix}{path.name}")
    summary = result.summary()
    for volatile in ("out_dir", "files", "timings"):
        summary.pop(volatile)
    atomic_write(tmp / "summary.json", (json.dumps(summary, indent=1, sort_keys=True) + "\n").encode())
