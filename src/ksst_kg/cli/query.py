"""`ksst query` and `ksst queries`: answer the saved cross-year questions from the command line.

Uses only the light parts of the package (the saved queries, the embedded store, the HTTP client), so that
a query starts quickly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

import ksst_kg

from ..core.errors import QueryError, RemoteError, UsageError
from ..query import DEFAULT_GRAPHS, FORMATS, SavedQuery, in_user_lines, load_query, parse_param_options
from ..query.guard import Bounds
from ..query.worker import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from .common import ask_password, credential_options, fail, out_option

INTERRUPTED = 130  # what a shell reports for a program stopped by Ctrl-C (128 + SIGINT)


def _resolve(name: str | None, expression: str | None) -> SavedQuery:
    """A saved query by name, a query file (a path, or `-` for standard input), or the -e text."""
    if expression is not None:
        if name is not None:
            raise UsageError("give either a query NAME (or file) or -e 'QUERY', not both")
        return SavedQuery.ad_hoc("(expression)", expression)
    if name is None:
        raise UsageError("which query? Give a NAME (see `ksst queries`), a .rq file, or -e 'SELECT ...'")
    if name == "-":
        return SavedQuery.ad_hoc("(stdin)", sys.stdin.read())
    path = Path(name)
    if name.endswith(".rq") or "/" in name or path.is_file():
        if not path.is_file():
            raise QueryError(f"no query file {name}")
        return SavedQuery.ad_hoc(path.stem, path.read_text(encoding="utf-8"), path)
    return load_query(name)


def _error_line(exc: ksst_kg.KsstError, query: SavedQuery | None) -> str:
    """One line: a syntax error names the file and the line in the user's own text (not the prologue's)."""
    message = " ".join(str(exc).split())
    if query is None:
        return message
    message = in_user_lines(message, query.line_offset)
    if message.startswith("syntax error") or "rejected the query (HTTP 400)" in message:
        message = f"{query.path or query.name}: {message}"
    return message


@click.command("query")
@click.argument("name", required=False)
@click.option("-e", "--expression", default=None, metavar="QUERY",
              help="Run this SPARQL text instead of a saved query.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the query (repeatable), e.g. --param country=Srilanka.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people; csv, tsv or json (SPARQL results JSON) for other tools.")
@out_option
@click.option("--endpoint", default=None, metavar="URL", help="Query this SPARQL endpoint instead of the build.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Graph(s) forming the default graph (repeatable; default: asserted, inferred and ontology).")
@credential_options
@click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds a query may run on the build (then it is stopped), or to wait for the endpoint; "
                   "0 for no limit on the build.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=0), default=DEFAULT_MEMORY_MB, show_default=True,
              metavar="MB", help="Megabytes of memory a query on the build may use (then it is stopped); 0 for "
                                 "no limit.")
@click.option("--allow-service", is_flag=True,
              help="Let a query on the build use SERVICE, which sends requests to other servers.")
@click.option("--width", type=int, default=None,
              help="Wrap table cells to fit this many columns (default: the terminal's width, if any).")
def query_cmd(name: str | None, expression: str | None, params: tuple[str, ...], fmt: str, out_dir: Path,
              endpoint: str | None, graphs: tuple[str, ...], user: str | None, password: str | None,
              auth: str, timeout: float, memory_mb: int, allow_service: bool, width: int | None) -> None:
    """Answer a saved question NAME (see `ksst queries`), a query file, or -e 'SELECT ...'.

    On the build, a query runs in a process of its own, stopped at --timeout, past --memory, or at Ctrl-C."""
    query: SavedQuery | None = None
    try:
        query = _resolve(name, expression)
        bindings = query.bindings(parse_param_options(params))
        if endpoint and user is not None and password is None:
            if name == "-":
                raise UsageError("the query comes from standard input, so the password cannot: give --password "
                                 "or $KSST_ENDPOINT_PASSWORD")
            password = ask_password(user)
        result = ksst_kg.answer(query.text, bindings, build_dir=out_dir, endpoint=endpoint,
                                graphs=list(graphs) or list(DEFAULT_GRAPHS), user=user, password=password,
                                auth=auth, timeout=timeout or None, memory_mb=memory_mb or None,
                                bounds=Bounds(allow_service=allow_service))
    except (QueryError, RemoteError, UsageError, ksst_kg.NoBuild) as exc:
        fail("query", _error_line(exc, query), exc.exit_code)
    except KeyboardInterrupt:
        fail("query", "interrupted; the query was stopped", INTERRUPTED)
    terminal = sys.stdout.isatty()
    if fmt == "table" and width is None and terminal:
        width = shutil.get_terminal_size().columns
    click.echo(ksst_kg.render(result, fmt, width, terminal=terminal), nl=False)


@click.command("queries")
@click.argument("name", required=False)
def queries_cmd(name: str | None) -> None:
    """List the saved questions with their summaries and parameters (or show one of them in full)."""
    try:
        if name:
            q = ksst_kg.load_query(name)
            click.echo(f"{q.name}: {q.summary}\n")
            if q.description:
                click.echo(click.wrap_text(q.description, 100) + "\n")
            for p in q.params:
                need = "required" if p.required else "optional"
                example = f"; e.g. {p.default}" if p.default is not None else ""
                click.echo(f"  --param {p.name}=VALUE  ({p.type_label}, {need}{example}) {p.description}")
            if q.path:
                click.echo(f"\nFile: {q.path}")
            return
        saved = ksst_kg.load_queries()
    except QueryError as exc:
        fail("queries", str(exc), exc.exit_code)
    width = max((len(n) for n in saved), default=4)
    for q in saved.values():
        click.echo(f"{q.name.ljust(width)}  {q.summary}")
        for p in q.params:
            need = "required" if p.required else "optional"
            click.echo(f"{'':{width}}    --param {p.name}=...  ({need}) {p.description}")
    click.echo(f"\n{len(saved)} saved queries; run one with `ksst query NAME`, details with `ksst queries NAME`.")
