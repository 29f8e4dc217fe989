"""The socket as an exact B-rep (CadQuery/OCC) from the same design as its mesh: the STEP part.

The mesh path (:mod:`prosthetics.sockets.engine`) builds the socket from a ring grid of
sections; this module builds the same part as one OCC solid of smooth surfaces, from the
same arrays (the :class:`~prosthetics.sockets.engine.SocketResult`):

- **cavity, brim and outer wall**: bicubic B-spline faces through the grid's rows
  (cavity from its distal pole up to the trim line; the half-round brim; outer wall from
  the trim line down to its pole; each pole with its first rows a small face apart,
  :data:`POLE_CAP_ROWS`), periodic around the axis with one shared uniform
  parameter (so neighbouring faces share their boundary curves exactly and sew at 1e-5 mm),
  chord-length along the rows.  The surfaces interpolate the grid's points and, in the
  row gaps where the surface through the rows alone strays more than
  :data:`MIDPOINT_TOLERANCE_MM` from them, the midpoints of its edges along the rows
  (points of the mesh's own triangles): on the sample limb, interpolating the grid points
  alone left the surface up to 0.35 mm off the mesh's flat triangles where the rows bend
  (the scanned skin is not fair); with every midpoint, 0.27 mm (141 rows in the cavity and
  the outer wall); with those needed, 0.27 mm (98 and 103 rows) and the STEP 3.4 -> 2.7
  MB.  A pole is a degenerate row of the surface.
- **the distal interface**: the adapter library's own CadQuery B-rep (plate, coupler or
  block; its cutters cut to the heights the mesh's holes have), placed by the socket's
  alignment.  With a distal fillet ring the distal end's outer surface runs down the wall,
  round the fillet's arc (each column's, as the mesh's) and down the pedestal's side into
  the block (:func:`fillet_bands`), and only the block is united with it: the mesh's
  wall, pedestal and ring as one surface.  Made as the mesh is made (the ring a B-spline
  solid through the fillet's profiles united with the wall by fuzzy unions) it took
  10-60 s, the ring's arc being tangent to the wall where it touches it, and gave a wrong
  solid or none when the ring moved by a few tenths of a millimetre.  Without a fillet
  the pedestal is a cylinder over the block from which the solid under the middle of the
  wall is taken away, so that its top lies inside the wall, united with the wall.
- **ventilation holes**: exact cylinders along the holes' axes (the mesh has 32-sided ones).
- **the label** (text wrapped onto the curved wall) is not made: the STEP leaves it off and
  says so (:data:`LABEL_LEFT_OFF`), and the check against the mesh leaves out the wall
  under it.

:func:`check_against_mesh` measures the B-rep against the printed mesh (volume, both ways
surface distances on a fine tessellation, refined on the exact faces where the tessellation
strays, BRepCheck, one solid).  The module imports CadQuery
and OCP at the top: it is imported only in the process that writes a STEP file
(:mod:`prosthetics.design.socket_writer`).
"""

from __future__ import annotations

import functools
import time

import cadquery as cq
import numpy as np
import trimesh
from OCP.BRep import BRep_Builder, BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Surface
from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeFace, BRepBuilderAPI_Sewing
from OCP.BRepCheck import BRepCheck_Analyzer
from OCP.BRepClass import BRepClass_FaceClassifier
from OCP.BRepGProp import BRepGProp
from OCP.BRepMesh import BRepMesh_IncrementalMesh
from OCP.BRepTools import BRepTools
from OCP.Geom import Geom_BSplineSurface
from OCP.GeomAbs import GeomAbs_BSplineSurface
from OCP.gp import gp_Pnt
from OCP.GProp import GProp_GProps
from OCP.ShapeAnalysis import ShapeAnalysis_Surface
from OCP.ShapeFix import ShapeFix_Solid
from OCP.TColgp import TColgp_Array2OfPnt
from OCP.TColStd import TColStd_Array1OfInteger, TColStd_Array1OfReal
from OCP.TopAbs import TopAbs_FACE, TopAbs_OUT, TopAbs_SHELL
from OCP.TopoDS import TopoDS, TopoDS_Face, TopoDS_Shell, TopoDS_Solid
from scipy.interpolate import make_interp_spline
from scipy.spatial import cKDTree

from prosthetics.errors import N_, GeometryError
from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.sockets import engine
from prosthetics.sockets.mounts import _placed
from prosthetics.sockets.regions import distal_blend, point_segment_distance

#: Sewing tolerance of the faces, mm: neighbouring faces share their boundary curves to
#: rounding, so this only absorbs it.
SEW_TOLERANCE_MM = 1e-5
#: Each pole gets a face of its own, through the pole and this many rows round it: OCC's
#: mesher triangulated a whole cavity face with its pole in triangles up to 42 mm long (2 mm
#: off the surface at 0.05 mm asked); with the pole's cap apart, 0.2 mm at most.
POLE_CAP_ROWS = 2
#: Where the distal fillet's arc starts beside the block (tangent to its side), the distal
#: end's surface goes down this far outside the block's side, mm.
BESIDE_BLOCK_MM = 0.05
#: The wall is cut across this far above the distal interface's highest point, mm.
SPLIT_ABOVE_MM = 5.0
#: Tolerance of the B-rep's tessellation for the check against the mesh, mm.
CHECK_TESSELLATION_MM = 0.03
#: What the check asks: volume within 0.5 %, surface distances (both ways) mean and max, mm.
VOLUME_TOLERANCE = 0.005
MEAN_DISTANCE_MM, MAX_DISTANCE_MM = 0.05, 0.3
#: Points sampled on each surface for the distance check.
CHECK_SAMPLES = 60_000
#: Points further than this from the other surface, measured on the B-rep's tessellation,
#: are measured again on its exact faces, mm.  OCC's mesher leaves some trimmed B-spline
#: faces up to 0.8 mm off their surface whatever deflection is asked (the outer wall near
#: the distal fillet ring on the sample limb), while the surface itself lies within 0.06 mm
#: of the mesh there.
REFINE_ABOVE_MM = 0.2
#: The warning for a design with a label.
LABEL_LEFT_OFF = ("the STEP file leaves the embossed label off (the text wrapped onto the "
                  "wall is in the STL and 3MF only)")


