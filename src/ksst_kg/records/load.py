"""Load the curated YAML records of `data/` into typed, checked objects: stage one of the pipeline.

Everything a curator can get wrong (bad YAML, an unknown field, an impossible date, an id that does not
resolve, a duplicate id, a file the build would not read) is reported here as a `RecordError` that names the
file, the record and the field, before any RDF is made. One mistake gives one message: a misspelt field is
reported once ("unknown field 'yeer' (did you mean 'year'?)"), not also as a missing one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..core.errors import RecordError, RecordErrors
from .files import record_files
from .model import (
    Country,
    Dataset,
    Edition,
    MemberState,
    Organisation,
    Person,
    Place,
    ProgrammesFile,
    Scheme,
    Source,
)
from .references import check_edition_links, check_references
from .yamlio import read_yaml

PYDANTIC_WRAPPERS = ("function-", "Fact[", "Item[", "list[", "constrained-", "lax-", "json-")
#: pydantic's prefixes for errors raised inside validators, which say nothing to a curator.
PREFIXES = ("Value error, ", "Assertion failed, ")


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


def _as_written(loc: Iterable[Any], data: Any) -> list[Any]:
    """The error's location as the curator wrote the record: a fact written bare (`end_date: 2017-02-30`) is
    `end_date`, not `end_date[0].value` (the list and the mapping the model reads it as)."""
    out: list[Any] = []
    raw = data
    for part in loc:
        if isinstance(part, str) and part.startswith(PYDANTIC_WRAPPERS):
            continue
        if isinstance(part, int):
            if isinstance(raw, list):
                raw = raw[part] if 0 <= part < len(raw) else None
                out.append(part)
            elif isinstance(raw, dict) and isinstance(raw.get("value"), list):  # {value: [..], sources: [..]}
                values = raw["value"]
                raw = values[part] if 0 <= part < len(values) else None
                out += ["value", part]
            # else: one value read as a list of one: no index to show
        elif part == "value" and not isinstance(raw, dict):
            continue  # a bare value read as {value: ...}
        else:
            raw = raw.get(part) if isinstance(raw, dict) else None
            out.append(part)
    return out


def _record_name(data: Any, index: int | None) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("id"), str | int):
        return str(data["id"])
    if isinstance(data, dict) and isinstance(data.get("iso3"), str):
        return str(data["iso3"])
    return None if index is None else f"#{index + 1}"


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "too_short":
        return f"needs at least {err.get('ctx', {}).get('min_length', 1)} item(s), and has none" \
            if not err.get("input") else f"needs at least {err.get('ctx', {}).get('min_length', 1)} items"
    message = str(err["msg"])
    for prefix in PREFIXES:
        message = message.removeprefix(prefix)
    given = err.get("input")
    if err["type"].startswith("date_") and isinstance(given, str):
        return f"{given!r} is not a valid date ({err.get('ctx', {}).get('error', 'write it YYYY-MM-DD')})"
    if err["type"] in TYPE_ERRORS and isinstance(given, bool | int | float | str) and len(str(given)) <= 40:
        message += f", not {_yaml_text(given)}"
    return message


#: pydantic's error types for a value of the wrong kind, where saying what was given helps.
TYPE_ERRORS = {"int_type", "int_parsing", "float_type", "float_parsing", "bool_type", "bool_parsing", "string_type",
               "literal_error", "date_type", "date_from_datetime_parsing", "int_from_float", "finite_number"}


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def parse_record(model: type[BaseModel], data: Any, file: Path, index: int | None = None) -> Any:
    """Validate one record; every problem becomes a RecordError naming file, record and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        name = _record_name(data, index)
        errors = [{**e, "loc": tuple(_as_written(e["loc"], data))} for e in exc.errors(include_url=False)]
        raise RecordErrors(_dedupe(_errors(errors, str(file), name))) from None


