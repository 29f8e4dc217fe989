"""Load a scan file into millimetres.

Phone apps export PLY, OBJ, STL, GLB/glTF, USDZ and point lists; scanners E57.  glTF and E57
are metres by their specifications, and a USD stage says its unit (``metersPerUnit``) and its
up axis (:mod:`prosthetics.scan.formats` reads those two).  For the others the unit is
decided from the object's size, and an ambiguous size is an error that names ``--units``
rather than a guess.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.errors import N_, ScanError, ScanNotFoundError, UnitsError
from prosthetics.fileio import sha256_file
from prosthetics.scan.aaop import read_aop
from prosthetics.scan.formats import (
    E57_SUFFIXES,
    METERS_PER_UNIT_RANGE,
    SUPPORTED_SUFFIXES,
    USD_SUFFIXES,
    NativeScan,
    read_e57,
    read_usd,
)

#: The error of a file that holds no points (a point list, or any other kind).
_NO_POINTS = N_("%(name)s holds no points; export the scan again")


class Units(enum.Enum):
    """Length unit of a scan file."""

    MM = "mm"
    CM = "cm"
    M = "m"

    @property
    def to_mm(self) -> float:
        return {"mm": 1.0, "cm": 10.0, "m": 1000.0}[self.value]


# Robust extent (1st to 99th percentile, largest axis) that a limb or foot scene can have.
# A scene in metres spans 5 cm to 3 m, in millimetres 50 mm to 3 m; centimetres overlap
# millimetres (5-300), so they are only ever taken from --units.
_METRES_RANGE = (0.05, 3.0)
_MM_RANGE = (50.0, 3000.0)


@dataclass(frozen=True, kw_only=True)
class Scan:
    """A scan in millimetres, in the file's own axes.

    Attributes
    ----------
    points : (n, 3) float64, mm
        Vertices (mesh) or points (cloud).
    faces : (m, 3) int64 or None
        Triangles for a mesh, None for a point cloud.
    colors : (n, 3) uint8 or None
    normals : (n, 3) float64 or None
        As stored in the file (not trusted for orientation).
    units : Units
        The unit the file was read in.
    units_source : str
        How the unit was decided ("size", "glTF specification", "USD metersPerUnit",
        "E57 specification", "--units").
    path, sha256, n_input_points
        Provenance for the report.
    file_transform : (4, 4) float64 or None
        The transform from the file's coordinates to these, when it is more than the unit's
        scale (a USD stage's up axis turned to +Z, a metersPerUnit such as inches); None
        otherwise.  :attr:`file_to_mm` returns it.
    """

    points: np.ndarray
    faces: np.ndarray | None = None
    colors: np.ndarray | None = None
    normals: np.ndarray | None = None
    units: Units = Units.MM
    units_source: str = "size"
    path: str = ""
    sha256: str = ""
    n_input_points: int = 0
    notes: tuple[str, ...] = field(default=())
    #: Named points (mm, the scan's frame) that came with the file (AAOP landmarks).
    landmarks: dict = field(default_factory=dict)
    file_transform: np.ndarray | None = None

    @property
    def is_mesh(self) -> bool:
        return self.faces is not None and len(self.faces) > 0

    @property
    def scan_id(self) -> str:
        """An anonymous name for the scan: "S-" and the first 8 hex digits of its sha256.

        Reports, print files and labels name a scan by this (or by its case), never by its
        file name, which is often the patient's.
        """
        return anonymous_scan_id(self.sha256)

    @property
    def file_to_mm(self) -> np.ndarray:
        """(4, 4) transform from the file's coordinates to these millimetre coordinates."""
        if self.file_transform is not None:
            return np.array(self.file_transform, dtype=np.float64)
        m = np.eye(4)
        m[:3, :3] *= self.units.to_mm
        return m


def anonymous_scan_id(sha256: str) -> str:
    """"S-" and the first 8 hex digits (upper case) of a scan's sha256; "S-UNKNOWN" without one."""
    return f"S-{sha256[:8].upper()}" if sha256 else "S-UNKNOWN"


def detect_units(points: np.ndarray, name: str = "scan") -> Units:
    """Decide metres or millimetres from the robust size of ``points``.

    Raises
    ------
    UnitsError
        When the size fits neither, naming ``--units``.
    """
    lo, hi = np.percentile(points, [1, 99], axis=0)
    extent = float(np.max(hi - lo))
    if _METRES_RANGE[0] <= extent <= _METRES_RANGE[1]:
        return Units.M
    if _MM_RANGE[0] <= extent <= _MM_RANGE[1]:
        return Units.MM
    if extent < _METRES_RANGE[0]:
        raise UnitsError.of(N_("%(name)s is %(extent)s units across: too small for a limb in "
                               "metres or millimetres; pass --units m, cm or mm if the scale "
                               "is right"), name=name, extent=f"{extent:.3g}")
    if _METRES_RANGE[1] < extent < _MM_RANGE[0]:
        raise UnitsError.of(N_("%(name)s is %(extent)s units across: could be centimetres or "
                               "an odd scale; pass --units mm, cm or m"),
                            name=name, extent=f"{extent:.3g}")
    raise UnitsError.of(N_("%(name)s is %(extent)s units across: too large for a limb in "
                           "millimetres; pass --units mm, cm or m if the scale is right"),
                        name=name, extent=f"{extent:.3g}")


def _read_xyz(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        data = np.loadtxt(path, comments=("#", "//"), delimiter=None, ndmin=2,
                          dtype=np.float64, usecols=None)
    except ValueError:
        # Comma separated lists are common too.
        try:
            data = np.loadtxt(path, comments=("#", "//"), delimiter=",", ndmin=2)
        except ValueError as exc:
            raise ScanError.of(N_("%(name)s is not a list of numbers (x y z per line): "
                                  "%(reason)s; export the scan as PLY, OBJ or STL"),
                               name=path.name, reason=exc) from None
    if data.size == 0:
        raise ScanError.of(_NO_POINTS, name=path.name)
    if data.shape[1] < 3:
        raise ScanError.of(N_("%(name)s has %(count)s column(s); a point list needs x y z per "
                              "line"), name=path.name, count=data.shape[1])
    colors = None
    if data.shape[1] >= 6:
        c = data[:, 3:6]
        if np.all((c >= 0) & (c <= 255)):
            colors = np.rint(c * 255 if c.max() <= 1.0 else c).astype(np.uint8)
    return data[:, :3], colors


def _read_with_trimesh(path: Path, suffix: str):
    kind = suffix.lstrip(".")
    try:
        with open(path, "rb") as fh:
            loaded = trimesh.load(fh, file_type=kind, process=False)
    except Exception as exc:  # trimesh raises many kinds for malformed files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScanError.of(N_("%(name)s could not be read as %(kind)s (%(reason)s); check the "
                              "file is complete and export it again"),
                           name=path.name, kind=kind.upper(), reason=reason[:120]) from None
    if isinstance(loaded, trimesh.Scene):
        geoms = [g for g in loaded.dump(concatenate=False)
                 if isinstance(g, (trimesh.Trimesh, trimesh.PointCloud))]
        meshes = [g for g in geoms if isinstance(g, trimesh.Trimesh) and len(g.faces)]
        if meshes:
            loaded = trimesh.util.concatenate(meshes)
        elif geoms:
            loaded = trimesh.PointCloud(np.vstack([g.vertices for g in geoms]))
        else:
            raise ScanError.of(N_("%(name)s holds no mesh or points; export the scan again"),
                               name=path.name)
    points = np.asarray(loaded.vertices, dtype=np.float64)
    faces = colors = normals = None
    if isinstance(loaded, trimesh.Trimesh) and len(loaded.faces):
        faces = np.asarray(loaded.faces, dtype=np.int64)
        vc = getattr(loaded.visual, "vertex_colors", None) if loaded.visual.kind == "vertex" \
            else None
        if vc is not None and len(vc) == len(points):
            colors = np.asarray(vc)[:, :3].astype(np.uint8)
    elif isinstance(loaded, trimesh.PointCloud):
        if loaded.colors is not None and len(loaded.colors) == len(points):
            colors = np.asarray(loaded.colors)[:, :3].astype(np.uint8)
    if suffix == ".ply":
        normals = _ply_normals(loaded, len(points))
    return points, faces, colors, normals


