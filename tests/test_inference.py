"""OWL RL inference: the entailments the questions need are in the inferred graph, owlrl's noise is not.

Part one runs `infer.entailed` on a small hand-made graph and ontology (fast, independent of ontology/);
part two reads the inferred graph of the real build.
"""

from __future__ import annotations

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Store, Triple

from ksst_kg.core.namespaces import (
    DCTERMS,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    KG,
    KSST,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    XSD,
)
from ksst_kg.infer import entailed, noise_reason, owlrl_entailments

from .conftest import select
from .dataset import edition_ids, records

TINY_ONTOLOGY = f"""
@prefix ksst: <{KSST}> . @prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> . @prefix schema: <{SCHEMA}> .
@prefix org: <{ORG}> . @prefix prov: <{PROV}> . @prefix xsd: <{XSD}> .
ksst:Edition a owl:Class ; rdfs:subClassOf schema:EducationEvent, prov:Activity .
ksst:TechnicalCentre a owl:Class ; rdfs:subClassOf ksst:GovernmentOrganisation .
ksst:GovernmentOrganisation a owl:Class ; rdfs:subClassOf org:FormalOrganization .
ksst:partOfProgramme a owl:ObjectProperty ; owl:inverseOf ksst:hasEdition ; rdfs:subPropertyOf schema:superEvent .
ksst:heldIn a owl:ObjectProperty ; rdfs:subPropertyOf schema:location .
org:unitOf rdfs:subPropertyOf org:subOrganizationOf .
org:subOrganizationOf rdfs:subPropertyOf org:transitiveSubOrganizationOf .
org:transitiveSubOrganizationOf a owl:TransitiveProperty .
ksst:year a owl:DatatypeProperty, owl:FunctionalProperty ; rdfs:range xsd:gYear .
ksst:label a owl:AnnotationProperty .
"""

K = rdflib.Namespace(KG)
S = rdflib.Namespace(KSST)


def tiny(*, same_as: bool = False, reflexive_same_as: bool = False) -> set[str]:
    data = rdflib.Graph()
    ed, prog = K["edition/e1"], K["programme/p"]
    data.add((ed, rdflib.RDF.type, S.Edition))
    data.add((ed, S.partOfProgramme, prog))
    data.add((ed, S.heldIn, K["place/bali"]))
    data.add((ed, S.year, rdflib.Literal("2016", datatype=rdflib.XSD.gYear)))
    data.add((ed, rdflib.RDFS.label, rdflib.Literal("e1", lang="en")))
    org = rdflib.Namespace(ORG)
    data.add((K["org/centre"], rdflib.RDF.type, S.TechnicalCentre))
    data.add((K["org/centre"], org.unitOf, K["org/agency"]))
    data.add((K["org/agency"], org.unitOf, K["org/ministry"]))
    if same_as:
        data.add((K["place/bali"], rdflib.OWL.sameAs, K["place/pulau-bali"]))
    ontology = rdflib.Graph().parse(data=TINY_ONTOLOGY, format="turtle")
    if reflexive_same_as:
        return {str(t) for t in owlrl_entailments(data, ontology, reflexive_same_as=True)}
    return {str(t) for t in entailed(ox(data), ox(ontology))}


def ox(graph: rdflib.Graph) -> list[Triple]:
    """rdflib → pyoxigraph triples, through N-Triples."""
    from pyoxigraph import RdfFormat, parse

    return [q.triple for q in parse(graph.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)]


def test_compiled_rules_give_exactly_owlrls_entailments_on_the_real_data() -> None:
    from ksst_kg.convert import convert
    from ksst_kg.core.bridge import to_rdflib
    from ksst_kg.core.resources import ontology_triples
    from ksst_kg.infer import compiled_entailments
    from ksst_kg.records import load_dataset

    from .conftest import DATA

    asserted = [t for chunk in convert(load_dataset(DATA)) for t in chunk.triples]
    onto = ontology_triples()
    fast = compiled_entailments(asserted, onto)
    assert fast is not None, "the real ontology must not need the owlrl fallback"
    assert len(fast) > 1000
    assert fast == owlrl_entailments(to_rdflib(asserted), to_rdflib(onto))


def test_compiled_rules_match_owlrl_on_the_small_graph_and_fall_back_for_sameas() -> None:
    from ksst_kg.infer import compiled_entailments

    ontology = rdflib.Graph().parse(data=TINY_ONTOLOGY, format="turtle")
    data = rdflib.Graph().parse(data=f"<{KG}a> <{ORG}unitOf> <{KG}b> . <{KG}b> <{ORG}unitOf> <{KG}c> .",
                                format="turtle")
    # the tiny ontology declares a functional property, which the compiled rules leave to owlrl
    assert compiled_entailments(ox(data), ox(ontology)) is None
    plain = rdflib.Graph().parse(data=TINY_ONTOLOGY.replace(", owl:FunctionalProperty", ""), format="turtle")
    fast = compiled_entailments(ox(data), ox(plain))
    assert fast is not None and fast == owlrl_entailments(data, plain)
    data.add((rdflib.URIRef(KG + "a"), rdflib.OWL.sameAs, rdflib.URIRef(KG + "z")))
    assert compiled_entailments(ox(data), ox(plain)) is None


