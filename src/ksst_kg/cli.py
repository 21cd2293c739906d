"""The `ksst` command line: a thin layer over the pipeline functions, which tests call directly.

Heavy libraries (rdflib, pyshacl, owlrl) are imported inside the commands that need them, so that
`ksst query` starts quickly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import KsstError, RecordErrors, ValidationFailed

DEFAULT_OUT = Path("build")


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def data_option(f):  # type: ignore[no-untyped-def]
    return click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                        help="Folder of curated records (default: ./data).")(f)


def out_option(f):  # type: ignore[no-untyped-def]
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                        default=DEFAULT_OUT, show_default=True, help="Build folder.")(f)


@click.group()
@click.version_option(__version__, prog_name="ksst")
def main() -> None:
    """Knowledge graph of Indonesia's KSST capacity-building programmes for Colombo Plan members."""


@main.command("build")
@data_option
@out_option
@click.option("--no-infer", is_flag=True, help="Skip OWL RL inference.")
@click.option("--pyshacl", "reference_shacl", is_flag=True,
              help="Validate with pyshacl itself, the reference (same results as the default, much slower).")
@click.option("--clean", is_flag=True,
              help="Rebuild everything, even where only some edition records changed since the last build.")
@click.option("--timings", is_flag=True, help="Print the wall time of each stage.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def build_cmd(data_dir: Path | None, out_dir: Path, no_infer: bool, reference_shacl: bool, clean: bool,
              timings: bool, quiet: bool) -> None:
    """Load records, convert, validate, infer, and write every export and the embedded store.

    When the build folder holds a previous build and only edition records changed since, only what they touch
    is redone (the same result as a clean build); --clean redoes everything."""
    from .build import build
    from .resources import default_data_dir

    try:
        result = build(data_dir or default_data_dir(), out_dir, infer=not no_infer, reference_shacl=reference_shacl,
                       incremental=not clean)
    except RecordErrors as exc:
        _fail(f"ksst build: {len(exc.errors)} problem(s) in the data; nothing was written.\n{exc}")
    except ValidationFailed as exc:
        _fail(f"ksst build: the graph does not validate; nothing was written.\n{exc}")
    except KsstError as exc:
        _fail(f"ksst build: {exc}; nothing was written.")
    if not quiet:
        if result.rebuilt is not None:
            click.echo(f"Rebuilt what {len(result.rebuilt)} changed edition file(s) touch: "
                       + (", ".join(result.rebuilt) or "none changed") + ".")
        click.echo(
            f"Built {out_dir}: {result.editions} editions, {result.countries} countries named, "
            f"{result.institutions} institutions, {result.people} people, {result.sources} sources; "
            f"{result.asserted_triples} asserted + {result.inferred_triples} inferred triples; "
            f"validation: {'conforms' if result.conforms else 'FAILED'}."
        )
    if timings:
        click.echo("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items()))


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reference", is_flag=True, help="Check with pyshacl, the reference validator (slower).")
def validate_cmd(files: tuple[Path, ...], reference: bool) -> None:
    """Validate RDF FILES (Turtle, N-Triples, JSON-LD, ...) against the shapes and the ontology."""
    from .validate import validate_files

    try:
        violations = validate_files(files, reference=reference)
    except Exception as exc:  # a parse error in a user's file is a message, not a traceback
        _fail(f"ksst validate: cannot read {', '.join(map(str, files))}: {exc}")
    if violations:
        for v in violations:
            click.echo(str(v))
        _fail(f"ksst validate: {len(violations)} violation(s).")
    click.echo(f"ksst validate: {len(files)} file(s) conform.")


@main.command("export")
@out_option
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld"]), default="ttl", show_default=True)
@click.option("--inferred", is_flag=True, help="Export the inferred graph instead of the asserted one.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def export_cmd(out_dir: Path, fmt: str, inferred: bool, output: Path | None) -> None:
    """Export the built graph (asserted or inferred) as Turtle, N-Triples or JSON-LD."""
    from .export import atomic_write

    source = out_dir / f"{'inferred' if inferred else 'ksst'}.{fmt}"
    if not source.is_file():
        _fail(f"ksst export: {source} not found; run `ksst build` first.")
    data = source.read_bytes()
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        atomic_write(output, data)


def _register_optional_commands() -> None:
    """Commands that live in their own modules (query, store) join the group here."""
    import importlib

    for module, names in (("ksst_kg.query_cli", ("query", "queries")),
                          ("ksst_kg.store_cli", ("serve", "load"))):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        for name in names:
            command = getattr(mod, f"{name}_cmd", None)
            if command is not None:
                main.add_command(command, name)


_register_optional_commands()
