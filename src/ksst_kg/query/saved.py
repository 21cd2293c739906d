"""Saved SPARQL queries (`queries/*.rq`): read them and bind their parameters.

A saved query is a grlc-style file: a header of `#+ key: value` decorators (summary, description, tags,
defaults, and our own `params`: a description per parameter), then the query. A variable `?_name` is the
required parameter `name`, `?__name` an optional one (grlc/BASIL convention); a suffix after the name gives
the RDF term it is bound as: `?_page_integer`, `?_org_iri`, `?_title_en` (language), `?_day_xsd_date`.

A parameter is bound as an RDF term written in place of its variable, as grlc does (`inline_terms`), on the
embedded store and on a remote endpoint alike. The term is written by pyoxigraph in N-Triples form, one token,
so a value containing quotes, braces or SPARQL keywords stays one literal. Written into the text, the value
can be used inside sub-queries, and the store's optimizer sees it: a FILTER on it is applied to the few
editions or countries it selects before anything is joined to them, instead of after every edition's rows.

Only pyoxigraph and the standard library are imported here (plus PyYAML to read headers), so that
`ksst query` starts quickly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ..core.errors import QueryError, UsageError
from ..core.namespaces import XSD, shorten, sparql_prologue
from ..core.resources import resource_dir

Term = NamedNode | BlankNode | Literal | Triple


# --- saved queries and their headers --------------------------------------------------------------------

PARAM_RE = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
LANG_RE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Param:
    """One parameter of a query, from a `?_name[_type]` variable and the header's `params` entry."""

    name: str
    variable: str          # without the "?", e.g. "_country"
    kind: str = "string"   # string, iri, integer, decimal, lang:<tag>, or an XSD datatype IRI
    required: bool = True
    description: str = ""
    default: str | None = None  # grlc's `defaults`: an example value for listings, never applied silently

    def term(self, value: str) -> NamedNode | Literal:
        """The RDF term a command-line value is bound as; a value of the wrong form is a QueryError."""
        if self.kind == "iri":
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*", value):
                raise QueryError(f"parameter {self.name}: {value!r} is not an absolute IRI")
            return NamedNode(value)
        if self.kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
                raise QueryError(f"parameter {self.name}: {value!r} is not an integer")
            return Literal(value.strip(), datatype=NamedNode(XSD + "integer"))
        if self.kind == "decimal":
            if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", value.strip()):
                raise QueryError(f"parameter {self.name}: {value!r} is not a number")
            return Literal(value.strip(), datatype=NamedNode(XSD + "decimal"))
        if self.kind.startswith("lang:"):
            return Literal(value, language=self.kind[5:])
        if self.kind.startswith("http"):
            return Literal(value, datatype=NamedNode(self.kind))
        return Literal(value)

    @property
    def type_label(self) -> str:
        """`string`, `iri`, `integer`, `en text`, `xsd:date`...: what `ksst queries NAME` shows."""
        if self.kind.startswith("lang:"):
            return self.kind[5:] + " text"
        if self.kind.startswith("http"):
            return shorten(self.kind)
        return self.kind


def _param_of(body: str) -> tuple[str, str]:
    """Split a parameter variable's body into (name, kind) following grlc's suffixes."""
    parts = body.split("_")
    if len(parts) >= 3 and parts[-2] == "xsd":
        return "_".join(parts[:-2]), XSD + parts[-1]
    if len(parts) >= 2:
        suffix = parts[-1]
        if suffix == "iri":
            return "_".join(parts[:-1]), "iri"
        if suffix in ("integer", "number"):
            return "_".join(parts[:-1]), "integer" if suffix == "integer" else "decimal"
        if suffix == "literal":
            return "_".join(parts[:-1]), "string"
        if LANG_RE.match(suffix):
            return "_".join(parts[:-1]), "lang:" + suffix
    return body, "string"


def strip_code(text: str) -> str:
    """The query with comments, strings and IRIs blanked (same length), so that scanning sees only syntax."""
    out = list(text)
    for m in _LEXEME_RE.finditer(text):
        if m.group("comment") or m.group("string") or m.group("iri"):
            for i in range(m.start(), m.end()):
                if out[i] != "\n":
                    out[i] = " "
    return "".join(out)


_LEXEME_RE = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<comment>#[^\n]*)',
)


def find_params(query: str, descriptions: Mapping[str, str] | None = None,
                defaults: Mapping[str, str] | None = None) -> list[Param]:
    """The parameters a query declares by its `?_name` variables, in order of first use."""
    found: dict[str, Param] = {}
    for m in PARAM_RE.finditer(strip_code(query)):
        underscores, body = m.groups()
        name, kind = _param_of(body)
        if name in found:
            continue
        found[name] = Param(name=name, variable=underscores + body, kind=kind, required=underscores == "_",
                            description=(descriptions or {}).get(name, ""),
                            default=None if defaults is None or name not in defaults else str(defaults[name]))
    return list(found.values())


