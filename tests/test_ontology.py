"""The ontology (ontology/ksst.ttl): OWL 2 DL on its own, labelled in English and Indonesian, in step with
the contract (docs/model.md), consistent under OWL RL (owlrl) and, where Java is there, under HermiT."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, BNode, Literal, Namespace, URIRef
from rdflib.collection import Collection

from ksst_kg.core.namespaces import KSST as KSST_IRI
from ksst_kg.core.namespaces import ONTOLOGY_IRI

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "ksst.ttl"
MODEL_DOC = ROOT / "docs" / "model.md"

KSST = Namespace(KSST_IRI)
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # not rdflib's: pytest trips over its attribute checks
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")  # where owlrl writes its error reports

ONTOLOGY = URIRef(ONTOLOGY_IRI)
VERSION = URIRef(ONTOLOGY_IRI + "/0.1.0")

PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
DECLARATION_KINDS = (OWL.Class, *PROPERTY_KINDS)

#: Annotation properties built into OWL 2 (no declaration needed).
BUILTIN_ANNOTATION_PROPERTIES = frozenset({
    RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated,
    OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith,
})

#: Predicates of the RDF mapping of OWL 2 that the ontology may use.
STRUCTURAL_PREDICATES = frozenset({
    RDF.type, RDF.first, RDF.rest, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
    OWL.inverseOf, OWL.disjointWith, OWL.members, OWL.versionIRI, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.propertyDisjointWith,
})

#: Types an IRI may be given in the ontology besides its declared classes.
META_TYPES = frozenset({
    OWL.Ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.NamedIndividual, OWL.AllDisjointClasses,
})

#: The datatypes of the OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps); others
#: (xsd:gYear, xsd:date, xsd:duration, ...) make a reasoner give up, so they are not used as ranges.
OWL2_DATATYPES = frozenset({
    RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational,
    *(XSD[name] for name in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger", "negativeInteger",
        "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
        "double", "float", "string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN",
        "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime", "dateTimeStamp",
    )),
})

#: Properties that should have one value per subject (ksst:singleValued true), from the contract.
SINGLE_VALUED = frozenset({
    KSST.year, SCHEMA.startDate, SCHEMA.endDate, SCHEMA.duration, KSST.batchOrdinal, KSST.hostingYearOrdinal,
    KSST.statedParticipantCount, KSST.statedCountryCount, SCHEMA.eventAttendanceMode, KSST.theme, SCHEMA.name,
    KSST.plannedYear, KSST.partOfProgramme, KSST.meetingOrdinal, KSST.month, KSST.eventKind, KSST.activityStatus,
    KSST.joinedIn, KSST.leftIn, KSST.meetingYear, KSST.changedOn, KSST.changedNotBefore, KSST.changedNotAfter,
    KSST.acting, KSST.durationDays,
})

#: The OWL kind of the reused terms the graph uses: a property IRI has one kind only.
REUSED_KINDS = {
    OWL.DatatypeProperty: [
        SCHEMA.startDate, SCHEMA.endDate, SCHEMA.duration, SCHEMA.name, SCHEMA.value, SCHEMA.datePublished,
        DCTERMS.language,
    ],
    OWL.ObjectProperty: [
        SCHEMA.url, SCHEMA.sameAs, SCHEMA.organizer, SCHEMA.contributor, SCHEMA.publisher, SCHEMA.containedInPlace,
        SCHEMA.eventAttendanceMode, SCHEMA.location, SCHEMA.subEvent, SCHEMA.superEvent, DCTERMS.subject,
        ORG.unitOf, ORG.linkedTo, ORG.subOrganizationOf, ORG.transitiveSubOrganizationOf, ORG.hasSubOrganization,
        ORG.hasUnit,
        ORG.member, ORG.hasMembership, ORG.memberOf, ORG.organization, ORG.role, ORG.originalOrganization,
        ORG.resultingOrganization, ORG.changedBy, ORG.resultedFrom, PROV.qualifiedAssociation, PROV.agent,
        PROV.hadRole, PROV.wasDerivedFrom, SKOS.inScheme, SKOS.broader, SKOS.topConceptOf,
    ],
    # dcterms:title is an annotation property: it titles the ontology itself, and an IRI cannot be both an
    # annotation and a datatype property in OWL 2 DL (the headline of a source is an annotation assertion).
    OWL.AnnotationProperty: [
        SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.title, DCTERMS.description, DCTERMS.license,
        DCTERMS.created, KSST.singleValued,
    ],
    OWL.Class: [
        SCHEMA.EventSeries, SCHEMA.EducationEvent, SCHEMA.Event, SCHEMA.NewsArticle, SCHEMA.Person, SCHEMA.Country,
        SCHEMA.City, SCHEMA.AdministrativeArea, SCHEMA.Place, SCHEMA.GovernmentOrganization, SCHEMA.Corporation,
        SCHEMA.CollegeOrUniversity, SCHEMA.NewsMediaOrganization, ORG.Organization, ORG.FormalOrganization,
        ORG.Membership, ORG.Role, ORG.ChangeEvent, PROV.Activity, PROV.Entity, PROV.Agent, PROV.Person,
        PROV.Organization, PROV.Plan, PROV.Association, PROV.Role, SKOS.Concept, SKOS.ConceptScheme,
    ],
}

#: Axioms the graph's inferences rely on (stated here, since nothing is imported).
REQUIRED_AXIOMS = [
    # ORG
    (ORG.unitOf, RDFS.subPropertyOf, ORG.subOrganizationOf),
    (ORG.subOrganizationOf, RDFS.subPropertyOf, ORG.transitiveSubOrganizationOf),
    (ORG.transitiveSubOrganizationOf, RDF.type, OWL.TransitiveProperty),
    (ORG.hasSubOrganization, OWL.inverseOf, ORG.subOrganizationOf),
    (ORG.hasUnit, OWL.inverseOf, ORG.unitOf),
    (ORG.hasMembership, OWL.inverseOf, ORG.member),
    (KSST.memberStateOf, RDFS.subPropertyOf, ORG.memberOf),
    # fostering is a link between organisations, never a unit-of (the fostered body is not part of the other)
    (KSST.fosteredBy, RDFS.subPropertyOf, ORG.linkedTo),
    (KSST.coOrganiser, RDFS.subPropertyOf, SCHEMA.contributor),
    # inverses named by the contract
    (KSST.partOfProgramme, OWL.inverseOf, KSST.hasEdition),
    (KSST.hasVisit, OWL.inverseOf, KSST.visitOf),
    (KSST.hasWorkshop, OWL.inverseOf, KSST.workshopOf),
    (KSST.roleIn, OWL.inverseOf, PROV.qualifiedAssociation),
    (KSST.countryList, OWL.inverseOf, KSST.countryListOf),
    (KSST.nextEditionPlan, OWL.inverseOf, KSST.planOf),
    (KSST.statedFigure, OWL.inverseOf, KSST.figureOf),
    # sub-properties of the standard vocabularies
    (KSST.partOfProgramme, RDFS.subPropertyOf, SCHEMA.superEvent),
    (KSST.hasEdition, RDFS.subPropertyOf, SCHEMA.subEvent),
    (KSST.hasVisit, RDFS.subPropertyOf, SCHEMA.subEvent),
    (KSST.hasWorkshop, RDFS.subPropertyOf, SCHEMA.subEvent),
    (KSST.visitOf, RDFS.subPropertyOf, SCHEMA.superEvent),
    (KSST.workshopOf, RDFS.subPropertyOf, SCHEMA.superEvent),
    (KSST.heldIn, RDFS.subPropertyOf, SCHEMA.location),
    (KSST.venue, RDFS.subPropertyOf, SCHEMA.location),
    (KSST.basedIn, RDFS.subPropertyOf, SCHEMA.location),
    (KSST.curriculumTopic, RDFS.subPropertyOf, DCTERMS.subject),
    (KSST.visitTopic, RDFS.subPropertyOf, DCTERMS.subject),
    (KSST.workshopTopic, RDFS.subPropertyOf, DCTERMS.subject),
    # superclasses from the contract's table
    (KSST.Programme, RDFS.subClassOf, SCHEMA.EventSeries),
    (KSST.Edition, RDFS.subClassOf, SCHEMA.EducationEvent),
    (KSST.Edition, RDFS.subClassOf, PROV.Activity),
    (KSST.Visit, RDFS.subClassOf, PROV.Activity),
    (KSST.Workshop, RDFS.subClassOf, PROV.Activity),
    (KSST.RoleInEdition, RDFS.subClassOf, PROV.Association),
    (KSST.EditionPlan, RDFS.subClassOf, PROV.Plan),
    (KSST.CooperationFramework, RDFS.subClassOf, PROV.Plan),
    (KSST.Claim, RDFS.subClassOf, PROV.Entity),
    (KSST.SourceDocument, RDFS.subClassOf, PROV.Entity),
    (KSST.NewsArticle, RDFS.subClassOf, KSST.SourceDocument),
    (KSST.NewsArticle, RDFS.subClassOf, SCHEMA.NewsArticle),
    (KSST.PublicDocument, RDFS.subClassOf, KSST.SourceDocument),
    (KSST.WebPage, RDFS.subClassOf, KSST.SourceDocument),
    (KSST.EditionEvent, RDFS.subClassOf, PROV.Activity),
    (KSST.hasEvent, OWL.inverseOf, KSST.eventOf),
    (KSST.recounts, RDFS.subPropertyOf, SCHEMA.about),
    (KSST.openedBy, RDFS.subPropertyOf, PROV.wasAssociatedWith),
    (KSST.Person, RDFS.subClassOf, SCHEMA.Person),
    (KSST.Person, RDFS.subClassOf, PROV.Person),
    (KSST.Country, RDFS.subClassOf, SCHEMA.Country),
    (KSST.City, RDFS.subClassOf, SCHEMA.City),
    (KSST.Province, RDFS.subClassOf, SCHEMA.AdministrativeArea),
    (KSST.Venue, RDFS.subClassOf, SCHEMA.Place),
    (KSST.GovernmentOrganisation, RDFS.subClassOf, ORG.FormalOrganization),
    (KSST.GovernmentOrganisation, RDFS.subClassOf, SCHEMA.GovernmentOrganization),
    (KSST.TechnicalCentre, RDFS.subClassOf, KSST.GovernmentOrganisation),
    (KSST.SmallMediumIndustry, RDFS.subClassOf, KSST.Enterprise),
    (KSST.Enterprise, RDFS.subClassOf, SCHEMA.Corporation),
    (KSST.University, RDFS.subClassOf, SCHEMA.CollegeOrUniversity),
    (KSST.NewsOutlet, RDFS.subClassOf, SCHEMA.NewsMediaOrganization),
]


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")


def declared(g: rdflib.Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def minted_terms(g: rdflib.Graph) -> set[URIRef]:
    return {s for kind in DECLARATION_KINDS for s in declared(g, kind) if s.startswith(KSST_IRI)}


def contract_terms() -> set[URIRef]:
    """Every `ksst:name` written in backticks in docs/model.md."""
    names: set[str] = set()
    for span in re.findall(r"`([^`]+)`", MODEL_DOC.read_text(encoding="utf-8")):
        names.update(re.findall(r"\bksst:([A-Za-z]\w*)", span))
    return {KSST[name] for name in names}


def short(term: rdflib.term.Node) -> str:
    return str(term).replace(KSST_IRI, "ksst:")


# --- header, labels, contract ------------------------------------------------------------------------------


def test_header(onto: rdflib.Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert set(onto.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY}
    assert (ONTOLOGY, OWL.versionIRI, VERSION) in onto
    assert (ONTOLOGY, OWL.versionInfo, Literal("0.1.0")) in onto
    assert (ONTOLOGY, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in onto
    assert {str(d) for d in onto.objects(ONTOLOGY, DCTERMS.created)} == {"2026-11-22"}
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {lit.language for lit in onto.objects(ONTOLOGY, prop)} >= {"en"}, prop


def test_imports_nothing(onto: rdflib.Graph) -> None:
    assert not list(onto.triples((None, OWL.imports, None)))


def test_minted_terms_have_labels_in_both_languages_and_a_definition(onto: rdflib.Graph) -> None:
    terms = minted_terms(onto)
    assert len(terms) > 100
    problems = []
    for term in sorted(terms):
        labels = {lit.language for lit in onto.objects(term, RDFS.label) if isinstance(lit, Literal)}
        for lang in ("en", "id"):
            if lang not in labels:
                problems.append(f"{short(term)}: no rdfs:label @{lang}")
        definitions = [d for d in onto.objects(term, SKOS.definition) if isinstance(d, Literal) and d.language == "en"]
        if len(definitions) != 1 or len(str(definitions[0])) < 10:
            problems.append(f"{short(term)}: needs one skos:definition @en")
        if set(onto.objects(term, RDFS.isDefinedBy)) != {ONTOLOGY}:
            problems.append(f"{short(term)}: rdfs:isDefinedBy is not the ontology")
    assert not problems, "\n".join(problems)


def test_every_ksst_iri_used_is_declared(onto: rdflib.Graph) -> None:
    used = {t for triple in onto for t in triple if isinstance(t, URIRef) and t.startswith(KSST_IRI)}
    assert used - minted_terms(onto) == set()


def test_every_term_of_the_contract_is_defined(onto: rdflib.Graph) -> None:
    contract = contract_terms()
    assert len(contract) > 100, "docs/model.md names fewer ksst: terms than expected: is the regex right?"
    missing = sorted(short(t) for t in contract - minted_terms(onto))
    assert not missing, f"named in docs/model.md, not defined in ontology/ksst.ttl: {missing}"


def test_classes_of_the_contract_are_classes(onto: rdflib.Graph) -> None:
    contract_classes = {t for t in contract_terms() if t.removeprefix(KSST_IRI)[0].isupper()}
    assert contract_classes <= declared(onto, OWL.Class)


# --- OWL 2 DL --------------------------------------------------------------------------------------------------


def test_no_iri_has_two_kinds(onto: rdflib.Graph) -> None:
    kinds: dict[URIRef, set[URIRef]] = {}
    for kind in DECLARATION_KINDS:
        for term in declared(onto, kind):
            kinds.setdefault(term, set()).add(kind)
    clashes = {short(t): sorted(short(k) for k in ks) for t, ks in kinds.items() if len(ks) > 1}
    assert not clashes
    both = declared(onto, OWL.ObjectProperty) & declared(onto, OWL.DatatypeProperty)
    assert not both


@pytest.mark.parametrize("kind", list(REUSED_KINDS), ids=lambda k: str(k).rsplit("#", 1)[-1])
def test_reused_terms_are_declared_with_their_kind(onto: rdflib.Graph, kind: URIRef) -> None:
    missing = [str(t) for t in REUSED_KINDS[kind] if (t, RDF.type, kind) not in onto]
    assert not missing


@pytest.mark.parametrize("axiom", REQUIRED_AXIOMS, ids=lambda a: " ".join(short(t).rsplit("/", 1)[-1] for t in a))
def test_axioms_we_rely_on(onto: rdflib.Graph, axiom: tuple[URIRef, URIRef, URIRef]) -> None:
    assert axiom in onto


def test_discrepancies_are_not_the_inverse_of_about_edition(onto: rdflib.Graph) -> None:
    # ksst:aboutEdition also links claims to their edition: an inverse would make every claim a discrepancy.
    assert not list(onto.triples((KSST.hasDiscrepancy, OWL.inverseOf, None)))
    assert not list(onto.triples((KSST.aboutEdition, OWL.inverseOf, None)))


def test_single_valued_marks(onto: rdflib.Graph) -> None:
    assert (KSST.singleValued, RDF.type, OWL.AnnotationProperty) in onto
    assert (KSST.singleValued, RDFS.range, XSD.boolean) in onto
    marked = set(onto.subjects(KSST.singleValued, Literal(True)))
    assert marked == SINGLE_VALUED
    assert set(onto.objects(None, KSST.singleValued)) == {Literal(True)}
    # Sources disagree and the graph keeps both values: a functional property would make it inconsistent.
    assert not list(onto.subjects(RDF.type, OWL.FunctionalProperty))
    assert not list(onto.subjects(RDF.type, OWL.InverseFunctionalProperty))


def test_owl2_dl_vocabulary(onto: rdflib.Graph) -> None:
    """The triples are the RDF mapping of OWL 2 DL axioms: no reification, every predicate and class declared,
    datatype ranges from the OWL 2 datatype map, no redefinition of the reserved vocabulary."""
    reserved = (str(RDF), str(RDFS), str(OWL), str(XSD))
    properties = {t for kind in PROPERTY_KINDS for t in declared(onto, kind)}
    classes = declared(onto, OWL.Class) | {OWL.Thing}
    problems = []
    for term in (RDF.Statement, RDF.subject, RDF.predicate, RDF.object, RDF.Property, RDFS.Class,
                 RDFS.Datatype, OWL.FunctionalProperty, OWL.imports, OWL.sameAs):
        if any(term in triple for triple in onto):
            problems.append(f"uses {term}")
    for s, p, o in onto:
        if p not in STRUCTURAL_PREDICATES | BUILTIN_ANNOTATION_PROPERTIES and p not in properties:
            problems.append(f"undeclared predicate {p}")
        if p == RDF.type and o not in META_TYPES and o not in classes:
            problems.append(f"{s} typed with undeclared class {o}")
        if p in (RDFS.subClassOf, OWL.disjointWith) and not {s, o} <= classes:
            problems.append(f"class axiom on undeclared class: {s} {p} {o}")
        if p == RDFS.domain and o not in classes:
            problems.append(f"domain of {s} is not a declared class: {o}")
        if p == RDFS.range and s in declared(onto, OWL.ObjectProperty) and o not in classes:
            problems.append(f"range of object property {s} is not a declared class: {o}")
        if p == RDFS.range and s in declared(onto, OWL.DatatypeProperty) and o not in OWL2_DATATYPES:
            problems.append(f"range of datatype property {s} is not in the OWL 2 datatype map: {o}")
        if p in (RDFS.subPropertyOf, OWL.inverseOf) and not {s, o} <= properties:
            problems.append(f"property axiom on undeclared property: {s} {p} {o}")
        if p in (RDFS.subPropertyOf, OWL.inverseOf) and {s, o} <= properties:
            kinds_s = {k for k in PROPERTY_KINDS if (s, RDF.type, k) in onto}
            kinds_o = {k for k in PROPERTY_KINDS if (o, RDF.type, k) in onto}
            if kinds_s != kinds_o or (p == OWL.inverseOf and kinds_s != {OWL.ObjectProperty}):
                problems.append(f"{s} {p} {o} mixes kinds of property")
        if isinstance(s, URIRef) and s.startswith(reserved):
            problems.append(f"says something about reserved vocabulary: {s} {p} {o}")
    for node in {s for s in onto.subjects() if isinstance(s, BNode)}:
        if (node, RDF.type, OWL.AllDisjointClasses) in onto:
            members = list(Collection(onto, onto.value(node, OWL.members)))
            if len(members) < 2 or not set(members) <= classes:
                problems.append(f"owl:AllDisjointClasses needs two or more declared classes: {members}")
        elif (node, RDF.first, None) not in onto:
            problems.append(f"blank node that is neither a disjointness axiom nor a list: {node}")
    assert not problems, "\n".join(sorted(set(problems)))


# --- OWL RL (owlrl) --------------------------------------------------------------------------------------------


def owlrl_closure(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[str]]:
    """The OWL RL closure of a copy of graph (as the build computes it) and owlrl's error messages.

    owlrl reports an inconsistency (a violated disjointness, an individual of owl:Nothing, a literal that is
    not in its datatype, ...) by recording a message in `error_messages` of the closure object and, at the end,
    by adding `[] a err:ErrorMessage ; err:error "..."` to the graph."""
    closed = rdflib.Graph()
    for triple in graph:
        closed.add(triple)
    closure = owlrl.OWLRL_Semantics(closed, False, False)  # no axiomatic triples, no datatype axioms
    closure.closure()
    return closed, list(closure.error_messages)


def assert_no_inconsistency(closed: rdflib.Graph, errors: list[str]) -> None:
    assert errors == []
    assert not list(closed.subjects(RDF.type, ERR.ErrorMessage))
    assert not list(closed.subjects(RDF.type, OWL.Nothing))
    unsatisfiable = {s for s in closed.subjects(RDFS.subClassOf, OWL.Nothing) if s != OWL.Nothing}
    unsatisfiable |= {s for s in closed.subjects(OWL.equivalentClass, OWL.Nothing) if s != OWL.Nothing}
    assert not unsatisfiable


def test_owlrl_closure_of_the_ontology_is_consistent(onto: rdflib.Graph) -> None:
    closed, errors = owlrl_closure(onto)
    assert_no_inconsistency(closed, errors)
    # and the hierarchy closes as intended
    assert (KSST.TechnicalCentre, RDFS.subClassOf, ORG.Organization) in closed
    assert (KSST.TechnicalCentre, RDFS.subClassOf, PROV.Agent) in closed
    assert (KSST.Edition, RDFS.subClassOf, SCHEMA.Event) in closed
    assert (KSST.Country, RDFS.subClassOf, SCHEMA.Place) in closed
    assert (ORG.unitOf, RDFS.subPropertyOf, ORG.transitiveSubOrganizationOf) in closed


SAMPLE = """
@base <https://w3id.org/ksst-kg/id/> .
@prefix ksst: <https://w3id.org/ksst-kg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<programme/p> a ksst:Programme .
<edition/e> a ksst:Edition ;
    ksst:partOfProgramme <programme/p> ; ksst:year "2017"^^xsd:gYear ; ksst:batchOrdinal "2"^^xsd:positiveInteger ;
    schema:startDate "2017-07-18"^^xsd:date ; schema:duration "P5D"^^xsd:duration ; schema:name "Title"@en ;
    ksst:heldIn <place/bandung> , <place/bali> ; ksst:venue <place/hotel> ; ksst:hostCountry <country/IDN> ;
    ksst:statedParticipantCount "20"^^xsd:nonNegativeInteger ; ksst:theme "Theme"@en ;
    ksst:hasVisit <edition/e/visit/v> ; ksst:hasWorkshop <edition/e/workshop/w> ;
    prov:qualifiedAssociation <edition/e/role/host/a> ; ksst:countryList <edition/e/country-list/s> ;
    ksst:nextEditionPlan <edition/e/plan/p> ; ksst:statedFigure <edition/e/figure/f> ;
    ksst:hasDiscrepancy <edition/e/discrepancy/d> ; ksst:curriculumTopic <concept/topics/ovop> .
