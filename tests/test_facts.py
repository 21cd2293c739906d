"""The facts of the 2018 and 2021 editions (and the inferred 2016 year), checked against the articles.

Each expectation below was read from the article named beside it (../shared/seeds/). A test asks the
built graph for the value *and* for the sources its claim cites.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from .conftest import select

E2018 = "https://w3id.org/ksst-kg/id/edition/sim-2018"
E2021 = "https://w3id.org/ksst-kg/id/edition/sim-2021"
E2016 = "https://w3id.org/ksst-kg/id/edition/sim-2016"
BPPI = "https://w3id.org/ksst-kg/id/org/bppi"
MONETER = "https://w3id.org/ksst-kg/id/source/moneter-20-negara"
BERITASATU = "https://w3id.org/ksst-kg/id/source/beritasatu-827659"
BERITADAERAH = "https://w3id.org/ksst-kg/id/source/beritadaerah-2021-09-15"


def claims(store: Store, subject: str, prop: str) -> dict[str, set[str]]:
    """value → the sources of its claim, for one subject and property."""
    rows = select(store, f"""
        SELECT ?value ?source WHERE {{
          ?c a ksst:Claim ; ksst:claimSubject <{subject}> ; ksst:claimProperty {prop} ;
             prov:wasDerivedFrom ?source .
          {{ ?c ksst:claimValue ?value }} UNION {{ ?c ksst:claimObject ?value }}
        }}""")
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["value"], set()).add(row["source"])
    return out


def derivation(store: Store, subject: str, prop: str) -> set[str]:
    rows = select(store, f"""
        SELECT ?d WHERE {{ ?c ksst:claimSubject <{subject}> ; ksst:claimProperty {prop} ;
                             ksst:derivation ?d }}""")
    return {r["d"].rsplit("/", 1)[-1] for r in rows}


# --- 2018: Moneter.id (file 000) -------------------------------------------------------------------------

@pytest.mark.parametrize(("prop", "expected"), [
    ("ksst:year", {"2018"}),
    ("schema:startDate", {"2018-07-18"}),          # "18-30 Juli 2018"
    ("schema:endDate", {"2018-07-30"}),
    ("ksst:statedParticipantCount", {"20"}),       # body: "sebanyak 20 peserta"
    ("ksst:statedCountryCount", {"20"}),           # headline: "Diikuti 20 Negara"
    ("ksst:heldIn", {"https://w3id.org/ksst-kg/id/place/jakarta", "https://w3id.org/ksst-kg/id/place/bandung"}),
    ("schema:name", {"Capacity Building Program on Enhancing the Development of Small and Medium Industry"}),
])
def test_2018_fact_and_source(store: Store, prop: str, expected: set[str]) -> None:
    found = claims(store, E2018, prop)
    assert set(found) == expected
    assert all(sources == {MONETER} for sources in found.values())


def test_2018_countries_named_are_a_partial_list(store: Store) -> None:
    # "seperti Afghanistan, Bangladesh, Bhutan, India, Laos, Myanmar, Nepal, Pakistan, Sri Lanka, dan Indonesia"
    rows = select(store, f"""
        SELECT ?iso ?completeness ?marker WHERE {{
          <{E2018}> ksst:countryList ?l . ?l ksst:listedCountry ?c ; ksst:listCompleteness ?completeness ;
             ksst:listMarker ?marker ; prov:wasDerivedFrom <{MONETER}> . ?c ksst:isoAlpha3 ?iso }}""")
    assert {r["iso"] for r in rows} == {"AFG", "BGD", "BTN", "IND", "LAO", "MMR", "NPL", "PAK", "LKA", "IDN"}
    assert {r["completeness"].rsplit("/", 1)[-1] for r in rows} == {"partial"}
    assert {r["marker"] for r in rows} == {"seperti"}


def test_2018_the_five_bandung_centres_and_other_visits(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?org WHERE {{ <{E2018}> ksst:hasVisit ?v . ?v ksst:visitedInstitution ?o .
                             ?o ksst:acronym ?acr . BIND(STR(?acr) AS ?org) }}""")
    assert {"BBT", "BBLM", "BBPK", "B4T", "BBK"} <= {r["org"] for r in rows}
    rows = select(store, f"""
        SELECT ?id WHERE {{ <{E2018}> ksst:hasVisit/ksst:visitedInstitution ?o .
                            BIND(STRAFTER(STR(?o), "/org/") AS ?id) }}""")
    assert {r["id"] for r in rows} == {
        "bbt", "bblm", "bbpk", "b4t", "bbk", "batik-komar", "bandrek-hanjuang", "matoa-indonesia",
        "elina-keramik", "pt-dirgantara-indonesia", "bandung-techno-park", "museum-kaa", "saung-angklung-udjo",
    }


