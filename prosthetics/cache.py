"""A per-user cache of geometry that depends only on parameters and code.

A distal interface, an embossed label or an insole outline is the same solid every time it
is built from the same parameters by the same code; building it loads CadQuery and
OpenCascade (seconds) and tessellates the B-rep.  The tessellation is kept here, keyed by:

- the kind of thing (``"interface"``, ``"label"``, ...) and its parameters (any JSON);
- the bytes of the source files that build it (a changed builder is a new key, with no
  version number to forget to raise);
- the package's version and the versions of the libraries named by the caller.

Where: ``PROSTHETICS_CACHE_DIR`` if set (``off`` turns the cache off), else the user's
cache folder (``~/.cache/prosthetics`` on Linux).  An entry is one ``.npz`` of plain arrays
(read without pickle) holding its own key, written atomically.  The cache only ever saves
time: an entry that cannot be read, does not match its key or cannot be written is rebuilt
or skipped, and the design goes on as if there were no cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

#: Environment variable naming the cache folder; ``off`` (or ``0``) turns the cache off.
CACHE_ENV_VAR = "PROSTHETICS_CACHE_DIR"
#: Layout of an entry; raised when the entry format changes.
_SCHEMA = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env is not None:
        if env.strip().lower() in ("", "off", "0", "none"):
            return None
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("prosthetics", appauthor=False))


@lru_cache(maxsize=64)
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def entry_key(kind: str, params: Mapping[str, Any], *, sources: Iterable[str | os.PathLike] = (),
              libraries: Iterable[str] = ()) -> str:
    """The hex key of an entry: kind, parameters, source files' bytes and versions."""
    from prosthetics import __version__

    doc = {"schema": _SCHEMA, "kind": kind, "params": params, "package": __version__,
           "sources": {Path(s).name: _file_digest(str(Path(s).resolve())) for s in sources},
           "libraries": {d: _version(d) for d in sorted(libraries)}}
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _read(path: Path, key: str) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["__key__"]) != key:
                return None
            return {k: np.array(z[k]) for k in z.files if k != "__key__"}
    except Exception:  # noqa: BLE001
        # A damaged entry raises OSError, ValueError, KeyError, zipfile.BadZipFile...: any
        # of them means "not cached".
        return None


def _write(path: Path, key: str, arrays: Mapping[str, np.ndarray]) -> bool:
    from prosthetics.errors import OutputError
    from prosthetics.fileio import atomic_write_bytes

    buf = io.BytesIO()
    np.savez(buf, __key__=np.array(key), **{k: np.asarray(v) for k, v in arrays.items()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getvalue())
    except (OSError, OutputError):
        return False
    return True


def cached_arrays(kind: str, params: Mapping[str, Any],
                  build: Callable[[], Mapping[str, np.ndarray]], *,
                  sources: Iterable[str | os.PathLike] = (),
                  libraries: Iterable[str] = ()) -> tuple[dict[str, np.ndarray], bool]:
    """Arrays built by ``build()`` for these parameters, from the cache when there.

    Returns the arrays and whether they came from the cache.  ``build`` must return a
    mapping of names (not starting with ``__``) to numeric arrays.
    """
    folder = cache_dir()
    if folder is None:
        return dict(build()), False
    key = entry_key(kind, params, sources=sources, libraries=libraries)
    path = folder / kind / f"{key[:40]}.npz"
    if path.is_file():
        got = _read(path, key)
        if got is not None:
            return got, True
    arrays = {k: np.asarray(v) for k, v in build().items()}
    _write(path, key, arrays)
    return arrays, False


def cached_meshes(kind: str, params: Mapping[str, Any],
                  build: Callable[[], Mapping[str, Any]], *,
                  sources: Iterable[str | os.PathLike] = (),
                  libraries: Iterable[str] = ()) -> tuple[dict[str, Any], bool]:
    """Named triangle meshes (``trimesh.Trimesh``) built by ``build()``, cached as arrays.

    The meshes come back with the same vertices and faces, in the same order, as built.
    Returns the meshes and whether they came from the cache.
    """
    import trimesh

    def arrays() -> dict[str, np.ndarray]:
        out = {}
        for name, mesh in build().items():
            out[f"{name}.vertices"] = np.asarray(mesh.vertices, dtype=np.float64)
            out[f"{name}.faces"] = np.asarray(mesh.faces, dtype=np.int64)
        return out

    got, hit = cached_arrays(kind, params, arrays, sources=sources, libraries=libraries)
    names = sorted({k.rsplit(".", 1)[0] for k in got})
    return {n: trimesh.Trimesh(got[f"{n}.vertices"], got[f"{n}.faces"], process=False)
            for n in names}, hit


__all__ = ["CACHE_ENV_VAR", "cache_dir", "cached_arrays", "cached_meshes", "entry_key"]