def _array1(values, cls):
    out = cls(1, len(values))
    for i, x in enumerate(values):
        out.SetValue(i + 1, x)
    return out


def grid_surface(points: np.ndarray) -> Geom_BSplineSurface:
    """A B-spline surface through a ring grid (:func:`grid_surface_v`, without its rows'
    parameters)."""
    return grid_surface_v(points)[0]


def _chord_v(rows: np.ndarray) -> np.ndarray:
    """Each row's parameter in [0, 1] by the rows' mean chord length."""
    step = np.linalg.norm(np.diff(rows, axis=0), axis=2).mean(axis=1)
    v = np.concatenate([[0.0], np.cumsum(np.maximum(step, 1e-9))])
    return v / v[-1]


@functools.lru_cache(maxsize=8)
def _periodic_inverse(m: int) -> np.ndarray:
    """The matrix that takes ``m`` values at the knots j / m of a uniform periodic cubic
    B-spline to its poles (each value is (P[j] + 4 P[j + 1] + P[j + 2]) / 6, indices
    modulo ``m``): scipy's periodic ``make_interp_spline`` to 1e-13, a matrix product
    instead of its solver (0.4 s for a socket's wall, most of the wall's build)."""
    a = np.zeros((m, m))
    j = np.arange(m)
    for shift, w in ((0, 1.0 / 6.0), (1, 4.0 / 6.0), (2, 1.0 / 6.0)):
        a[j, (j + shift) % m] += w
    return np.linalg.inv(a)


def grid_surface_v(points: np.ndarray) -> tuple[Geom_BSplineSurface, np.ndarray]:
    """A B-spline surface through a ring grid, periodic around it.

    Parameters
    ----------
    points : (rows, columns, 3) float, mm
        Rows along the surface (v), columns around the axis (u, periodic: the last column
        is followed by the first).  A row may be a single point repeated (a pole).

    Returns
    -------
    (Geom_BSplineSurface, (rows,) float)
        The surface, through every point; u in [0, 1] with column j at j / columns (the same for every
        surface with as many columns, so two surfaces through one row share that row's
        curve); v in [0, 1] by the rows' mean chord length; cubic in u, cubic in v (linear
        for two rows).  And each row's v.
    """
    nv, m = points.shape[:2]
    k = min(3, nv - 1)
    v = _chord_v(points)
    along = make_interp_spline(v, points, k=k, axis=0)
    u = np.arange(m + 1) / m
    poles = np.einsum("ij,rjk->rik", _periodic_inverse(m), along.c)
    knots_v, mults_v = np.unique(np.round(along.t, 12), return_counts=True)
    arr = TColgp_Array2OfPnt(1, m, 1, poles.shape[0])
    for j, row in enumerate(poles.tolist()):
        for i, p in enumerate(row):
            arr.SetValue(i + 1, j + 1, gp_Pnt(*p))
    return Geom_BSplineSurface(arr, _array1(u.tolist(), TColStd_Array1OfReal),
                               _array1(knots_v.tolist(), TColStd_Array1OfReal),
                               _array1([1] * (m + 1), TColStd_Array1OfInteger),
                               _array1(mults_v.tolist(), TColStd_Array1OfInteger), 3, k,
                               True, False), v


def ring_solid(bands: list[np.ndarray], what: str) -> cq.Solid:
    """A closed solid from bands of a ring grid that together close it.

    Each band (rows, columns, 3) starts on the row the previous one ended on (the last
    band ends on the first band's first row, or both ends are poles); a band may also be a
    face already made (``TopoDS_Face``).
    """
    sew = BRepBuilderAPI_Sewing(SEW_TOLERANCE_MM)
    for band in bands:
        sew.Add(band if isinstance(band, TopoDS_Face)
                else BRepBuilderAPI_MakeFace(grid_surface(band), 1e-6).Face())
    sew.Perform()
    shell = sew.SewedShape()
    builder = BRep_Builder()
    if shell.ShapeType() == TopAbs_FACE:
        # One face closed on itself (periodic, poles at both ends) is its own shell.
        face, shell = shell, TopoDS_Shell()
        builder.MakeShell(shell)
        builder.Add(shell, face)
        shell.Closed(True)
    if shell.ShapeType() != TopAbs_SHELL:
        raise GeometryError(f"the {what}'s faces did not sew into one closed shell")
    solid = TopoDS_Solid()
    builder.MakeSolid(solid)
    builder.Add(solid, TopoDS.Shell_s(shell))
    out = cq.Solid(solid)
    if _rough_volume_mm3(out) < 0:
        out = cq.Solid(solid.Reversed())
    return out