def test_2018_bandung_firms_are_named_as_examples(store: Store) -> None:
    """The article lists four Bandung firms after "seperti" (such as): the visit says its list is partial."""
    visit = "https://w3id.org/ksst-kg/id/edition/sim-2018/visit/bandung-smes"
    rows = select(store, f"""
        SELECT ?c ?m (COUNT(?org) AS ?n) WHERE {{
          <{visit}> ksst:institutionListCompleteness ?c ; ksst:institutionListMarker ?m ; ksst:visitedInstitution ?org
        }} GROUP BY ?c ?m""")
    assert rows == [{"c": "https://w3id.org/ksst-kg/id/concept/completeness/partial", "m": "seperti", "n": "4"}]
    assert claims(store, visit, "ksst:institutionListMarker") == {
        "seperti": {"https://w3id.org/ksst-kg/id/source/moneter-20-negara"}}


def test_2018_centres_are_units_of_bppi_as_the_article_says(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?unit WHERE {{ ?c ksst:claimProperty org:unitOf ; ksst:claimObject <{BPPI}> ;
                              ksst:claimSubject ?u ; prov:wasDerivedFrom <{MONETER}> .
                              BIND(STRAFTER(STR(?u), "/org/") AS ?unit) }}""")
    assert {r["unit"] for r in rows} >= {"bbt", "bblm", "bbpk", "b4t", "bbk"}


def test_2018_people_posts_and_quoted_participants(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?person ?role ?org ?post ?country WHERE {{
          <{E2018}> prov:qualifiedAssociation ?r . ?r prov:agent ?p ; prov:hadRole ?rc .
          ?p schema:name ?person . BIND(STRAFTER(STR(?rc), "edition-roles/") AS ?role)
          OPTIONAL {{ ?r ksst:inCapacityOf ?m . ?m org:organization ?o ; org:role ?pc .
                      BIND(STRAFTER(STR(?o), "/org/") AS ?org) BIND(STRAFTER(STR(?pc), "posts/") AS ?post) }}
          OPTIONAL {{ ?r ksst:fromCountry/ksst:isoAlpha3 ?country }}
        }}""")
    got = {(r["person"], r["role"], r.get("org"), r.get("post"), r.get("country")) for r in rows}
    assert got == {
        ("Gati Wibawaningsih", "speaker", "ditjen-ikm", "director-general", None),
        ("Ngakan Timur Antara", "speaker", "bppi", "head-of-agency", None),
        ("Bishnu Sharma Prasad", "participant", "dumba-3d-works", "entrepreneur", "BTN"),
        ("Jayalath Kelantotuwage Owitage", "participant", None, None, "LKA"),
    }