def _ply_normals(loaded, n_points: int) -> np.ndarray | None:
    """The vertex normals a PLY stores (nx ny nz), in vertex order, for a cloud or a mesh;
    None when it has none or their count does not match the vertices."""
    meta = loaded.metadata.get("_ply_raw", {}) if getattr(loaded, "metadata", None) else {}
    vert = meta.get("vertex", {}).get("data") if isinstance(meta, dict) else None
    # Binary PLY gives a structured array, ascii PLY a dict of columns.
    names = tuple(vert) if isinstance(vert, dict) else (
        getattr(getattr(vert, "dtype", None), "names", None) or ())
    if vert is None or not all(k in names for k in ("nx", "ny", "nz")):
        return None
    normals = np.column_stack([np.ravel(vert[k]) for k in ("nx", "ny", "nz")])
    if len(normals) != n_points:
        return None
    return normals.astype(np.float64)


def load_scan(path: str | os.PathLike, units: Units | str | None = None) -> Scan:
    """Read a scan file and convert it to millimetres.

    Parameters
    ----------
    path
        PLY (cloud or mesh, ascii or binary; vertex normals kept), OBJ, STL (ascii or binary),
        GLB/glTF (scenes are flattened), OFF, USD (.usdz/.usda/.usdc/.usd: meshes or points,
        transforms applied, Y up turned Z up), E57 (every scan placed by its pose), AAOP
        (.aop, a cylindrical grid; its landmarks come with it) or a plain point list
        (.xyz/.txt/.pts, "x y z [r g b]" per line).
    units
        Force the file's unit; None decides from the size (glTF, E57: metres by
        specification; USD: the stage's metersPerUnit).

    Raises
    ------
    ScanNotFoundError, ScanError, UnitsError
        With a one-line message that says what to do.
    """
    p = Path(path)
    if not p.exists():
        raise ScanNotFoundError.of(N_("scan %(path)s does not exist; check the path"),
                                   path=repr(str(p)))
    if p.is_dir():
        raise ScanError.of(N_("%(path)s is a folder; give a scan file (%(suffixes)s)"),
                           path=repr(str(p)), suffixes=", ".join(SUPPORTED_SUFFIXES))
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ScanError.of(N_("%(name)s: unknown file type %(suffix)s; supported: "
                              "%(suffixes)s"), name=p.name, suffix=repr(suffix or "(none)"),
                           suffixes=", ".join(SUPPORTED_SUFFIXES))
    if p.stat().st_size == 0:
        raise ScanError.of(N_("%(name)s is empty (0 bytes); export the scan again"),
                           name=p.name)
    if suffix == ".stl":
        _check_stl(p)

    landmarks = {}
    native: NativeScan | None = None
    if suffix in USD_SUFFIXES or suffix in E57_SUFFIXES:
        native = read_usd(p) if suffix in USD_SUFFIXES else read_e57(p)
        points, faces, colors, normals = native.points, native.faces, native.colors, None
    elif suffix in (".xyz", ".txt", ".pts"):
        points, colors = _read_xyz(p)
        faces = normals = None
    elif suffix == ".aop":
        shape = read_aop(p)
        mesh = shape.to_mesh()
        points, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces)
        colors = normals = None
        landmarks = shape.landmark_points()
    else:
        points, faces, colors, normals = _read_with_trimesh(p, suffix)

    if points.ndim != 2 or len(points) == 0:
        raise ScanError.of(_NO_POINTS, name=p.name)
    if points.shape[1] != 3:
        raise ScanError.of(N_("%(name)s gives points with %(count)s coordinate(s) instead of "
                              "x y z (a file cut short?); export the scan again"),
                           name=p.name, count=points.shape[1])
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():
        bad = int((~finite).sum())
        raise ScanError.of(N_("%(name)s has %(count)s point(s) with NaN or infinite "
                              "coordinates; the export is corrupt, export the scan again"),
                           name=p.name, count=bad)
    if faces is not None and len(faces) and (faces.min() < 0 or faces.max() >= len(points)):
        raise ScanError.of(N_("%(name)s has faces that index missing vertices; export it "
                              "again"), name=p.name)
    notes = list(native.notes) if native is not None else []
    if len(points) >= 100:
        points, faces, colors, normals = _without_far_points(p.name, points, faces, colors,
                                                             normals, notes)
    if len(points) < 100:
        raise ScanError.of(N_("%(name)s has only %(count)s point(s); a limb scan needs "
                              "thousands: scan again"), name=p.name, count=len(points))

    if faces is not None and len(faces) and _all_degenerate(points, faces):
        raise ScanError.of(N_("%(name)s is a mesh whose %(count)s triangles all have zero "
                              "area (its points are on a line or repeated); export the scan "
                              "again"), name=p.name, count=len(faces))
    if units is not None:
        try:
            u = Units(units) if not isinstance(units, Units) else units
        except ValueError:
            raise UnitsError.of(N_("units %(units)s is not one of mm, cm, m; pass --units mm, "
                                   "cm or m"), units=repr(units)) from None
        source = "--units"
    elif suffix in (".glb", ".gltf"):
        u, source = Units.M, "glTF specification"
    elif suffix == ".aop":
        u, source = Units.MM, "AAOP file"
    elif native is not None:
        u, source = _native_units(native, points, p.name)
    else:
        u, source = detect_units(points, p.name), "size"
    if native is None:
        extent = np.ptp(points, axis=0).max() * u.to_mm
        notes.append(f"read as {u.value} ({source}); {extent:.0f} mm across")
        return Scan(points=points * u.to_mm, faces=faces, colors=colors,
                    normals=normals, units=u, units_source=source, path=str(p),
                    sha256=sha256_file(p), n_input_points=len(points), notes=tuple(notes),
                    landmarks={k: np.asarray(v) * u.to_mm for k, v in landmarks.items()})
    # USD and E57 declare their unit, which need not be one of Units (inches), and USD its
    # up axis: the whole file-to-mm transform is kept with the scan.
    scale = u.to_mm if source == "--units" else native.meters_per_unit * 1000.0
    linear = native.axes * scale
    file_transform = np.eye(4)
    file_transform[:3, :3] = linear
    extent = np.ptp(points, axis=0).max() * scale
    notes.append(f"read as {u.value} ({source}; 1 unit = {scale:g} mm); {extent:.0f} mm across")
    return Scan(points=points @ linear.T, faces=faces, colors=colors, normals=None, units=u,
                units_source=source, path=str(p), sha256=sha256_file(p),
                n_input_points=len(points), notes=tuple(notes), file_transform=file_transform)


