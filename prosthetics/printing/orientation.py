"""Print orientation: which way up a part goes on the printer's bed, and why.

Every orientation considered is a direction ``up`` of the part (a unit vector in its
design frame) that becomes the printer's +Z.  Two kinds of candidates are scored:

* **resting faces**: the flat faces of the part that lie on its convex hull, each laid on
  the bed (a socket's adapter disc, an insole's bottom).  A face printed on the bed is the
  flattest, truest face of an FDM part and needs no support under it, so a part with a
  mating face (the 4-hole adapter's, the coupler's) prints that face down;
* **a sphere of directions** (a Fibonacci lattice), for parts with no usable face or whose
  resting faces do not fit the printer (a tall transfemoral socket on a small printer).

Each candidate gets the figures a workshop cares about: whether it fits the printer (height
and footprint, turned about z if needed, :func:`prosthetics.printing.bed.bed_fit`), the build
height (layers are most of an FDM print's time), the area resting on the bed, the
overhanging area steeper than ``max_overhang_deg`` from vertical, and the volume of support
under it: a column from every overhanging face straight down to the part below it or to
the bed, found by casting rays with Open3D's ``RaycastingScene``.  The column volume is an
upper bound on the filament: slicers print support sparse.  The rays are most of the time
a candidate takes, so the support is measured only for the candidates the rule below and
the report read (those chosen among, the preferred way up, the upside-down and lying-down
ones the report compares).

The rule (:func:`choose_orientation`):

1. keep the candidates that fit the printer (all of them, when none fits: the report then
   says so);
2. among those, prefer a resting face of at least ``min_contact_cm2`` on the bed;
3. take the least support; of candidates within ``support_tolerance_ml`` of it, the one
   closest to the part's own preferred direction (the template's: a socket distal end
   down, with its layers across the long axis, as field-tested printed sockets are made).

Millimetres and degrees; support volumes in ml (cm³), areas in cm².
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.errors import N_, Message, ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.printing.bed import bed_fit

__all__ = ["Candidate", "OrientationChoice", "choose_orientation", "orientation_check",
           "rotation_to_z", "describe_up"]

#: Overhangs steeper than this from vertical need support (the usual FDM rule of thumb;
#: PrusaSlicer's automatic threshold lands near it for 0.2 mm layers).
MAX_OVERHANG_DEG = 45.0
#: Faces within this of the bed rest on it (mm).
BED_TOLERANCE_MM = 0.3
#: A flat face must cover this much of the bed to count as a resting face (cm²).
MIN_CONTACT_CM2 = 4.0
#: Supports within this of the least are equal; the one nearest the preferred way up wins.
SUPPORT_TOLERANCE_ML = 2.0
#: Directions on the sphere.
SPHERE_DIRECTIONS = 96
#: Rings around the preferred way up, searched when it does not fit: tilt step and largest
#: tilt (degrees), directions per ring.
REFINE_STEP_DEG, REFINE_MAX_DEG, REFINE_AZIMUTHS = 2.5, 90.0, 24


def rotation_to_z(up: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking the unit vector ``up`` to +Z by the shortest turn.

    +Z gives the identity and -Z a half turn about +X (so x stays x and y, z change sign).
    """
    u = np.asarray(up, dtype=float)
    u = u / np.linalg.norm(u)
    z = np.array([0.0, 0.0, 1.0])
    c = float(u @ z)
    if c > 1.0 - 1e-12:
        return np.eye(3)
    if c < -1.0 + 1e-12:
        return np.diag([1.0, -1.0, -1.0])
    v = np.cross(u, z)
    s = np.linalg.norm(v)
    k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]]) / s
    angle = np.arctan2(s, c)
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def describe_up(up: np.ndarray, preferred_up: np.ndarray, names: dict | None = None) -> str:
    """A phrase for a way up: ``"as designed (+Z up)"``, ``"upside down"``, ``"tilted 35°
    toward -X"``, ``"on its side (+Y up)"``.

    ``names`` maps the design frame's axis labels to words (``{"+Y": "anterior"}``).
    """
    names = names or {}
    u = np.asarray(up, float)
    p = np.asarray(preferred_up, float)
    tilt = float(np.degrees(np.arccos(np.clip(u @ p, -1.0, 1.0))))
    if tilt < 0.5:
        return "as designed (+Z up)" if np.allclose(p, [0, 0, 1]) else "as designed"
    if tilt >= 170.0:
        return "upside down"
    # Which way the top leans: the horizontal part of up, named by its nearest axis.
    h = u - (u @ p) * p
    axis = int(np.argmax(np.abs(h)))
    label = ("+" if h[axis] > 0 else "-") + "XYZ"[axis]
    word = names.get(label, label)
    if 80.0 <= tilt <= 100.0:
        return f"on its side ({word} up)"
    return f"tilted {tilt:.0f}° toward {word}"


