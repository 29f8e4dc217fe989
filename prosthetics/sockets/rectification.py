"""Hand rectification: landmarks placed by a person, trim-line control points and brush
strokes on the cavity, kept as data so that a design can be replayed exactly.

What the desktop application records while a prosthetist shapes the socket on the model,
and what ``prosthetics design SCAN --rectification FILE.json`` reads back:

- **landmarks**: name -> (x, y, z) mm in the design frame, over the guessed ones; the names
  in ``confirmed`` have been checked by a person (a guess not moved but accepted).
- **trim points**: named control points of the brim on the limb surface (``anterior``,
  ``medial_wing``, ``lateral_wing``, ``posterior``).  The trim line is the template's own
  trim curve raised or lowered smoothly so that it passes through every given point: each
  point's height difference from the curve at its angle round the axis is interpolated
  round the limb (periodic, shape-preserving cubic: no overshoot between points).  A point
  left out keeps the curve where it is at its usual angle.
- **strokes**, applied in order to the cavity after the global reduction and the zones, and
  before the liner allowance: ``push`` (inward, load) and ``pull`` (outward, relief) move
  the cavity along its normal by ``depth_mm`` over a core of radius ``radius_mm`` with a
  cosine fall-off of ``falloff_mm`` round it; ``smooth`` moves it toward its neighbours'
  average by ``strength`` (0-1) over the same footprint.  A stroke reaches only the side of
  the limb it was made on (its normal), never through a thin limb to the other side.
- **protect**: regions (centre, radius, fall-off) that strokes leave alone.

Distances are measured on the sampled limb (the ray grid the socket is built on), so a
stroke's footprint does not depend on the strokes before it.  All values are mm, degrees
and the design frame (+Z proximal, +Y anterior, +X the patient's right).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prosthetics.errors import N_, ParameterError
from prosthetics.fileio import write_json
from prosthetics.limb.landmarks import NAMES as LANDMARK_NAMES

SCHEMA = "prosthetics.rectification/1"
STROKE_KINDS = ("push", "pull", "smooth")
TRIM_POINTS = ("anterior", "lateral_wing", "posterior", "medial_wing")
#: A stroke or protected region further than this from the limb's surface (mm) is off the
#: limb (a stroke is made on the cavity, which a reduction and a push-in zone move inside
#: the limb)...
ON_LIMB_TOLERANCE_MM = 15.0
#: ...and a landmark or trim point further than this (placed on the limb, or on the cavity
#: just inside it).
POINT_ON_LIMB_TOLERANCE_MM = 8.0

_TOP_KEYS = {"schema", "side", "landmarks", "confirmed", "trim_points", "strokes", "protect",
             "notes"}
_STROKE_KEYS = {"kind", "centre_mm", "normal", "radius_mm", "depth_mm", "falloff_mm",
                "strength"}
_PROTECT_KEYS = {"centre_mm", "radius_mm", "falloff_mm"}


def trim_point_angle_deg(name: str, side: str) -> float:
    """The usual angle round the axis (deg from +X, +Y anterior) of a trim control point."""
    lateral = 0.0 if side == "right" else 180.0
    return {"anterior": 90.0, "posterior": -90.0, "lateral_wing": lateral,
            "medial_wing": 180.0 - lateral}[name]


@dataclass(frozen=True)
class Stroke:
    """One brush stroke on the cavity (see the module notes)."""

    kind: str
    centre_mm: tuple
    normal: tuple
    radius_mm: float
    falloff_mm: float = 10.0
    depth_mm: float = 0.0
    strength: float = 0.5

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "centre_mm": [round(float(c), 3) for c in self.centre_mm],
             "normal": [round(float(c), 5) for c in self.normal],
             "radius_mm": float(self.radius_mm), "falloff_mm": float(self.falloff_mm)}
        if self.kind == "smooth":
            d["strength"] = float(self.strength)
        else:
            d["depth_mm"] = float(self.depth_mm)
        return d

    def describe(self) -> str:
        """The stroke in a prosthetist's words."""
        if self.kind == "smooth":
            return f"smooth {self.strength:.0%} over {2 * self.radius_mm:.0f} mm"
        what = "push in" if self.kind == "push" else "relieve"
        return f"{what} {self.depth_mm:.1f} mm over {2 * self.radius_mm:.0f} mm"


