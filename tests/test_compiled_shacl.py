"""The build's validator (`ksst_kg.shacl`, the real shapes compiled) must report exactly what pyshacl reports:
focus node, path, message, shape, constraint component, severity and value, on every fixture of
`tests/shapes/cases/`, on the real data (valid and broken), and on generated data with faults put in."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from bench.generate import generate
from ksst_kg import validate
from ksst_kg.convert import convert
from ksst_kg.core.bridge import rdflib_term
from ksst_kg.core.resources import ontology_triples
from ksst_kg.export.serialise import RDF_TYPE, sorted_triples
from ksst_kg.records import load_dataset
from ksst_kg.validate import check, graph_violations, shacl_violations, shapes_graph, validate_files
from ksst_kg.validate.shacl import Unsupported, compile_shapes, subject_blocks

from .conftest import DATA

CASES_DIR = Path(__file__).resolve().parent / "shapes" / "cases"
CASES = sorted(CASES_DIR.glob("*.ttl"))
MARKER = re.compile(r"^# === expected validation results ===[ \t]*$", re.MULTILINE)
OUTPUTS = ("ksst.ttl", "ksst.nt", "ksst.jsonld", "inferred.ttl", "inferred.nt", "inferred.jsonld", "summary.json")


def both(triples: list[Triple]) -> tuple[list[validate.Violation], list[validate.Violation]]:
    """(compiled, pyshacl) violations of a graph, each sorted; blank nodes keep their labels in both."""
    graph = rdflib.Graph()
    for t in triples:
        graph.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return graph_violations(triples, ontology_triples()), shacl_violations(graph)


def test_the_real_shapes_compile() -> None:
    assert validate.compiled_shapes() is not None


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_fixture_gives_pyshacls_exact_results(case: Path) -> None:
    data = MARKER.split(case.read_text(encoding="utf-8"))[0]
    compiled, reference = both([q.triple for q in parse(data, format=RdfFormat.TURTLE)])
    assert compiled == reference
    assert bool(compiled) != case.name.startswith("valid-")


def real_triples(data: Path) -> list[Triple]:
    return sorted_triples(t for chunk in convert(load_dataset(data)) for t in chunk.triples)


def break_records(data: Path) -> None:
    """Two violations only the shapes see (the loader checks that a place exists, the shapes its kind): an
    edition held in a venue, and a city given as a venue."""
    path = data / "editions" / "sim-2018.yaml"
    path.write_text(path.read_text().replace("places: [jakarta, bandung]",
                                             "places: [jakarta, hotel-ramada-bintang-bali]"))
    path = data / "editions" / "sim-2017.yaml"
    path.write_text(path.read_text().replace("end_date: 2017-08-09", "end_date: 2017-08-09\nvenue: yogyakarta"))


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "broken"])
def test_real_data_gives_pyshacls_exact_results(data_copy: Path, broken: bool) -> None:
    if broken:
        break_records(data_copy)
    compiled, reference = both(real_triples(data_copy))
    assert compiled == reference
    assert bool(compiled) == broken


DATES = {"https://schema.org/startDate", "https://schema.org/endDate"}


def corrupt(triples: list[Triple], seed: int) -> list[Triple]:
    """Drop, retype, untag, blank and misdirect a few triples, so that most components fire somewhere."""
    rng = random.Random(seed)
    out = []
    for t in triples:
        roll = rng.random()
        obj = t.object
        if roll < 0.01:
            continue  # a missing value: minCount, or hasValue, or an sh:or branch
        if roll < 0.02 and isinstance(obj, Literal):
            obj = Literal(obj.value)  # a date, year or tagged label turned into a plain string
        elif roll < 0.025 and isinstance(obj, Literal):
            obj = Literal("", language=obj.language) if obj.language else Literal("not a value", datatype=obj.datatype)
        elif roll < 0.03 and isinstance(obj, NamedNode):
            obj = Literal(obj.value)  # an IRI written as a string
        elif roll < 0.035 and isinstance(obj, NamedNode):
            obj = NamedNode("https://w3id.org/ksst-kg/id/country/IDN")  # a reference to a node of another class
        elif roll < 0.037 and t.predicate.value not in DATES:  # a blank date: the compiled shapes leave
            obj = BlankNode("b" + str(len(out)))                 # sh:lessThanOrEquals on it to pyshacl
        elif roll < 0.04 and isinstance(obj, Literal) and obj.language:
            out.append(Triple(t.subject, t.predicate, Literal(obj.value + " (2)", language=obj.language)))
        out.append(Triple(t.subject, t.predicate, obj))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_data_with_faults_gives_pyshacls_exact_results(tmp_path: Path, seed: int) -> None:
    generate(tmp_path / "data", 6_000, seed=seed, data=DATA)
    triples = corrupt(real_triples(tmp_path / "data"), seed)
    compiled, reference = both(triples)
    assert len(reference) > 50, "the faults should break many constraints"
    assert {v.component for v in reference} >= {
        "sh:MinCountConstraintComponent", "sh:DatatypeConstraintComponent", "sh:ClassConstraintComponent",
        "sh:LanguageInConstraintComponent", "sh:MinLengthConstraintComponent", "sh:UniqueLangConstraintComponent",
    }
    assert compiled == reference


@pytest.mark.parametrize("block", [1, 7, 500])
def test_checking_in_blocks_of_subjects_gives_the_same_results(tmp_path: Path, block: int) -> None:
    generate(tmp_path / "data", 3_000, seed=3, data=DATA)
    triples = sorted_triples(corrupt(real_triples(tmp_path / "data"), 3))
    validator = compile_shapes(shapes_graph())
    whole = validator.results(triples, ontology_triples())
    assert len(whole) > 20
    blocks = validator.results(triples, ontology_triples(), in_subject_order=True, block=block)
    assert sorted(blocks, key=repr) == sorted(whole, key=repr)


def test_an_or_that_follows_a_value_nodes_own_triples_turns_blocks_off() -> None:
    """Blocks hold the triples of their own subjects only: a check that reads a value node's triples needs all."""
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path ex:p ; sh:or ( [ sh:path ex:name ; sh:minCount 1 ] [ sh:class ex:D ] ) .
    """, format="turtle")
    validator = compile_shapes(shapes)
    assert not validator.block_safe
    ex = "http://example.org/"
    a, b, c = (NamedNode(ex + n) for n in "abc")
    rdf_type, p, name = NamedNode(RDF_TYPE), NamedNode(ex + "p"), NamedNode(ex + "name")
    triples = [Triple(a, rdf_type, NamedNode(ex + "C")), Triple(a, p, c), Triple(a, p, b),
               Triple(b, name, Literal("B")), Triple(c, rdf_type, NamedNode(ex + "E"))]
    found = validator.results(sorted_triples(triples), in_subject_order=True, block=1)
    assert [(r.focus, r.value) for r in found] == [(a, c)]  # b has a name, in another block
    assert compile_shapes(shapes_graph()).block_safe


def test_blocks_need_subject_order() -> None:
    a, b = NamedNode("http://example.org/a"), NamedNode("http://example.org/b")
    p = NamedNode("http://example.org/p")
    with pytest.raises(ValueError, match="subject order"):
        list(subject_blocks([Triple(a, p, b), Triple(b, p, a), Triple(a, p, a)], [], 1))


def test_a_feature_it_lacks_is_refused_not_skipped() -> None:
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path ex:p ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShape [ sh:class ex:D ] .
    """, format="turtle")
    with pytest.raises(Unsupported, match="qualified"):
        compile_shapes(shapes)
    assert compile_shapes(shapes_graph()).targets


