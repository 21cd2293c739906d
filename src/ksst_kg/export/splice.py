"""Exports as subject blocks: where each subject's block lies in an export, and the splice that rewrites an
export with some subjects' blocks replaced, for the incremental rebuild (`rebuild.py`).

Every export is written in subject order (`export.sorted_triples`), and each format writes one subject's
triples as one block that depends on those triples alone: N-Triples lines, a Turtle subject with its
predicate lists, a JSON-LD node object. So a file is a header, the blocks joined by a separator, and a footer,
and the file of a graph in which a few subjects changed is the old file with those blocks cut out and the new
ones put in their place: byte for byte what writing the whole graph again gives (a test holds it to that).
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, groupby, pairwise
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import RdfFormat, Triple, parse

from ..core.namespaces import KG
from ..core.rdf import serialized
from ..export.serialise import TURTLE_PREFIXES, jsonld_layout, jsonld_node_blocks, turtle_header


@dataclass(frozen=True)
class Layout:
    """How one format joins its subject blocks: header, blocks joined by `sep`, footer."""

    suffix: str
    header: bytes
    sep: bytes
    footer: bytes


def layouts() -> dict[str, Layout]:
    """The three exports' layouts, keyed by file suffix (the JSON-LD header carries the shipped context)."""
    head, sep, foot = jsonld_layout()
    return {"nt": Layout("nt", b"", b"", b""),
            "ttl": Layout("ttl", turtle_header() + b"\n", b"\n", b""),
            "jsonld": Layout("jsonld", head, sep, foot)}


def subjects_of(triples: Sequence[Triple]) -> list[str]:
    """The distinct subject IRIs of sorted triples, in order: the blocks of every export."""
    return [s.value for s, _ in groupby(triples, key=attrgetter("subject"))]


def blocks(suffix: str, triples: Sequence[Triple]) -> list[bytes]:
    """Each subject's block in format `suffix`, for sorted triples: one serialiser call for them all."""
    if not triples:
        return []
    if suffix == "jsonld":
        return jsonld_node_blocks(list(triples))
    if suffix == "nt":
        lines = serialized(triples, RdfFormat.N_TRIPLES).splitlines(keepends=True)
        sizes = [sum(1 for _ in ts) for _, ts in groupby(triples, key=attrgetter("subject"))]
        bounds = [0, *accumulate(sizes)]
        return [b"".join(lines[a:b]) for a, b in pairwise(bounds)]
    body = serialized(triples, RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES, base_iri=KG)
    out: list[list[bytes]] = []
    for line in body.splitlines(keepends=True):
        if line.startswith((b"@prefix", b"@base")):
            continue
        if line.startswith(b"\t"):
            out[-1].append(line)
        else:
            out.append([line])
    return [b"".join(lines) for lines in out]


def block_lengths(suffix: str, data: bytes, subjects: Sequence[str], layout: Layout) -> array[int]:
    """The length of each subject's block in `data`, a whole export of those subjects, found by scanning:
    an N-Triples block starts at the line that starts with its subject; Turtle blocks end at a blank line
    (literals are written with their line breaks escaped). Not for JSON-LD: the build knows the length of
    each node object it writes."""
    out = array("Q")
    pos = len(layout.header)
    if suffix == "nt":
        starts = [0]
        for s in subjects[1:]:
            found = data.find(b"\n<" + s.encode() + b"> ", starts[-1])
            if found < 0:
                raise ValueError(f"subject {s} not found in the N-Triples export")
            starts.append(found + 1)
        starts.append(len(data))
        out.extend(b - a for a, b in pairwise(starts))
        return out if subjects else array("Q")
    end_of_blocks = len(data) - len(layout.footer)
    for _ in subjects:
        end = data.find(b"\n\n", pos, end_of_blocks)
        end = end_of_blocks if end < 0 else end + 1
        out.append(end - pos)
        pos = end + len(layout.sep)
    return out


