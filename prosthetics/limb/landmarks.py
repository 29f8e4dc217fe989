"""Named landmarks of a transtibial limb in the limb frame, guessed from its shape.

Limb frame: +Z proximal, distal end at z = 0, +Y anterior.  For a right leg the lateral
side is +X (the patient's right), for a left leg -X.  Every guess is a starting point that a
prosthetist checks; each landmark can be overridden (``--set mpt_height_mm=...``, or in the
desktop application).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.errors import N_, ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.measure import proximal_rim_z, sections


class Side(enum.Enum):
    RIGHT = "right"
    LEFT = "left"


#: Landmark names, in the order they are reported.
NAMES = ("distal_end", "distal_tibia", "tibial_crest_bottom", "tibial_crest_top",
         "mid_patellar_tendon", "popliteal_fossa", "fibular_head", "medial_flare",
         "lateral_flare")
#: Each landmark in a clinician's words (window labels, reports).
LANDMARK_WORDS = {"distal_end": "distal end", "distal_tibia": "distal tibia",
                  "tibial_crest_bottom": "tibial crest (distal)",
                  "tibial_crest_top": "tibial crest (proximal)",
                  "mid_patellar_tendon": "mid-patellar tendon", "popliteal_fossa": "popliteal fossa",
                  "fibular_head": "fibular head", "medial_flare": "medial tibial flare",
                  "lateral_flare": "lateral tibial flare"}
#: The places on the limb a socket's trim line is set through by hand
#: (:mod:`prosthetics.sockets.rectification`), in a clinician's words.
TRIM_WORDS = {"anterior": "anterior brim", "medial_wing": "medial wing",
              "lateral_wing": "lateral wing", "posterior": "posterior cut"}


@dataclass(frozen=True, kw_only=True)
class Landmarks:
    """Landmark positions (mm, limb frame) and how each was found."""

    points: dict = field(default_factory=dict)
    side: Side = Side.RIGHT
    source: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self.points[name], dtype=float)

    def as_dict(self) -> dict:
        return {"side": self.side.value,
                "points_mm": {k: [round(float(c), 2) for c in self.points[k]] for k in NAMES
                              if k in self.points},
                "source": dict(self.source)}


def _surface_at(q: SurfaceQuery, theta_deg: float, z: float) -> np.ndarray:
    """Where a horizontal ray from the axis at height z and angle theta meets the limb."""
    th = np.radians(theta_deg)
    d = np.array([[np.cos(th), np.sin(th), 0.0]])
    o = np.array([[0.0, 0.0, z]])
    t = q.cast(o, d)[0]
    if not np.isfinite(t):
        raise ValueError(f"no surface at {theta_deg:.0f} deg, z = {z:.0f} mm")
    return (o + d * t)[0]


def _knee_flare_z(limb: trimesh.Trimesh, top: float) -> float:
    """Height (mm) within 55-95 % of ``top`` where the mean section radius grows fastest."""
    zs = np.arange(0.45 * top, 0.97 * top, 2.0)
    secs = sections(limb, zs)
    r = np.array([s.perimeter_mm if s is not None else np.nan for s in secs]) / (2 * np.pi)
    ok = np.isfinite(r)
    r = np.interp(zs, zs[ok], r[ok])
    # A 10 mm running mean, then the slope; only the window's inside (no edge effects).
    smooth = np.convolve(r, np.ones(5) / 5.0, mode="same")
    slope = np.gradient(smooth, zs)
    inside = (zs >= 0.55 * top) & (zs <= 0.95 * top)
    return float(zs[inside][int(np.argmax(slope[inside]))])


def _angle_deg(p: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(p[1], p[0])))


def _from_anatomy(q: SurfaceQuery, bones: dict, rim: float, mpt_z: float) -> dict:
    """Skin landmarks over the fitted bones: each bone point's direction from the axis, at
    its height, cast onto the limb (those the limb does not reach are left out)."""
    tub, dist = bones["tibial_tuberosity"], bones["distal_tibia"]
    z_crest = dist[2] + 0.3 * (tub[2] - dist[2])
    f = (z_crest - dist[2]) / max(tub[2] - dist[2], 1e-6)
    crest_angle = _angle_deg(dist[:2] + f * (tub[:2] - dist[:2]))
    wanted = {
        "mid_patellar_tendon": (_angle_deg(bones["mid_patellar_tendon"]), mpt_z),
        "popliteal_fossa": (_angle_deg(bones["mid_patellar_tendon"]) + 180.0, mpt_z),
        "fibular_head": (_angle_deg(bones["fibular_head"]), bones["fibular_head"][2]),
        "tibial_crest_top": (_angle_deg(tub), tub[2]),
        "tibial_crest_bottom": (crest_angle, z_crest),
        # The cut end's anterior edge, where the tibia presses on the skin.
        "distal_tibia": (_angle_deg(dist), dist[2]),
    }
    out = {}
    for name, (theta, z) in wanted.items():
        if not 2.0 < z < rim - 5.0:
            continue
        try:
            out[name] = _surface_at(q, theta, z)
        except ValueError:
            continue
    return out


def guess_landmarks(limb: trimesh.Trimesh, side: Side = Side.RIGHT,
                    mpt_height_mm: float | None = None, anatomy=None) -> Landmarks:
    """First guesses of the landmarks of an aligned transtibial limb.

    - Mid-patellar tendon (MPT): on the anterior midline, at the height where the limb's
      mean radius grows fastest within 55-95 % of the scan's height: the flare into the
      knee (tibial plateau, femoral condyles, hamstring tendons), whose level is the
      MPT's by the usual clinical convention; ``mpt_height_mm`` sets its height instead.
      On the AAOP example, whose file places the MPT, this lands 4 mm from it.
    - Popliteal fossa: posterior midline at the MPT's height.
    - Fibular head: 20 mm below the MPT, on the lateral side turned 30 degrees back.
    - Tibial crest: the anterior midline from 35 mm below the MPT down to a quarter of
      the length; distal tibia: anterior, at 15 % of the length; distal end: the tip.
    - Medial and lateral flares: 40 mm below the MPT, 45 degrees to each side of anterior.

    With ``anatomy`` (an :class:`~prosthetics.limb.anatomy.AnatomyFit` in this limb's frame),
    the MPT height is the fitted bones' (half-way between the patella's lower pole and the
    tibial tuberosity), and the MPT, popliteal fossa, fibular head, tibial crest and distal
    tibia lie on the skin over the fitted bones; the rules above fill in the rest.
    """
    q = SurfaceQuery(limb)
    top = proximal_rim_z(limb)
    source = {}
    bones = anatomy.landmarks if anatomy is not None else None
    if (mpt_height_mm is None and bones is not None
            and 0.3 * top < bones["mid_patellar_tendon"][2]):
        mpt_z = float(bones["mid_patellar_tendon"][2])
        source["mid_patellar_tendon"] = ("half-way between the patella and the tibial "
                                         "tuberosity of the fitted shape model")
        if mpt_z > top - 3.0:
            # The scan stops below the tendon: the landmark goes on its top edge.
            mpt_z = top - 3.0
            source["mid_patellar_tendon"] += (f" (at {bones['mid_patellar_tendon'][2]:.0f} mm, "
                                              f"above the scan's top: placed at its edge)")
    elif mpt_height_mm is None:
        mpt_z = _knee_flare_z(limb, top)
        source["mid_patellar_tendon"] = "height where the limb flares fastest into the knee"
    else:
        mpt_z = float(mpt_height_mm)
        source["mid_patellar_tendon"] = "mpt_height_mm"
    lateral = 0.0 if side is Side.RIGHT else 180.0
    medial = 180.0 - lateral
    # Turn from lateral toward posterior (-Y): clockwise for a right leg seen from above.
    post = -30.0 if side is Side.RIGHT else 30.0
    z = limb.vertices[:, 2]
    tip = limb.vertices[int(np.argmin(z))]
    pts = {
        "distal_end": tip,
        "distal_tibia": _surface_at(q, 90.0, 0.15 * top),
        "tibial_crest_bottom": _surface_at(q, 90.0, 0.25 * top),
        "tibial_crest_top": _surface_at(q, 90.0, max(mpt_z - 35.0, 0.3 * top)),
        "mid_patellar_tendon": _surface_at(q, 90.0, mpt_z),
        "popliteal_fossa": _surface_at(q, -90.0, mpt_z),
        "fibular_head": _surface_at(q, lateral + post, mpt_z - 20.0),
        "medial_flare": _surface_at(q, 90.0 + (45.0 if medial == 180.0 else -45.0), mpt_z - 40.0),
        "lateral_flare": _surface_at(q, 90.0 + (45.0 if lateral == 180.0 else -45.0), mpt_z - 40.0),
    }
    if bones is not None:
        fitted = _from_anatomy(q, bones, top, mpt_z)
        for name, p in fitted.items():
            pts[name] = p
            source.setdefault(name, "over the fitted shape model's bones")
    for name in NAMES:
        source.setdefault(name, "guessed from the shape")
    return Landmarks(points={k: np.asarray(v, dtype=float) for k, v in pts.items()},
                     side=side, source=source)


def read_landmarks(path) -> dict:
    """Landmark positions from a JSON file: name -> (3,) mm, in the design (limb) frame.

    The file is either ``{"points_mm": {name: [x, y, z], ...}}`` (the ``landmarks`` object of
    a report's ``rectification`` section, edited) or a plain ``{name: [x, y, z], ...}``.

    Raises
    ------
    ParameterError
        Unreadable file, an unknown name, or a point that is not three finite numbers.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError.of(N_("landmarks file %(path)s does not exist; check the path"),
                                path=repr(str(p))) from None
    except (OSError, ValueError) as exc:
        raise ParameterError.of(N_("landmarks file %(name)s cannot be read (%(reason)s); write it "
                                   "as JSON {\"points_mm\": {\"name\": [x, y, z]}}"),
                                name=p.name, reason=exc) from None
    points = data.get("points_mm", data) if isinstance(data, dict) else None
    if not isinstance(points, dict) or not points:
        raise ParameterError.of(N_("landmarks file %(name)s: expected {\"points_mm\": {\"name\": "
                                   "[x, y, z], ...}}"), name=p.name)
    out = {}
    for name, xyz in points.items():
        if name not in NAMES:
            raise ParameterError.of(N_("landmarks file %(file)s: unknown landmark %(name)s; known: "
                                       "%(known)s"), file=p.name, name=repr(name),
                                    known=", ".join(NAMES))
        try:
            v = np.asarray(xyz, dtype=float)
        except (TypeError, ValueError):
            v = np.zeros(0)
        if v.shape != (3,) or not np.isfinite(v).all():
            raise ParameterError.of(N_("landmarks file %(file)s: %(name)s must be three numbers "
                                       "[x, y, z] in mm, got %(value)s"), file=p.name, name=name,
                                    value=repr(xyz))
        out[name] = v
    return out


def with_overrides(marks: Landmarks, points: dict) -> Landmarks:
    """``marks`` with some points set by the user (name -> (3,) mm)."""
    if not points:
        return marks
    pts = dict(marks.points)
    source = dict(marks.source)
    for name, p in points.items():
        pts[name] = np.asarray(p, dtype=float)
        source[name] = "set by the user"
    return Landmarks(points=pts, side=marks.side, source=source)
