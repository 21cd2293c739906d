"""Running a query: on the embedded store (a build's `store/`, in a worker process that can be stopped) or on
a SPARQL 1.1 endpoint, parameters written in as terms; syntax errors reported at the user's own line.

Only pyoxigraph and the standard library are imported here, so that `ksst query` starts quickly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
)

from ..core.builds import reading
from ..core.errors import KsstError, NoBuild, QueryError, QueryLimit, StoreError
from ..core.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, XSD
from .guard import DEFAULT_BOUNDS, Bounds, check_query
from .saved import Term, inline_terms, strip_code
from .worker import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Answer, Failure, Job, Limits, on_deep_stack, run_once

Row = dict[str, Term | None]
DEFAULT_GRAPHS = (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY)

@dataclass
class Result:
    """Variables and rows of an answer (ASK and CONSTRUCT answers are turned into rows too)."""

    variables: list[str]
    rows: list[Row]
    boolean: bool | None = None  # the answer of an ASK query (also given as one row `ask`)


def _result(answer: object) -> Result:
    if isinstance(answer, QuerySolutions):
        variables = [v.value for v in answer.variables]
        return Result(variables, [{v: sol[v] for v in variables} for sol in answer])
    if isinstance(answer, QueryBoolean):
        return ask_result(bool(answer))
    return triples_result(list(answer))  # type: ignore[call-overload]


def ask_result(answer: bool) -> Result:
    """An ASK answer: one row `ask` for the table and csv, `boolean` for the JSON format."""
    return Result(["ask"], [{"ask": Literal("true" if answer else "false", datatype=NamedNode(XSD + "boolean"))}],
                  boolean=answer)


def triples_result(triples: Iterable[Triple]) -> Result:
    """A CONSTRUCT or DESCRIBE answer as rows of subject, predicate and object."""
    return Result(["subject", "predicate", "object"],
                  [{"subject": t.subject, "predicate": t.predicate, "object": t.object} for t in triples])


UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH")


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE (or an update keyword): the first keyword after the prologue."""
    code = strip_code(query)
    code = re.sub(r"(?is)^\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s*)\s*)*", "", code)  # IRIs are blanked already
    m = re.match(r"\s*([A-Za-z]+)", code)
    return m.group(1).upper() if m else ""


def syntax_message(error: str, query: str) -> str:
    """pyoxigraph's syntax error as one line: an unknown prefix named, an update recognised, the rest kept."""
    if query_form(query) in UPDATE_KEYWORDS:
        return "syntax error: this is a SPARQL update; `ksst query` only runs queries (SELECT, ASK, CONSTRUCT, " \
               "DESCRIBE), and never changes the store"
    m = re.match(r"error at (\d+):(\d+): expected one of Prefix not found", error)
    if m:
        line = query.splitlines()[int(m.group(1)) - 1] if int(m.group(1)) <= len(query.splitlines()) else ""
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*$", line[: int(m.group(2)) - 1])
        what = f" {name.group(1) or ''}:" if name else ""
        return f"syntax error: error at {m.group(1)}:{m.group(2)}: unknown prefix{what} (declare it with PREFIX)"
    return f"syntax error: {_one_line(error)}"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def in_user_lines(message: str, offset: int) -> str:
    """A message about a query with `offset` lines put in front, with its line numbers in the user's text.

    Covers Oxigraph's `error at LINE:COLUMN` and the `line N` of Jena, RDF4J/GraphDB and Virtuoso."""
    if not offset:
        return message

    def shift(m: re.Match[str]) -> str:
        number = int(m.group(2)) - offset
        return m.group(0) if number < 1 else f"{m.group(1)}{number}"

    return re.sub(r"(error at |\bline )(\d+)", shift, message)


def evaluate(store: Store, query: str, bindings: Mapping[str, Term] | None = None,
             graphs: Sequence[str] = DEFAULT_GRAPHS) -> QuerySolutions | QueryBoolean | QueryTriples:
    """pyoxigraph's answer to the query, parameters written in, over the union of `graphs`.

    When `graphs` are all the store's graphs (the default of a build), the store is asked for the union of
    its named graphs, which it reads from one index: a lookup costs one seek instead of one per graph.
    """
    text = inline_terms(query, bindings or {})
    if set(graphs) == {g.value for g in store.named_graphs()}:
        return store.query(text, use_default_graph_as_union=True)
    return store.query(text, default_graph=[NamedNode(g) for g in graphs])


def run_embedded(store: Store, query: str, bindings: Mapping[str, Term] | None = None,
                 graphs: Sequence[str] = DEFAULT_GRAPHS, bounds: Bounds = DEFAULT_BOUNDS) -> Result:
    """Run on a pyoxigraph store in this process (for tests and programs that hold a store; `answer` runs a
    query where it can be stopped), checked by the guard and evaluated on a thread with a large stack; a syntax
    error names the user's line."""
    check_query(inline_terms(query, bindings or {}), bounds)

    def run() -> Result:
        try:
            return _hide(_result(evaluate(store, query, bindings, graphs)), bindings)
        except SyntaxError as exc:
            raise QueryError(_syntax_error(str(exc), query, bindings)) from exc
        except (RuntimeError, OSError) as exc:
            raise QueryError(str(exc)) from exc

    return on_deep_stack(run)


