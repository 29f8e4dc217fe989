"""The bones inside a transtibial scan, from a statistical shape model fitted to its skin.

The model is OpenLimbTT (Sunderland et al. 2024; 33 limbs from MRI and CT; data CC-BY-SA
4.0, see ``models/README.md``): a mean limb with its skin, distal femur, patella, tibia and
fibula, and the modes of shape variation its published virtual patients span.  The fit
finds the similarity transform (rotation, translation, scale) and mode weights that lay the
model's skin on the scanned limb, then reads the bones' landmarks from the fitted model.

How the fit works, on an aligned limb (+Z proximal, distal end at z = 0, anterior unknown):

- a few thousand points sampled on the limb; for each, the nearest point of the model's
  skin and its normal; a robust (Tukey) point-to-plane Gauss-Newton step in rotation,
  translation, log-scale and mode weights (with a Gaussian prior on the weights); repeated;
- started from twelve turns about the long axis and both sides (the model is a right leg;
  its mirror image is a left one), coarse first on a thinned model, then the best few
  refined on the whole model;
- scan points above the model's own top (the thigh) and beyond the robust cut-off (hands,
  leftover noise) do not pull;
- a scan that stops below the fitted patella (the knee out of view) leaves the length above
  its top free: the fit is refined again with a much weaker prior on the scale, so that the
  calf's profile and the distal end set the length rather than the girth.

The fit's residual and how much better its turn is than the best different turn (the
three-lobed section of a limb gives rivals about 120 degrees apart) make its confidence.  A
poor fit is reported as such and the caller falls back to the rule from the sections' shape.
"""

from __future__ import annotations

import dataclasses
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh
from scipy.spatial import cKDTree

from prosthetics.limb.bones import BONY_NAMES, bony_landmarks

#: The model's data (shipped in the package).
MODEL_FILE = Path(__file__).parent / "models" / "openlimbtt.npz"
#: Parts of the model, in its files' order.
PARTS = ("skin", "femur", "patella", "tibia", "fibula")
#: A limb point further than this from the fitted skin counts as unexplained (mm).
CAP_MM = 6.0
#: Below this the fit is used; above it the section rule is (mean robust residual, mm).
MAX_RESIDUAL_MM = 3.0
#: The fit's turn must beat the best rival turn by this factor (residual ratio) to be trusted.
MIN_RIVAL_RATIO = 1.1
#: Weight of the prior holding the scale near the one the girth suggests (per point, mm^2 per
#: unit log-scale squared): a standard deviation of about 10 %.
SCALE_PRIOR = 100.0
#: The same when the scan stops below the fitted patella: a standard deviation of about 60 %.
#: The girth tells the length poorly (the girth's scale and the limb's differed by up to 25 %
#: on the test limbs); with the knee in view its features set the length and the prior only
#: steadies the fit, but without them the prior alone would hold the knee too low or too high.
OPEN_TOP_SCALE_PRIOR = 3.0


@dataclass(frozen=True)
class ShapeModel:
    """The shape model: mean vertices and modes (mm, limb frame, right leg)."""

    vertices: np.ndarray          # (n, 3)
    faces: np.ndarray             # (m, 3)
    part: np.ndarray              # (n,) index into PARTS
    modes: np.ndarray             # (k, n, 3), one standard deviation each

    @property
    def skin(self) -> np.ndarray:
        return np.flatnonzero(self.part == 0)

    def shape(self, b: np.ndarray) -> np.ndarray:
        """(n, 3) vertices for mode weights ``b`` (k,)."""
        return self.vertices + np.tensordot(b, self.modes, axes=1)

    def part_faces(self, k: int) -> np.ndarray:
        """Faces of part ``k``, indexing into that part's own vertices."""
        idx = np.flatnonzero(self.part == k)
        f = self.faces[np.all(self.part[self.faces] == k, axis=1)]
        remap = np.full(len(self.part), -1)
        remap[idx] = np.arange(len(idx))
        return remap[f]


@functools.lru_cache(maxsize=2)
def load_model(mirrored: bool = False) -> ShapeModel:
    """The transtibial shape model; ``mirrored``: the left leg (X flipped, faces turned)."""
    with np.load(MODEL_FILE) as d:
        v = d["vertices_mm"].astype(float)
        f = d["faces"].astype(np.int64)
        part = d["part"].astype(np.int8)
        modes = d["modes_mm"].astype(float)
    if mirrored:
        flip = np.array([-1.0, 1.0, 1.0])
        v, modes, f = v * flip, modes * flip, f[:, ::-1].copy()
    return ShapeModel(vertices=v, faces=f, part=part, modes=modes)


