"""`ksst serve` and `ksst load`: the built graph in a SPARQL server (see docs/triplestores.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import ksst_kg

from ..query.guard import Bounds
from ..query.worker import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from ..serve import DEFAULT_HOST, DEFAULT_PORT, Options, Urls, run
from ..site import BuildPages
from .common import DEFAULT_OUT, ask_password, credential_options, fail, fail_with
from .progress import Progress


@click.command("serve")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT,
              show_default=True, help="Build folder whose store to serve.")
@click.option("--bind", "host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on (0.0.0.0 for every interface: then anyone who can reach this "
                   "machine can query it).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds a query may run; then it is stopped and answered HTTP 504 (0: no limit).")
@click.option("--memory", "memory_mb", type=click.IntRange(min=0), default=DEFAULT_MEMORY_MB, show_default=True,
              metavar="MB", help="Megabytes of memory a query may use; then it is stopped and answered HTTP 503 "
                                 "(0: no limit).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Queries run at once, each in a process of its own.")
@click.option("--allow-service", is_flag=True,
              help="Let queries use SERVICE, which makes this machine send requests to the servers they name.")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (web pages on other sites may query).")
def serve_cmd(out_dir: Path, host: str, port: int, timeout: float, memory_mb: int, workers: int,
              allow_service: bool, cors: bool) -> None:
    """Serve the built graph read-only over SPARQL, until Ctrl-C or SIGTERM.

    The default graph of a query is the union of the asserted, inferred and ontology graphs. Each query runs in
    a worker process, within --timeout and --memory; queries nested too deeply, too long, or using SERVICE
    (unless --allow-service) are refused.

    It also serves the build's site (`ksst site`; written first where the build has none), and answers the
    graph's IRIs (/id/...) with their page, Turtle, JSON-LD or N-Triples by content negotiation.
    """
    pages = BuildPages(out_dir, lambda out: ksst_kg.build_site(out),
                       notify=lambda note: click.echo(f"ksst serve: {note}", err=True))

    def ready(urls: Urls) -> None:
        site = pages.prepare(wait=False)  # written beside the server: Ctrl-C is not held up
        click.echo(f"SPARQL endpoint: {urls.query}")
        click.echo(f"Query page: {urls.page}")
        if site:
            click.echo(f"Site: {urls.base}index.html (the graph's IRIs resolve here: {urls.base}id/...)")
        click.echo("Default graph: the union of the asserted, inferred and ontology graphs. "
                   "Press Ctrl-C to stop.")
        sys.stdout.flush()

    options = Options(timeout=timeout or None, memory_mb=memory_mb or None, workers=workers,
                      bounds=Bounds(allow_service=allow_service), cors=cors)
    try:
        code = run(out_dir, host, port, options, on_ready=ready, pages=pages)
    except ksst_kg.KsstError as exc:
        fail_with("serve", exc)
    click.echo("ksst serve: stopped.", err=True)
    sys.exit(code)


@click.command("load")
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL query endpoint of the store, e.g. http://localhost:7878/query (Oxigraph), "
                   "http://localhost:3030/ds/sparql (Fuseki), http://localhost:8890/sparql (Virtuoso), "
                   "http://localhost:7200/repositories/ID (GraphDB).")
@click.option("--update-endpoint", metavar="URL", default=None,
              help="SPARQL Update endpoint (default: derived from --endpoint).")
@click.option("--store-endpoint", metavar="URL", default=None,
              help="Graph Store Protocol endpoint (default: derived from --endpoint).")
@click.option("--no-gsp", is_flag=True, help="Do not use the Graph Store Protocol; load with SPARQL Update.")
@click.option("--graph", "graph_base", metavar="IRI", default=None,
              help="Load into BASE/asserted, BASE/inferred and BASE/ontology instead of the build's own graph "
                   "IRIs (https://w3id.org/ksst-kg/graph/asserted, …/inferred, …/ontology).")
@credential_options
@click.option("--timeout", type=click.FloatRange(min=0.01), default=60.0, show_default=True,
              help="Seconds to wait for the store to answer one request.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Triples per INSERT DATA request when loading with SPARQL Update.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT,
              show_default=True, help="Build folder to load.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def load_cmd(endpoint: str, update_endpoint: str | None, store_endpoint: str | None, no_gsp: bool,
             graph_base: str | None, user: str | None, password: str | None, auth: str, timeout: float,
             batch_size: int, out_dir: Path, quiet: bool) -> None:
    """Load the built graphs (asserted, inferred, ontology) into a SPARQL 1.1 store, replacing them there.

    Uses the Graph Store Protocol, or SPARQL Update where the store has none, and replaces the three
    graphs at once (docs/triplestores.md says how, store by store). Then counts the triples of each graph
    in the store and compares them with the build: exits non-zero if they differ.
    """
    if user is not None and password is None:
        password = ask_password(user)
    try:
        report = ksst_kg.load_build(out_dir, endpoint, update_endpoint=update_endpoint, store_endpoint=store_endpoint,
                                    use_gsp=not no_gsp, graph_base=graph_base, user=user, password=password,
                                    auth=auth, timeout=timeout, batch_size=batch_size, progress=Progress(),
                                    notify=lambda note: click.echo(f"ksst load: {note}", err=True))
    except ksst_kg.KsstError as exc:
        fail_with("load", exc)
    endpoints = report.endpoints
    via = endpoints.store if report.method == "Graph Store Protocol" else endpoints.update
    if not quiet or not report.ok:
        click.echo(f"Loaded {out_dir} into {endpoint} with the {report.method} ({via}).")
        width = max(len(c.iri) for c in report.counts)
        click.echo(f"{'graph'.ljust(width)}  {'build':>8}  {'store':>8}")
        for c in report.counts:
            mark = "" if c.ok else "  DIFFERS"
            click.echo(f"{c.iri.ljust(width)}  {c.local:>8}  {c.remote:>8}{mark}")
        click.echo(f"{'total'.ljust(width)}  {sum(c.local for c in report.counts):>8}  "
                   f"{sum(c.remote for c in report.counts):>8}")
    if not report.ok:
        fail("load", "the store does not hold the same number of triples as the build; check that nothing "
                      "else writes to these graphs and that the store keeps every triple it is given",
             ksst_kg.ExitCode.STORE)
