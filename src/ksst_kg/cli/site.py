"""`ksst site`: the static website of a build (see docs/site.md)."""

from __future__ import annotations

from pathlib import Path

import click

import ksst_kg

from .common import DEFAULT_OUT


@click.command("site")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT,
              show_default=True, help="Build folder whose graph the site shows.")
@click.option("--site", "site_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder to write the site to, replaced as a whole (default: OUT/site, where `ksst serve` "
                   "finds it).")
@click.option("--base-url", default="/", show_default=True,
              help="The path the site is served under, e.g. /ksst-kg/ on a project's static host (only the 404 "
                   "page needs it: every other link is relative).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def site_cmd(out_dir: Path, site_dir: Path | None, base_url: str, quiet: bool) -> None:
    """Write a static website of the built graph: a page for every resource with its facts footnoted to their
    sources, charts, the ontology's documentation, and each resource's Turtle, JSON-LD and N-Triples.

    The site is written to a temporary folder and renamed into place: a failure leaves the previous site."""
    result = ksst_kg.build_site(out_dir, site_dir, base_url=base_url)
    if quiet:
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in result.by_kind.items())
    click.echo(f"Wrote {result.site_dir}: {result.pages} pages ({kinds}; {result.ontology_pages} of the ontology "
               f"and the shapes), {result.files} files, in {result.seconds:.1f} s.")
    if result.skipped:
        click.echo(f"{len(result.skipped)} IRI(s) have no page (characters a file name cannot hold), e.g. "
                   f"{result.skipped[0]}")
    click.echo(f"Open {result.site_dir / 'index.html'}, or run `ksst serve` to browse it with the IRIs resolving.")