def test_without_compiled_shapes_the_build_falls_back_to_pyshacl(data_copy: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    break_records(data_copy)
    triples = real_triples(data_copy)
    expected = graph_violations(triples, ontology_triples())
    monkeypatch.setattr(check, "compiled_shapes", lambda: None)  # where graph_violations looks it up
    assert graph_violations(triples, ontology_triples()) == expected


def test_ksst_validate_agrees_with_its_reference(tmp_path: Path) -> None:
    case = CASES_DIR / "EditionShape-start-after-end.ttl"
    path = tmp_path / "case.ttl"
    path.write_text(MARKER.split(case.read_text(encoding="utf-8"))[0], encoding="utf-8")
    found = validate_files([path])
    assert [v.component for v in found] == ["sh:LessThanOrEqualsConstraintComponent"]
    assert found == validate_files([path], reference=True)


def test_ksst_build_with_pyshacl_reports_the_same_violations(data_copy: Path, tmp_path: Path) -> None:
    """`ksst build --pyshacl` runs the reference in the build itself: same message, line for line."""
    break_records(data_copy)
    runs = [subprocess.run([sys.executable, "-m", "ksst_kg", "build", "--data", str(data_copy),
                            "--out", str(tmp_path / "b"), *flags], capture_output=True, text=True, check=False)
            for flags in ([], ["--pyshacl"])]
    assert [r.returncode for r in runs] == [1, 1]
    assert "sim-2018.yaml" in runs[0].stderr
    assert runs[0].stderr == runs[1].stderr