def _rough_volume_mm3(shape) -> float:
    """A solid's volume at GProp's default precision (about 1 %): its sign tells a solid
    turned inside out, 20 times faster than :func:`volume_mm3` on the socket."""
    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape.wrapped, props)
    return float(props.Mass())


def volume_mm3(shape) -> float:
    """A solid's volume (mm3), integrated to a relative 1e-6 (GProp's default is coarse on
    dense B-spline faces: about 0.3 % on a socket's wall)."""
    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape.wrapped, props, 1e-6)
    return float(props.Mass())


#: Whether the wall's surfaces also pass through the midpoints between rows.
MIDPOINTS = True
#: A row gap of the cavity or the outer wall gets its midpoints only where the surface
#: through the rows alone strays further than this from them, mm.  On the sample limb the
#: surface through the rows alone was 0.35 mm off the mesh's flat triangles at worst (the
#: check allows 0.3), through every midpoint 0.27 mm; so is it through those needed.
MIDPOINT_TOLERANCE_MM = 0.1


def _refine_rows(rows: np.ndarray) -> np.ndarray:
    """Rows (r, m, 3) with the midpoint of each edge between two rows inserted (2r - 1)."""
    if not MIDPOINTS:
        return rows
    out = np.empty((2 * len(rows) - 1,) + rows.shape[1:])
    out[::2] = rows
    out[1::2] = 0.5 * (rows[1:] + rows[:-1])
    return out


def _refine_rows_where_needed(rows: np.ndarray, tol_mm: float = MIDPOINT_TOLERANCE_MM,
                              rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Rows (r, m, 3) with the midpoints of the edges between two rows inserted in the row
    gaps where the surface without them (:func:`grid_surface_v`'s cubic along the rows,
    chord-length) passes further than ``tol_mm`` from them; again on the new rows until
    every gap without midpoints is within it.

    Returns the rows and, for each row given, its index among them.
    """
    if not MIDPOINTS or len(rows) < 4:
        out = _refine_rows(rows)
        return out, np.arange(len(rows)) * (len(out) - 1) // max(len(rows) - 1, 1)
    mids = 0.5 * (rows[1:] + rows[:-1])
    need = np.zeros(len(rows) - 1, dtype=bool)

    def with_midpoints() -> tuple[np.ndarray, np.ndarray]:
        index = np.arange(len(rows)) + np.concatenate([[0], np.cumsum(need)])
        out = np.empty((index[-1] + 1,) + rows.shape[1:])
        out[index] = rows
        out[index[:-1][need] + 1] = mids[need]
        return out, index

    for _ in range(rounds):
        out, index = with_midpoints()
        v = _chord_v(out)
        gap_v = np.where(need, v[np.minimum(index[:-1] + 1, len(v) - 1)],
                         0.5 * (v[index[:-1]] + v[index[1:]]))
        off = np.linalg.norm(make_interp_spline(v, out, k=3, axis=0)(gap_v) - mids,
                             axis=2).max(axis=1)
        more = ~need & (off > tol_mm)
        if not more.any():
            return out, index
        need |= more
    return with_midpoints()


def _pole_row(point: np.ndarray, m: int) -> np.ndarray:
    return np.repeat(np.asarray(point, dtype=float)[None, None], m, axis=1)


def shell_solid(inner: np.ndarray, pole: np.ndarray, outer: np.ndarray,
                outer_pole: np.ndarray) -> cq.Solid:
    """The socket's wall as one solid: cavity, half-round brim, outer wall (as
    :func:`~prosthetics.sockets.engine.shell_and_cavity` meshes them)."""
    m = inner.shape[1]
    c = POLE_CAP_ROWS
    brim = engine._brim(inner[-1], outer[-1], inner[-1] - inner[-2])
    return ring_solid([_refine_rows(band) for band in (
        np.concatenate([_pole_row(pole, m), inner[:c]]),
        inner[c - 1:],
        np.concatenate([inner[-1:], brim, outer[-1:]]),
        outer[::-1][:-c + 1],
        np.concatenate([outer[:c][::-1], _pole_row(outer_pole, m)]))], "socket wall")


def _closed_below(rows: np.ndarray, pole: np.ndarray, above_z_mm: float, what: str):
    """The solid inside a ring grid from its pole up to the first row wholly above
    ``above_z_mm``, closed there by a lid through the row's centre."""
    high = np.flatnonzero(rows[..., 2].min(axis=1) > above_z_mm)
    top = int(high[0]) if len(high) else len(rows) - 1
    part = rows[:top + 1]
    m = rows.shape[1]
    return ring_solid([np.concatenate([_pole_row(pole, m), part,
                                       _pole_row(part[-1].mean(axis=0), m)])], what)


def _moved(points, m):
    return np.asarray(points) @ m[:3, :3].T + m[:3, 3]


def _shape(wp):
    vals = wp.vals() if hasattr(wp, "vals") else [wp]
    return vals[0] if len(vals) == 1 else cq.Compound.makeCompound(vals)