@dataclass(frozen=True)
class ProtectRegion:
    """A region strokes leave alone: full protection within ``radius_mm``, fading over
    ``falloff_mm``."""

    centre_mm: tuple
    radius_mm: float
    falloff_mm: float = 5.0

    def as_dict(self) -> dict:
        return {"centre_mm": [round(float(c), 3) for c in self.centre_mm],
                "radius_mm": float(self.radius_mm), "falloff_mm": float(self.falloff_mm)}


@dataclass(frozen=True)
class Rectification:
    """Landmarks, trim points, strokes and protected regions set by hand (see the module)."""

    landmarks: dict = field(default_factory=dict)
    confirmed: frozenset = frozenset()
    trim_points: dict = field(default_factory=dict)
    strokes: tuple = ()
    protect: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "landmarks", {k: tuple(float(c) for c in v)
                                               for k, v in self.landmarks.items()})
        object.__setattr__(self, "trim_points", {k: tuple(float(c) for c in v)
                                                 for k, v in self.trim_points.items()})
        object.__setattr__(self, "confirmed", frozenset(self.confirmed))
        object.__setattr__(self, "strokes", tuple(self.strokes))
        object.__setattr__(self, "protect", tuple(self.protect))

    @property
    def empty(self) -> bool:
        return not (self.landmarks or self.confirmed or self.trim_points or self.strokes
                    or self.protect)

    def replace(self, **changes) -> Rectification:
        d = {"landmarks": self.landmarks, "confirmed": self.confirmed,
             "trim_points": self.trim_points, "strokes": self.strokes, "protect": self.protect}
        d.update(changes)
        return Rectification(**d)

    def with_landmarks_under(self, points: dict | None) -> Rectification:
        """This rectification with ``points`` (name -> (3,) mm, e.g. a landmarks file's or
        a single-file case's) added under the landmarks it sets itself."""
        if not points:
            return self
        return self.replace(landmarks={**points, **self.landmarks})

    def as_dict(self, side: str | None = None) -> dict:
        out = {"schema": SCHEMA}
        if side:
            out["side"] = side
        out.update({
            "landmarks": {k: [round(c, 3) for c in v] for k, v in self.landmarks.items()},
            "confirmed": sorted(self.confirmed),
            "trim_points": {k: [round(c, 3) for c in v] for k, v in self.trim_points.items()},
            "strokes": [s.as_dict() for s in self.strokes],
            "protect": [r.as_dict() for r in self.protect]})
        return out

    def write(self, path, side: str | None = None) -> Path:
        """Write the rectification as JSON (atomically)."""
        p = Path(path)
        write_json(p, self.as_dict(side), what="rectification file")
        return p


# -- reading ---------------------------------------------------------------------------
def _vec(v, what: str, where: str) -> tuple:
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        a = np.zeros(0)
    if a.shape != (3,) or not np.isfinite(a).all():
        raise ParameterError.of(N_("%(where)s: %(what)s must be three numbers [x, y, z], got "
                                  "%(value)s"), where=where, what=what, value=repr(v))
    return tuple(float(c) for c in a)


def _num(d: dict, key: str, where: str, lo: float, hi: float, default=None) -> float:
    v = d.get(key, default)
    if v is None:
        raise ParameterError.of(N_("%(where)s: %(key)s is missing; give it in mm"), where=where,
                                key=key)
    try:
        x = float(v)
    except (TypeError, ValueError):
        x = math.nan
    if not (lo <= x <= hi):
        raise ParameterError.of(N_("%(where)s: %(key)s = %(value)s is outside %(lo)s..%(hi)s"),
                                where=where, key=key, value=repr(v), lo=f"{lo:g}", hi=f"{hi:g}")
    return x


def _unknown(keys, allowed: set, where: str) -> None:
    extra = sorted(set(keys) - allowed)
    if extra:
        raise ParameterError.of(N_("%(where)s: unknown key %(key)s; known keys: %(known)s"),
                                where=where, key=repr(extra[0]), known=", ".join(sorted(allowed)))


