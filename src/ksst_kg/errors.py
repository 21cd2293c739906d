"""Errors that name what a user must fix: the file, the record and the field."""

from __future__ import annotations


class KsstError(Exception):
    """Base of the errors the command line turns into a message and a non-zero exit."""


class RecordError(KsstError):
    """A problem in a data file, located by file, record and field."""

    def __init__(self, file: str, record: str | None, field: str | None, message: str) -> None:
        self.file, self.record, self.field, self.message = file, record, field, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.record is not None:
            where.append(f"record {self.record!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class RecordErrors(KsstError):
    """Several record errors at once, so a curator sees every problem in one run."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ValidationFailed(KsstError):
    """SHACL or QC validation found violations; the message lists them."""