def _interface_parts(res) -> dict:
    """The distal interface's B-reps placed in the design frame, as the engine places its
    meshes (:func:`~prosthetics.sockets.engine.assemble_socket`): block, cutters cut to the
    holes' heights, and either the pedestal (without a distal fillet ring) or the
    fillet's profiles (``fillet``, for :func:`fillet_bands`: the distal end's own surface
    takes the pedestal and the ring in); the other None."""
    p, g = res.params, res.grid
    placed = res.adapter
    iface = placed.interface
    to_design = np.asarray(placed.interface_to_design, dtype=float)
    to_iface = np.linalg.inv(to_design)
    bottom, base = float(iface.bottom_z_mm), float(iface.pedestal_top_z_mm)
    block_r = float(getattr(p, "adapter_plate_diameter_mm", None)
                    or getattr(p, "coupler_diameter_mm")) / 2.0
    inner, pole, outer, pole_out = g.inner, g.inner_pole, g.outer, g.outer_pole
    disc = engine._disc_points(block_r - engine._PEDESTAL_INSET_MM)
    rim = slice(1 + (engine._PEDESTAL_RINGS - 1) * engine._PEDESTAL_DIRECTIONS, None)
    cap = float(g.trim_z.min()) - 5.0
    reach_z = np.inf
    al = placed.alignment
    if al is not None and any(al[k] for k in ("socket_flexion_deg", "socket_adduction_deg",
                                              "socket_anterior_offset_mm",
                                              "socket_medial_offset_mm")):
        low = min(float(outer[..., 2].min()), float(pole_out[2]), bottom) - 50.0
        met = engine.shell_over(outer, pole_out, disc, low)[rim]
        met = met[np.isfinite(met)]
        tilt = np.arccos(np.clip(to_design[2, 2], -1.0, 1.0))
        reach_z = (float(met.max()) if len(met) else cap) + engine.PEDESTAL_SLACK_MM \
            + block_r * float(np.sin(tilt)) + float(al["dropped_along_axis_mm"])
    outer_i, pole_out_i = _moved(outer, to_iface), _moved(pole_out, to_iface)
    inner_i, pole_i = _moved(inner, to_iface), _moved(pole, to_iface)
    low = min(float(outer_i[..., 2].min()), float(pole_out_i[2]), bottom) - 10.0
    shell_z = engine.shell_over(outer_i, pole_out_i, disc, low, reach_z)
    met = np.isfinite(shell_z)
    if not met.all():
        raise GeometryError.of(N_("the distal block reaches past the socket's distal end, "
                                  "which the STEP solid does not model"))
    pedestal_top = min(float(shell_z.max()) + engine.PEDESTAL_ABOVE_MM, cap)

    openings = np.asarray(getattr(iface, "opening_centres", iface.hole_centres)(),
                          dtype=float).reshape(-1, 2)
    floors = engine.hole_floors(inner_i, pole_i, openings,
                                getattr(iface, "opening_radius_mm", 3.0), outer=outer_i,
                                outer_pole=pole_out_i, below_z_mm=reach_z,
                                through_mm=engine.HOLE_THROUGH_WALLS
                                * float(res.wall_target_mm.max()))
    tops = engine._hole_tops(floors, base)
    tall = engine.adapters.tall_top_z(bottom, base, *tops)
    cutters = _shape(iface.cutters(top_z_mm=tall))
    bb = cutters.BoundingBox()
    lo = bb.zmin - 1.0
    reach = max(abs(bb.xmin), abs(bb.xmax), abs(bb.ymin), abs(bb.ymax)) + 1.0
    keep = cq.Solid.makeBox(2 * reach, 2 * reach, base - lo, cq.Vector(-reach, -reach, lo))
    clip = engine._clip_radius(openings, block_r)
    columns = [cq.Solid.makeCylinder(clip, top - lo, cq.Vector(x, y, lo))
               for (x, y), top in zip(openings, tops) if top > base]
    if columns:
        keep = keep.fuse(*columns)
    cutters = cutters.intersect(keep)

    fillet = None
    covered = np.isfinite(shell_z[1:]).reshape(engine._PEDESTAL_RINGS,
                                              engine._PEDESTAL_DIRECTIONS)
    left_off = any("distal blend is left off" in w for w in res.warnings)
    if covered[-1].all() and not left_off:
        floor = bottom + (p.adapter_block_height_mm - p.adapter_plate_thickness_mm + 1.0
                          if hasattr(p, "adapter_block_height_mm") else 1.0)
        ring = distal_blend(outer_i, pole_out_i, block_r, p.distal_blend_radius_mm,
                            floor_z_mm=floor)
        if ring is not None:
            m = outer.shape[1]
            prof = np.asarray(ring.vertices).reshape(-1, m, 3)
            # The mesh ring's profiles (each column's arc is found on its own, in 0.2 mm
            # steps, on the nearest segment of the wall's profile): fillet_bands runs the
            # distal end's surface through them.
            fillet = {"profiles": prof, "block_radius_mm": block_r,
                      "pedestal_foot_z_mm": base - engine._PEDESTAL_FOOT_MM,
                      "block_top_z_mm": base,
                      "floor_z_mm": floor, "to_design": to_design,
                      "top_z_mm": float(_moved(prof, to_design)[..., 2].max())}

    # The pedestal: a cylinder over the block, its top inside the wall (the solid under
    # the wall's middle is taken away).
    pedestal = None
    if fillet is None:
        ped_r = block_r - engine._PEDESTAL_INSET_MM
        foot = base - engine._PEDESTAL_FOOT_MM
        cylinder = cq.Solid.makeCylinder(ped_r, pedestal_top - foot, cq.Vector(0, 0, foot))
        mid = 0.5 * (inner_i + outer_i)
        mid_pole = 0.5 * (pole_i + pole_out_i)
        under_mid = _closed_below(mid, mid_pole, pedestal_top + 15.0, "middle of the wall")
        pedestal = cylinder.cut(under_mid)

    def place(shape):
        return _placed(cq.Workplane("XY").newObject([shape]), to_design).val() \
            if shape is not None else None

    return {"block": place(_shape(iface.solid())), "cutters": place(cutters),
            "pedestal": place(pedestal), "openings": len(openings),
            "fillet": fillet}


