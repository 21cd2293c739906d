"""Seeded generator of synthetic but realistic record folders, sized by a target number of triples.

    python -m bench.generate --size 100k [--seed 7] --out bench/out/data-100k

The output is a complete `data/` folder in the project's own record format (docs/model.md):

- `reference/` - the real reference data (countries, organisations, places, concepts) plus synthetic
  organisations (technical centres, firms, universities in Indonesian cities; agencies and firms of the
  other member states), synthetic cities and venues;
- `sources.yaml`, `programmes.yaml`, `people.yaml` - the real records plus synthetic articles, programmes
  (all under the real cooperation framework) and people (officials who hold posts across editions, and
  the alumni named as participants);
- `editions/*.yaml` - the real editions plus synthetic ones: many programmes, one edition a year, every
  Colombo Plan member state, country lists (complete and partial, by code, name or spelling variant),
  roles with posts, visits, workshops, plans, follow-up meetings, stated figures, topics, inferred facts
  with reasoning, and conflicting claims with the discrepancy records that explain them.

The size is reached by an estimate of the triples each record gives (a fixed model of the converter kept
here, so that the generated data does not change when the pipeline does); the real count is what a build
reports. The same seed and size give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = ROOT / "data"
DEFAULT_SEED = 20170809
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

try:  # the C dumper is ~10x faster; both give the same text
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Dumper = yaml.SafeDumper


def parse_size(text: str) -> int:
    """`10k`, `100k`, `1m`, `2500`, `2.5k` → number of triples."""
    t = text.strip().lower()
    if t in SIZES:
        return SIZES[t]
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([km]?)", t)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 10k, 100k, 1m or a number)")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2)])


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def roman(n: int) -> str:
    out = ""
    for value, numeral in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += numeral
            n -= value
    return out


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- vocabulary for synthetic text -----------------------------------------------------------------------

PROGRAMME_THEMES = [
    ("Small and Medium Industry Development", "Pengembangan Industri Kecil dan Menengah"),
    ("Agro-Industry Processing", "Pengolahan Agroindustri"),
    ("Halal Product Development", "Pengembangan Produk Halal"),
    ("Creative Economy and Crafts", "Ekonomi Kreatif dan Kerajinan"),
    ("Vocational Training for Industry", "Pelatihan Vokasi Industri"),
    ("Industrial Standardisation and Quality", "Standardisasi dan Mutu Industri"),
    ("Women Entrepreneurship", "Kewirausahaan Perempuan"),
    ("Digital Transformation of Small Industry", "Transformasi Digital Industri Kecil"),
    ("Green Industry and Circular Economy", "Industri Hijau dan Ekonomi Sirkular"),
    ("Textile and Garment Industry", "Industri Tekstil dan Pakaian Jadi"),
    ("Leather and Footwear Industry", "Industri Kulit dan Alas Kaki"),
    ("Ceramics and Building Materials", "Keramik dan Bahan Bangunan"),
    ("Coffee and Cocoa Value Chains", "Rantai Nilai Kopi dan Kakao"),
    ("Fisheries Product Processing", "Pengolahan Hasil Perikanan"),
    ("Industrial Estates and Clusters", "Kawasan dan Sentra Industri"),
    ("Export Promotion for Small Firms", "Promosi Ekspor Usaha Kecil"),
    ("Machinery and Metalworking", "Permesinan dan Pengerjaan Logam"),
    ("Packaging Technology", "Teknologi Kemasan"),
    ("Batik and Traditional Textiles", "Batik dan Wastra Tradisional"),
    ("Start-up Incubation", "Inkubasi Usaha Rintisan"),
    ("Industrial Policy and Planning", "Kebijakan dan Perencanaan Industri"),
    ("Renewable Energy for Industry", "Energi Terbarukan untuk Industri"),
    ("Food Safety and Certification", "Keamanan Pangan dan Sertifikasi"),
    ("Furniture and Wood Products", "Furnitur dan Produk Kayu"),
]
PROGRAMME_KINDS = [
    ("Capacity Building Program on", "Program Peningkatan Kapasitas"),
    ("International Training Program on", "Pelatihan Internasional"),
    ("Knowledge Sharing Program on", "Program Berbagi Pengetahuan"),
    ("Third Country Training Program on", "Pelatihan Negara Ketiga"),
]
GIVEN = [
    "Amal", "Anura", "Sunil", "Nimal", "Kamala", "Priya", "Rahul", "Sanjay", "Deepa", "Meena", "Tashi",
    "Karma", "Pema", "Sonam", "Dorji", "Nasrin", "Farhana", "Rafiq", "Tariq", "Ayesha", "Imran", "Zainab",
    "Bilal", "Hamid", "Mariam", "Ahmad", "Siti", "Budi", "Dewi", "Agus", "Rina", "Wahyu", "Nguyen", "Linh",
    "Thanh", "Minh", "Somchai", "Malee", "Aung", "Khin", "Thiri", "Kyaw", "Bounmy", "Souk", "Ravi", "Latu",
    "Mele", "Sione", "Ana", "Jose", "Maria", "Ramon", "Aziz", "Nodira", "Dilnoza", "Bakhtiyor", "Ali",
    "Reza", "Shirin", "Hassan", "Fathimath", "Ibrahim", "Aminath", "Chen", "Ji-woo", "Min-jun", "Hiroshi",
    "Yuki", "Asif", "Rukhsana", "Lobsang", "Gyeltshen", "Chathura", "Dilani", "Ashok", "Sabina",
]
FAMILY = [
    "Perera", "Fernando", "Silva", "Jayasuriya", "Wangchuk", "Tshering", "Dorji", "Rahman", "Hossain",
    "Chowdhury", "Khan", "Ahmed", "Qureshi", "Shrestha", "Sharma", "Gurung", "Thapa", "Rai", "Santoso",
    "Wijaya", "Saputra", "Hidayat", "Lestari", "Kusuma", "Tran", "Pham", "Le", "Vu", "Phommasack",
    "Vongsa", "Htun", "Win", "Oo", "Aye", "Thongchai", "Srisuk", "Tupou", "Fifita", "Kaupa", "Namaliu",
    "Reyes", "Santos", "Cruz", "Bautista", "Karimov", "Rashidov", "Yusupov", "Hosseini", "Moradi",
    "Naseem", "Didi", "Manik", "Kim", "Park", "Tanaka", "Sato", "Nazari", "Popal", "Stanekzai", "Pillai",
    "Nair", "Iyer", "Bose", "Das", "Mendis", "Bandara",
]
SME_KINDS = [
    ("Batik", "Batik"), ("Leather Craft", "Kerajinan Kulit"), ("Coffee Roastery", "Sangrai Kopi"),
    ("Furniture", "Mebel"), ("Ceramics", "Keramik"), ("Silver Craft", "Kerajinan Perak"),
    ("Food Processing", "Pengolahan Pangan"), ("Rattan Weaving", "Anyaman Rotan"),
    ("Metal Works", "Pengerjaan Logam"), ("Garment", "Konfeksi"), ("Spice Processing", "Pengolahan Rempah"),
    ("Bamboo Craft", "Kerajinan Bambu"), ("Herbal Products", "Produk Herbal"), ("Woodcarving", "Ukiran Kayu"),
]
CENTRE_KINDS = [
    ("Centre for Handicraft and Batik", "Balai Besar Kerajinan dan Batik"),
    ("Centre for Leather, Rubber and Plastics", "Balai Besar Kulit, Karet dan Plastik"),
    ("Centre for Agro-Based Industry", "Balai Besar Industri Agro"),
    ("Centre for Metal and Machinery", "Balai Besar Logam dan Mesin"),
    ("Centre for Textiles", "Balai Besar Tekstil"),
    ("Centre for Pulp and Paper", "Balai Besar Pulp dan Kertas"),
    ("Centre for Industrial Pollution Prevention", "Balai Besar Teknologi Pencegahan Pencemaran Industri"),
    ("Centre for Chemistry and Packaging", "Balai Besar Kimia dan Kemasan"),
]
NEW_CITIES = [
    ("surabaya", "Surabaya"), ("semarang", "Semarang"), ("makassar", "Makassar"), ("medan", "Medan"),
    ("surakarta", "Surakarta"), ("malang", "Malang"), ("palembang", "Palembang"), ("padang", "Padang"),
    ("pekalongan", "Pekalongan"), ("cirebon", "Cirebon"), ("manado", "Manado"), ("balikpapan", "Balikpapan"),
    ("pontianak", "Pontianak"), ("mataram", "Mataram"), ("kupang", "Kupang"), ("banjarmasin", "Banjarmasin"),
]
ACTIVITIES = [
    "Saw the centre's research and development work on {topic}.",
    "Practised {topic} in a short hands-on session.",
    "Were shown how the firm takes its {topic} products to export markets.",
    "Discussed {topic} with the owners and their workers.",
    "Toured the production floor and the quality laboratory.",
    "Learned how the institution trains local small firms in {topic}.",
]
REMARKS = [
    "Said the programme lets member states share their experience of {topic} and open markets for small firms.",
    "Hoped the participants would draft action plans on {topic} for their own countries.",
    "Described how {topic} grew in Indonesia and invited members to cooperate further.",
    "Thanked the hosts and said the visits on {topic} would be useful at home.",
    "Asked for closer cooperation among Colombo Plan members on {topic}.",
]
NOTES = [
    "Participants were asked to draft an action plan to carry out in their own countries.",
    "The opening was attended by senior officials of the organising ministries.",
    "The article reports the programme as part of Indonesia's South-South and Triangular Cooperation.",
    "Local small and medium industry owners joined some of the sessions.",
    "Participants presented country reports on the first day.",
    "The closing ceremony included the award of certificates.",
]
THEME_TEMPLATES = [
    "Strengthening {a} through Innovation and Partnership",
    "Building Resilient {a} for Inclusive Growth",
    "{a} for Sustainable Development in the Colombo Plan Region",
    "Empowering Communities through {a}",
]
MARKERS = {"partial": ["antara lain", "seperti", "di antaranya", "termasuk"],
           "complete": ["meliputi", "adalah", "yaitu"]}


# --- a fixed model of the converter, to aim at a number of triples --------------------------------------


def fact_cost(n_sources: int, reasoning: bool = False, passage: bool = False, edition: bool = True) -> int:
    """Triples of one fact: the triple, and its claim (type, subject, property, object, derivation,
    one per source, reasoning, passage, edition)."""
    return 6 + n_sources + int(reasoning) + int(passage) + int(edition)


@dataclass
class Ctx:
    """Everything generated so far, and the pools drawn from."""

    rng: random.Random
    real: dict[str, Any]
    countries: list[dict[str, Any]]
    members: list[str]
    country_names: dict[str, list[str]]
    orgs: list[dict[str, Any]] = field(default_factory=list)
    org_ids: set[str] = field(default_factory=set)
    places: list[dict[str, Any]] = field(default_factory=list)
    place_ids: set[str] = field(default_factory=set)
    concepts: dict[str, list[str]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    programmes: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    person_ids: set[str] = field(default_factory=set)
    editions: list[dict[str, Any]] = field(default_factory=list)
    meetings: set[str] = field(default_factory=set)
    memberships: set[str] = field(default_factory=set)
    officials: dict[tuple[str, int, int], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    triples: int = 0
    serial: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + n

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_real(data: Path) -> dict[str, Any]:
    ref = data / "reference"
    missing = [p for p in ("countries.yaml", "organisations.yaml", "places.yaml", "concepts.yaml")
               if not (ref / p).is_file()]
    if missing:
        raise SystemExit(f"bench.generate: {ref} lacks {', '.join(missing)}; the reference data is needed")
    return {
        "countries": _read(ref / "countries.yaml") or [],
        "organisations": _read(ref / "organisations.yaml") or [],
        "places": _read(ref / "places.yaml") or [],
        "concepts": _read(ref / "concepts.yaml") or {},
        "sources": _read(data / "sources.yaml") or [],
        "programmes": _read(data / "programmes.yaml") or {"frameworks": [], "programmes": []},
        "people": _read(data / "people.yaml") or [],
        "editions": {p.name: _read(p) for p in sorted((data / "editions").glob("*.yaml"))},
    }


def reference_cost(real: dict[str, Any]) -> int:
    """Rough triples of the real records (reference data and the real editions are copied as they are)."""
    n = 0
    for c in real["countries"]:
        n += 11 + len(c.get("variants") or [])
    for o in real["organisations"]:
        n += 8 + len(o.get("variants") or []) + bool(o.get("acronym")) + bool(o.get("wikidata")) + bool(o.get("url"))
    n += 7 * len(real["places"])
    for scheme in real["concepts"].values():
        n += 5 + 8 * len(scheme.get("concepts") or [])
    n += 8 * len(real["sources"]) + 12 * len(real["people"]) + 40 * len(real["programmes"].get("programmes") or [])
    n += 750 * len(real["editions"])
    return n


# --- reference data: synthetic places and organisations --------------------------------------------------


def _indonesian(ctx: Ctx, place: dict[str, Any]) -> bool:
    """Is a place in Indonesia (directly or through the places it lies within)?"""
    by_id = {p["id"]: p for p in ctx.places}
    seen = set()
    while place and place["id"] not in seen:
        seen.add(place["id"])
        within = str(place.get("within", ""))
        if within.upper() in ("IDN", "INDONESIA"):
            return True
        place = by_id.get(within)  # type: ignore[assignment]
    return False


def add_places(ctx: Ctx, n_cities: int) -> None:
    for _, name in NEW_CITIES[:n_cities]:
        pid = slug(name)
        if pid in ctx.place_ids:
            continue
        ctx.places.append({"id": pid, "type": "City", "name_en": name, "name_id": f"Kota {name}", "within": "IDN"})
        ctx.place_ids.add(pid)
        ctx.triples += 7
    for city in [p for p in ctx.places if p["type"] == "City" and _indonesian(ctx, p)]:
        for n in (1, 2):
            vid = f"hotel-{city['id']}-{n}"
            if vid in ctx.place_ids:
                continue
            name = f"Hotel Nusantara {city['name_en']} {roman(n)}"
            ctx.places.append({"id": vid, "type": "Venue", "name_en": name, "name_id": name, "within": city["id"]})
            ctx.place_ids.add(vid)
            ctx.triples += 7


def _new_org(ctx: Ctx, oid: str, otype: str, name_en: str, name_id: str, country: str, based_in: str,
             parent: str | None = None, acronym: str | None = None) -> dict[str, Any] | None:
    if oid in ctx.org_ids:
        return None
    org: dict[str, Any] = {"id": oid, "type": otype}
    if acronym:
        org["acronym"] = acronym
    org.update(name_en=name_en, name_id=name_id)
    if parent:
        org["parent"] = parent
    org.update(based_in=based_in, country=country,
               reference="Synthetic organisation generated for the benchmark (bench/generate.py).")
    ctx.orgs.append(org)
    ctx.org_ids.add(oid)
    ctx.triples += 9 + bool(acronym) + bool(parent)
    return org


def add_organisations(ctx: Ctx, scale: int) -> None:
    """Technical centres, firms, universities in Indonesian cities; agencies and firms abroad."""
    rng = ctx.rng
    cities = [p for p in ctx.places if p["type"] == "City" and _indonesian(ctx, p)]
    agencies = [o["id"] for o in ctx.orgs
                if o["type"] in ("Agency", "DirectorateGeneral") and o.get("country") == "IDN"]
    for city in cities:
        for i, (en, id_) in enumerate(CENTRE_KINDS[: max(1, min(len(CENTRE_KINDS), scale // 40))]):
            if rng.random() < 0.5:
                continue
            parent = rng.choice(agencies) if agencies else None
            _new_org(ctx, f"centre-{i + 1}-{city['id']}", "TechnicalCentre", f"{en}, {city['name_en']}",
                     f"{id_} {city['name_en']}", "IDN", city["id"], parent)
        n_firms = max(2, scale // 25)
        for n in range(n_firms):
            en, id_ = rng.choice(SME_KINDS)
            family = rng.choice(FAMILY[18:24])
            oid = f"ikm-{slug(en)}-{city['id']}-{n + 1}"
            _new_org(ctx, oid, "SmallMediumIndustry", f"{family} {en} ({city['name_en']})",
                     f"IKM {id_} {family} {city['name_en']}", "IDN", city["id"])
        if rng.random() < 0.6:
            _new_org(ctx, f"universitas-{city['id']}", "University", f"University of {city['name_en']}",
                     f"Universitas {city['name_en']}", "IDN", city["id"])
    for iso3 in ctx.members:
        if iso3 == "IDN":
            continue
        for n in range(max(1, scale // 60)):
            _new_org(ctx, f"sme-agency-{iso3.lower()}-{n + 1}", "Agency", f"Small Industry Agency {n + 1} of {iso3}",
                     f"Badan Industri Kecil {n + 1} {iso3}", iso3, iso3)
            en, id_ = rng.choice(SME_KINDS)
            _new_org(ctx, f"sme-{iso3.lower()}-{n + 1}", "SmallMediumIndustry", f"{en} Enterprise {n + 1} ({iso3})",
                     f"Usaha {id_} {n + 1} ({iso3})", iso3, iso3)


# --- sources and people ----------------------------------------------------------------------------------


def new_source(ctx: Ctx, year: int, start: dt.date | None = None) -> str:
    rng = ctx.rng
    outlets = [o["id"] for o in ctx.orgs if o["type"] == "NewsOutlet"]
    publisher = rng.choice(outlets)
    n = ctx.next_serial()
    sid = f"{publisher}-{year}-{n:06d}"
    src: dict[str, Any] = {"id": sid, "publisher": publisher,  # no `file`: the project keeps no copies of texts
                           "url": f"https://news.example.org/{publisher}/{year}/{n:06d}", "language": "id"}
    if rng.random() < 0.7:
        src["headline"] = f"Kemenperin Latih Peserta dari Negara Colombo Plan ({n})"
    if start is not None and rng.random() < 0.5:
        src["date_published"] = start + dt.timedelta(days=rng.randint(0, 10))
        src["date_published_note"] = "Synthetic: printed below the headline."
    else:
        src["date_published_note"] = "Synthetic: not stated."
    ctx.sources.append(src)
    ctx.triples += 7 + ("headline" in src) + ("date_published" in src)
    ctx.count("sources")
    return sid


def new_person(ctx: Ctx, country: str, source: str, official: bool = False) -> str:
    rng = ctx.rng
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    n = ctx.next_serial()
    pid = f"{slug(name)}-p{n}"
    person: dict[str, Any] = {"id": pid, "name": name}
    if official or rng.random() < 0.3:
        person["from_country"] = {"value": country, "sources": [source], "inferred": True,
                                  "reasoning": "Holds a post in an organisation of this country in the article."}
        ctx.triples += fact_cost(1, reasoning=True, edition=False)
    else:
        person["from_country"] = {"value": country, "sources": [source]}
        ctx.triples += fact_cost(1, edition=False)
    ctx.people.append(person)
    ctx.person_ids.add(pid)
    ctx.triples += 3
    ctx.count("people")
    return pid


# --- programmes ------------------------------------------------------------------------------------------


def add_programmes(ctx: Ctx, count: int) -> None:
    rng = ctx.rng
    framework = (ctx.real["programmes"].get("frameworks") or [{"id": "ksst"}])[0]["id"]
    ministries = [o["id"] for o in ctx.orgs
                  if o["type"] in ("Ministry", "DirectorateGeneral") and o.get("country") == "IDN"]
    audience = "colombo-plan" if "colombo-plan" in ctx.org_ids else None
    profile = [new_source(ctx, 2015) for _ in range(3)]
    for i in range(count):
        theme_en, theme_id = PROGRAMME_THEMES[i % len(PROGRAMME_THEMES)]
        kind_en, kind_id = PROGRAMME_KINDS[(i // len(PROGRAMME_THEMES)) % len(PROGRAMME_KINDS)]
        round_ = i // len(PROGRAMME_THEMES)
        pid = slug(theme_en)[:40].strip("-") + (f"-{round_ + 1}" if round_ else "")
        prog: dict[str, Any] = {"id": pid, "name_en": f"{kind_en} {theme_en}", "name_id": f"{kind_id} {theme_id}",
                                "framework": {"value": framework, "sources": [rng.choice(profile)]}}
        organisers = rng.sample(ministries, k=min(len(ministries), rng.choice((1, 1, 2))))
        if organisers:
            prog["organiser"] = [{"value": o, "sources": [rng.choice(profile)]} for o in organisers]
        if audience:
            prog["audience"] = {"value": audience, "sources": [rng.choice(profile)]}
        prog["_start"] = rng.randint(2000, 2019)
        prog["_topics"] = rng.sample(ctx.concepts["topics"], k=min(len(ctx.concepts["topics"]), rng.randint(5, 9)))
        ctx.programmes.append(prog)
        ctx.triples += 8 + fact_cost(1, edition=False) * (1 + len(organisers) + bool(audience))
        ctx.count("programmes")


# --- editions --------------------------------------------------------------------------------------------


class EditionMaker:
    """One synthetic edition record, with a running estimate of its triples."""

    def __init__(self, ctx: Ctx, prog: dict[str, Any], year: int, eid: str) -> None:
        self.ctx, self.prog, self.year, self.eid = ctx, prog, year, eid
        self.rng = ctx.rng
        self.cost = 3
        self.rec: dict[str, Any] = {"id": eid}
        self.discrepancies: list[dict[str, Any]] = []

    def fact(self, value: Any, sources: list[str] | None = None, *, reasoning: str | None = None,
             passage: str | None = None, n_default: int = 1) -> Any:
        """A fact written bare when it has nothing but its value, else as a mapping."""
        self.cost += fact_cost(len(sources) if sources else n_default, bool(reasoning), bool(passage))
        if not (sources or reasoning or passage):
            return value
        out: dict[str, Any] = {"value": value}
        if sources:
            out["sources"] = sources
        if reasoning:
            out["inferred"] = True
            out["reasoning"] = reasoning
        if passage:
            out["passage"] = passage
        return out

    def part(self) -> None:
        self.cost += 4

    def conflict(self, field_name: str, kind: str, a: Any, b: Any, comment: str) -> None:
        self.discrepancies.append({"id": f"{slug(field_name)}-{len(self.discrepancies) + 1}", "kind": kind,
                                   "comment": comment, "claims": [{"field": field_name, "value": a},
                                                                  {"field": field_name, "value": b}]})
        self.cost += 6 + 2
        self.ctx.count(f"discrepancies/{kind}")

    def make(self) -> dict[str, Any]:
        ctx, rng, rec, year = self.ctx, self.rng, self.rec, self.year
        start = dt.date(year, rng.randint(2, 11), rng.randint(1, 28))
        days = rng.choice((3, 4, 5, 5, 5, 6, 7, 10, 12, 13, 14))
        end = start + dt.timedelta(days=days - 1)
        sources = [new_source(ctx, year, start) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        nd = len(sources)
        rec["sources"] = sources
        rec["programme"] = (self.fact(self.prog["id"], n_default=nd) if rng.random() < 0.93 else self.fact(
            self.prog["id"], reasoning="The article does not name the programme but describes the same yearly "
                                       "training for Colombo Plan members under the same ministry.", n_default=nd))
        if rng.random() < 0.9:
            rec["year"] = self.fact(year, n_default=nd)
        else:
            rec["year"] = self.fact(year, reasoning="Only day and month are stated; the year follows from the "
                                                    "batch number and the editions before and after.", n_default=nd)
            ctx.count("inferred-year")
        batch = year - self.prog["_start"] + 1
        if rng.random() < 0.7:
            rec["batch_ordinal"] = self.fact(batch, n_default=nd)
        if rng.random() < 0.5:
            rec["batch_label"] = self.fact(f"Batch {roman(batch)}", n_default=nd)
        if rng.random() < 0.3:
            rec["hosting_year_ordinal"] = self.fact(batch, n_default=nd)
        if nd >= 2 and rng.random() < 0.12:  # two articles disagree on the first day
            other = start - dt.timedelta(days=rng.randint(1, 3))
            rec["start_date"] = [self.fact(start, [sources[0]]), self.fact(other, [sources[1]])]
            self.conflict("start_date", "value-conflict", start, other,
                          "The two articles give different first days; the graph keeps both.")
        else:
            rec["start_date"] = self.fact(start, n_default=nd)
        rec["end_date"] = self.fact(end, n_default=nd)
        rec["duration_days"] = (self.fact(days, n_default=nd) if rng.random() < 0.5 else self.fact(
            days, reasoning="Counted from the stated dates, both days included.", n_default=nd))
        cities = [p["id"] for p in ctx.places if p["type"] == "City" and _indonesian(ctx, p)]
        places = sorted(rng.sample(cities, k=min(len(cities), rng.choice((1, 1, 1, 2)))))
        rec["places"] = [self.fact(p, n_default=nd) for p in places]
        venues = [p["id"] for p in ctx.places if p["type"] == "Venue" and p.get("within") in places]
        if venues and rng.random() < 0.4:
            rec["venue"] = self.fact(rng.choice(venues), n_default=nd)
        mode = rng.choice(("online", "hybrid", "hybrid")) if year in (2020, 2021) else (
            "in-person" if rng.random() < 0.85 else "hybrid")
        rec["mode"] = (self.fact(mode, n_default=nd) if rng.random() < 0.5 else self.fact(
            mode, reasoning="Participants visited centres and firms in person; the article does not name the mode.",
            n_default=nd))
        rec["host_country"] = (self.fact("IDN", n_default=nd) if rng.random() < 0.5 else self.fact(
            "IDN", reasoning="Held in Indonesia by Indonesian ministries.", n_default=nd))
        rec["title"] = self.fact(self.prog["name_en"], passage="lead" if rng.random() < 0.3 else None, n_default=nd)
        topics = rng.sample(self.prog["_topics"], k=min(len(self.prog["_topics"]), rng.randint(3, 6)))
        topic_label = topics[0].replace("-", " ")
        if rng.random() < 0.5:
            theme = rng.choice(THEME_TEMPLATES).format(a=self.prog["name_en"].split(" on ", 1)[-1])
            if nd >= 2 and rng.random() < 0.15:
                variant = theme.replace("Colombo Plan", "COLOMBO PLAN") if "Colombo" in theme else theme.upper()
                rec["theme"] = [self.fact(theme, [sources[0]]), self.fact(variant, [sources[1]])]
                self.conflict("theme", "spelling-variant", theme, variant,
                              "The two articles spell the theme differently.")
            else:
                rec["theme"] = self.fact(theme, n_default=nd)
        # who came
        pool = [c for c in ctx.members if c != "IDN"]
        n_countries = min(len(pool), rng.randint(5, 20))
        countries = [*sorted(rng.sample(pool, k=n_countries)), "IDN"]
        participants = rng.randint(max(n_countries, 15), 60)
        ambiguous = rng.random() < 0.12
        if ambiguous:
            participants = n_countries
        if nd >= 2 and rng.random() < 0.08:
            other = participants + rng.randint(1, 5)
            rec["participant_count"] = [self.fact(participants, [sources[0]]), self.fact(other, [sources[1]])]
            self.conflict("participant_count", "value-conflict", participants, other,
                          "The articles give different numbers of participants.")
        else:
            rec["participant_count"] = self.fact(participants, n_default=nd,
                                                 passage="lead" if rng.random() < 0.3 else None)
        rec["country_count"] = self.fact(n_countries, n_default=nd)
        if ambiguous:
            self.conflict("country_count", "unit-ambiguity", n_countries, n_countries, "")
            d = self.discrepancies[-1]
            d["comment"] = (f"The article calls {n_countries} both participants and countries; it names "
                            f"countries only as examples.")
            d["claims"] = [{"field": "participant_count", "value": participants},
                           {"field": "country_count", "value": n_countries}]
        lists = []
        participating: set[str] = set()
        for src in sources:
            if rng.random() < 0.3 and lists:
                continue
            complete = rng.random() < 0.35
            named = countries if complete else sorted(rng.sample(countries, k=max(2, len(countries) // 2)))
            written = [self._country_name(c) for c in named]
            lists.append({"source": src, "completeness": "complete" if complete else "partial",
                          "marker": rng.choice(MARKERS["complete" if complete else "partial"]), "countries": written})
            self.part()
            self.cost += 1 + 2 * fact_cost(1) + len(named) * fact_cost(1)
            for c in named:
                self.cost += 1 if c in participating else fact_cost(1)
                participating.add(c)
            ctx.count(f"country-lists/{'complete' if complete else 'partial'}")
        rec["country_lists"] = lists
        rec["backgrounds"] = [self.fact(b, n_default=nd) for b in
                              rng.sample(ctx.concepts["backgrounds"], k=min(2, len(ctx.concepts["backgrounds"])))]
        rec["topics"] = [self.fact(t, n_default=nd) for t in topics]
        rec["roles"] = self._roles(sources, countries, participants, topic_label)
        rec["visits"], hosts = self._visits(places, topics)
        if hosts and rng.random() < 0.5:
            rec["workshops"] = []
            for i, host in enumerate(rng.sample(hosts, k=min(len(hosts), rng.randint(1, 3)))):
                topic = rng.choice(topics)
                rec["workshops"].append({"id": f"workshop-{i + 1}", "name": f"Workshop on {topic.replace('-', ' ')}",
                                         "host": host, "topics": [topic]})
                self.part()
                self.cost += 3 * fact_cost(1)
        if rng.random() < 0.3:
            self._plan(sources, cities)
        meeting = f"colombo-plan-ccm-{year - 1974}"
        if year >= 1990 and meeting not in ctx.meetings and rng.random() < 0.5:
            ctx.meetings.add(meeting)
            rec["follows_up"] = [{"id": meeting, "sources": [sources[0]],
                                  "name": f"{ordinal(year - 1974)} Colombo Plan Consultative Committee Meeting",
                                  "ordinal": year - 1974,
                                  "month": {"value": f"{year}-{max(1, start.month - 1):02d}", "inferred": True,
                                            "reasoning": "The article says the meeting was held the month before."}}]
            if "colombo-plan" in ctx.org_ids:
                rec["follows_up"][0]["organiser"] = "colombo-plan"
            self.cost += 2 + 5 * fact_cost(1) + 1
        if rng.random() < 0.2:
            self._figures(sources)
        rec["notes"] = [self.fact(n, n_default=nd) for n in rng.sample(NOTES, k=rng.randint(1, 3))]
        if self.discrepancies:
            rec["discrepancies"] = self.discrepancies
        for key in [k for k, v in rec.items() if v == []]:
            del rec[key]
        ctx.triples += self.cost
        ctx.count("editions")
        return rec

    def _country_name(self, iso3: str) -> str:
        """ISO code mostly; sometimes a name or a spelling variant, as curators write them."""
        names = self.ctx.country_names.get(iso3) or [iso3]
        return iso3 if self.rng.random() < 0.75 else self.rng.choice(names)

    def _official(self, source: str) -> tuple[str, dict[str, Any]]:
        """An Indonesian official holding a post; posts last a few years, so they recur across editions."""
        ctx, rng = self.ctx, self.rng
        key = (self.prog["id"], self.year // 3, rng.randint(0, 2))
        if key not in ctx.officials:
            orgs = [o["id"] for o in ctx.orgs if o.get("country") == "IDN" and o["type"] in
                    ("Ministry", "DirectorateGeneral", "Agency", "Bureau")]
            posts = [p for p in ctx.concepts["posts"] if p != "entrepreneur"] or ctx.concepts["posts"]
            person = new_person(ctx, "IDN", source, official=True)
            post: dict[str, Any] = {"organisation": rng.choice(orgs), "post": rng.choice(posts)}
            if rng.random() < 0.1:
                post["acting"] = True
            ctx.officials[key] = (person, post)
        person, post = ctx.officials[key]
        return person, dict(post)

    def _membership_cost(self, person: str, post: dict[str, Any]) -> int:
        mid = f"{person}/{post['organisation']}/{post['post']}"
        if mid in self.ctx.memberships:
            return 2 + fact_cost(1) + 4  # new source and edition on shared claims, attestedAt
        self.ctx.memberships.add(mid)
        return 2 + fact_cost(1) * (4 + bool(post.get("acting")))

    def _roles(self, sources: list[str], countries: list[str], participants: int, topic: str) -> list[dict[str, Any]]:
        ctx, rng = self.ctx, self.rng
        roles: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()

        def add(role: dict[str, Any]) -> None:
            if (role["agent"], role["role"]) in seen:
                return
            seen.add((role["agent"], role["role"]))
            roles.append(role)
            self.part()
            self.cost += 2 * fact_cost(1)
            if "post" in role:
                self.cost += fact_cost(1) + self._membership_cost(role["agent"], role["post"])
            self.cost += fact_cost(1) * (("from_country" in role) + ("remark" in role))

        for o in self.prog.get("organiser", []):
            add({"agent": o["value"], "role": "organiser"})
        international = [o["id"] for o in ctx.orgs if o["type"] == "InternationalOrganisation"]
        if international and rng.random() < 0.5:
            add({"agent": rng.choice(international), "role": "co-organiser"})
        for role_name in ("opener", *(["speaker"] * rng.randint(0, 3))):
            person, post = self._official(sources[0])
            role: dict[str, Any] = {"agent": person, "role": role_name, "post": post}
            if rng.random() < 0.6:
                role["remark"] = rng.choice(REMARKS).format(topic=topic)
            if len(sources) > 1 and rng.random() < 0.3:
                role["sources"] = [rng.choice(sources)]
            add(role)
        regional = [o["id"] for o in ctx.orgs if o["type"] in ("RegionalGovernment", "RegionalOffice")]
        if regional and rng.random() < 0.2:
            add({"agent": rng.choice(regional), "role": "attendee"})
        roll = rng.random()
        named = 0 if roll < 0.25 else rng.randint(1, 5) if roll < 0.65 else participants
        for _ in range(named):
            country = rng.choice(countries)
            person = new_person(ctx, country, sources[0])
            role = {"agent": person, "role": "participant", "from_country": country}
            firms = [f"sme-{country.lower()}-{n}" for n in range(1, 4) if f"sme-{country.lower()}-{n}" in ctx.org_ids]
            if firms and "entrepreneur" in ctx.concepts["posts"] and rng.random() < 0.3:
                role["post"] = {"organisation": rng.choice(firms), "post": "entrepreneur"}
            if rng.random() < 0.25:
                role["remark"] = rng.choice(REMARKS).format(topic=topic)
            add(role)
            ctx.count("participants")
        return roles

    def _visits(self, places: list[str], topics: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        ctx, rng = self.ctx, self.rng
        local = [o["id"] for o in ctx.orgs if o.get("based_in") in places and o["type"] in (
            "TechnicalCentre", "SmallMediumIndustry", "Enterprise", "University", "InnovationCentre",
            "CulturalInstitution", "StateOwnedEnterprise")]
        visits, hosts = [], []
        for i in range(rng.randint(2, 8)):
            topic = rng.choice(topics)
            visit: dict[str, Any] = {"id": f"visit-{i + 1}"}
            if local and rng.random() < 0.85:
                visit["institutions"] = sorted(rng.sample(local, k=min(len(local), rng.choice((1, 1, 1, 2, 3)))))
                hosts.extend(visit["institutions"])
                self.cost += fact_cost(1) * len(visit["institutions"])
            else:
                where = places[0].replace("-", " ").title()
                visit["description"] = f"Small and medium industries in {where} (not named)"
                self.cost += fact_cost(1)
            visit["places"] = [rng.choice(places)]
            visit["activities"] = [rng.choice(ACTIVITIES).format(topic=topic.replace("-", " "))]
            visit["topics"] = sorted({topic, rng.choice(topics)})
            self.part()
            self.cost += fact_cost(1) * (1 + len(visit["activities"]) + len(visit["topics"]))
            visits.append(visit)
        return visits, sorted(set(hosts))

    def _plan(self, sources: list[str], cities: list[str]) -> None:
        rng, year = self.rng, self.year
        plan: dict[str, Any] = {"id": "next"}
        if len(sources) >= 2 and rng.random() < 0.25:
            a, b = year + 1, year + rng.choice((2, -1))
            plan["year"] = [{"value": a, "sources": [sources[0]]}, {"value": b, "sources": [sources[1]]}]
            self.conflict("plan/next/year", "value-conflict", a, b,
                          "The articles disagree on the year of the next edition; the graph keeps both claims.")
            self.cost += 2 * fact_cost(1)
        else:
            plan["year"] = year + 1
            self.cost += fact_cost(1)
        plan["mode"] = "in-person"
        plan["places"] = [rng.choice(cities)]
        self.part()
        self.cost += 2 * fact_cost(1)
        self.rec["plans"] = [plan]

    def _figures(self, sources: list[str]) -> None:
        rng = self.rng
        agencies = [o["id"] for o in self.ctx.orgs if o["type"] == "Agency" and o.get("country") == "IDN"]
        figures = []
        for i in range(rng.randint(1, 3)):
            fig: dict[str, Any] = {"id": f"figure-{i + 1}", "sources": [sources[0]],
                                   "label": rng.choice(["Number of small and medium industry firms in Indonesia",
                                                        "Workers employed by small and medium industry",
                                                        "Share of manufacturing value added by small industry"]),
                                   "value": round(rng.uniform(1, 100), 2) if i else rng.randint(1_000, 5_000_000),
                                   "unit": "percent" if i else "business units"}
            if agencies:
                fig["attributed_to"] = rng.choice(agencies)
            figures.append(fig)
            self.part()
            self.cost += fact_cost(1) * (2 + ("attributed_to" in fig))
        self.rec["figures"] = figures


def _edition_slots(ctx: Ctx) -> list[tuple[dict[str, Any], int]]:
    slots = []
    for prog in ctx.programmes:
        for year in range(prog["_start"], 2026):
            slots.append((prog, year))
    ctx.rng.shuffle(slots)
    return slots


def _real_edition_ids(real: dict[str, Any]) -> set[str]:
    return {str(e.get("id")) for e in real["editions"].values() if isinstance(e, dict)}


def build_world(target: int, seed: int, data: Path = REAL_DATA) -> Ctx:
    real = read_real(data)
    rng = random.Random(seed)
    members = sorted(c["iso3"] for c in real["countries"] if c.get("colombo_plan_member"))
    if "IDN" not in members:
        members.append("IDN")
    names = {c["iso3"]: [c["name_en"], c["name_id"], *(c.get("variants") or [])] for c in real["countries"]}
    ctx = Ctx(rng=rng, real=real, countries=real["countries"], members=members, country_names=names)
    ctx.orgs = [dict(o) for o in real["organisations"]]
    ctx.org_ids = {o["id"] for o in ctx.orgs}
    ctx.places = [dict(p) for p in real["places"]]
    ctx.place_ids = {p["id"] for p in ctx.places}
    ctx.person_ids = {p["id"] for p in real["people"]}
    ctx.concepts = {name: [c["id"] for c in scheme.get("concepts") or []] for name, scheme in real["concepts"].items()}
    for needed in ("topics", "backgrounds", "posts"):
        if not ctx.concepts.get(needed):
            raise SystemExit(f"bench.generate: concept scheme {needed!r} missing from the reference data")
    if not any(o["type"] == "NewsOutlet" for o in ctx.orgs):
        raise SystemExit("bench.generate: the reference data has no NewsOutlet to publish sources")
    for ed in real["editions"].values():
        for m in ed.get("follows_up") or []:
            ctx.meetings.add(m["id"])
    ctx.triples = reference_cost(real)
    per_edition = 1800
    n_editions = max(1, math.ceil((target - ctx.triples) / per_edition))
    scale = max(4, n_editions // 4)
    add_places(ctx, min(len(NEW_CITIES), 2 + n_editions // 25))
    add_organisations(ctx, scale)
    add_programmes(ctx, max(2, math.ceil(n_editions / 10)))
    taken = _real_edition_ids(real)
    for prog, year in _edition_slots(ctx):
        if ctx.editions and ctx.triples >= target:
            break
        eid = f"{prog['id']}-{year}"
        if eid in taken:
            continue
        taken.add(eid)
        ctx.editions.append(EditionMaker(ctx, prog, year, eid).make())
    else:
        if ctx.triples < target * 0.9:
            print(f"bench.generate: ran out of programme-years at ~{ctx.triples} triples", file=sys.stderr)
    return ctx


# --- writing ---------------------------------------------------------------------------------------------


class _PlainDumper(_Dumper):
    """Writes a value used twice twice: the record loader refuses YAML anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any, path: Path, header: str) -> None:
    text = yaml.dump(_clean(data), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {header}\n" + text, encoding="utf-8")


def _clean(data: Any) -> Any:
    """Drop the generator's private keys (those starting with `_`)."""
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if not str(k).startswith("_")}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


