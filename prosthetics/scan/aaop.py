"""AAOP (``.aop``) files: the O&P interchange format, a cylindrical grid with landmarks.

What a file holds, as read from the example that ships with AmpScan (there is no public
specification to check against; this is how the reader and writer interpret it)::

    AAOP1                      format tag
    <comment lines>            free text, up to
    END COMMENTS
    CYLINDRICAL                the grid's coordinate system (the only one read here)
    RIGHT                      side
    3                          number of landmark records, then for each:
    TIB                          its code
    2                            its number of points, then per point three numbers:
    264.2737                       angle (degrees, the grid's convention)
    1.12                           radial offset from the surface along that ray (mm;
    114.59                         negative = under the skin), and height z (mm)
    ...
    72                         number of angles (the grid's columns)
    5                          angle step (degrees); columns are at 0, step, 2 step, ...
    68                         number of levels (the grid's rows)
    0                          a reserved number (0 in the example; kept and written back)
    <68 heights>               z of each level (mm, increasing)
    <68 x 72 radii>            level after level, each at every angle (mm)

Lines may end in CR (old Mac, as the example), LF or CR LF; all three are read, and files
are written with CR LF.  The landmark triplet is read as (angle, offset, z): in the example
the two points of "TE" (tibial end) and the lower "TIB" point agree to 1 mm and both sit
15 mm under the skin at 14 mm from the distal end, where the end of the tibia lies; the
upper "TIB" point and "MPT" sit on the skin (offsets +1.1 and -0.5 mm) 115 and 127 mm up.

Frame of a written file: the limb frame (+Z proximal, distal end at z = 0), angles counter-
clockwise seen from above from +X, so anterior (+Y) is 90 degrees.  The grid's axis is the
limb frame's z axis, moved sideways (``axis_offset_mm``, recorded in the comments) when the
distal tip lies off it, so that every level's section surrounds the axis.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.errors import N_, ScanError
from prosthetics.fileio import atomic_write_bytes
from prosthetics.geometry.meshing import SurfaceQuery, proximal_rim_z, ring_faces

#: Landmark codes written to and read from files, and the names they stand for here.
CODES = {
    "MPT": ("mid_patellar_tendon",),
    "TIB": ("tibial_crest_top", "tibial_crest_bottom"),
    "TE": ("distal_tibia",),
    "FH": ("fibular_head",),
    "PF": ("popliteal_fossa",),
    "DE": ("distal_end",),
    "MF": ("medial_flare",),
    "LF": ("lateral_flare",),
}


@dataclass(frozen=True, kw_only=True)
class AAOPShape:
    """A shape on a cylindrical grid, as stored in an AAOP file.

    Attributes
    ----------
    radii_mm : (n_levels, n_angles) float
        Distance from the axis at each level and angle.
    z_mm : (n_levels,) float
        Heights of the levels, increasing.
    angle_step_deg : float
        Angle between columns; column k is at ``k * angle_step_deg``.
    side : str
        As written in the file ("RIGHT", "LEFT", ...).
    landmarks : dict of str -> (n, 3) float
        Per code, its points as (angle_deg, offset_mm, z_mm).
    comments : tuple of str
    reserved : float
        The number between the level count and the heights (0 in the example).
    """

    radii_mm: np.ndarray
    z_mm: np.ndarray
    angle_step_deg: float
    side: str = "RIGHT"
    landmarks: dict = field(default_factory=dict)
    comments: tuple = ()
    reserved: float = 0.0

    @property
    def angles_deg(self) -> np.ndarray:
        return np.arange(self.radii_mm.shape[1]) * self.angle_step_deg

    def surface_radius(self, angle_deg: np.ndarray, z_mm: np.ndarray) -> np.ndarray:
        """Radius of the surface at given angles and heights (bilinear, periodic in angle)."""
        a = np.mod(np.asarray(angle_deg, dtype=float), 360.0) / self.angle_step_deg
        z = np.clip(np.asarray(z_mm, dtype=float), self.z_mm[0], self.z_mm[-1])
        n = self.radii_mm.shape[1]
        i0 = np.floor(a).astype(int) % n
        i1 = (i0 + 1) % n
        fa = a - np.floor(a)
        k0 = np.clip(np.searchsorted(self.z_mm, z, side="right") - 1, 0, len(self.z_mm) - 2)
        fz = (z - self.z_mm[k0]) / (self.z_mm[k0 + 1] - self.z_mm[k0])
        r = self.radii_mm
        lo = r[k0, i0] * (1 - fa) + r[k0, i1] * fa
        hi = r[k0 + 1, i0] * (1 - fa) + r[k0 + 1, i1] * fa
        return lo * (1 - fz) + hi * fz

    def landmark_points(self) -> dict:
        """Landmarks as points (mm) in the file's frame, by our names where the code is known.

        Returns
        -------
        dict of str -> (3,) float
            Codes with several points are split by height: "TIB" gives the crest's top and
            bottom.  Unknown codes keep their code, numbered when they have several points.
        """
        out = {}
        for code, rec in self.landmarks.items():
            rec = np.asarray(rec, dtype=float).reshape(-1, 3)
            r = self.surface_radius(rec[:, 0], rec[:, 2]) + rec[:, 1]
            th = np.radians(rec[:, 0])
            pts = np.column_stack([r * np.cos(th), r * np.sin(th), rec[:, 2]])
            names = CODES.get(code)
            order = np.argsort(-pts[:, 2])          # highest first
            if names and len(names) == len(pts):
                for name, i in zip(names, order):
                    out[name] = pts[i]
            elif len(pts) == 1:
                out[names[0] if names else code] = pts[0]
            else:
                for j, i in enumerate(order):
                    out[f"{code}_{j + 1}"] = pts[i]
        return out

    def to_mesh(self) -> trimesh.Trimesh:
        """The shape as a mesh: open at the top level, closed at the bottom by a fan to the
        axis at the lowest level's height.  Vertices (n_levels * n_angles + 1, 3), mm."""
        th = np.radians(self.angles_deg)
        r = self.radii_mm
        ring = np.stack([r * np.cos(th), r * np.sin(th),
                         np.broadcast_to(self.z_mm[:, None], r.shape)], axis=-1).reshape(-1, 3)
        n_lev, n_ang = r.shape
        faces = ring_faces(n_lev, n_ang, pole_start=True, pole_end=False)
        verts = np.vstack([[[0.0, 0.0, self.z_mm[0]]], ring])
        return trimesh.Trimesh(verts, faces, process=False)


