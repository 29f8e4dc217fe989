"""The socket engine that every socket template shares: a limb sampled on a ring grid,
rectified, offset into a wall, and joined to its distal interface.

Geometry (limb frame, mm):

- The limb is sampled on a grid of rays from its axis: ``rows`` levels from a distal dome
  (rays from a centre on the axis, fanning down to the distal pole) up to the trim line, and
  ``columns`` directions around.  The grid's rows follow the trim line, so the trim is part of
  the grid (no boolean cut): anterior at ``trim_height_mm``, dropping smoothly by
  ``posterior_trim_drop_mm`` over the posterior for knee flexion.
- Inner surface: each sample is pulled toward the axis so that the section's area shrinks by
  ``reduction_percent`` at the trim line, tapering linearly to 0 at the distal end, then
  pushed out along the surface normal by ``liner_offset_mm``.
- Outer surface: the inner surface offset along its normals by the wall thickness (thicker
  over the distal dome), then corrected until every outer point is at least the set
  thickness from the inner surface: a point-wise normal offset thins the wall where the
  surface is concave, so the distance is measured and the offset grown where it falls short.
- A rounded brim (a half-round of the wall's thickness) joins inner and outer at the trim.
- The distal 4-hole adapter (CadQuery), placed under the socket as its alignment asks
  (flexion, adduction, offsets: :class:`~prosthetics.sockets.adapters.Alignment`), is
  joined with manifold3d: shell + block + pedestal - cavity - bolt holes - recess.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.errors import N_, GeometryError, Message, ParameterError
from prosthetics.geometry.meshing import (
    SurfaceQuery,
    closed_oriented,
    from_manifold,
    ring_faces,
    to_manifold,
)
from prosthetics.limb.landmarks import Landmarks, Side, guess_landmarks, with_overrides
from prosthetics.limb.measure import proximal_rim_z, sections, volume_below
from prosthetics.params import Params
from prosthetics.sockets import adapters
from prosthetics.sockets.fenestrations import (
    Fenestrations,
    place_fenestrations,
)
from prosthetics.sockets.label import LabelWall, apply_label, label_footprint
from prosthetics.sockets.rectification import apply_strokes
from prosthetics.sockets.regions import (
    DOME_BLEND_MM,
    distal_blend,
    join_interface,
    wall_targets,
)
from prosthetics.sockets.zones import zone_shift


@dataclass(frozen=True, kw_only=True)
class SocketGrid:
    """The sampled inner and outer surfaces, limb frame, mm.

    ``inner``/``outer``: (rows, columns, 3), row 0 just above the distal pole; ``*_pole``: (3,).
    """

    inner: np.ndarray
    outer: np.ndarray
    inner_pole: np.ndarray
    outer_pole: np.ndarray
    normals: np.ndarray
    trim_z: np.ndarray
    limb_points: np.ndarray
    limb_pole: np.ndarray
    dome_centre_z_mm: float


@dataclass(frozen=True, kw_only=True)
class SocketResult:
    """A built socket and what the checks need to measure it."""

    mesh: trimesh.Trimesh
    inner_surface: trimesh.Trimesh   # open inner surface of the shell (up to the trim line)
    outer_surface: trimesh.Trimesh   # open outer surface of the shell
    cavity: trimesh.Trimesh          # closed cavity used for the booleans
    grid: SocketGrid
    params: Params
    adapter: adapters.FourHoleAdapter | adapters.CollarBlock | adapters.Stack
    trim_anterior_z_mm: float
    trim_lowest_z_mm: float
    wall_target_mm: np.ndarray      # (rows,) target per row
    #: Holes of the distal interface open into the cavity up to here; the wall check starts
    #: above it (the distal block is solid, its holes are meant).
    wall_check_above_z_mm: float = 0.0
    landmarks: Landmarks | None = None
    zones: list = field(default_factory=list)
    label: dict | None = None
    #: The ventilation holes cut through the wall (None: none asked).
    fenestrations: Fenestrations | None = None
    timings_s: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    #: The brim's height at each trim control point and where it came from (name ->
    #: {"z_mm", "angle_deg", "from", ...}), for templates that record it.
    brim: dict = field(default_factory=dict)

    def inner_volume_below_ml(self, z_mm: float) -> float:
        """Volume of the socket's cavity below height ``z_mm`` (ml)."""
        return volume_below(self.inner_surface, z_mm) / 1000.0


class TemplateCache:
    """What stays the same while only template parameters change, for fast rebuilds.

    Holds, for one limb mesh: its proximal rim height and ray-casting scene; and the
    tessellated CadQuery adapter parts by their parameters (read from the per-user
    geometry cache, or built, by :func:`~prosthetics.sockets.adapters.interface_meshes`).
    """

    def __init__(self) -> None:
        self._limb_key = None
        self.rim_z: float | None = None
        self.limb_query: SurfaceQuery | None = None
        self._adapters: dict = {}
        #: Landmarks set by the user (name -> (3,) mm, limb frame), over the guesses.
        self.landmark_overrides: dict = {}
        #: The shape model fitted to the limb (limb frame), or None.
        self.anatomy = None
        #: Landmarks, trim points and strokes set by hand
        #: (:class:`prosthetics.sockets.rectification.Rectification`), or None.
        self.rectification = None

    def for_limb(self, limb: trimesh.Trimesh) -> TemplateCache:
        key = (id(limb), len(limb.faces), float(limb.vertices[:, 2].max()))
        if key != self._limb_key:
            self._limb_key = key
            self.rim_z = proximal_rim_z(limb)
            self.limb_query = SurfaceQuery(limb)
        return self

    def landmarks(self, limb: trimesh.Trimesh, side: Side, mpt_height_mm: float | None) -> Landmarks:
        given = self.landmark_overrides
        anatomy = self.anatomy
        key = (side, mpt_height_mm, id(anatomy), tuple((k, tuple(np.round(v, 6))) for k, v in
                                                       sorted(given.items())))
        if getattr(self, "_marks_key", None) != (self._limb_key, key):
            # A given MPT sets the height the other landmarks are placed from.
            if mpt_height_mm is None and "mid_patellar_tendon" in given:
                mpt_height_mm = float(given["mid_patellar_tendon"][2])
            self._marks = with_overrides(guess_landmarks(limb, side, mpt_height_mm, anatomy),
                                         given)
            self._marks_key = (self._limb_key, key)
        return self._marks

    def adapter_meshes(self, adapter, top_z: float):
        key = (adapter, round(top_z, 6))
        if key not in self._adapters:
            if len(self._adapters) > 16:
                self._adapters.clear()
            self._adapters[key] = adapters.interface_meshes(adapter, top_z)
        return self._adapters[key]


