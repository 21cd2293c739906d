"""A build folder on disk: complete builds behind one pointer, one builder at a time, readers that never see a
build change or vanish under them.

`build` (what `--out` names) is a symbolic link to a sibling folder `.build.v-<stamp>-<id>` holding one
complete build, which is never changed once published. A build is made in `.build.build-<random>`, renamed
`.build.v-…` when every step has passed, and published by renaming a new link over `build`: rename(2)
replaces the link in one step, so a reader finds the old build or the new one, never none and never a mix.
(A `build` that is still a plain folder, from an older version or copied by hand, is swapped for the link
with Linux's `renameat2(RENAME_EXCHANGE)`, atomic too; elsewhere that first swap is two renames.)

Locks, all `flock(2)`, so that the kernel drops them when a process dies:

* builders: `.build.lock` beside the folder, held for the whole build; a second build waits for it as long
  as it was told to, then fails with `BuildBusy`. The file is removed when the build ends.
* readers (`ksst query`, `ksst serve`, `ksst load`): a shared lock on the version folder they read, taken
  through `reading()`. A builder removes an old version only when it can lock it exclusively, so a query or a
  server that opened a build keeps reading it whole; a version still in use is removed by a later build.

Leftovers of killed builds (`.build.build-*`, `.build.old-*`, `.build.link-*`) and versions no reader
holds are removed by the next build, under the builder's lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import BuildBusy, NoBuild, UsageError
from .files import rename_exchange

POLL = 0.1  # seconds between two tries of a busy lock
RETRIES = 50  # tries of a lock whose file or folder was replaced under us (each is a rare race)


def lock_path(out: Path) -> Path:
    """The builders' lock file: `.NAME.lock` beside the build folder NAME."""
    return out.parent / f".{out.name}.lock"


def _sibling(out: Path, kind: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return out.parent / f".{out.name}.{kind}-{stamp}-{secrets.token_hex(4)}"


def _ours(out: Path) -> re.Pattern[str]:
    """The names of the folders and links this module makes beside `out`."""
    return re.compile(rf"\.{re.escape(out.name)}\.(?:build|old|link|v)-[A-Za-z0-9_-]+")


def is_pointer(out: Path) -> bool:
    """Whether `out` is a link this module made: to a version folder beside it."""
    if not out.is_symlink():
        return False
    target = os.readlink(out)
    return "/" not in target and target.startswith(f".{out.name}.v-")


def build_folder(out: Path) -> Path:
    """The path the builds of `out` are published at: `out` itself, or, where `out` is a link of the user's own
    (to a folder elsewhere), the folder it leads to, so that the builds go beside that folder. UsageError where
    it is a file."""
    out = Path(out)
    if out.is_symlink() and not is_pointer(out):
        out = Path(os.path.realpath(out))
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file, not a build folder; remove it or pass another --out")
    return out


def current(out: Path) -> Path | None:
    """The folder that holds the build published at `out` now (None where there is none)."""
    real = Path(os.path.realpath(out))
    return real if real.is_dir() else None


# --- builders ---------------------------------------------------------------------------------------------------


def _holder(fd: int) -> str:
    """The process id the lock's holder wrote into the file ("" where it has not yet)."""
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def build_lock(out: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the builders' lock of `out` for the duration; wait for it at most `wait` seconds, else BuildBusy.

    The lock file is removed on release; a process that opened the removed file notices (the path no longer
    names the file it locked) and tries again."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait, 0.0)
    for _ in range(RETRIES + int(wait / POLL) + 1):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BuildBusy(_busy_message(out, holder, wait)) from None
            time.sleep(min(POLL, left))
            continue
        if not _same_file(fd, path):
            os.close(fd)
            continue
        break
    else:
        raise BuildBusy(_busy_message(out, "", wait))
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _busy_message(out: Path, holder: str, wait: float) -> str:
    who = f" (process {holder})" if holder.isdigit() else ""
    waited = f"waited {wait:g} s; " if wait > 0 else ""
    return (f"another build of {out} is running{who}; {waited}let it finish, or pass --wait SECONDS to wait "
            f"for it")


def new_build_dir(out: Path) -> Path:
    """A fresh folder beside `out` to make a build in (removed by the caller, or by a later build if killed)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = _sibling(out, "build")
    path.mkdir()
    return path


def publish(tmp: Path, out: Path) -> None:
    """Make the finished build in `tmp` the build at `out`, in one rename; then remove the build it replaced,
    unless a reader holds it. `tmp` is gone afterwards, whether this succeeds or fails."""
    previous = current(out) if out.is_symlink() else None
    version = _sibling(out, "v")
    link = _sibling(out, "link")
    try:
        tmp.rename(version)
        os.symlink(version.name, link)
        if out.is_symlink() or not out.exists():
            os.replace(link, out)
        elif out.is_dir():
            previous = _exchange(link, out)
        else:
            raise UsageError(f"{out} is a file, not a build folder; remove it or pass another --out")
    except BaseException:
        with contextlib.suppress(OSError):
            link.unlink()
        shutil.rmtree(tmp if tmp.exists() else version, ignore_errors=True)
        raise
    _sync(out.parent)
    if previous is not None and previous != current(out):
        discard(previous, out)


def _exchange(link: Path, folder: Path) -> Path:
    """Put `link` where the plain folder `folder` is; the path the folder is at afterwards."""
    old = _sibling(folder, "old")
    if rename_exchange(link, folder):
        link.rename(old)  # `link` now names the old folder
        return old
    folder.rename(old)  # no atomic exchange here: two renames, only on the first build over a plain folder
    os.replace(link, folder)
    return old


def _sync(folder: Path) -> None:
    """Make a rename in `folder` durable (where the system allows opening a folder to sync it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def discard(path: Path, out: Path) -> bool:
    """Remove a version of `out`, or a leftover beside it, unless a reader holds it (then False: a later build
    will). It is renamed `.NAME.old-…` first, so that a reader that locks it afterwards finds its path gone and
    looks again, and a removal cut short is finished by the next build."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(OSError):
            path.unlink()
        return True
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        gone = path if path.name.startswith(f".{out.name}.old-") else _sibling(out, "old")
        if gone != path:
            try:
                path.rename(gone)
            except OSError:
                return False
    finally:
        os.close(fd)
    shutil.rmtree(gone, ignore_errors=True)
    return True


def remove_leftovers(out: Path) -> list[Path]:
    """Remove what killed builds left beside `out` and the versions no reader holds (call it holding the
    builders' lock); the paths removed."""
    if not out.parent.is_dir():
        return []
    pattern = _ours(out)
    keep = current(out)
    removed = []
    for path in sorted(out.parent.iterdir()):
        if keep is not None and path.name == keep.name:
            continue
        if pattern.fullmatch(path.name) and discard(path, out):
            removed.append(path)
    return removed


# --- readers ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def reading(out: Path) -> Iterator[Path]:
    """The folder of the build published at `out`, held (a shared lock) so that no build removes it while the
    caller reads it; NoBuild where there is no build folder."""
    for _ in range(RETRIES):
        real = Path(os.path.realpath(out))
        try:
            fd = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            if Path(out).is_symlink():  # a build is being published or removed this instant: look again
                time.sleep(0.01)
                continue
            raise NoBuild(f"no build at {out}; run `ksst build` first (or pass --out)") from None
        except NotADirectoryError:
            raise NoBuild(f"{out} is not a build folder; run `ksst build` first (or pass --out)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if _same_file(fd, real):
                yield real
                return
        finally:
            os.close(fd)
    raise NoBuild(f"the build at {out} kept changing while it was opened; try again")