RICH_ONTOLOGY = f"""
@prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> . @prefix org: <{ORG}> . @prefix ex: <{KSST}ex/> .
org:unitOf rdfs:subPropertyOf org:subOrganizationOf ; rdfs:domain ex:Unit ; rdfs:range ex:Parent .
org:subOrganizationOf rdfs:subPropertyOf org:transitiveSubOrganizationOf ; owl:inverseOf org:hasSubOrganization .
org:transitiveSubOrganizationOf a owl:TransitiveProperty ; rdfs:domain ex:Org .
org:hasSubOrganization rdfs:domain ex:HasSubs .
ex:hasSub owl:inverseOf org:transitiveSubOrganizationOf ; rdfs:range ex:Sub .
ex:knows a owl:SymmetricProperty ; rdfs:domain ex:Agent ; rdfs:range ex:Known .
ex:name owl:equivalentProperty ex:label ; rdfs:domain ex:Named .
ex:label rdfs:subPropertyOf rdfs:label .
ex:Unit rdfs:subClassOf ex:Org . ex:Org owl:equivalentClass ex:Organisation . ex:Organisation rdfs:subClassOf ex:Agent .
"""


def test_compiled_rules_match_owlrl_on_symmetric_equivalent_and_inverse_transitive_properties() -> None:
    """The per-predicate plans: inverses of a transitive property, symmetry, equivalent properties and
    classes, literal and external objects; the transitive closure feeds the inverse and the domains."""
    from ksst_kg.infer import compiled_entailments

    ontology = rdflib.Graph().parse(data=RICH_ONTOLOGY, format="turtle")
    data = rdflib.Graph().parse(data=f"""@prefix ex: <{KSST}ex/> . @prefix org: <{ORG}> . @prefix kg: <{KG}> .
        kg:a org:unitOf kg:b . kg:b org:unitOf kg:c . kg:c org:subOrganizationOf kg:d . kg:d org:unitOf kg:e .
        kg:x ex:hasSub kg:y . kg:y ex:hasSub kg:z . kg:p ex:knows kg:q . kg:q ex:knows kg:r .
        kg:p ex:name "P" . kg:q ex:label "Q"@en . kg:p a ex:Unit . kg:w ex:knows <http://example.org/x> .""",
                                 format="turtle")
    fast = compiled_entailments(ox(data), ox(ontology))
    assert fast is not None and len(fast) > 50
    assert fast == owlrl_entailments(data, ontology)


def t(s: str, p: str, o: str) -> str:
    return str(Triple(NamedNode(s), NamedNode(p), NamedNode(o)))


def test_the_needed_entailments_of_a_small_graph() -> None:
    got = tiny()
    assert t(KG + "programme/p", KSST + "hasEdition", KG + "edition/e1") in got                   # inverse
    assert t(KG + "edition/e1", SCHEMA + "superEvent", KG + "programme/p") in got                 # sub-property
    assert t(KG + "edition/e1", SCHEMA + "location", KG + "place/bali") in got
    assert t(KG + "edition/e1", RDF + "type", PROV + "Activity") in got                           # sub-class
    assert t(KG + "org/centre", RDF + "type", ORG + "FormalOrganization") in got                  # two steps up
    assert t(KG + "org/centre", ORG + "transitiveSubOrganizationOf", KG + "org/ministry") in got  # transitive
    assert t(KG + "org/centre", ORG + "subOrganizationOf", KG + "org/agency") in got


def test_the_noise_of_a_small_graph_is_dropped() -> None:
    got = tiny()
    assert not any(f"<{OWL}sameAs>" in x for x in got)                     # reflexive sameAs (eq-ref)
    assert not any(f"<{OWL}Thing>" in x or f"<{RDFS}Resource>" in x for x in got)
    assert not any(x.startswith(("<" + KSST, "<" + SCHEMA, "<" + ORG, '"', "_:")) for x in got)
    assert t(KG + "org/centre", ORG + "unitOf", KG + "org/agency") not in got   # asserted, not inferred
    assert all(x.startswith("<" + KG) for x in got)
    assert len(got) == len(set(got))


