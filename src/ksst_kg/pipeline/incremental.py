"""Rebuild a build folder after some edition records changed, redoing only what they touch: the fast path
of `ksst build`, which falls back to a clean build whenever it cannot be sure of giving the same result.

What an edition file contributes depends on that file and on the reference records alone (`convert.py`), so
after editing, adding or removing edition files the rebuild

1. reads the record files and converts each changed file, and any other file that shares a subject with it
   (the same membership named by two editions); what a file gave before is read from the previous exports,
   through the cached record of which files each subject came from;
2. copies the previous store (a RocksDB checkpoint: hard links) and replaces the triples of every subject
   those files touch, then and now, with their new union;
3. validates a neighbourhood of what changed (below) with the same shapes and QC queries as a clean build;
4. infers again the triples of the subjects whose entailments can have changed;
5. splices the new blocks of those subjects into each export (`splice.py`) and writes the summary files.

The neighbourhood. A SHACL result for a focus node depends on the node's own triples, on its incoming
triples through the inverse paths the shapes use, and on the types of its values (`sh:class`); the compiled
shapes say when a check looks further (`block_safe`), and then the rebuild is a clean build. A QC row is
about a claim, a referenced node or a subject with two values and its claims and their discrepancies. So the
nodes checked again are the subjects whose triples changed, every node a changed triple points to, the
subjects of those claims, and the claims about all of these; the previous build had no violation, so any
violation now is among them. They are checked on a graph holding their triples, their incoming links and the
types of everything they mention.

A change is redone this way only while it is small: a rebuild redoes a triple several times slower than a clean
build does, so when the changed files gave or give more than a quarter of the graph's triples (estimated from
the export's blocks before anything else is done) the build is clean (`LARGE_CHANGE`).

Entailments of a subject come from its own triples, its incoming ones and the transitive closure of
`org:transitiveSubOrganizationOf`; a change to a property that feeds a transitive one (reference data in
practice) means a clean build, as does `owl:sameAs` or anything the compiled rules leave to owlrl.
"""

from __future__ import annotations

import gc
import itertools
import shutil
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from ..convert import Chunk, Lookups, convert_edition, convert_reference
from ..core.builds import new_build_dir
from ..core.errors import RecordError, RecordErrors, ValidationFailed, Violation
from ..core.files import default_mode
from ..core.gcpause import paused_gc
from ..core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, KSST, OWL, RDF
from ..core.rdf import lexical
from ..core.resources import ontology_triples
from ..export.serialise import sorted_triples
from ..export.splice import BlockReader, Change, GraphIndex, Layout, blocks, layouts, splice, subjects_of
from ..infer import CompiledRules, compiled_entailments, make_plan
from ..records import Dataset, Edition, load_dataset, load_reference, parse_record
from ..records.references import check_edition, check_edition_links
from ..validate import compiled_shapes, graph_violations, qc_violations, store_with
from .cache import (
    CACHE,
    REFERENCE,
    CacheMismatch,
    Digests,
    State,
    Verifier,
    YamlCache,
    digests,
    distrust,
    fingerprint,
    is_edition,
    read_index,
    snapshot,
)
from .outputs import BuildResult, Stopwatch, copy_resources, counts, finish, named_countries, write_summary

RDF_TYPE = NamedNode(RDF + "type")
CLAIM_SUBJECT = NamedNode(KSST + "claimSubject")
ASSERTED, INFERRED = NamedNode(GRAPH_ASSERTED), NamedNode(GRAPH_INFERRED)
EXPORTS = {"asserted": "ksst", "inferred": "inferred"}  # the indexed graphs and the stem of their export files
# A rebuild redoes each triple the changed files gave and give several times slower than a clean build makes one
# (it checks neighbourhoods, patches a store, splices blocks): on generated data of a million triples, redoing a
# sixth of them took 60% of a clean build's time, and all of them 1.5 times its time and 1.8 times its memory
# (bench/README.md). So past a quarter of the graph the build is clean; a change of fewer triples than
# SMALL_CHANGE always rebuilds (it takes seconds whatever the graph's size).
LARGE_CHANGE = 0.25
SMALL_CHANGE = 50_000


