"""Writing files so that a reader sees the old file or the new one, never half of one.

Every file and folder the package writes goes through here:

- :func:`atomic_write_bytes` / :func:`atomic_write_text` / :func:`write_json`: one file,
  through a uniquely named temporary file in the same folder (write, fsync, rename over
  the old file, fsync the folder);
- :class:`Staging`: a whole output folder, written into a temporary folder beside it
  and moved in only when everything succeeded (:meth:`Staging.publish`);
- :func:`swap_folder`: replace one folder by another in two renames.

A failure (a full disk, a folder that cannot be written) raises :class:`OutputError`
naming the path and what to do, and leaves no temporary file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prosthetics.errors import OutputError


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


def _cannot_write(dest: Path, exc: OSError, what: str) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write the {what} {str(dest)!r} ({reason}); free some space or "
                       f"choose a folder you can write to")


def atomic_write_with(path: str | os.PathLike, write: Callable[[Path], None], *,
                      mode: int | None = None, what: str = "file") -> Path:
    """Let ``write(tmp_path)`` write a temporary file beside ``path``, then rename it over.

    For writers that want a path (``mesh.export(path)``).  ``mode`` defaults to the old
    file's permissions, or 0o644 for a new file.
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
        raise _cannot_write(dest, exc, what) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    fsync_dir(dest.parent)
    return dest


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, mode: int | None = None,
                       what: str = "file") -> Path:
    """Write ``data`` to ``path`` atomically (see the module's docstring)."""
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data), mode=mode, what=what)


def atomic_write_text(path: str | os.PathLike, text: str, *, mode: int | None = None,
                      what: str = "file") -> Path:
    """Write UTF-8 ``text`` (with "\\n" line ends as given) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode, what=what)


def write_json(path: str | os.PathLike, obj: Any, *, mode: int | None = None,
               sort_keys: bool = True, what: str = "file") -> Path:
    """Write ``obj`` as indented JSON (UTF-8, a final newline) to ``path`` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n"
    return atomic_write_text(path, text, mode=mode, what=what)


def temp_dir_beside(dest: str | os.PathLike, *, option: str = "--out") -> Path:
    """A new, uniquely named folder beside ``dest`` (same file system, so a rename moves it)."""
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {str(dest.parent)!r} ({exc.strerror}); choose "
                          f"another {option} folder") from None


def swap_folder(staging: str | os.PathLike, final: str | os.PathLike) -> None:
    """Replace the folder ``final`` by ``staging``, so ``final`` is never half-written."""
    staging, final = Path(staging), Path(final)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


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
            raise OutputError(f"{option} {str(self.out)!r} is a file; give a folder")
        self.tmp = temp_dir_beside(self.out, option=option)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def publish(self) -> list[Path]:
        """Move every staged file into the output folder; returns their final paths."""
        try:
            fsync_tree(self.tmp)
            self.out.mkdir(exist_ok=True)
            moved = []
            for f in sorted(self.tmp.iterdir()):
                os.replace(f, self.out / f.name)
                moved.append(self.out / f.name)
        except OSError as exc:
            raise _cannot_write(self.out, exc, "output folder") from None
        fsync_dir(self.out)
        return moved