def parse_header(text: str) -> dict[str, object]:
    """The `#+ key: value` decorators at the top of a query file (grlc syntax: YAML after `#+`)."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            lines.append(stripped[2:].removeprefix(" "))
        elif stripped and not stripped.startswith("#"):
            break
    if not lines:
        return {}
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        raise QueryError(f"cannot read the #+ header: {exc}") from exc
    if not isinstance(data, dict):
        raise QueryError("the #+ header is not a set of `key: value` decorators")
    return data


def _list_of_pairs(value: object) -> dict[str, str]:
    """grlc writes `defaults` (and we write `params`) as a list of one-key mappings; accept a mapping too."""
    out: dict[str, str] = {}
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    for item in items:
        if isinstance(item, dict):
            out.update({str(k): "" if v is None else str(v) for k, v in item.items()})
    return out


@dataclass
class SavedQuery:
    """One query: its name (the file stem), text, grlc decorators and parameters."""

    name: str
    text: str
    path: Path | None = None
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    line_offset: int = 0  # lines put in front of the user's text (the prologue), so errors name the user's lines

    @classmethod
    def from_text(cls, name: str, text: str, path: Path | None = None) -> SavedQuery:
        header = parse_header(text)
        params = find_params(text, _list_of_pairs(header.get("params")), _list_of_pairs(header.get("defaults")))
        tags = header.get("tags") or []
        return cls(name=name, text=text, path=path, summary=str(header.get("summary") or "").strip(),
                   description=" ".join(str(header.get("description") or "").split()),
                   tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)], params=params)

    @classmethod
    def ad_hoc(cls, name: str, text: str, path: Path | None = None) -> SavedQuery:
        """A query of the user's own (-e, a file, standard input), with the project's prefixes in front."""
        query = cls.from_text(name, with_prologue(text), path)
        query.line_offset = sparql_prologue().count("\n")
        return query

    @classmethod
    def from_file(cls, path: Path) -> SavedQuery:
        return cls.from_text(path.stem, path.read_text(encoding="utf-8"), path)

    @property
    def examples(self) -> dict[str, str]:
        """The header's example value of each parameter that has one (grlc's `defaults`): what tests and benchmarks
        run the query with. `bindings` never fills them in."""
        return {p.name: p.default for p in self.params if p.default is not None}

    def bindings(self, values: Mapping[str, str]) -> dict[str, NamedNode | Literal]:
        """Variable name → RDF term for the given parameter values; unknown or missing ones are errors."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            listed = ", ".join(known) or "none"
            raise QueryError(f"query {self.name!r} has no parameter {', '.join(unknown)} (its parameters: {listed})")
        out: dict[str, NamedNode | Literal] = {}
        for p in self.params:
            if p.name in values:
                out[p.variable] = p.term(values[p.name])
            elif p.required:
                example = p.default if p.default is not None else "VALUE"
                what = f" ({p.description})" if p.description else ""
                raise QueryError(f"query {self.name!r} needs parameter {p.name}{what}: "
                                 f"add --param {p.name}={example}")
        return out


def queries_dir() -> Path:
    return resource_dir("queries")


def load_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every `*.rq` of the folder (default: the project's `queries/`), by name."""
    folder = folder or queries_dir()
    return {p.stem: SavedQuery.from_file(p) for p in sorted(folder.glob("*.rq"))}


def load_query(name: str, folder: Path | None = None) -> SavedQuery:
    """A saved query by name; an unknown name is a QueryError that lists the known ones."""
    folder = folder or queries_dir()
    path = folder / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.rq")))
        raise QueryError(f"no saved query named {name!r} (see `ksst queries`; known: {known})")
    return SavedQuery.from_file(path)


# --- binding parameters -----------------------------------------------------------------------------------


_NAME_CHAR = r"[\w\u00B7\u0300-\u036F\u203F-\u2040]"
_CLAUSE = (r"(?<![?$:\w])(?:(?P<select>SELECT)|(?P<group>GROUP\s+BY)|(?P<end>WHERE|FROM|HAVING|ORDER|LIMIT|OFFSET"
           r"|VALUES))\b|(?P<brace>[{}])|(?P<paren>[()])")


def inline_terms(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with each bound parameter variable (`?_name` or `$_name`) replaced by its term.

    Only variables in the query's syntax are replaced, never text inside strings, IRIs or comments. Where only
    a variable may stand, the term keeps the variable's name: a projected `?_name` becomes `(term AS ?_name)`
    (the runners hide that column) and `GROUP BY ?_name` groups by `(term)`. A variable that no binding names
    stays a variable (an optional parameter left out is unbound).
    """
    if not bindings:
        return query
    code = strip_code(query)
    names = "|".join(re.escape(n) for n in sorted(bindings, key=len, reverse=True))
    variable = rf"(?<!{_NAME_CHAR})[?$](?P<var>{names})(?!{_NAME_CHAR})"
    out, at, clause, depth = [], 0, None, 0
    for m in re.finditer(f"{variable}|{_CLAUSE}", code, flags=re.IGNORECASE):
        if m.group("select") or m.group("group"):
            clause, depth = ("select" if m.group("select") else "group"), 0
        elif m.group("paren"):
            depth += 1 if m.group("paren") == "(" else -1
        elif (m.group("end") or m.group("brace")) and depth == 0:
            clause = None
        elif m.group("var"):
            term = str(bindings[m.group("var")])
            if depth == 0 and clause == "select":
                term = f"({term} AS ?{m.group('var')})"
            elif depth == 0 and clause == "group":
                term = f"({term})"
            out.append(query[at:m.start()] + term)
            at = m.end()
    out.append(query[at:])
    return "".join(out)


def parse_param_options(values: Iterable[str]) -> dict[str, str]:
    """`key=value` strings from the command line; the value may itself contain `=`."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param takes key=value, not {item!r}")
        out[key.strip()] = value
    return out


def with_prologue(query: str) -> str:
    """An ad-hoc query with PREFIX lines for the project's prefixes before its own prologue."""
    return sparql_prologue() + query