def cut_weight(theta: np.ndarray, centre_deg: float, width_deg: float) -> np.ndarray:
    """1 at ``centre_deg``, a cosine down to 0 at half ``width_deg`` either side, 0 beyond."""
    d = np.angle(np.exp(1j * (theta - np.radians(centre_deg))))
    half = np.radians(width_deg) / 2.0
    return np.where(np.abs(d) < half, 0.5 * (1 + np.cos(np.pi * d / half)), 0.0)


def trim_curve(theta: np.ndarray, p: Params, anterior_z: float) -> np.ndarray:
    """Trim height (mm) per direction ``theta`` (rad from +X; +Y is anterior)."""
    return anterior_z - p.posterior_trim_drop_mm * cut_weight(theta, -90.0,
                                                              p.posterior_cut_width_deg)


#: The line for a trim lowered too near the distal end, by the name ``trim_top`` is given.
_TOO_LOW = {
    "posterior trim": N_("the posterior trim would be %(height)s above the distal end; raise "
                         "%(setting)s or lower %(drop)s"),
    "cubital cut": N_("the cubital cut would be %(height)s above the distal end; raise "
                      "%(setting)s or lower %(drop)s"),
    "trim": N_("the trim would be %(height)s above the distal end; raise %(setting)s or lower "
               "%(drop)s"),
}


def trim_top(cache: TemplateCache, p, lowest_mm: float, drop_mm: float, drop_name: str,
             what: str, default_mm: float | None = None) -> float:
    """The highest trim height (mm): ``trim_height_mm``, else ``default_mm`` (the anatomy's
    level), else under the scan's top; checked.

    Raises ParameterError when it is above the scan, or when the trim lowered by
    ``drop_mm`` (parameter ``drop_name``; the message calls it ``what``) comes within
    ``lowest_mm`` of the distal end.
    """
    rim = cache.rim_z
    if p.trim_height_mm is not None:
        top = p.trim_height_mm
    elif default_mm is not None:
        top = default_mm
    else:
        top = rim - p.trim_below_scan_top_mm
    if top > rim - 2.0:
        raise ParameterError.of(N_("%(setting)s is above the top of the scan (%(rim)s); set "
                                   "it below %(limit)s"), setting=f"trim_height_mm = {top:.0f}",
                                rim=f"{rim:.0f} mm", limit=f"{rim - 2:.0f}")
    if top - drop_mm < lowest_mm:
        raise ParameterError.of(_TOO_LOW.get(what, _TOO_LOW["trim"]),
                                height=f"{top - drop_mm:.0f} mm", setting="trim_height_mm",
                                drop=drop_name)
    return float(top)


