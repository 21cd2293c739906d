"""Reading one YAML record file strictly: what the file says, or an error naming the file, the record and the line.

PyYAML reads YAML 1.1, whose implicit types surprise curators: `yes`/`no`/`on`/`off` are booleans, `33:38`
is the number 2018 (base 60), `012` is 10 (octal), `.nan` and `.inf` are numbers, `<<` merges mappings, and a
repeated key silently replaces the first. Anchors and aliases let a 5 KB file expand to gigabytes. This
reader keeps YAML's safe loader but

* resolves only the plain forms a curator means: `true`/`false`, `null`/`~`/nothing, decimal integers
  (`2017`, `-3`), decimal numbers with a point or an exponent (`21.22`, `4.4e6`); every other plain scalar
  (`yes`, `33:38`, `012`, `0x1F`, `1_000`, `.nan`, dates) stays text, so that a field wanting a number or a
  date reports it, with the field's name;
* refuses anchors and aliases, explicit tags other than the core ones (`!!str` …), keys that are not
  plain text, repeated keys (naming both lines), and control characters in any text (ESC, BEL, NUL, bidi
  overrides …: they would reach terminals and exports raw);
* reads UTF-8 with or without a byte-order mark, LF or CRLF line ends; a tab used for indentation is
  reported as such;
* reports a syntax error at the line where the construct that is not closed began (an unclosed `[` or
  quote, a key without its colon), not at the line where the parser gave up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..core.errors import RecordError, RecordErrors

TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, SEQ, MAP = (TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))

#: The implicit types a plain scalar may have, in the order they are tried (YAML 1.2 core schema, decimal only).
RESOLVERS: list[tuple[str, re.Pattern[str], str]] = [
    (BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN"),
    (INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), "-+0123456789"),
    (FLOAT, re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
                       r"|[0-9]+[eE][-+]?[0-9]+)$"), "-+.0123456789"),
]

#: Characters refused in text: C0 and C1 controls but the line feed, the byte-order mark, the zero-width space,
#: bidirectional formatting characters, and the line and paragraph separators (the zero-width joiners, which
#: some scripts need, are allowed).
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

#: Nesting deeper than this is refused before it is walked (no record needs more than a handful of levels).
MAX_DEPTH = 64


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader with only the implicit types of `RESOLVERS` (see the module docstring)."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in RESOLVERS:
    for _char in _first:
        _Loader.yaml_implicit_resolvers.setdefault(_char, []).append((_tag, _pattern))
_Loader.yaml_implicit_resolvers.setdefault("", []).append((NULL, RESOLVERS[1][1]))


def plain_tag(value: str) -> str:
    """The tag a plain (unquoted) scalar gets: the first of `RESOLVERS` that matches, else text."""
    for tag, pattern, first in RESOLVERS:
        if (value[:1] in first or (tag == NULL and value == "")) and pattern.match(value):
            return tag
    return STR


def read_yaml(path: Path) -> Any:
    """Parse one YAML file strictly (see the module docstring); errors name the file, record, field and line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), None, None, f"cannot read: {exc.strerror}") from exc
    return parse_yaml(data, path)