def test_2018_count_ambiguity_is_recorded_not_resolved(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?kind ?prop WHERE {{ ?d a ksst:Discrepancy ; ksst:aboutEdition <{E2018}> ;
           ksst:discrepancyKind ?k ; ksst:involvesClaim/ksst:claimProperty ?p .
           BIND(STRAFTER(STR(?k), "discrepancy-kinds/") AS ?kind) BIND(STRAFTER(STR(?p), "#") AS ?prop) }}""")
    assert {(r["kind"], r["prop"]) for r in rows} == {
        ("unit-ambiguity", "statedParticipantCount"), ("unit-ambiguity", "statedCountryCount")}


# --- 2021: Beritasatu (003) and Beritadaerah (004) -------------------------------------------------------

BOTH = {BERITASATU, BERITADAERAH}


@pytest.mark.parametrize(("prop", "expected"), [
    ("ksst:year", {"2021"}),
    ("schema:startDate", {"2021-09-13"}),          # "13-17 September 2021"
    ("schema:endDate", {"2021-09-17"}),
    ("ksst:statedParticipantCount", {"61"}),       # "61 peserta dari 13 negara"
    ("ksst:statedCountryCount", {"13"}),
    ("ksst:hostingYearOrdinal", {"6"}),            # "tahun ke-6 ... sejak 2016"
    ("schema:eventAttendanceMode", {"https://schema.org/MixedEventAttendanceMode"}),  # "secara hybrid"
    ("ksst:hostCountry", {"https://w3id.org/ksst-kg/id/country/IDN"}),
])
def test_2021_facts_both_articles_state(store: Store, prop: str, expected: set[str]) -> None:
    found = claims(store, E2021, prop)
    assert set(found) == expected
    assert all(sources == BOTH for sources in found.values())
    assert derivation(store, E2021, prop) == {"stated"}


def test_2021_full_country_list_from_both_articles(store: Store) -> None:
    found = claims(store, E2021, "ksst:participatingCountry")
    codes = {iri.rsplit("/", 1)[-1] for iri in found}
    assert codes == {"IDN", "BGD", "BTN", "PHL", "IND", "LAO", "MDV", "MYS", "MMR", "NPL", "PAK", "LKA", "VNM"}
    assert all(sources == BOTH for sources in found.values())
    rows = select(store, f"""SELECT ?c WHERE {{ <{E2021}> ksst:countryList/ksst:listCompleteness ?c }}""")
    assert {r["c"].rsplit("/", 1)[-1] for r in rows} == {"complete"}


def test_2021_theme_spelled_two_ways_each_with_its_source(store: Store) -> None:
    found = claims(store, E2021, "ksst:theme")
    stem = "The Innovations of Women-owned SMIs to Empower Community during "
    assert found == {stem + "Covid-19 Pandemi": {BERITASATU}, stem + "COVID-19 Pandemic": {BERITADAERAH}}


def test_2021_planned_year_conflict_kept_with_both_sources(store: Store) -> None:
    found = claims(store, E2021 + "/plan/next", "ksst:plannedYear")
    assert found == {"2022": {BERITASATU}, "2020": {BERITADAERAH}}
    assert claims(store, E2021 + "/plan/next", "ksst:plannedPlace") == {
        "https://w3id.org/ksst-kg/id/place/bali": BOTH}
    rows = select(store, f"""SELECT ?k WHERE {{ <{E2021}/discrepancy/next-edition-year> ksst:discrepancyKind ?k }}""")
    assert [r["k"].rsplit("/", 1)[-1] for r in rows] == ["value-conflict"]


def test_2021_speakers_and_posts(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?person ?org ?post ?acting ?source WHERE {{
          <{E2021}> prov:qualifiedAssociation ?r . ?r prov:agent/schema:name ?person ;
             ksst:inCapacityOf ?m . ?m org:organization ?o ; org:role ?pc .
          OPTIONAL {{ ?m ksst:acting ?acting }}
          ?c ksst:claimSubject ?r ; ksst:claimProperty prov:agent ; prov:wasDerivedFrom ?source .
          BIND(STRAFTER(STR(?o), "/org/") AS ?org) BIND(STRAFTER(STR(?pc), "posts/") AS ?post) }}""")
    got = {(r["person"], r["org"], r["post"], r.get("acting"), r["source"]) for r in rows}
    assert got == {
        ("Reni Yanita", "ditjen-ikma", "director-general", "true", BERITASATU),
        ("Reni Yanita", "ditjen-ikma", "director-general", "true", BERITADAERAH),
        # only Beritasatu quotes the head of the bureau
        ("Arrya Tirto Sumarto", "biro-ktln", "head-of-bureau", None, BERITASATU),
    }


def test_2021_follows_the_47th_consultative_committee_meeting(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?n ?month WHERE {{ <{E2021}> ksst:followsUp ?m . ?m ksst:meetingOrdinal ?n ; ksst:month ?month }}""")
    assert rows == [{"n": "47", "month": "2021-08"}]
    meeting = "https://w3id.org/ksst-kg/id/event/colombo-plan-ccm-47"
    assert derivation(store, meeting, "ksst:month") == {"inferred"}
    # named after the Colombo Plan; who organised it is not said
    assert derivation(store, meeting, "schema:organizer") == {"inferred"}


def test_2017_workshop_hosts_are_a_reading_not_a_statement(store: Store) -> None:
    """The article names both workshops as held at the two centres together: which hosted which is inferred."""
    for workshop, host in (("leather", "bbkkp"), ("batik", "bbkb")):
        subject = f"https://w3id.org/ksst-kg/id/edition/sim-2017/workshop/{workshop}"
        assert claims(store, subject, "ksst:hostedBy") == {
            f"https://w3id.org/ksst-kg/id/org/{host}": {"https://w3id.org/ksst-kg/id/source/antara-jogja-347704"}}
        assert derivation(store, subject, "ksst:hostedBy") == {"inferred"}
    assert derivation(store, "https://w3id.org/ksst-kg/id/edition/sim-2018/workshop/ceramics", "ksst:hostedBy") \
        == {"stated"}


# --- 2016: the year no article states ---------------------------------------------------------------------

def test_2016_year_is_marked_inferred_with_reasoning(store: Store) -> None:
    rows = select(store, f"""
        SELECT ?d ?why WHERE {{ ?c ksst:claimSubject <{E2016}> ; ksst:claimProperty ksst:year ;
                                 ksst:derivation ?d ; ksst:reasoning ?why }}""")
    assert len(rows) == 1
    assert rows[0]["d"].endswith("/inferred")
    assert "Batch II" in rows[0]["why"] and "2016" in rows[0]["why"]
    assert claims(store, E2016, "schema:startDate") == {"2016-10-24": {
        "https://w3id.org/ksst-kg/id/source/antara-592698"}}
    assert derivation(store, E2016, "schema:startDate") == {"inferred"}
