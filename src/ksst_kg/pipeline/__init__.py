"""The whole pipeline: records → RDF → validation → inference → exports and the embedded store.

`build` is the one entry: a rebuild (`incremental`) where the build folder's cache allows it, else a clean
build (`clean`); both give the same files, byte for byte, and both write nothing on bad input.
"""

from __future__ import annotations

from pathlib import Path

from .clean import clean_build
from .incremental import update
from .outputs import BuildResult

__all__ = ["BuildResult", "build", "clean_build"]


def build(data_dir: Path, out_dir: Path, *, infer: bool = True, reference_shacl: bool = False,
          incremental: bool = True) -> BuildResult:
    """Run the pipeline; raise RecordErrors or ValidationFailed (with nothing written) on bad input.

    `incremental`: where the build folder's cache allows it, redo only what the changed edition records touch
    (`incremental.py`; the same result as a clean build). `reference_shacl`: validate with pyshacl itself
    instead of the compiled shapes (same results, slower; always a clean build)."""
    if incremental and not reference_shacl:
        result = update(Path(data_dir), Path(out_dir), infer=infer)
        if result is not None:
            return result
    return clean_build(Path(data_dir), Path(out_dir), infer=infer, reference_shacl=reference_shacl)