def write(ctx: Ctx, out: Path, data: Path = REAL_DATA) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "reference").mkdir(parents=True)
    (out / "editions").mkdir()
    synthetic = "Synthetic data from bench/generate.py; the real records come first."
    shutil.copyfile(data / "reference" / "countries.yaml", out / "reference" / "countries.yaml")
    shutil.copyfile(data / "reference" / "concepts.yaml", out / "reference" / "concepts.yaml")
    dump(ctx.orgs, out / "reference" / "organisations.yaml", synthetic)
    dump(ctx.places, out / "reference" / "places.yaml", synthetic)
    dump(ctx.real["sources"] + ctx.sources, out / "sources.yaml", synthetic)
    real_programmes = ctx.real["programmes"]
    dump({"frameworks": real_programmes.get("frameworks") or [],
          "programmes": (real_programmes.get("programmes") or []) + ctx.programmes}, out / "programmes.yaml", synthetic)
    dump(ctx.real["people"] + ctx.people, out / "people.yaml", synthetic)
    for name in ctx.real["editions"]:
        shutil.copyfile(data / "editions" / name, out / "editions" / name)
    for path in sorted(data.rglob("*")):  # what is not a record, such as the copies of texts a source names
        if path.is_file() and not path.name.endswith((".yaml", ".yml")) and not path.name.startswith("."):
            target = out / path.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for ed in ctx.editions:
        dump(ed, out / "editions" / f"{ed['id']}.yaml", "Synthetic edition from bench/generate.py.")


def generate(out: Path, target: int, seed: int = DEFAULT_SEED, data: Path = REAL_DATA) -> dict[str, Any]:
    """Write a data folder of about `target` triples to `out`; return a summary of what it holds."""
    ctx = build_world(target, seed, Path(data))
    write(ctx, Path(out), Path(data))
    stats = {k: v for k, v in sorted(ctx.stats.items()) if not k.startswith("_")}
    return {"target_triples": target, "estimated_triples": ctx.triples, "seed": seed, **stats,
            "editions": len(ctx.real["editions"]) + len(ctx.editions), "synthetic_editions": len(ctx.editions),
            "programmes": len(ctx.real["programmes"].get("programmes") or []) + len(ctx.programmes),
            "organisations": len(ctx.orgs), "places": len(ctx.places),
            "people": len(ctx.real["people"]) + len(ctx.people),
            "sources": len(ctx.real["sources"]) + len(ctx.sources)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="target triples: 10k, 100k, 1m or a number")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (replaced if it exists)")
    parser.add_argument("--data", type=Path, default=REAL_DATA, help="the real data folder to start from")
    args = parser.parse_args(argv)
    summary = generate(args.out, parse_size(args.size), args.seed, args.data)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
