"""The progress bar of `ksst load`: one line on a terminal, redrawn as the load goes (a `LoadProgress`)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import IO


class Progress:
    """A one-line progress indicator on a terminal, shown only once a load has taken more than `delay`
    seconds; silent when the stream is not a terminal. `clock` is for tests, which need no waiting."""

    def __init__(self, stream: IO[str] | None = None, *, delay: float = 0.7, enabled: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.clock = clock
        self.total = 0
        self.done = 0
        self.label = ""
        self._start = clock()
        self._shown = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, total: int) -> None:
        self.total, self.done, self._start = total, 0, self.clock()
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._tick, name="ksst-progress", daemon=True)
            self._thread.start()

    def stage(self, label: str) -> None:
        with self._lock:
            self.label = label

    def advance(self, n: int) -> None:
        with self._lock:
            self.done += n
        self._render()

    def line(self) -> str:
        pct = (100 * self.done // self.total) if self.total else 100
        width = 24
        filled = width * pct // 100
        elapsed = self.clock() - self._start
        return (f"ksst load: [{'#' * filled}{'-' * (width - filled)}] {self.done:,}/{self.total:,} triples "
                f"({pct}%) {elapsed:.0f} s  {self.label}")

    def _render(self) -> None:
        if not self.enabled or self.clock() - self._start < self.delay:
            return
        with self._lock:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()
            self._shown = True

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._render()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._shown:
            self._render()
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
