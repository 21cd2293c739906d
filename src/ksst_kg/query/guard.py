"""What a query must pass before any SPARQL engine sees it: a bound on its size and on how deeply it nests,
and no `SERVICE` unless the user allowed it.

Why. Oxigraph parses and evaluates a query recursively: a few thousand nested brackets overflow the stack of
the thread that runs it and kill the whole process (a 4 KB query stopped `ksst serve`), and a `SERVICE` clause
makes it send an HTTP request to any host, port and path the query names (server-side request forgery from a
public endpoint). So the text is measured here, lexically, before it is parsed: strings and comments are
skipped as SPARQL's own lexer skips them, brackets counted, and the keyword `SERVICE` looked for wherever it
could be code. The checks err on the side of refusing (a bracket inside an IRI counts too). Queries also run
on a thread with a large stack (`worker.py`), so that a long flat chain (`1+1+…+1`) that the depth bound does not
measure cannot overflow it either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.errors import QueryLimit

MAX_QUERY_BYTES = 128 * 1024  # the saved queries are a few KB, with every parameter written in
MAX_DEPTH = 64  # brackets of any kind, nested; the saved queries need about 10


@dataclass(frozen=True)
class Bounds:
    """What a query may be: its size in bytes (UTF-8), its bracket depth, and whether SERVICE may be used."""

    max_bytes: int = MAX_QUERY_BYTES
    max_depth: int = MAX_DEPTH
    allow_service: bool = False


DEFAULT_BOUNDS = Bounds()


# SPARQL's lexemes that can hide brackets or keywords: strings (four kinds), IRIs, comments, and the escapes of
# prefixed names (`ex:a\#b` is a name, not a comment; `ex:it\'s` is not a string)
_LEXEME = re.compile(
    r'(?P<escape>\\[_~.\-!$&\'()*+,;=/?#@%])'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<comment>#[^\n\r]*)',
    re.DOTALL,
)
# the keyword, unless it is part of a name: a variable (`?service`), a prefixed name (`ex:service`,
# `service:x`), an IRI (`<…/service>`), or a longer word; anything else that can stand before it counts
_SERVICE = re.compile(r"(?<![\w/:#?$\-])SERVICE(?![\w:])", re.IGNORECASE)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def code_of(text: str) -> str:
    """The query with strings and comments blanked (same length): what a SPARQL parser reads as syntax. IRIs
    are kept, so that their brackets count (see the module docstring)."""
    out = list(text)
    for m in _LEXEME.finditer(text):
        if m.group("string") or m.group("comment") or m.group("escape"):
            for i in range(m.start(), m.end()):
                if out[i] not in "\n\r":
                    out[i] = " "
    return "".join(out)


def depth(code: str) -> int:
    """The deepest nesting of brackets (`{`, `(`, `[`) in `code`."""
    deepest = level = 0
    for char in code:
        if char in "{([":
            level += 1
            deepest = max(deepest, level)
        elif char in "})]":
            level = max(level - 1, 0)
    return deepest


def uses_service(text: str) -> bool:
    """Whether the keyword SERVICE stands anywhere outside strings and comments, in the text as written or with
    `\\u` escapes decoded (SPARQL allows them anywhere; Oxigraph does not decode them today, a later version may)."""
    decoded = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16)
                             < 0x110000 else "", text)
    return any(_SERVICE.search(code_of(t)) for t in {text, decoded})


def check_query(text: str, bounds: Bounds = DEFAULT_BOUNDS) -> None:
    """QueryLimit unless `text` (the query to be run, parameters written in) is within `bounds`."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > bounds.max_bytes:
        raise QueryLimit(f"the query is {size:,} bytes long, more than the {bounds.max_bytes:,} allowed; "
                           f"shorten it")
    deepest = depth(code_of(text))
    if deepest > bounds.max_depth:
        raise QueryLimit(f"the query nests brackets {deepest} deep, more than the {bounds.max_depth} allowed; "
                           f"flatten it")
    if not bounds.allow_service and uses_service(text):
        raise QueryLimit("the query uses SERVICE, which would make this machine send requests to other "
                           "servers; it is refused unless allowed (--allow-service)")
