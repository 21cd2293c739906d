"""`ksst build`, `ksst validate` and `ksst export`: make the graph, check any RDF file, write the graph out."""

from __future__ import annotations

from pathlib import Path

import click

import ksst_kg

from ..core.errors import RecordErrors, ValidationFailed
from ..core.files import atomic_write
from ..core.resources import default_data_dir
from .common import data_option, fail, fail_with, out_option


@click.command("build")
@data_option
@out_option
@click.option("--no-infer", is_flag=True, help="Skip OWL RL inference.")
@click.option("--pyshacl", "reference_shacl", is_flag=True,
              help="Validate with pyshacl itself, the reference (same results as the default, much slower).")
@click.option("--clean", is_flag=True,
              help="Rebuild everything, even where only some edition records changed since the last build.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="If another build of the same folder is running, wait this long for it to finish (else exit 5 "
                   "at once).")
@click.option("--timings", is_flag=True, help="Print the wall time of each stage.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def build_cmd(data_dir: Path | None, out_dir: Path, no_infer: bool, reference_shacl: bool, clean: bool,
              wait: float, timings: bool, quiet: bool) -> None:
    """Load records, convert, validate, infer, and write every export and the embedded store.

    When the build folder holds a previous build and only edition records changed since, only what they touch
    is redone (the same result as a clean build); --clean redoes everything and reads nothing of the previous
    build. One build at a time per folder: a second one waits --wait seconds, then exits 5."""
    try:
        result = ksst_kg.build(data_dir or default_data_dir(), out_dir, infer=not no_infer,
                               reference_shacl=reference_shacl, incremental=not clean, wait=wait,
                               notify=lambda line: click.echo(f"ksst build: {line}", err=True))
    except RecordErrors as exc:
        fail_with("build", exc, f"{len(exc.errors)} problem(s) in the data; nothing was written.\n{exc}")
    except ValidationFailed as exc:
        fail_with("build", exc, f"the graph does not validate ({len(exc.violations)} violation(s)); nothing was "
                                f"written.\n{exc}")
    except ksst_kg.KsstError as exc:
        fail_with("build", exc, f"{exc}; nothing was written.")
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


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reference", is_flag=True, help="Check with pyshacl, the reference validator (slower).")
def validate_cmd(files: tuple[Path, ...], reference: bool) -> None:
    """Validate RDF FILES (Turtle, N-Triples, JSON-LD, ...) against the shapes and the ontology."""
    violations = ksst_kg.validate_files(files, reference=reference)
    if violations:
        for v in violations:
            click.echo(str(v))
        fail("validate", f"{len(violations)} violation(s).")
    click.echo(f"ksst validate: {len(files)} file(s) conform.")


@click.command("export")
@out_option
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld"]), default="ttl", show_default=True)
@click.option("--inferred", is_flag=True, help="Export the inferred graph instead of the asserted one.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def export_cmd(out_dir: Path, fmt: str, inferred: bool, output: Path | None) -> None:
    """Export the built graph (asserted or inferred) as Turtle, N-Triples or JSON-LD."""
    source = out_dir / f"{'inferred' if inferred else 'ksst'}.{fmt}"
    if not source.is_file():
        fail("export", f"{source} not found; run `ksst build` first.")
    data = source.read_bytes()
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        atomic_write(output, data)
