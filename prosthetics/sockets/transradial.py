"""Parametric transradial (forearm) socket fitted to an aligned residual limb.

The same ring-grid construction as the transtibial socket (:mod:`prosthetics.sockets.engine`):
rays from the limb's axis sample the skin from the distal pole up to the trim line, the
cavity is reduced (tapering to 0 distally) and offset for a liner, the outer wall is offset
and corrected until the wall is at least its set thickness, a rounded brim joins them, and
the CadQuery distal part is joined with manifold3d.  What differs:

- the trim line: highest posteriorly (over the olecranon, where the socket takes the
  load when the elbow is flexed) and cut down over ``anterior_cut_width_deg`` around the
  cubital fold (``cut_direction_deg``) so the elbow can flex;
- the distal part is a wrist / terminal-device coupler (:class:`~prosthetics.sockets.adapters.WristCoupler`):
  a pocket for a threaded insert (1/2-20 UNF terminal-device stud) or a bolted flange;
- no load-bearing zones (a forearm carries far less than a leg), so the lower-limb wall
  figures do not apply: walls of 3-4 mm are usual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import trimesh

from prosthetics.limb.landmarks import Side
from prosthetics.params import param
from prosthetics.sockets.adapters import WristCouplerParams
from prosthetics.sockets.engine import (
    TemplateCache,
    assemble_socket,
    cut_weight,
    rectify,
    sample_limb,
    trim_top,
)
from prosthetics.sockets.fenestrations import FenestrationParams
from prosthetics.sockets.label import LabelParams
from prosthetics.sockets.rectification import check_on_limb
from prosthetics.sockets.regions import WallParams

NAME = "transradial"
#: Ventilation holes stay this far below the highest (olecranon) brim: the socket grips
#: the epicondyles and the olecranon over about its top 4 cm.
CONDYLE_GRIP_MM = 40.0


@dataclass(frozen=True, kw_only=True)
class TransradialParams(FenestrationParams, WristCouplerParams, WallParams, LabelParams):
    """Parameters of the transradial socket template."""

    #: Upper-limb: the lower-limb wall figures (4 mm failed, 6 mm lasted) do not apply.
    LOAD_BEARING: ClassVar[bool] = False

    reduction_percent: float = param(
        2.0, label="Area reduction at the trim line", unit="%", min=0.0, max=10.0,
        help="Cross-section area reduction at the trim line, tapering to 0 at the distal end")
    liner_offset_mm: float = param(
        0.0, label="Liner / clearance", unit="mm", min=0.0, max=10.0,
        help="Added outward along the surface normal (a liner or a sock)")
    limb_side: Side = param(Side.RIGHT, label="Side", help="Right or left arm (for the label)")
    wall_thickness_mm: float = param(4.0, label="Wall thickness", unit="mm", min=2.0,
                                     max=10.0, help="Thinnest wall of the socket")
    distal_wall_thickness_mm: float = param(6.0, label="Distal wall thickness", unit="mm",
                                            min=2.0, max=20.0,
                                            help="Wall over the distal end, under the coupler")
    trim_height_mm: float | None = param(
        None, label="Posterior trim height", unit="mm", min=30.0, max=600.0,
        help="Height of the highest (posterior, olecranon) brim above the distal end; empty: "
             "trim_below_scan_top_mm under the top of the scan")
    trim_below_scan_top_mm: float = param(15.0, label="Trim below scan top", unit="mm",
                                          min=0.0, max=200.0)
    anterior_trim_drop_mm: float = param(
        40.0, label="Cubital cut depth", unit="mm", min=0.0, max=120.0,
        help="How much lower the brim is at the elbow crease, so the elbow can flex")
    anterior_cut_width_deg: float = param(140.0, label="Cubital cut width", unit="deg",
                                          min=30.0, max=300.0)
    cut_direction_deg: float = param(
        90.0, label="Elbow crease direction", unit="deg", min=-180.0, max=180.0,
        help="Direction of the cubital fold from +X (90: +Y, the limb frame's anterior)")
    grid_rows: int = param(64, label="Grid rows", min=16, max=400)
    grid_columns: int = param(96, label="Grid columns", min=24, max=720)


def trim_curve(theta: np.ndarray, p: TransradialParams, top_z: float) -> np.ndarray:
    """Trim height (mm) per direction: ``top_z`` posteriorly, lowered around the crease."""
    return top_z - p.anterior_trim_drop_mm * cut_weight(theta, p.cut_direction_deg,
                                                        p.anterior_cut_width_deg)


def build_transradial(limb: trimesh.Trimesh, params: TransradialParams | None = None,
                      cache: TemplateCache | None = None):
    """Fit the transradial socket to an aligned forearm (limb frame, mm).

    Returns a :class:`prosthetics.sockets.engine.SocketResult` (``adapter`` is the coupler).

    Raises
    ------
    ParameterError
        When the trim line is above the scan or too low.
    GeometryError
        When the booleans do not give one closed body.
    """
    p = params or TransradialParams()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache = (cache or TemplateCache()).for_limb(limb)
    if cache.rectification is not None and not cache.rectification.empty:
        check_on_limb(cache.rectification, cache.limb_query.distance)
    top_z = trim_top(cache, p, 30.0, p.anterior_trim_drop_mm, "anterior_trim_drop_mm",
                     "cubital cut")
    grid = sample_limb(limb, p, top_z, cache.limb_query, trim=trim_curve)
    inner, pole, _zones = rectify(grid, p, top_z, None, cache.rectification)
    timings["sample"] = time.perf_counter() - t0
    return assemble_socket(limb, grid, inner, pole, p, cache, timings,
                           block_radius_mm=p.coupler_diameter_mm / 2.0,
                           make_interface=p.make_coupler,
                           block_height_mm=p.coupler_thickness_mm,
                           blend_floor_above_bottom_mm=1.0, side=p.limb_side.value,
                           anterior_z=top_z, fenestration_ceiling_z_mm=top_z - CONDYLE_GRIP_MM,
                           fenestration_ceiling_reason=f"the condyle grip {CONDYLE_GRIP_MM:g} "
                                                       f"mm under the brim")
