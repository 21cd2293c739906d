"""Write the graph as Turtle, N-Triples and JSON-LD, byte for byte the same for the same triples.

Sorting happens here, once: subjects in IRI order, `rdf:type` first, then predicates and objects in
N-Triples order. pyoxigraph's serialisers write what they are given in that order, so diffs of two
builds show only what changed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from ..core.gcpause import paused_gc
from ..core.namespaces import KG, PREFIXES, RDF, XSD
from ..core.rdf import Term, lexical, serialized
from ..core.resources import resource_path

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"


def sort_key(t: Triple) -> tuple[str, bool, str, str]:
    """The order of every export (the specification of `sorted_triples`, which does not call it)."""
    return (lexical(t.subject), t.predicate.value != RDF_TYPE, t.predicate.value, str(t.object))


def _predicate_object_key(t: Triple) -> str:
    """`sort_key` without the subject, as one string: "0" for rdf:type (before "1" for any other
    predicate), the predicate IRI, NUL, the object in N-Triples. No IRI contains NUL, so the string order
    is the tuple order, and two triples of one subject get the same key only if they are the same."""
    p = t.predicate.value
    return f"{'0' if p == RDF_TYPE else '1'}{p}\0{t.object}"


def _value(node: NamedNode | BlankNode | Triple) -> str:
    return lexical(node)


@paused_gc()
def sorted_triples(triples: Iterable[Triple]) -> list[Triple]:
    """The distinct triples in `sort_key` order, subject by subject.

    Sorting all of them on `sort_key` kept a tuple of four strings per triple for the whole sort (4.4 s and
    +500 MB at 1M triples); grouping by subject first sorts short groups on one short-lived string each.
    The groups are keyed by the subject term, not its value: a blank node and an IRI may share a value.
    """
    by_subject: defaultdict[NamedNode | BlankNode | Triple, list[Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    out: list[Triple] = []
    for subject in sorted(by_subject, key=_value):
        distinct = {_predicate_object_key(t): t for t in by_subject[subject]}
        out += [distinct[key] for key in sorted(distinct)]
    return out


TURTLE_PREFIXES = {name: iri for name, iri in PREFIXES.items() if iri != KG}


def turtle_header() -> bytes:
    lines = [f"@base <{KG}> .", *(f"@prefix {name}: <{iri}> ." for name, iri in sorted(TURTLE_PREFIXES.items()))]
    return ("\n".join(lines) + "\n").encode()


def turtle_bytes(triples: list[Triple]) -> bytes:
    """Turtle for sorted triples: our own things as IRIs relative to the `kg:` base (`<edition/sim-2017>`,
    readable without escapes), vocabularies by prefix, and a fixed header.

    pyoxigraph writes the prefix declarations in no fixed order and relative to the base, so the header
    it writes is replaced by ours; the body only uses prefixed names and relative IRIs.
    """
    body = serialized(triples, RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES, base_iri=KG)
    lines = body.split(b"\n")
    start = next((i for i, line in enumerate(lines) if not line.startswith((b"@prefix", b"@base"))), len(lines))
    body_lines = [line if line[:1] in (b"\t", b"") or i == start else b"\n" + line
                  for i, line in enumerate(lines[start:], start)]
    return turtle_header() + b"\n" + b"\n".join(body_lines)


def ntriples_bytes(triples: list[Triple]) -> bytes:
    return serialized(triples, RdfFormat.N_TRIPLES)


def write_ntriples(triples: list[Triple], path: Path) -> None:
    """N-Triples straight to a file of a build folder being made (never a user's file: no rename needed)."""
    serialize(triples, output=str(path), format=RdfFormat.N_TRIPLES)


# --- JSON-LD ---------------------------------------------------------------------------------------------


@cache
def load_context() -> dict[str, Any]:
    """The shipped JSON-LD context (ontology/context.jsonld): short keys, nothing fetched."""
    with resource_path("ontology", "context.jsonld").open(encoding="utf-8") as handle:
        context: dict[str, Any] = json.load(handle)["@context"]
    return context


class _Compactor:
    """Maps IRIs and values to the context's terms, falling back to compact IRIs and value objects."""

    def __init__(self, context: dict[str, Any]) -> None:
        self._compacted: dict[str, str] = {}
        self.prefixes = sorted(
            ((k, v) for k, v in context.items() if isinstance(v, str) and not k.startswith("@") and v[-1] in "/#"),
            key=lambda kv: -len(kv[1]),
        )
        self.by_property: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.class_terms: dict[str, str] = {}
        for term, definition in context.items():
            if term.startswith("@") or (isinstance(definition, str) and definition.startswith("@")):
                continue
            if isinstance(definition, str):
                if definition[-1] not in "/#":
                    self.class_terms[self.expand(definition)] = term
                continue
            self.by_property.setdefault(self.expand(definition["@id"]), []).append((term, definition))

    def expand(self, curie: str) -> str:
        prefix, _, rest = curie.partition(":")
        for name, base in self.prefixes:
            if name == prefix:
                return base + rest
        return curie

    def compact(self, iri: str) -> str:
        """The compact IRI under the longest prefix that fits (remembered: classes, predicates and values
        recur on every node)."""
        known = self._compacted.get(iri)
        if known is None:
            known = self._compacted[iri] = next(
                (f"{name}:{iri[len(base):]}" for name, base in self.prefixes
                 if iri.startswith(base) and len(iri) > len(base)), iri)
        return known

    def value_object(self, o: Term) -> dict[str, str]:
        if isinstance(o, NamedNode):
            return {"@id": self.compact(o.value)}
        if isinstance(o, BlankNode):
            return {"@id": f"_:{o.value}"}
        if isinstance(o, Triple):
            raise TypeError(f"JSON-LD 1.1 has no quoted triples: {o}")
        if o.language:
            return {"@value": o.value, "@language": o.language}
        if o.datatype.value == XSD_STRING:
            return {"@value": o.value}
        return {"@value": o.value, "@type": self.compact(o.datatype.value)}

    def _literal_fits(self, o: Literal, kind: str | None, lang: str | None) -> bool:
        """Would a bare JSON string under a term with this coercion expand to exactly `o`?"""
        if lang:
            return o.language == lang
        if o.language:
            return False
        if kind:
            return kind != "@id" and o.datatype.value == self.expand(kind)
        return o.datatype.value == XSD_STRING

    def place(self, node: dict[str, Any], predicate: str, o: Term) -> None:
        """Put one object under the best key of `node`."""
        for term, d in self.by_property.get(predicate, []):
            container, kind, lang = d.get("@container"), d.get("@type"), d.get("@language")
            if container == "@language":
                if isinstance(o, Literal) and o.language:
                    node.setdefault(term, {}).setdefault(o.language, []).append(o.value)
                    return
                continue
            if kind == "@id" and isinstance(o, NamedNode):
                value: Any = self.compact(o.value)
            elif isinstance(o, Literal) and self._literal_fits(o, kind, lang):
                value = o.value
            else:
                continue
            node.setdefault(term, []).append(value)
            return
        node.setdefault(self.compact(predicate), []).append(self.value_object(o))


def jsonld_nodes(triples: list[Triple], context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The compacted node objects of sorted triples, one per subject, in subject order."""
    comp = _Compactor(load_context() if context is None else context)
    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        if isinstance(t.subject, BlankNode):  # the ontology's and the shapes' lists (the site publishes them)
            subject = f"_:{t.subject.value}"
            node = nodes.setdefault(subject, {"id": subject})
        else:
            subject = lexical(t.subject)
            node = nodes.setdefault(subject, {"id": comp.compact(subject)})
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode):
            cls = t.object.value
            node.setdefault("type", []).append(comp.class_terms.get(cls) or comp.compact(cls))
        else:
            comp.place(node, t.predicate.value, t.object)
    return [_tidy(node) for _, node in sorted(nodes.items())]


def jsonld_document(triples: list[Triple], context: dict[str, Any] | None = None) -> dict[str, Any]:
    """A compacted JSON-LD document (inline context) for sorted triples; expands to exactly them."""
    context = load_context() if context is None else context
    return {"@context": context, "@graph": jsonld_nodes(triples, context)}


def _tidy(node: dict[str, Any]) -> dict[str, Any]:
    """Single values lose their list, language maps their lists: shorter to read, same triples."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        elif isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
            value = {lang: (vals[0] if len(vals) == 1 else vals) for lang, vals in sorted(value.items())}
        out[key] = value
    return out


def jsonld_layout(context: dict[str, Any] | None = None) -> tuple[bytes, bytes, bytes]:
    """Header, separator and footer of the JSON-LD export around its node objects (see `jsonld_bytes`)."""
    ctx = orjson.dumps(load_context() if context is None else context, option=orjson.OPT_INDENT_2)
    return b'{\n  "@context": ' + ctx.replace(b"\n", b"\n  ") + b',\n  "@graph": [\n', b",\n", b"\n  ]\n}\n"


def jsonld_node_blocks(triples: list[Triple], context: dict[str, Any] | None = None) -> list[bytes]:
    """Each node object as it stands in the document: indented by two spaces a level, four to begin with."""
    return [b"    " + orjson.dumps(node, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            for node in jsonld_nodes(triples, context)]


def jsonld_bytes(triples: list[Triple], context: dict[str, Any] | None = None) -> bytes:
    """The document, indented by two spaces, keys in the order written (orjson: 15x faster than `json`).

    It is put together node by node, the bytes orjson gives for the whole document, so that a rebuild can
    replace one node's text (`splice.py`); a graph with no node has an empty `@graph` list over two lines."""
    head, sep, foot = jsonld_layout(context)
    return head + sep.join(jsonld_node_blocks(triples, context)) + foot