def test_skipping_rule_eq_ref_changes_nothing_but_noise() -> None:
    assert tiny() == tiny(reflexive_same_as=True)
    with_same_as = tiny(same_as=True)
    assert with_same_as == tiny(same_as=True, reflexive_same_as=True)
    # eq-sym and eq-rep still run for a real owl:sameAs
    assert t(KG + "place/pulau-bali", OWL + "sameAs", KG + "place/bali") in with_same_as
    assert t(KG + "edition/e1", SCHEMA + "location", KG + "place/pulau-bali") in with_same_as


@pytest.mark.parametrize(("s", "p", "o", "reason"), [
    (rdflib.URIRef(KG + "a"), rdflib.OWL.sameAs, rdflib.URIRef(KG + "a"), "reflexive owl:sameAs"),
    (rdflib.Literal("x"), rdflib.OWL.sameAs, rdflib.Literal("x"), "about a literal"),
    (rdflib.Literal("x"), rdflib.RDF.type, rdflib.RDFS.Literal, "about a literal"),
    (rdflib.URIRef(KG + "a"), rdflib.RDF.type, rdflib.OWL.Thing, "trivial type"),
    (rdflib.URIRef(KG + "a"), rdflib.RDF.type, rdflib.RDFS.Resource, "trivial type"),
    (rdflib.URIRef(KG + "a"), rdflib.RDF.type, rdflib.OWL.NamedIndividual, "trivial type"),
    (rdflib.URIRef(KSST + "Edition"), rdflib.RDFS.subClassOf, rdflib.URIRef(PROV + "Activity"),
     "about a vocabulary term or an external resource"),
    (rdflib.URIRef("http://www.wikidata.org/entity/Q252"), rdflib.RDF.type, rdflib.URIRef(SCHEMA + "Thing"),
     "about a vocabulary term or an external resource"),
    (rdflib.BNode("owlrl-error"), rdflib.RDFS.comment, rdflib.Literal("owlrl error"), "blank node"),
    (rdflib.URIRef(KG + "a"), rdflib.OWL.differentFrom, rdflib.URIRef(KG + "b"), "schema-level statement"),
    (rdflib.URIRef(KG + "a"), rdflib.RDFS.subClassOf, rdflib.URIRef(KG + "a"), "schema-level statement"),
    (rdflib.URIRef(KG + "a"), rdflib.RDF.type, rdflib.URIRef(PROV + "Activity"), None),
    (rdflib.URIRef(KG + "a"), rdflib.OWL.sameAs, rdflib.URIRef(KG + "b"), None),
    (rdflib.URIRef(KG + "a"), rdflib.URIRef(DCTERMS + "subject"), rdflib.URIRef(KG + "c"), None),
    (rdflib.URIRef(KG + "a"), rdflib.RDFS.label, rdflib.Literal("a", lang="en"), None),
])
def test_noise_reasons(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node, reason: str | None) -> None:
    assert noise_reason(s, p, o) == reason


# --- the real build ---------------------------------------------------------------------------------------


def inferred(store: Store, s: str, p: str, o: str | Literal) -> bool:
    obj = o if isinstance(o, Literal) else NamedNode(o)
    return bool(store.query(f"ASK {{ GRAPH <{GRAPH_INFERRED}> {{ {NamedNode(s)} {NamedNode(p)} {obj} }} }}"))


ENTAILMENTS = [
    # inverse properties
    (KG + "programme/sim-capacity-building", KSST + "hasEdition", KG + "edition/sim-2016"),
    (KG + "programme/sim-capacity-building", KSST + "hasEdition", KG + "edition/sim-2021"),
    (KG + "person/gati-wibawaningsih", ORG + "hasMembership",
     KG + "membership/gati-wibawaningsih/ditjen-ikm/director-general"),
    # sub-properties
    (KG + "edition/sim-2018", SCHEMA + "superEvent", KG + "programme/sim-capacity-building"),
    (KG + "programme/sim-capacity-building", SCHEMA + "subEvent", KG + "edition/sim-2018"),
    (KG + "edition/sim-2018", SCHEMA + "subEvent", KG + "edition/sim-2018/visit/bbt"),
    (KG + "edition/sim-2018/visit/bbt", SCHEMA + "superEvent", KG + "edition/sim-2018"),
    (KG + "edition/sim-2018", SCHEMA + "location", KG + "place/bandung"),
    (KG + "edition/sim-2016", SCHEMA + "location", KG + "place/hotel-ramada-bintang-bali"),
    (KG + "edition/sim-2017", DCTERMS + "subject", KG + "concept/topics/ovop"),
    (KG + "country/BTN", ORG + "memberOf", KG + "org/colombo-plan"),
    (KG + "org/bbt", ORG + "subOrganizationOf", KG + "org/bppi"),
    # transitive unit-of: a technical centre of an agency of a ministry is a unit of that ministry
    (KG + "org/bbt", ORG + "transitiveSubOrganizationOf", KG + "org/kemenperin"),
    (KG + "org/bbkb", ORG + "transitiveSubOrganizationOf", KG + "org/kemenperin"),
    (KG + "org/biro-ktln", ORG + "transitiveSubOrganizationOf", KG + "org/kemensetneg"),
    # sub-classes
    (KG + "edition/sim-2018", RDF + "type", SCHEMA + "EducationEvent"),
    (KG + "edition/sim-2018", RDF + "type", PROV + "Activity"),
    (KG + "edition/sim-2018/visit/bbt", RDF + "type", PROV + "Activity"),
    (KG + "org/bbt", RDF + "type", KSST + "GovernmentOrganisation"),
    (KG + "org/bbt", RDF + "type", ORG + "FormalOrganization"),
    (KG + "org/bbt", RDF + "type", ORG + "Organization"),
    (KG + "org/dumba-3d-works", RDF + "type", KSST + "Enterprise"),
    (KG + "org/pt-dirgantara-indonesia", RDF + "type", KSST + "Enterprise"),
    (KG + "person/reni-yanita", RDF + "type", SCHEMA + "Person"),
    (KG + "person/reni-yanita", RDF + "type", PROV + "Person"),
    (KG + "source/beritasatu-827659", RDF + "type", SCHEMA + "NewsArticle"),
]