class CleanBuildNeeded(Exception):
    """The change is of a kind the rebuild does not redo on its own (the message says which)."""


@dataclass
class Delta:
    """The asserted graph's change: per subject touched, its new triples and the files they come from."""

    triples: dict[str, set[Triple]] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)
    removed: list[Triple] = field(default_factory=list)
    added: list[Triple] = field(default_factory=list)

    def reached(self) -> tuple[set[NamedNode], set[NamedNode]]:
        """The subjects whose triples changed, and the other nodes a changed triple points to."""
        changed = {NamedNode(s) for s in self.triples}
        pointed = {t.object for t in (*self.removed, *self.added) if isinstance(t.object, NamedNode)}
        return changed, pointed - changed


def build_order(rel: str) -> tuple[int, str]:
    """Chunks in the order `convert.convert` makes them: the reference chunk, then editions by path."""
    return (0, "") if rel == REFERENCE else (1, rel)


def changed_files(state: State, sums: Mapping[str, str]) -> list[str]:
    """Record files added, removed or edited since the cached build; CleanBuildNeeded unless all are editions."""
    changed = sorted(rel for rel in sums.keys() | state.files.keys() if sums.get(rel) != state.files.get(rel))
    others = [rel for rel in changed if not is_edition(rel)]
    if others:
        raise CleanBuildNeeded(f"{others[0]} changed")
    return changed


def read_editions(data_dir: Path, rels: Iterable[str], yamls: YamlCache) -> dict[str, Edition]:
    """The edition records of `rels`, parsed (not checked)."""
    return {rel: parse_record(Edition, yamls.load(rel, data_dir / rel), data_dir / rel) for rel in rels}


def check_new_editions(ds: Dataset, data_dir: Path, state: State, new: Mapping[str, Edition],
                       changed: Iterable[str], yamls: YamlCache) -> None:
    """The checks a clean build makes of the changed editions; on any problem, the clean build's own load
    raises every error exactly as it would have (a failing build need not be fast)."""
    changed = set(changed)
    unchanged = [ident for rel, ident in state.editions.items() if rel not in changed]
    ids = unchanged + [ed.id for ed in new.values()]
    problems = len(ids) != len(set(ids)) or bool(check_edition_links(ds, ids))
    for rel, ed in new.items():
        problems = problems or bool(check_edition(ds, str(data_dir / rel), ed))
    if problems:
        load_dataset(data_dir, yamls.reader())
        raise CleanBuildNeeded("the edition checks disagree with a clean load")


def convert_versions(ds: Dataset, data_dir: Path, editions: Mapping[str, Edition],
                     lookups: Lookups) -> dict[str, Chunk]:
    """Each edition's chunk, named after its file as a clean build names it."""
    out = {}
    for rel, ed in editions.items():
        ds.edition_files[ed.id] = data_dir / rel
        out[rel] = convert_edition(ds, ed, lookups)
    return out


def by_subject(chunk: Chunk) -> dict[str, list[Triple]]:
    out: dict[str, list[Triple]] = {}
    for t in chunk.triples:
        out.setdefault(lexical(t.subject), []).append(t)
    return out


def old_owners(index: GraphIndex, subject: str) -> list[str]:
    """The files the subject's triples came from in the cached build ([] for a new subject)."""
    i = bisect_left(index.subjects, subject)
    if i < len(index.subjects) and index.subjects[i] == subject and index.owners is not None:
        return index.owners[i].split("\n")
    return []


def owned_by(index: GraphIndex, files: Iterable[str]) -> set[str]:
    """The subjects whose triples came (in part) from these record files in the cached build."""
    files = set(files)
    return {s for s, owners in zip(index.subjects, index.owners or (), strict=False)
            if owners in files or ("\n" in owners and not files.isdisjoint(owners.split("\n")))}