@dataclass
class GraphIndex:
    """One graph's exports as blocks: its subjects in order, each block's length per format, and (for the
    asserted graph) the record files each subject's triples come from, in build order, joined by newlines."""

    subjects: list[str]
    lengths: dict[str, array[int]]
    owners: list[str] | None = None

    def to_data(self) -> dict[str, object]:
        return {"subjects": self.subjects, "owners": self.owners,
                "lengths": {k: v.tobytes() for k, v in self.lengths.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> GraphIndex:
        """The index `to_data` gave; ValueError where the data is not of that form (a damaged cache)."""
        subjects, owners, raw_lengths = data.get("subjects"), data.get("owners"), data.get("lengths")
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise ValueError("index: subjects are not a list of strings")
        if owners is not None and (not isinstance(owners, list) or not all(isinstance(o, str) for o in owners)):
            raise ValueError("index: owners are not a list of strings")
        if not isinstance(raw_lengths, dict):
            raise ValueError("index: lengths are not a mapping")
        lengths: dict[str, array[int]] = {}
        for key, raw in raw_lengths.items():
            if not isinstance(key, str) or not isinstance(raw, bytes):
                raise ValueError("index: a length table is not bytes")
            lengths[key] = array("Q")
            lengths[key].frombytes(raw)  # ValueError where its size is not a whole number of entries
        return cls(subjects, lengths, owners)

    def sizes(self, layouts_: Mapping[str, Layout]) -> dict[str, int]:
        """The size each export must have: a cheap check that the files are the ones indexed."""
        out = {}
        for suffix, layout in layouts_.items():
            n = len(self.lengths[suffix])
            out[suffix] = (len(layout.header) + sum(self.lengths[suffix]) + len(layout.footer)
                           + len(layout.sep) * max(n - 1, 0))
        return out


class BlockReader:
    """The triples of single subjects, read from their blocks in an N-Triples export (exact: a store gives
    literals back in canonical form, `"2"^^xsd:integer` for `"2"^^xsd:positiveInteger`)."""

    def __init__(self, index: GraphIndex, path: Path) -> None:
        self.subjects = index.subjects
        self.lengths = index.lengths["nt"]
        self.starts = list(accumulate(self.lengths, initial=0))
        self.path = path

    def triples(self, subject: str) -> list[Triple]:
        i = bisect_left(self.subjects, subject)
        if i == len(self.subjects) or self.subjects[i] != subject:
            return []
        with self.path.open("rb") as handle:
            handle.seek(self.starts[i])
            data = handle.read(self.lengths[i])
        return [q.triple for q in parse(data, format=RdfFormat.N_TRIPLES)]


#: A change to one subject: its new block per format and its owners, or None when it has no triples left.
Change = tuple[dict[str, bytes], str] | None


def splice(index: GraphIndex, changes: Mapping[str, Change], old: Mapping[str, Path], new: Mapping[str, Path],
           layouts_: Mapping[str, Layout]) -> GraphIndex:
    """Write each export of `index` anew from the old file with the `changes` applied; return the new index.

    Unchanged runs of blocks are copied as single slices of the old file (by the kernel, not read into memory)."""
    plan = list(_merge(index.subjects, changes))
    subjects: list[str] = []
    owners: list[str] | None = [] if index.owners is not None else None
    for start, stop, subject in plan:
        subjects.extend(index.subjects[start:stop])
        if owners is not None and index.owners is not None:
            owners.extend(index.owners[start:stop])
        if subject is not None:
            subjects.append(subject)
            if owners is not None:
                owners.append(_changed(changes, subject)[1])
    lengths = {}
    for suffix, layout in layouts_.items():
        lengths[suffix] = _write(plan, index.lengths[suffix], changes, suffix, layout, old[suffix], new[suffix])
    return GraphIndex(subjects, lengths, owners)


def _changed(changes: Mapping[str, Change], subject: str) -> tuple[dict[str, bytes], str]:
    """The new blocks and owners of a subject `_merge` names (it names only subjects that keep triples)."""
    change = changes[subject]
    if change is None:
        raise ValueError(f"{subject} has no triples left, so it has no new block")
    return change


def _merge(subjects: list[str], changes: Mapping[str, Change]) -> Iterator[tuple[int, int, str | None]]:
    """(start, stop, subject): old blocks [start, stop) kept, then the changed subject's new block (None
    at the end, or where a subject lost every triple)."""
    i = 0
    for key in sorted(changes):
        j = bisect_left(subjects, key, lo=i)
        skip = j < len(subjects) and subjects[j] == key
        yield i, j, key if changes[key] is not None else None
        i = j + 1 if skip else j
    yield i, len(subjects), None


def _write(plan: list[tuple[int, int, str | None]], lengths: array[int], changes: Mapping[str, Change], suffix: str,
           layout: Layout, old_path: Path, new_path: Path) -> array[int]:
    """One export anew: runs of unchanged blocks are copied by the kernel (`copy_file_range`), never read."""
    sums = list(accumulate(lengths, initial=0))  # block i starts at header + sums[i] + i * len(sep)
    head, sep = len(layout.header), len(layout.sep)
    out = array("Q")
    first = True
    with old_path.open("rb") as src, new_path.open("wb") as dst:
        dst.write(layout.header)
        for start, stop, subject in plan:
            if stop > start:
                if not first:
                    dst.write(layout.sep)
                begin = head + sums[start] + start * sep
                _copy(src, dst, begin, head + sums[stop] + (stop - 1) * sep - begin)
                out.extend(lengths[start:stop])
                first = False
            if subject is not None:
                block = _changed(changes, subject)[0][suffix]
                if not first:
                    dst.write(layout.sep)
                dst.write(block)
                out.append(len(block))
                first = False
        dst.write(layout.footer)
    return out


def _copy(src: BinaryIO, dst: BinaryIO, offset: int, count: int) -> None:
    """`count` bytes of `src` from `offset` to the end of `dst`."""
    dst.flush()
    position = dst.tell()
    while count > 0:
        try:
            done = os.copy_file_range(src.fileno(), dst.fileno(), count, offset, position)
        except OSError:  # a file system without it: through Python after all
            src.seek(offset)
            dst.seek(position)
            dst.write(src.read(count))
            return
        if done == 0:
            raise OSError(f"{src.name} ended before its index said it would")
        offset, position, count = offset + done, position + done, count - done
    dst.seek(position)