def _grid_normals(rows: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Outward unit normals of a ring grid (rows, cols, 3) from its tangents."""
    ext = np.concatenate([np.repeat(pole[None, None], rows.shape[1], axis=1), rows,
                          rows[-1:] + (rows[-1:] - rows[-2:-1])], axis=0)
    d_row = ext[2:] - ext[:-2]                                  # along the meridian (up)
    d_col = np.roll(rows, -1, axis=1) - np.roll(rows, 1, axis=1)  # around (counter-clockwise)
    n = np.cross(d_col, d_row)
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    return n


def sample_limb(limb: trimesh.Trimesh, p: Params, anterior_z: float,
                q: SurfaceQuery | None = None, trim=None) -> SocketGrid:
    """Ray-sample the limb on the socket grid (see the module notes).

    ``trim(theta, p, z)`` gives the trim height per direction (default :func:`trim_curve`,
    the transtibial posterior cut); ``p`` needs ``grid_rows`` and ``grid_columns``.
    """
    q = q or SurfaceQuery(limb)
    m = p.grid_columns
    theta = np.linspace(0.0, 2 * np.pi, m, endpoint=False)
    trim_z = (trim or trim_curve)(theta, p, anterior_z)
    # Centre of the distal dome: about the distal radius above the tip.
    s = sections(limb, [30.0])[0]
    r30 = np.sqrt(s.area_mm2 / np.pi) if s is not None else 25.0
    zc = float(np.clip(0.8 * r30, 10.0, 40.0))
    # Rows split between dome and sides by arc length (quarter circle vs straight side).
    dome_len = 0.5 * np.pi * r30
    side_len = float(np.mean(trim_z)) - zc
    n_rows = p.grid_rows
    n_dome = int(np.clip(round(n_rows * dome_len / (dome_len + side_len)), 4, n_rows - 4))
    n_side = n_rows - n_dome
    centre = np.array([0.0, 0.0, zc])

    phi = np.radians(-90.0 + 90.0 * np.arange(1, n_dome + 1) / n_dome)   # (n_dome,)
    dirs_dome = np.stack([np.cos(phi)[:, None] * np.cos(theta)[None],
                          np.cos(phi)[:, None] * np.sin(theta)[None],
                          np.repeat(np.sin(phi)[:, None], m, axis=1)], axis=2)
    orig_dome = np.broadcast_to(centre, dirs_dome.shape)
    frac = np.arange(1, n_side + 1) / n_side
    zs = zc + frac[:, None] * (trim_z[None] - zc)                        # (n_side, m)
    dirs_side = np.stack([np.broadcast_to(np.cos(theta), zs.shape),
                          np.broadcast_to(np.sin(theta), zs.shape), np.zeros_like(zs)], axis=2)
    orig_side = np.stack([np.zeros_like(zs), np.zeros_like(zs), zs], axis=2)
    origins = np.concatenate([orig_dome, orig_side]).reshape(-1, 3)
    dirs = np.concatenate([dirs_dome, dirs_side]).reshape(-1, 3)
    origins = np.vstack([origins, centre])
    dirs = np.vstack([dirs, [0.0, 0.0, -1.0]])
    t = q.cast(origins, dirs)
    if not np.all(np.isfinite(t)):
        miss = origins[~np.isfinite(t)]
        raise GeometryError.of(N_("%(missed)s of %(rays)s rays from the limb's axis found no "
                                  "surface (highest at %(z)s); lower %(setting)s or check the "
                                  "scan covers the limb"), missed=len(miss), rays=len(t),
                               z=f"z = {miss[:, 2].max():.0f} mm", setting="trim_height_mm")
    pts = origins + dirs * t[:, None]
    limb_pole = pts[-1]
    grid = pts[:-1].reshape(n_rows, m, 3)
    # A trim line steeper than about 55 degrees (a deep, narrow cut) leaves a brim the wall
    # correction cannot keep thick: refuse it.
    ds = np.linalg.norm((grid[-1] - np.roll(grid[-1], -1, axis=0))[:, :2], axis=1)
    slope = np.abs(trim_z - np.roll(trim_z, -1)) / np.maximum(ds, 1e-9)
    if slope.max() > 1.4:
        raise ParameterError.of(N_("the trim line is too steep (%(angle)s): its cut is too "
                                   "deep for its width; widen the cut (%(width)s) or make it "
                                   "shallower (%(drop)s)"),
                                angle=f"{np.degrees(np.arctan(slope.max())):.0f} degrees",
                                width="*_cut_width_deg", drop="*_trim_drop_mm")
    return SocketGrid(inner=grid, outer=grid, inner_pole=limb_pole, outer_pole=limb_pole,
                      normals=_grid_normals(grid, limb_pole), trim_z=trim_z, limb_points=grid,
                      limb_pole=limb_pole, dome_centre_z_mm=zc)


def apply_zones(rows: np.ndarray, pole: np.ndarray, p, marks: Landmarks):
    """Move the cavity along its normals by each zone's depth (push-in is inward).

    Returns rows, pole and, per active zone, its record for the report.
    """
    n = _grid_normals(rows, pole)
    shift, shift_pole, records = zone_shift(rows, pole, p, marks)
    moved = rows - shift[..., None] * n
    # The trim line stays where its parameters put it: the top row keeps its height.
    moved[-1, :, 2] = rows[-1, :, 2]
    # The pole's outward normal is -Z: a push-in raises it.
    return moved, pole + np.array([0.0, 0.0, shift_pole]), records


def rectify(grid: SocketGrid, p: Params, anterior_z: float,
            marks: Landmarks | None = None, hand=None) -> tuple[np.ndarray, np.ndarray, list]:
    """The cavity from the sampled limb: global reduction, zones, hand strokes, liner
    allowance.

    The reduction pulls each section toward the axis so its area shrinks by
    ``reduction_percent`` at the anterior trim height, tapering linearly to 0 at the distal
    end; the zones then push in or relieve along the surface normal; then the strokes of
    ``hand`` (a :class:`prosthetics.sockets.rectification.Rectification`), in order; the
    liner allowance last.  Returns rows, pole and the zones applied.  Numpy on the grid
    only (a few milliseconds): the desktop application runs it live while a landmark or a
    brush moves.
    """
    pts = grid.limb_points
    pct = p.reduction_percent * np.clip(pts[..., 2] / anterior_z, 0.0, 1.0)
    scale = np.sqrt(1.0 - pct / 100.0)
    inner = pts.copy()
    inner[..., :2] *= scale[..., None]
    pole = grid.limb_pole.copy()
    zones: list = []
    if marks is not None:
        inner, pole, zones = apply_zones(inner, pole, p, marks)
    if hand is not None and hand.strokes:
        inner, pole = apply_strokes(inner, pole, pts, _grid_normals(pts, grid.limb_pole),
                                    grid.limb_pole, hand.strokes, hand.protect, _grid_normals)
    if p.liner_offset_mm > 0:
        n = _grid_normals(inner, pole)
        inner = inner + p.liner_offset_mm * n
        pole = pole + np.array([0.0, 0.0, -p.liner_offset_mm])
    return unfold_rows(inner, above_z_mm=grid.dome_centre_z_mm), pole, zones


def unfold_rows(rows: np.ndarray, above_z_mm: float = -np.inf,
                min_step_mm: float = 0.05) -> np.ndarray:
    """Rows (rows, cols, 3) with each column's heights made to rise at least
    ``min_step_mm`` per row, from the first row whose mean height is above ``above_z_mm``.

    A large offset along the normals at a kink (where a transfemoral socket's flared brim
    rows meet the scanned skin, with a thick liner allowance) can carry a row below the one
    under it: the cavity then folds over itself and the booleans leave a thin fin inside
    the socket.  Raising the dipped rows removes the fold; elsewhere nothing moves.  The
    distal dome's rows run outward more than up (a flat or dimpled end dips a little
    there without folding): pass its height as ``above_z_mm`` to leave it alone.
    """
    z = rows[..., 2]
    start = int(np.argmax(z.mean(axis=1) > above_z_mm)) if np.any(z.mean(axis=1) > above_z_mm) \
        else len(rows)
    k = min_step_mm * np.arange(len(rows) - start)[:, None]
    lifted = np.maximum.accumulate(z[start:] - k, axis=0) + k
    if np.array_equal(lifted, z[start:]):
        return rows
    out = rows.copy()
    out[start:, :, 2] = lifted
    return out


def _open_surface(rows: np.ndarray, pole: np.ndarray) -> trimesh.Trimesh:
    r, m = rows.shape[:2]
    v = np.vstack([pole[None], rows.reshape(-1, 3)])
    f = ring_faces(r, m, pole_start=True, pole_end=False)
    return trimesh.Trimesh(v, f, process=False)


def _smooth_grid(values: np.ndarray, iterations: int) -> np.ndarray:
    """Average each grid value with its 4 neighbours (wrapping around the columns)."""
    v = values.copy()
    for _ in range(iterations):
        up = np.concatenate([v[:1], v[:-1]], axis=0)
        down = np.concatenate([v[1:], v[-1:]], axis=0)
        v = (2 * v + up + down + np.roll(v, 1, axis=1) + np.roll(v, -1, axis=1)) / 6.0
    return v


def _outer_surface(outer: np.ndarray, pole_out: np.ndarray) -> trimesh.Trimesh:
    """The outer rows as the shell triangulates them (rows reversed, pole last)."""
    r, m = outer.shape[:2]
    v = np.vstack([outer[::-1].reshape(-1, 3), pole_out[None]])
    return trimesh.Trimesh(v, ring_faces(r, m, pole_start=False, pole_end=True), process=False)


def offset_outer(inner: np.ndarray, pole: np.ndarray, target: np.ndarray, iterations: int = 12,
                 margin_mm: float = 0.03):
    """Outer rows at least ``target`` (rows,) mm from the inner surface; returns rows, pole.

    Offsets along smoothed normals (a point-wise offset of a slightly wavy surface folds),
    then measures the gap both ways (outer vertices to the inner surface, inner vertices
    and edge midpoints to the outer triangles) and grows the offset where it falls short,
    spreading each correction smoothly so the outer surface stays fair.
    """
    n = _smooth_grid(_grid_normals(inner, pole), 6)
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    rows, m = inner.shape[:2]
    want = np.broadcast_to(target[:, None], (rows, m))
    h = want.copy()
    pole_out = pole + np.array([0.0, 0.0, -target[0]])
    q_in = SurfaceQuery(_open_surface(inner, pole))
    # Inner samples: vertices and the midpoints of row, column and both diagonal edges.
    nxt = np.roll(inner, -1, axis=1)
    samples = np.concatenate([
        inner.reshape(-1, 3), (0.5 * (inner + nxt)).reshape(-1, 3),
        (0.5 * (inner[:-1] + inner[1:])).reshape(-1, 3),
        (0.5 * (inner[:-1] + nxt[1:])).reshape(-1, 3),
        (0.5 * (nxt[:-1] + inner[1:])).reshape(-1, 3)])
    sample_row = np.concatenate([np.repeat(np.arange(rows), m)] * 2 +
                                [np.repeat(np.arange(rows - 1), m)] * 3)
    sample_want = target[sample_row] + margin_mm
    outer = inner + h[..., None] * n
    # The outer surface's triangles (the same every pass) and their edges: each edge's
    # midpoint is measured once, for the two triangles along it.
    faces = _outer_surface(outer, pole_out).faces.view(np.ndarray)
    corner_pairs = np.stack([faces, np.roll(faces, 1, axis=1)], axis=2).reshape(-1, 2)
    edges, edge_of = np.unique(np.sort(corner_pairs, axis=1), axis=0, return_inverse=True)
    edge_of = edge_of.ravel()
    owner = np.concatenate([np.arange(len(faces)), np.repeat(np.arange(len(faces)), 3)])
    row_of_vertex = np.append(rows - 1 - np.arange(rows * m) // m, 0)
    need = target[row_of_vertex[faces].min(axis=1)][owner] + margin_mm
    for _ in range(iterations):
        d = q_in.distance(outer.reshape(-1, 3)).reshape(h.shape)
        short = want + margin_mm - d
        surf = _outer_surface(outer, pole_out)
        corner_flat = np.zeros(len(surf.vertices))
        # Inner samples against the outer triangles...
        dist, tri = SurfaceQuery(surf).closest(samples)
        s = sample_want - dist
        bad = s > 0
        np.maximum.at(corner_flat, faces[tri[bad]].ravel(), np.repeat(s[bad], 3))
        # ...and the outer triangles' centroids and edge midpoints against the inner surface:
        # a triangle can pass closer than its corners and the inner samples show.
        v = surf.vertices.view(np.ndarray)
        centroids = v[faces].mean(axis=1)
        # (a + b is b + a to the last bit: a shared edge's midpoint is the same point
        # from either triangle.)
        midpoints = 0.5 * (v[edges[:, 0]] + v[edges[:, 1]])
        gap = q_in.distance(np.concatenate([centroids, midpoints]))
        s2 = need - np.concatenate([gap[:len(faces)], gap[len(faces):][edge_of]])
        bad2 = s2 > 0
        np.maximum.at(corner_flat, faces[owner[bad2]].ravel(), np.repeat(s2[bad2], 3))
        # Push the corners of every triangle that comes too close, the distal pole too.
        corner = corner_flat[:-1].reshape(rows, m)[::-1]
        short = np.maximum(short, corner)
        pole_short = max(corner_flat[-1],
                         target[0] + margin_mm - q_in.distance(pole_out[None])[0])
        if short.max() <= 0.0 and pole_short <= 0.0:
            break
        h = h + np.clip(short, 0.0, None) * 1.2 + (short > 0) * 0.01
        h = np.maximum(h, _smooth_grid(h, 2))
        outer = inner + h[..., None] * n
        if pole_short > 0:
            pole_out = pole_out - np.array([0.0, 0.0, 1.2 * pole_short + 0.01])
    return outer, pole_out


def _brim(inner_top: np.ndarray, outer_top: np.ndarray, up: np.ndarray, k: int = 9) -> np.ndarray:
    """Half-round rows from the inner to the outer top edge, (k, cols, 3) (ends excluded)."""
    mid = 0.5 * (inner_top + outer_top)
    half = 0.5 * (inner_top - outer_top)      # points from mid to the inner edge
    radius = np.linalg.norm(half, axis=1, keepdims=True)
    u = up - np.sum(up * half, axis=1, keepdims=True) / radius ** 2 * half
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    alpha = np.linspace(0.0, np.pi, k + 2)[1:-1]
    return mid[None] + np.cos(alpha)[:, None, None] * half[None] + \
        np.sin(alpha)[:, None, None] * radius[None] * u[None]


def assemble_lower_limb_socket(limb, grid: SocketGrid, inner: np.ndarray, pole: np.ndarray, p,
                               cache: TemplateCache, timings: dict, *, anterior_z: float,
                               **extra) -> SocketResult:
    """:func:`assemble_socket` with the lower-limb distal interface (4-hole plate, collar
    block or shuttle lock, from the shared adapter parameters of ``p``), placed under the
    socket as its ``socket_*`` alignment parameters ask."""
    return assemble_socket(limb, grid, inner, pole, p, cache, timings,
                           block_radius_mm=p.adapter_plate_diameter_mm / 2.0,
                           make_interface=lambda bottom, top: adapters.make_interface(p, bottom, top),
                           block_height_mm=p.adapter_block_height_mm,
                           blend_floor_above_bottom_mm=p.adapter_block_height_mm
                           - p.adapter_plate_thickness_mm + 1.0,
                           side=p.limb_side.value, anterior_z=anterior_z,
                           alignment=adapters.socket_alignment(p), **extra)


def shell_and_cavity(inner: np.ndarray, pole: np.ndarray, target: np.ndarray,
                     wall_mm: float):
    """The closed shell (cavity rows, rounded brim, outer rows) and the closed cavity.

    Returns outer rows (rows, cols, 3), outer pole (3,), shell and cavity meshes.
    """
    outer, pole_out = offset_outer(inner, pole, target)
    up = inner[-1] - inner[-2]
    brim = _brim(inner[-1], outer[-1], up)
    rows = np.concatenate([inner, brim, outer[::-1]], axis=0)
    verts = np.vstack([pole[None], rows.reshape(-1, 3), pole_out[None]])
    faces = ring_faces(len(rows), inner.shape[1], pole_start=True, pole_end=True)
    shell = closed_oriented(verts, faces)
    # The cavity continues straight up past the brim so the boolean leaves the brim alone.
    ext = inner[-1] + up / np.linalg.norm(up, axis=1, keepdims=True) * (3 * wall_mm)
    top_centre = ext.mean(axis=0)
    cav_rows = np.concatenate([inner, ext[None]], axis=0)
    cav_v = np.vstack([pole[None], cav_rows.reshape(-1, 3), top_centre[None]])
    cavity = closed_oriented(cav_v, ring_faces(len(cav_rows), inner.shape[1], pole_start=True,
                                               pole_end=True))
    return outer, pole_out, shell, cavity


#: The pedestal under the shell reaches this far into the wall past where it meets it,
#: and inside the wall up to this far above where it meets it highest (mm).
PEDESTAL_INTO_WALL_MM, PEDESTAL_ABOVE_MM = 1.0, 2.0
#: The pedestal meets the shell at most this much higher than it does with the socket
#: square over the interface (plus the rise the alignment's tilt gives the block's edge),
#: mm: above that, a wall running down past the block's edge is left alone rather than
#: lined with a sliver of pedestal.
PEDESTAL_SLACK_MM = 10.0
#: A bare rim of the block's top wider than this (mm) is worth a warning.
BARE_RIM_WARN_MM = 3.0
#: The pedestal is sampled over the block's top face on this many rings x directions.
_PEDESTAL_RINGS, _PEDESTAL_DIRECTIONS = 16, 96
#: The pedestal's side stands this far inside the block's edge and its foot this far down
#: in the block (mm): it never meets the tessellated block's own faces.
_PEDESTAL_INSET_MM, _PEDESTAL_FOOT_MM = 0.05, 0.5
#: A hole opens this far above the cavity's floor over it, mm (no skin left over it).
HOLE_ABOVE_FLOOR_MM = 1.0
#: A hole runs at most this many of the thickest wall's thickness through the shell before
#: it opens into the cavity (a steep distal end is crossed on a slant; more would run the
#: hole along the wall rather than through it).
HOLE_THROUGH_WALLS = 5.0


def _heights_above(rows: np.ndarray, pole: np.ndarray, xy: np.ndarray,
                   from_z_mm: float | np.ndarray) -> np.ndarray:
    """Height (n,) of the first crossing of a ring-grid surface straight above each point.

    ``xy`` (n, 2) mm; rays go up (+Z) from ``from_z_mm``; inf where a ray meets nothing.
    """
    z0 = np.broadcast_to(np.asarray(from_z_mm, dtype=float), (len(xy),))
    origins = np.column_stack([xy, z0])
    up = np.tile([0.0, 0.0, 1.0], (len(xy), 1))
    return z0 + SurfaceQuery(_open_surface(rows, pole)).cast(origins, up)


def shell_over(outer: np.ndarray, outer_pole: np.ndarray, xy: np.ndarray, from_z_mm: float,
               below_z_mm: float = np.inf) -> np.ndarray:
    """Height (n,) where the shell's outer surface is first met straight above each point
    ``xy`` (n, 2), when that is below ``below_z_mm``; inf elsewhere (nothing above the
    point, or only a wall far up that runs down past it)."""
    h = _heights_above(outer, outer_pole, xy, from_z_mm)
    return np.where(h <= below_z_mm, h, np.inf)


def _disc_points(radius_mm: float, rings: int = _PEDESTAL_RINGS,
                 directions: int = _PEDESTAL_DIRECTIONS) -> np.ndarray:
    """(1 + rings * directions, 2): the centre, then rings outward to ``radius_mm``."""
    ang = np.linspace(0.0, 2 * np.pi, directions, endpoint=False)
    rad = radius_mm * np.arange(1, rings + 1) / rings
    ring = (rad[:, None, None] * np.stack([np.cos(ang), np.sin(ang)], axis=-1)[None]).reshape(-1, 2)
    return np.vstack([[0.0, 0.0], ring])


def through_shell(inner: np.ndarray, pole: np.ndarray, outer: np.ndarray,
                  outer_pole: np.ndarray, xy: np.ndarray, from_z_mm: float,
                  below_z_mm: float = np.inf, through_mm: float = np.inf):
    """Where straight lines up through the points ``xy`` (n, 2) enter the shell and open
    into its cavity (the rows and poles all in one frame, mm).

    Returns
    -------
    enter : (n,) float
        The shell's outer surface over each point (:func:`shell_over`; inf: none).
    floor : (n,) float
        The cavity's surface over it, where the line passes cleanly from the outside
        through the wall into the cavity; NaN where it does not: no shell over it, no
        cavity, a line that leaves the shell again before the cavity, or one that runs
        more than ``through_mm`` inside the wall (along it rather than through it).
    """
    enter = shell_over(outer, outer_pole, xy, from_z_mm, below_z_mm)
    floor = _heights_above(inner, pole, xy, from_z_mm)
    leave = np.full(len(xy), np.inf)
    inside = np.isfinite(enter)
    leave[inside] = _heights_above(outer, outer_pole, xy[inside], enter[inside] + 0.01)
    with np.errstate(invalid="ignore"):         # inf - inf where a ray meets nothing
        ok = inside & np.isfinite(floor) & (leave > floor) & (floor - enter <= through_mm)
    return enter, np.where(ok, floor, np.nan)


def distal_pedestal(xy: np.ndarray, top_z: np.ndarray, base_z_mm: float) -> trimesh.Trimesh:
    """A solid over the distal block's top face up to the heights ``top_z`` (interface frame).

    ``xy`` from :func:`_disc_points`, ``top_z`` (n,) mm (at least the block's top
    ``base_z_mm``); its foot sits :data:`_PEDESTAL_FOOT_MM` down in the block.
    """
    rings, m = _PEDESTAL_RINGS, _PEDESTAL_DIRECTIONS
    top = np.maximum(top_z, base_z_mm)
    foot = base_z_mm - _PEDESTAL_FOOT_MM
    rim = xy[1 + (rings - 1) * m:]
    verts = np.vstack([np.column_stack([xy, top]),                  # centre, rings
                       np.column_stack([rim, np.full(m, foot)]),    # down the side
                       [[0.0, 0.0, foot]]])
    return closed_oriented(verts, ring_faces(rings + 1, m, pole_start=True, pole_end=True))


def _mid_wall(inner: np.ndarray, pole: np.ndarray, outer: np.ndarray,
              outer_pole: np.ndarray) -> trimesh.Trimesh:
    """The closed surface halfway through the wall, closed at the trim: everything the
    socket holds, cavity and inner half of the wall, well clear of both surfaces."""
    mid = 0.5 * (inner + outer)
    verts = np.vstack([0.5 * (pole + outer_pole)[None], mid.reshape(-1, 3),
                       mid[-1].mean(axis=0)[None]])
    return closed_oriented(verts, ring_faces(len(mid), mid.shape[1], pole_start=True,
                                             pole_end=True))


def hole_floors(inner: np.ndarray, pole: np.ndarray, centres: np.ndarray,
                hole_radius_mm: float = 3.0, *, outer: np.ndarray | None = None,
                outer_pole: np.ndarray | None = None, below_z_mm: float = np.inf,
                through_mm: float = np.inf) -> np.ndarray:
    """Height (k,) of the cavity's floor over each of the interface's openings, mm.

    In the interface's frame (the shell's rows moved into it).  Rays go straight up at each
    opening's centre and 8 points round its edge (``hole_radius_mm``); its floor is the
    highest first crossing of the cavity's surface (``inner``, ``pole``).  NaN for an
    opening that cannot open into the cavity through the floor: a ray that meets no
    cavity, or (given the shell's ``outer`` rows and pole) one that does not pass cleanly
    through the wall into it (:func:`through_shell`: no shell below ``below_z_mm``, more
    than ``through_mm`` inside the wall, or out of the shell again first): a hole carried
    up there would cut along or through the side of the wall.
    """
    centres = np.asarray(centres, dtype=float).reshape(-1, 2)
    if not len(centres):
        return np.zeros(0)
    ang = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    ring = np.column_stack([np.cos(ang), np.sin(ang)]) * hole_radius_mm
    xy = (centres[:, None, :] + np.vstack([[0.0, 0.0], ring])[None]).reshape(-1, 2)
    low = min(float(inner[..., 2].min()), float(pole[2]))
    if outer is None:
        floor = _heights_above(inner, pole, xy, low - 10.0)
        floor[~np.isfinite(floor)] = np.nan
    else:
        low = min(low, float(outer[..., 2].min()), float(outer_pole[2]))
        floor = through_shell(inner, pole, outer, outer_pole, xy, low - 10.0, below_z_mm,
                              through_mm)[1]
    per_hole = floor.reshape(len(centres), -1)
    out = per_hole.max(axis=1)
    out[np.isnan(per_hole).any(axis=1)] = np.nan
    return out


def holes_top_z(inner: np.ndarray, pole: np.ndarray, centres: np.ndarray,
                block_top_z_mm: float, hole_radius_mm: float = 3.0, **shell) -> np.ndarray:
    """How high each of the interface's holes reaches (k,), mm, in the interface's frame.

    :data:`HOLE_ABOVE_FLOOR_MM` above the cavity's floor over it (:func:`hole_floors`, which
    takes the shell's rows as keywords), so it opens into the cavity and no skin is left
    over it; a hole that cannot open through the floor stops at the block's top
    ``block_top_z_mm``.
    """
    return _hole_tops(hole_floors(inner, pole, centres, hole_radius_mm, **shell), block_top_z_mm)


def _hole_tops(floors: np.ndarray, block_top_z_mm: float) -> np.ndarray:
    return np.where(np.isnan(floors), block_top_z_mm,
                    np.maximum(floors + HOLE_ABOVE_FLOOR_MM, block_top_z_mm))


def _moved(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Points (..., 3) moved by the 4x4 transform ``m``."""
    return points @ m[:3, :3].T + m[:3, 3]


def assemble_socket(limb, grid: SocketGrid, inner: np.ndarray, pole: np.ndarray, p,
                    cache: TemplateCache, timings: dict, *, block_radius_mm: float,
                    make_interface, block_height_mm: float,
                    blend_floor_above_bottom_mm: float, side: str, anterior_z: float,
                    landmarks=None, zones=None, fenestration_keep_outs=(),
                    fenestration_ceiling_z_mm: float | None = None,
                    fenestration_ceiling_reason: str = "",
                    alignment: adapters.Alignment | None = None) -> SocketResult:
    """The rest of every ring-grid socket once its cavity is known.

    Regional wall targets, the outer wall, shell and brim, the CadQuery distal interface
    (``make_interface(bottom_z, top_z)``: the block, with its top at ``top_z``), the
    pedestal that joins it to the shell, the distal fillet, the ventilation holes
    (:func:`~prosthetics.sockets.fenestrations.place_fenestrations`, with the template's
    ``fenestration_*`` keep-outs and ceiling), the manifold3d join and the label.  ``p``
    needs the wall, :class:`~prosthetics.sockets.WallParams`,
    :class:`~prosthetics.sockets.label.LabelParams` and
    :class:`~prosthetics.sockets.fenestrations.FenestrationParams` fields.

    The socket stays in the limb frame.  The interface is built on its own axis and placed
    under it by ``alignment`` (:class:`~prosthetics.sockets.adapters.Alignment`; None:
    square under the socket, on its axis), turned about the point of the axis where it
    meets the socket (the block's top, the distal wall's thickness under the cavity).  In
    the interface's frame, on the shell moved into it: the pedestal
    (:func:`distal_pedestal`, under the distal dome), the holes' reach into the cavity
    (:func:`holes_top_z`) and the fillet; when the turn sinks the dome deeper into the
    block than it sits square under it, the interface moves down its axis by the
    difference.  The CadQuery parts are cached with their holes tall and cut to those
    heights (:func:`~prosthetics.sockets.adapters.placed_meshes`), so a new alignment
    rebuilds no CadQuery part.  The result's ``adapter`` is a
    :class:`~prosthetics.sockets.adapters.PlacedInterface`.
    """
    t0 = time.perf_counter()
    zc = grid.dome_centre_z_mm
    target = wall_targets(inner[..., 2].mean(axis=1),
                          (grid.trim_z[None, :] - inner[..., 2]).mean(axis=1), zc,
                          p.wall_thickness_mm, p.distal_wall_thickness_mm,
                          p.trim_band_thickness_mm, p.trim_band_height_mm)
    outer, pole_out, shell, cavity = shell_and_cavity(inner, pole, target, p.wall_thickness_mm)
    timings["shell"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    bottom = float(pole[2] - max(p.distal_wall_thickness_mm, p.wall_thickness_mm)
                   - block_height_mm)
    # The interface turns about the point of the axis where it meets the socket: the top
    # of its block, the outer distal pole as the distal wall sets it.
    base = bottom + block_height_mm
    placing = alignment if alignment is not None else adapters.Alignment()
    disc = _disc_points(block_radius_mm - _PEDESTAL_INSET_MM)
    rim = slice(1 + (_PEDESTAL_RINGS - 1) * _PEDESTAL_DIRECTIONS, None)
    low = min(float(outer[..., 2].min()), float(pole_out[2]), bottom) - 50.0
    shell_z = shell_over(outer, pole_out, disc, low)
    cap = float(grid.trim_z.min()) - 5.0
    through = HOLE_THROUGH_WALLS * float(target.max())
    to_design = placing.interface_to_design(base)
    drop, reach_z = 0.0, np.inf
    if not placing.is_identity:
        # Square under the socket the pedestal meets the shell at most this high; aligned,
        # it may meet it a little higher (the tilt raises one side of the block's edge),
        # and the shell may sink no deeper into the block (a flat or dimpled end sinks a
        # little): the interface moves down its axis when the turn would sink it deeper.
        met = shell_z[rim][np.isfinite(shell_z[rim])]
        tilt = np.arccos(np.clip(to_design[2, 2], -1.0, 1.0))
        reach_z = (float(met.max()) if len(met) else cap) + PEDESTAL_SLACK_MM \
            + block_radius_mm * float(np.sin(tilt))
        sunk = base - float(np.min(shell_z, initial=base))
        to_iface = np.linalg.inv(to_design)
        shell_z = shell_over(_moved(outer, to_iface), _moved(pole_out, to_iface), disc, low,
                             reach_z)
        drop = max(0.0, base - float(np.min(shell_z, initial=base)) - max(sunk, 0.0))
        to_design = placing.interface_to_design(base, drop)
    to_iface = np.linalg.inv(to_design)
    # The shell in the interface's frame (the same arrays when the socket is square over it).
    outer_i, pole_out_i = _moved(outer, to_iface), _moved(pole_out, to_iface)
    inner_i, pole_i = _moved(inner, to_iface), _moved(pole, to_iface)
    # (Heights in the interface's frame rise by the drop.)
    reach_z += drop
    low = min(float(outer_i[..., 2].min()), float(pole_out_i[2]), bottom) - 10.0
    shell_z = shell_over(outer_i, pole_out_i, disc, low, reach_z)
    met = np.isfinite(shell_z)
    # The pedestal: under the shell, from the block up into the wall; and up to
    # PEDESTAL_ABOVE_MM above where it meets the shell highest, within the middle of the
    # wall: the cavity's distal end, taken away from it, then lies in solid material (a
    # clean difference where its rows fold at a small distal end), and nothing of it shows
    # where a tilted wall leans over the block.
    pedestal_top = min(float(shell_z[met].max(initial=base)) + PEDESTAL_ABOVE_MM, cap)
    under = distal_pedestal(disc, np.where(met, np.minimum(shell_z + PEDESTAL_INTO_WALL_MM,
                                                           pedestal_top), base), base)
    into = distal_pedestal(disc, np.where(met, pedestal_top, base), base)
    under.apply_transform(to_design)
    into.apply_transform(to_design)
    pedestal = from_manifold((to_manifold(into) ^ to_manifold(_mid_wall(inner, pole, outer,
                                                                         pole_out)))
                             + to_manifold(under))
    iface = make_interface(bottom, base)
    openings = np.asarray(getattr(iface, "opening_centres", iface.hole_centres)(),
                          dtype=float).reshape(-1, 2)
    floors = hole_floors(inner_i, pole_i, openings, getattr(iface, "opening_radius_mm", 3.0),
                         outer=outer_i, outer_pole=pole_out_i, below_z_mm=reach_z,
                         through_mm=through)
    tops = _hole_tops(floors, base)
    # CadQuery builds the parts once, with tall holes; each build cuts the holes to their
    # heights and places the parts (manifold3d and a transform).
    tall = adapters.tall_top_z(bottom, base, *tops)
    block, cutters = adapters.placed_meshes(
        *cache.adapter_meshes(iface, tall), interface_to_design=to_design, base_z_mm=base,
        openings=openings, tops_z_mm=tops, clip_radius_mm=_clip_radius(openings, block_radius_mm))
    adapter = adapters.PlacedInterface(
        interface=iface, interface_to_design=to_design, bottom_z_mm=float(block.bounds[0, 2]),
        pedestal_top_z_mm=max(float(block.bounds[1, 2]), float(pedestal.bounds[1, 2])),
        alignment=placing.as_dict(base, drop) if alignment is not None else None)
    # The wall is measured above the pedestal and the holes' reach (tilted with the
    # interface): below it the distal block is solid and its holes are meant.
    hole_rims = _moved(np.column_stack([
        (openings[:, None, :] + _disc_points(3.0, 1, 8)[None, 1:]).reshape(-1, 2),
        np.repeat(tops, 8)]), to_design) if len(openings) else np.zeros((0, 3))
    wall_check_above = max(adapter.pedestal_top_z_mm,
                           float(hole_rims[:, 2].max(initial=-np.inf))) + 1.0
    timings["adapter_cadquery"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # The fillet needs the shell over the block's whole edge (a concave corner all round).
    covered = np.isfinite(shell_z[1:]).reshape(_PEDESTAL_RINGS, _PEDESTAL_DIRECTIONS)
    rim_covered = covered[-1]
    blend = None
    if rim_covered.all():
        blend = distal_blend(outer_i, pole_out_i, block_radius_mm, p.distal_blend_radius_mm,
                             floor_z_mm=bottom + blend_floor_above_bottom_mm)
        if blend is not None:
            blend.apply_transform(to_design)
    # How far the block's top reaches bare past the shell, per direction round it.
    last = np.where(covered.any(axis=0),
                    _PEDESTAL_RINGS - 1 - np.argmax(covered[::-1], axis=0), -1)
    bare_mm = (block_radius_mm - _PEDESTAL_INSET_MM) * (1.0 - (last + 1) / _PEDESTAL_RINGS)
    placing_warnings = _interface_warnings(float(bare_mm.max()), floors,
                                           p.distal_blend_radius_mm > 0 and blend is None,
                                           placing)
    inner_surface = _open_surface(inner, pole)
    # Both open surfaces oriented like the limb (normals away from the axis).
    outer_surface = _open_surface(outer, pole_out)
    for surface in (inner_surface, outer_surface):
        if _faces_inward(surface):
            surface.invert()
    interface_top = max(adapter.pedestal_top_z_mm,
                        float(blend.bounds[1, 2]) if blend is not None else -np.inf)
    fen = place_fenestrations(
        p, inner_surface, outer_surface, grid.trim_z, side=side,
        floor_z_mm=max(zc + DOME_BLEND_MM, interface_top),
        distal_ref_z_mm=adapter.pedestal_top_z_mm, ceiling_z_mm=fenestration_ceiling_z_mm,
        ceiling_reason=fenestration_ceiling_reason, keep_outs=fenestration_keep_outs,
        label_box=label_footprint(p, side, default_z_mm=0.45 * anterior_z))
    mesh, fen = _joined_with_holes(shell, cavity, block, cutters, pedestal, blend, fen,
                                   placing_warnings)
    timings["booleans"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # The label goes where it prints closed, clear of the brim, the distal interface and
    # the holes (moved, or left off with a warning, when the asked place does not work).
    wall = LabelWall(trim_z=grid.trim_z, floor_z_mm=interface_top,
                     hole_centres=fen.centres if fen is not None else np.zeros((0, 3)),
                     hole_radius_mm=0.5 * fen.diameter_mm if fen is not None else 0.0)
    mesh, label, label_warnings = apply_label(mesh, p, side, default_z_mm=0.45 * anterior_z,
                                              wall=wall)
    if label is not None:
        timings["label"] = time.perf_counter() - t0
    return SocketResult(mesh=mesh, inner_surface=inner_surface, outer_surface=outer_surface,
                        cavity=cavity,
                        grid=SocketGrid(inner=inner, outer=outer, inner_pole=pole,
                                        outer_pole=pole_out, normals=_grid_normals(inner, pole),
                                        trim_z=grid.trim_z, limb_points=grid.limb_points,
                                        limb_pole=grid.limb_pole, dome_centre_z_mm=zc),
                        params=p, adapter=adapter, trim_anterior_z_mm=float(anterior_z),
                        trim_lowest_z_mm=float(grid.trim_z.min()), wall_target_mm=target,
                        landmarks=landmarks, zones=zones or [], label=label, timings_s=timings,
                        wall_check_above_z_mm=wall_check_above, fenestrations=fen,
                        warnings=[*placing_warnings,
                                  *(fen.warnings if fen is not None else []),
                                  *label_warnings])


def _joined_with_holes(shell, cavity, block, cutters, pedestal, blend, fen,
                       warnings: list) -> tuple[trimesh.Trimesh, Fenestrations | None]:
    """The socket's body (:func:`join_interface`) with its blend and ventilation holes;
    what cannot be joined as one closed body steps aside with a warning rather than fail
    the socket.

    In turn, with the blend and then without it (a fillet touching the pedestal along an
    edge pinches the union): the holes as placed; their facets turned by half a facet (a
    bore whose facet edges fall on the wall's own vertices can leave the union open: seen on
    one CPU and not on another for the same forearm); no holes.  Returns the body and the
    holes it has.

    Raises
    ------
    GeometryError, ParameterError
        When the body cannot be joined even without the blend and the holes.
    """
    extras = ([[pedestal, blend]] if blend is not None else []) + [[pedestal]]
    # With each extra in turn: the holes, the holes turned, no holes (with no holes asked,
    # only the first).
    holes = [(fen, False), (fen, True), (None, False)] if fen is not None else [(None, False)]
    tries = [(extra, h, turned) for extra in extras for h, turned in holes]
    failure: Exception | None = None
    for extra, holes_of, turned in tries:
        try:
            mesh = join_interface(shell, cavity, block, cutters, extra,
                                  holes=holes_of.cutter(turned) if holes_of is not None else None)
        except (GeometryError, ParameterError) as exc:
            failure = failure or exc
            continue
        if blend is not None and len(extra) == 1:
            warnings.append(Message.of(N_("the distal blend is left off: it did not join the "
                                          "shell and the distal block as one closed body; "
                                          "try another %(setting)s"),
                                       setting="distal_blend_radius_mm"))
        if fen is not None and holes_of is None:
            warnings.append(Message.of(N_("the %(count)s ventilation holes are left off: the "
                                          "wall with them did not join as one closed body; "
                                          "try another %(diameter)s or %(count_setting)s"),
                                       count=fen.placed, diameter="fenestration_diameter_mm",
                                       count_setting="fenestration_count"))
        return mesh, holes_of
    raise failure


def _clip_radius(openings: np.ndarray, block_radius_mm: float) -> float:
    """Radius (mm) of the column kept round each opening's cutters above the block's top:
    half the distance to the nearest other opening (so no column takes a neighbour's)."""
    if len(openings) < 2:
        return 0.5 * block_radius_mm
    d = np.linalg.norm(openings[:, None] - openings[None], axis=2)
    d[np.diag_indices(len(d))] = np.inf
    return float(min(0.5 * d.min(), 0.5 * block_radius_mm))


def _interface_warnings(bare_mm: float, floors: np.ndarray, blend_left_off: bool,
                        placing: adapters.Alignment) -> list[str]:
    """What the user should know about where the interface sits under the socket
    (``bare_mm``: how far the block's top reaches bare past the shell)."""
    why = ("; smaller socket_*_offset_mm values keep it under the socket (a slide adapter "
           "takes larger offsets)" if placing.anterior_offset_mm or placing.medial_offset_mm
           else "; a smaller adapter_plate_diameter_mm keeps it under the socket")
    out = []
    if bare_mm > BARE_RIM_WARN_MM:
        out.append(f"the distal block reaches up to {bare_mm:.0f} mm past the socket's "
                   f"distal end: its top is bare there"
                   + (" and the distal blend is left off" if blend_left_off else "") + why)
    elif blend_left_off:
        out.append("the distal blend is left off: the socket's wall runs down past the "
                   "distal block's edge" + why)
    shut = int(np.count_nonzero(np.isnan(floors)))
    if shut:
        out.append(f"{shut} of the distal interface's {len(floors)} holes cannot open into the "
                   f"cavity (they lie beyond its floor) and stop at the block's top" + why)
    return out


def _faces_inward(surface: trimesh.Trimesh) -> bool:
    c = surface.triangles_center
    radial = c.copy()
    radial[:, 2] = np.minimum(c[:, 2] - 20.0, 0.0)
    return float(np.sum(np.einsum("ij,ij->i", surface.face_normals, radial) * surface.area_faces)) < 0