def asserted_delta(index: GraphIndex, exported: BlockReader, changed: Iterable[str], new: Mapping[str, Chunk],
                   sharer: Callable[[str], Chunk], owned: set[str] | None = None) -> Delta:
    """New triples and owners of every subject the changed files touched before or touch now, against the
    exported ones (the old version of a file needs no converting: its subjects' blocks are in the exports).
    `owned`: `owned_by(index, changed)`, where the caller has it already."""
    changed = set(changed)
    owned = owned if owned is not None else owned_by(index, changed)
    touched = sorted(owned.union(*(c.subjects for c in new.values())))
    grouped = {rel: by_subject(c) for rel, c in new.items()}
    delta = Delta()
    for s in touched:
        previous = old_owners(index, s)
        owners = (set(previous) - changed) | {rel for rel, c in new.items() if s in c.subjects}
        ordered = sorted(owners, key=build_order)
        triples: set[Triple] = set()
        for rel in ordered:
            if rel not in grouped:
                grouped[rel] = by_subject(sharer(rel))
            triples.update(grouped[rel].get(s, ()))
        before = set(exported.triples(s))
        if triples != before or ordered != previous:
            delta.triples[s] = triples
            delta.owners[s] = ordered
            delta.removed += before - triples
            delta.added += triples - before
    return delta


def rebuild_cost(index: GraphIndex, owned: set[str], new: Mapping[str, Chunk], total: int) -> int:
    """About how many triples a rebuild redoes: those of the subjects the changed files gave before (their
    blocks' share of the N-Triples export) and those the files give now."""
    lengths = index.lengths["nt"]
    old_bytes = sum(n for s, n in zip(index.subjects, lengths, strict=True) if s in owned)
    per_triple = sum(lengths) / total if total else 1.0
    return round(old_bytes / per_triple) + sum(len(c.triples) for c in new.values())


def check_cost(cost: int, total: int) -> None:
    """CleanBuildNeeded where a clean build is the faster way to this change (see LARGE_CHANGE)."""
    if cost > max(LARGE_CHANGE * total, SMALL_CHANGE):
        raise CleanBuildNeeded(f"a large change (about {cost} of {total} triples): a clean build is faster")


def block_changes(triples: Mapping[str, set[Triple]], owners: Mapping[str, list[str]] | None,
                  layouts_: Mapping[str, Layout]) -> dict[str, Change]:
    """Each subject's new blocks in every format (None for a subject with no triple left)."""
    ordered = sorted_triples(t for ts in triples.values() for t in ts)
    subjects = subjects_of(ordered)
    per_format = {suffix: dict(zip(subjects, blocks(suffix, ordered), strict=True)) for suffix in layouts_}
    out: dict[str, Change] = {}
    for s in triples:
        if s in per_format["nt"]:
            out[s] = ({suffix: per_format[suffix][s] for suffix in layouts_},
                      "\n".join(owners[s]) if owners is not None else "")
        else:
            out[s] = None
    return out


# --- the neighbourhood that is checked again ----------------------------------------------------------------


class Neighbourhood:
    """The triples around some nodes (see the module docstring): their own from the changed subjects' new
    triples or the previous export, exactly as written; links and types from the patched store (IRIs only,
    which the store keeps as they are)."""

    def __init__(self, store: Store, delta: Delta, exported: BlockReader) -> None:
        self.store, self.delta, self.exported = store, delta, exported
        self.triples: set[Triple] = set()
        self.complete: set[NamedNode] = set()

    def out(self, node: NamedNode) -> Iterable[Triple]:
        new = self.delta.triples.get(node.value)
        return new if new is not None else self.exported.triples(node.value)

    def incoming(self, node: NamedNode, predicates: Iterable[NamedNode] | None = None) -> list[Triple]:
        if predicates is None:
            return [q.triple for q in self.store.quads_for_pattern(None, None, node, ASSERTED)]
        return [q.triple for p in predicates for q in self.store.quads_for_pattern(None, p, node, ASSERTED)]

    def add(self, node: NamedNode, predicates: Iterable[NamedNode] | None = None) -> None:
        """The node's own triples and its incoming ones (all, or through `predicates`): it is complete."""
        if node not in self.complete:
            self.complete.add(node)
            self.triples.update(self.out(node))
            self.triples.update(self.incoming(node, predicates))

    def add_types(self) -> None:
        """The types of every node mentioned that is not complete (for `sh:class` and the QC checks)."""
        mentioned = {t.object for t in self.triples if isinstance(t.object, NamedNode)}
        mentioned |= {t.subject for t in self.triples if isinstance(t.subject, NamedNode)}
        for node in mentioned - self.complete:
            self.triples.update(q.triple for q in self.store.quads_for_pattern(node, RDF_TYPE, None, ASSERTED))


