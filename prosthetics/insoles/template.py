"""Parametric insole template fitted to a foot's plantar surface.

The insole lives in the foot frame (+X heel to toe, +Z up, the foot's plantar plane at
z = 0) and sits on a flat bottom at ``z = -base_thickness_mm``, which is also the printer's
bed.  It is built from:

1. **Top surface**: a height field on a regular grid (``surface_grid_mm``): the plantar
   height map (capped along the sides, lowered by the top-cover allowance), plus the arch
   fill, the metatarsal pad and the posting wedges.
2. **Outline**: the footprint offset by half the length margin (or graded from a shoe size;
   full or 3/4 length; :mod:`prosthetics.insoles.outline`), extruded as a CadQuery solid,
   and cut by the top (manifold3d).
3. **Heel cup**: a CadQuery wall along the rear of the outline, ``heel_cup_wall_mm``
   thick, cut by a band whose top is the rim surface standing ``heel_cup_depth_mm`` above
   the heel's contact point (tilted with the rearfoot post, fading out into the midfoot)
   where that stands above the top, and which is buried in the body elsewhere
   (:func:`wall_band`); joined to the top's slab before the outline's prism trims both.
4. **Other foot**: a true mirror about the XZ plane, face winding reversed.

The two CadQuery solids, tessellated, are kept in the geometry cache
(:mod:`prosthetics.cache`, :func:`outline_solids`) under their exact outline, heights and
code: importing CadQuery and building them took about 3 s of a 6 s insole, and a design
whose outline was made before loads neither CadQuery nor OpenCascade.

Posting is a wedge between the foot and the flat bottom: the top under the rearfoot (or
forefoot) is tilted by the set angle about the long axis relative to the plantar surface,
thicker on the medial side for a positive angle (a varus, medial post), on the lateral side
for a negative one.

Why the top is a mesh and not a B-spline face: a B-spline through the 2.5 mm grid
(119 x 49 poles) made OCC's common with the outline prism take 21-72 s and return an empty
or wrong solid; a coarse one (6 mm) misses the plantar contour by more than 0.5 mm.  The
figures are in docs/insole.md and bench/bench_insole.py.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
import trimesh
from scipy import ndimage
from scipy.interpolate import RegularGridInterpolator

from prosthetics import cache
from prosthetics.errors import N_, GeometryError, Message, ParameterError
from prosthetics.geometry import brep
from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD, tessellate
from prosthetics.geometry.meshing import from_manifold, to_manifold
from prosthetics.insoles.foot import Foot, Side
from prosthetics.insoles.outline import (
    LengthKind,
    OutlineFrom,
    SizeSystem,
    footprint_polygon,
    insole_outline,
)
from prosthetics.params import Params, param


@dataclass(frozen=True, kw_only=True)
class InsoleParams(Params):
    side: Side = param(Side.AUTO, label="Insole for",
                       help="left or right foot; auto: the scanned foot. The other foot's "
                            "insole is the mirror image")
    length_kind: LengthKind = param(LengthKind.FULL, label="Length",
                                    help="full, or three_quarter (ends behind the metatarsal "
                                         "heads)")
    outline_from: OutlineFrom = param(OutlineFrom.FOOTPRINT, label="Outline from",
                                      help="footprint (plus the margin) or shoe_size")
    length_margin_mm: float = param(6.0, label="Length margin", unit="mm", min=0.0, max=30.0,
                                    help="Insole length minus foot length; the footprint is "
                                         "offset by half of it all round")
    shoe_size: float | None = param(None, label="Shoe size", min=1.0, max=60.0,
                                    help="With outline_from = shoe_size (see docs/insole.md "
                                         "for the grading)")
    shoe_size_system: SizeSystem = param(SizeSystem.EU, label="Size system",
                                         help="eu (Paris point), uk, us_men, us_women")
    base_thickness_mm: float = param(3.0, label="Base thickness", unit="mm", min=1.5, max=12.0,
                                     help="Under the heel and ball (the thinnest part)")
    arch_fill_mm: float = param(0.0, label="Arch fill", unit="mm", min=0.0, max=8.0,
                                help="Raised into the medial arch beyond the scanned contour "
                                     "(0: follow the plantar surface)")
    heel_cup_depth_mm: float = param(12.0, label="Heel cup depth", unit="mm", min=0.0,
                                     max=30.0, help="Rim height above the heel's contact point "
                                                    "(6 shallow, 12 standard, 18-30 deep)")
    heel_cup_wall_mm: float = param(3.0, label="Heel cup wall", unit="mm", min=1.5, max=6.0)
    arch_max_height_mm: float = param(25.0, label="Highest arch", unit="mm", min=5.0,
                                      max=45.0, help="The top follows the medial arch up to "
                                                     "this height")
    midfoot_edge_mm: float = param(10.0, label="Midfoot edge", unit="mm", min=0.0, max=25.0,
                                   help="The top follows the foot up to this height along the "
                                        "sides of the heel and midfoot")
    forefoot_edge_mm: float = param(5.0, label="Forefoot edge", unit="mm", min=0.0, max=15.0,
                                    help="The top follows the foot up to this height under the "
                                         "forefoot and toes")
    rearfoot_posting_deg: float = param(0.0, label="Rearfoot posting", unit="deg", min=-10.0,
                                        max=10.0, help="Wedge about the long axis under the "
                                                       "heel: + medial (varus), - lateral; "
                                                       "clinically up to about 8 either way")
    forefoot_posting_deg: float = param(0.0, label="Forefoot posting", unit="deg", min=-10.0,
                                        max=10.0, help="Wedge under the forefoot: + medial, "
                                                       "- lateral; clinically up to about 6 "
                                                       "either way")
    met_pad_height_mm: float = param(0.0, label="Metatarsal pad height", unit="mm", min=0.0,
                                     max=8.0)
    met_pad_offset_mm: float = param(12.0, label="Metatarsal pad offset", unit="mm", min=0.0,
                                     max=40.0, help="Pad peak behind the metatarsal heads")
    met_pad_length_mm: float = param(40.0, label="Metatarsal pad length", unit="mm", min=15.0,
                                     max=70.0)
    met_pad_width_mm: float = param(28.0, label="Metatarsal pad width", unit="mm", min=10.0,
                                    max=60.0)
    top_cover_mm: float = param(0.0, label="Top cover allowance", unit="mm", min=0.0, max=4.0,
                                help="The top is lowered by this much for a glued cover")
    surface_grid_mm: float = param(1.5, label="Surface grid", unit="mm", min=0.5, max=5.0,
                                   help="Spacing of the top surface's mesh grid")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.top_cover_mm > self.base_thickness_mm - 1.0:
            raise ParameterError.of(N_("%(setting)s leaves less than 1 mm of the %(base)s base; "
                                       "lower it or raise %(base_setting)s"),
                                    setting=f"top_cover_mm = {self.top_cover_mm:g} mm",
                                    base=f"{self.base_thickness_mm:g} mm",
                                    base_setting="base_thickness_mm")


@dataclass(frozen=True, kw_only=True)
class InsoleExportParams(Params):
    printer: str = param("large_300", label="Printer",
                         help="A printer profile in templates/printers.toml (a full-length "
                              "adult insole is longer than a 220 mm bed)")
    material: str = param("tpu_95a", label="Material",
                          help="A material preset in templates/materials.toml")
    slice: bool = param(True, label="Slice with PrusaSlicer")
    layer_height_mm: float = param(0.2, label="Layer height", unit="mm", min=0.05, max=0.6)
    perimeters: int = param(3, label="Perimeters", min=1, max=20)
    infill_percent: float = param(20.0, label="Infill", unit="%", min=0.0, max=100.0,
                                  help="TPU insoles: 15-25 % gyroid is soft and springy; rigid "
                                       "PLA/PETG shells: 40-100 %")
    infill_pattern: str = param("gyroid", label="Infill pattern")


# ------------------------------------------------------------------------------ results

@dataclass(kw_only=True)
class InsoleResult:
    """A built insole.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Tessellated solid, mm, design frame (mirrored when ``mirrored``).
    outline_xy : (k, 2) float, mm
        Outline polygon (before any mirror).
    top : dict
        The top height field: ``xs`` (nx,), ``ys`` (ny,), ``z`` (nx, ny) mm, and the
        plantar heights ``plantar`` (nx, ny), the ``follow`` mask where the top is meant
        to follow the plantar surface, the posting ``wedge`` and the arch fill and pad
        ``pads`` (nx, ny) mm, the heel cup's ``rim`` (nx, ny) mm.
    side : Side
        The foot the insole is for.
    mirrored : bool
        Made for the other foot than the scanned one.
    metrics, timings_s, warnings
    """

    mesh: trimesh.Trimesh
    outline_xy: np.ndarray
    top: dict
    side: Side
    mirrored: bool
    params: InsoleParams
    metrics: dict = field(default_factory=dict)
    timings_s: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


# ------------------------------------------------------------------------ height fields

def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _medial_coordinate(X: np.ndarray, Y: np.ndarray, foot: Foot) -> np.ndarray:
    """Across the foot: 0 on its middle line, 1 at its medial edge, -1 at its lateral edge.

    The middle line and the half width run straight from the heel's (at 12 % of the
    length) to the ball's.
    """
    m = foot.measurements
    L = m.foot_length_mm
    centre = np.interp(X, [0.12 * L, m.met_heads_x_mm], [m.heel_centre_y_mm, m.ball_centre_y_mm])
    half = 0.5 * np.interp(X, [0.12 * L, m.met_heads_x_mm], [m.heel_width_mm, m.ball_width_mm])
    return foot.medial_sign * (Y - centre) / half


def _cap(X: np.ndarray, Y: np.ndarray, foot: Foot, p: InsoleParams) -> np.ndarray:
    """Highest the top follows the foot above the heel's contact point, (nx, ny) mm.

    ``midfoot_edge_mm`` along the rear two thirds and ``forefoot_edge_mm`` from the
    metatarsal heads on (the sides of the foot are not followed up), rising under the medial
    arch (25-65 % of the length, from the foot's middle line to its medial edge) to the
    arch's height plus the fill and 2 mm (at most ``arch_max_height_mm``), and to
    ``heel_cup_depth_mm`` around the heel (rear 22 %, fading out by 40 %), all with smooth
    transitions.
    """
    m = foot.measurements
    L = m.foot_length_mm
    s = _medial_coordinate(X, Y, foot)
    wx = _smoothstep((X - 0.25 * L) / (0.08 * L)) * (1 - _smoothstep((X - 0.57 * L) / (0.08 * L)))
    wy = _smoothstep((s + 0.1) / 0.4)
    # Along the sides: midfoot_edge_mm in the rear two thirds, forefoot_edge_mm from the
    # metatarsal heads on.
    side = np.interp(X, [0.60 * L, 0.70 * L], [p.midfoot_edge_mm, p.forefoot_edge_mm])
    # Under the arch, no higher than the arch itself (plus the fill and 2 mm): the top
    # does not climb the medial side of the foot.
    arch = min(p.arch_max_height_mm, m.arch_height_mm + p.arch_fill_mm + 2.0)
    cap = side + np.maximum(arch - side, 0.0) * wx * wy
    heel = 1.0 - _smoothstep((X - 0.22 * L) / (0.18 * L))
    return np.maximum(cap, p.heel_cup_depth_mm * heel)


def _posting(X, Y, foot: Foot, p: InsoleParams, outline) -> np.ndarray:
    """Wedge thickness (mm) added between foot and bottom, (nx, ny)."""
    L = foot.measurements.foot_length_mm
    ms = foot.medial_sign
    oxy = np.asarray(outline.exterior.coords)
    W = np.zeros_like(X)
    for deg, (a, b), weight in (
            (p.rearfoot_posting_deg, (-1e3, 0.35 * L), np.interp(X, [0.30 * L, 0.50 * L], [1, 0])),
            (p.forefoot_posting_deg, (0.62 * L, 1e4), np.interp(X, [0.50 * L, 0.65 * L], [0, 1]))):
        if deg == 0:
            continue
        s = ms * np.sign(deg)            # +1: thick towards +Y
        sel = (oxy[:, 0] >= a) & (oxy[:, 0] <= b)
        thin = float(np.min(s * oxy[sel, 1]))
        W += math.tan(math.radians(abs(deg))) * np.maximum(s * Y - thin, 0.0) * weight
    return W


def top_height_field(foot: Foot, p: InsoleParams, outline, fp=None):
    """The top surface as heights on a grid covering the outline (foot frame, unmirrored).

    ``fp`` is the footprint polygon (:func:`footprint_polygon`), computed when not given.
    """

    m = foot.measurements
    L = m.foot_length_mm
    g = p.surface_grid_mm
    x0, y0, x1, y1 = outline.bounds
    xs = np.arange(x0 - 2 * g, x1 + 2.5 * g, g)
    ys = np.arange(y0 - 2 * g, y1 + 2.5 * g, g)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    plantar = foot.heights.sample(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)

    fp = footprint_polygon(foot) if fp is None else fp
    inner = shapely.contains_xy(fp.buffer(-6.0), X, Y)
    # Heel centre: the lowest plantar point of the rear 25 %, where the rim height is taken.
    rear = (X < 0.25 * L) & inner
    k = np.unravel_index(np.argmin(np.where(rear, plantar, np.inf)), X.shape)
    heel_z = float(plantar[k]) - p.top_cover_mm
    # The caps count from the heel's contact point (a sole a little below the plantar plane
    # there would otherwise make the cup deeper than set).
    cap = heel_z + _cap(X, Y, foot, p)
    T = np.minimum(plantar - p.top_cover_mm, cap)
    ms = foot.medial_sign
    # Arch fill: a bump under the medial arch, along x a Gaussian about the arch's peak,
    # across from the foot's middle to its medial edge.
    pads = np.zeros_like(X)
    if p.arch_fill_mm > 0:
        s = _medial_coordinate(X, Y, foot)
        gx = np.exp(-0.5 * ((X - m.arch_x_mm) / (0.12 * L)) ** 2)
        gy = _smoothstep((s + 0.1) / 0.6) * (1.0 - _smoothstep((s - 0.95) / 0.3))
        pads = pads + p.arch_fill_mm * gx * gy
    if p.met_pad_height_mm > 0:
        cx = m.met_heads_x_mm - p.met_pad_offset_mm
        cy = m.ball_centre_y_mm + ms * 0.08 * m.ball_width_mm
        r = np.sqrt(((X - cx) / (p.met_pad_length_mm / 2)) ** 2
                    + ((Y - cy) / (p.met_pad_width_mm / 2)) ** 2)
        pads = pads + p.met_pad_height_mm * np.where(r < 1, np.cos(0.5 * np.pi * r) ** 2, 0.0)
    W = _posting(X, Y, foot, p, outline)
    T = T + pads + W
    # Where the top is meant to follow the plantar surface: inside the footprint by 6 mm,
    # below the caps.
    follow = inner & (plantar - p.top_cover_mm < cap - 1.0)
    heel = (float(X[k]), float(Y[k]), float(T[k]))
    # The rim: heel_cup_depth above the heel's contact point, tilted with the rear post,
    # fading out into the midfoot.
    fade = 1.0 - _smoothstep((X - 0.22 * L) / (0.18 * L))
    R = heel[2] + p.heel_cup_depth_mm * fade + (W - W[k]) - 0.5 * (1 - fade)
    # A little smoothing of T outside the footprint: the B-spline then does not ring there.
    T_s = ndimage.gaussian_filter(T, 0.7)
    T = np.where(inner, T, T_s)
    return {"xs": xs, "ys": ys, "z": T, "plantar": plantar, "follow": follow, "wedge": W,
            "pads": pads, "rim": R, "heel_centre": heel, "cap": cap}


# ------------------------------------------------------------------------------- solids

#: Tessellation tolerance of the outline and heel cup prisms, mm (absolute).
PRISM_TOLERANCE_MM = 0.01


def _polygon_digest(poly) -> str:
    """Hex digest of a polygon's rings (their exact coordinates, in order), for a cache key.

    Exact, not rounded: the booleans with the top are sensitive to the last bits (a prism
    1e-12 mm off gave a few sliver triangles more), and a cached prism must be the one a
    build would give.  The foot stage gives the same bits whatever the thread count."""
    h = hashlib.sha256()
    for ring in (poly.exterior, *poly.interiors):
        xy = np.ascontiguousarray(np.asarray(ring.coords, dtype="<f8"))
        h.update(np.int64(len(xy)).tobytes())
        h.update(xy.tobytes())
    return h.hexdigest()


def outline_solids(outline, z_bot: float, z_top: float, ring=None,
                   ring_top: float | None = None) -> tuple[trimesh.Trimesh, trimesh.Trimesh | None]:
    """The outline's prism and the heel cup wall's, as CadQuery solids tessellated.

    Both are built once per outline, heights and code, and kept in the geometry cache
    (:mod:`prosthetics.cache`): a design whose outline was seen before loads neither
    CadQuery nor OpenCascade.

    Parameters
    ----------
    outline : shapely.Polygon
        The insole's outline, mm, foot frame.
    z_bot, z_top : float, mm
        The prism's bottom and top.
    ring : shapely.Polygon, optional
        The heel cup wall seen from above, extruded from ``z_bot`` to ``ring_top``.

    Returns
    -------
    prism, wall : trimesh.Trimesh
        Closed meshes, mm; ``wall`` is None without a ``ring``.

    Raises
    ------
    GeometryError
        When OCC builds an invalid solid or its mesh does not match it.
    """
    z_bot, z_top = float(z_bot), float(z_top)
    key = {"outline": _polygon_digest(outline), "z_mm": [z_bot, z_top],
           "tolerance_mm": PRISM_TOLERANCE_MM, "angular_rad": ANGULAR_TOLERANCE_RAD}
    if ring is not None:
        ring_top = float(ring_top)
        key.update(ring=_polygon_digest(ring), ring_top_mm=ring_top)

    def build() -> dict[str, trimesh.Trimesh]:
        out = {"outline": tessellate(_prism(outline, z_bot, z_top), PRISM_TOLERANCE_MM,
                                     what="outline", fix="check the outline parameters")}
        if ring is not None:
            out["heel_cup_wall"] = tessellate(_prism(ring, z_bot, ring_top),
                                              PRISM_TOLERANCE_MM, what="heel cup wall",
                                              fix="check the outline parameters")
        return out

    meshes, _hit = cache.cached_meshes("insole_outline", key, build,
                                       sources=[__file__, brep.__file__],
                                       libraries=["cadquery", "cadquery-ocp", "trimesh"])
    return meshes["outline"], meshes.get("heel_cup_wall")


def _prism(poly, z0: float, z1: float):
    """CadQuery solid: a shapely polygon (holes allowed) extruded from z0 to z1 (mm)."""
    import cadquery as cq

    def wire(coords):
        pts = [cq.Vector(float(x), float(y), z0) for x, y in np.asarray(coords)[:-1]]
        return cq.Wire.makePolygon(pts, close=True)

    face = cq.Face.makeFromWires(wire(poly.exterior.coords),
                                 [wire(h.coords) for h in poly.interiors])
    return cq.Solid.extrudeLinear(face, cq.Vector(0, 0, z1 - z0))


def height_field_slab(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, z_low):
    """Closed mesh between two height fields: top (X, Y, Z), bottom (X, Y, z_low), four
    sides.

    Parameters
    ----------
    xs (nx,), ys (ny,) : float, mm
    Z : (nx, ny) float, mm
    z_low : float or (nx, ny) float, mm
        A flat bottom, or a bottom height under each node (below ``Z`` everywhere).
    """
    nx, ny = Z.shape
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    top = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    bot = np.column_stack([X.ravel(), Y.ravel(),
                           np.broadcast_to(np.asarray(z_low, dtype=float), (nx, ny)).ravel()])
    idx = np.arange(nx * ny).reshape(nx, ny)
    a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
    c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    # Counter-clockwise seen from above: (a, b, c), (a, c, d); the bottom reversed.
    ftop = np.vstack([np.column_stack([a, b, c]), np.column_stack([a, c, d])])
    n = nx * ny
    fbot = ftop[:, ::-1] + n
    ring = np.concatenate([idx[:, 0], idx[-1, 1:], idx[-2::-1, -1], idx[0, -2:0:-1]])
    r0, r1 = ring, np.roll(ring, -1)
    # The ring runs counter-clockwise seen from above; each side quad faces outward.
    fside = np.vstack([np.column_stack([r0, r0 + n, r1]), np.column_stack([r1, r0 + n, r1 + n])])
    mesh = trimesh.Trimesh(np.vstack([top, bot]), np.vstack([ftop, fbot, fside]), process=False)
    # Wound outward when xs and ys both increase (or both decrease): the top's (a, b, c)
    # turns by dx * dy.  The sign tells it without the volume's sum over every face.
    if (xs[-1] - xs[0]) * (ys[-1] - ys[0]) < 0:
        mesh.invert()
    return mesh


#: The heel cup wall stands on the top only where its rim is at least this much higher
#: (mm); a rim closer than that to the top is left out.
RIM_CLEARANCE_MM = 0.05
#: The wall's band reaches this far down into the body (mm); where there is no rim its
#: top is half as deep, so the band is buried in the body there.
WALL_BAND_DEPTH_MM = 0.5


def wall_band(T: np.ndarray, rim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top and bottom heights (nx, ny) mm of the heel cup wall's band over the grid.

    The wall is the ring of the outline's rear, cut by this band and joined to the body
    (whose top is ``T``).  The band's top is the rim where the rim stands more than
    :data:`RIM_CLEARANCE_MM` above ``T``, elsewhere :data:`WALL_BAND_DEPTH_MM` / 2 below
    ``T``; its bottom is :data:`WALL_BAND_DEPTH_MM` below ``T``.  So the band's surfaces
    either cross the top at a clear angle or stay inside the body.

    Why: around the heel the top is capped at the rim's own height (the same wedge added),
    so a wall cut at the rim has its top on the body's top, different from it only by the
    rounding of two sums, and a bottom on the bed beside the body's.  The union of those
    near-coincident faces left slivers that did not weld into one closed solid, at posting
    angles that looked random (rearfoot -8, -6, -3, -2, +4 and +10 degrees failed on the
    sample foot).
    """
    clear = rim > T + RIM_CLEARANCE_MM
    top = np.where(clear, rim, T - 0.5 * WALL_BAND_DEPTH_MM)
    return top, T - WALL_BAND_DEPTH_MM


def mirror_y(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """A true mirror about the XZ plane (y -> -y), with the face winding reversed so the
    normals still point outward."""
    v = mesh.vertices.copy()
    v[:, 1] = -v[:, 1]
    return trimesh.Trimesh(v, mesh.faces[:, ::-1].copy(), process=False)


def build_insole(foot: Foot, params: InsoleParams | None = None) -> InsoleResult:
    """Fit the insole template to a foot.

    The outline and the heel cup's wall are CadQuery solids (prisms of the parametric
    outline, from the geometry cache when made before: :func:`outline_solids`); the top is
    a height-field mesh at ``surface_grid_mm`` (the plantar surface, arch fill, pad and
    posting wedges).  With manifold3d the wall is cut by its band (:func:`wall_band`) and
    joined to the slab under the top, and the outline's prism trims the two: the
    insole's side and bottom are the prism's alone.  (A B-spline top through the same grid
    made OCC's booleans take 20-70 s and return empty or wrong solids: see
    docs/insole.md.)

    Raises
    ------
    GeometryError
        When a solid comes out invalid, in pieces, or its B-rep and mesh volumes disagree.
    """

    p = params or InsoleParams()
    t_all = time.perf_counter()
    timings = {}
    warnings = []
    side = foot.side if p.side is Side.AUTO else p.side
    mirrored = side is not foot.side
    L = foot.measurements.foot_length_mm

    t = time.perf_counter()
    fp = footprint_polygon(foot)
    outline, notes = insole_outline(foot, p, fp)
    top = top_height_field(foot, p, outline, fp)
    xs, ys, T = top["xs"], top["ys"], top["z"]
    z_bot = -p.base_thickness_mm
    # At least 1 mm of material everywhere (a sole below the plantar plane, a low edge).
    floor_t = z_bot + 1.0
    thin = top["follow"] & (T < floor_t)
    if thin.any():
        warnings.append(Message.of(N_("%(cells)s cells of the contact area were raised to keep "
                                      "1 mm of material (the sole dips %(dip)s below it); raise "
                                      "%(setting)s"), cells=int(thin.sum()),
                                   dip=f"{floor_t - float(T[thin].min()):.1f} mm",
                                   setting="base_thickness_mm"))
    T = np.maximum(T, floor_t)
    top["z"] = T
    timings["height_field"] = time.perf_counter() - t

    t = time.perf_counter()
    ring = rmax = None
    if p.heel_cup_depth_mm > 0:
        # The wall seen from above reaches 0.5 mm outside the outline (the grid reaches at
        # least 1 mm), which the outline's prism then trims: the insole's side is one
        # face, never two close ones.
        ring = outline.buffer(0.5, quad_segs=16).difference(
            outline.buffer(-p.heel_cup_wall_mm, quad_segs=16))
        ring = ring.intersection(shapely.box(-1e3, -1e3, 0.40 * L, 1e3))
        if ring.geom_type == "MultiPolygon":
            ring = max(ring.geoms, key=lambda g: g.area)
        wall_top, wall_bottom = wall_band(T, top["rim"])
        rmax = float(wall_top.max()) + 5.0
    prism, ring_mesh = outline_solids(outline, z_bot, float(T.max()) + 5.0, ring, rmax)
    timings["outline_solids"] = time.perf_counter() - t

    t = time.perf_counter()
    upper = to_manifold(height_field_slab(xs, ys, T, z_bot - 1.0))
    if ring is not None:
        band = height_field_slab(xs, ys, wall_top, wall_bottom)
        upper = upper + (to_manifold(ring_mesh) ^ to_manifold(band))
    body = to_manifold(prism) ^ upper
    mesh = from_manifold(body)
    timings["booleans"] = time.perf_counter() - t
    bodies = mesh.split(only_watertight=False)
    if len(bodies) != 1:
        raise GeometryError.of(N_("the insole came out in %(count)s pieces; check the outline "
                                  "and heel cup parameters"), count=len(bodies))
    if mirrored:
        mesh = mirror_y(mesh)
    if not mesh.is_watertight or mesh.volume <= 0:
        raise GeometryError.of(N_("the insole mesh is not a closed solid; check the "
                                  "parameters"))
    timings["total"] = time.perf_counter() - t_all
    metrics = {"volume_ml": round(float(mesh.volume) / 1000, 3),
               "surface_grid_mm": p.surface_grid_mm, **notes}
    if ring is not None:
        metrics["heel_cup_wall_area_mm2"] = round(ring.intersection(outline).area, 1)
    return InsoleResult(mesh=mesh, outline_xy=np.asarray(outline.exterior.coords),
                        top=top, side=side, mirrored=mirrored, params=p, metrics=metrics,
                        timings_s={k: round(v, 3) for k, v in timings.items()},
                        warnings=warnings)


# ------------------------------------------------------------------------------ checks

#: Rays are taken to touch a triangle whose bounds come this close (mm), as trimesh's
#: ray test pads a ray's bounds.
_RAY_PAD_MM = 1e-5


def _column_candidates(mesh: trimesh.Trimesh, xy: np.ndarray):
    """Pairs (triangle, point) whose xy bounds, padded by :data:`_RAY_PAD_MM`, meet.

    A uniform grid of cells about twice the typical triangle's size holds every triangle
    in the cells its padded bounds cover; each point takes its own cell's triangles and
    keeps those whose bounds hold it.  Returns (k,) triangle and (k,) point indices,
    grouped by point.
    """
    tri = mesh.triangles[:, :, :2]
    lo, hi = tri.min(axis=1) - _RAY_PAD_MM, tri.max(axis=1) + _RAY_PAD_MM
    cell = max(2.0 * float(np.median(np.max(hi - lo, axis=1))), 1e-3)
    origin = lo.min(axis=0)
    c0 = np.floor((lo - origin) / cell).astype(np.int64)
    c1 = np.floor((hi - origin) / cell).astype(np.int64)
    ny = int(c1[:, 1].max()) + 1
    span = c1 - c0 + 1
    count = span[:, 0] * span[:, 1]
    owner = np.repeat(np.arange(len(tri)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    ci = c0[owner, 0] + k // span[owner, 1]
    cj = c0[owner, 1] + k % span[owner, 1]
    key = ci * ny + cj
    order = np.argsort(key, kind="stable")
    key, owner = key[order], owner[order]
    q = np.floor((xy - origin) / cell).astype(np.int64)
    inside = (q >= 0).all(axis=1) & (q[:, 1] < ny)
    qkey = np.where(inside, q[:, 0] * ny + q[:, 1], -1)
    start = np.searchsorted(key, qkey, side="left")
    n = np.where(inside, np.searchsorted(key, qkey, side="right") - start, 0)
    point = np.repeat(np.arange(len(xy)), n)
    pos = np.repeat(start, n) + np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    cand = owner[pos]
    p = xy[point]
    ok = ((lo[cand] <= p) & (hi[cand] >= p)).all(axis=1)
    return cand[ok], point[ok]


def top_z_at(mesh: trimesh.Trimesh, xy: np.ndarray) -> np.ndarray:
    """Height of the first surface hit from above at points (n, 2); NaN where none, (n,).

    trimesh's ray test (the same plane intersection, barycentric test and first hit per
    ray), with the triangles a vertical ray may meet found on a grid instead of trimesh's
    r-tree, which took ten times as long for these rays.
    """
    from trimesh import intersections
    from trimesh import triangles as triangles_mod
    from trimesh.constants import tol

    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    z = np.full(len(xy), np.nan)
    if not len(xy) or not len(mesh.faces):
        return z
    origins = np.column_stack([xy, np.full(len(xy), mesh.bounds[1, 2] + 10.0)])
    down = np.array([0.0, 0.0, -1.0])
    cand, ray = _column_candidates(mesh, xy)
    tri = mesh.triangles[cand]
    loc, valid = intersections.planes_lines(
        plane_origins=tri[:, 0], plane_normals=mesh.face_normals[cand],
        line_origins=origins[ray], line_directions=np.broadcast_to(down, (len(ray), 3)))
    # Sliver triangles along the booleans' seams divide by zero in the barycentric test;
    # those rays fall to a neighbour triangle, so the warning is noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        bary = triangles_mod.points_to_barycentric(tri[valid], loc)
    hit = (bary > -tol.zero).all(axis=1) & (bary < 1 + tol.zero).all(axis=1)
    ray, loc = ray[valid][hit], loc[hit]
    dist = (loc - origins[ray]) @ down
    forward = dist > -1e-6
    ray, loc, dist = ray[forward], loc[forward], dist[forward]
    if len(ray):
        order = np.lexsort((dist, ray))
        first = order[np.r_[True, ray[order][1:] != ray[order][:-1]]]
        z[ray[first]] = loc[first, 2]
    return z


def measure_insole(res: InsoleResult, foot: Foot, plantar_truth=None, n_max: int = 4000) -> dict:
    """Measure the built insole against its intent.

    Parameters
    ----------
    res, foot
        The insole and the foot it was fitted to.
    plantar_truth : callable, optional
        ``(n, 2) -> (n,)`` plantar heights of a ground truth in the same frame (tests).

    Returns
    -------
    dict
        ``length_mm``, ``top_vs_design_mm`` (mesh top against the height field: the
        B-spline and tessellation error), ``top_vs_plantar_mm`` (against the plantar
        surface, over the contact area where the top follows it; cover and wedges taken
        off), ``heel_cup_depth_mm`` (rim above the heel's contact point),
        ``rearfoot_posting_deg``, ``forefoot_posting_deg`` (measured on the mesh).
    """
    p = res.params
    mesh = res.mesh
    top = res.top
    X, Y = np.meshgrid(top["xs"], top["ys"], indexing="ij")
    sgn = -1.0 if res.mirrored else 1.0        # mesh y = sgn * design y
    L = foot.measurements.foot_length_mm
    out = {"length_mm": round(float(np.ptp(mesh.vertices[:, 0])), 2),
           "width_mm": round(float(np.ptp(mesh.vertices[:, 1])), 2)}

    # Random points in the cells where the top follows the foot (between grid nodes too).
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(top["follow"].ravel())
    idx = idx[rng.integers(0, len(idx), n_max)]
    g = p.surface_grid_mm
    xy = np.column_stack([X.ravel()[idx], Y.ravel()[idx]]) + rng.uniform(-g / 2, g / 2, (n_max, 2))
    # Heel cup: the rim at the back of the heel, on the heel's centre line, above the top at
    # the heel's contact point; the rim's top is taken from above in the middle of the wall
    # at the back, on that line.  Cast with the other rays, in one go.
    hx, hy, _hz = top["heel_centre"]
    line = shapely.LineString([(-1e3, hy), (1e3, hy)]).intersection(
        shapely.Polygon(res.outline_xy))
    x_back = float(line.bounds[0]) + 0.5 * p.heel_cup_wall_mm
    z_all = top_z_at(mesh, np.column_stack([np.r_[xy[:, 0], hx, x_back],
                                            sgn * np.r_[xy[:, 1], hy, hy]]))
    zt, (z_heel, z_rim) = z_all[:n_max], z_all[n_max:]
    ok = np.isfinite(zt)

    def field(name):
        # Points jittered past the grid's last row (a 3/4 insole's front edge) are left out.
        return RegularGridInterpolator((top["xs"], top["ys"]), top[name], bounds_error=False,
                                       fill_value=np.nan)(xy)

    def stats(d):
        d = np.abs(d[np.isfinite(d)])
        return {"mean": round(float(d.mean()), 3), "p95": round(float(np.percentile(d, 95)), 3),
                "max": round(float(d.max()), 3), "points": int(len(d))}

    out["top_vs_design_mm"] = stats(zt - field("z"))
    pads = p.arch_fill_mm > 0 or p.met_pad_height_mm > 0
    plantar_here = foot.heights.sample(xy) if plantar_truth is None else plantar_truth(xy)
    if not pads:
        out["top_vs_plantar_mm"] = stats(zt - field("wedge") + p.top_cover_mm - plantar_here)
        out["contact_area_cm2"] = round(float(top["follow"].sum()) * g * g / 100.0, 1)
    out["heel_cup_depth_mm"] = round(float(z_rim - z_heel), 3) if p.heel_cup_depth_mm > 0 \
        else 0.0
    # Posting: the wedge is top minus plantar (and minus the arch fill and the pad, whose
    # flanks would tilt it: a 4 mm fill read as 1 degree more rearfoot post); its slope
    # across the foot under the rearfoot (5-25 % of the length) and the forefoot
    # (72-85 %), from a plane fit.
    ms = foot.medial_sign
    raised = field("pads") if pads else np.zeros(n_max)
    for name, (a, b) in (("rearfoot_posting_deg", (0.05 * L, 0.25 * L)),
                         ("forefoot_posting_deg", (0.72 * L, 0.85 * L))):
        sel = ok & (xy[:, 0] > a) & (xy[:, 0] < b)
        if sel.sum() < 20:
            out[name] = None
            continue
        wedge = zt[sel] - plantar_here[sel] - raised[sel]
        A = np.column_stack([xy[sel, 0], xy[sel, 1], np.ones(sel.sum())])
        coef, *_ = np.linalg.lstsq(A, wedge, rcond=None)
        out[name] = round(float(np.degrees(np.arctan(ms * coef[1]))), 3)
    return out
