"""Namespaces the site needs: the project's own (`core.namespaces`, re-exported) and a few names of its own."""

from __future__ import annotations

from ..core.namespaces import (
    BASE,
    DCTERMS,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    KG,
    KSST,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    XSD,
)

__all__ = [
    "BASE", "DCTERMS", "GRAPH_ASSERTED", "GRAPH_INFERRED", "GRAPH_ONTOLOGY", "KG", "KSST", "ORG", "OWL", "PREFIXES",
    "PROV", "RDF", "RDFS", "RDF_TYPE", "SCHEMA", "SH", "SHOW_PREFIXES", "SKOS", "VOCAB_PREFIXES", "XSD", "curie",
    "local_name",
]

RDF_TYPE = RDF + "type"

# reused vocabularies whose terms the ontology declares: they get pages under ontology/ext/{prefix}/
VOCAB_PREFIXES: dict[str, str] = {
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
}

# prefixes for showing IRIs compactly (longest namespace first when matching)
SHOW_PREFIXES: list[tuple[str, str]] = sorted(
    [*PREFIXES.items(), ("sh", SH), ("kshape", BASE + "shapes#")], key=lambda kv: -len(kv[1]))


def curie(iri: str) -> str:
    """`ksst:Edition`, `schema:startDate`, `kg:edition/sim-2018`; the IRI itself if no prefix fits."""
    for prefix, ns in SHOW_PREFIXES:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri
