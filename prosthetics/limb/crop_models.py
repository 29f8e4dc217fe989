"""The anterior and landmarks of a transradial or transfemoral limb (and of a transtibial one
the shape model of :mod:`prosthetics.limb.anatomy` fits poorly), from templates fitted to
its skin.

No statistical shape model of these residual limbs is at hand, so the templates are limbs
cropped from two whole-body skins (the Visible Human male and female surfaces, CC BY 4.0; see
``models/CROPS.md``): each body's right and left forearm and thigh, the left ones mirrored
to right limbs, as skin meshes in the limb frame (mm, +Z proximal, the distal dome's tip at
z = 0, +Y anterior: the body's facing) with a few landmarks read off the skin by geometric
rules:

- forearm (``transradial``): the olecranon (the most posterior point of the elbow region),
  the medial and lateral epicondyles (the elbow's widest points medially and laterally);
- thigh (``transfemoral``): the greater trochanter region (the most lateral point of the
  proximal thigh) and the ischial tuberosity region (posterior-medial at the proximal brim);
- leg (``transtibial``): the knee and the calf, the patella region (the most anterior point
  over the knee joint); the template bends at the knee, and its search starts its top at
  the limb's top and above it (a leg scan's top lies anywhere from the knee up the thigh).

How a template is fitted, on an aligned limb (+Z proximal, distal end at z = 0, anterior
unknown): the robust point-to-plane Gauss-Newton of :mod:`prosthetics.limb.anatomy` (Tukey
weights on a robust scale, a prior on the scale near what the limb's girth suggests, girth
against length), on a template without modes of shape, so its k-d tree and normals are built
once and the limb's points are taken into the template's coordinates.  Besides:

- the template's open top is held near the limb's top by a soft prior (both are cut near the
  elbow or the groin); a residual limb is shorter than the template, and its distal dome,
  which has no counterpart on the template's longer shaft, falls beyond the robust cut-off;
  points above the template's top do not pull;
- the forearm's template bends at the elbow (flexion and carrying angle, about its own
  medial-lateral and anterior-posterior axes, with a prior): the two bodies hold their
  elbows differently (the upper arm turned 14 degrees laterally and forwards from the
  forearm in one, 11 degrees laterally in the other), and a rigid template matched the
  other body's forearm about as well at a turn of about 140 degrees as at the true one;
- on the thigh, the band of :data:`BRIM_BAND_MM` under the top does not pull: below the
  groin the skin is shaped by the pelvis and the other thigh, and there the two bodies'
  thighs differ most (their sections' orientations disagree by about 30 degrees there,
  about 10 degrees along the rest);
- the search starts from twelve turns about the long axis for every template of the side,
  coarse on a thinned template, then refines each template's two best distinct turns; no
  one body is the population, so the anterior is the mean of the turns of the templates
  that agree with the best fit (within 40 degrees), weighted by the inverse of their costs.

The fit's residual and how much better it is than the best refined turn at least 40 degrees
away make its confidence; a poor fit is reported as such and the caller keeps its own
guess.  The side comes from the user; the other side is fitted too and its residual
reported.  On the forearm the other side fitted worse in every held-out case, so a limb
that fits the other side clearly better is flagged (:attr:`CropFit.other_side_better`); the
thighs' mirror images fit as well as the true side, so there the shape cannot tell the sides
apart (``scripts/make_crop_models.py --evaluate``; ``models/CROPS.md``).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh
from scipy.spatial import cKDTree

from prosthetics.limb.anatomy import (
    angle_diff,
    fit_confidence,
    rodrigues,
    rot_z,
    step_pose,
    turn_of,
    turned_fields,
    vertex_normals,
)

#: The templates' data (shipped in the package), made by ``scripts/make_crop_models.py``.
TEMPLATE_FILE = Path(__file__).parent / "models" / "crops.npz"
#: Limbs with templates.
CROP_KINDS = ("transradial", "transfemoral", "transtibial")
#: Landmarks of each kind, read off the templates' skin.
LANDMARK_NAMES = {"transradial": ("olecranon", "medial_epicondyle", "lateral_epicondyle"),
                  "transfemoral": ("greater_trochanter", "ischial_tuberosity"),
                  "transtibial": ("patella_region",)}
#: Below this the fit is used (mean robust residual, mm).
MAX_RESIDUAL_MM = {"transradial": 3.0, "transfemoral": 3.0,
                   # Another body's whole leg, knee and calf, lies further from a limb than a
                   # forearm or thigh does: held-out legs fitted at 2.3-3.05 mm.
                   "transtibial": 3.5}
#: The fit's turn must beat the best turn at least 40 degrees away by this (residual ratio).
MIN_RIVAL_RATIO = 1.1
#: Per kind, how much smaller the other side's residual must be to say the limb looks like
#: the other side (None: the templates cannot tell the sides apart; see the docstring).
SIDE_RATIO = {"transradial": 1.1, "transfemoral": None, "transtibial": None}
#: Share of the limb's points the fit must use.
MIN_INLIER_FRACTION = 0.5
#: Per kind, the band under the limb's top whose points do not pull (mm).
BRIM_BAND_MM = {"transradial": 0.0, "transfemoral": 60.0, "transtibial": 30.0}
#: How far the template's top may lie from the limb's top (a soft prior, mm).
TOP_SD_MM = {"transradial": 30.0, "transfemoral": 30.0, "transtibial": 30.0}
#: Per kind, where the coarse search starts the template's top, above the limb's top (mm):
#: a leg scan's top lies anywhere from just over the knee to well up the thigh, and a
#: template started far below its place can settle with the knee at the calf.
START_SHIFTS_MM = {"transradial": (0.0,), "transfemoral": (0.0,), "transtibial": (0.0, 40.0)}
#: Model and limb points of the coarse search.
_COARSE_MODEL_POINTS = 1500
_COARSE_POINTS = 600
#: Priors, as weights against the data's total weight: the scale's logarithm near the girth's
#: hint, the girth's near 0, the elbow's bend (rad) near 0.
_PRIOR_SCALE = 100.0
_PRIOR_GIRTH = 50.0
_PRIOR_BEND = 30.0
#: Kinds whose template bends at a hinge (the elbow: flexion and carrying angle; the knee:
#: flexion and varus/valgus), and the largest bend (rad).
HINGED = ("transradial", "transtibial")
_MAX_BEND = np.radians(30.0)


@dataclass(frozen=True, kw_only=True, eq=False)
class CropTemplate:
    """One template: a limb's skin and landmarks as a right limb (mm, limb frame, +X lateral,
    +Y anterior).

    Attributes
    ----------
    kind : str
        One of :data:`CROP_KINDS`.
    body : str
        The body it was cropped from (``"VH_M"``, ``"VH_F"``).
    limb : str
        Which of the body's limbs it was (``"right"``, or ``"left"``: mirrored).
    vertices : (n, 3) float, mm
    faces : (m, 3) int
    landmarks : dict of str -> (3,) float, mm
    reference_z_mm : float
        Height of the elbow (forearm) or the crotch (thigh) on the template's axis.
    """

    kind: str
    body: str
    limb: str
    vertices: np.ndarray
    faces: np.ndarray
    landmarks: dict
    reference_z_mm: float

    @property
    def name(self) -> str:
        return f"{self.body} {self.limb}"

    @property
    def top_z_mm(self) -> float:
        return float(self.vertices[:, 2].max())

    @functools.cached_property
    def _prepared(self) -> dict:
        return {}

    def mesh(self, side: str = "right") -> trimesh.Trimesh:
        """The skin as a right limb, or mirrored to a left one (normals still outward)."""
        if side == "left":
            return trimesh.Trimesh(self.vertices * np.array([-1.0, 1.0, 1.0]),
                                   self.faces[:, ::-1], process=False)
        return trimesh.Trimesh(self.vertices, self.faces, process=False)

    def marks(self, side: str = "right") -> dict:
        """The landmarks (mm) of the right limb, or mirrored to a left one."""
        flip = np.array([-1.0, 1.0, 1.0]) if side == "left" else np.ones(3)
        return {k: np.asarray(p, dtype=float) * flip for k, p in self.landmarks.items()}

    def prepared(self, side: str, thin: bool) -> _Prepared:
        """Vertices, normals and k-d tree of one side (``thin``: the coarse search's subset)."""
        key = (side, thin)
        if key not in self._prepared:
            mesh = self.mesh(side)
            v = np.asarray(mesh.vertices)
            n = vertex_normals(v, np.asarray(mesh.faces))
            if thin:
                keep = np.random.default_rng(3).permutation(len(v))[:_COARSE_MODEL_POINTS]
                v, n = v[keep], n[keep]
            hinge = None
            if self.kind in HINGED:
                near = np.abs(mesh.vertices[:, 2] - self.reference_z_mm) < 3.0
                hinge = np.array([*mesh.vertices[near, :2].mean(axis=0), self.reference_z_mm])
            self._prepared[key] = _Prepared(v=v, n=n, tree=cKDTree(v),
                                            top=float(mesh.vertices[:, 2].max()), hinge=hinge,
                                            top_sd_mm=TOP_SD_MM[self.kind])
        return self._prepared[key]


@functools.lru_cache(maxsize=4)
def load_templates(kind: str) -> tuple[CropTemplate, ...]:
    """The templates of ``kind`` (one of :data:`CROP_KINDS`): each body's two limbs."""
    if kind not in CROP_KINDS:
        raise ValueError(f"no templates for {kind!r}; kinds with templates: "
                         f"{', '.join(CROP_KINDS)}")
    out = []
    with np.load(TEMPLATE_FILE) as d:
        for tid in (str(t) for t in d["templates"]):
            key = f"{kind}/{tid}"
            body, limb = tid.split("/")
            names = [str(n) for n in d[f"{key}/landmark_names"]]
            out.append(CropTemplate(kind=kind, body=body, limb=limb,
                                    vertices=d[f"{key}/vertices_mm"].astype(float),
                                    faces=d[f"{key}/faces"].astype(np.int64),
                                    landmarks=dict(zip(names, d[f"{key}/landmarks_mm"]
                                                       .astype(float))),
                                    reference_z_mm=float(d[f"{key}/reference_z_mm"])))
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class CropFit:
    """A template fitted to one limb, in the limb frame the fit was given (mm).

    Attributes
    ----------
    kind : str
        One of :data:`CROP_KINDS`.
    template : str
        The template that fitted best (body and limb, e.g. ``"VH_F left"``).
    side : str
        ``"right"`` or ``"left"``: the side fitted (the template as it is, or mirrored).
    transform : (4, 4) float
        Template coordinates (mm, as a right limb; mirrored first for a left one) to the limb
        frame: rotation times scale and girth, plus translation.
    scale : float
    girth : float
        Girth against length (1: as the template's body).
    bend_deg : (2,) float
        The template's bend at the elbow (forearm; zero on the thigh): flexion and carrying
        angle, deg, about the template's own x and y axes, applied before ``transform``.
    residual_mean_mm : float
        Robust mean distance of the limb's points to the fitted template.
    residual_p90_mm : float
        90th percentile of the distances of the limb's points (below the template's top) to
        the fitted template's vertices.
    inlier_fraction : float
        Share of the limb's points the fit used.
    rival_ratio : float
        Residual of the best turn at least 40 degrees away, over this fit's (RMS ratio).
    other_side_residual_mm : float
        Residual of the other side's best fit.
    anterior_deg : float
        Where the anterior points in the limb frame: deg from +Y, counter-clockwise seen
        from proximal (the weighted mean of ``template_anteriors_deg``).
    template_anteriors_deg : dict of str -> float
        Where each template that agreed (within 40 degrees of the best) put it.
    landmarks : dict of str -> (3,) float, mm
        :data:`LANDMARK_NAMES` of the kind, in the limb frame.
    """

    kind: str
    template: str
    side: str
    transform: np.ndarray
    scale: float
    girth: float
    bend_deg: tuple = (0.0, 0.0)
    residual_mean_mm: float
    residual_p90_mm: float
    inlier_fraction: float
    rival_ratio: float
    other_side_residual_mm: float
    anterior_deg: float
    template_anteriors_deg: dict = field(default_factory=dict)
    landmarks: dict = field(default_factory=dict)

    @property
    def confident(self) -> bool:
        return (self.residual_mean_mm <= MAX_RESIDUAL_MM[self.kind] and self.rival_ratio >= MIN_RIVAL_RATIO
                and self.inlier_fraction >= MIN_INLIER_FRACTION)

    @property
    def other_side_better(self) -> bool:
        """Whether the limb's shape fits the other side clearly better (only where the
        templates tell the sides apart: :data:`SIDE_RATIO`)."""
        ratio = SIDE_RATIO[self.kind]
        return ratio is not None and self.other_side_residual_mm * ratio < self.residual_mean_mm

    @property
    def confidence(self) -> float:
        """0-1: from the residual (1 at <= 1.5 mm, 0 at the limit) and the rival margin."""
        return fit_confidence(self.residual_mean_mm, self.rival_ratio, 1.5,
                              MAX_RESIDUAL_MM[self.kind])

    def turned(self, deg: float) -> CropFit:
        """The same fit after the limb frame is turned by ``deg`` about +Z."""
        return dataclasses.replace(
            self, **turned_fields(self, deg),
            template_anteriors_deg={k: a + deg for k, a in self.template_anteriors_deg.items()})

    def skin(self) -> trimesh.Trimesh:
        """The fitted template's skin (limb frame, mm)."""
        tpl = next(t for t in load_templates(self.kind) if t.name == self.template)
        mesh = tpl.mesh(self.side)
        v = tpl.prepared(self.side, thin=False).bend_points(
            mesh.vertices, np.radians([*self.bend_deg, 0.0]))
        return trimesh.Trimesh(trimesh.transform_points(v, self.transform), mesh.faces,
                               process=False)

    def as_dict(self) -> dict:
        return {"method": "template" if self.confident else "template (poor fit)",
                "model": f"Visible Human skin, {self.template} {self.kind} crop (CC BY 4.0)",
                "kind": self.kind,
                "side": self.side,
                "confidence": round(self.confidence, 2),
                "anterior_deg": round(float(self.anterior_deg), 1),
                "template_anteriors_deg": {k: round(float(a), 1) for k, a in
                                           self.template_anteriors_deg.items()},
                "residual_mean_mm": round(self.residual_mean_mm, 2),
                "residual_p90_mm": round(self.residual_p90_mm, 2),
                "inlier_fraction": round(self.inlier_fraction, 3),
                "rival_ratio": round(self.rival_ratio, 3),
                "other_side_residual_mean_mm": round(self.other_side_residual_mm, 2),
                "other_side_better": self.other_side_better,
                "side_checked": SIDE_RATIO[self.kind] is not None,
                "scale": round(self.scale, 4),
                "girth": round(self.girth, 4),
                "elbow_bend_deg": [round(float(b), 1) for b in self.bend_deg],
                "points_mm": {k: [round(float(c), 2) for c in p]
                              for k, p in self.landmarks.items()}}


@dataclass(frozen=True)
class _Prepared:
    """A template side ready to fit: vertices (n, 3), unit normals (n, 3), their k-d tree."""

    v: np.ndarray
    n: np.ndarray
    tree: cKDTree
    top: float
    #: (3,) the elbow's hinge point (the section centre at the elbow), or None.
    hinge: np.ndarray | None = None
    #: How far the template's top may lie from the limb's top (a soft prior, mm).
    top_sd_mm: float = 30.0

    def bend_points(self, p: np.ndarray, bend: np.ndarray) -> np.ndarray:
        """Template points (n, 3) with the part above the hinge turned by the rotation
        vector ``bend`` (3,, rad) about the hinge point (unchanged without a hinge)."""
        p = np.array(p, dtype=float)
        if self.hinge is None:
            return p
        up = p[:, 2] >= self.hinge[2]
        p[up] = (p[up] - self.hinge) @ rodrigues(bend).T + self.hinge
        return p


@dataclass
class _Pose:
    """Template pose: x = s R D p + t, D = diag(g, g, 1) (girth against length)."""

    R: np.ndarray
    t: np.ndarray
    s: float
    hint: float
    g: float = 1.0
    #: Rotation vector (rad) of the part above the hinge: x flexion, y the carrying angle.
    bend: np.ndarray = field(default_factory=lambda: np.zeros(3))
    cost: float = np.inf
    residual_mm: float = np.inf
    inliers: float = 0.0

    def copy(self) -> _Pose:
        return _Pose(R=self.R.copy(), t=self.t.copy(), s=self.s, hint=self.hint, g=self.g,
                     bend=self.bend.copy())

    def matrix(self) -> np.ndarray:
        m = np.eye(4)
        m[:3, :3] = self.s * self.R @ np.diag([self.g, self.g, 1.0])
        m[:3, 3] = self.t
        return m


def _band(p: np.ndarray, top: float, depth: float) -> tuple[np.ndarray, float] | None:
    """Centroid (2,) and median radius about it of the points within ``depth`` mm under
    ``top``, or None when too few."""
    band = p[(p[:, 2] < top - 5.0) & (p[:, 2] > top - 5.0 - depth)]
    if len(band) < 20:
        return None
    c = band[:, :2].mean(axis=0)
    return c, float(np.median(np.linalg.norm(band[:, :2] - c, axis=1)))


def _start(tp: _Prepared, pts: np.ndarray, top: float, turn_deg: float,
           hint: float) -> _Pose:
    """Initial pose: turned about +Z, scaled by the girth's hint, the open tops together."""
    depth = min(80.0, 0.5 * top)
    cm = _band(tp.v, tp.top, depth)
    cs = _band(pts, top, depth)
    cm = cm[0] if cm is not None else tp.v[:, :2].mean(axis=0)
    cs = cs[0] if cs is not None else pts[:, :2].mean(axis=0)
    R = rot_z(turn_deg)
    t = np.array([*(cs - hint * R[:2, :2] @ cm), top - hint * tp.top])
    return _Pose(R=R, t=t, s=hint, hint=hint)


def _fit(tp: _Prepared, pts: np.ndarray, top: float, st: _Pose, iterations: int) -> _Pose:
    """Robust point-to-plane Gauss-Newton of one template's pose, scale and girth.

    ``pts`` (n, 3) are the limb's points that may pull; ``top`` is the limb's top (mm).
    As in :func:`prosthetics.limb.anatomy._icp`: Tukey weights on a robust scale (never
    finer than 1 mm), no pull from points whose nearest template point lies far in the
    plane or that lie above the template's top, steps of at most 10 degrees and 10 %.
    """
    hinged = tp.hinge is not None
    k = 10 if hinged else 8
    for _ in range(iterations):
        d3 = np.array([st.g, st.g, 1.0])
        local = ((pts - st.t) @ st.R) / st.s / d3
        use = local[:, 2] < tp.top - 5.0 / st.s
        p = pts[use]
        if len(p) < 20:
            break
        local = local[use]
        if hinged:
            # Points above the bent hinge are unbent into the template's own shape.
            B = rodrigues(st.bend)
            upper = local[:, 2] >= tp.hinge[2]
            local[upper] = (local[upper] - tp.hinge) @ B + tp.hinge
        dist, j = tp.tree.query(local)
        vj, nj = tp.v[j], tp.n[j]
        if hinged:
            upj = vj[:, 2] >= tp.hinge[2]
            vj = vj.copy()
            nj = nj.copy()
            vj[upj] = (vj[upj] - tp.hinge) @ B.T + tp.hinge
            nj[upj] = nj[upj] @ B.T
        x = st.s * (vj * d3) @ st.R.T + st.t
        n = (nj / d3) @ st.R.T
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        r = np.einsum("ij,ij->i", n, x - p)
        sigma = max(1.4826 * float(np.median(np.abs(r))), 1.0)
        c = 4.685 * sigma
        w = np.where(np.abs(r) < c, (1 - (r / c) ** 2) ** 2, 0.0)
        w = np.where(dist * st.s < 4.0 * c, w, 0.0)
        centre = x.mean(axis=0)
        xc = x - centre
        jac = np.zeros((len(p), k))
        jac[:, 0:3] = _cross(xc, n)
        jac[:, 3:6] = n
        jac[:, 6] = np.einsum("ij,ij->i", n, xc)
        jac[:, 7] = np.einsum("ij,ij->i", n, st.s * (vj * [st.g, st.g, 0.0]) @ st.R.T)
        if hinged:
            # Bending about the template's x (flexion) and y (carrying angle) at the hinge.
            arm = np.where(upj[:, None], vj - tp.hinge, 0.0)
            zero = np.zeros(len(arm))
            for col, dv in ((8, np.column_stack([zero, -arm[:, 2], arm[:, 1]])),
                            (9, np.column_stack([arm[:, 2], zero, -arm[:, 0]]))):
                jac[:, col] = np.einsum("ij,ij->i", n, st.s * (dv * d3) @ st.R.T)
        a = jac.T @ (jac * w[:, None])
        g = jac.T @ (w * r)
        weight = max(float(w.sum()), 1.0)
        # The template's top (its axis point there) near the limb's top: one pseudo-
        # observation, weighted as the kind's TOP_SD_MM against the data's noise.
        xt = st.s * np.array([0.0, 0.0, tp.top]) @ st.R.T + st.t - centre
        jt = np.zeros(k)
        jt[0:3] = np.cross(xt, [0.0, 0.0, 1.0])
        jt[5] = 1.0
        jt[6] = xt[2]
        wt = weight * sigma ** 2 / tp.top_sd_mm ** 2 / 20.0
        a += wt * np.outer(jt, jt)
        g += wt * (xt[2] + centre[2] - top) * jt
        reg = np.zeros(k)
        reg[6] = _PRIOR_SCALE * weight
        reg[7] = _PRIOR_GIRTH * weight
        if hinged:
            reg[8:10] = _PRIOR_BEND * weight
        a[np.diag_indices_from(a)] += reg + 1e-6 * np.trace(a) / k
        g[6] += reg[6] * np.log(st.s / st.hint)
        g[7] += reg[7] * np.log(st.g)
        if hinged:
            g[8:10] += reg[8:10] * st.bend[:2]
        try:
            d = -np.linalg.solve(a, g)
        except np.linalg.LinAlgError:
            break
        step_pose(st, d, centre)
        if hinged:
            st.bend[:2] = np.clip(st.bend[:2] + np.clip(d[8:10], -0.1, 0.1), -_MAX_BEND,
                                  _MAX_BEND)
        wn = max(float(w.sum()), 1.0)
        st.cost = float(np.sum(w * r ** 2) / wn)
        st.residual_mm = float(np.sum(w * np.abs(r)) / wn)
        st.inliers = float(np.mean(w > 0)) * float(np.mean(use))
    return st


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross products of (n, 3) arrays (np.cross's overhead shows in the loop)."""
    return np.column_stack([a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
                            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]])


def _distinct(entries: list, n: int) -> list:
    """The ``n`` cheapest (pose, template) entries whose turns differ by more than 20 deg."""
    out: list = []
    for e in sorted(entries, key=lambda q: q[0].cost):
        if all(abs(angle_diff(turn_of(e[0]), turn_of(q[0]))) > 20 for q in out):
            out.append(e)
        if len(out) == n:
            break
    return out


def _search(tpls: list[CropTemplate], side: str, pts: np.ndarray, coarse: np.ndarray,
            top: float, hints: dict) -> tuple[list, list]:
    """Twelve coarse turns (from each of the kind's starting heights) of every template on
    one side, then each template's two best
    distinct turns refined.  Returns the refined (cheapest first) and the coarse (pose,
    template) entries."""
    found, refined = [], []
    for tpl in tpls:
        tp = tpl.prepared(side, thin=True)
        mine = []
        for shift in START_SHIFTS_MM[tpl.kind]:
            for turn in np.arange(0.0, 360.0, 30.0):
                st = _start(tp, pts[coarse], top, turn, hints[tpl.name])
                st.t[2] += shift
                mine.append((_fit(tp, pts[coarse], top, st, 8), tpl))
        found += mine
        refined += [(_fit(tpl.prepared(side, thin=False), pts, top, st.copy(), 10), tpl)
                    for st, tpl in _distinct(mine, 2)]
    refined.sort(key=lambda e: e[0].cost)
    return refined, found


def fit_limb_templates(limb: trimesh.Trimesh, kind: str, *,
                       templates: tuple[str, ...] | None = None, n_points: int = 2000,
                       seed: int = 0) -> dict[str, CropFit] | None:
    """Fit the templates of ``kind`` to an aligned limb (+Z proximal, distal end at z = 0),
    as a right and as a left limb.

    Parameters
    ----------
    limb
        The limb's surface, mm, on its long axis; its turn about the axis is unknown.
    kind
        One of :data:`CROP_KINDS`; any other kind has no template (None).
    templates
        Bodies whose templates to use (``("VH_M",)``...); default all of them.
    n_points, seed
        Points sampled on the limb for the fit.

    Returns
    -------
    dict or None
        ``{"right": CropFit, "left": CropFit}``; None for a kind without templates or a limb
        too small to fit.  Check :attr:`CropFit.confident` before using a fit.
    """
    if kind not in CROP_KINDS:
        return None
    tpls = [t for t in load_templates(kind) if templates is None or t.body in templates]
    if not tpls:
        raise ValueError(f"no {kind} template of {', '.join(templates or ())}; bodies: "
                         f"{', '.join(sorted({t.body for t in load_templates(kind)}))}")
    if len(limb.faces) == 0 or limb.area <= 0:
        return None
    pts = np.asarray(trimesh.sample.sample_surface(limb, n_points, seed=seed)[0])
    top = float(np.quantile(pts[:, 2], 0.998))
    if top < 40.0:
        return None
    hints = {}
    for t in tpls:
        depth = min(80.0, 0.5 * top)
        a, b = _band(t.vertices, t.top_z_mm, depth), _band(pts, top, depth)
        hints[t.name] = float(np.clip(b[1] / a[1], 0.7, 1.4)) if a and b else 1.0
    pulling = pts[pts[:, 2] < top - BRIM_BAND_MM[kind]]
    rng = np.random.default_rng(seed + 1)
    coarse = rng.choice(len(pulling), size=min(_COARSE_POINTS, len(pulling)), replace=False)
    results = {s: _search(tpls, s, pulling, coarse, top, hints) for s in ("right", "left")}
    return {side: _side_fit(kind, side, results, pts, pulling, top) for side in results}


def _side_fit(kind: str, side: str, results: dict, pts: np.ndarray, pulling: np.ndarray,
              top: float) -> CropFit:
    """One side's fit from the searches of both sides (see :func:`fit_limb_templates`)."""
    refined, coarse = results[side]
    best, tpl = refined[0]
    # No one body is the population: the anterior is the mean of the templates' turns that
    # agree with the best one (within 40 degrees), weighted by the inverse of their costs.
    agree = {}
    for st, t in refined:
        if abs(angle_diff(turn_of(st), turn_of(best))) < 40 and t.name not in agree:
            agree[t.name] = st
    a = np.radians([turn_of(st) for st in agree.values()])
    w = np.array([1.0 / max(st.cost, 1e-9) for st in agree.values()])
    turn = float(np.degrees(np.arctan2(w @ np.sin(a), w @ np.cos(a))))
    # The rival: the best refined turn at least 40 degrees away (refined from the coarse
    # search when every refined turn came back within 40 degrees).
    rivals = [e[0] for e in refined if abs(angle_diff(turn_of(e[0]), turn)) > 40]
    if not rivals:
        far = [e for e in coarse if abs(angle_diff(turn_of(e[0]), turn)) > 40]
        if far:
            st, t = min(far, key=lambda e: e[0].cost)
            rivals = [_fit(t.prepared(side, thin=False), pulling, top, st.copy(), 10)]
    # ...and the best pose itself turned a quarter, a half and three quarters round and
    # refined alike: on a shape with no front (a cylinder) one of them fits as well.
    tp = tpl.prepared(side, thin=False)
    for deg in (90.0, 180.0, 270.0):
        st = best.copy()
        axis_xy = st.t[:2] + st.s * st.R[:2, :2] @ tp.v[:, :2].mean(axis=0)
        turn_r = rot_z(deg)
        st.R = turn_r @ st.R
        st.t = np.array([*(turn_r[:2, :2] @ (st.t[:2] - axis_xy) + axis_xy), st.t[2]])
        rivals.append(_fit(tp, pulling, top, st, 10))
    rival = min((q.cost for q in rivals if abs(angle_diff(turn_of(q), turn)) > 40),
                default=np.inf)
    ratio = float(np.sqrt(rival / best.cost)) if best.cost > 0 else np.inf
    other = results["left" if side == "right" else "right"][0][0][0]
    # The best template, turned about the long axis onto the agreed anterior.
    m = np.eye(4)
    m[:3, :3] = rot_z(angle_diff(turn, turn_of(best)))
    m = m @ best.matrix()
    tp = tpl.prepared(side, thin=False)
    v = trimesh.transform_points(tp.bend_points(tp.v, best.bend), m)
    d, _ = cKDTree(v).query(pts[pts[:, 2] < v[:, 2].max() - 5.0])
    names = list(tpl.marks(side))
    marks = trimesh.transform_points(
        tp.bend_points(np.array([tpl.marks(side)[k] for k in names]), best.bend), m)
    return CropFit(kind=kind, template=tpl.name, side=side, transform=m, scale=float(best.s),
                   girth=float(best.g),
                   bend_deg=tuple(float(b) for b in np.degrees(best.bend[:2])),
                   residual_mean_mm=best.residual_mm,
                   residual_p90_mm=float(np.quantile(d, 0.9)) if len(d) else np.inf,
                   inlier_fraction=best.inliers, rival_ratio=ratio,
                   other_side_residual_mm=float(other.residual_mm), anterior_deg=turn,
                   template_anteriors_deg={k: turn_of(st) for k, st in agree.items()},
                   landmarks=dict(zip(names, marks)))


def fit_limb_template(limb: trimesh.Trimesh, kind: str, *, side: str | None = None,
                      templates: tuple[str, ...] | None = None, n_points: int = 2000,
                      seed: int = 0) -> CropFit | None:
    """The fit of :func:`fit_limb_templates` for one side.

    ``side``: ``"right"`` or ``"left"``, the limb's side as the user gave it (the other
    side's residual is in :attr:`CropFit.other_side_residual_mm`, and
    :attr:`CropFit.other_side_better` says whether it fits clearly better); None: the side
    with the smaller residual (only the forearm's shape tells the sides apart).
    """
    if side not in (None, "right", "left"):
        raise ValueError(f"side {side!r} is not 'right' or 'left'")
    fits = fit_limb_templates(limb, kind, templates=templates, n_points=n_points, seed=seed)
    if fits is None:
        return None
    if side is None:
        side = min(fits, key=lambda s: fits[s].residual_mean_mm)
    return fits[side]
