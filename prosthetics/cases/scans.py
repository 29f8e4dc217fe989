"""Scans in a case: each added once, stored read-only under a neutral name with its sha256.

A textured OBJ comes with its companions: the material files (MTL) its ``mtllib`` lines
name and the texture images those name (``map_Kd`` and the like).  They are stored beside
it under neutral names too (``S02.mtl``, ``S02-t1.png``), each with its sha256 and the name
the OBJ or MTL gives it, in the scan's ``companions`` list.  A USD or E57 scan is one file
(a .usda/.usdc/.usd that refers to other files is refused: export a .usdz).

Unless told not to, :func:`add_scan` also cleans, aligns and measures the limb with the
default settings (the design layer's :class:`~prosthetics.design.session.DesignSession`)
for the case's trends.  The folder, its index and its lock are
:mod:`prosthetics.cases.store`'s.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath

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
from prosthetics.errors import N_, CaseError
from prosthetics.fileio import atomic_write_bytes
from prosthetics.scan.formats import USD_SUFFIXES, usd_external_files

_SCAN_SUFFIXES = (".ply", ".obj", ".stl", ".glb", ".gltf", ".off", ".xyz", ".txt", ".pts",
                  ".usdz", ".usda", ".usdc", ".usd", ".e57")

#: OBJ lines naming material files, and MTL statements naming a texture (its file name is
#: the last word, after any options such as ``-s 1 1 1``).
_MTLLIB_RE = re.compile(rb"^[ \t]*mtllib[ \t]+([^\r\n]*?)[ \t]*\r?$", re.MULTILINE)
_TEXTURE_RE = re.compile(rb"^[ \t]*(map_[A-Za-z]+|bump|disp|decal|refl|norm)[ \t]+"
                         rb"([^\r\n]*?)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)


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
        raise CaseError.of(N_("scan file %(path)s does not exist; check the path"),
                           path=repr(str(src)))
    suffix = src.suffix.lower()
    if suffix not in _SCAN_SUFFIXES:
        raise CaseError.of(N_("scan %(name)s: unknown file type %(suffix)s; use one of "
                              "%(suffixes)s"), name=src.name, suffix=repr(suffix),
                           suffixes=', '.join(_SCAN_SUFFIXES))
    data = src.read_bytes()
    if suffix == ".gltf":
        _check_self_contained_gltf(data, src.name)
    if suffix in USD_SUFFIXES and suffix != ".usdz":
        _check_self_contained_usd(src)
    companions = _obj_companions(src, data) if suffix == ".obj" else []
    sha = hashlib.sha256(data).hexdigest()
    _check_new_scan(case, sha)
    personal = personal_values(case.personal())
    leak = find_personal(data, personal)
    if leak:
        raise CaseError.of(N_("the scan file holds a personal field of the patient (%(field)s) "
                              "in its bytes (a header or comment); export it again without it"),
                           field=repr(leak))
    for name, _path, blob, _material in companions:
        leak = find_personal(name.encode("utf-8") + b"\n" + blob, personal)
        if leak:
            raise CaseError.of(N_("the scan's companion file %(name)s holds a personal field "
                                  "of the patient (%(field)s) in its name or bytes; export it "
                                  "again without it"), name=name, field=repr(leak))
    measurements = None
    if measure:
        measurements = _measure_scan(src, units)
    with locked(case):
        case.data = open_case(case.path).data    # another writer may have added one
        _check_new_scan(case, sha)
        sid = f"S{len(case.scans) + 1:02d}"
        rel = f"scans/{sid}{suffix}"
        stored = _companion_names(sid, companions)
        # Companions first, the scan last: a save stopped half way leaves only files that
        # verify reports as not in the index.
        files = [(r, c[2]) for r, c in zip(stored, companions)] + [(rel, data)]
        for name, blob in files:
            dest = case.path / name
            if dest.exists():                  # left by a save that was interrupted
                os.chmod(dest, 0o644)
                dest.unlink()
            atomic_write_bytes(dest, blob, mode=0o444, what="scan")
        checkpoint("scan-written")
        entry = {"id": sid, "file": rel, "sha256": sha, "bytes": len(data),
                 "added_utc": utc_now(), "captured_on": captured_on, "units": units,
                 "note": note, "measurements": measurements}
        if companions:
            entry["companions"] = [
                {"file": r, "name": c[0], "sha256": hashlib.sha256(c[2]).hexdigest(),
                 "bytes": len(c[2])} for r, c in zip(stored, companions)]
        case.scans.append(entry)
        commit_index(case)
    return entry


def _check_new_scan(case: Case, sha: str) -> None:
    for s in case.scans:
        if s["sha256"] == sha:
            raise CaseError.of(N_("this scan is already in the case as %(scan)s"), scan=s['id'])


def _check_self_contained_gltf(data: bytes, name: str) -> None:
    """A .gltf whose buffers live in other files cannot be stored as one scan file."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return          # the loader gives the error when the scan is designed
    uris = [b.get("uri", "") for b in (doc.get("buffers") or []) + (doc.get("images") or [])
            if isinstance(b, dict)]
    if any(u and not u.startswith("data:") for u in uris):
        raise CaseError.of(N_("scan %(name)s keeps its data in other files (%(file)s); export "
                              "it as one .glb file and add that"), name=name, file=repr(uris[0]))