# -- reading -----------------------------------------------------------------------------

def _tokens(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return [ln.strip() for ln in re.split(r"\r\n|\r|\n", text)]


def read_aop(path: str | os.PathLike) -> AAOPShape:
    """Read an AAOP file.

    Raises
    ------
    ScanError
        With a one-line message naming what is wrong (the line where it was found).
    """
    p = Path(path)
    lines = _tokens(p)
    name = p.name

    def fail(msgid: str, **values: object) -> ScanError:
        # msgid: "%(name)s: ...; export the .aop file again"
        return ScanError.of(msgid, name=name, **values)

    if not lines or not lines[0].upper().startswith("AAOP"):
        if not lines:
            raise fail(N_("%(name)s: is empty; export the .aop file again"))
        raise fail(N_("%(name)s: does not start with 'AAOP1' (found %(found)s); export the "
                      ".aop file again"), found=repr(lines[0][:20]))
    try:
        end = next(i for i, ln in enumerate(lines) if ln.upper() == "END COMMENTS")
    except StopIteration:
        raise fail(N_("%(name)s: has no 'END COMMENTS' line; export the .aop file again")
                   ) from None
    comments = tuple(ln for ln in lines[1:end] if ln)
    body = [ln for ln in lines[end + 1:] if ln]
    pos = 0

    def take(what: str) -> str:
        nonlocal pos
        if pos >= len(body):
            raise fail(N_("%(name)s: ends before its %(what)s (the file is truncated); export "
                          "the .aop file again"), what=what)
        pos += 1
        return body[pos - 1]

    def number(what: str, integer: bool = False) -> float:
        tok = take(what)
        try:
            v = float(tok)
        except ValueError:
            raise fail(N_("%(name)s: expected a number for %(what)s, found %(found)s; export "
                          "the .aop file again"), what=what, found=repr(tok[:20])) from None
        if not np.isfinite(v) or (integer and (v != int(v) or v < 0)):
            raise fail(N_("%(name)s: %(what)s is %(found)s, not a count; export the .aop file "
                          "again"), what=what, found=repr(tok))
        return int(v) if integer else v

    system = take("coordinate system").upper()
    if system != "CYLINDRICAL":
        raise ScanError.of(N_("%(name)s: grid is %(system)s; only CYLINDRICAL .aop files are "
                              "read"), name=name, system=repr(system))
    side = take("side").upper()
    landmarks = {}
    for _ in range(number("landmark count", integer=True)):
        code = take("landmark code").upper()
        n = number(f"point count of landmark {code}", integer=True)
        rec = [number(f"landmark {code}") for _ in range(3 * n)]
        landmarks[code] = np.array(rec, dtype=float).reshape(n, 3)
    n_ang = number("number of angles", integer=True)
    step = number("angle step")
    n_lev = number("number of levels", integer=True)
    reserved = number("the number after the level count")
    if n_ang < 3 or n_lev < 2:
        raise fail(N_("%(name)s: grid is %(levels)s levels x %(angles)s angles; need at least "
                      "2 x 3; export the .aop file again"), levels=n_lev, angles=n_ang)
    if abs(n_ang * step - 360.0) > 1e-6 * 360:
        raise fail(N_("%(name)s: %(angles)s angles of %(step)s degrees do not make a full turn; "
                      "export the .aop file again"), angles=n_ang, step=f"{step:g}")
    rest = body[pos:]
    if len(rest) < n_lev + n_lev * n_ang:
        raise fail(N_("%(name)s: expected %(levels)s heights and %(radii)s radii (%(levels)s "
                      "levels x %(angles)s angles), found %(found)s numbers (the file is "
                      "truncated); export the .aop file again"), levels=n_lev,
                   radii=n_lev * n_ang, angles=n_ang, found=len(rest))
    try:
        vals = np.array(rest[:n_lev + n_lev * n_ang], dtype=float)
    except ValueError:
        raise fail(N_("%(name)s: the heights and radii are not all numbers; export the .aop "
                      "file again")) from None
    if not np.isfinite(vals).all():
        raise fail(N_("%(name)s: has NaN or infinite heights or radii; export the .aop file "
                      "again"))
    z = vals[:n_lev]
    radii = vals[n_lev:].reshape(n_lev, n_ang)
    if np.any(np.diff(z) <= 0):
        raise fail(N_("%(name)s: level heights do not increase; export the .aop file again"))
    if radii.min() < 0:
        raise fail(N_("%(name)s: has a negative radius (%(radius)s mm); export the .aop file "
                      "again"), radius=f"{radii.min():.2f}")
    return AAOPShape(radii_mm=radii, z_mm=z, angle_step_deg=float(step), side=side,
                     landmarks=landmarks, comments=comments, reserved=float(reserved))


# -- writing -----------------------------------------------------------------------------

def _fmt(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0"


def format_aop(shape: AAOPShape) -> str:
    """The text of an AAOP file (CR LF line ends)."""
    out = ["AAOP1", *[c.replace("\r", " ").replace("\n", " ") for c in shape.comments],
           "END COMMENTS", "CYLINDRICAL", shape.side.upper(), str(len(shape.landmarks))]
    for code, rec in shape.landmarks.items():
        rec = np.asarray(rec, dtype=float).reshape(-1, 3)
        out += [code, str(len(rec)), *[_fmt(v) for v in rec.ravel()]]
    n_lev, n_ang = shape.radii_mm.shape
    out += [str(n_ang), _fmt(shape.angle_step_deg), str(n_lev), _fmt(shape.reserved)]
    out += [_fmt(v) for v in shape.z_mm]
    out += [_fmt(v) for v in shape.radii_mm.ravel()]
    return "\r\n".join(out) + "\r\n"


def write_aop(path: str | os.PathLike, shape: AAOPShape) -> Path:
    """Write an AAOP file atomically (:func:`prosthetics.fileio.atomic_write_bytes`).

    Raises
    ------
    OutputError
        The folder or the file cannot be written.
    """
    return atomic_write_bytes(path, format_aop(shape).encode("ascii"), what="AAOP file")


def default_levels(top_mm: float, bottom_mm: float = 0.0) -> np.ndarray:
    """Level heights for sampling a limb: 0.1 mm at the very tip, 0.5 mm over the distal
    10 mm, where the end curves fastest, 1 mm to 30 mm, then 2 mm to the top."""
    parts = [bottom_mm + np.array([0.05, 0.1, 0.2, 0.3]),
             np.arange(bottom_mm + 0.5, bottom_mm + 10.0, 0.5),
             np.arange(bottom_mm + 10.0, bottom_mm + 30.0, 1.0),
             np.arange(bottom_mm + 30.0, top_mm, 2.0)]
    z = np.concatenate(parts)
    z = z[z < top_mm - 0.25]
    return np.append(z, top_mm - 0.25)


def shape_from_mesh(mesh: trimesh.Trimesh, *, landmarks: dict | None = None,
                    side: str = "RIGHT", angle_step_deg: float = 2.5,
                    z_mm: np.ndarray | None = None, top_mm: float | None = None,
                    comments: tuple = ()) -> tuple[AAOPShape, np.ndarray]:
    """Sample a limb (or cavity) mesh in the limb frame onto a cylindrical grid.

    Rays go out from the axis at each level and angle; the first hit is the surface.  The
    axis is the frame's z axis, moved sideways to the distal tip when the tip lies off it
    (the lowest levels' sections are small and would not surround the frame's axis).

    Parameters
    ----------
    mesh
        In the limb frame (mm): +Z proximal, distal end at z = 0.
    landmarks
        Name -> (3,) point (mm, same frame); known names are written under their codes.
    angle_step_deg
        2.5 degrees by default: a limb written and read back then lies within 0.07 mm
        (95th percentile) of the original; at the 5 degrees of the example file, 0.15 mm.
    top_mm
        Highest level; default the mesh's rim (the lowest height at which it is still closed
        around the axis).
    Returns
    -------
    shape, axis_offset_mm
        The grid, and the (x, y) shift (mm) of its axis in the mesh's frame: a point of the
        file is at ``p + (dx, dy, 0)`` in the mesh's frame.

    Raises
    ------
    ScanError
        If some ray misses the surface (the mesh is not closed around its axis there).
    """

    v = np.asarray(mesh.vertices)
    if top_mm is None:
        top_mm = float(proximal_rim_z(mesh))
    if z_mm is None:
        z_mm = default_levels(top_mm, float(v[:, 2].min()))
    z_mm = np.asarray(z_mm, dtype=float)
    tip = v[np.argmin(v[:, 2])]
    # Axis through the distal tip if it is off the frame's axis by more than 2 mm.
    offset = tip[:2] if np.hypot(*tip[:2]) > 2.0 else np.zeros(2)
    n_ang = int(round(360.0 / angle_step_deg))
    th = np.radians(np.arange(n_ang) * angle_step_deg)
    d = np.column_stack([np.cos(th), np.sin(th), np.zeros(n_ang)])
    origins = np.column_stack([np.full((len(z_mm) * n_ang, 2), offset),
                               np.repeat(z_mm, n_ang)])
    dirs = np.tile(d, (len(z_mm), 1))
    # Rays come in from outside toward the axis, so the first hit is the outermost surface
    # at that angle: the envelope a carver can cut (a fold that turns back inward, which no
    # cylindrical grid can hold, is bridged rather than cut into).
    far = float(np.linalg.norm(v[:, :2] - offset, axis=1).max()) + 10.0
    t = SurfaceQuery(mesh).cast(origins + far * dirs, -dirs)
    if not np.isfinite(t).all():
        k = int(np.argmax(~np.isfinite(t))) // n_ang
        raise ScanError.of(N_("the surface is not closed around its axis at z = %(z)s mm; give "
                              "a lower top height or clean the scan"), z=f"{z_mm[k]:.1f}")
    t = far - t
    radii = t.reshape(len(z_mm), n_ang)
    shape = AAOPShape(radii_mm=radii, z_mm=z_mm, angle_step_deg=float(angle_step_deg),
                      side=side.upper(), comments=tuple(comments))
    if landmarks:
        shape = _with_landmarks(shape, landmarks, offset)
    return shape, offset


def _with_landmarks(shape: AAOPShape, points: dict, offset: np.ndarray) -> AAOPShape:
    """Landmarks (name -> point in the mesh frame) as (angle, offset, z) records by code."""
    recs = {}
    for code, names in CODES.items():
        pts = [np.asarray(points[n], dtype=float) for n in names if n in points]
        if len(pts) != len(names):
            continue
        rows = []
        for p in pts:
            x, y = p[0] - offset[0], p[1] - offset[1]
            a = float(np.degrees(np.arctan2(y, x)) % 360.0)
            off = float(np.hypot(x, y) - shape.surface_radius(a, p[2]))
            rows.append((a, off, float(p[2])))
        recs[code] = np.array(rows)
    return AAOPShape(radii_mm=shape.radii_mm, z_mm=shape.z_mm,
                     angle_step_deg=shape.angle_step_deg, side=shape.side, landmarks=recs,
                     comments=shape.comments, reserved=shape.reserved)
