"""The transtibial socket template: a liner or PTB socket fitted to an aligned below-knee limb.

The geometry is the shared socket engine's (:mod:`prosthetics.sockets.engine`): the limb
sampled on a ring grid whose top row follows the trim line (anterior at
``trim_height_mm``, lowered over the posterior for knee flexion; with the knee in the scan
and the shape model fitted, through the anatomy's brim heights: see
:func:`anatomical_brim`), reduced by
``reduction_percent`` tapering to 0 at the distal end, pushed in or relieved at the
landmark zones (:mod:`prosthetics.sockets.zones`), offset into a wall at least
``wall_thickness_mm`` thick, with a rounded brim and the distal interface joined.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import trimesh

from prosthetics.errors import N_, ParameterError
from prosthetics.limb.landmarks import Side
from prosthetics.params import param
from prosthetics.sockets import adapters
from prosthetics.sockets.engine import (
    SocketResult,
    TemplateCache,
    assemble_lower_limb_socket,
    cut_weight,
    rectify,
    sample_limb,
    trim_curve,
    trim_top,
)
from prosthetics.sockets.fenestrations import FenestrationParams
from prosthetics.sockets.label import LabelParams
from prosthetics.sockets.rectification import (
    TRIM_POINTS,
    _periodic_pchip,
    check_on_limb,
    trim_point_angle_deg,
    trim_with_points,
)
from prosthetics.sockets.regions import WallParams
from prosthetics.sockets.zones import ZoneParams, zone_keep_outs

NAME = "transtibial"
#: The anatomical posterior brim stays at least this far under the anterior brim (mm)...
MIN_POSTERIOR_DROP_MM = 5.0
#: ...and no lower than this under the MPT (mm): lower, the posterior wall no longer holds
#: the limb against the patellar tendon.
POSTERIOR_FLOOR_BELOW_MPT_MM = 40.0
#: A limb longer than this from its distal end (mm) holds the thigh: the longest residual
#: tibiae (about 300 mm of an intact 440 mm) with the knee and 100 mm of thigh stay under it.
LONGEST_LIMB_MM = 480.0
#: No brim comes closer than this to the distal end (mm).
LOWEST_BRIM_MM = 40.0
#: The line for a brim point under ``LOWEST_BRIM_MM``, and the setting that moves it.
_BRIM_TOO_LOW = {
    "anterior": N_("the anterior brim would be %(height)s above the distal end (at least "
                   "%(least)s); change %(setting)s"),
    "posterior": N_("the posterior brim would be %(height)s above the distal end (at least "
                    "%(least)s); change %(setting)s"),
    "wing": N_("a side wing of the brim would be %(height)s above the distal end (at least "
               "%(least)s); change %(setting)s"),
}
_BRIM_SETTING = {"anterior": "trim_above_mpt_mm", "posterior": "posterior_below_crease_mm"}


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
        help="How much lower the posterior brim is, for knee flexion (when the brim is not "
             "placed from the anatomy: see posterior_below_crease_mm)")
    posterior_cut_width_deg: float = param(
        150.0, label="Posterior cut width", unit="deg", min=30.0, max=300.0,
        help="Angular width of the lowered posterior brim")
    wing_above_condyles_mm: float = param(
        0.0, label="Wings above the femoral condyles", unit="mm", min=-40.0, max=60.0,
        help="Medial and lateral wings this far above the fitted femoral condyles (their "
             "widest level); a supracondylar socket reaches above them. Used when the "
             "anterior trim comes from the anatomy")
    posterior_below_crease_mm: float = param(
        10.0, label="Posterior brim below the popliteal crease", unit="mm", min=0.0,
        max=60.0,
        help="Posterior brim this far under the popliteal crease (the knee joint line, from "
             "the fitted tibial plateau), so the knee can flex. Used when the anterior trim "
             "comes from the anatomy; otherwise posterior_trim_drop_mm applies")
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
    if cache.rim_z > LONGEST_LIMB_MM:
        raise ParameterError.of(N_(
            "the scanned limb runs %(length)s up from its distal end, longer than a below-knee "
            "limb with its knee (%(longest)s): the thigh is in the scan and no knee was found "
            "to cut it off; set %(setting)s to the knee's height (or drag the proximal cut in "
            "the window's Clean step)"), length=f"{cache.rim_z:.0f} mm",
            longest=f"{LONGEST_LIMB_MM:g} mm", setting="proximal_cut_mm")
    if p.mpt_height_mm is not None and p.mpt_height_mm > cache.rim_z - 30.0:
        raise ParameterError.of(N_("%(setting)s is above the scanned limb (its landmarks need "
                                   "%(limit)s or less); lower it or leave it empty"),
                                setting=f"mpt_height_mm = {p.mpt_height_mm:g}",
                                limit=f"{cache.rim_z - 30.0:.0f} mm")
    default_top, notes = anatomical_trim(cache, p, limb)
    brim, brim_notes = anatomical_brim(cache, p, limb, default_top)
    notes.extend(brim_notes)
    if brim is None:
        anterior_z = trim_top(cache, p, LOWEST_BRIM_MM, p.posterior_trim_drop_mm,
                              "posterior_trim_drop_mm", "posterior trim", default_mm=default_top)
        base = trim_curve
    else:
        anterior_z = brim["anterior"]["z_mm"]
        heights = {k: v["z_mm"] for k, v in brim.items()}
        base = brim_trim_curve(heights, p.limb_side.value,
                               _arc_degrees(cache, float(np.mean(list(heights.values())))))
    hand = cache.rectification
    if hand is not None and not hand.empty:
        check_on_limb(hand, cache.limb_query.distance)
    hand_points = hand.trim_points if hand is not None else {}
    trim = trim_with_points(base, hand_points, p.limb_side.value)
    try:
        grid = sample_limb(limb, p, anterior_z, cache.limb_query, trim=trim)
    except ParameterError as exc:
        if brim is None or "too steep" not in str(exc):
            raise
        raise ParameterError.of(N_("the trim line is too steep (%(angle)s): the posterior brim "
                                   "(%(brim)s) is too far under the wings for the posterior "
                                   "cut's width; lower %(below)s or widen %(width)s"),
                                angle=exc.values.get("angle", ""),
                                brim=f"{brim['posterior']['z_mm']:.0f} mm",
                                below="posterior_below_crease_mm",
                                width="posterior_cut_width_deg") from None
    marks = _landmarks(cache, p, limb)
    inner, pole, zones = rectify(grid, p, anterior_z, marks, hand)
    timings["sample"] = time.perf_counter() - t0
    # With trim points set by hand the brim's anterior height is where the curve passes.
    brim_anterior_z = float(trim(np.radians([90.0]), p, anterior_z)[0])

    res = assemble_lower_limb_socket(limb, grid, inner, pole, p, cache, timings,
                                     anterior_z=brim_anterior_z, landmarks=marks, zones=zones,
                                     fenestration_keep_outs=zone_keep_outs(p, marks))
    res.warnings.extend(notes)
    res.brim.update(_brim_record(trim, p, anterior_z, brim, hand_points, default_top))
    return res


def _landmarks(cache: TemplateCache, p: TranstibialParams, limb: trimesh.Trimesh):
    try:
        return cache.landmarks(limb, p.limb_side, p.mpt_height_mm)
    except ValueError as exc:    # a landmark off the limb: the MPT height is off
        raise ParameterError.of(N_("%(setting)s puts a landmark off the scanned limb "
                                   "(%(reason)s); set it at the patellar tendon or leave it "
                                   "empty"), setting=f"mpt_height_mm = {p.mpt_height_mm}",
                                reason=exc) from None


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


def anatomical_brim(cache: TemplateCache, p: TranstibialParams, limb: trimesh.Trimesh,
                    anterior_mm: float | None) -> tuple[dict | None, list[str]]:
    """The brim's four control heights from the anatomy, or None, and what to tell the user.

    Used when ``trim_height_mm`` is empty, the shape model fitted the limb and the knee is
    in the scan (mid-patella under its top); otherwise None (the anterior height and
    ``posterior_trim_drop_mm`` make the trim, as without the anatomy).  Returns
    name (:data:`~prosthetics.sockets.rectification.TRIM_POINTS`) -> {"z_mm", "from",
    "landmark_z_mm"}:

    - anterior: ``anterior_mm`` (mid-patella, or ``trim_above_mpt_mm`` above the MPT: see
      :func:`anatomical_trim`), else ``trim_below_scan_top_mm`` under the scan's top;
    - medial and lateral wings: the fitted femoral condyle of that side (its most medial or
      lateral point, the epicondyles' level) plus ``wing_above_condyles_mm``;
    - posterior: the popliteal crease (the skin's posterior point at the knee joint line,
      taken at the fitted tibial plateau's height) less ``posterior_below_crease_mm``, kept
      at least ``MIN_POSTERIOR_DROP_MM`` under the anterior brim and at most
      ``POSTERIOR_FLOOR_BELOW_MPT_MM`` under the MPT.

    A height above the scan's usable top (2 mm under it) is lowered to it, with a warning.

    Raises
    ------
    ParameterError
        When a brim height would come within ``LOWEST_BRIM_MM`` of the distal end.
    """
    fit = cache.anatomy
    if p.trim_height_mm is not None or fit is None:
        return None, []
    top = cache.rim_z - 2.0
    if float(fit.landmarks["patella_centre"][2]) > top:
        return None, []          # the knee is not in view: anatomical_trim said so
    notes: list[str] = []
    if anterior_mm is None:
        anterior = {"z_mm": cache.rim_z - p.trim_below_scan_top_mm,
                    "from": f"{p.trim_below_scan_top_mm:g} mm under the scan's top"}
        if anterior["z_mm"] > top:
            raise ParameterError.of(N_("%(setting)s puts the trim above the top of the scan; "
                                       "set it to 2 or more"),
                                    setting=f"trim_below_scan_top_mm = "
                                            f"{p.trim_below_scan_top_mm:g}")
    elif p.trim_above_mpt_mm is not None:
        mpt = float(_landmarks(cache, p, limb)["mid_patellar_tendon"][2])
        anterior = {"z_mm": anterior_mm, "from": f"{p.trim_above_mpt_mm:g} mm above the MPT",
                    "landmark_z_mm": mpt}
    else:
        anterior = {"z_mm": anterior_mm, "from": "mid-patella",
                    "landmark_z_mm": float(fit.landmarks["patella_centre"][2])}
    out = {"anterior": anterior}
    up = p.wing_above_condyles_mm
    for side in ("lateral", "medial"):
        condyle = float(fit.landmarks[f"{side}_condyle"][2])
        z = condyle + up
        where = f"{side} femoral condyle" + (f" {up:+g} mm" if up else "")
        if z > top:
            notes.append(f"the {side} wing at the {where} ({z:.0f} mm) would be above the top "
                         f"of the scan ({cache.rim_z:.0f} mm): it is at {top:.0f} mm, the "
                         f"highest the scan allows; lower wing_above_condyles_mm or scan "
                         f"higher up the thigh")
            z, where = top, f"the scan's top (the {where} is above it)"
        out[f"{side}_wing"] = {"z_mm": z, "from": where, "landmark_z_mm": condyle}
    crease = float(fit.landmarks["tibial_plateau"][2])
    z = crease - p.posterior_below_crease_mm
    where = (f"popliteal crease -{p.posterior_below_crease_mm:g} mm"
             if p.posterior_below_crease_mm else "popliteal crease")
    highest = min(anterior["z_mm"] - MIN_POSTERIOR_DROP_MM, top)
    lowest = (float(_landmarks(cache, p, limb)["mid_patellar_tendon"][2])
              - POSTERIOR_FLOOR_BELOW_MPT_MM)
    if z > highest:
        notes.append(f"the posterior brim at the {where} ({z:.0f} mm) would not be under the "
                     f"anterior brim ({anterior['z_mm']:.0f} mm): it is at {highest:.0f} mm, "
                     f"{MIN_POSTERIOR_DROP_MM:g} mm under it; raise posterior_below_crease_mm "
                     f"or the anterior trim")
        z, where = highest, f"{MIN_POSTERIOR_DROP_MM:g} mm under the anterior brim"
    elif z < lowest:
        notes.append(f"the posterior brim at the {where} ({z:.0f} mm) would be more than "
                     f"{POSTERIOR_FLOOR_BELOW_MPT_MM:g} mm under the MPT: it is at "
                     f"{lowest:.0f} mm; lower posterior_below_crease_mm")
        z, where = lowest, f"{POSTERIOR_FLOOR_BELOW_MPT_MM:g} mm under the MPT"
    out["posterior"] = {"z_mm": z, "from": where, "landmark_z_mm": crease}
    for name, h in out.items():
        if h["z_mm"] < LOWEST_BRIM_MM:
            raise ParameterError.of(_BRIM_TOO_LOW.get(name, _BRIM_TOO_LOW["wing"]),
                                    height=f"{h['z_mm']:.0f} mm",
                                    least=f"{LOWEST_BRIM_MM:g} mm",
                                    setting=_BRIM_SETTING.get(name, "wing_above_condyles_mm"))
    return {k: {**v, "z_mm": float(v["z_mm"])} for k, v in out.items()}, notes


def brim_trim_curve(heights: dict[str, float], side: str, arc=None):
    """A trim function ``(theta, p, z) -> heights`` (mm) through the brim's four control
    heights (name -> mm) at their usual angles: a smooth ring through the anterior brim and
    the wings, cut down to the posterior height over ``posterior_cut_width_deg`` (the
    cosine cut of :func:`~prosthetics.sockets.engine.trim_curve`; up to 180 degrees it
    leaves the wings where they are, wider it is bent back through them).  ``z`` (the
    anterior height) is not used: the heights are absolute.

    ``arc`` (deg -> deg, see :func:`_arc_degrees`) spreads each quarter between control
    points by the limb's outline rather than by the angle about the axis, so the cut's slope
    is even along the brim where the axis is far from the skin on one side (at the knee it
    is near the back).
    """
    arc = arc or (lambda deg: np.mod(deg, 360.0))
    ring_names = ("anterior", "lateral_wing", "medial_wing")
    ring_at = np.array([trim_point_angle_deg(n, side) for n in ring_names])
    ring_z = np.array([heights[n] for n in ring_names])
    back = trim_point_angle_deg("posterior", side)
    at_back = float(_periodic_pchip(ring_at, ring_z, np.array([back]))[0])

    def cut(theta: np.ndarray, p, _z) -> np.ndarray:
        u = arc(np.degrees(np.asarray(theta, dtype=float)))
        ring = _periodic_pchip(ring_at, ring_z, u)
        return ring - (at_back - heights["posterior"]) * cut_weight(
            np.radians(u), back, p.posterior_cut_width_deg)

    points = {}
    for name in TRIM_POINTS:
        a = math.radians(trim_point_angle_deg(name, side))
        points[name] = (math.cos(a), math.sin(a), heights[name])
    return trim_with_points(cut, points, side)


def _arc_degrees(cache: TemplateCache, z_mm: float, n: int = 360):
    """deg -> deg, keeping 0, 90, 180 and 270 (the control points' angles) where they are
    and spreading each quarter between them by the length of the limb's outline at height
    ``z_mm`` (measured on rays from the axis); the angle itself where a ray misses."""
    deg = np.arange(n) * 360.0 / n
    th = np.radians(deg)
    dirs = np.column_stack([np.cos(th), np.sin(th), np.zeros(n)])
    t = cache.limb_query.cast(np.tile([0.0, 0.0, z_mm], (n, 1)), dirs)
    if not np.all(np.isfinite(t)) or n % 4:
        return lambda d: np.mod(d, 360.0)
    pts = dirs[:, :2] * t[:, None]
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.roll(pts, -1, axis=0) - pts,
                                                        axis=1))])
    q = n // 4
    u = np.empty(n + 1)
    for k in range(4):
        seg = s[k * q:(k + 1) * q + 1]
        u[k * q:(k + 1) * q + 1] = 90.0 * k + 90.0 * (seg - seg[0]) / (seg[-1] - seg[0])
    knots = np.append(deg, 360.0)

    def arc(d):
        return np.interp(np.mod(d, 360.0), knots, u)
    return arc


def _brim_record(trim, p: TranstibialParams, anterior_z: float, brim: dict | None,
                 hand_points: dict, default_top: float | None) -> dict:
    """Each control point's brim height as built, and where it came from (report.json)."""
    side = p.limb_side.value
    out = {}
    for name in TRIM_POINTS:
        if name in hand_points:
            x, y, _z = hand_points[name]
            deg = math.degrees(math.atan2(y, x))
        else:
            deg = trim_point_angle_deg(name, side)
        z = float(trim(np.radians([deg]), p, anterior_z)[0])
        if name in hand_points:
            rec = {"from": "placed by hand"}
        elif brim is not None:
            rec = {k: v for k, v in brim[name].items() if k != "z_mm"}
        elif name == "anterior":
            rec = {"from": "trim_height_mm" if p.trim_height_mm is not None else
                   f"{p.trim_above_mpt_mm:g} mm above the MPT" if default_top is not None
                   and p.trim_above_mpt_mm is not None else
                   "mid-patella" if default_top is not None else
                   f"{p.trim_below_scan_top_mm:g} mm under the scan's top"}
        elif name == "posterior":
            rec = {"from": f"the anterior brim less posterior_trim_drop_mm "
                           f"({p.posterior_trim_drop_mm:g} mm)"}
        else:
            rec = {"from": "the anterior brim (outside the posterior cut)"}
        out[name] = {"z_mm": round(z, 2), "angle_deg": round(deg, 1),
                     **{k: round(v, 2) if isinstance(v, float) else v for k, v in rec.items()}}
    return out