def _native_units(native: NativeScan, points: np.ndarray, name: str) -> tuple[Units, str]:
    """The unit a USD or E57 file declares, as the nearest :class:`Units` and its source.

    A USD stage that does not declare its unit is centimetres by USD's rule; when that makes
    no limb-sized object, the unit is asked for rather than guessed.
    """
    mpu = native.meters_per_unit
    lo, hi = METERS_PER_UNIT_RANGE
    if not (np.isfinite(mpu) and lo <= mpu <= hi):
        raise UnitsError.of(N_("%(name)s: its metersPerUnit is %(mpu)s, not a unit a scan can "
                               "have (expected %(lo)s to %(hi)s: 1 for metres, 0.01 for "
                               "centimetres); fix the export or pass --units mm, cm or m"),
                            name=name, mpu=f"{mpu:g}", lo=f"{lo:g}", hi=f"{hi:g}")
    mm = mpu * 1000.0
    if not native.unit_declared:
        extent = float(np.ptp(points, axis=0).max()) * mm
        if not _MM_RANGE[0] <= extent <= _MM_RANGE[1]:
            raise UnitsError.of(N_("%(name)s does not say its unit (no metersPerUnit; USD "
                                   "then means centimetres), which makes it %(size)s across; "
                                   "pass --units mm, cm or m"),
                                name=name, size=f"{extent:.3g} mm")
    for u in Units:
        if abs(u.to_mm - mm) <= 1e-5 * mm:
            return u, native.unit_source
    # Another unit (inches, feet): named in the source; the scale itself is exact.
    return Units.M, f"{native.unit_source} {native.meters_per_unit:g} m"