def parse_yaml(data: bytes | None, path: Path) -> Any:
    """Parse the bytes of the YAML file `path` (None: the file is missing); errors name the file and line."""
    if data is None:
        raise RecordError(str(path), None, None, "cannot read: No such file or directory")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(str(path), None, None,
                          f"cannot read: not UTF-8 (byte {exc.start + 1} of the file: {exc.reason})") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise RecordError(str(path), None, None, syntax_message(exc, text)) from None
    except RecursionError:
        raise RecordError(str(path), None, None, f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    if node is None:
        return None
    problems = list(_Walker(str(path)).check(node))
    if problems:
        raise problems[0] if len(problems) == 1 else RecordErrors(problems)
    return loader.construct_document(node)


# --- syntax errors ---------------------------------------------------------------------------------------


def syntax_message(exc: yaml.YAMLError, text: str) -> str:
    """One line for a YAML syntax error, at the line of the construct that is not closed where there is one."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context", None)
    start = getattr(exc, "context_mark", None)
    if mark is not None and _char_at(text, mark.index) == "\t":
        return f"malformed YAML at line {mark.line + 1}, column {mark.column + 1}: a tab character; YAML indents " \
               "with spaces only"
    if start is not None and context and mark is not None and start.line < mark.line:
        return (f"malformed YAML at line {start.line + 1}, column {start.column + 1} ({context}): {problem} "
                f"(the reader stopped at line {mark.line + 1}, column {mark.column + 1})")
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"malformed YAML{where}: {f'{context}: ' if context else ''}{problem}"


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


# --- the checks on the parsed nodes -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """A node's place in the file: the record it belongs to and its field path within that record."""

    record: str | None
    field: str

    def child(self, key: str | int) -> _Where:
        if isinstance(key, int):
            return _Where(self.record, f"{self.field}[{key}]")
        return _Where(self.record, f"{self.field}.{key}" if self.field else key)


class _Walker:
    """Walks the node tree once (iteratively, so depth cannot overflow the stack), yielding every problem."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, where: _Where, node: Node, message: str) -> RecordError:
        return RecordError(self.file, where.record, where.field or None, f"{message} (line {node.start_mark.line + 1})")

    def alias(self, where: _Where, node: Node) -> RecordError:
        return RecordError(self.file, where.record, where.field or None,
                           f"repeats the node anchored at line {node.start_mark.line + 1}: anchors and aliases "
                           "(&name, *name) are not allowed")

    def check(self, root: Node) -> Iterator[RecordError]:
        seen: set[int] = set()
        stack: list[tuple[Node, _Where, int]] = [(root, _Where(None, ""), 0)]
        top = True
        while stack:
            node, where, depth = stack.pop()
            if id(node) in seen:
                yield self.alias(where, node)
                continue
            seen.add(id(node))
            if depth > MAX_DEPTH:
                yield self.error(where, node, f"nested more than {MAX_DEPTH} levels deep")
                return
            problem = self.node_problem(node)
            if problem:
                yield self.error(where, node, problem)
                continue
            children = list(self.children(node, where, top))
            yield from (c for c in children if isinstance(c, RecordError))
            stack.extend((c[0], c[1], depth + 1) for c in reversed(children) if not isinstance(c, RecordError))
            top = False

    def node_problem(self, node: Node) -> str | None:
        if isinstance(node, ScalarNode):
            expected = plain_tag(node.value) if not node.style else STR  # '' or None: plain
            if node.tag not in (expected, STR):
                return f"the explicit tag !!{node.tag.removeprefix(TAG)} is not allowed; write the value plainly"
            bad = FORBIDDEN.search(node.value)
            if bad:
                char = bad.group(0)
                name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "control character")
                return f"the text holds the control character U+{ord(char):04X} ({name}), which is not allowed"
            return None
        if (isinstance(node, SequenceNode) and node.tag != SEQ) or (isinstance(node, MappingNode) and node.tag != MAP):
            return f"the explicit tag !!{node.tag.removeprefix(TAG)} is not allowed"
        return None

    def children(self, node: Node, where: _Where, top: bool) -> Iterator[tuple[Node, _Where] | RecordError]:
        if isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                yield item, _Where(_record_name(item, i), "") if top else where.child(i)
        elif isinstance(node, MappingNode):
            first: dict[str, Node] = {}
            record = _record_name(node, None) if top else where.record
            here = _Where(record, where.field)
            for key, value in node.value:
                if not isinstance(key, ScalarNode) or key.tag == MAP or key.tag == SEQ:
                    yield self.error(here, key, "a key must be plain text")
                    continue
                name = key.value
                if name in first:
                    yield RecordError(self.file, record, here.child(name).field,
                                      f"the key {name!r} is repeated: first at line {first[name].start_mark.line + 1},"
                                      f" again at line {key.start_mark.line + 1}")
                    continue
                first[name] = key
                yield key, here.child(name)
                yield value, here.child(name)


_CONTROL_NAMES = {"\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\x09": "TAB", "\x1b": "ESC", "\x7f": "DEL"}


def _record_name(node: Node, index: int | None) -> str | None:
    """The name `load.py` gives a record: its `id` (or `iso3`), else its position in the list."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value in ("id", "iso3") and isinstance(value, ScalarNode):
                return str(value.value)
    return None if index is None else f"#{index + 1}"