def fillet_bands(fillet: dict, outer: np.ndarray, outer_pole: np.ndarray,
                 split: int) -> list[np.ndarray]:
    """The outer surface of the socket's distal end with the fillet ring in it, as bands of
    a ring grid in the design frame, from the outer wall's row ``split`` down: the wall to
    where the fillet's arc touches it and the arc down to where it starts (one smooth
    band: the arc is tangent to the wall); the pedestal's side (or, where the arc starts
    beside the block, a surface :data:`BESIDE_BLOCK_MM` outside the block's side) down into
    the block; the bottom, flat, inside the block.

    The mesh's wall, pedestal and fillet ring made as one surface: OpenCascade's union of
    the ring with the wall (their faces tangent where the arc touches the wall) took 8-53 s
    on the sample limb and needed fuzzy values; this solid is joined to the block only
    (their faces cross).

    Parameters
    ----------
    fillet : dict
        ``profiles`` (rows, columns, 3): the mesh ring's profiles in the interface frame
        (:func:`~prosthetics.sockets.regions.distal_blend`: the closing point, the arc from
        the block's side to the wall, two more closing points), ``block_radius_mm``,
        ``pedestal_foot_z_mm``, ``floor_z_mm`` and ``to_design`` (interface to design).
    outer, outer_pole
        The outer wall's rows and pole (design frame).
    split : int
        The row the distal end is cut off the rest of the wall at.

    Raises
    ------
    GeometryError
        The arc's end does not lie on the wall below ``split``.
    """
    prof = np.asarray(fillet["profiles"], dtype=float)
    to_design = np.asarray(fillet["to_design"], dtype=float)
    to_iface = np.linalg.inv(to_design)
    k, m = len(prof) - 3, prof.shape[1]
    rows = np.concatenate([_pole_row(_moved(outer_pole, to_iface), m),
                           _moved(outer[:split + 1], to_iface)])
    # Each column's profile (radius, height about the block's axis), laid at the angle of
    # the point of the wall its arc ends on (as the mesh's ring).
    def flat(p):
        return np.stack([np.linalg.norm(p[..., :2], axis=-1), p[..., 2]], axis=-1)

    profile = flat(rows)
    off = point_segment_distance(flat(prof[k])[None], profile[:-1], profile[1:])[0]
    seg = np.argmin(off, axis=0)
    cols = np.arange(m)
    if off[seg, cols].max() > 0.05:
        raise GeometryError("the distal fillet's arc does not end on the wall")
    # Each column's wall from row split down to the arc's end, sampled evenly along it.
    n_wall = max(4, 2 * int((len(rows) - 1 - seg).max()) + 1)
    wall = np.empty((n_wall, m, 3))
    for j in range(m):
        pts = np.concatenate([rows[seg[j] + 1:, j][::-1], prof[k, j][None]])
        along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0),
                                                                axis=1))])
        at = np.linspace(0.0, along[-1], n_wall)
        wall[:, j] = np.column_stack([np.interp(at, along, pts[:, q]) for q in range(3)])
    theta = np.arctan2(prof[k, :, 1], prof[k, :, 0])
    radial = np.column_stack([np.cos(theta), np.sin(theta), np.zeros(m)])
    arc = prof[k - 1:1:-1]
    # Where the arc starts above the block, down the pedestal's side (inside the block's
    # radius); where it starts beside the block, tangent to its side, down a hair outside
    # it: a surface tangent to the block's side broke the union (the child forearm).
    z0 = prof[1, :, 2]
    side_r = fillet["block_radius_mm"] + np.where(
        z0 >= fillet["block_top_z_mm"], -engine._PEDESTAL_INSET_MM, BESIDE_BLOCK_MM)
    side = side_r[:, None] * radial
    start = side + np.column_stack([np.zeros((m, 2)), z0])
    z_bottom = max(min(fillet["pedestal_foot_z_mm"], float(z0.min()) - 0.5),
                   fillet["floor_z_mm"] - 0.5)
    if z_bottom >= float(z0.min()):
        raise GeometryError("the distal fillet starts below the block's floor")
    bottom = side + np.array([0.0, 0.0, z_bottom])
    centre = _pole_row(np.array([0.0, 0.0, z_bottom]), m)
    arc_band = np.concatenate([wall, arc, start[None]])
    bands = [arc_band, np.stack([start, bottom]), np.concatenate([bottom[None], centre])]
    out = [_moved(b, to_design) for b in bands]
    out[0][0] = outer[split]                    # the row the rest of the wall shares, exactly
    return out