def _errors(errors: list[Any], file: str, record: str | None) -> list[RecordError]:
    """The record errors of one validation: a misspelt field (unknown) beside the field it was meant to be
    (missing) is one error, with a suggestion; an unknown field is never also reported as a missing one."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    missing = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "missing" and e["loc"]}
    meant: dict[int, str] = {}
    for i, err in enumerate(unknown):
        parent = tuple(err["loc"][:-1])
        names = [name for p, name in missing if p == parent]
        close = difflib.get_close_matches(str(err["loc"][-1]), names, n=1, cutoff=0.6)
        if close:
            meant[i] = close[0]
            missing.discard((parent, close[0]))
    out = []
    for err in errors:
        loc = err["loc"]
        if err["type"] == "missing" and loc and (tuple(loc[:-1]), str(loc[-1])) not in missing:
            continue
        message = _message(err)
        if err["type"] == "extra_forbidden":
            i = next(j for j, e in enumerate(unknown) if e is err)
            if i in meant:
                message += f" (did you mean {meant[i]!r}?)"
        out.append(RecordError(file, record, _field_path(loc) or None, message))
    return out


def _dedupe(errors: list[RecordError]) -> list[RecordError]:
    seen: dict[str, RecordError] = {}
    for err in errors:
        seen.setdefault(str(err), err)
    return list(seen.values())


Reader = Callable[[Path], Any]


def _read(read: Reader, path: Path, errors: list[RecordError]) -> Any:
    """The parsed YAML of `path`, or None with its errors added to `errors`."""
    try:
        return read(path)
    except RecordError as err:
        errors.append(err)
    except RecordErrors as exc:
        errors.extend(exc.errors)
    return None


def _parse_list(model: type[BaseModel], path: Path, errors: list[RecordError], read: Reader = read_yaml) -> list[Any]:
    before = len(errors)
    data = _read(read, path, errors)
    if len(errors) > before:
        return []
    if not isinstance(data, list):
        errors.append(RecordError(str(path), None, None, "expected a list of records (each starting with '- ')"))
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
    files = record_files(root)
    errors: list[RecordError] = []
    ds = _load_reference(root, errors, read, files.memberships)
    for rel in files.editions:
        path = root / rel
        edition = _collect(errors, lambda p=path: parse_record(Edition, read(p), p))
        if edition is not None:
            ds.editions.append(edition)
            ds.edition_files[edition.id] = path
    if not errors:
        errors.extend(check_references(ds))
        errors.extend(check_edition_links(ds, {ed.id for ed in ds.editions}))
    if errors:
        raise RecordErrors(errors)
    return ds


def load_reference(root: Path, read: Reader = read_yaml) -> Dataset:
    """Every record but the editions, checked: what converting and checking one edition needs."""
    root = Path(root)
    errors: list[RecordError] = []
    ds = _load_reference(root, errors, read, record_files(root).memberships)
    if not errors:
        errors.extend(check_references(ds))
    if errors:
        raise RecordErrors(errors)
    return ds


def _load_reference(root: Path, errors: list[RecordError], read: Reader, memberships: dict[str, str]) -> Dataset:
    ds = Dataset(root=root)
    ref = root / "reference"
    ds.countries = _parse_list(Country, ref / "countries.yaml", errors, read)
    ds.organisations = _parse_list(Organisation, ref / "organisations.yaml", errors, read)
    ds.places = _parse_list(Place, ref / "places.yaml", errors, read)
    ds.sources = _parse_list(Source, root / "sources.yaml", errors, read)
    ds.people = _parse_list(Person, root / "people.yaml", errors, read)
    _load_schemes(ds, ref / "concepts.yaml", errors, read)
    _load_programmes(ds, root / "programmes.yaml", errors, read)
    for organisation, rel in sorted(memberships.items()):
        ds.memberships[organisation] = _parse_list(MemberState, root / rel, errors, read)
    return ds


def _load_schemes(ds: Dataset, path: Path, errors: list[RecordError], read: Reader) -> None:
    before = len(errors)
    data = _read(read, path, errors)
    if len(errors) > before:
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
