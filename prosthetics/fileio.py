"""Writing files so that a reader sees the old file or the new one, never half of one.

Every file and folder the package writes goes through here:

- :func:`atomic_write_bytes` / :func:`atomic_write_text` / :func:`write_json`: one file,
  through a uniquely named temporary file in the same folder (write, fsync, rename over
  the old file, fsync the folder);
- :class:`Staging`: a whole output folder, written into a temporary folder beside it
  and moved in only when everything succeeded (:meth:`Staging.publish`);
- :func:`rename_into_place`: a folder made beside its final name, moved there in one
  rename;
- :func:`swap_folder`: replace one folder by another in two renames.

A failure (a full disk, a folder that cannot be written) raises :class:`OutputError`
naming the path and what to do, and leaves no temporary file behind.

:func:`sha256_file` is the hash of a file's bytes that reports, cases and batches record.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prosthetics.errors import N_, OutputError


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename in ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(root: str | os.PathLike) -> None:
    """fsync every file under ``root`` and ``root`` itself (before renaming it into place)."""
    root = Path(root)
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(root)


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 (hex) of a file's bytes, read 1 MiB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: What a message about a file that cannot be written tells the user to do, unless the
#: caller knows better (an option to change, say).
DEFAULT_FIX = "free some space or choose a folder you can write to"


def _cannot_write(dest: Path, exc: OSError, what: str, fix: str = DEFAULT_FIX) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason += f": {_space(dest)}"
    values = {"what": what, "path": repr(str(dest)), "reason": reason}
    if fix == DEFAULT_FIX:
        return OutputError.of(N_("cannot write the %(what)s %(path)s (%(reason)s); free some "
                                 "space or choose a folder you can write to"), **values)
    if fix.startswith("choose another ") and " " not in fix[len("choose another "):]:
        return OutputError.of(N_("cannot write the %(what)s %(path)s (%(reason)s); choose "
                                 "another %(option)s"),
                              option=fix[len("choose another "):], **values)
    return OutputError.of(N_("cannot write the %(what)s %(path)s (%(reason)s); %(fix)s"),
                          fix=fix, **values)


def atomic_write_with(path: str | os.PathLike, write: Callable[[Path], None], *,
                      mode: int | None = None, what: str = "file",
                      fix: str = DEFAULT_FIX) -> Path:
    """Let ``write(tmp_path)`` write a temporary file beside ``path``, then rename it over.

    For writers that want a path (``mesh.export(path)``); every other writer here goes
    through this one.  The temporary name is unique (``.<name>.<random>.tmp``, made by
    ``mkstemp``), so two writers of the same file never share one.

    Parameters
    ----------
    path
        The file to write; its folder is made if needed.
    write
        Called once with the temporary file's path (an empty file, mode 0o600).
    mode
        Permissions of the written file; None keeps the old file's, or 0o644 for a new one.
    what, fix
        Name of the file and what to do, for the error message.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        The folder or the file cannot be written (a full disk, no permission); the old file
        is left as it was and no temporary file remains.
    """
    dest = Path(path)
    tmp: str | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        write(Path(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if mode is None:
            mode = (dest.stat().st_mode & 0o777) if dest.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
        tmp = None
    except OSError as exc:
        raise _cannot_write(dest, exc, what, fix) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    fsync_dir(dest.parent)
    return dest


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, mode: int | None = None,
                       what: str = "file", fix: str = DEFAULT_FIX) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write_with`)."""
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data), mode=mode, what=what,
                             fix=fix)


def atomic_write_text(path: str | os.PathLike, text: str, *, mode: int | None = None,
                      what: str = "file", fix: str = DEFAULT_FIX) -> Path:
    """Write UTF-8 ``text`` (with "\\n" line ends as given) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode, what=what, fix=fix)


def write_json(path: str | os.PathLike, obj: Any, *, mode: int | None = None,
               sort_keys: bool = True, what: str = "file", fix: str = DEFAULT_FIX) -> Path:
    """Write ``obj`` as indented JSON (UTF-8, a final newline) to ``path`` atomically.

    The bytes are ``json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False)``
    and a newline: case files are hashed, so this must not change.
    """
    text = json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n"
    return atomic_write_text(path, text, mode=mode, what=what, fix=fix)


def temp_dir_beside(dest: str | os.PathLike, *, option: str = "--out",
                    prefix: str | None = None) -> Path:
    """A new, uniquely named folder beside ``dest`` (same file system, so a rename moves it).

    Named ``prefix`` and a random tail; ``prefix`` defaults to ``.<dest's name>.tmp-``.
    ``option`` names what the user changes when the folder cannot be made.
    """
    dest = Path(dest)
    if prefix is None:
        prefix = f".{dest.name}.tmp-"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=dest.parent))
    except OSError as exc:
        raise OutputError.of(N_("cannot write to %(folder)s (%(reason)s); choose another "
                                "%(option)s folder"), folder=repr(str(dest.parent)),
                             reason=exc.strerror, option=option) from None


def rename_into_place(staging: str | os.PathLike, final: str | os.PathLike, *,
                      what: str = "folder") -> Path:
    """Rename the finished folder ``staging`` to ``final`` (which must not exist), durably.

    Every file under ``staging`` is synced first and the parent folder after, so after a
    crash the folder is either absent or complete.  Both must be in the same folder (or at
    least on the same file system).

    Raises
    ------
    OutputError
        The rename failed; ``staging`` is left for the caller to remove.
    """
    staging, final = Path(staging), Path(final)
    try:
        fsync_tree(staging)
        os.rename(staging, final)
    except OSError as exc:
        raise _cannot_write(final, exc, what) from None
    fsync_dir(final.parent)
    return final


def swap_folder(staging: str | os.PathLike, final: str | os.PathLike, *,
                what: str = "output folder") -> None:
    """Replace the folder ``final`` by ``staging``, so ``final`` is never half-written.

    Two renames: ``final`` aside, ``staging`` in.  When the second fails, the old folder
    is put back and :class:`OutputError` raised.
    """
    staging, final = Path(staging), Path(final)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    moved_aside = False
    try:
        if final.exists():
            os.replace(final, old)
            moved_aside = True
        os.replace(staging, final)
    except OSError as exc:
        if moved_aside:
            with contextlib.suppress(OSError):
                os.replace(old, final)
        raise _cannot_write(final, exc, what) from None
    fsync_dir(final.parent)
    shutil.rmtree(old, ignore_errors=True)


def _tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def _space(folder: Path, written_bytes: int = 0) -> str:
    """The space free on the disk holding ``folder`` and about what a run needs: twice what
    it had written when the disk filled, and 20 MB more (the reports)."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = f"{shutil.disk_usage(probe).free / 1e6:.0f} MB free"
    except OSError:
        free = "no space left"
    return f"{free}, about {2.0 * written_bytes / 1e6 + 20.0:.0f} MB needed"