def _fenestration_cutters(fen) -> list:
    """Exact cylinders of the ventilation holes, as long as the mesh's."""
    if fen is None or not fen.placed:
        return []
    out = []
    for c, a, w in zip(fen.centres, fen.axes, fen.wall_mm):
        start = c - fen.reach_mm[0] * a
        out.append(cq.Solid.makeCylinder(0.5 * fen.diameter_mm,
                                         float(w + fen.reach_mm[0] + fen.reach_mm[1]),
                                         cq.Vector(*start), cq.Vector(*a)))
    return out


def _split_row(rows: np.ndarray, above_z_mm: float) -> int:
    """The first row wholly above ``above_z_mm``."""
    high = np.flatnonzero(rows[..., 2].min(axis=1) > above_z_mm)
    if not len(high) or high[0] >= len(rows) - 2:
        raise GeometryError.of(N_("the distal interface reaches the trim line"))
    return int(high[0])


def wall_pieces(inner: np.ndarray, pole: np.ndarray, outer: np.ndarray,
                outer_pole: np.ndarray, split: int, outer_distal: list | None = None):
    """The wall of :func:`shell_solid` as two solids cut across at row ``split``: the distal
    end and the rest, and the face (a ruled ring from the cavity's row to the outer wall's)
    they share.  With ``outer_distal`` (bands from the outer wall's row ``split`` down to a
    pole: :func:`fillet_bands`), the distal end's outer surface is those instead of the
    outer wall's.

    The cavity's and the outer wall's surfaces are each made whole and their faces cut at
    the row's parameter: two surfaces, one each side, would each end freely at the row and
    left the outer wall 0.74 mm off the mesh near it on the sample limb.
    """
    m = inner.shape[1]
    c = POLE_CAP_ROWS
    brim = engine._brim(inner[-1], outer[-1], inner[-1] - inner[-2])
    halves = []
    for rows in (inner, outer):
        # Each face keeps only its part of the surface's poles (a face on a part of the
        # whole surface wrote all of them twice: 6 MB instead of 3.5 on the sample).
        refined, index = _refine_rows_where_needed(rows[c - 1:])
        low, v = grid_surface_v(refined)
        high = low.Copy()                   # a Geom_BSplineSurface (OCP casts down)
        v_split = float(v[index[split - c + 1]])
        low.Segment(0.0, 1.0, 0.0, v_split)
        high.Segment(0.0, 1.0, v_split, 1.0)
        halves.append((BRepBuilderAPI_MakeFace(low, 1e-6).Face(),
                       BRepBuilderAPI_MakeFace(high, 1e-6).Face()))
    across = np.stack([inner[split], outer[split]])
    below = outer_distal if outer_distal is not None else [
        halves[1][0], _refine_rows(np.concatenate([outer[:c][::-1],
                                                   _pole_row(outer_pole, m)]))]
    distal = ring_solid([
        _refine_rows(np.concatenate([_pole_row(pole, m), inner[:c]])), halves[0][0], across,
        *below], "socket's distal end")
    upper = ring_solid([halves[0][1],
                        _refine_rows(np.concatenate([inner[-1:], brim, outer[-1:]])),
                        halves[1][1], across], "socket wall")
    return distal, upper


def _without(shape, corners: np.ndarray, tol_mm: float = 1e-6):
    """The faces of ``shape`` but the ruled ring it was cut across at: the face whose
    surface is linear along its rows and runs from one of ``corners`` (2, 3) to the other
    at u = 0."""
    keep, dropped = [], 0
    for f in shape.Faces():
        adaptor = BRepAdaptor_Surface(f.wrapped)
        if adaptor.GetType() == GeomAbs_BSplineSurface and adaptor.BSpline().VDegree() == 1:
            bs = adaptor.BSpline()
            ends = np.array([bs.Value(0.0, v).Coord() for v in (0.0, 1.0)])
            if min(np.abs(ends - corners).max(), np.abs(ends[::-1] - corners).max()) < tol_mm:
                dropped += 1
                continue
        keep.append(f.wrapped)
    if dropped != 1:
        raise GeometryError("the socket's B-rep pieces could not be joined")
    return keep


def _sewn_solid(faces, what: str) -> cq.Solid:
    sew = BRepBuilderAPI_Sewing(SEW_TOLERANCE_MM)
    for f in faces:
        sew.Add(f)
    sew.Perform()
    shell = sew.SewedShape()
    if shell.ShapeType() != TopAbs_SHELL:
        raise GeometryError(f"the {what}'s faces did not sew into one closed shell")
    fix = ShapeFix_Solid()
    solid = cq.Solid(fix.SolidFromShell(TopoDS.Shell_s(shell)))
    return solid if _rough_volume_mm3(solid) > 0 else cq.Solid(solid.wrapped.Reversed())