#: A point further from the scan's median than this many times the distance within which
#: 90 % of the points lie is not part of anything scanned: a corrupt coordinate.
FAR_POINT_FACTOR = 20.0
#: More far points than this fraction of the scan (or 10) and the file is refused.
FAR_POINT_MAX_FRACTION = 0.01


def _without_far_points(name: str, points: np.ndarray, faces, colors, normals,
                        notes: list[str]):
    """Drop the few points that lie absurdly far from the rest (a corrupt coordinate such
    as 1e30 would otherwise size every grid of the cleaning); refuse a file with many.

    Faces touching a dropped point are dropped with it.  Returns the arrays, filtered.
    """
    centre = np.median(points, axis=0)
    dist = np.linalg.norm(points - centre, axis=1)
    reach = float(np.percentile(dist, 90))
    far = dist > FAR_POINT_FACTOR * max(reach, 1e-9)
    n_far = int(far.sum())
    if not n_far:
        return points, faces, colors, normals
    if n_far > max(10, FAR_POINT_MAX_FRACTION * len(points)):
        raise ScanError.of(N_("%(name)s has %(count)s points more than %(factor)s times "
                              "further from the scan's middle than the rest (up to %(reach)s "
                              "units): the file is corrupt or holds several scans; export the "
                              "scan again"), name=name, count=n_far,
                           factor=f"{FAR_POINT_FACTOR:g}", reach=f"{float(dist.max()):.3g}")
    keep = ~far
    if faces is not None and len(faces):
        new_index = np.cumsum(keep) - 1
        faces = new_index[faces[keep[faces].all(axis=1)]]
    notes.append(f"dropped {n_far} point(s) with corrupt coordinates (up to "
                 f"{float(dist.max()):.3g} units from the scan)")
    return (points[keep], faces,
            colors[keep] if colors is not None and len(colors) == len(keep) else colors,
            normals[keep] if normals is not None and len(normals) == len(keep) else normals)


def _all_degenerate(points: np.ndarray, faces: np.ndarray) -> bool:
    """True when every triangle has zero area (within float32 rounding, as STL stores)."""
    tri = points[faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    scale = max(float(np.ptp(points, axis=0).max()), 1e-12)
    return bool(np.all(np.linalg.norm(cross, axis=1) <= 1e-7 * scale * scale))


def _check_stl(p: Path) -> None:
    """Reject an STL that is neither a complete binary STL nor ascii ``solid ... facet``."""
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(84)
    if size >= 84:
        n = int(np.frombuffer(head[80:84], dtype="<u4")[0])
        if 84 + 50 * n == size:
            return
    text = head[:80].lstrip().lower()
    if text.startswith(b"solid"):
        with open(p, "rb") as fh:
            sample = fh.read(4096).lower()
        if b"facet" in sample or size < 4096:
            return
    if size >= 84:
        raise ScanError.of(N_("%(name)s is not a valid STL (binary size does not match its "
                              "triangle count, and it is not ascii 'solid ... facet'); export "
                              "it again"), name=p.name)
    raise ScanError.of(N_("%(name)s is too short to be an STL (%(size)s bytes); export it "
                          "again"), name=p.name, size=size)
