"""The whole pipeline: records → RDF → validation → inference → exports and the embedded store.

`build` is the one entry: a rebuild (`incremental`) where the build folder's cache allows it, else a clean
build (`clean`); both give the same files, byte for byte, and both write nothing on bad input. One build at a
time per build folder (`core.builds.build_lock`); what killed builds left beside it is removed first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.builds import build_folder, build_lock, remove_leftovers
from .clean import clean_build
from .incremental import update
from .outputs import BuildResult

__all__ = ["BuildResult", "build", "clean_build"]


def build(data_dir: Path, out_dir: Path, *, infer: bool = True, reference_shacl: bool = False,
          incremental: bool = True, wait: float = 0.0, notify: Callable[[str], None] | None = None) -> BuildResult:
    """Run the pipeline; raise RecordErrors or ValidationFailed (with nothing written) on bad input.

    `incremental`: where the build folder's cache allows it, redo only what the changed edition records touch
    (`incremental.py`; the same result as a clean build); False (`ksst build --clean`) reads nothing of the
    previous build. `reference_shacl`: validate with pyshacl itself instead of the compiled shapes (same
    results, slower; always a clean build). `wait`: seconds to wait for another build of the same folder to
    finish (then BuildBusy). `notify` hears the one line said when the previous build fails its check and is
    not reused."""
    data_dir, out_dir = Path(data_dir), build_folder(Path(out_dir))
    with build_lock(out_dir, wait):
        remove_leftovers(out_dir)
        distrusted: list[str] = []
        if incremental and not reference_shacl:
            result = update(data_dir, out_dir, infer=infer, notify=distrusted.append)
            if result is not None:
                return result
        if notify is not None:
            for line in distrusted:
                notify(line)
        return clean_build(data_dir, out_dir, infer=infer, reference_shacl=reference_shacl,
                           use_cache=incremental and not distrusted, notify=notify)