def check_neighbourhood(store: Store, delta: Delta, exported: BlockReader, onto: list[Triple],
                        origin: Callable[[str], str]) -> list[Violation]:
    """SHACL and QC results of the nodes a change can reach, as a clean build would report them."""
    validator = compiled_shapes()
    if validator is None or not validator.block_safe:
        raise CleanBuildNeeded("the shapes look beyond a node's neighbourhood")
    changed, pointed = delta.reached()
    reached = changed | pointed
    hood = Neighbourhood(store, delta, exported)
    links = sorted({NamedNode(p) for p in validator.inverse} | {CLAIM_SUBJECT}, key=str)
    for node in sorted(reached, key=str):
        hood.add(node, None if node in changed else links)
    subjects_of_claims = {t.object for t in hood.triples
                          if t.predicate == CLAIM_SUBJECT and t.subject in reached and isinstance(t.object, NamedNode)}
    for node in sorted(subjects_of_claims - hood.complete, key=str):
        hood.add(node, links)
    claims = {t.subject for t in hood.triples
              if t.predicate == CLAIM_SUBJECT and t.object in hood.complete and isinstance(t.subject, NamedNode)}
    for node in sorted(claims, key=str):
        hood.add(node)
    hood.add_types()
    focus = {n.value for n in hood.complete}
    origins = {s: origin(s) for s in focus}
    triples = sorted_triples(hood.triples)
    found = graph_violations(triples, onto, origins, only=focus)
    qc = qc_violations(store_with(triples, onto), origins)
    return sorted(found + [v for v in qc if v.focus in focus])


# --- inference ------------------------------------------------------------------------------------------------


def inferred_delta(store: Store, delta: Delta, exported: BlockReader, inferred: BlockReader, onto: list[Triple]
                   ) -> tuple[dict[str, set[Triple]], list[Triple], list[Triple]]:
    """The new inferred triples of the subjects whose entailments changed, and the triples removed and added.

    A subject whose own triples changed is inferred again from its triples and every incoming link a rule
    reads. A node that is only pointed at by a changed triple may have thousands of incoming links (a
    country, a source), so it keeps its previous entailments but those a removed triple gave, and each of
    these is kept only if one of its other possible grounds (one incoming link per rule is enough) is still
    there; what an added triple gives is added."""
    rules = CompiledRules(onto)
    if rules.unsupported:
        raise CleanBuildNeeded("the ontology needs owlrl")
    properties = {t.subject.value for t in onto if isinstance(t.subject, NamedNode)} | rules.transitive
    plans = {p: make_plan(rules, p) for p in sorted(properties)}
    feeders = {p for p in plans if any(q in rules.transitive for _, q in rules.derived(p))}
    if any(t.predicate.value in feeders or t.predicate.value == OWL + "sameAs"
           for t in (*delta.removed, *delta.added)):
        raise CleanBuildNeeded("a transitive property or owl:sameAs changed")
    typing: dict[str, list[NamedNode]] = {}   # class → properties whose incoming links type their object so
    linking: dict[str, list[NamedNode]] = {}  # property → properties whose incoming links entail it backwards
    for p, plan in plans.items():
        for cls in sorted(plan.object_types | plan.object_types_back):
            typing.setdefault(cls, []).append(NamedNode(p))
        for q in plan.backward:
            linking.setdefault(q, []).append(NamedNode(p))
    backwards = sorted({p for ps in (*typing.values(), *linking.values()) for p in ps}, key=str)
    changed, pointed = delta.reached()
    hood = Neighbourhood(store, delta, exported)
    for node in sorted(changed, key=str):
        hood.add(node, backwards)
    graph = set(hood.triples)
    graph.update(q.triple for p in sorted(feeders) for q in store.quads_for_pattern(None, NamedNode(p), None, ASSERTED))
    doubtful: dict[NamedNode, set[Triple]] = {}
    for t in compiled_entailments(delta.removed, onto) or ():
        if isinstance(t.subject, NamedNode) and t.subject in pointed:
            doubtful.setdefault(t.subject, set()).add(t)
    for node in sorted(pointed, key=str):
        graph.update(hood.out(node))
        for t in doubtful.get(node, ()):
            grounds = (typing.get(lexical(t.object), []) if t.predicate == RDF_TYPE
                       else linking.get(t.predicate.value, []))
            other = t.object if t.predicate != RDF_TYPE and not isinstance(t.object, Literal) else None
            for ground in grounds:
                graph.update(q.triple for q in itertools.islice(
                    store.quads_for_pattern(other, ground, node, ASSERTED), 1))
    graph.update(t for t in delta.added if t.object in pointed)
    entailed = compiled_entailments(list(graph), onto)
    if entailed is None:
        raise CleanBuildNeeded("the data needs owlrl")
    previous = {n.value: set(inferred.triples(n.value)) for n in changed | pointed}
    new: dict[str, set[Triple]] = {n.value: set() for n in changed}
    for node in pointed:
        new[node.value] = previous[node.value] - doubtful.get(node, set())
    for t in entailed:
        if t.subject in changed or t.subject in pointed:
            new[lexical(t.subject)].add(t)
    changes: dict[str, set[Triple]] = {}
    removed: list[Triple] = []
    added: list[Triple] = []
    for s, triples in sorted(new.items()):
        before = previous[s]
        if before != triples:
            changes[s] = triples
            removed += before - triples
            added += triples - before
    return changes, removed, added


