"""IRIs of the graph, in one place so that converter, queries and exports agree (see docs/model.md)."""

from __future__ import annotations

BASE = "https://w3id.org/ksst-kg/"
KSST = BASE + "ontology#"
KG = BASE + "id/"
ONTOLOGY_IRI = BASE + "ontology"
GRAPH_ASSERTED = BASE + "graph/asserted"
GRAPH_INFERRED = BASE + "graph/inferred"
GRAPH_ONTOLOGY = BASE + "graph/ontology"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
TIME = "http://www.w3.org/2006/time#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"

PREFIXES: dict[str, str] = {
    "kg": KG,
    "ksst": KSST,
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "time": TIME,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "void": VOID,
    "dcat": DCAT,
    "wd": WD,
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for ad-hoc queries and QC checks."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


_BY_LENGTH = sorted(((iri, p) for p, iri in PREFIXES.items()), key=lambda x: -len(x[0]))


def shorten(iri: str) -> str:
    """`kg:edition/sim-2018` for a full IRI under a known prefix; other IRIs as `<...>`."""
    for ns, prefix in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
