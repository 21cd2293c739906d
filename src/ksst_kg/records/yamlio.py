"""Reading one YAML record file: safe, with dates kept as text, every error naming the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..core.errors import RecordError


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML loader that keeps dates as text, so an impossible date is reported with its field."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error names the file and the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), None, None, f"cannot read: {exc.strerror}") from exc
    return parse_yaml(data, path)


def parse_yaml(data: bytes | None, path: Path) -> Any:
    """Parse the bytes of the YAML file `path` (None: the file is missing); errors name the file and line."""
    if data is None:
        raise RecordError(str(path), None, None, "cannot read: No such file or directory")
    try:
        return yaml.load(data.decode("utf-8"), Loader=_Loader)
    except UnicodeDecodeError as exc:
        raise RecordError(str(path), None, None, f"cannot read: not UTF-8 ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RecordError(str(path), None, None, f"malformed YAML{where}: {problem}") from exc