@pytest.mark.parametrize(("s", "p", "o"), ENTAILMENTS, ids=lambda x: x.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
def test_the_entailments_the_questions_need(store: Store, s: str, p: str, o: str) -> None:
    assert inferred(store, s, p, o)


def test_no_noise_in_the_inferred_graph(store: Store) -> None:
    g = f"GRAPH <{GRAPH_INFERRED}>"
    assert select(store, f"SELECT * WHERE {{ {g} {{ ?s owl:sameAs ?s }} }}") == []
    assert select(store, f"SELECT * WHERE {{ {g} {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?s), STR(kg:))) }}") == []
    assert select(store, f"SELECT * WHERE {{ {g} {{ ?s ?p ?o }} FILTER(isBlank(?s) || isBlank(?o)) }}") == []
    assert select(store, f"""SELECT * WHERE {{ {g} {{ ?s a ?c }}
        VALUES ?c {{ owl:Thing rdfs:Resource owl:NamedIndividual rdfs:Class owl:Class rdf:Property }} }}""") == []
    assert select(store, f"""SELECT * WHERE {{ {g} {{ ?s ?p ?o }}
        FILTER(STRSTARTS(STR(?p), STR(owl:)) || STRSTARTS(STR(?p), STR(rdfs:)) || STRSTARTS(STR(?p), STR(rdf:)))
        FILTER(?p NOT IN (rdf:type, owl:sameAs, rdfs:label, rdfs:comment, rdfs:seeAlso)) }}""") == []
    # nothing inferred is also asserted
    assert select(store, f"""SELECT * WHERE {{ {g} {{ ?s ?p ?o }} GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} }}
        LIMIT 5""") == []


def test_no_two_resources_are_entailed_to_be_the_same(store: Store) -> None:
    assert select(store, f"SELECT * WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ ?a owl:sameAs ?b }} }}") == []


def test_domains_and_ranges_do_not_mistype_anything(store: Store) -> None:
    """Properties shared by several classes (heldIn, aboutEdition, fromCountry...) must not retype nodes."""
    editions = select(store, "SELECT ?e WHERE { ?e a ksst:Edition }")
    assert sorted(r["e"].rsplit("/", 1)[-1] for r in editions) == edition_ids()
    assert select(store, "SELECT ?c WHERE { ?c a ksst:Claim, ksst:Discrepancy }") == []
    assert select(store, "SELECT ?c WHERE { ?c a ksst:Claim ; a ?t FILTER(?t IN (ksst:Edition, ksst:Visit, "
                         "ksst:RoleInEdition, ksst:Person, ksst:Country)) }") == []
    people = select(store, "SELECT ?p WHERE { ?p a ksst:Person }")
    assert len(people) == len(records().people)
    assert select(store, f"SELECT ?x WHERE {{ ?x a ksst:Country FILTER(!STRSTARTS(STR(?x), '{KG}country/')) }}") == []
    assert select(store, "SELECT ?x WHERE { ?x a ksst:Edition, ksst:Visit }") == []


def test_the_inferred_graph_is_its_own_export(store: Store, built) -> None:  # type: ignore[no-untyped-def]
    from pyoxigraph import RdfFormat, parse

    exported = {str(q.triple) for q in parse(path=str(built.out_dir / "inferred.nt"), format=RdfFormat.N_TRIPLES)}
    in_store = {str(q.triple) for q in store.quads_for_pattern(None, None, None, NamedNode(GRAPH_INFERRED))}
    assert exported == in_store
    assert len(exported) == built.inferred_triples > 0