@dataclass
class Candidate:
    """One way up and its figures.

    Attributes
    ----------
    up : (3,) float
        Unit vector of the design frame that points up on the printer.
    kind : str
        ``"resting face"``, ``"preferred"``, ``"sphere"`` (an axis or a lattice
        direction) or ``"tilted"`` (the rings searched when the preferred way up does not
        fit).
    tilt_deg : float
        Angle from the preferred way up.
    height_mm : float
        Build height.
    fits : bool
        Fits the printer (height and footprint, turned about z if needed).
    fit : dict
        :func:`prosthetics.printing.bed.bed_fit` result.
    bed_contact_cm2 : float
        Area of the part's faces lying on the bed.
    overhang_cm2 : float
        Area steeper than the overhang limit, above the bed.
    support_ml : float
        Volume of the support columns under the overhangs (an upper bound).
    support_on_part_ml : float
        Of that, columns that stand on the part rather than on the bed.
    """

    up: np.ndarray
    kind: str
    tilt_deg: float
    height_mm: float = 0.0
    fits: bool = False
    fit: dict = field(default_factory=dict)
    bed_contact_cm2: float = 0.0
    overhang_cm2: float = 0.0
    support_ml: float = 0.0
    support_on_part_ml: float = 0.0

    def as_dict(self, preferred_up, names=None) -> dict:
        return {"up_in_design_frame": np.round(self.up, 4).tolist(),
                "description": describe_up(self.up, preferred_up, names),
                "kind": self.kind, "tilt_deg": round(self.tilt_deg, 1),
                "height_mm": round(self.height_mm, 1), "fits_printer": bool(self.fits),
                "bed_contact_cm2": round(self.bed_contact_cm2, 2),
                "overhang_cm2": round(self.overhang_cm2, 2),
                "support_ml": round(self.support_ml, 2),
                "support_on_part_ml": round(self.support_on_part_ml, 2)}


@dataclass
class OrientationChoice:
    """The chosen way up, with the figures that chose it.

    Attributes
    ----------
    chosen : Candidate
    preferred : Candidate
        The part's own preferred way up (the template's), scored the same way.
    alternatives : list of Candidate
        The best other candidates (the best of each kind that is not the chosen one).
    rotation : (3, 3) float
        Design frame to print frame (about the design origin): the chosen up onto +Z.
    reason : str
        One sentence on why.
    candidates : int
        How many ways up were scored.
    preferred_up : (3,) float
    names : dict
        Axis words used in descriptions.
    """

    chosen: Candidate
    preferred: Candidate
    alternatives: list
    rotation: np.ndarray
    reason: str
    candidates: int
    preferred_up: np.ndarray
    names: dict = field(default_factory=dict)

    @property
    def transform(self) -> np.ndarray:
        """(4, 4) design frame to print frame."""
        t = np.eye(4)
        t[:3, :3] = self.rotation
        return t

    @property
    def is_preferred(self) -> bool:
        return self.chosen.tilt_deg < 0.5

    def apply(self, mesh: trimesh.Trimesh) -> trimesh.Trimesh:
        """A copy of ``mesh`` in the print orientation (the mesh itself when unturned).

        The template's way up (``preferred_up``) need not be the design frame's +Z: an
        interface under a socket in flexion is tilted, and then the part is turned even
        when it prints the template's way up."""
        if np.array_equal(self.rotation, np.eye(3)):
            return mesh
        out = mesh.copy()
        out.apply_transform(self.transform)
        return out

    def as_dict(self) -> dict:
        d = self.chosen.as_dict(self.preferred_up, self.names)
        return {**d, "transform_design_to_print": np.round(self.transform, 9).tolist(),
                "reason": self.reason, "candidates_scored": self.candidates,
                "rule": (f"fits the printer; a flat face of at least {MIN_CONTACT_CM2:g} cm² "
                         f"on the bed when one fits; least support (overhangs over "
                         f"{MAX_OVERHANG_DEG:g}° from vertical); within "
                         f"{SUPPORT_TOLERANCE_ML:g} ml, the way up nearest the template's"),
                "alternatives": [a.as_dict(self.preferred_up, self.names)
                                 for a in self.alternatives]}


