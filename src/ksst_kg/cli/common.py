"""What every `ksst` command shares: its options, and one way of failing.

A `KsstError` is printed as one message after the command's name and exits with the error's own code (1 the
data or a query is wrong, 3 a store failed, 2 usage); click's usage errors exit 2 as click makes them; any
other exception is a bug: its traceback goes to a log file and the user gets one line naming that file and
exit code 4.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ..core.errors import ExitCode, KsstError

DEFAULT_OUT = Path("build")
F = TypeVar("F", bound=Callable[..., Any])


def fail(command: str, message: str, code: int = ExitCode.DATA) -> NoReturn:
    """Print `ksst COMMAND: message` on standard error and exit with `code`."""
    click.echo(f"ksst {command}: {message}", err=True)
    sys.exit(int(code))


def fail_with(command: str, exc: KsstError, message: str | None = None) -> NoReturn:
    """Fail with the error's own exit code; `message` replaces the error's text where the command says more."""
    fail(command, message if message is not None else str(exc), exc.exit_code)


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error to a new log file; its path."""
    with tempfile.NamedTemporaryFile("w", prefix="ksst-error-", suffix=".log", delete=False,
                                     encoding="utf-8") as handle:
        handle.write("".join(traceback.format_exception(exc)))
    return Path(handle.name)


class Group(click.Group):
    """The `ksst` group: errors that escape a command become the exit codes above, never a bare traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KsstError as exc:
            name = ctx.invoked_subcommand or "ksst"
            fail_with(name, exc)
        except Exception as exc:
            log = crash_log(exc)
            name = ctx.invoked_subcommand or "ksst"
            fail(name, f"unexpected error ({type(exc).__name__}: {exc}); this is a bug, the traceback is in {log}",
                 ExitCode.UNEXPECTED)


def data_option(f: F) -> F:
    return click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                        help="Folder of curated records (default: ./data).")(f)


def out_option(f: F, help_text: str = "Build folder.") -> F:
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                        default=DEFAULT_OUT, show_default=True, help=help_text)(f)


def credential_options(f: F) -> F:
    """--user, --password and --auth, for commands that talk to a store."""
    f = click.option("--auth", type=click.Choice(["auto", "basic", "digest"]), default="auto", show_default=True,
                     help="HTTP authentication: auto answers the store's challenge (basic or digest), basic sends "
                          "the password with every request, digest answers digest challenges only.")(f)
    f = click.option("--password", default=None, envvar="KSST_ENDPOINT_PASSWORD",
                     help="Password (or $KSST_ENDPOINT_PASSWORD; asked for if --user is given without it).")(f)
    return click.option("--user", default=None, envvar="KSST_ENDPOINT_USER",
                        help="User name (or $KSST_ENDPOINT_USER).")(f)


def ask_password(user: str) -> str:
    """The password for --user, asked on the terminal."""
    return str(click.prompt(f"Password for {user}", hide_input=True, err=True))
