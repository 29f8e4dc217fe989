"""Scans in a case: each added once, stored read-only under a neutral name with its sha256.

Unless told not to, :func:`add_scan` also cleans, aligns and measures the limb with the
default settings (the design layer's :class:`~prosthetics.design.session.DesignSession`)
for the case's trends.  The folder, its index and its lock are
:mod:`prosthetics.cases.store`'s.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from prosthetics.cases.ids import check_date, find_personal, personal_values
from prosthetics.cases.store import (
    Case,
    checkpoint,
    commit_index,
    locked,
    open_case,
    utc_now,
)
from prosthetics.design.session import DesignSession
from prosthetics.errors import CaseError
from prosthetics.fileio import atomic_write_bytes

_SCAN_SUFFIXES = (".ply", ".obj", ".stl", ".glb", ".gltf", ".off", ".xyz", ".txt", ".pts")


def add_scan(case: Case, scan_path: str | os.PathLike, *, units: str | None = None,
             measure: bool = True, note: str = "", captured_on: str | None = None) -> dict:
    """Copy a scan into the case (read-only, under a neutral name) and index it.

    The scan's bytes are stored exactly as received; only its name changes (``S01.ply``...),
    since file names from phones often carry the patient's name.  With ``measure`` the limb
    is cleaned, aligned and measured (volume, circumferences) for the trends.

    Returns
    -------
    dict
        The scan's entry in case.json.
    """
    src = Path(scan_path)
    if captured_on is not None:
        check_date(captured_on, "--date")
    if not src.is_file():
        raise CaseError(f"scan file {str(src)!r} does not exist; check the path")
    suffix = src.suffix.lower()
    if suffix not in _SCAN_SUFFIXES:
        raise CaseError(f"scan {src.name}: unknown file type {suffix!r}; use one of "
                        f"{', '.join(_SCAN_SUFFIXES)}")
    data = src.read_bytes()
    if suffix == ".gltf":
        _check_self_contained_gltf(data, src.name)
    sha = hashlib.sha256(data).hexdigest()
    _check_new_scan(case, sha)
    leak = find_personal(data, personal_values(case.personal()))
    if leak:
        raise CaseError(f"the scan file holds a personal field of the patient ({leak!r}) in "
                        f"its bytes (a header or comment); export it again without it")
    measurements = None
    if measure:
        measurements = _measure_scan(src, units)
    with locked(case):
        case.data = open_case(case.path).data    # another writer may have added one
        _check_new_scan(case, sha)
        sid = f"S{len(case.scans) + 1:02d}"
        rel = f"scans/{sid}{suffix}"
        dest = case.path / rel
        if dest.exists():                      # left by a save that was interrupted
            os.chmod(dest, 0o644)
            dest.unlink()
        atomic_write_bytes(dest, data, mode=0o444, what="scan")
        checkpoint("scan-written")
        entry = {"id": sid, "file": rel, "sha256": sha, "bytes": len(data),
                 "added_utc": utc_now(), "captured_on": captured_on, "units": units,
                 "note": note, "measurements": measurements}
        case.scans.append(entry)
        commit_index(case)
    return entry


def _check_new_scan(case: Case, sha: str) -> None:
    for s in case.scans:
        if s["sha256"] == sha:
            raise CaseError(f"this scan is already in the case as {s['id']}")


def _check_self_contained_gltf(data: bytes, name: str) -> None:
    """A .gltf whose buffers live in other files cannot be stored as one scan file."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return          # the loader gives the error when the scan is designed
    uris = [b.get("uri", "") for b in (doc.get("buffers") or []) + (doc.get("images") or [])
            if isinstance(b, dict)]
    if any(u and not u.startswith("data:") for u in uris):
        raise CaseError(f"scan {name} keeps its data in other files ({uris[0]!r}); export it "
                        f"as one .glb file and add that")


def _measure_scan(path: Path, units: str | None) -> dict:
    """Clean, align and measure a scan with the default settings (as report.json has it)."""
    session = DesignSession(path, units=units)
    session.update(until="measure")
    m = session.results["measure"].as_dict()
    m["source"] = "measured when added (default cleaning and alignment)"
    return m


__all__ = ["add_scan"]
