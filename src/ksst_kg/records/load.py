"""Load the curated YAML records of `data/` into typed, checked objects: stage one of the pipeline.

Everything a curator can get wrong (bad YAML, an unknown field, an impossible date, an id that does not
resolve, a duplicate id) is reported here as a `RecordError` that names the file, the record and the field,
before any RDF is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..core.errors import RecordError, RecordErrors
from ..records.references import check_references
from .model import Country, Dataset, Edition, Organisation, Person, Place, ProgrammesFile, Scheme, Source
from .yamlio import read_yaml

PYDANTIC_WRAPPERS = ("function-", "Fact[", "list[", "constrained-", "lax-", "json-")


def _field_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(PYDANTIC_WRAPPERS):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _record_name(data: Any, index: int | None) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("id"), str | int):
        return str(data["id"])
    if isinstance(data, dict) and isinstance(data.get("iso3"), str):
        return data["iso3"]
    return None if index is None else f"#{index + 1}"


def parse_record(model: type[BaseModel], data: Any, file: Path, index: int | None = None) -> Any:
    """Validate one record; every problem becomes a RecordError naming file, record and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        name = _record_name(data, index)
        errors = []
        for err in exc.errors(include_url=False):
            field_name = _field_path(err["loc"]) or None
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "missing":
                message = "required field is missing"
            errors.append(RecordError(str(file), name, field_name, message))
        raise RecordErrors(_dedupe(errors)) from None


def _dedupe(errors: list[RecordError]) -> list[RecordError]:
    seen: dict[str, RecordError] = {}
    for err in errors:
        seen.setdefault(str(err), err)
    return list(seen.values())


Reader = Callable[[Path], Any]


def _parse_list(model: type[BaseModel], path: Path, errors: list[RecordError], read: Reader = read_yaml) -> list[Any]:
    try:
        data = read(path)
    except RecordError as err:
        errors.append(err)
        return []
    if not isinstance(data, list):
        errors.append(RecordError(str(path), None, None, "expected a list of records"))
        return []
    out = []
    for index, item in enumerate(data):
        try:
            out.append(parse_record(model, item, path, index))
        except RecordErrors as exc:
            errors.extend(exc.errors)
    return out


def load_dataset(root: Path, read: Reader = read_yaml) -> Dataset:
    """Read and check every file under `root` (the `data/` folder); raise RecordErrors listing all problems.

    `read` parses one file (`read_yaml`; a build passes its cache's reader)."""
    root = Path(root)
    errors: list[RecordError] = []
    ds = _load_reference(root, errors, read)
    for path in sorted((root / "editions").glob("*.yaml")):
        edition = _collect(errors, lambda p=path: parse_record(Edition, read(p), p))
        if edition is not None:
            ds.editions.append(edition)
            ds.edition_files[edition.id] = path
    return _checked(ds, errors)


def load_reference(root: Path, read: Reader = read_yaml) -> Dataset:
    """Every record but the editions, checked: what converting and checking one edition needs."""
    errors: list[RecordError] = []
    return _checked(_load_reference(Path(root), errors, read), errors)


def _checked(ds: Dataset, errors: list[RecordError]) -> Dataset:
    """`ds` once its cross-references are checked too; RecordErrors listing every problem found."""
    if not errors:
        errors.extend(check_references(ds))
    if errors:
        raise RecordErrors(errors)
    return ds


def _load_reference(root: Path, errors: list[RecordError], read: Reader) -> Dataset:
    ds = Dataset(root=root)
    ref = root / "reference"
    ds.countries = _parse_list(Country, ref / "countries.yaml", errors, read)
    ds.organisations = _parse_list(Organisation, ref / "organisations.yaml", errors, read)
    ds.places = _parse_list(Place, ref / "places.yaml", errors, read)
    ds.sources = _parse_list(Source, root / "sources.yaml", errors, read)
    ds.people = _parse_list(Person, root / "people.yaml", errors, read)
    _load_schemes(ds, ref / "concepts.yaml", errors, read)
    _load_programmes(ds, root / "programmes.yaml", errors, read)
    return ds


def _load_schemes(ds: Dataset, path: Path, errors: list[RecordError], read: Reader) -> None:
    try:
        data = read(path)
    except RecordError as err:
        errors.append(err)
        return
    if not isinstance(data, dict):
        errors.append(RecordError(str(path), None, None, "expected a mapping of concept schemes"))
        return
    for scheme_id, body in data.items():
        try:
            ds.schemes[str(scheme_id)] = parse_record(Scheme, body, path, None)
        except RecordErrors as exc:
            for err in exc.errors:
                errors.append(RecordError(err.file, str(scheme_id), err.field, err.message))


def _load_programmes(ds: Dataset, path: Path, errors: list[RecordError], read: Reader) -> None:
    parsed = _collect(errors, lambda: parse_record(ProgrammesFile, read(path), path))
    if parsed is not None:
        ds.frameworks, ds.programmes = parsed.frameworks, parsed.programmes


def _collect(errors: list[RecordError], parse: Any) -> Any:
    """Run `parse`; on bad input add its errors to `errors` and return None, so every file gets checked."""
    try:
        return parse()
    except RecordError as err:
        errors.append(err)
    except RecordErrors as exc:
        errors.extend(exc.errors)
    return None