def _check_self_contained_usd(src: Path) -> None:
    """A .usda/.usdc/.usd that takes layers or assets from other files is not one scan."""
    others = usd_external_files(src)
    if others:
        raise CaseError.of(N_("scan %(name)s takes part of its data from other files "
                              "(%(file)s); export it as one .usdz file and add that"),
                           name=src.name, file=repr(others[0]))


def _reference(folder: Path, ref: str, what: str, named_by: str, root: Path) -> Path:
    """The file ``ref`` names, relative to ``folder``: present, and inside ``root`` (the
    OBJ's folder), so that no other file of the computer can be carried into the case."""
    clean = ref.strip().strip('"').replace("\\", "/")
    rel = PurePosixPath(clean)
    path = folder.joinpath(*rel.parts)
    if not clean or rel.is_absolute() or ".." in rel.parts or re.match(r"^[A-Za-z]:", clean) \
            or (path.exists() and not path.resolve().is_relative_to(root.resolve())):
        raise CaseError.of(N_("%(owner)s names its %(what)s %(file)s outside its own folder; "
                              "keep the OBJ, its MTL and textures in one folder and add it "
                              "again"), owner=named_by, what=what, file=repr(ref))
    if not path.is_file():
        raise CaseError.of(N_("%(owner)s names the %(what)s %(file)s, which is missing (looked "
                              "for %(looked)s); put it beside %(owner)s or export the scan "
                              "again"), owner=named_by, what=what, file=repr(clean), looked=path)
    return path


def _names_in(line: bytes, folder: Path) -> list[str]:
    """File names on an ``mtllib`` line: the whole line when such a file exists (a name with
    spaces), else its words."""
    text = line.decode("utf-8", errors="replace").strip()
    if (folder / text.replace("\\", "/")).is_file():
        return [text]
    return text.split()


def _obj_companions(src: Path, data: bytes) -> list[tuple[str, Path, bytes, bool]]:
    """The MTL files an OBJ names and the textures those name: (name as written, path,
    bytes, is a material file), each file once, in the order named.

    Raises
    ------
    CaseError
        One of them is missing (naming it and where it was looked for) or lies outside the
        OBJ's folder.
    """
    out: list[tuple[str, Path, bytes, bool]] = []
    seen: set[Path] = set()

    def add(name: str, path: Path, material: bool) -> bytes:
        blob = path.read_bytes()
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append((name, path, blob, material))
        return blob

    for m in _MTLLIB_RE.finditer(data):
        for lib in _names_in(m.group(1), src.parent):
            mtl = _reference(src.parent, lib, "material file", src.name, src.parent)
            blob = add(lib, mtl, True)
            for t in _TEXTURE_RE.finditer(blob):
                words = t.group(2).decode("utf-8", errors="replace").split()
                if not words:
                    continue
                tex = words[-1]
                add(tex, _reference(mtl.parent, tex, f"texture ({t.group(1).decode()})",
                                    mtl.name, src.parent), False)
    return out


def _companion_names(sid: str, companions: list[tuple[str, Path, bytes, bool]]) -> list[str]:
    """Neutral names in scans/ for a scan's companions: ``S02.mtl`` (then ``S02-m2.mtl``...)
    for material files, ``S02-t1.png``... for textures (the names given often carry the
    patient's name, as the scan's own does)."""
    names, n_mtl, n_tex = [], 0, 0
    for name, _path, _blob, material in companions:
        ext = re.sub(r"[^a-z0-9]", "", PurePosixPath(name).suffix.lower())[:8]
        ext = f".{ext}" if ext else ""
        if material:
            n_mtl += 1
            names.append(f"scans/{sid}{'' if n_mtl == 1 else f'-m{n_mtl}'}.mtl")
        else:
            n_tex += 1
            names.append(f"scans/{sid}-t{n_tex}{ext}")
    return names


def _measure_scan(path: Path, units: str | None) -> dict:
    """Clean, align and measure a scan with the default settings (as report.json has it)."""
    session = DesignSession(path, units=units)
    session.update(until="measure")
    m = session.results["measure"].as_dict()
    m["source"] = "measured when added (default cleaning and alignment)"
    return m


__all__ = ["add_scan"]