def stroke_from_dict(d, where: str) -> Stroke:
    if not isinstance(d, dict):
        raise ParameterError.of(N_("%(where)s: a stroke must be an object, got %(value)s"),
                                where=where, value=repr(d))
    _unknown(d, _STROKE_KEYS, where)
    kind = d.get("kind")
    if kind not in STROKE_KINDS:
        raise ParameterError.of(N_("%(where)s: kind %(kind)s is not one of %(kinds)s"), where=where,
                                kind=repr(kind), kinds=", ".join(STROKE_KINDS))
    n = np.asarray(_vec(d.get("normal"), "normal", where))
    if np.linalg.norm(n) < 1e-6:
        raise ParameterError.of(N_("%(where)s: normal is zero; give the outward surface normal"),
                                where=where)
    n = n / np.linalg.norm(n)
    depth = _num(d, "depth_mm", where, 0.0, 20.0, 0.0 if kind == "smooth" else None)
    return Stroke(kind=kind, centre_mm=_vec(d.get("centre_mm"), "centre_mm", where),
                  normal=tuple(n), radius_mm=_num(d, "radius_mm", where, 1.0, 100.0),
                  falloff_mm=_num(d, "falloff_mm", where, 0.0, 100.0, 10.0),
                  depth_mm=depth, strength=_num(d, "strength", where, 0.0, 1.0, 0.5))


#: "unknown landmark" / "unknown trim point", each its own catalogue message
_UNKNOWN_POINT = {
    "landmark": N_("%(source)s: unknown landmark %(name)s; known: %(known)s"),
    "trim point": N_("%(source)s: unknown trim point %(name)s; known: %(known)s"),
}


def _named_points(data: dict, key: str, names, what: str, source: str) -> dict:
    """``data[key]``: an object name -> [x, y, z] with names from ``names``."""
    given = data.get(key) or {}
    if not isinstance(given, dict):
        raise ParameterError.of(N_("%(source)s: %(key)s must be an object name -> [x, y, z]"),
                                source=source, key=key)
    out = {}
    for name, v in given.items():
        if name not in names:
            raise ParameterError.of(_UNKNOWN_POINT.get(what, _UNKNOWN_POINT["landmark"]),
                                    source=source, name=repr(name), known=", ".join(names))
        out[name] = _vec(v, f"{what} {name}", source)
    return out


def rectification_from_dict(data, source: str = "rectification") -> Rectification:
    """A :class:`Rectification` from its JSON object; every mistake is a one-line
    ParameterError naming ``source`` and what to fix."""
    if not isinstance(data, dict):
        raise ParameterError.of(N_("%(source)s: expected a JSON object with landmarks, "
                                   "trim_points, strokes and protect"), source=source)
    _unknown(data, _TOP_KEYS, source)
    if data.get("schema", SCHEMA) != SCHEMA:
        raise ParameterError.of(N_("%(source)s: schema %(schema)s is not %(expected)s"),
                                source=source, schema=repr(data.get("schema")),
                                expected=repr(SCHEMA))
    landmarks = _named_points(data, "landmarks", LANDMARK_NAMES, "landmark", source)
    confirmed = data.get("confirmed") or []
    bad = [c for c in confirmed if c not in LANDMARK_NAMES]
    if not isinstance(confirmed, list) or bad:
        raise ParameterError.of(N_("%(source)s: confirmed must list landmark names; unknown "
                                   "%(name)s"), source=source, name=repr((bad or [confirmed])[0]))
    trim = _named_points(data, "trim_points", TRIM_POINTS, "trim point", source)
    strokes = data.get("strokes") or []
    protect = data.get("protect") or []
    if not isinstance(strokes, list) or not isinstance(protect, list):
        raise ParameterError.of(N_("%(source)s: strokes and protect must be lists"), source=source)
    regions = []
    for i, r in enumerate(protect, 1):
        where = f"{source}: protected region {i}"
        if not isinstance(r, dict):
            raise ParameterError.of(N_("%(where)s: must be an object"), where=where)
        _unknown(r, _PROTECT_KEYS, where)
        regions.append(ProtectRegion(centre_mm=_vec(r.get("centre_mm"), "centre_mm", where),
                                     radius_mm=_num(r, "radius_mm", where, 1.0, 150.0),
                                     falloff_mm=_num(r, "falloff_mm", where, 0.0, 100.0, 5.0)))
    return Rectification(
        landmarks=landmarks, confirmed=frozenset(confirmed), trim_points=trim,
        strokes=tuple(stroke_from_dict(s, f"{source}: stroke {i}")
                      for i, s in enumerate(strokes, 1)),
        protect=tuple(regions))


