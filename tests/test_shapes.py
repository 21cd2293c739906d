"""The SHACL shapes in `shapes/*.ttl`, checked case by case against the fixtures in `tests/shapes/cases/`.

Fixture convention (pySHACL / W3C SHACL test-suite style: one case per file, with its exact expected report):

- `tests/shapes/cases/<NodeShape>-<what>.ttl`, e.g. `EditionShape-year-missing.ttl`, is one Turtle document. Above
  the line ``# === expected validation results ===`` is the data graph: a small graph that breaks exactly one
  constraint of ``kshape:<NodeShape>`` (or one of its property shapes) and is valid otherwise. Below the line are
  the expected ``sh:ValidationResult`` nodes, in Turtle, with ``sh:focusNode``, ``sh:resultPath`` (omitted for a
  node-level constraint; a blank-node path such as ``[ sh:inversePath ksst:hasVisit ]`` is compared by structure),
  ``sh:sourceShape``, ``sh:sourceConstraintComponent`` and ``sh:resultSeverity``. The expected section uses the
  ``@base``/``@prefix`` lines of the data part; the data part is parsed alone, so the expected triples are not
  part of the data graph.
- The test runs pyshacl with the real shapes (every ``shapes/*.ttl``, never a copy) and, when the folder holds
  any, the real ontology (every ``ontology/*.ttl``, as the build loads it) as ``ont_graph`` with inference
  ``"none"``. It asserts that the data does not conform and that the set of (focus node, result path, source
  shape, constraint component, severity) of the report equals the expected set exactly.
- Fixtures state every ``rdf:type`` they need (organisations as their concrete class *and* ``org:Organization``),
  so their results do not depend on the ontology; the ontology is passed anyway, so a class axiom that changes a
  result shows up here.
- ``valid-*.ttl`` files (at least ``valid-minimal.ttl``) have no expected section and must conform.
- Every node shape needs at least one case named after it whose expected results come from that shape or its
  property shapes; a new shape without a fixture fails ``test_every_node_shape_has_a_fixture``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_DIR = ROOT / "ontology"
CASES_DIR = ROOT / "tests" / "shapes" / "cases"

SH = Namespace("http://www.w3.org/ns/shacl#")
KSHAPE = Namespace("https://w3id.org/ksst-kg/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
MARKER = re.compile(r"^# === expected validation results ===[ \t]*$", re.MULTILINE)
DIRECTIVE = re.compile(r"^\s*@(prefix|base)\b.*$", re.MULTILINE)

VALID_CASES = sorted(CASES_DIR.glob("valid-*.ttl"))
CASES = sorted(p for p in CASES_DIR.glob("*.ttl") if not p.name.startswith("valid-"))

Key = tuple[Node | None, object, Node | None, Node | None, Node | None]


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology_graph() -> Graph | None:
    paths = sorted(ONTOLOGY_DIR.glob("*.ttl"))
    if not paths:
        return None
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def split_case(path: Path) -> tuple[Graph, Graph]:
    """The data graph (above the marker) and the expected results (below it, with the data part's prefixes)."""
    text = path.read_text(encoding="utf-8")
    parts = MARKER.split(text)
    assert len(parts) == 2, f"{path.name}: needs exactly one line '# === expected validation results ==='"
    data_text, expected_text = parts
    directives = "\n".join(m.group(0) for m in DIRECTIVE.finditer(data_text))
    data = Graph().parse(data=data_text, format="turtle")
    expected = Graph().parse(data=directives + "\n" + expected_text, format="turtle")
    return data, expected


def path_key(graph: Graph, node: Node | None) -> object:
    """A comparable form of a SHACL property path: the IRI, or a nested tuple for a blank-node path."""
    if node is None or isinstance(node, URIRef):
        return node
    for kind in ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
        inner = graph.value(node, SH[kind])
        if inner is not None:
            return (kind, path_key(graph, inner))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return ("alternativePath", tuple(path_key(graph, p) for p in Collection(graph, alternatives)))
    if graph.value(node, RDF.first) is not None:
        return ("sequencePath", tuple(path_key(graph, p) for p in Collection(graph, node)))
    raise AssertionError(f"not a SHACL path: {node!r}")


def result_keys(graph: Graph) -> set[Key]:
    return {
        (
            graph.value(r, SH.focusNode),
            path_key(graph, graph.value(r, SH.resultPath)),
            graph.value(r, SH.sourceShape),
            graph.value(r, SH.sourceConstraintComponent),
            graph.value(r, SH.resultSeverity),
        )
        for r in graph.subjects(RDF.type, SH.ValidationResult)
    }


def run_shacl(data: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none", advanced=True,
    )
    return bool(conforms), report, str(text)


def node_shapes() -> list[URIRef]:
    return sorted(s for s in shapes_graph().subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef))


def local(iri: Node) -> str:
    return str(iri).rsplit("#", 1)[-1]


def shape_family(shape: URIRef) -> set[Node]:
    """A node shape and its property shapes: the shapes a fixture named after it may expect results from."""
    return {shape, *shapes_graph().objects(shape, SH.property)}


def show(keys: set[Key]) -> str:
    return "\n".join(f"  {k}" for k in sorted(keys, key=str)) or "  (none)"


# --- the cases --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_case_reports_exactly_the_expected_results(case: Path) -> None:
    data, expected_graph = split_case(case)
    expected = result_keys(expected_graph)
    assert expected, f"{case.name}: the expected section holds no sh:ValidationResult"
    conforms, report, text = run_shacl(data)
    actual = result_keys(report)
    assert not conforms, f"{case.name}: the data conforms, but results were expected:\n{show(expected)}"
    assert actual == expected, (
        f"{case.name}\nmissing:\n{show(expected - actual)}\nunexpected:\n{show(actual - expected)}\n\n{text}"
    )


