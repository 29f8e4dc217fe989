"""Ventilation holes (fenestrations) through a socket's wall, where its template allows them.

Upper-limb sockets are often fenestrated to let heat and sweat out (hot climates, a
forearm in a closed shell); a lower-limb total-contact socket is not, by default, so
every preset ships with ``fenestration_count = 0``.

Where holes may go (limb frame, mm):

- between the distal region and the trim line: every hole's edge stays
  ``fenestration_distal_margin_mm`` above the thick distal region (the top of the distal
  dome's wall blend, the interface block, the distal fillet) and
  ``fenestration_trim_margin_mm`` below the trim-line band (``trim_band_height_mm`` plus
  its 10 mm transition), so the reinforced brim and the distal end stay whole;
- under the template's own ceiling (the ischial containment of a transfemoral socket, the
  epicondyle / olecranon grip of a transradial one) and outside its keep-out zones (the
  transtibial landmark zones: a hole in a loading or relief zone takes away contact where
  the socket carries load or relieves bone);
- on the sides asked for (``fenestration_sides``), clear of the embossed label, and at
  least ``max(fenestration_web_mm, wall_thickness_mm)`` of solid wall between two holes.

Placement is deterministic: candidate centres lie on a staggered pattern (levels
``pitch * sqrt(3) / 2`` apart, holes on each level as many as fit at least ``pitch`` apart
around the cavity's section, every other level shifted half a step), where
``pitch = diameter + web``.  Of the candidates that pass every rule, holes are chosen by
farthest-point sampling (the first at mid-height in the middle of the first side asked),
so fewer holes than the pattern holds are spread over the allowed area.  Each hole is a
cylinder along the cavity's local normal (vertex normals averaged over the hole's disc),
reaching from inside the cavity to beyond the outer surface; all of them are cut in the
socket's one manifold3d difference.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import manifold3d
import numpy as np
import trimesh
from scipy.spatial import cKDTree

from prosthetics.errors import N_, Message
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.params import Params, param

#: Height over which the trim-line band thins back to the wall (see sockets.wall_targets).
BAND_TRANSITION_MM = 10.0
#: Segments of each hole's cylinder: 0.05 mm chord error at 20 mm.
SEGMENTS = 32


class FenestrationSides(enum.Enum):
    ALL = "all"
    MEDIAL_LATERAL = "medial_lateral"
    ANTERIOR_POSTERIOR = "anterior_posterior"
    MEDIAL = "medial"
    LATERAL = "lateral"
    ANTERIOR = "anterior"
    POSTERIOR = "posterior"


@dataclass(frozen=True, kw_only=True)
class FenestrationParams(Params):
    """Ventilation holes through the socket wall (shared by the socket templates)."""

    fenestration_count: int = param(
        0, label="Ventilation holes", min=0, max=120,
        help="How many holes to cut through the wall (0: none); fewer are placed, with a "
             "warning, when fewer fit")
    fenestration_diameter_mm: float = param(
        10.0, label="Hole diameter", unit="mm", min=4.0, max=20.0,
        help="Diameter of each ventilation hole")
    fenestration_web_mm: float = param(
        10.0, label="Web between holes", unit="mm", min=3.0, max=60.0,
        help="Least solid wall between two holes' edges (never less than the wall "
             "thickness)")
    fenestration_sides: FenestrationSides = param(
        FenestrationSides.ALL, label="Hole sides",
        help="Which sides may have holes (each side is the 90-degree sector around its "
             "direction: lateral is +X on a right limb)")
    fenestration_trim_margin_mm: float = param(
        10.0, label="Clearance below trim band", unit="mm", min=0.0, max=100.0,
        help="Between the holes' edges and the trim-line band (trim_band_height_mm plus "
             "its 10 mm transition)")
    fenestration_distal_margin_mm: float = param(
        15.0, label="Clearance above distal end", unit="mm", min=0.0, max=150.0,
        help="Between the holes' edges and the thick distal region (distal dome, interface "
             "block, distal fillet)")


@dataclass(frozen=True, kw_only=True)
class KeepOut:
    """A region holes keep clear of: within ``radius_mm`` of a point or a segment a-b."""

    name: str
    a: np.ndarray
    b: np.ndarray
    radius_mm: float

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Distance (n,) from points (n, 3) to the point or segment, mm."""
        ab = self.b - self.a
        t = np.clip(((points - self.a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
        return np.linalg.norm(points - (self.a + t[:, None] * ab), axis=1)

    def as_dict(self) -> dict:
        return {"name": self.name, "from_mm": np.round(self.a, 2).tolist(),
                "to_mm": np.round(self.b, 2).tolist(), "radius_mm": round(self.radius_mm, 2)}


@dataclass(frozen=True, kw_only=True)
class Fenestrations:
    """The holes placed through one socket (limb frame, mm).

    ``centres``: (k, 3) where each hole's axis meets the cavity surface; ``axes``: (k, 3)
    unit vectors outward along the hole; ``wall_mm``: (k,) wall along each axis (cavity
    to outer surface); ``reach_mm``: (inside, outside) how far each cutter runs past the
    cavity and the outer surface.
    """

    asked: int
    diameter_mm: float
    web_mm: float
    centres: np.ndarray
    axes: np.ndarray
    wall_mm: np.ndarray
    reach_mm: tuple
    outer_area_mm2: float
    band_z_mm: tuple
    edge_to_trim_mm: np.ndarray
    edge_to_distal_mm: np.ndarray
    sides: str
    keep_outs: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def placed(self) -> int:
        return int(len(self.centres))

    @property
    def open_area_mm2(self) -> float:
        """Sum of the holes' cross-sections, mm2."""
        return self.placed * np.pi * (0.5 * self.diameter_mm) ** 2

    @property
    def open_fraction(self) -> float:
        """Open area over the outer wall's area (0-1)."""
        return self.open_area_mm2 / self.outer_area_mm2 if self.outer_area_mm2 > 0 else 0.0

    def expected_volume_mm3(self) -> float:
        """Wall removed by the holes if each is a straight cylinder through its wall, mm3."""
        return float(np.pi * (0.5 * self.diameter_mm) ** 2 * self.wall_mm.sum())

    def near(self, points: np.ndarray, margin_mm: float) -> np.ndarray:
        """Mask (n,) of points within the holes' radius + ``margin_mm`` of an axis (inside
        the cutter's length): on a bore, or in its rim."""
        if not self.placed:
            return np.zeros(len(points), dtype=bool)
        r = 0.5 * self.diameter_mm + margin_mm
        out = np.zeros(len(points), dtype=bool)
        lo, hi = -self.reach_mm[0], self.wall_mm + self.reach_mm[1]
        for k in range(self.placed):          # a few dozen holes, vectorised over points
            d = points - self.centres[k]
            t = d @ self.axes[k]
            radial = np.linalg.norm(d - t[:, None] * self.axes[k], axis=1)
            out |= (radial < r) & (t > lo - margin_mm) & (t < hi[k] + margin_mm)
        return out

    def cutter(self, turned: bool = False):
        """The union of the holes' cylinders (a manifold3d Manifold), or None.

        ``turned`` turns each cylinder's facets by half a facet about its own axis (the
        bore moves by at most 0.02 mm): a bore whose facet edges fall exactly on the
        wall's own vertices can leave the union open, and the turned one does not."""

        if not self.placed:
            return None
        r = 0.5 * self.diameter_mm
        cyls = []
        for c, a, w in zip(self.centres, self.axes, self.wall_mm):
            length = w + self.reach_mm[0] + self.reach_mm[1]
            rot = _frame(a)
            start = c - self.reach_mm[0] * a
            m = np.column_stack([rot, start])
            cyl = manifold3d.Manifold.cylinder(float(length), r, r, SEGMENTS)
            if turned:
                cyl = cyl.rotate([0.0, 0.0, 180.0 / SEGMENTS])
            cyls.append(cyl.transform(m))
        return manifold3d.Manifold.batch_boolean(cyls, manifold3d.OpType.Add)

    def as_dict(self) -> dict:
        return {
            "asked": self.asked, "placed": self.placed,
            "diameter_mm": self.diameter_mm, "min_web_mm": round(self.web_mm, 2),
            "sides": self.sides,
            "open_area_cm2": round(self.open_area_mm2 / 100.0, 2),
            "outer_wall_area_cm2": round(self.outer_area_mm2 / 100.0, 1),
            "open_fraction_percent": round(100.0 * self.open_fraction, 2),
            "allowed_z_mm": [round(float(v), 2) for v in self.band_z_mm],
            "min_edge_to_trim_mm": _round_min(self.edge_to_trim_mm),
            "min_edge_to_distal_mm": _round_min(self.edge_to_distal_mm),
            "holes": [{"centre_mm": np.round(c, 2).tolist(), "axis": np.round(a, 4).tolist(),
                       "wall_mm": round(float(w), 2)}
                      for c, a, w in zip(self.centres, self.axes, self.wall_mm)],
            "keep_outs": [k.as_dict() for k in self.keep_outs],
        }


def _round_min(values: np.ndarray) -> float | None:
    return round(float(values.min()), 2) if len(values) else None


def _frame(axis: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking +Z to ``axis`` (unit)."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(helper, axis)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    return np.column_stack([u, v, axis])


def side_directions(sides: FenestrationSides, limb_side: str) -> list[float]:
    """Directions (deg from +X) of the sides asked: lateral is +X on a right limb."""
    lateral = 0.0 if limb_side.lower().startswith("r") else 180.0
    medial = 180.0 - lateral
    return {FenestrationSides.ALL: [lateral, 90.0, medial, -90.0],
            FenestrationSides.MEDIAL_LATERAL: [lateral, medial],
            FenestrationSides.ANTERIOR_POSTERIOR: [90.0, -90.0],
            FenestrationSides.MEDIAL: [medial], FenestrationSides.LATERAL: [lateral],
            FenestrationSides.ANTERIOR: [90.0], FenestrationSides.POSTERIOR: [-90.0]}[sides]


def _ring_candidates(q_in: SurfaceQuery, z: float, pitch: float, phase: float,
                     start_deg: float, k: int = 720) -> np.ndarray:
    """Points (n, 3) on the cavity's section at height ``z``, spaced along it so that
    neighbours (wrapping round) are at least ``pitch`` apart; one at ``start_deg`` shifted
    by ``phase`` steps."""
    phi = np.radians(start_deg) + np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    d = np.column_stack([np.cos(phi), np.sin(phi), np.zeros(k)])
    o = np.tile([0.0, 0.0, z], (k, 1))
    t = q_in.cast(o, d)
    if not np.all(np.isfinite(t)):
        return np.zeros((0, 3))
    pts = o + d * t[:, None]
    seg = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    length = s[-1]
    closed = np.vstack([pts, pts[:1]])
    n = int(length // pitch)
    while n >= 2:
        at = (np.arange(n) + phase) * length / n
        c = np.column_stack([np.interp(at, s, closed[:, i]) for i in range(3)])
        if np.linalg.norm(np.roll(c, -1, axis=0) - c, axis=1).min() >= pitch:
            return c
        n -= 1
    if n == 1:
        at = np.array([phase * length])
        return np.column_stack([np.interp(at, s, closed[:, i]) for i in range(3)])
    return np.zeros((0, 3))


def place_fenestrations(p, inner_surface: trimesh.Trimesh, outer_surface: trimesh.Trimesh,
                        trim_z: np.ndarray, *, floor_z_mm: float, side: str,
                        ceiling_z_mm: float | None = None, ceiling_reason: str = "",
                        keep_outs=(), label_box: dict | None = None,
                        distal_ref_z_mm: float | None = None) -> Fenestrations | None:
    """Choose the holes ``p`` asks for on a socket's wall (see the module notes).

    Parameters
    ----------
    p
        Template parameters with the :class:`FenestrationParams`, ``wall_thickness_mm`` and
        ``trim_band_height_mm`` fields.
    inner_surface, outer_surface
        The open cavity and outer surfaces (limb frame, mm) before any boolean.
    trim_z : (cols,) float, mm
        Trim height per grid column (columns at equal angles from +X).
    floor_z_mm
        Top of the thick distal region; holes' edges stay the distal margin above it.
    side
        "right" or "left" (where lateral is).
    ceiling_z_mm, ceiling_reason
        The template's own upper limit for the holes' edges, and why (for the warning).
    keep_outs
        :class:`KeepOut` regions the holes' edges keep clear of.
    label_box
        The label's place and size (:func:`prosthetics.sockets.label.label_footprint`), or None.
    distal_ref_z_mm
        Height the report's edge-to-distal distances are measured from (the distal
        block's top); default ``floor_z_mm``.

    Returns
    -------
    Fenestrations or None
        None when no holes are asked.  Its ``warnings`` say when fewer fit than asked.
    """
    asked = int(p.fenestration_count)
    if asked <= 0:
        return None
    d = float(p.fenestration_diameter_mm)
    r = 0.5 * d
    web = max(float(p.fenestration_web_mm), float(p.wall_thickness_mm))
    pitch = d + web
    m = len(trim_z)
    cols = np.linspace(0.0, 2 * np.pi, m, endpoint=False)
    below_band = float(p.trim_band_height_mm) + BAND_TRANSITION_MM + p.fenestration_trim_margin_mm
    top_edge = trim_z - below_band
    if ceiling_z_mm is not None:
        top_edge = np.minimum(top_edge, ceiling_z_mm)
    low_edge = floor_z_mm + p.fenestration_distal_margin_mm
    dirs = side_directions(p.fenestration_sides, side)
    reach = (0.25 * r + 2.0, 0.25 * r + 2.0)
    q_in, q_out = SurfaceQuery(inner_surface), SurfaceQuery(outer_surface)
    # The open fraction is taken over the whole outer wall (distal end to trim).
    outer_area = float(outer_surface.area)

    centres, level = _staggered_candidates(q_in, low_edge + r, float(top_edge.max()) - r,
                                           pitch, dirs[0])
    ok = np.ones(len(centres), dtype=bool)
    if len(centres):
        theta = np.arctan2(centres[:, 1], centres[:, 0])
        dev = np.abs(np.angle(np.exp(1j * (theta[:, None] - np.radians(dirs)[None]))))
        ok &= dev.min(axis=1) <= np.radians(45.0) + 1e-9
        top_here = np.interp(np.mod(theta, 2 * np.pi), cols, top_edge, period=2 * np.pi)
        ok &= (centres[:, 2] + r <= top_here) & (centres[:, 2] - r >= low_edge)
        for ko in keep_outs:
            ok &= ko.distance(centres) >= ko.radius_mm + r
        if label_box is not None:
            ok &= _clear_of_label(centres, label_box, r + web)
    centres = centres[ok]
    level = level[ok] if len(centres) else np.zeros(0, int)
    axes, wall = _axes_and_walls(inner_surface, q_out, centres, r)
    good = np.isfinite(wall) & (wall < 4.0 * max(float(p.wall_thickness_mm),
                                                  float(getattr(p, "distal_wall_thickness_mm",
                                                                0.0)), 1.0))
    centres, axes, wall, level = centres[good], axes[good], wall[good], level[good]
    pick = _spread(centres, level, asked, pitch, dirs[0])
    centres, axes, wall = centres[pick], axes[pick], wall[pick]
    order = np.lexsort((np.mod(np.arctan2(centres[:, 1], centres[:, 0]), 2 * np.pi),
                        np.round(centres[:, 2], 3)))
    centres, axes, wall = centres[order], axes[order], wall[order]

    theta = np.arctan2(centres[:, 1], centres[:, 0])
    trim_here = np.interp(np.mod(theta, 2 * np.pi), cols, trim_z, period=2 * np.pi)
    ref = floor_z_mm if distal_ref_z_mm is None else distal_ref_z_mm
    warnings = _shortfall_warnings(p, asked, len(centres), d, web, low_edge,
                                   float(top_edge.max()), ceiling_reason)
    return Fenestrations(asked=asked, diameter_mm=d, web_mm=web, centres=centres, axes=axes,
                         wall_mm=wall, reach_mm=reach, outer_area_mm2=outer_area,
                         band_z_mm=(low_edge, float(top_edge.max())),
                         edge_to_trim_mm=trim_here - (centres[:, 2] + r),
                         edge_to_distal_mm=(centres[:, 2] - r) - ref,
                         sides=p.fenestration_sides.value, keep_outs=list(keep_outs),
                         warnings=warnings)


def _staggered_candidates(q_in: SurfaceQuery, z_lo: float, z_hi: float, pitch: float,
                          start_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate hole centres (n, 3) on the cavity between heights ``z_lo`` and ``z_hi``
    (mm), and the level (n,) of each: levels ``pitch * sqrt(3) / 2`` apart, centred in the
    range, every other one shifted half a step (:func:`_ring_candidates`)."""
    centres = np.zeros((0, 3))
    level = np.zeros(0, int)
    if z_hi >= z_lo:
        step = pitch * np.sqrt(3.0) / 2.0
        n_lv = int((z_hi - z_lo) // step) + 1
        z0 = z_lo + 0.5 * ((z_hi - z_lo) - (n_lv - 1) * step)
        rings = [_ring_candidates(q_in, z0 + i * step, pitch, 0.5 * (i % 2), start_deg)
                 for i in range(n_lv)]
        level = np.concatenate([np.full(len(c), i) for i, c in enumerate(rings)]) \
            if rings else level
        centres = np.vstack(rings) if rings else centres
    return centres, level


def _shortfall_warnings(p, asked: int, placed: int, d: float, web: float, low_edge: float,
                        high_edge: float, ceiling_reason: str) -> list[str]:
    """A warning when no hole or fewer holes than asked fit between the edges (mm)."""
    warnings: list[str] = []
    values = {"low": f"{low_edge:.0f} mm", "high": f"{high_edge:.0f} mm",
              "sides": p.fenestration_sides.value}
    if ceiling_reason:
        values["ceiling"] = ceiling_reason
    if placed == 0:
        values.update(size=f"{d:g} mm", diameter="fenestration_diameter_mm",
                      web="fenestration_web_mm")
        warnings.append(Message.of(
            N_("no ventilation hole of %(size)s fits the socket between %(low)s (distal end + "
               "margin) and %(high)s (trim band + margin, %(ceiling)s) on the %(sides)s "
               "side(s); lower %(diameter)s, %(web)s or the margins, or allow more sides")
            if ceiling_reason else
            N_("no ventilation hole of %(size)s fits the socket between %(low)s (distal end + "
               "margin) and %(high)s (trim band + margin) on the %(sides)s side(s); lower "
               "%(diameter)s, %(web)s or the margins, or allow more sides"), **values))
    elif placed < asked:
        values.update(placed=placed, asked=asked, size=f"{d:g} mm", web=f"{web:g} mm")
        warnings.append(Message.of(
            N_("%(placed)s of the %(asked)s ventilation holes asked fit (%(size)s, %(web)s web, "
               "%(sides)s side(s), between %(low)s (distal end + margin) and %(high)s (trim "
               "band + margin, %(ceiling)s)); placed %(placed)s")
            if ceiling_reason else
            N_("%(placed)s of the %(asked)s ventilation holes asked fit (%(size)s, %(web)s web, "
               "%(sides)s side(s), between %(low)s (distal end + margin) and %(high)s (trim "
               "band + margin)); placed %(placed)s"), **values))
    return warnings


def _clear_of_label(centres: np.ndarray, box: dict, clearance: float) -> np.ndarray:
    """Mask (n,): centres at least ``clearance`` outside the label's box (arc, height)."""
    radius = np.hypot(centres[:, 0], centres[:, 1])
    dtheta = np.angle(np.exp(1j * (np.arctan2(centres[:, 1], centres[:, 0])
                                   - np.radians(box["angle_deg"]))))
    arc = np.abs(dtheta) * radius
    dz = np.abs(centres[:, 2] - box["centre_z_mm"])
    return (arc >= 0.5 * box["width_mm"] + clearance) | (dz >= 0.5 * box["height_mm"] + clearance)


def _axes_and_walls(inner_surface: trimesh.Trimesh, q_out: SurfaceQuery, centres: np.ndarray,
                    r: float):
    """Outward axes (n, 3) (the cavity's vertex normals averaged over each hole's disc) and
    the wall (n,) along them to the outer surface (inf where the ray finds none)."""

    if not len(centres):
        return np.zeros((0, 3)), np.zeros(0)
    v = inner_surface.vertices
    vn = inner_surface.vertex_normals
    # Outward: away from the axis (the surface may be wound either way).
    radial = v.copy()
    radial[:, 2] = 0.0
    if float(np.sum(np.einsum("ij,ij->i", vn, radial))) < 0:
        vn = -vn
    tree = cKDTree(v)
    groups = tree.query_ball_point(centres, max(r, 6.0))
    axes = np.array([vn[g].sum(axis=0) if len(g) else vn[tree.query(c)[1]]
                     for g, c in zip(groups, centres)])
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    wall = q_out.cast(centres - 1e-3 * axes, axes) - 1e-3
    return axes, wall


def _spread(centres: np.ndarray, level: np.ndarray, asked: int, pitch: float,
            start_deg: float) -> np.ndarray:
    """Indices of up to ``asked`` centres at least ``pitch`` apart, spread by farthest-point
    sampling from the one at mid-height nearest ``start_deg``."""
    n = len(centres)
    if n == 0:
        return np.zeros(0, int)
    mid = np.sort(np.unique(level))[len(np.unique(level)) // 2]
    theta = np.arctan2(centres[:, 1], centres[:, 0])
    off = np.abs(np.angle(np.exp(1j * (theta - np.radians(start_deg)))))
    first = int(np.argmin(np.where(level == mid, off, np.inf)))
    chosen = [first]
    dmin = np.linalg.norm(centres - centres[first], axis=1)
    while len(chosen) < asked:
        cand = np.where(dmin >= pitch, dmin, -np.inf)
        k = int(np.argmax(cand))
        if not np.isfinite(cand[k]):
            break
        chosen.append(k)
        dmin = np.minimum(dmin, np.linalg.norm(centres - centres[k], axis=1))
    return np.array(chosen, dtype=int)
