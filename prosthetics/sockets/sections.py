"""A horizontal section through the limb and the socket at one level: the contours of the
limb, the cavity and the outer wall, their circumferences, the cavity's area against the
limb's and the wall thickness around the axis.

Heights are in the limb frame (+Z proximal, the distal end at z = 0, +Y anterior, +X the
patient's right); contours are the (x, y) coordinates of the plane ``z = z_mm``, in mm.

Below the trim line each surface cuts into one closed loop; between the lowest and the
highest point of the trim line the socket's wall is open (its sections are arcs), and there a
contour is the open polylines, with no circumference and no area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import trimesh

from prosthetics.limb.measure import sections
from prosthetics.sockets.engine import SocketResult

__all__ = ["Contour", "WallThickness", "SocketSection", "socket_section", "surface_contour",
           "wall_thickness"]

#: Points along the cavity contour at which the wall is measured.
WALL_SAMPLES = 360


@dataclass(frozen=True, kw_only=True)
class Contour:
    """Where one surface meets the plane ``z = z_mm``.

    Attributes
    ----------
    pieces : tuple of (k, 2) float, mm
        Polylines (x, y).  A closed contour is one loop whose last point repeats its first.
    closed : bool
    length_mm : float
        The loop's perimeter (the circumference) when closed; the open pieces' summed length
        otherwise.
    area_mm2 : float or None
        The area inside the loop (closed only).
    """

    pieces: tuple
    closed: bool
    length_mm: float
    area_mm2: float | None = None

    @property
    def circumference_mm(self) -> float | None:
        """The circumference (mm), or None where the contour is open."""
        return self.length_mm if self.closed else None

    @property
    def loop(self) -> np.ndarray | None:
        """The closed loop (k, 2), or None."""
        return self.pieces[0] if self.closed else None


@dataclass(frozen=True, kw_only=True)
class WallThickness:
    """The wall measured from points along the cavity contour to the outer contour.

    Attributes
    ----------
    min_mm, mean_mm, max_mm : float
        Over ``WALL_SAMPLES`` points spaced evenly along the cavity contour, so that every
        direction around the axis counts by the length of wall it covers.
    angle_deg : (n,) float
        Direction of each point from the cavity's centre, anticlockwise seen from above
        from +X (the patient's right, 0) through +Y (anterior, 90), in [0, 360).
    thickness_mm : (n,) float
    points_xy : (n, 2) float, mm
        The points on the cavity contour.
    thinnest_xy : (2, 2) float, mm
        The thinnest place: its point on the cavity contour and the nearest point on the
        outer contour.
    """

    min_mm: float
    mean_mm: float
    max_mm: float
    angle_deg: np.ndarray
    thickness_mm: np.ndarray
    points_xy: np.ndarray
    thinnest_xy: np.ndarray


@dataclass(frozen=True, kw_only=True)
class SocketSection:
    """The section of the limb and of a socket's wall at one height (mm).

    ``cavity``, ``outer`` and ``wall`` are None without a socket or where the plane misses
    it; ``cavity_area_change_percent`` is the cavity's area against the limb's at this level
    (negative: the cavity is smaller, the limb compressed), None unless both are closed.
    """

    z_mm: float
    limb: Contour | None
    cavity: Contour | None = None
    outer: Contour | None = None
    wall: WallThickness | None = None
    cavity_area_change_percent: float | None = None

    def as_dict(self) -> dict:
        """Rounded figures for a report (mm, %)."""
        def circ(c: Contour | None):
            return None if c is None or c.circumference_mm is None \
                else round(c.circumference_mm, 2)

        out = {"z_mm": round(self.z_mm, 2),
               "limb_circumference_mm": circ(self.limb),
               "cavity_circumference_mm": circ(self.cavity),
               "outer_circumference_mm": circ(self.outer),
               "cavity_area_change_percent": None if self.cavity_area_change_percent is None
               else round(self.cavity_area_change_percent, 2),
               "wall_mm": None}
        if self.wall is not None:
            out["wall_mm"] = {"min": round(self.wall.min_mm, 2),
                              "mean": round(self.wall.mean_mm, 2),
                              "max": round(self.wall.max_mm, 2)}
        return out


def surface_contour(mesh: trimesh.Trimesh, z_mm: float) -> Contour | None:
    """The contour of ``mesh`` at height ``z_mm``: its largest closed loop (through
    :func:`prosthetics.limb.measure.sections`), else its open polylines; None where the plane
    misses the surface."""
    sec = sections(mesh, np.array([z_mm]))[0]
    if sec is not None:
        return Contour(pieces=(np.asarray(sec.loop, dtype=np.float64),), closed=True,
                       length_mm=sec.perimeter_mm, area_mm2=sec.area_mm2)
    path = mesh.section(plane_origin=[0.0, 0.0, z_mm], plane_normal=[0.0, 0.0, 1.0])
    if path is None:
        return None
    # Path3D.discrete holds only the closed paths: take each entity's polyline.
    pieces = tuple(np.asarray(e.discrete(path.vertices), dtype=np.float64)[:, :2]
                   for e in path.entities)
    pieces = tuple(p for p in pieces if len(p) > 1)
    if not pieces:
        return None
    length = float(sum(np.linalg.norm(np.diff(p, axis=0), axis=1).sum() for p in pieces))
    return Contour(pieces=pieces, closed=False, length_mm=length)


def _resample(pieces: tuple, n: int) -> np.ndarray:
    """``n`` points (n, 2) spaced evenly by length along the polylines."""
    segs = [(p[:-1], p[1:]) for p in pieces if len(p) > 1]
    a = np.vstack([s[0] for s in segs])
    b = np.vstack([s[1] for s in segs])
    seg_len = np.linalg.norm(b - a, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    t = (np.arange(n) + 0.5) * cum[-1] / n
    k = np.clip(np.searchsorted(cum, t, side="right") - 1, 0, len(seg_len) - 1)
    u = np.divide(t - cum[k], seg_len[k], out=np.zeros(n), where=seg_len[k] > 0)
    return a[k] + (b[k] - a[k]) * u[:, None]


def wall_thickness(cavity: Contour, outer: Contour, n: int = WALL_SAMPLES) -> WallThickness:
    """The wall between two contours of one level, in the plane.

    For ``n`` points spaced evenly along the cavity contour, the distance to the nearest
    point of the outer contour.  Measured in the horizontal plane, a wall that slopes by an
    angle a from the vertical reads 1/cos(a) times its true thickness (+1.5 % at 10 deg,
    +6 % at 20 deg), so a horizontal section never understates the wall; where the wall is
    close to vertical (most of a socket below the trim line) the two agree.
    """
    pts = _resample(cavity.pieces, n)
    outer_geom = shapely.MultiLineString([shapely.LineString(p) for p in outer.pieces])
    geoms = shapely.points(pts)
    d = shapely.distance(geoms, outer_geom)
    centre = (np.asarray(shapely.Polygon(cavity.loop).centroid.coords[0]) if cavity.closed
              else pts.mean(axis=0))
    ang = np.degrees(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])) % 360.0
    i = int(np.argmin(d))
    near = np.asarray(shapely.shortest_line(geoms[i], outer_geom).coords)
    return WallThickness(min_mm=float(d[i]), mean_mm=float(d.mean()), max_mm=float(d.max()),
                         angle_deg=ang, thickness_mm=d, points_xy=pts,
                         thinnest_xy=np.array([near[0], near[-1]]))


def socket_section(limb: trimesh.Trimesh, socket: SocketResult | None,
                   z_mm: float) -> SocketSection:
    """The section of the limb and the socket's wall at height ``z_mm`` (mm above the
    distal end).

    Parameters
    ----------
    limb
        The aligned limb surface (limb frame, mm).
    socket
        The built socket (its ``inner_surface`` is the cavity, its ``outer_surface`` the
        outside of the wall), or None: the limb's contour only.
    z_mm
        The level, mm.
    """
    z = float(z_mm)
    if not np.isfinite(z):
        raise ValueError(f"section level must be a number of mm, got {z_mm!r}")
    limb_c = surface_contour(limb, z)
    if socket is None:
        return SocketSection(z_mm=z, limb=limb_c)
    cav = surface_contour(socket.inner_surface, z)
    out = surface_contour(socket.outer_surface, z)
    wall = wall_thickness(cav, out) if cav is not None and out is not None else None
    change = None
    if cav is not None and cav.closed and limb_c is not None and limb_c.closed \
            and limb_c.area_mm2 > 0:
        change = 100.0 * (cav.area_mm2 / limb_c.area_mm2 - 1.0)
    return SocketSection(z_mm=z, limb=limb_c, cavity=cav, outer=out, wall=wall,
                         cavity_area_change_percent=change)