@pytest.mark.parametrize("case", VALID_CASES, ids=[p.stem for p in VALID_CASES])
def test_valid_fixture_conforms(case: Path) -> None:
    data = Graph().parse(case, format="turtle")
    conforms, _, text = run_shacl(data)
    assert conforms, f"{case.name} should conform:\n{text}"


def test_valid_minimal_exists_and_is_targeted_by_every_node_shape() -> None:
    """The valid example is complete: every node shape has at least one focus node in it."""
    assert (CASES_DIR / "valid-minimal.ttl") in VALID_CASES
    data = Graph().parse(CASES_DIR / "valid-minimal.ttl", format="turtle")
    typed = set(data.objects(None, RDF.type))
    untargeted = [local(s) for s in node_shapes() if not set(shapes_graph().objects(s, SH.targetClass)) & typed]
    assert not untargeted, f"valid-minimal.ttl has no instance for: {untargeted}"


# --- fixtures and shapes belong together -----------------------------------------------------------------


def test_every_node_shape_has_a_fixture() -> None:
    names = [p.stem for p in CASES]
    missing = []
    for shape in node_shapes():
        family = shape_family(shape)
        covered = [
            n for n in names
            if n.startswith(local(shape) + "-")
            and any(k[2] in family for k in result_keys(split_case(CASES_DIR / f"{n}.ttl")[1]))
        ]
        if not covered:
            missing.append(local(shape))
    assert not missing, f"node shapes without a fixture in tests/shapes/cases/: {missing}"


def test_each_fixture_breaks_one_constraint_of_the_shape_it_is_named_after() -> None:
    shapes = {local(s): s for s in node_shapes()}
    problems = []
    for case in CASES:
        prefix = case.stem.split("-", 1)[0]
        if prefix not in shapes or "-" not in case.stem:
            problems.append(f"{case.name}: name must be <NodeShape>-<what>.ttl with a node shape of shapes/")
            continue
        expected = result_keys(split_case(case)[1])
        foreign = {k[2] for k in expected} - shape_family(shapes[prefix])
        if foreign:
            problems.append(f"{case.name}: expects results of other shapes {sorted(map(local, foreign))}")
        if len({(k[2], k[3]) for k in expected}) > 1:
            problems.append(f"{case.name}: breaks more than one constraint (one case, one constraint)")
    assert not problems, "\n".join(problems)


# --- the shapes themselves -------------------------------------------------------------------------------


def test_shapes_are_named_and_documented() -> None:
    """Every node and property shape has an IRI, an rdfs:label, an rdfs:comment and an English sh:message."""
    g = shapes_graph()
    problems = []
    for node_shape in node_shapes():
        for prop in g.objects(node_shape, SH.property):
            if isinstance(prop, BNode):
                problems.append(f"{local(node_shape)}: a property shape is a blank node")
    shapes = set(node_shapes()) | {s for s in g.subjects(SH.path, None) if isinstance(s, URIRef)}
    for shape in sorted(shapes):
        if not str(shape).startswith(str(KSHAPE)):
            problems.append(f"{shape}: shape IRIs must be in {KSHAPE}")
        for prop in (RDFS.label, RDFS.comment, SH.message):
            values = list(g.objects(shape, prop))
            if not any(isinstance(v, Literal) and v.language == "en" for v in values):
                problems.append(f"{local(shape)}: needs an {g.qname(prop)} tagged @en")
    assert not problems, "\n".join(problems)


def test_shapes_use_core_shacl_only() -> None:
    """No SPARQL-based constraints or targets: pyshacl validates large graphs with these shapes."""
    g = shapes_graph()
    sparql = {SH.sparql, SH.select, SH.ask, SH.target}
    used = sorted({g.qname(p) for p in g.predicates() if p in sparql})
    assert not used, f"SPARQL-based SHACL in shapes/: {used}"


def test_shapes_graph_is_well_formed_shacl() -> None:
    """The shapes pass pyshacl's meta-validation against SHACL for SHACL."""
    conforms, _, text = validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True, inference="none")
    assert conforms, text


def test_ontology_places_every_organisation_class_under_org_organization() -> None:
    """Values checked with sh:class org:Organization are typed with a concrete class (e.g. ksst:Ministry): the
    ontology must state the rdfs:subClassOf chain up to org:Organization, or those checks fail on real data."""
    ontology = ontology_graph()
    if ontology is None:
        pytest.skip("ontology/*.ttl not present yet")
    targets = set(shapes_graph().objects(KSHAPE.OrganisationShape, SH.targetClass))
    ours = sorted(t for t in targets if not str(t).startswith(str(ORG)))
    unreached = [
        local(c) for c in ours
        if ORG.Organization not in set(ontology.transitive_objects(c, RDFS.subClassOf))
    ]
    assert not unreached, f"not rdfs:subClassOf* org:Organization in ontology/: {unreached}"


def test_no_max_count_on_single_valued_properties() -> None:
    """A ksst:singleValued property may hold two values where a discrepancy covers them; the QC check decides,
    so no shape may cap it with sh:maxCount."""
    ontology = ontology_graph()
    if ontology is None:
        pytest.skip("ontology/*.ttl not present yet")
    single = set(ontology.subjects(URIRef("https://w3id.org/ksst-kg/ontology#singleValued"), Literal(True)))
    g = shapes_graph()
    capped = sorted(local(s) for s in g.subjects(SH.maxCount, None) if g.value(s, SH.path) in single)
    assert not capped, f"sh:maxCount on ksst:singleValued properties: {capped}"
