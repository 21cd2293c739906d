"""Pause Python's cyclic garbage collector while a stage builds a million objects that form no cycles.

pyoxigraph terms and triples are tracked by the collector, so every few hundred thousand new ones trigger
a full collection that walks every object of the process again: 60% of convert's time at 1M triples, a
third of inference's. Reference counting still frees everything as usual; only cycles wait for the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the collector for the block (or decorated function); restore it only if it was enabled, so
    nested pauses work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