def vertex_normals(v: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals, (n, 3), unit (zero where a vertex has no face)."""
    tri = v[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    idx = faces.reshape(-1)
    n = np.column_stack([np.bincount(idx, np.repeat(fn[:, c], 3), minlength=len(v))
                         for c in range(3)])
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.where(norm > 0, norm, 1.0)


def _skew(a: np.ndarray) -> np.ndarray:
    return np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])


def rodrigues(w: np.ndarray) -> np.ndarray:
    th = np.linalg.norm(w)
    if th < 1e-12:
        return np.eye(3)
    k = _skew(w / th)
    return np.eye(3) + np.sin(th) * k + (1 - np.cos(th)) * k @ k


def rot_z(deg: float) -> np.ndarray:
    t = np.radians(deg)
    return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])


@dataclass
class _State:
    """Model pose: x = s R D (mean + modes b) + t, D = diag(g, g, 1) (girth against length)."""

    R: np.ndarray
    t: np.ndarray
    s: float
    b: np.ndarray
    g: float = 1.0
    cost: float = np.inf
    residual_mm: float = np.inf
    inliers: float = 0.0


def step_pose(st, d: np.ndarray, centre: np.ndarray) -> None:
    """Apply a Gauss-Newton step ``d`` (rotation 0-2, translation 3-5, log-scale 6, log-girth
    7) to a pose ``st`` (``R``, ``t``, ``s``, ``g``) about ``centre``, kept small: a turn of
    at most 10 degrees, 1.1x in scale and girth; the girth stays within 0.7-1.4."""
    d[0:3] *= min(1.0, np.radians(10) / max(np.linalg.norm(d[0:3]), 1e-12))
    d[6:8] = np.clip(d[6:8], -0.1, 0.1)
    dR = rodrigues(d[0:3])
    ds = 1.0 + d[6]
    st.t = ds * dR @ (st.t - centre) + centre + d[3:6]
    st.R = dR @ st.R
    st.s *= ds
    st.g = float(np.clip(st.g * (1.0 + d[7]), 0.7, 1.4))


def _icp(model: ShapeModel, keep: np.ndarray, skin_faces: np.ndarray, pts: np.ndarray,
         st: _State, iterations: int, scale_hint: float, prior: float = 4.0,
         fixed_normals: np.ndarray | None = None,
         scale_prior: float = SCALE_PRIOR) -> _State:
    """Robust point-to-plane Gauss-Newton on pose, scale and mode weights.

    ``keep``: model skin vertex indices used (a thinned set in the coarse stage).
    ``skin_faces`` index the model's vertices (normals are taken on the whole skin) unless
    ``fixed_normals`` (the mean shape's, model frame, for ``keep``) are given.
    ``scale_hint``: the scale the limb's girth suggests; a prior (weight ``scale_prior``, see
    :data:`SCALE_PRIOR`) holds the scale near it, so length is matched by the model's own modes.
    """
    k = len(st.b)
    top_local = None
    for it in range(iterations):
        girth = np.array([st.g, st.g, 1.0])
        if fixed_normals is None:
            local_all = model.shape(st.b) * girth
            x_all = st.s * local_all @ st.R.T + st.t
            x = x_all[keep]
            local = local_all[keep]
            n = vertex_normals(x_all, skin_faces)[keep]
        else:
            local = (model.vertices[keep] + np.tensordot(st.b, model.modes[:, keep], axes=1)) * girth
            x = st.s * local @ st.R.T + st.t
            n = fixed_normals / girth
            n = n / np.linalg.norm(n, axis=1, keepdims=True) @ st.R.T
        if top_local is None or it % 3 == 0:
            top_local = float(x[:, 2].max())
        use = pts[:, 2] < top_local - 5.0
        p = pts[use]
        dist, j = cKDTree(x).query(p)
        r = np.einsum("ij,ij->i", n[j], x[j] - p)
        # Tukey weights on a robust scale; never finer than the scan's noise.
        sigma = max(1.4826 * np.median(np.abs(r)), 1.0)
        c = 4.685 * sigma
        w = np.where(np.abs(r) < c, (1 - (r / c) ** 2) ** 2, 0.0)
        # Points whose nearest model point is far in the plane (beyond the model's
        # edge) are not on the modelled skin.
        w = np.where(dist < 4.0 * c, w, 0.0)
        centre = x.mean(axis=0)
        xc = x[j] - centre
        jac = np.zeros((len(p), 8 + k))
        jac[:, 0:3] = np.cross(xc, n[j])
        jac[:, 3:6] = n[j]
        jac[:, 6] = np.einsum("ij,ij->i", n[j], xc)
        radial = st.s * (local[j] * np.array([1.0, 1.0, 0.0])) @ st.R.T
        jac[:, 7] = np.einsum("ij,ij->i", n[j], radial)
        mj = (model.modes[:, keep][:, j] * girth) @ st.R.T * st.s          # (k, p, 3)
        jac[:, 8:] = np.einsum("kij,ij->ik", mj, n[j])
        a = jac.T @ (jac * w[:, None])
        g = jac.T @ (w * r)
        # Prior on the mode weights (b ~ N(0, 1)) and a little damping on everything.
        scale = max(w.sum(), 1.0) / max(len(p), 1)
        reg = np.zeros(8 + k)
        reg[8:] = prior * len(p) * scale / 100.0
        reg[6] = scale_prior * len(p) * scale
        reg[7] = 50.0 * len(p) * scale
        a[np.diag_indices_from(a)] += reg + 1e-6 * np.trace(a) / (8 + k)
        g[8:] += reg[8:] * st.b
        g[6] += reg[6] * np.log(st.s / scale_hint)
        g[7] += reg[7] * np.log(st.g)
        try:
            d = -np.linalg.solve(a, g)
        except np.linalg.LinAlgError:
            break
        # Keep steps small: 1 SD in the modes (the pose's own limits in step_pose).
        step_pose(st, d, centre)
        st.b = np.clip(st.b + np.clip(d[8:], -1.0, 1.0), -3.0, 3.0)
        wn = w.sum()
        # The cost compares poses over all the points: each point's squared distance capped
        # at CAP_MM, and a point the model does not reach (above its top) costs the cap, so
        # a pose cannot look better by shrinking the model off part of the limb.
        capped = np.minimum(r ** 2, CAP_MM ** 2)
        st.cost = float((capped.sum() + CAP_MM ** 2 * (len(pts) - len(p))) / len(pts))
        st.residual_mm = float(np.sum(w * np.abs(r)) / max(wn, 1.0))
        st.inliers = float(np.mean(w > 0)) * float(np.mean(use))
    return st


def fit_confidence(residual_mm: float, rival_ratio: float, good_mm: float,
                   limit_mm: float) -> float:
    """0-1: 1 at a residual of ``good_mm`` or less, 0 at ``limit_mm``; and 0 when a rival
    turn fits as well, 1 when it fits 30 % worse; the smaller of the two."""
    res = np.clip((limit_mm - residual_mm) / (limit_mm - good_mm), 0, 1)
    margin = np.clip((rival_ratio - 1.0) / 0.3, 0, 1)
    return float(min(res, margin))


def turned_fields(fit, deg: float) -> dict:
    """A fit's transform, anterior and landmarks after its frame turns ``deg`` about +Z."""
    m = np.eye(4)
    m[:3, :3] = rot_z(deg)
    return {"transform": m @ fit.transform, "anterior_deg": fit.anterior_deg + deg,
            "landmarks": {k: (m @ np.append(v, 1.0))[:3] for k, v in fit.landmarks.items()}}


@dataclass(frozen=True, kw_only=True)
class AnatomyFit:
    """The model fitted to one limb, in the limb frame the fit was given (mm).

    Attributes
    ----------
    side : "right" or "left"
    transform : (4, 4)
        Model coordinates (mm) to the limb frame: rotation times scale, plus translation.
    mode_weights : (k,)
        In standard deviations of the model.
    residual_mean_mm : float
        Robust mean distance of the limb's points to the fitted skin.
    inlier_fraction : float
        Share of the limb's points the fit used.
    rival_ratio : float
        Residual of the best turn at least 40 degrees away, over this fit's.
    confident : bool
        Good enough to place the anterior and the landmarks.
    landmarks : dict
        Bony landmarks (name -> (3,) mm, limb frame), see :mod:`prosthetics.limb.bones`.
    """

    side: str
    transform: np.ndarray
    mode_weights: np.ndarray
    scale: float
    residual_mean_mm: float
    residual_p90_mm: float
    inlier_fraction: float
    rival_ratio: float
    anterior_deg: float
    landmarks: dict = field(default_factory=dict)

    @property
    def confident(self) -> bool:
        return (self.residual_mean_mm <= MAX_RESIDUAL_MM and self.rival_ratio >= MIN_RIVAL_RATIO
                and self.inlier_fraction >= 0.5)

    @property
    def confidence(self) -> float:
        """0-1: from the residual (1 at <= 1 mm, 0 at the limit) and the rival margin."""
        return fit_confidence(self.residual_mean_mm, self.rival_ratio, 1.0, MAX_RESIDUAL_MM)

    def turned(self, deg: float) -> AnatomyFit:
        """The same fit after the limb frame is turned by ``deg`` about +Z."""
        return dataclasses.replace(self, **turned_fields(self, deg))

    def parts(self) -> dict[str, trimesh.Trimesh]:
        """The fitted model's skin and bones as meshes (limb frame, mm)."""
        model = load_model(self.side == "left")
        v = trimesh.transform_points(model.shape(self.mode_weights), self.transform)
        out = {}
        for k, name in enumerate(PARTS):
            idx = np.flatnonzero(model.part == k)
            out[name] = trimesh.Trimesh(v[idx], model.part_faces(k), process=False)
        return out

    def as_dict(self) -> dict:
        return {"method": "shape model" if self.confident else "shape model (poor fit)",
                "model": "OpenLimbTT 2025-04 (CC-BY-SA 4.0)",
                "side": self.side,
                "confidence": round(self.confidence, 2),
                "residual_mean_mm": round(self.residual_mean_mm, 2),
                "residual_p90_mm": round(self.residual_p90_mm, 2),
                "inlier_fraction": round(self.inlier_fraction, 3),
                "rival_ratio": round(self.rival_ratio, 3),
                "scale": round(self.scale, 4),
                "mode_weights_sd": [round(float(b), 2) for b in self.mode_weights],
                "points_mm": {k: [round(float(c), 2) for c in self.landmarks[k]]
                              for k in BONY_NAMES if k in self.landmarks}}


def _start(model: ShapeModel, pts: np.ndarray, turn_deg: float) -> _State:
    """Initial pose: turned about +Z, distal ends together, scaled by the distal girth."""
    skin = model.vertices[model.skin]
    band_m = (skin[:, 2] > 15) & (skin[:, 2] < 90)
    band_s = (pts[:, 2] > 15) & (pts[:, 2] < 90)
    cm = skin[band_m, :2].mean(axis=0)
    cs = pts[band_s, :2].mean(axis=0) if band_s.sum() > 20 else pts[:, :2].mean(axis=0)
    rm = np.median(np.linalg.norm(skin[band_m, :2] - cm, axis=1))
    rs = np.median(np.linalg.norm(pts[band_s, :2] - cs, axis=1)) if band_s.sum() > 20 else rm
    s = float(np.clip(rs / rm, 0.6, 1.6))
    R = rot_z(turn_deg)
    t = np.array([*(cs - s * R[:2, :2] @ cm), 0.0])
    return _State(R=R, t=t, s=s, b=np.zeros(len(model.modes)))


def turn_of(st: _State) -> float:
    """Where the model's anterior (+Y) points after the fit, deg from +Y (counter-clockwise)."""
    y = st.R @ np.array([0.0, 1.0, 0.0])
    return float(np.degrees(np.arctan2(-y[0], y[1])))


def pose_matrix(st: _State) -> np.ndarray:
    """(4, 4) model coordinates (mm) to the limb frame for a pose."""
    m = np.eye(4)
    m[:3, :3] = st.s * st.R @ np.diag([st.g, st.g, 1.0])
    m[:3, 3] = st.t
    return m


def knee_out_of_view(model: ShapeModel, st: _State, pts: np.ndarray) -> bool:
    """Whether the scan (``pts``, limb frame) stops below the posed model's patella (its
    inferior pole): then nothing in the scan shows where the knee is."""
    patella = trimesh.transform_points(model.shape(st.b)[model.part == 2], pose_matrix(st))
    return bool(pts[:, 2].max() < patella[:, 2].min())


def _distinct(states: list[_State], n: int, length_sd: float | None = None) -> list[_State]:
    """The ``n`` cheapest states whose turns differ by more than 20 degrees (or, with
    ``length_sd``, whose first mode weights differ by more than that)."""
    out: list[_State] = []
    for st in sorted(states, key=lambda q: q.cost):
        if all(abs(angle_diff(turn_of(st), turn_of(q))) > 20
               or (length_sd is not None and abs(st.b[0] - q.b[0]) > length_sd) for q in out):
            out.append(st)
        if len(out) == n:
            break
    return out


def _search(model: ShapeModel, pts: np.ndarray, coarse_pts: np.ndarray,
            hint: float) -> tuple[_State, float]:
    """The best pose of one side's model, and the rival ratio (see :class:`AnatomyFit`)."""
    skin = model.skin
    skin_faces = model.faces[np.all(model.part[model.faces] == 0, axis=1)]
    thin = skin[np.random.default_rng(3).permutation(len(skin))[:2000]]
    mean_normals = vertex_normals(model.vertices, skin_faces)[thin]
    turns = [_icp(model, thin, skin_faces, coarse_pts, _start(model, coarse_pts, turn), 8, hint,
                  fixed_normals=mean_normals) for turn in np.arange(0.0, 360.0, 30.0)]
    # The best distinct turns again from a short and a long limb (the first mode is the
    # residual length, whose basins lie far apart), then the best few refined on the whole
    # model and all the points.
    lengths = []
    for st in _distinct(turns, 2):
        for b1 in (-2.0, 2.0):
            st0 = _start(model, coarse_pts, turn_of(st))
            st0.b[0] = b1
            lengths.append(_icp(model, thin, skin_faces, coarse_pts, st0, 8, hint,
                                fixed_normals=mean_normals))
    coarse = turns + lengths
    refined = sorted((_icp(model, skin, skin_faces, pts, st, 10, hint)
                      for st in _distinct(coarse, 3, length_sd=1.0)), key=lambda q: q.cost)
    best = refined[0]
    if knee_out_of_view(model, best, pts):
        # The length above the scan's top is free: refined again with a weak scale prior,
        # and so is the best rival turn, so that the rival ratio compares like with like.
        refined = sorted((_icp(model, skin, skin_faces, pts, st, 10, hint,
                               scale_prior=OPEN_TOP_SCALE_PRIOR) for st in refined),
                         key=lambda q: q.cost)
        best = refined[0]
        far = [q for q in coarse if abs(angle_diff(turn_of(q), turn_of(best))) > 40]
        refined += [_icp(model, skin, skin_faces, pts,
                         dataclasses.replace(q, R=q.R.copy(), t=q.t.copy(), b=q.b.copy()), 10,
                         hint, scale_prior=OPEN_TOP_SCALE_PRIOR) for q in _distinct(far, 1)]
    rivals = [q.cost for q in refined[1:] + coarse
              if abs(angle_diff(turn_of(q), turn_of(best))) > 40]
    ratio = float(np.sqrt(min(rivals) / best.cost)) if rivals and best.cost > 0 else np.inf
    return best, ratio


def fit_anatomy(limb: trimesh.Trimesh, *, sides: tuple[str, ...] = ("right", "left"),
                n_points: int = 2500, seed: int = 0) -> dict[str, AnatomyFit]:
    """Fit the shape model to an aligned limb (+Z proximal, distal end at z = 0).

    Returns the best fit for each side asked (``"right"``: the model as it is; ``"left"``:
    its mirror image).  Each fit's ``anterior_deg`` is where the model's anterior points in
    the limb frame (0: +Y; counter-clockwise seen from proximal).
    """
    pts = np.asarray(trimesh.sample.sample_surface(limb, n_points, seed=seed)[0])
    rng = np.random.default_rng(seed + 1)
    coarse_pts = pts[rng.choice(len(pts), size=min(700, len(pts)), replace=False)]
    # The girth alone over-states the size of a bulbous limb: the prior on the scale
    # centres on the adult mean unless the limb is clearly small (a child's).
    hint = float(np.clip(_start(load_model(False), coarse_pts, 0.0).s, 0.75, 1.05))

    def fit(side: str) -> AnatomyFit:
        model = load_model(side == "left")
        best, ratio = _search(model, pts, coarse_pts, hint)
        m = pose_matrix(best)
        v = trimesh.transform_points(model.shape(best.b), m)
        marks = bony_landmarks(*(v[model.part == k] for k in (1, 2, 3, 4)))
        # Distances of all the points to the fitted skin, for the report.
        local = v[model.skin]
        d, _ = cKDTree(local).query(pts[pts[:, 2] < local[:, 2].max() - 5.0])
        return AnatomyFit(side=side, transform=m, mode_weights=best.b.copy(),
                          scale=float(best.s), residual_mean_mm=best.residual_mm,
                          residual_p90_mm=float(np.quantile(d, 0.9)) if len(d) else np.inf,
                          inlier_fraction=best.inliers, rival_ratio=ratio,
                          anterior_deg=turn_of(best), landmarks=marks)

    if len(sides) == 1:
        return {sides[0]: fit(sides[0])}
    # The sides are independent fits on the same points: side by side in threads (their
    # numpy and KD-tree work leaves the interpreter lock), 0.70 -> 0.44 s on the sample.
    with ThreadPoolExecutor(max_workers=len(sides)) as pool:
        return dict(zip(sides, pool.map(fit, sides)))


def angle_diff(a: float, b: float) -> float:
    return float((a - b + 180.0) % 360.0 - 180.0)
