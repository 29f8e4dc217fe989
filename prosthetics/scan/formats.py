"""Readers for the scan formats that say their own unit and frame: USD (.usdz/.usda/.usdc/.usd)
and E57.

Each reader returns a :class:`NativeScan`: the points in the file's own unit and world
coordinates, the rotation that turns its up axis to +Z, and the unit the file declares.
:func:`prosthetics.scan.loaders.load_scan` makes millimetres of it.

``pxr`` (usd-core) and ``pye57`` are imported inside the readers: each takes a noticeable
time to import, and only a USD or E57 scan needs it, so the command line stays fast.  Both
libraries may write to the process's stderr (USD's TF diagnostics, libE57's messages); the
readers run them with file descriptor 2 sent to a scratch file, so a command prints only
its own one-line errors.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prosthetics.errors import N_, ScanError

#: File endings of USD stages (a .usdz is a zip package that the stage opens directly).
USD_SUFFIXES = (".usdz", ".usda", ".usdc", ".usd")
E57_SUFFIXES = (".e57",)
#: Every file ending the scan loaders read (here, so that a file dialog need not import them).
SUPPORTED_SUFFIXES = (".ply", ".obj", ".stl", ".glb", ".gltf", ".off", ".xyz", ".txt", ".pts",
                      ".aop") + USD_SUFFIXES + E57_SUFFIXES

#: metersPerUnit a limb scan can sensibly have: 0.1 mm to 10 m per unit (the common ones are
#: 0.001, 0.01, 0.0254 and 1).  Anything else is a broken export, not a unit.
METERS_PER_UNIT_RANGE = (1e-4, 10.0)

#: The rotation that turns a Y-up frame into a Z-up one: (x, y, z) -> (x, -z, y), a right
#: angle about +X, so up stays up and the frame stays right-handed.
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

#: USD's fallback when a stage does not author metersPerUnit (centimetres; see
#: UsdGeomGetStageMetersPerUnit in the USD documentation).
USD_DEFAULT_METERS_PER_UNIT = 0.01

#: The error of a file the format's library cannot open (``kind``: USD, E57).
_READ_FAILED = N_("%(name)s could not be read as %(kind)s (%(reason)s); check the file is "
                  "complete and export it again")
#: The error of a file that opened but whose data cannot be read.
_DATA_FAILED = N_("%(name)s: its %(kind)s data could not be read (%(reason)s); check the file "
                  "is complete and export it again")


@dataclass(frozen=True, kw_only=True)
class NativeScan:
    """What a USD or E57 file holds, in its own unit and its world frame.

    Attributes
    ----------
    points : (n, 3) float64, file units
        World coordinates (every prim's transform or every scan's pose applied).
    faces : (m, 3) int64 or None
        Triangles (polygons fanned), None for points only.
    colors : (n, 3) uint8 or None
    meters_per_unit : float
        The unit the file declares (or its format's default).
    unit_source : str
        How the unit was decided, for the report ("USD metersPerUnit", "E57 specification").
    unit_declared : bool
        False when the file did not say its unit and the format's default was taken.
    axes : (3, 3) float64
        Rotation applied after the scale so that the file's up axis is +Z.
    notes : tuple of str
        What was read and done, for the report.
    """

    points: np.ndarray
    faces: np.ndarray | None = None
    colors: np.ndarray | None = None
    meters_per_unit: float = 1.0
    unit_source: str = ""
    unit_declared: bool = True
    axes: np.ndarray = field(default_factory=lambda: np.eye(3))
    notes: tuple[str, ...] = ()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to a scratch file for the duration (C++ libraries print there).

    ``sys.excepthook`` is held too: reading a damaged USD value, pxr reports a Python
    conversion failure through it (as if uncaught) before raising its own error, which a
    desktop application's hook would show as a crash.
    """
    hook = sys.excepthook
    sys.excepthook = lambda *exc_info: None
    with contextlib.suppress(ValueError, OSError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:          # no stderr at all (a windowed application): nothing to hide
        saved = None
    try:
        if saved is None:
            yield
            return
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(ValueError, OSError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        if saved is not None:
            os.close(saved)
        sys.excepthook = hook


def _first_reason(exc: BaseException, path: Path) -> str:
    """The gist of a library's exception, on one line (USD's quote the message in '...'),
    with the file named by its name only (folders often carry the patient's name)."""
    text = str(exc).strip()
    quoted = re.findall(r"'([^'\n]{3,})'\s*$", text, flags=re.MULTILINE)
    reason = quoted[0] if quoted else (text.splitlines()[0] if text else type(exc).__name__)
    for full in {str(path.resolve()), str(path.absolute()), str(path)}:
        reason = reason.replace(full, path.name)
    return " ".join(reason.split())[:120]


# --------------------------------------------------------------------------------------------
# USD
# --------------------------------------------------------------------------------------------


def fan_triangles(counts: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Triangulate polygons as fans from their first corner.

    Parameters
    ----------
    counts : (f,) int
        Corners per polygon (faceVertexCounts); polygons of fewer than 3 are skipped.
    indices : (sum(counts),) int
        Vertex index of every corner (faceVertexIndices).

    Returns
    -------
    (t, 3) int64
        Triangles, polygon by polygon, in the polygons' own winding.
    """
    counts = np.asarray(counts, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts
    n_tri = np.clip(counts - 2, 0, None)
    total = int(n_tri.sum())
    if total == 0:
        return np.zeros((0, 3), dtype=np.int64)
    first = np.repeat(starts, n_tri)
    # k = 1..count-2 within each polygon.
    k = np.arange(total) - np.repeat(np.cumsum(n_tri) - n_tri, n_tri) + 1
    corners = np.column_stack([first, first + k, first + k + 1])
    return indices[corners]


def _usd_colors(prim, UsdGeom, n: int, time) -> np.ndarray | None:
    """displayColor per point (vertex or varying interpolation), as bytes; else None."""
    pv = UsdGeom.PrimvarsAPI(prim).GetPrimvar("displayColor")
    if not pv or not pv.HasAuthoredValue():
        return None
    if pv.GetInterpolation() not in (UsdGeom.Tokens.vertex, UsdGeom.Tokens.varying):
        return None
    value = pv.ComputeFlattened(time)
    if value is None:
        return None
    c = np.asarray(value, dtype=np.float64).reshape(-1, 3)
    if len(c) != n or not np.isfinite(c).all():
        return None
    return np.rint(np.clip(c, 0.0, 1.0) * 255).astype(np.uint8)


def read_usd(path: Path) -> NativeScan:
    """Every visible UsdGeom.Mesh (else every UsdGeom.Points) of a USD stage, in world
    coordinates of the stage's unit.

    Each prim's local-to-world transform (UsdGeom.XformCache) is applied; polygons are
    fanned into triangles, wound counter-clockwise whatever the prim's ``orientation`` and
    the handedness of its transform.  The unit is the stage's ``metersPerUnit`` (0.01 when
    unset, as USD specifies); a Y-up stage is turned Z-up.

    Raises
    ------
    ScanError
        The file cannot be opened, holds no mesh or points, or declares an impossible unit.
    """
    from pxr import Tf, Usd, UsdGeom

    name = path.name
    with quiet_stderr(), Tf.DiagnosticTrap():
        try:
            stage = Usd.Stage.Open(str(path), Usd.Stage.LoadAll)
        except Exception as exc:      # Tf.ErrorException and its kin
            raise ScanError.of(_READ_FAILED, name=name, kind="USD",
                               reason=_first_reason(exc, path)) from None
        if stage is None:
            raise ScanError.of(N_("%(name)s could not be read as USD; check the file is "
                                  "complete and export it again"), name=name)
        try:
            return _read_stage(stage, name, Usd, UsdGeom)
        except ScanError:
            raise
        except Exception as exc:      # a layer that opened but whose data cannot be read
            raise ScanError.of(_DATA_FAILED, name=name, kind="USD",
                               reason=_first_reason(exc, path)) from None


def _read_stage(stage, name: str, Usd, UsdGeom) -> NativeScan:
    declared = bool(UsdGeom.StageHasAuthoredMetersPerUnit(stage))
    mpu = float(UsdGeom.GetStageMetersPerUnit(stage)) if declared \
        else USD_DEFAULT_METERS_PER_UNIT
    up = str(UsdGeom.GetStageUpAxis(stage)).upper()
    time = Usd.TimeCode.EarliestTime()     # a scan is still: its first (or only) sample
    cache = UsdGeom.XformCache(time)
    mesh_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []
    point_parts: list[tuple[np.ndarray, np.ndarray | None]] = []
    predicate = Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)
    for prim in Usd.PrimRange.Stage(stage, predicate):
        is_mesh, is_points = prim.IsA(UsdGeom.Mesh), prim.IsA(UsdGeom.Points)
        if not (is_mesh or is_points):
            continue
        img = UsdGeom.Imageable(prim)
        if img.ComputeVisibility(time) == UsdGeom.Tokens.invisible \
                or img.ComputePurpose() == UsdGeom.Tokens.guide:
            continue
        raw = UsdGeom.PointBased(prim).GetPointsAttr().Get(time)
        if raw is None or len(raw) == 0:
            continue
        local = np.asarray(raw, dtype=np.float64).reshape(-1, 3)
        m = np.asarray(cache.GetLocalToWorldTransform(prim), dtype=np.float64)
        # Gf matrices act on row vectors: world = [p, 1] @ M.
        world = local @ m[:3, :3] + m[3, :3]
        colors = _usd_colors(prim, UsdGeom, len(local), time)
        if is_points:
            point_parts.append((world, colors))
            continue
        mesh = UsdGeom.Mesh(prim)
        counts = np.asarray(mesh.GetFaceVertexCountsAttr().Get(time) or [], dtype=np.int64)
        idx = np.asarray(mesh.GetFaceVertexIndicesAttr().Get(time) or [], dtype=np.int64)
        if int(counts.sum()) != len(idx) or (counts < 0).any():
            raise ScanError.of(N_("%(name)s: mesh %(mesh)s has %(count)s face vertex indices "
                                  "but its face vertex counts add up to %(total)s; the export "
                                  "is corrupt, export the scan again"),
                               name=name, mesh=prim.GetPath(), count=len(idx),
                               total=int(counts.sum()))
        if len(idx) and (idx.min() < 0 or idx.max() >= len(local)):
            raise ScanError.of(N_("%(name)s: mesh %(mesh)s has faces that index missing "
                                  "vertices; export the scan again"),
                               name=name, mesh=prim.GetPath())
        tri = fan_triangles(counts, idx)
        left = mesh.GetOrientationAttr().Get(time) == UsdGeom.Tokens.leftHanded
        mirrored = np.linalg.det(m[:3, :3]) < 0
        if left != mirrored:
            tri = tri[:, ::-1]
        mesh_parts.append((world, tri, colors))

    notes = []
    if mesh_parts:
        offsets = np.cumsum([0] + [len(p[0]) for p in mesh_parts])[:-1]
        points = np.vstack([p[0] for p in mesh_parts])
        faces = np.vstack([p[1] + o for p, o in zip(mesh_parts, offsets)])
        cols = [p[2] for p in mesh_parts]
        what = f"{len(mesh_parts)} mesh(es), {len(faces)} triangles"
        if point_parts:
            notes.append(f"USD: {len(point_parts)} point set(s) beside the mesh ignored")
    elif point_parts:
        points, faces = np.vstack([p[0] for p in point_parts]), None
        cols = [p[1] for p in point_parts]
        what = f"{len(point_parts)} point set(s), {len(points)} points"
    else:
        raise ScanError.of(N_("%(name)s holds no mesh or points (no visible UsdGeom.Mesh or "
                              "UsdGeom.Points prim); export the scan as a mesh or point cloud"),
                           name=name)
    colors = np.vstack(cols) if all(c is not None for c in cols) else None

    if up == "Y":
        axes, axis_note = Y_UP_TO_Z_UP, "Y up, turned Z up ((x, y, z) -> (x, -z, y))"
    elif up == "Z":
        axes, axis_note = np.eye(3), "Z up, kept"
    else:
        raise ScanError.of(N_("%(name)s: the stage's upAxis is %(axis)s; USD allows only Y or "
                              "Z: fix the export"), name=name, axis=repr(up))
    unit_note = f"1 unit = {length_text(mpu)}" + ("" if declared else
                                                  " (metersPerUnit not set: USD's default)")
    notes.insert(0, f"USD stage: {axis_note}, {unit_note}; {what}")
    return NativeScan(points=points, faces=faces, colors=colors, meters_per_unit=mpu,
                      unit_source="USD metersPerUnit" if declared
                      else "USD default (metersPerUnit not set)",
                      unit_declared=declared, axes=axes, notes=tuple(notes))


def length_text(meters: float) -> str:
    """A metersPerUnit as words: "1 m", "1 cm", "1 inch" or "0.3048 m"."""
    for value, text in ((1.0, "1 m"), (0.01, "1 cm"), (0.001, "1 mm"), (0.0254, "1 inch")):
        if abs(meters - value) <= 1e-5 * value:
            return text
    return f"{meters:g} m"


def usd_external_files(path: Path) -> list[str]:
    """The other files a USD layer takes layers or assets (textures) from, as written; empty
    for a self-contained layer, and for a file USD cannot open (the loader says why)."""
    from pxr import Tf, UsdUtils

    with quiet_stderr(), Tf.DiagnosticTrap():
        try:
            layers, assets, unresolved = UsdUtils.ComputeAllDependencies(str(path))
        except Exception:             # Tf.ErrorException: the loader gives the error
            return []
    own = Path(path).resolve()
    others = [str(layer.realPath or layer.identifier) for layer in layers
              if Path(layer.realPath or layer.identifier).resolve() != own]
    return others + [str(a) for a in assets] + [str(u) for u in unresolved]


# --------------------------------------------------------------------------------------------
# E57
# --------------------------------------------------------------------------------------------


def _pose(header) -> tuple[np.ndarray, np.ndarray] | None:
    """(3, 3) rotation and (3,) translation of a scan's pose, read by field name; None when
    the scan has no pose (its points are already in the file's frame)."""
    node = header.node
    if not node.isDefined("pose"):
        return None
    pose = node["pose"]
    rot = np.eye(3)
    if pose.isDefined("rotation"):
        q = np.array([pose["rotation"][k].value() for k in ("w", "x", "y", "z")], dtype=float)
        norm = np.linalg.norm(q)
        if not np.isfinite(norm) or norm < 1e-9:
            raise ValueError("a scan's pose rotation is not a rotation (zero quaternion)")
        w, x, y, z = q / norm
        rot = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])
    shift = np.zeros(3)
    if pose.isDefined("translation"):
        shift = np.array([pose["translation"][k].value() for k in ("x", "y", "z")], dtype=float)
    return rot, shift


def _e57_colors(header, data: dict) -> np.ndarray | None:
    names = ("colorRed", "colorGreen", "colorBlue")
    if not all(k in data for k in names):
        return None
    c = np.column_stack([data[k] for k in names]).astype(np.float64)
    lo, hi = 0.0, 255.0
    node = header.node
    if node.isDefined("colorLimits"):
        lim = node["colorLimits"]
        with contextlib.suppress(Exception):
            lo = float(lim["colorRedMinimum"].value())
            hi = float(lim["colorRedMaximum"].value())
    if hi <= lo:
        lo, hi = 0.0, 255.0
    return np.rint(np.clip((c - lo) / (hi - lo), 0.0, 1.0) * 255).astype(np.uint8)


def read_e57(path: Path) -> NativeScan:
    """Every scan of an E57 file, each placed by its pose, merged; in metres (E57's unit).

    Cartesian or spherical coordinates; points flagged invalid are dropped; colours are
    kept when every scan has them.

    Raises
    ------
    ScanError
        The file cannot be read or holds no scans or no points.
    """
    import pye57
    from pye57.utils import convert_spherical_to_cartesian

    name = path.name
    with quiet_stderr():
        try:
            e57 = pye57.E57(str(path), mode="r")
        except Exception as exc:      # libE57 raises its own exception types
            raise ScanError.of(_READ_FAILED, name=name, kind="E57",
                               reason=_first_reason(exc, path)) from None
        try:
            n_scans = e57.scan_count
            if n_scans == 0:
                raise ScanError.of(N_("%(name)s holds no scans (its data3D list is empty); "
                                      "export the point cloud again with its scans"), name=name)
            parts, cols, n_posed = [], [], 0
            for i in range(n_scans):
                header = e57.get_header(i)
                data = e57.read_scan(i, colors=True, ignore_missing_fields=True,
                                     transform=False)
                if all(k in data for k in ("cartesianX", "cartesianY", "cartesianZ")):
                    xyz = np.column_stack([data["cartesianX"], data["cartesianY"],
                                           data["cartesianZ"]]).astype(np.float64)
                else:
                    rae = np.column_stack([data["sphericalRange"], data["sphericalAzimuth"],
                                           data["sphericalElevation"]]).astype(np.float64)
                    xyz = convert_spherical_to_cartesian(rae)
                pose = _pose(header)
                if pose is not None:
                    xyz = xyz @ pose[0].T + pose[1]
                    n_posed += 1
                parts.append(xyz)
                cols.append(_e57_colors(header, data))
        except ScanError:
            raise
        except Exception as exc:
            raise ScanError.of(N_("%(name)s: its E57 point data could not be read (%(reason)s); "
                                  "check the file is complete and export it again"),
                               name=name, reason=_first_reason(exc, path)) from None
        finally:
            with contextlib.suppress(Exception):
                e57.close()
    points = np.vstack(parts)
    colors = np.vstack(cols) if all(c is not None for c in cols) else None
    note = (f"E57: {n_scans} scan(s), {len(points)} points, merged in the file's frame "
            f"({n_posed} placed by their pose); metres (E57 specification)")
    return NativeScan(points=points, faces=None, colors=colors, meters_per_unit=1.0,
                      unit_source="E57 specification", unit_declared=True, axes=np.eye(3),
                      notes=(note,))


__all__ = ["E57_SUFFIXES", "METERS_PER_UNIT_RANGE", "SUPPORTED_SUFFIXES", "USD_SUFFIXES", "NativeScan", "length_text", "fan_triangles", "quiet_stderr",
           "read_e57", "read_usd", "usd_external_files"]
