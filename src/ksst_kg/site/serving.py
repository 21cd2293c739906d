"""The site of whatever build `ksst serve` serves: the `pages` object of its HTTP front.

`ksst serve` follows the build folder: a build published while it runs is served within a second. A site lives
inside the build it shows (`BUILD/site`), and a new build is published without one, so `BuildPages` answers
from the site of the build published now and writes that site where it is missing: as soon as the server
listens (`prepare`), and in the background when a newer build appears while it runs;
meanwhile pages are answered 503 with a page that reloads itself.

`/` is left to the server (its SPARQL query page): the site's home is `/index.html`. Every other path goes to
`SitePages` (negotiate.py). The writer is given by the caller (`ksst_kg.build_site`), so that answering pages
imports neither rdflib nor Jinja2; they are loaded the first time a site has to be written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ..core.builds import current
from .negotiate import PLAIN, Answer, SitePages
from .paths import MARKER, ONTOLOGY_FILES, SHAPES_FILES, SITE_DIR

RETRY_AFTER = 2  # seconds a browser waits before it asks again for a page whose site is being written
TRY_AGAIN = 60.0  # seconds after which a site that could not be written is tried again (the disk was full...)

WRITING_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>The site is being written</title></head>
<body><h1>The site is being written</h1>
<p>A new build was published; its pages are being written. This page reloads itself.</p></body></html>
"""


class BuildPages:
    """`respond(path, accept)` for the server's request threads (thread-safe); `prepare()` once it listens."""

    def __init__(self, out: Path, write: Callable[[Path], object],
                 notify: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """`out`: the build folder served; `write(out)`: writes the site of the build published there now
        (`ksst_kg.build_site`); `notify`: told, in one line, when a site is written or could not be."""
        self.out = Path(out)
        self._write = write
        self._notify = notify or (lambda _message: None)
        self._clock = clock
        self._lock = threading.Lock()
        self._writing: dict[Path, threading.Thread] = {}  # build folders whose site a thread is writing
        # build folders whose site could not be written: why, and when (tried again TRY_AGAIN seconds later)
        self._failed: dict[Path, tuple[str, float]] = {}

    def site_of(self, folder: Path) -> Path:
        return folder / SITE_DIR

    def has_site(self, folder: Path) -> bool:
        return (self.site_of(folder) / MARKER).is_file()

    @staticmethod
    def can_have_site(folder: Path) -> bool:
        """Whether the build ships the ontology and the shapes a site documents (every `ksst build` does; a
        store put together otherwise has no site, and its pages are the server's 404)."""
        return any(folder.glob(ONTOLOGY_FILES)) and any(folder.glob(SHAPES_FILES))

    def prepare(self, wait: bool = True) -> bool:
        """Write the site of the build published now where it has none (pages asked for meanwhile are answered
        503), waiting for it or not; whether the build has a site now, or one is being written."""
        folder = current(self.out)
        if folder is None or not self.can_have_site(folder):
            return False
        if self.has_site(folder):
            return True
        self._notify(f"{self.out} has no site yet; writing it, as `ksst site` does")
        thread = self._start(folder)
        if thread is not None and wait:
            thread.join()
        return self.has_site(folder) or (thread is not None and thread.is_alive())

    def respond(self, path: str, accept: str) -> Answer | None:
        if (urlsplit(path).path or "/") == "/":
            return None  # the server's own page at the root
        folder = current(self.out)
        if folder is None or not self.can_have_site(folder):
            return None
        if self.has_site(folder):
            return SitePages(self.site_of(folder)).respond(path, accept)
        self._start(folder)
        with self._lock:
            failed = self._failed.get(folder)
        if failed is not None:
            return 500, {"Content-Type": PLAIN}, (f"The site of this build could not be written: {failed[0]}\n"
                                                  .encode())
        return 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": str(RETRY_AFTER)}, WRITING_PAGE

    def _start(self, folder: Path) -> threading.Thread | None:
        """The thread writing the site of `folder`, started unless one is at work or one failed in the last
        TRY_AGAIN seconds (a failure is said once, not on every request, and a cause that passes is not kept
        until the server restarts)."""
        with self._lock:
            if folder in self._failed:
                if self._clock() - self._failed[folder][1] < TRY_AGAIN:
                    return None
                del self._failed[folder]
            thread = self._writing.get(folder)
            if thread is None:
                thread = self._writing[folder] = threading.Thread(
                    target=self._write_in_background, args=(folder,), name="ksst-site", daemon=True)
                thread.start()
            return thread

    def _write_in_background(self, folder: Path) -> None:
        try:
            self._write(self.out)
        except Exception as exc:  # reported to the client and the console; the server goes on
            with self._lock:
                self._failed[folder] = (str(exc) or type(exc).__name__, self._clock())
            self._notify(f"the site of the build could not be written: {exc}; run `ksst site` to see why")
        else:
            self._notify(f"wrote the site of the build published at {self.out}")
        finally:
            with self._lock:
                self._writing.pop(folder, None)