<edition/e/visit/v> a ksst:Visit ; ksst:visitTopic <concept/topics/ceramics> ;
    ksst:visitedInstitution <org/bbk> ; ksst:heldIn <place/bandung> .
<edition/e/workshop/w> a ksst:Workshop ; ksst:hostedBy <org/bbk> .
<edition/e/role/host/a> a ksst:RoleInEdition ; prov:agent <person/a> ; prov:hadRole <concept/edition-roles/host> ;
    ksst:inCapacityOf <membership/a/ditjen/dg> .
<edition/e/country-list/s> a ksst:CountryList ; ksst:listedCountry <country/IDN> ;
    prov:wasDerivedFrom <source/s> .
<edition/e/plan/p> a ksst:EditionPlan ; ksst:plannedYear "2018"^^xsd:gYear .
<edition/e/figure/f> a ksst:StatedFigure ; schema:value "4.4"^^xsd:decimal ; ksst:statedBy <person/a> .
<edition/e/claim/c1> a ksst:Claim ; ksst:claimSubject <edition/e> ; ksst:claimProperty ksst:year ;
    ksst:claimValue "2017"^^xsd:gYear ; ksst:aboutEdition <edition/e> ; prov:wasDerivedFrom <source/s> .
<edition/e/claim/c2> a ksst:Claim ; ksst:claimSubject <edition/e> ; ksst:claimProperty ksst:heldIn ;
    ksst:claimObject <place/bandung> ; ksst:aboutEdition <edition/e> ; prov:wasDerivedFrom <source/s> .
