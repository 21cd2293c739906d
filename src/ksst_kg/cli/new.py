"""`ksst new edition YEAR` and `ksst new source ID`: commented skeletons of new records, for curators."""

from __future__ import annotations

from pathlib import Path

import click

import ksst_kg

from ..core.resources import default_data_dir
from .common import data_option, fail_with


@click.group("new")
def new_group() -> None:
    """Write a commented skeleton of a new record to fill in (nothing is overwritten)."""


@new_group.command("edition")
@click.argument("year", type=int)
@data_option
@click.option("--programme", default=None, help="The programme's id (default: the only one in programmes.yaml).")
@click.option("--id", "ident", default=None,
              help="The edition's id (default: like the programme's others, e.g. sim-2019).")
def new_edition_cmd(year: int, data_dir: Path | None, programme: str | None, ident: str | None) -> None:
    """Write editions/<id>.yaml: the skeleton of the edition of YEAR."""
    try:
        written = ksst_kg.new_edition(data_dir or default_data_dir(), year, programme=programme, ident=ident)
    except ksst_kg.KsstError as exc:
        fail_with("new edition", exc)
    _report(written)


@new_group.command("source")
@click.argument("ident", metavar="ID")
@data_option
@click.option("--url", required=True, help="The source's address.")
@click.option("--publisher", required=True, help="The id of its publisher in reference/organisations.yaml.")
@click.option("--type", "kind", type=click.Choice(["news-article", "web-page", "public-document"]),
              default="news-article", show_default=True, help="What kind of source it is.")
@click.option("--language", default="id", show_default=True, help="The language of the source (a code).")
def new_source_cmd(ident: str, data_dir: Path | None, url: str, publisher: str, kind: str, language: str) -> None:
    """Add the source ID to sources.yaml, and write expectations/ID.yaml for the facts a reader finds in it."""
    try:
        written = ksst_kg.new_source(data_dir or default_data_dir(), ident, url=url, publisher=publisher,
                                     kind=kind, language=language)
    except ksst_kg.KsstError as exc:
        fail_with("new source", exc)
    _report(written)


def _report(written: ksst_kg.Skeleton) -> None:
    for path in written.files:
        click.echo(f"Wrote {path}")
    click.echo(written.next_steps)
