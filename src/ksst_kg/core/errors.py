"""Every error the package raises on purpose, in one hierarchy; each kind carries the exit code of `ksst`.

Errors are data: a record error names the file, the record and the field; a failed validation carries its
violations; a store error keeps the HTTP status. The command line prints the message and exits with
`exit_code`; anything that is not a `KsstError` is a bug and exits `ExitCode.UNEXPECTED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """The exit status of `ksst`, by kind of failure (documented in the README)."""

    OK = 0
    DATA = 1  # the data or a query is wrong: record errors, SHACL or QC violations, a query that cannot run
    USAGE = 2  # the command line itself (click's own code for a usage error)
    STORE = 3  # a store or endpoint failed: unreachable, refused, timed out, rejected the credentials
    UNEXPECTED = 4  # a bug: the traceback goes to a log file
    BUSY = 5  # another build of the same folder is running (and --wait, if given, ran out)


class KsstError(Exception):
    """Base of the errors the command line turns into a message and an exit code."""

    exit_code: ClassVar[ExitCode] = ExitCode.DATA


# --- the data or a query is wrong (exit 1) ---------------------------------------------------------------


class DataError(KsstError):
    """The input is wrong: records, the graph made from them, or a query."""

    exit_code = ExitCode.DATA


class RecordError(DataError):
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


class RecordErrors(DataError):
    """Several record errors at once, so a curator sees every problem in one run."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result or QC row, in the terms a curator needs."""

    focus: str
    path: str
    message: str
    shape: str = ""
    component: str = ""
    severity: str = "Violation"
    value: str = ""
    file: str = ""

    def __str__(self) -> str:
        where = f" [{self.file}]" if self.file else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{path}: {self.message}{value}{where}"


class ValidationFailed(DataError):
    """SHACL or QC validation found violations; they are kept, sorted, and the message lists them."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = sorted(violations)
        super().__init__("\n".join(str(v) for v in self.violations))


class NoBuild(DataError):
    """There is no build where one was expected: run `ksst build` first."""


class QueryError(DataError):
    """A query that cannot be run: unknown name, missing or unknown parameter, syntax error."""


class QueryLimit(QueryError):
    """A query refused or stopped by a limit: too long, nested too deeply, a SERVICE not allowed, or more time
    or memory than it may take."""


# --- the command line was used wrongly (exit 2, as click's own usage errors) -------------------------------


class UsageError(KsstError):
    """Options that click accepts one by one but that do not go together, or a value of the wrong form."""

    exit_code = ExitCode.USAGE


# --- another build holds the build folder (exit 5) ----------------------------------------------------------


class BuildBusy(KsstError):
    """Another `ksst build` of the same folder holds its lock; the message names its process."""

    exit_code = ExitCode.BUSY


# --- a store or endpoint failed (exit 3) ---------------------------------------------------------------------


class RemoteError(KsstError):
    """A request to a SPARQL store failed; the message is one line saying what to check."""

    exit_code = ExitCode.STORE

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, where the store answered


class StoreUnreachable(RemoteError):
    """Nothing answers at the URL's host and port (connection refused, unknown host, reset)."""


class EndpointNotFound(RemoteError):
    """The server answers, but not at this path (HTTP 404)."""


class AuthenticationFailed(RemoteError):
    """HTTP 401 or 403: credentials missing, wrong, or without the right to do this."""


class StoreTimeout(RemoteError):
    """The store did not answer in time."""


class BadRequest(RemoteError):
    """HTTP 400: the store rejected the query or update as wrong (exit 1: the query or data is at fault)."""

    exit_code = ExitCode.DATA


class StoreError(RemoteError):
    """Any other failure answer, or an answer that is not what the protocol says."""


class GraphStoreUnavailable(RemoteError):
    """The Graph Store Protocol URL does not take a PUT (404, 405, 415, 501): fall back to SPARQL Update."""


class ServeError(RemoteError):
    """The server could not be started or stopped; the message says what to check."""