<edition/e/discrepancy/d> a ksst:Discrepancy ; ksst:aboutEdition <edition/e> ;
    ksst:involvesClaim <edition/e/claim/c1> , <edition/e/claim/c2> .
<source/s> a ksst:SourceDocument ; schema:publisher <org/antara> ; dcterms:title "Judul"@id .
<org/antara> a ksst:NewsOutlet .
<person/a> a ksst:Person ; schema:name "A" ; ksst:fromCountry <country/IDN> .
<membership/a/ditjen/dg> a org:Membership ; org:member <person/a> ; org:organization <org/ditjen> ;
    org:role <concept/posts/director-general> ; ksst:acting true ; ksst:attestedAt <edition/e> .
<org/bbk> a ksst:TechnicalCentre ; org:unitOf <org/ditjen> ; ksst:basedIn <place/bandung> ;
    ksst:country <country/IDN> .
<org/ditjen> a ksst:DirectorateGeneral ; org:unitOf <org/kemenperin> .
<org/kemenperin> a ksst:Ministry .
<org/colombo-plan> a ksst:InternationalOrganisation .
<country/IDN> a ksst:Country ; ksst:memberStateOf <org/colombo-plan> ; ksst:isoAlpha3 "IDN" .
<place/bandung> a ksst:City ; schema:containedInPlace <country/IDN> .
<place/hotel> a ksst:Venue .
<place/bali> a ksst:Province ; schema:containedInPlace <country/IDN> .
<concept/topics/ovop> a skos:Concept .
<concept/topics/ceramics> a skos:Concept .
<concept/edition-roles/host> a skos:Concept , prov:Role .
<concept/posts/director-general> a skos:Concept , org:Role .
"""


#: The sample data, its OWL RL closure with the ontology, and owlrl's error messages.
Sample = tuple[rdflib.Graph, rdflib.Graph, list[str]]


@pytest.fixture(scope="module")
def sample_closure(onto: rdflib.Graph) -> Sample:
    data = rdflib.Graph().parse(data=SAMPLE, format="turtle")
    closed, errors = owlrl_closure(data + onto)
    return data, closed, errors


def test_owlrl_closure_of_sample_data_is_consistent(sample_closure: Sample) -> None:
    _, closed, errors = sample_closure
    assert_no_inconsistency(closed, errors)


KG = Namespace("https://w3id.org/ksst-kg/id/")
EDITION = KG["edition/e"]
VISIT = KG["edition/e/visit/v"]

EXPECTED_ENTAILMENTS = [
    (KG["programme/p"], KSST.hasEdition, EDITION),
    (KG["programme/p"], SCHEMA.subEvent, EDITION),
    (EDITION, SCHEMA.superEvent, KG["programme/p"]),
    (VISIT, KSST.visitOf, EDITION),
    (VISIT, SCHEMA.superEvent, EDITION),
    (EDITION, SCHEMA.subEvent, VISIT),
    (KG["edition/e/workshop/w"], KSST.workshopOf, EDITION),
    (KG["edition/e/role/host/a"], KSST.roleIn, EDITION),
    (KG["edition/e/country-list/s"], KSST.countryListOf, EDITION),
    (KG["edition/e/plan/p"], KSST.planOf, EDITION),
    (KG["edition/e/figure/f"], KSST.figureOf, EDITION),
    (EDITION, SCHEMA.location, KG["place/bandung"]),
    (EDITION, SCHEMA.location, KG["place/hotel"]),
    (KG["org/bbk"], SCHEMA.location, KG["place/bandung"]),
    (EDITION, DCTERMS.subject, KG["concept/topics/ovop"]),
    (VISIT, DCTERMS.subject, KG["concept/topics/ceramics"]),
    (KG["org/bbk"], ORG.transitiveSubOrganizationOf, KG["org/kemenperin"]),
    (KG["org/kemenperin"], ORG.hasUnit, KG["org/ditjen"]),
    (KG["org/kemenperin"], ORG.hasSubOrganization, KG["org/ditjen"]),
    (KG["country/IDN"], ORG.memberOf, KG["org/colombo-plan"]),
    (KG["person/a"], ORG.hasMembership, KG["membership/a/ditjen/dg"]),
    (KG["edition/e/figure/f"], PROV.wasAttributedTo, KG["person/a"]),
    (EDITION, RDF.type, PROV.Activity),
    (EDITION, RDF.type, SCHEMA.Event),
    (KG["person/a"], RDF.type, PROV.Agent),
    (KG["org/bbk"], RDF.type, ORG.Organization),
    (KG["org/bbk"], RDF.type, PROV.Organization),
    (KG["country/IDN"], RDF.type, SCHEMA.Place),
]


@pytest.mark.parametrize("triple", EXPECTED_ENTAILMENTS, ids=lambda t: f"{t[0].rsplit('/', 1)[-1]} {short(t[1])}")
def test_owlrl_entails(sample_closure: Sample,
                       triple: tuple[URIRef, URIRef, URIRef]) -> None:
    _, closed, _ = sample_closure
    assert triple in closed


def test_owlrl_infers_no_type_beyond_the_superclasses_of_asserted_ones(
        onto: rdflib.Graph, sample_closure: Sample) -> None:
    """Domains and ranges add no type that the asserted types do not already imply (no claim becomes a
    discrepancy, no place an organisation, ...)."""
    data, closed, _ = sample_closure
    superclasses = owlrl_closure(onto)[0]
    wrong = []
    for s, _, cls in closed.triples((None, RDF.type, None)):
        if not str(s).startswith(str(KG)) or cls in (OWL.Thing, OWL.NamedIndividual, RDFS.Resource):
            continue
        asserted = set(data.objects(s, RDF.type))
        if cls not in asserted and not any((a, RDFS.subClassOf, cls) in superclasses for a in asserted):
            wrong.append(f"{s} a {cls} (asserted: {sorted(asserted)})")
    assert not wrong, "\n".join(sorted(wrong))
    assert (EDITION, KSST.hasDiscrepancy, KG["edition/e/claim/c1"]) not in closed


# --- OWL 2 DL reasoner (HermiT, bundled with owlready2; needs Java) --------------------------------------------

DL_CHECK_JAVA = """
import java.io.File;
import org.semanticweb.HermiT.Reasoner;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLClass;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DlCheck {
    public static void main(String[] args) throws Exception {
        OWLOntology ontology = OWLManager.createOWLOntologyManager()
            .loadOntologyFromOntologyDocument(new File(args[0]));
        System.out.println("AXIOMS " + ontology.getAxiomCount());
        for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
            System.out.println("VIOLATION " + v.toString().replace('\\n', ' '));
        }
        Reasoner reasoner = new Reasoner(ontology);
        boolean consistent = reasoner.isConsistent();
        System.out.println("CONSISTENT " + consistent);
        if (consistent) {
            for (OWLClass c : reasoner.getUnsatisfiableClasses().getEntitiesMinusBottom()) {
                System.out.println("UNSATISFIABLE " + c.getIRI());
            }
        }
    }
}
"""


def hermit_jar() -> Path | None:
    spec = importlib.util.find_spec("owlready2")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "hermit" / "HermiT.jar"
    return jar if jar.is_file() else None


def java_with_source_launcher() -> str | None:
    """`java` if it can run a single source file (Java 11+ with the compiler module), else None."""
    java = shutil.which("java")
    if java is None:
        return None
    try:
        modules = subprocess.run([java, "--list-modules"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return java if modules.returncode == 0 and "jdk.compiler" in modules.stdout else None


def test_hermit_owl2_dl_profile_consistency_and_satisfiability(tmp_path: Path) -> None:
    """OWL API's OWL 2 DL profile check, then HermiT: the ontology is consistent and every class satisfiable."""
    java = java_with_source_launcher()
    if java is None:
        pytest.skip("needs a Java 11+ JDK (`java` with the jdk.compiler module) to run HermiT; none found")
    jar = hermit_jar()
    if jar is None:
        pytest.skip("needs owlready2 (pip install owlready2), which ships the HermiT reasoner and the OWL API")
    source = tmp_path / "DlCheck.java"
    source.write_text(DL_CHECK_JAVA, encoding="utf-8")
    run = subprocess.run([java, "-Xmx512m", "-cp", str(jar), str(source), str(ONTOLOGY_FILE)],
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    lines = run.stdout.splitlines()
    assert any(line.startswith("AXIOMS ") and int(line.split()[1]) > 500 for line in lines), output
    assert [line for line in lines if line.startswith("VIOLATION")] == [], output
    assert "CONSISTENT true" in lines, output
    assert [line for line in lines if line.startswith("UNSATISFIABLE")] == [], output