def socket_brep(res) -> tuple[cq.Solid, dict]:
    """The socket of a design as one B-rep solid (design frame, mm).

    The distal interface's booleans (block, pedestal, holes) run on the wall's distal end
    alone, cut off above them (:func:`wall_pieces`): on the whole wall they took 50 s and
    gave three solids on the sample limb, the faces being large B-splines.  The two pieces
    are then sewn back along the curves they share.  A distal fillet ring is made in the
    distal end's own surface (:func:`fillet_bands`), which also takes the pedestal in.

    Parameters
    ----------
    res : prosthetics.sockets.engine.SocketResult

    Returns
    -------
    (cadquery.Solid, dict)
        The solid; and what was made: per part seconds, ``left_off`` (features the STEP
        leaves off, with why), ``warnings``.

    Raises
    ------
    GeometryError
        OCC could not build a part or the booleans gave other than one solid.
    """
    times, made = {}, {"left_off": [], "warnings": []}
    g = res.grid
    t = time.perf_counter()
    parts = _interface_parts(res)
    times["interface_s"] = time.perf_counter() - t
    t = time.perf_counter()
    fillet = parts["fillet"]
    top = max([p.BoundingBox().zmax for p in (parts["block"], parts["pedestal"],
                                               parts["cutters"]) if p is not None]
              + ([fillet["top_z_mm"]] if fillet else []))
    split = max(_split_row(g.inner, top + SPLIT_ABOVE_MM),
                _split_row(g.outer, top + SPLIT_ABOVE_MM))
    distal, upper = wall_pieces(
        g.inner, g.inner_pole, g.outer, g.outer_pole, split,
        outer_distal=fillet_bands(fillet, g.outer, g.outer_pole, split) if fillet else None)
    times["wall_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # Without a fillet, the pedestal first: it covers the point where the block's top
    # touches the outer wall's distal pole (all at once, that touch left the block a second
    # solid).
    end = distal if fillet else distal.fuse(parts["pedestal"])
    end = end.fuse(parts["block"]).cut(parts["cutters"])
    holes = _fenestration_cutters(res.fenestrations)
    if holes:
        upper = upper.cut(*holes)
    times["booleans_s"] = time.perf_counter() - t
    t = time.perf_counter()
    corners = np.stack([g.inner[split, 0], g.outer[split, 0]])
    body = _sewn_solid(_without(end, corners) + _without(upper, corners), "socket")
    times["sew_s"] = time.perf_counter() - t
    if res.label is not None and res.label.get("placed"):
        made["left_off"].append({"feature": "label", "why": LABEL_LEFT_OFF})
        made["warnings"].append(LABEL_LEFT_OFF)
    made["timings_s"] = {k: round(v, 3) for k, v in times.items()}
    made["blend"] = fillet is not None
    made["fenestrations"] = int(res.fenestrations.placed) if res.fenestrations else 0
    made["split_row"] = split
    return body, made


def fine_mesh(solid: cq.Solid, tol_mm: float) -> trimesh.Trimesh:
    """The B-rep's faces triangulated afresh at ``tol_mm`` (absolute), for measuring: not
    welded into a closed mesh (OCC leaves the poles' degenerate edges open), and its volume
    is not the check's (the B-rep's own is, :func:`volume_mm3`)."""
    return _face_tessellation(solid, tol_mm)[0]


def _face_tessellation(solid: cq.Solid, tol_mm: float):
    """The B-rep triangulated face by face: the mesh, the faces (``TopoDS_Face``) and the
    face of each triangle."""
    shape = solid.copy()
    BRepTools.Clean_s(shape.wrapped)
    BRepMesh_IncrementalMesh(shape.wrapped, tol_mm, False, ANGULAR_TOLERANCE_RAD, True)
    verts, tris, owner, faces, n = [], [], [], [], 0
    for face in shape.Faces():
        v, t = face.tessellate(tol_mm, ANGULAR_TOLERANCE_RAD)
        if not t:
            continue
        verts.append(np.array([p.toTuple() for p in v], dtype=np.float64))
        tris.append(np.asarray(t, dtype=np.int64) + n)
        owner.append(np.full(len(t), len(faces)))
        faces.append(face.wrapped)
        n += len(v)
    mesh = trimesh.Trimesh(np.vstack(verts), np.vstack(tris), process=False)
    return mesh, faces, np.concatenate(owner)


class _ExactFaces:
    """Points projected onto the B-rep's own faces (not their triangulation)."""

    def __init__(self, faces) -> None:
        self.faces = faces
        self._surfaces: dict[int, tuple] = {}

    def project(self, point: np.ndarray, face: int) -> np.ndarray | None:
        """The nearest point of face ``face``'s surface, or None when it falls outside
        the face's boundary."""
        if face not in self._surfaces:
            surf = BRep_Tool.Surface_s(self.faces[face])
            self._surfaces[face] = (surf, ShapeAnalysis_Surface(surf))
        surf, analysis = self._surfaces[face]
        uv = analysis.ValueOfUV(gp_Pnt(*map(float, point)), 1e-5)
        if BRepClass_FaceClassifier(self.faces[face], uv, 1e-5).State() == TopAbs_OUT:
            return None
        return np.array(surf.Value(uv.X(), uv.Y()).Coord())


def _refined_brep_to_mesh(pts, tri, owner, exact, query, d) -> np.ndarray:
    """Distances from B-rep points to the mesh, the far ones from their exact faces."""
    d = d.copy()
    for i in np.flatnonzero(d > REFINE_ABOVE_MM):
        p = exact.project(pts[i], int(owner[tri[i]]))
        if p is not None:
            d[i] = float(query.distance(p[None])[0])
    return d


def _refined_mesh_to_brep(pts, fine, owner, exact, d, k: int = 24) -> np.ndarray:
    """Distances from mesh points to the B-rep, the far ones to its exact faces (those of
    the ``k`` triangles of its tessellation nearest each point)."""
    d = d.copy()
    far = np.flatnonzero(d > REFINE_ABOVE_MM)
    if not len(far):
        return d
    _, near = cKDTree(fine.triangles_center).query(pts[far], k=k)
    for i, tris in zip(far, near):
        best = d[i]
        for face in np.unique(owner[tris]):
            q = exact.project(pts[i], int(face))
            if q is not None:
                best = min(best, float(np.linalg.norm(q - pts[i])))
        d[i] = best
    return d


def label_region(label: dict | None, mesh: trimesh.Trimesh):
    """A test ``inside(points) -> (n,) bool`` for the wall under the embossed label (the
    sector of its arc and height, 3 mm round it), or None without a label."""
    if not label or not label.get("placed"):
        return None
    lines = label["text"].count("\n") + 1
    zc, half_h = label["centre_z_mm"], 0.75 * lines * label["height_mm"] + 3.0
    ring = mesh.vertices[np.abs(mesh.vertices[:, 2] - zc) < 2.0]
    radius = float(np.median(np.linalg.norm(ring[:, :2], axis=1))) if len(ring) else 40.0
    half_a = (0.5 * label["length_mm"] + 3.0) / max(radius, 1.0)
    a0 = np.radians(label["angle_deg"])

    def inside(points: np.ndarray) -> np.ndarray:
        a = np.arctan2(points[:, 1], points[:, 0]) - a0
        da = np.abs(np.angle(np.exp(1j * a)))
        return (np.abs(points[:, 2] - zc) < half_h) & (da < half_a)

    return inside


def check_against_mesh(solid: cq.Solid, mesh: trimesh.Trimesh, *, exclude=None,
                       samples: int = CHECK_SAMPLES, seed: int = 0) -> dict:
    """The B-rep measured against the mesh it must match (design frame, mm).

    Volume (the B-rep's, :func:`volume_mm3`, against the mesh's), surface distances both
    ways between points sampled on the B-rep's fine tessellation
    (:data:`CHECK_TESSELLATION_MM`, :func:`fine_mesh`) and on the mesh, those further than
    :data:`REFINE_ABOVE_MM` measured again on the B-rep's exact faces, BRepCheck, the number of solids.  ``exclude(points) -> bool`` leaves points out of the
    distances (the wall under a label the B-rep leaves off).

    Returns a dict of the figures with ``ok`` and, when not, ``why`` (one line).
    """
    valid = bool(BRepCheck_Analyzer(solid.wrapped).IsValid())
    n_solids = len(solid.Solids())
    fine, faces, owner = _face_tessellation(solid, CHECK_TESSELLATION_MM)
    exact = _ExactFaces(faces)
    v_brep, v_mesh = volume_mm3(solid), float(mesh.volume)
    out = {"valid": valid, "solids": n_solids, "volume_brep_ml": round(v_brep / 1000.0, 3),
           "volume_mesh_ml": round(v_mesh / 1000.0, 3),
           "volume_difference_percent": round(100.0 * (v_brep / v_mesh - 1.0), 4),
           "check_triangles": int(len(fine.faces)), "refined_points": 0}
    to_mesh = SurfaceQuery(mesh)
    for name, a in (("brep_to_mesh", fine), ("mesh_to_brep", mesh)):
        pts, tri = trimesh.sample.sample_surface(a, samples, seed=seed)
        if exclude is not None:
            keep = ~exclude(pts)
            pts, tri = pts[keep], tri[keep]
        if a is fine:
            d = to_mesh.distance(pts)
            out["refined_points"] += int((d > REFINE_ABOVE_MM).sum())
            d = _refined_brep_to_mesh(pts, tri, owner, exact, to_mesh, d)
        else:
            d = SurfaceQuery(fine).distance(pts)
            out["refined_points"] += int((d > REFINE_ABOVE_MM).sum())
            d = _refined_mesh_to_brep(pts, fine, owner, exact, d)
        out[f"{name}_mean_mm"] = round(float(d.mean()), 4)
        out[f"{name}_p99_mm"] = round(float(np.percentile(d, 99)), 4)
        out[f"{name}_max_mm"] = round(float(d.max()), 4)
    why = []
    if not valid:
        why.append("OCC's BRepCheck finds the solid invalid")
    if n_solids != 1:
        why.append(f"{n_solids} solids, not one")
    if abs(v_brep / v_mesh - 1.0) > VOLUME_TOLERANCE:
        why.append(f"volume {v_brep / 1000:.2f} ml against the STL's {v_mesh / 1000:.2f} ml")
    for name in ("brep_to_mesh", "mesh_to_brep"):
        if out[f"{name}_mean_mm"] > MEAN_DISTANCE_MM or out[f"{name}_max_mm"] > MAX_DISTANCE_MM:
            why.append(f"surface distance {name.replace('_', ' ')} mean "
                       f"{out[f'{name}_mean_mm']:.3f} mm, max {out[f'{name}_max_mm']:.3f} mm "
                       f"(at most {MEAN_DISTANCE_MM} and {MAX_DISTANCE_MM} mm)")
    out["ok"] = not why
    if why:
        out["why"] = "; ".join(why)
    return out


__all__ = ["CHECK_TESSELLATION_MM", "LABEL_LEFT_OFF", "MAX_DISTANCE_MM", "MEAN_DISTANCE_MM",
           "VOLUME_TOLERANCE", "check_against_mesh", "grid_surface", "label_region",
           "ring_solid", "shell_solid", "socket_brep", "volume_mm3"]