def _syntax_error(error: str, query: str, bindings: Mapping[str, Term] | None) -> str:
    """The message of a syntax error: the user's own (at the user's line), or a parameter out of place."""
    if bindings:
        try:
            Store().query(query)  # the text as the user wrote it, on an empty store (the guard bounded its depth)
        except SyntaxError as exc:
            return syntax_message(str(exc), query)
        return _parameter_message(error, bindings)
    return syntax_message(error, query)


def _parameter_message(error: str, bindings: Mapping[str, Term]) -> str:
    names = ", ".join("?" + n for n in bindings)
    return (f"parameter variable {names} stands where a value cannot ({error}): use it where a term may "
            "stand or in SELECT and GROUP BY, not in VALUES nor as the target of BIND ... AS")


def run_remote(endpoint: str, query: str, bindings: Mapping[str, Term] | None = None,
               graphs: Sequence[str] = DEFAULT_GRAPHS, *, user: str | None = None, password: str | None = None,
               timeout: float = 30.0, auth: str = "auto") -> Result:
    """Run on a SPARQL 1.1 endpoint (through `ksst_kg.remote`), parameters written in as terms."""
    from .. import remote  # its HTTP client costs a tenth of a second to import: only remote queries pay it
    text = inline_terms(query, bindings or {})
    form = query_form(query)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return triples_result(remote.construct(endpoint, text, default_graphs=list(graphs), user=user,
                                               password=password, timeout=timeout, auth=auth))
    variables, rows = remote.select(endpoint, text, default_graphs=list(graphs), user=user, password=password,
                                    timeout=timeout, auth=auth)
    if form == "ASK" and rows and variables == ["ask"]:
        return ask_result(rows[0]["ask"] == Literal(True))
    return _hide(Result(variables, rows), bindings)


def _hide(result: Result, bindings: Mapping[str, Term] | None) -> Result:
    """The result without the columns of parameters a query projects (their value is the one given)."""
    hidden = set(bindings or ())
    if hidden & set(result.variables):
        result.variables = [v for v in result.variables if v not in hidden]
        result.rows = [{k: v for k, v in row.items() if k not in hidden} for row in result.rows]
    return result


def answer(query: str, bindings: Mapping[str, Term] | None = None, *, build_dir: Path = Path("build"),
           endpoint: str | None = None, graphs: Sequence[str] = DEFAULT_GRAPHS, user: str | None = None,
           password: str | None = None, auth: str = "auto", timeout: float | None = DEFAULT_TIMEOUT,
           memory_mb: int | None = DEFAULT_MEMORY_MB, bounds: Bounds = DEFAULT_BOUNDS) -> Result:
    """Run `query` on the build's embedded store, or on `endpoint` when one is given: what `ksst query` does.

    On the embedded store the query is checked first (`guard.py`: size, nesting, no SERVICE unless `bounds`
    allow it), then run in a worker process (`worker.py`) that is stopped after `timeout` seconds or past
    `memory_mb` (None: no limit), and at Ctrl-C; the build it reads is held, so a build meanwhile cannot
    remove it (`core.builds.reading`)."""
    if endpoint:
        return run_remote(endpoint, query, bindings, graphs, user=user, password=password,
                          timeout=timeout if timeout is not None else DEFAULT_TIMEOUT, auth=auth)
    text = inline_terms(query, bindings or {})
    check_query(text, bounds)
    job = Job(text, tuple(graphs), raw=query if bindings else None)
    with reading(Path(build_dir)) as folder:
        reply = run_once(folder / "store", job, Limits(timeout, memory_mb))
    if isinstance(reply, Failure):
        raise failure_error(reply, query, bindings)
    return _hide(parse_answer(reply), bindings)


LIMIT_HINTS = {"timeout": "narrow the query, or raise --timeout", "memory": "narrow the query, or raise --memory"}


def failure_error(failure: Failure, query: str, bindings: Mapping[str, Term] | None) -> KsstError:
    """The error `answer` raises for a query a worker could not answer."""
    if failure.kind == "syntax":
        if bindings and failure.raw_error is None:
            return QueryError(_parameter_message(failure.message, bindings))
        return QueryError(syntax_message(failure.raw_error or failure.message, query))
    if failure.kind == "store":
        return NoBuild(failure.message) if failure.no_build else StoreError(failure.message)
    hint = LIMIT_HINTS.get(failure.kind)
    return QueryLimit(f"{failure.message}; {hint}" if hint else failure.message)


def parse_answer(reply: Answer) -> Result:
    """A worker's answer (SPARQL results, or a graph) as rows."""
    if reply.kind == "graph":
        return triples_result(q.triple for q in parse(reply.body, format=RdfFormat.from_media_type(reply.media_type)))
    fmt = QueryResultsFormat.from_media_type(reply.media_type)
    if fmt is None:  # pragma: no cover - a worker answers in the formats it was given, which are all known
        raise StoreError(f"a query answered in an unknown format {reply.media_type}")
    return _result(parse_query_results(reply.body, format=fmt))