def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    phi = np.arccos(1.0 - 2.0 * i / n)
    theta = np.pi * (1.0 + 5.0 ** 0.5) * i
    return np.column_stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi),
                            np.cos(phi)])


def _tilt_rings(p: np.ndarray, step_deg: float, max_deg: float, azimuths: int) -> np.ndarray:
    """Unit vectors tilted ``step_deg, 2 step_deg, ... max_deg`` from ``p`` in ``azimuths``
    directions: (n, 3)."""
    a = np.array([1.0, 0.0, 0.0]) if abs(p[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(p, a)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(p, e1)
    tilts = np.radians(np.arange(step_deg, max_deg + 1e-9, step_deg))
    phis = np.linspace(0.0, 2 * np.pi, azimuths, endpoint=False)
    t, f = np.meshgrid(tilts, phis, indexing="ij")
    v = (np.cos(t)[..., None] * p + np.sin(t)[..., None] * (np.cos(f)[..., None] * e1
                                                            + np.sin(f)[..., None] * e2))
    return v.reshape(-1, 3)


def _apart(up: np.ndarray, others: np.ndarray, min_deg: float) -> bool:
    """Whether the unit vector ``up`` is more than ``min_deg`` from each of ``others``
    (k, 3), in one array operation.  The angles near ``min_deg`` (where the array's dot
    products, summed in another order, could tip the answer) are measured again one by
    one, as ``up @ other``."""
    if not len(others):
        return True
    deg = np.degrees(np.arccos(np.clip(others @ up, -1.0, 1.0)))
    close = np.abs(deg - min_deg) < 1e-6
    for i in np.flatnonzero(close):
        deg[i] = np.degrees(np.arccos(np.clip(up @ others[i], -1, 1)))
    return bool(np.all(deg > min_deg))


def _resting_faces(mesh: trimesh.Trimesh, min_area_mm2: float) -> list[tuple[np.ndarray, float]]:
    """Ways up that lay a flat face of the part's convex hull, covered by the part's own
    faces over at least ``min_area_mm2``, on the bed: [(up, covered area mm²)]."""
    hull = mesh.convex_hull
    out = []
    if not len(hull.facets):
        return out
    big = np.flatnonzero(hull.facets_area >= min_area_mm2)
    n, c, a = mesh.face_normals, mesh.triangles_center, mesh.area_faces
    for i in big:
        normal = hull.facets_normal[i]
        origin = hull.facets_origin[i]
        on_plane = ((n @ normal) > np.cos(np.radians(2.0))) & \
                   (np.abs((c - origin) @ normal) < BED_TOLERANCE_MM)
        covered = float(a[on_plane].sum())
        if covered >= min_area_mm2:
            out.append((-normal / np.linalg.norm(normal), covered))
    return out


class _Scorer:
    """Scores ways up of one mesh for one printer (ray scene built once)."""

    def __init__(self, mesh: trimesh.Trimesh, printer, margin_mm: float,
                 max_overhang_deg: float):
        self.mesh = mesh
        self.printer = printer
        self.margin_mm = margin_mm
        self.sin_limit = float(np.sin(np.radians(max_overhang_deg)))
        self.normals = np.asarray(mesh.face_normals)
        self.centres = np.asarray(mesh.triangles_center)
        self.areas = np.asarray(mesh.area_faces)
        self.vertices = np.asarray(mesh.vertices)
        self.hull_vertices = np.asarray(mesh.convex_hull.vertices)
        self.rays = SurfaceQuery(mesh)          # Open3D's ray scene, built once
        #: Scored candidates whose support is not measured yet: id -> (the bed's height
        #: along the way up, mm; the overhanging faces (k,)).
        self._overhangs: dict[int, tuple[float, np.ndarray]] = {}

    def fit(self, cand: Candidate) -> Candidate:
        """Build height and printer fit of ``cand`` (filled in place)."""
        hv = self.hull_vertices @ rotation_to_z(cand.up).T
        cand.height_mm = float(hv[:, 2].max() - hv[:, 2].min())
        cand.fit = bed_fit([0.0, 0.0, cand.height_mm], self.printer, self.margin_mm,
                           footprint_xy=hv[:, :2])
        cand.fits = bool(cand.fit["fits"])
        return cand

    def score(self, cand: Candidate) -> Candidate:
        """The figures of ``cand`` but its support (filled in place): the fit, the bed
        contact and the overhang.  :meth:`support` adds the support."""
        u = cand.up
        self.fit(cand)
        lo = float((self.hull_vertices @ u).min())
        down = -(self.normals @ u)                    # 1: facing straight down
        above = self.centres @ u - lo                 # height of each face over the bed
        on_bed = (above < BED_TOLERANCE_MM) & (down > np.cos(np.radians(2.0)))
        cand.bed_contact_cm2 = float(self.areas[on_bed].sum()) / 100.0
        over = np.flatnonzero((down > self.sin_limit) & (above >= BED_TOLERANCE_MM))
        cand.overhang_cm2 = float(self.areas[over].sum()) / 100.0
        self._overhangs[id(cand)] = (lo, over)
        return cand

    def support(self, cand: Candidate) -> Candidate:
        """The support under ``cand``'s overhangs (filled in place, once; after
        :meth:`score`): a ray down from every overhanging face, the most time a
        candidate takes."""
        pending = self._overhangs.pop(id(cand), None)
        if pending is None:
            return cand
        lo, over = pending
        if len(over):
            u = cand.up
            # The same figures as score's, of the overhanging faces.
            down = -(self.normals @ u)[over]
            above = (self.centres @ u - lo)[over]
            origins = self.centres[over] - u * 0.01   # just under the face, looking down
            hit = self.rays.cast(origins, np.broadcast_to(-u, origins.shape))
            column = np.minimum(hit, above)
            vol = column * self.areas[over] * down
            cand.support_ml = float(vol.sum()) / 1000.0
            cand.support_on_part_ml = float(vol[np.isfinite(hit) & (hit < above)].sum()) \
                / 1000.0
        return cand


def _choice_reason(printer, cands: list[Candidate], chosen: Candidate, preferred: Candidate,
                   any_fits: bool, flat: bool) -> str:
    """Why ``chosen`` was taken, in a phrase for the report.

    Parameters
    ----------
    printer : prosthetics.printing.profiles.Printer
    cands : list of Candidate
        Every scored candidate.
    chosen, preferred : Candidate
        The one taken, and the one nearest the template's way up.
    any_fits : bool
        Some candidate fits the printer.
    flat : bool
        The choice was made among candidates with a resting face on the bed.
    """
    if not any_fits:
        lowest = min(cands, key=lambda c: c.height_mm)
        return (f"fits {printer.name} no way up (lowest build height {lowest.height_mm:.0f} "
                f"mm against {printer.max_height_mm:g} mm); kept the least-support way up")
    if chosen is preferred and flat:
        return (f"the template's way up fits {printer.name} with a "
                f"{chosen.bed_contact_cm2:.0f} cm² face on the bed")
    if chosen is preferred:
        return f"the template's way up fits {printer.name} with the least support"
    if not preferred.fits:
        return (f"the template's way up does not fit {printer.name}; this way up fits with "
                f"the least support")
    if flat and chosen.kind == "resting face" and preferred.bed_contact_cm2 < MIN_CONTACT_CM2:
        return (f"a {chosen.bed_contact_cm2:.0f} cm² face on the bed; the template's way up "
                f"rests on {preferred.bed_contact_cm2:.1f} cm²")
    return (f"{preferred.support_ml - chosen.support_ml:.0f} ml less support than the "
            f"template's way up")


def _alternatives(cands: list[Candidate], chosen: Candidate,
                  preferred: Candidate) -> list[Candidate]:
    """The ways up the report compares with ``chosen``: the template's own (when not
    chosen), then the best upside-down and the best lying-down candidate."""
    alternatives = []
    for label_test in (lambda c: c.tilt_deg > 170.0,
                       lambda c: 80.0 <= c.tilt_deg <= 100.0):
        group = [c for c in cands if label_test(c) and c is not chosen]
        if group:
            alternatives.append(min(group, key=lambda c: (not c.fits, c.support_ml)))
    if preferred is not chosen:
        alternatives.insert(0, preferred)
    return alternatives


#: The warning when the part is printed another way up than designed, by whether some of
#: its support stands on the part itself and whether the face meant for the bed is lifted.
_TURNED = {
    (False, False): N_("%(why)s: printed %(orientation)s instead, with about %(support)s of "
                       "support (%(designed)s as designed)"),
    (True, False): N_("%(why)s: printed %(orientation)s instead, with about %(support)s of "
                      "support (%(designed)s as designed); %(on_part)s of it would stand on the "
                      "part itself (inside a cavity), where supports from the bed only leave "
                      "the overhang unsupported"),
    (False, True): N_("%(why)s: printed %(orientation)s instead, with about %(support)s of "
                      "support (%(designed)s as designed); %(face)s is printed on supports: "
                      "check it is flat and true before fitting"),
    (True, True): N_("%(why)s: printed %(orientation)s instead, with about %(support)s of "
                     "support (%(designed)s as designed); %(on_part)s of it would stand on the "
                     "part itself (inside a cavity), where supports from the bed only leave "
                     "the overhang unsupported; %(face)s is printed on supports: check it is "
                     "flat and true before fitting"),
}


def choose_orientation(mesh: trimesh.Trimesh, printer, *, preferred_up=(0.0, 0.0, 1.0),
                       names: dict | None = None, margin_mm: float = 5.0,
                       max_overhang_deg: float = MAX_OVERHANG_DEG,
                       sphere_directions: int = SPHERE_DIRECTIONS) -> OrientationChoice:
    """Choose how ``mesh`` (design frame, mm) goes on ``printer``'s bed (see the module).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The closed part, mm.
    printer : prosthetics.printing.profiles.Printer
    preferred_up : (3,) float
        The template's own way up (a socket: +Z, distal end down).
    names : dict, optional
        Words for the design frame's axes in descriptions, e.g. ``{"+Y": "anterior"}``.
    margin_mm : float
        Free room along the bed's edges.
    max_overhang_deg : float
        Steepest overhang from vertical printed without support.
    sphere_directions : int
        Directions on the sphere besides the resting faces and the preferred way up.

    Raises
    ------
    ParameterError
        An empty mesh or a zero ``preferred_up``.
    """
    if mesh is None or len(mesh.faces) == 0:
        raise ParameterError.of(N_("the part is empty: nothing to orient; check the design"))
    p = np.asarray(preferred_up, dtype=float)
    if p.shape != (3,) or not np.isfinite(p).all() or np.linalg.norm(p) == 0:
        raise ParameterError(f"preferred_up = {preferred_up!r} must be a non-zero 3-vector")
    p = p / np.linalg.norm(p)
    if not 0.0 < max_overhang_deg < 90.0:
        raise ParameterError(f"max_overhang_deg = {max_overhang_deg!r} must be between 0 and "
                             f"90 degrees; use about 45")

    def tilt(u):
        return float(np.degrees(np.arccos(np.clip(u @ p, -1.0, 1.0))))

    scorer = _Scorer(mesh, printer, margin_mm, max_overhang_deg)
    cands: list[Candidate] = []
    for up, _area in _resting_faces(mesh, MIN_CONTACT_CM2 * 100.0):
        cands.append(Candidate(up=up, kind="resting face", tilt_deg=tilt(up)))
    # The preferred way up exactly (a resting face near it already stands for it).
    if not any(c.tilt_deg < 0.5 for c in cands):
        cands.append(Candidate(up=p.copy(), kind="preferred", tilt_deg=0.0))
    axes = np.vstack([np.eye(3), -np.eye(3)])
    ups = np.array([c.up for c in cands], dtype=float).reshape(-1, 3)
    for up in np.vstack([axes, _fibonacci_sphere(sphere_directions)]):
        if _apart(up, ups, 5.0):
            cands.append(Candidate(up=up, kind="sphere", tilt_deg=tilt(up)))
            ups = np.vstack([ups, up])
    for c in cands:
        scorer.score(c)
    preferred = min(cands, key=lambda c: c.tilt_deg)
    if not preferred.fits:
        # Too tall or too wide as designed: the sphere is coarse (about 20 degrees apart),
        # so look for the smallest tilt that fits on rings around the preferred way up.
        for up in _tilt_rings(p, REFINE_STEP_DEG, REFINE_MAX_DEG, REFINE_AZIMUTHS):
            c = Candidate(up=up, kind="tilted", tilt_deg=tilt(up))
            if scorer.fit(c).fits:          # scored only where it fits: most do not
                cands.append(scorer.score(c))

    fitting = [c for c in cands if c.fits]
    pool = fitting or cands
    flat = [c for c in pool if c.bed_contact_cm2 >= MIN_CONTACT_CM2]
    pool2 = flat or pool
    # The support is measured only where the choice or the report reads it: the
    # candidates chosen among, the preferred way up, and those the alternatives are
    # taken from (upside down, lying down).
    among = {id(c) for c in pool2}
    for c in cands:
        if id(c) in among or c is preferred or c.tilt_deg > 170.0 \
                or 80.0 <= c.tilt_deg <= 100.0:
            scorer.support(c)
    least = min(c.support_ml for c in pool2)
    near = [c for c in pool2 if c.support_ml <= least + SUPPORT_TOLERANCE_ML]
    chosen = min(near, key=lambda c: (c.tilt_deg, c.support_ml))

    return OrientationChoice(chosen=chosen, preferred=preferred,
                             alternatives=_alternatives(cands, chosen, preferred),
                             rotation=np.eye(3) if chosen.up[2] > np.cos(np.radians(0.5))
                             else rotation_to_z(chosen.up),
                             reason=_choice_reason(printer, cands, chosen, preferred,
                                                   bool(fitting), bool(flat)),
                             candidates=len(cands), preferred_up=p, names=dict(names or {}))


def orientation_check(mesh: trimesh.Trimesh, printer, *, preferred_up=(0.0, 0.0, 1.0),
                      names: dict | None = None,
                      preferred_face: str = "the flat face") -> tuple[OrientationChoice, dict,
                                                                      list[str]]:
    """The way up for a part, the printer fit in that way up, and the warnings to give.

    Returns the :class:`OrientationChoice`, the chosen way up's
    :func:`~prosthetics.printing.bed.bed_fit` result with ``orientation`` (a phrase) and
    ``support_ml`` added (the report's ``checks.printer``), and warning lines: the part fits
    no way up, or it is printed another way than the template's (``preferred_face`` names
    what then leaves the bed, e.g. "the adapter face").
    """
    choice = choose_orientation(mesh, printer, preferred_up=preferred_up, names=names)
    c = choice.chosen
    fit = {**c.fit, "orientation": describe_up(c.up, choice.preferred_up, choice.names),
           "support_ml": round(c.support_ml, 1)}
    warnings = []
    if not c.fits:
        warnings.append(Message.of(N_("does not fit %(printer)s any way up: %(reason)s; "
                                      "choose a larger printer"),
                                   printer=printer.name, reason=c.fit.get("reason", "")))
    elif not choice.is_preferred:
        p = choice.preferred
        why = (p.fit.get("reason") or "as designed it does not fit").split("; choose")[0] \
            if not p.fits else choice.reason
        lost = p.bed_contact_cm2 >= MIN_CONTACT_CM2 and c.bed_contact_cm2 < MIN_CONTACT_CM2
        on_part = c.support_on_part_ml >= 1.0
        values = {"why": why, "orientation": fit["orientation"],
                  "support": f"{c.support_ml:.0f} ml", "designed": f"{p.support_ml:.0f} ml"}
        if on_part:
            values["on_part"] = f"{c.support_on_part_ml:.0f} ml"
        if lost:
            values["face"] = preferred_face
        warnings.append(Message.of(_TURNED[on_part, lost], **values))
    return choice, fit, warnings