def read_rectification(path) -> Rectification:
    """Read a rectification file (as the desktop application's File > Export rectification
    writes it, or a report's ``rectification.hand`` object)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError.of(N_("rectification file %(path)s does not exist; check the path"),
                                path=repr(str(p))) from None
    except (OSError, ValueError) as exc:
        raise ParameterError.of(N_("rectification file %(name)s cannot be read as JSON "
                                   "(%(reason)s); export it again from the desktop application"),
                                name=p.name, reason=exc) from None
    if isinstance(data, dict) and "rectification" in data and "schema" not in data:
        data = (data["rectification"] or {}).get("hand", {})   # a report.json
    return rectification_from_dict(data, f"rectification file {p.name}")


def check_on_limb(rect: Rectification, distance, tolerance_mm: float = ON_LIMB_TOLERANCE_MM
                  ) -> None:
    """Raise ParameterError when a stroke, protected region, trim point or landmark lies off
    the limb.  ``distance(points (n, 3)) -> (n,)`` is the distance to the limb's surface."""
    point_tol = min(tolerance_mm, POINT_ON_LIMB_TOLERANCE_MM)
    items = [(f"stroke {i} ({s.kind})", s.centre_mm, tolerance_mm)
             for i, s in enumerate(rect.strokes, 1)]
    items += [(f"protected region {i}", r.centre_mm, tolerance_mm)
              for i, r in enumerate(rect.protect, 1)]
    items += [(f"trim point {k}", v, point_tol) for k, v in rect.trim_points.items()]
    items += [(f"landmark {k}", v, point_tol) for k, v in rect.landmarks.items()]
    if not items:
        return
    d = np.asarray(distance(np.array([v for _, v, _t in items], dtype=float)))
    over = d - np.array([t for _, _, t in items])
    i = int(np.argmax(over))
    if over[i] > 0:
        what, where, tol = items[i]
        raise ParameterError.of(N_("rectification: %(what)s at %(where)s is %(distance)s mm off "
                                   "the limb's surface (at most %(tolerance)s mm); place it on "
                                   "the limb, in mm in the design frame"),
                                what=what, where=_fmt(where), distance=f"{d[i]:.0f}",
                                tolerance=f"{tol:g}")


def _fmt(v) -> str:
    return "[" + ", ".join(f"{c:.0f}" for c in v) + "]"


# -- geometry -----------------------------------------------------------------------------
def _periodic_pchip(x_deg: np.ndarray, y: np.ndarray, at_deg: np.ndarray) -> np.ndarray:
    """Shape-preserving cubic through (x, y) on a circle (x in degrees), evaluated at ``at``."""
    from scipy.interpolate import PchipInterpolator

    order = np.argsort(x_deg)
    x, y = np.asarray(x_deg)[order], np.asarray(y)[order]
    if len(x) == 1:
        return np.full(np.shape(at_deg), float(y[0]))
    xx = np.concatenate([x - 360.0, x, x + 360.0])
    yy = np.tile(y, 3)
    return PchipInterpolator(xx, yy)(np.mod(at_deg, 360.0))


def trim_with_points(base, trim_points: dict, side: str):
    """A trim function ``(theta, p, z) -> heights`` that is ``base`` raised or lowered
    smoothly through the given control points (name -> (x, y, z) mm)."""
    if not trim_points:
        return base

    def trim(theta: np.ndarray, p, z: float) -> np.ndarray:
        names = list(TRIM_POINTS)
        ang = []
        for nm in names:
            if nm in trim_points:
                x, y, _z = trim_points[nm]
                ang.append(math.degrees(math.atan2(y, x)))
            else:
                ang.append(trim_point_angle_deg(nm, side))
        ang = np.mod(np.array(ang), 360.0)
        at_points = base(np.radians(ang), p, z)
        offset = np.array([trim_points[nm][2] - at_points[i] if nm in trim_points else 0.0
                           for i, nm in enumerate(names)])
        return base(theta, p, z) + _periodic_pchip(ang, offset, np.degrees(theta))
    return trim