def disk_full_error(folder: str | os.PathLike, written_bytes: int = 0) -> OutputError:
    """The one-line error of a full disk: the folder, the space free and the space needed
    (``written_bytes``: what the run had written when the disk filled)."""
    folder = Path(folder)
    space = _space(folder, written_bytes)
    free, _, needed = space.partition(", about ")
    values = {"folder": repr(str(folder)), "needed": needed.removesuffix(" needed"),
              "option": "--out"}
    if free.endswith(" MB free"):
        return OutputError.of(N_("the disk holding %(folder)s is full (%(free)s free, about "
                                 "%(needed)s needed); free some space there or pass another "
                                 "%(option)s"), free=free.removesuffix(" free"), **values)
    return OutputError.of(N_("the disk holding %(folder)s is full (no space left, about "
                             "%(needed)s needed); free some space there or pass another "
                             "%(option)s"), **values)


class Staging:
    """An output folder written in one piece.

    ::

        with Staging(out_dir) as st:
            (st.tmp / "a.stl").write_bytes(...)
            st.publish()            # moves every file into out_dir

    Files are written into a temporary folder beside ``out_dir``; :meth:`publish` moves
    them in (one rename each, after an fsync) and returns their final paths.  Leaving the
    block without publishing, or with an exception, removes the temporary folder: a failed
    run leaves nothing behind and the previous files in ``out_dir`` untouched.
    """

    def __init__(self, out_dir: str | os.PathLike, *, option: str = "--out"):
        self.out = Path(out_dir)
        if self.out.exists() and not self.out.is_dir():
            raise OutputError.of(N_("%(option)s %(path)s is a file; give a folder"),
                                 option=option, path=repr(str(self.out)))
        self.tmp = temp_dir_beside(self.out, option=option)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        written = _tree_bytes(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise disk_full_error(self.out, written) from None

    def publish(self) -> list[Path]:
        """Move every staged file into the output folder; returns their final paths.

        Raises
        ------
        OutputError
            A file cannot be moved in (a full disk, no permission).  The files moved in
            before it are taken back out, so ``out_dir`` holds its previous files as they
            were.
        """
        staged = sorted(self.tmp.iterdir())
        moved: list[Path] = []
        previous: Path | None = None
        try:
            fsync_tree(self.tmp)
            self.out.mkdir(exist_ok=True)
            previous = self._keep_previous(staged)
            for f in staged:
                os.replace(f, self.out / f.name)
                moved.append(self.out / f.name)
        except OSError as exc:
            self._put_back(moved, previous)
            raise _cannot_write(self.out, exc, "output folder") from None
        fsync_dir(self.out)
        return moved

    def _keep_previous(self, staged: list[Path]) -> Path:
        """A second name, inside the staging folder, for each file about to be replaced.

        A hard link costs no space and no copying; where the file system has none, a copy.
        Done before any file is replaced, so a failure here changes nothing.
        """
        keep = Path(tempfile.mkdtemp(prefix=".previous-", dir=self.tmp))
        for f in staged:
            old = self.out / f.name
            if old.is_file():
                try:
                    os.link(old, keep / f.name)
                except OSError:
                    shutil.copy2(old, keep / f.name)
        return keep

    def _put_back(self, moved: list[Path], previous: Path | None) -> None:
        """Undo a publish that failed part way: old files back, new ones out."""
        for path in moved:
            kept = previous / path.name if previous is not None else None
            with contextlib.suppress(OSError):
                if kept is not None and kept.exists():
                    os.replace(kept, path)
                else:
                    path.unlink()
