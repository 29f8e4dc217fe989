"""Parametric transfemoral (thigh) socket with an ischial-containment or quadrilateral brim.

The ring-grid construction of :mod:`prosthetics.sockets.engine` (rays from the limb's axis,
reduced cavity, corrected outer wall, rounded brim, CadQuery distal interface joined with
manifold3d).  What differs is the brim, which rises above the scan: a scan of a thigh
stops at the groin, while the socket's walls go up to the ischium and the greater
trochanter.

- The brim height is set per wall relative to the ischial level (``ischial_level_mm``,
  by default just under the top of the scan): lateral, anterior, medial and posterior,
  blended smoothly around (cos^2 weights, 90 degrees apart).
- Where the brim is above the scanned skin the walls go on upward from the last sampled
  ring, flaring outward by ``brim_flare_deg``.
- ``quadrilateral``: the ischium sits on the posterior brim: the posterior wall is rolled
  outward into a seat ``ischial_seat_width_mm`` wide over its top 15 mm, the medial and
  posterior walls at the ischial level.  ``ischial_containment``: no seat; the medial and
  posterior walls rise above the ischial level (``medial_wall_mm``, ``posterior_wall_mm``)
  to contain the ischium and ramus, with a high lateral wall for the trochanter.
- The distal interface is the lower-limb library's (:class:`~prosthetics.sockets.adapters.DistalInterfaceParams`).
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, replace

import numpy as np
import trimesh

from prosthetics.errors import N_, GeometryError, ParameterError
from prosthetics.limb.landmarks import Side
from prosthetics.params import param
from prosthetics.sockets import adapters
from prosthetics.sockets.engine import (
    SocketGrid,
    TemplateCache,
    _grid_normals,
    assemble_lower_limb_socket,
    cut_weight,
    rectify,
    sample_limb,
)
from prosthetics.sockets.fenestrations import FenestrationParams
from prosthetics.sockets.label import LabelParams
from prosthetics.sockets.rectification import check_on_limb
from prosthetics.sockets.regions import WallParams

NAME = "transfemoral"
#: Rows added above the sampled skin, up to the brim.
BRIM_ROWS = 14
#: The skin is sampled up to this far under the lowest brim point (or the scan top).
_SAMPLE_BELOW_BRIM_MM = 10.0
#: Ventilation holes stay this far below the ischial level: the ischial seat or
#: containment and the brim walls above it carry the ischium and hold the femur.
ISCHIAL_CLEARANCE_MM = 50.0


class BrimStyle(enum.Enum):
    ISCHIAL_CONTAINMENT = "ischial_containment"
    QUADRILATERAL = "quadrilateral"


@dataclass(frozen=True, kw_only=True)
class TransfemoralParams(FenestrationParams, adapters.DistalInterfaceParams, WallParams,
                         LabelParams):
    """Parameters of the transfemoral socket template."""

    reduction_percent: float = param(
        3.0, label="Area reduction at the trim line", unit="%", min=0.0, max=15.0,
        help="Cross-section area reduction at the brim, tapering to 0 at the distal end")
    liner_offset_mm: float = param(0.0, label="Liner / clearance", unit="mm", min=0.0,
                                   max=15.0)
    limb_side: Side = param(Side.RIGHT, label="Side",
                            help="Right or left leg: places the lateral and medial walls")
    wall_thickness_mm: float = param(5.0, label="Wall thickness", unit="mm", min=2.0,
                                     max=12.0, help="Thinnest wall of the socket")
    distal_wall_thickness_mm: float = param(8.0, label="Distal wall thickness", unit="mm",
                                            min=2.0, max=25.0)
    brim_style: BrimStyle = param(
        BrimStyle.ISCHIAL_CONTAINMENT, label="Brim",
        help="ischial_containment: medial and posterior walls over the ischium; "
             "quadrilateral: the ischium sits on a posterior seat")
    ischial_level_mm: float | None = param(
        None, label="Ischial level", unit="mm", min=60.0, max=600.0,
        help="Height of the ischial tuberosity above the distal end; empty: 5 mm under the "
             "top of the scan (a thigh scan stops at the groin)")
    lateral_wall_mm: float = param(60.0, label="Lateral wall", unit="mm", min=0.0,
                                   max=150.0,
                                   help="Lateral brim above the ischial level (trochanter)")
    anterior_wall_mm: float = param(40.0, label="Anterior wall", unit="mm", min=-40.0,
                                    max=120.0, help="Anterior brim above the ischial level")
    medial_wall_mm: float = param(25.0, label="Medial wall", unit="mm", min=-40.0, max=80.0,
                                  help="Medial brim above the ischial level (ramus)")
    posterior_wall_mm: float = param(20.0, label="Posterior wall", unit="mm", min=-40.0,
                                     max=80.0, help="Posterior brim above the ischial level")
    brim_flare_deg: float = param(12.0, label="Brim flare", unit="deg", min=0.0, max=35.0,
                                  help="Outward flare of the walls above the scanned skin")
    ischial_seat_width_mm: float = param(
        15.0, label="Ischial seat width", unit="mm", min=0.0, max=30.0,
        help="quadrilateral: how far the posterior brim rolls outward to seat the ischium")
    grid_rows: int = param(72, label="Grid rows", min=16, max=400,
                           help="Levels sampled on the skin (the brim adds 14)")
    grid_columns: int = param(96, label="Grid columns", min=24, max=720)


def brim_curve(theta: np.ndarray, p: TransfemoralParams, level_z: float) -> np.ndarray:
    """Brim height (mm) per direction: the four walls blended around (cos^2 weights)."""
    lateral = 0.0 if p.limb_side is Side.RIGHT else 180.0
    medial = 180.0 - lateral
    walls = ((lateral, p.lateral_wall_mm), (90.0, p.anterior_wall_mm),
             (medial, p.medial_wall_mm), (-90.0, p.posterior_wall_mm))
    return level_z + sum(h * cut_weight(theta, d, 180.0) for d, h in walls)


def _extend(grid: SocketGrid, brim_z: np.ndarray, p: TransfemoralParams, rim: float,
            q) -> SocketGrid:
    """Rows from the sampled skin up to the brim: skin where scanned, flared above."""
    top = grid.limb_points[-1]                                        # (m, 3)
    theta = np.arctan2(top[:, 1], top[:, 0])
    dirs = np.column_stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)])
    frac = np.arange(1, BRIM_ROWS + 1)[:, None] / BRIM_ROWS
    z = top[None, :, 2] + frac * (brim_z[None] - top[None, :, 2])      # (k, m)
    origins = np.stack([np.zeros_like(z), np.zeros_like(z), z], axis=-1).reshape(-1, 3)
    r_hit = q.cast(origins, np.tile(dirs, (BRIM_ROWS, 1))).reshape(z.shape)
    scanned = np.isfinite(r_hit) & (z < rim - 3.0)
    # Above the skin: on from the last scanned radius of the column, flared outward.
    r = np.empty_like(z)
    r_last = np.linalg.norm(top[:, :2], axis=1)
    z_last = top[:, 2].copy()
    slope = np.tan(np.radians(p.brim_flare_deg))
    for k in range(BRIM_ROWS):                                        # 14 rows, vectorised over columns
        r[k] = np.where(scanned[k], r_hit[k], r_last + (z[k] - z_last) * slope)
        r_last = np.where(scanned[k], r_hit[k], r_last)
        z_last = np.where(scanned[k], z[k], z_last)
    if p.brim_style is BrimStyle.QUADRILATERAL and p.ischial_seat_width_mm > 0:
        # The seat: the posterior brim rolled outward over its top 15 mm.
        w = cut_weight(theta, -90.0, 120.0)[None]
        roll = np.clip((z - (brim_z[None] - 15.0)) / 15.0, 0.0, 1.0)
        r = r + p.ischial_seat_width_mm * w * np.sin(0.5 * np.pi * roll)
    ext = np.stack([r * np.cos(theta), r * np.sin(theta), z], axis=-1)
    pts = np.concatenate([grid.limb_points, ext])
    return replace(grid, inner=pts, outer=pts, limb_points=pts, trim_z=brim_z,
                   normals=_grid_normals(pts, grid.limb_pole))


def build_transfemoral(limb: trimesh.Trimesh, params: TransfemoralParams | None = None,
                       cache: TemplateCache | None = None):
    """Fit the transfemoral socket to an aligned thigh (limb frame, mm).

    Raises
    ------
    ParameterError
        When the ischial level is above the scan, or a wall comes too low.
    GeometryError
        When the booleans do not give one closed body.
    """
    p = params or TransfemoralParams()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache = (cache or TemplateCache()).for_limb(limb)
    rim = cache.rim_z
    if cache.rectification is not None and not cache.rectification.empty:
        check_on_limb(cache.rectification, cache.limb_query.distance)
    level = p.ischial_level_mm if p.ischial_level_mm is not None else rim - 5.0
    if level > rim:
        raise ParameterError.of(N_("%(setting)s is above the top of the scan (%(rim)s); set "
                                   "it at or below %(limit)s"),
                                setting=f"ischial_level_mm = {level:.0f}", rim=f"{rim:.0f} mm",
                                limit=f"{rim:.0f}")
    m = p.grid_columns
    theta = np.linspace(0.0, 2 * np.pi, m, endpoint=False)
    brim_z = brim_curve(theta, p, level)
    sample_top = min(float(brim_z.min()) - _SAMPLE_BELOW_BRIM_MM, rim - 3.0)
    if sample_top < 60.0:
        raise ParameterError.of(N_("the lowest brim is %(height)s above the distal end; raise "
                                   "the wall heights or %(setting)s"),
                                height=f"{brim_z.min():.0f} mm", setting="ischial_level_mm")
    grid = sample_limb(limb, p, sample_top, cache.limb_query,
                       trim=lambda th, _p, z: np.full_like(th, z))
    grid = _extend(grid, brim_z, p, rim, cache.limb_query)
    if not np.all(np.isfinite(grid.limb_points)):
        raise GeometryError.of(N_("the brim rows could not be built from the scan; check the "
                                  "scan covers the thigh up to the groin"))
    anterior_z = float(brim_z.max())
    inner, pole, _zones = rectify(grid, p, anterior_z, None, cache.rectification)
    timings["sample"] = time.perf_counter() - t0
    return assemble_lower_limb_socket(
        limb, grid, inner, pole, p, cache, timings, anterior_z=float(level),
        fenestration_ceiling_z_mm=float(level) - ISCHIAL_CLEARANCE_MM,
        fenestration_ceiling_reason=f"{ISCHIAL_CLEARANCE_MM:g} mm under the ischial level")
