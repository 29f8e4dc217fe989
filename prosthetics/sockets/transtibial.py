"""The transtibial socket template: a liner or PTB socket fitted to an aligned below-knee limb.

The geometry is the shared socket engine's (:mod:`prosthetics.sockets.engine`): the limb
sampled on a ring grid whose top row follows the trim line (anterior at
``trim_height_mm``, lowered over the posterior for knee flexion), reduced by
``reduction_percent`` tapering to 0 at the distal end, pushed in or relieved at the
landmark zones (:mod:`prosthetics.sockets.zones`), offset into a wall at least
``wall_thickness_mm`` thick, with a rounded brim and the distal interface joined.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.limb.landmarks import Side
from prosthetics.params import param
from prosthetics.sockets import adapters
from prosthetics.sockets.engine import (
    SocketResult,
    TemplateCache,
    assemble_lower_limb_socket,
    rectify,
    sample_limb,
    trim_curve,
    trim_top,
)
from prosthetics.sockets.fenestrations import FenestrationParams
from prosthetics.sockets.label import LabelParams
from prosthetics.sockets.rectification import check_on_limb, trim_with_points
from prosthetics.sockets.regions import WallParams
from prosthetics.sockets.zones import ZoneParams, zone_keep_outs

NAME = "transtibial"


@dataclass(frozen=True, kw_only=True)
class TranstibialParams(ZoneParams, FenestrationParams, adapters.DistalInterfaceParams,
                        WallParams, LabelParams):
    """Parameters of the transtibial socket template."""

    reduction_percent: float = param(
        4.0, label="Area reduction at the trim line", unit="%", min=0.0, max=15.0,
        help="Cross-section area reduction at the trim line, tapering to 0 at the distal end "
             "(3-5 % suits a liner socket)")
    liner_offset_mm: float = param(
        0.0, label="Liner / clearance", unit="mm", min=0.0, max=15.0,
        help="Added outward along the surface normal: the liner's thickness if the scan was "
             "taken on skin, 0 if it was taken over the liner")
    limb_side: Side = param(Side.RIGHT, label="Side",
                            help="Right or left leg: places the fibular head and the flares")
    mpt_height_mm: float | None = param(
        None, label="Mid-patellar tendon height", unit="mm", min=20.0, max=800.0,
        help="Height of the MPT landmark above the distal end; empty: guessed from the "
             "anterior profile")
    wall_thickness_mm: float = param(
        5.0, label="Wall thickness", unit="mm", min=2.0, max=12.0,
        help="Thinnest wall of the socket (4 mm FDM walls have failed in active users; "
             "6 mm lasted a year)")
    distal_wall_thickness_mm: float = param(
        8.0, label="Distal wall thickness", unit="mm", min=2.0, max=25.0,
        help="Wall over the distal dome, where most FDM sockets fail (never less than the "
             "wall thickness)")
    trim_height_mm: float | None = param(
        None, label="Anterior trim height", unit="mm", min=30.0, max=800.0,
        help="Height of the anterior brim above the distal end; empty: from the anatomy "
             "(mid-patella, or trim_above_mpt_mm above the MPT), or trim_below_scan_top_mm "
             "under the top of the scan when the knee is not in view")
    trim_above_mpt_mm: float | None = param(
        None, label="Anterior trim above MPT", unit="mm", min=-20.0, max=120.0,
        help="Anterior brim this far above the mid-patellar tendon; empty: at mid-patella "
             "(the fitted patella's centre)")
    trim_below_scan_top_mm: float = param(
        10.0, label="Trim below scan top", unit="mm", min=0.0, max=200.0,
        help="Used when trim_height_mm is empty and the knee is not in view")
    posterior_trim_drop_mm: float = param(
        25.0, label="Posterior trim drop", unit="mm", min=0.0, max=100.0,
        help="How much lower the posterior brim is, for knee flexion")
    posterior_cut_width_deg: float = param(
        150.0, label="Posterior cut width", unit="deg", min=30.0, max=300.0,
        help="Angular width of the lowered posterior brim")
    grid_rows: int = param(72, label="Grid rows", min=16, max=400,
                           help="Levels sampled from the distal pole to the trim line")
    grid_columns: int = param(96, label="Grid columns", min=24, max=720,
                              help="Directions sampled around the limb")


def build_transtibial(limb: trimesh.Trimesh, params: TranstibialParams | None = None,
                      cache: TemplateCache | None = None) -> SocketResult:
    """Fit the transtibial socket to an aligned limb (limb frame, mm).

    ``cache`` keeps what does not depend on the template parameters between calls (the
    desktop application's live preview rebuilds with it).

    Raises
    ------
    ParameterError
        When the trim line is above the scan or too low.
    GeometryError
        When the booleans do not give one closed body.
    """
    p = params or TranstibialParams()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cache = (cache or TemplateCache()).for_limb(limb)
    if p.mpt_height_mm is not None and p.mpt_height_mm > cache.rim_z - 30.0:
        raise ParameterError(f"mpt_height_mm = {p.mpt_height_mm:g} is above the scanned limb "
                             f"(its landmarks need {cache.rim_z - 30.0:.0f} mm or less); lower "
                             f"it or leave it empty")
    default_top, notes = anatomical_trim(cache, p, limb)
    anterior_z = trim_top(cache, p, 40.0, p.posterior_trim_drop_mm, "posterior_trim_drop_mm",
                          "posterior trim", default_mm=default_top)
    hand = cache.rectification
    if hand is not None and not hand.empty:
        check_on_limb(hand, cache.limb_query.distance)
    trim = trim_with_points(trim_curve, hand.trim_points if hand is not None else {},
                            p.limb_side.value)
    grid = sample_limb(limb, p, anterior_z, cache.limb_query, trim=trim)
    marks = _landmarks(cache, p, limb)
    inner, pole, zones = rectify(grid, p, anterior_z, marks, hand)
    timings["sample"] = time.perf_counter() - t0
    # With trim points set by hand the brim's anterior height is where the curve passes.
    brim_anterior_z = float(trim(np.radians([90.0]), p, anterior_z)[0])

    res = assemble_lower_limb_socket(limb, grid, inner, pole, p, cache, timings,
                                     anterior_z=brim_anterior_z, landmarks=marks, zones=zones,
                                     fenestration_keep_outs=zone_keep_outs(p, marks))
    res.warnings.extend(notes)
    return res


def _landmarks(cache: TemplateCache, p: TranstibialParams, limb: trimesh.Trimesh):
    try:
        return cache.landmarks(limb, p.limb_side, p.mpt_height_mm)
    except ValueError as exc:    # a landmark off the limb: the MPT height is off
        raise ParameterError(f"mpt_height_mm = {p.mpt_height_mm} puts a landmark off the "
                             f"scanned limb ({exc}); set it at the patellar tendon or leave "
                             f"it empty") from None


def anatomical_trim(cache: TemplateCache, p: TranstibialParams,
                    limb: trimesh.Trimesh) -> tuple[float | None, list[str]]:
    """The anterior trim height the anatomy asks for (mm), or None, and what to tell the user.

    With ``trim_height_mm`` set: None (the user's height rules).  Otherwise, with the shape
    model fitted and the knee in the scan: ``trim_above_mpt_mm`` above the MPT (the landmark
    as placed, so a moved MPT moves the trim), or mid-patella.  When the scan stops below
    that level, or the model did not fit: None, and the trim follows the scan's top.
    """
    if p.trim_height_mm is not None:
        return None, []
    fit = cache.anatomy
    lowest = cache.rim_z - 2.0
    if p.trim_above_mpt_mm is not None:
        marks = _landmarks(cache, p, limb)
        z = float(marks["mid_patellar_tendon"][2]) + p.trim_above_mpt_mm
        if z <= lowest:
            return z, []
        return None, [f"the anterior trim {p.trim_above_mpt_mm:g} mm above the MPT "
                      f"({z:.0f} mm) is above the top of the scan ({cache.rim_z:.0f} mm): "
                      f"trimmed {p.trim_below_scan_top_mm:g} mm under the scan's top instead"]
    if fit is None:
        return None, []
    z = float(fit.landmarks["patella_centre"][2])
    if z <= lowest:
        return z, []
    return None, [f"the knee is not in the scan (its top, {cache.rim_z:.0f} mm, is below "
                  f"mid-patella at about {z:.0f} mm): the anterior trim is "
                  f"{p.trim_below_scan_top_mm:g} mm under the scan's top; set "
                  f"trim_height_mm if the socket should reach higher"]