def patch(store: Store, graph: NamedNode, removed: Iterable[Triple], added: Iterable[Triple]) -> None:
    for t in removed:
        store.remove(Quad(t.subject, t.predicate, t.object, graph))
    store.extend([Quad(t.subject, t.predicate, t.object, graph) for t in added])


def read_indexes(out_dir: Path, lay: Mapping[str, Layout], state: State) -> dict[str, GraphIndex]:
    """The cached block indexes, checked against their digests and against the sizes of the exports they
    describe (CacheMismatch: the exports themselves are checked while the rebuild works)."""
    index = {name: read_index(out_dir / CACHE, name, state.outputs) for name in EXPORTS}
    for name, stem in EXPORTS.items():
        for suffix, size in index[name].sizes(lay).items():
            path = out_dir / f"{stem}.{suffix}"
            if not path.is_file() or path.stat().st_size != size:
                raise CacheMismatch(f"{path} is not the file the build wrote")
    return index


# --- the whole rebuild ----------------------------------------------------------------------------------------


@paused_gc()
def update(data_dir: Path, out_dir: Path, *, infer: bool, notify: Callable[[str], None] | None = None
           ) -> BuildResult | None:
    """Rebuild `out_dir` from its cache; None where a clean build is needed (no cache, a change the rebuild does
    not redo on its own, or a previous build that fails its check: then `notify` hears one line). Raises
    RecordErrors or ValidationFailed, with nothing written, on bad input."""
    try:
        return _update(Path(data_dir), Path(out_dir), infer=infer)
    except CleanBuildNeeded:
        return None
    except CacheMismatch as exc:
        if notify is not None:
            notify(distrust(exc))
        return None


