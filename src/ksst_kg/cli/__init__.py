"""The `ksst` command line: one click group, each command added here, all of them thin layers over the
public API of `ksst_kg` (`common.py` holds the options they share and the exit codes)."""

from __future__ import annotations

import click

from ..core.version import __version__
from .build import build_cmd, export_cmd, validate_cmd
from .common import Group
from .new import new_group
from .query import queries_cmd, query_cmd
from .site import site_cmd
from .store import load_cmd, serve_cmd


@click.group(cls=Group)
@click.version_option(__version__, prog_name="ksst")
def main() -> None:
    """Knowledge graph of Indonesia's KSST capacity-building programmes for Colombo Plan members."""


for command in (build_cmd, validate_cmd, export_cmd, query_cmd, queries_cmd, site_cmd, serve_cmd, load_cmd,
                new_group):
    main.add_command(command)

__all__ = ["main"]