def _weight(dist: np.ndarray, radius_mm: float, falloff_mm: float) -> np.ndarray:
    """1 within ``radius_mm``, a cosine edge over ``falloff_mm``, 0 beyond."""
    if falloff_mm <= 0:
        return (dist <= radius_mm).astype(float)
    x = np.clip((dist - radius_mm) / falloff_mm, 0.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def _smoothed(rows: np.ndarray, iterations: int = 3) -> np.ndarray:
    v = rows.copy()
    for _ in range(iterations):
        up = np.concatenate([v[:1], v[:-1]], axis=0)
        down = np.concatenate([v[1:], v[-1:]], axis=0)
        v = (2 * v + up + down + np.roll(v, 1, axis=1) + np.roll(v, -1, axis=1)) / 6.0
    return v


def stroke_weights(stroke: Stroke, limb_points: np.ndarray, limb_normals: np.ndarray,
                   protect=()) -> np.ndarray:
    """How much of a stroke each grid point (rows, cols) takes, 0..1."""
    c = np.asarray(stroke.centre_mm, dtype=float)
    w = _weight(np.linalg.norm(limb_points - c, axis=-1), stroke.radius_mm, stroke.falloff_mm)
    # Only the side of the limb the stroke was made on: points whose normal turns away
    # from the stroke's (beyond about 70 degrees) are left alone.
    facing = limb_normals @ np.asarray(stroke.normal, dtype=float)
    w = w * np.clip((facing - 0.05) / 0.3, 0.0, 1.0)
    for r in protect:
        d = np.linalg.norm(limb_points - np.asarray(r.centre_mm, dtype=float), axis=-1)
        w = w * (1.0 - _weight(d, r.radius_mm, r.falloff_mm))
    return w


def apply_strokes(rows: np.ndarray, pole: np.ndarray, limb_points: np.ndarray,
                  limb_normals: np.ndarray, limb_pole: np.ndarray, strokes, protect,
                  normals_of) -> tuple:
    """Apply the strokes in order to cavity rows (rows, cols, 3); returns rows and pole.

    ``limb_points``/``limb_normals`` (rows, cols, 3) and ``limb_pole`` (3,) are the sampled
    limb the footprints are measured on; ``normals_of(rows, pole)`` gives the cavity's
    outward normals.  The top row (the trim line) keeps its heights.
    """
    if not strokes:
        return rows, pole
    out = rows.copy()
    top_z = rows[-1, :, 2].copy()
    pole = np.asarray(pole, dtype=float).copy()
    pole_pt = np.asarray(limb_pole, dtype=float)[None, None]
    pole_n = np.array([[[0.0, 0.0, -1.0]]])
    for s in strokes:
        w = stroke_weights(s, limb_points, limb_normals, protect)
        if not w.any():
            continue
        if s.kind == "smooth":
            out = out + (s.strength * w)[..., None] * (_smoothed(out, 10) - out)
        else:
            sign = -1.0 if s.kind == "push" else 1.0
            out = out + (sign * s.depth_mm * w)[..., None] * normals_of(out, pole)
            w_pole = float(stroke_weights(s, pole_pt, pole_n, protect)[0, 0])
            pole = pole + np.array([0.0, 0.0, -sign * s.depth_mm * w_pole])
    out[-1, :, 2] = top_z
    return out, pole


def grid_volume_ml(rows: np.ndarray, pole: np.ndarray) -> float:
    """Volume (ml) of a ring grid closed by a fan at its distal pole and a flat fan at the
    centroid of its top row (for quick comparisons of one grid against another)."""
    r, m = rows.shape[:2]
    top = rows[-1].mean(axis=0)
    verts = np.vstack([pole[None], rows.reshape(-1, 3), top[None]])
    f = _closed_ring_faces(r, m)
    a, b, c = verts[f[:, 0]], verts[f[:, 1]], verts[f[:, 2]]
    return abs(float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0) / 1000.0


@functools.lru_cache(maxsize=8)
def _closed_ring_faces(r: int, m: int) -> np.ndarray:
    from prosthetics.geometry.meshing import ring_faces

    return ring_faces(r, m, pole_start=True, pole_end=True)