def _update(data_dir: Path, out_dir: Path, *, infer: bool) -> BuildResult:
    clock = Stopwatch()
    cache_dir = out_dir / CACHE
    state = State.read(cache_dir)
    if state is None or state.fingerprint != fingerprint(infer=infer, data_dir=data_dir):
        raise CleanBuildNeeded("no cache of this kind of build")
    files = snapshot(data_dir)
    sums = digests(files)
    changed = changed_files(state, sums)
    lay = layouts()
    index = read_indexes(out_dir, lay, state)
    yamls = YamlCache(data_dir, files, sums, cache_dir, state.outputs)
    try:
        ds = load_reference(data_dir, yamls.reader())
    except RecordErrors as exc:
        raise CleanBuildNeeded("reference records do not load") from exc
    new_rels = [rel for rel in changed if rel in sums]
    try:
        new = read_editions(data_dir, new_rels, yamls)
    except (RecordError, RecordErrors):
        load_dataset(data_dir, yamls.reader())  # raises every error of the data, as a clean build does
        raise
    check_new_editions(ds, data_dir, state, new, changed, yamls)
    clock.lap("load")
    lookups = Lookups.of(ds)
    new_chunks = convert_versions(ds, data_dir, new, lookups)
    owned = owned_by(index["asserted"], changed)
    check_cost(rebuild_cost(index["asserted"], owned, new_chunks, state.asserted_triples), state.asserted_triples)

    def sharer(rel: str) -> Chunk:
        if rel == REFERENCE:
            return convert_reference(ds, lookups)
        return convert_versions(ds, data_dir, read_editions(data_dir, [rel], yamls), lookups)[rel]

    known = Digests()
    verifier = Verifier(out_dir, state, known)  # the exports and the store, checked while the rebuild works
    tmp = new_build_dir(out_dir)
    try:
        tmp.chmod(default_mode(directory=True))
        exported = {name: BlockReader(index[name], out_dir / f"{stem}.nt") for name, stem in EXPORTS.items()}
        delta = asserted_delta(index["asserted"], exported["asserted"], changed, new_chunks, sharer, owned)
        if any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)
               for t in (*delta.removed, *delta.added)):
            raise CleanBuildNeeded("blank nodes")
        clock.lap("convert")
        verifier.check_store()  # a damaged store is never opened
        Store.read_only(str(out_dir / "store")).backup(str(tmp / "store"))
        store = Store(str(tmp / "store"))
        onto = ontology_triples()
        patch(store, ASSERTED, delta.removed, delta.added)

        def origin(subject: str) -> str:
            owners = delta.owners.get(subject) or old_owners(index["asserted"], subject)
            return str(data_dir / owners[0]) if owners else ""

        editions = {rel: ident for rel, ident in state.editions.items() if rel not in changed}
        editions.update({rel: ed.id for rel, ed in new.items()})
        countries = {rel: c for rel, c in state.countries.items() if rel not in changed}
        countries.update({rel: named_countries(ds, ed) for rel, ed in new.items()})
        result = BuildResult(out_dir=out_dir, **counts(ds, countries))
        violations = check_neighbourhood(store, delta, exported["asserted"], onto, origin) if delta.triples else []
        clock.lap("shacl")
        if violations:
            result.violations = violations
            raise ValidationFailed(violations)
        inferred_changes: dict[str, set[Triple]] = {}
        if infer:
            inferred_changes, removed, added = inferred_delta(store, delta, exported["asserted"],
                                                              exported["inferred"], onto)
            patch(store, INFERRED, removed, added)
            result.inferred_triples = state.inferred_triples - len(removed) + len(added)
        clock.lap("infer")
        result.asserted_triples = state.asserted_triples - len(delta.removed) + len(delta.added)
        new_index = {}
        for (name, stem), changes, owners in zip(EXPORTS.items(), (delta.triples, inferred_changes),
                                                  (delta.owners, None), strict=True):
            new_index[name] = splice(index[name], block_changes(changes, owners, lay),
                                     {k: out_dir / f"{stem}.{k}" for k in lay}, {k: tmp / f"{stem}.{k}" for k in lay},
                                     lay)
        write_summary(tmp, ds, result, files)
        copy_resources(tmp)
        clock.lap("export")
        store.flush()
        del store
        gc.collect()  # the store is closed before its files are hashed and published
        verifier.check()  # nothing is published, nor any error reported, from files that fail their check
        finish(tmp, out_dir, result, State(state.fingerprint, sums, editions, countries), new_index, yamls, known)
        clock.lap("store")
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        verifier.thread.join()
        if verifier.error is not None:
            raise CacheMismatch(verifier.error) from exc
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.timings = clock.times
    result.rebuilt = changed
    return result
