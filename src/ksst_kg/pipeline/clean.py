"""The clean build: every stage over every record (a previous cache, once checked, only spares parsing YAML
files that did not change; `use_cache=False`, as `ksst build --clean`, reads none). Everything is written into a
fresh folder beside the build folder and published only when every step has succeeded (`core.builds`), so a
failed build leaves the previous one exactly as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from pyoxigraph import RdfFormat, Triple

from ..convert import convert
from ..core.builds import new_build_dir
from ..core.files import default_mode
from ..core.gcpause import paused_gc
from ..core.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
)
from ..core.resources import ontology_files, ontology_triples
from ..export.serialise import sorted_triples, write_ntriples
from ..export.store import StoreWriter
from ..infer import entailed
from ..records import load_dataset
from ..validate import graph_violations, qc_violations
from .cache import CACHE, CacheMismatch, State, YamlCache, digests, distrust, fingerprint, snapshot
from .outputs import (
    BuildResult,
    Stopwatch,
    copy_resources,
    counts,
    fail_validation,
    finish,
    named_countries,
    origins_of,
    owners_of,
    write_exports,
    write_summary,
)


def reusable_parses(data_dir: Path, out_dir: Path, files: Mapping[str, bytes], sums: Mapping[str, str], stamp: str,
                    notify: Callable[[str], None] | None) -> YamlCache:
    """The YAML parses of the previous build where its state is intact and was made by this code (each parse
    is checked against its digest when read); else none, with a line said where the state was damaged."""
    try:
        previous = State.read(out_dir / CACHE)
    except CacheMismatch as exc:
        if notify is not None:
            notify(distrust(exc))
        previous = None
    if previous is None or previous.fingerprint != stamp:  # the parses were made by another loader
        return YamlCache(data_dir, files, sums, None)
    return YamlCache(data_dir, files, sums, out_dir / CACHE, previous.outputs)


@paused_gc()  # the stages make millions of objects and no cycles (see gcpause.py)
def clean_build(data_dir: Path, out_dir: Path, *, infer: bool = True, reference_shacl: bool = False,
                use_cache: bool = True, notify: Callable[[str], None] | None = None) -> BuildResult:
    """Every stage over every record. `use_cache`: reuse the checked YAML parses of the previous build (False:
    read nothing of it); `notify` hears the one line said when the previous build's cache fails its check."""
    clock = Stopwatch()
    files = snapshot(data_dir)
    sums = digests(files)
    stamp = fingerprint(infer=infer, data_dir=data_dir)
    yamls = YamlCache(data_dir, files, sums, None)
    if use_cache:
        yamls = reusable_parses(data_dir, out_dir, files, sums, stamp, notify)
    try:
        ds = load_dataset(data_dir, yamls.reader())
    except CacheMismatch as exc:
        if notify is not None:
            notify(distrust(exc))
        yamls = YamlCache(data_dir, files, sums, None)
        ds = load_dataset(data_dir, yamls.reader())
    clock.lap("load")
    chunks = convert(ds)
    origins = origins_of(chunks)
    owners = owners_of(chunks, data_dir)
    asserted = sorted_triples(t for chunk in chunks for t in chunk.triples)
    del chunks  # the sorted list holds every triple; the chunks' sets would double the memory
    onto = ontology_triples()
    editions = {Path(p).relative_to(data_dir).as_posix(): ident for ident, p in ds.edition_files.items()}
    named = {rel: named_countries(ds, ed) for ed in ds.editions
             for rel in [Path(ds.edition_files[ed.id]).relative_to(data_dir).as_posix()]}
    result = BuildResult(out_dir=out_dir, **counts(ds, named))
    result.asserted_triples = len(asserted)
    clock.lap("convert")
    tmp = new_build_dir(out_dir)
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
                fail_validation(result, violations + qc.result())
            inferred: list[Triple] = []
            if infer:
                inferred = sorted_triples(entailed(asserted, onto))
            write_ntriples(inferred, tmp / "inferred.nt")
            store.load(GRAPH_INFERRED, tmp / "inferred.nt")  # after the QC checks, which must not see it
            store.finish()  # flush and compact while the exports are written
            result.inferred_triples = len(inferred)
            clock.lap("infer")
            index = {"asserted": write_exports(tmp, "ksst", asserted, owners),
                     "inferred": write_exports(tmp, "inferred", inferred, None)}
            write_summary(tmp, ds, result, files)
            copy_resources(tmp)
            clock.lap("export")
            if qc.result():
                fail_validation(result, qc.result())
            clock.lap("qc")
        finish(tmp, out_dir, result, State(stamp, sums, editions, named), index, yamls)
        clock.lap("store")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.timings = clock.times
    return result


