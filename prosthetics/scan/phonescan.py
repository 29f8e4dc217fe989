"""Seeded phone-like scans made from clean meshes, with their ground truth.

A phone scan of a residual limb is a coloured point cloud in metres, in an arbitrary pose,
with the floor, the hand that steadies the limb, stray points, noise, and holes where the
camera did not see.  :func:`make_phone_scan` adds all of these to a clean limb mesh and keeps
the transform that lays the clean mesh (the truth) onto the scan, so accuracy can be measured.
The sample in ``scans/`` and the tests use this same function (``scripts/make_sample_scans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation


@dataclass(frozen=True, kw_only=True)
class PhoneScan:
    """A synthetic phone scan and its truth.

    Attributes
    ----------
    points : (n, 3) float64, in ``units``
    colors : (n, 3) uint8
    labels : (n,) int8
        0 limb, 1 floor, 2 hand, 3 stray (for tests only; a real scan has none).
    truth : trimesh.Trimesh
        The clean mesh, mm, in its own frame.
    truth_to_file : (4, 4) float64
        Maps truth coordinates (mm) to the scan file's coordinates (``units``).
    hole_area_fraction : float
        Share of the truth's surface left unsampled.
    """

    points: np.ndarray
    colors: np.ndarray
    labels: np.ndarray
    truth: trimesh.Trimesh
    truth_to_file: np.ndarray
    units: str
    hole_area_fraction: float
    #: The knee joint line in truth coordinates (mm): the truth is the limb below it.
    knee_z_mm: float | None = None
    #: The scene's kinds (:data:`SCENE_KINDS`), "today" for the limb, floor and hand only.
    scene: str = "today"


def _sample_surface(mesh: trimesh.Trimesh, n: int, rng: np.random.Generator) -> np.ndarray:
    """Area-weighted uniform points on a mesh; (n, 3)."""
    areas = mesh.area_faces
    face = rng.choice(len(areas), size=n, p=areas / areas.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    tri = mesh.triangles[face]
    return tri[:, 0] + r1[:, None] * (tri[:, 1] - tri[:, 0]) + r2[:, None] * (tri[:, 2] - tri[:, 0])


def _ellipsoid_points(center, axes, frame, n, rng) -> np.ndarray:
    """Points on an ellipsoid surface (roughly uniform), (n, 3)."""
    v = rng.normal(size=(n, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return center + (v * axes) @ frame.T


def _hand_points(center: np.ndarray, outward: np.ndarray, up: np.ndarray, n: int,
                 rng: np.random.Generator) -> np.ndarray:
    """A palm and four fingers facing the limb, about 100 x 180 mm."""
    side = np.cross(up, outward)
    frame = np.column_stack([outward, side, up])
    parts = [_ellipsoid_points(center, np.array([14.0, 42.0, 48.0]), frame, n // 2, rng)]
    for k in range(4):
        fc = center + up * (70.0 + 6 * (k % 2)) + side * (-27.0 + 18.0 * k) - outward * 4.0
        parts.append(_ellipsoid_points(fc, np.array([8.0, 8.0, 34.0]), frame, n // 8, rng))
    return np.vstack(parts)


def make_phone_scan(truth: trimesh.Trimesh, *, seed: int, n_points: int = 150_000,
                    noise_mm: float = 0.5, stray_fraction: float = 0.02,
                    hole_fraction: float = 0.10, floor: bool = True, hand: bool = True,
                    units: str = "m", scene: str = "today") -> PhoneScan:
    """Make a phone-like scan of a clean limb mesh.

    Parameters
    ----------
    truth
        Clean limb surface in mm, long axis roughly along its z, distal end at low z.
    seed
        Everything random follows from it.
    n_points
        Total points including floor, hand and strays.
    noise_mm
        Standard deviation of the Gaussian noise on each coordinate.
    stray_fraction
        Share of points scattered at random in the scene's box.
    hole_fraction
        Share of the limb's surface left unseen, as one patch in the middle of the limb.
    units
        "m" (phone apps) or "mm".
    scene
        "today" (the limb, a floor, a hand near it), or whole-scene kinds of
        :data:`SCENE_KINDS` joined by "+": "whole_leg" (the thigh above the knee, straight),
        "knee_flexed" (the thigh bent 30-90 degrees at the knee, on a chair seat),
        "other_leg" (the other shank and foot standing on the floor beside it), "hand" (a
        hand touching the limb).  Whole scenes also thin and blur what lies far from the
        phone's path and leave half the distal end's underside unseen.
    """
    kinds = parse_scene(scene)
    if kinds:
        return _scene_scan(truth, seed=seed, n_points=n_points, noise_mm=noise_mm,
                           stray_fraction=stray_fraction, hole_fraction=hole_fraction,
                           floor=floor, hand=hand, units=units, kinds=kinds)
    rng = np.random.default_rng(seed)
    truth = truth.copy()
    n_stray = int(round(stray_fraction * n_points))
    n_floor = int(0.18 * n_points) if floor else 0
    n_hand = int(0.08 * n_points) if hand else 0
    n_limb = n_points - n_stray - n_floor - n_hand

    # Limb: uniform samples over a larger count, then cut one patch out of the middle band.
    want = int(n_limb / (1.0 - hole_fraction)) if hole_fraction > 0 else n_limb
    limb = _sample_surface(truth, want, rng)
    z = truth.vertices[:, 2]
    zlo, zhi = z.min(), z.max()
    hole_frac = 0.0
    if hole_fraction > 0:
        band = np.flatnonzero((limb[:, 2] > zlo + 0.3 * (zhi - zlo)) &
                              (limb[:, 2] < zlo + 0.7 * (zhi - zlo)))
        centre = limb[rng.choice(band)]
        d = np.linalg.norm(limb - centre, axis=1)
        radius = np.quantile(d, hole_fraction)
        keep = d > radius
        hole_frac = 1.0 - keep.mean()
        limb = limb[keep]
    limb = limb[rng.permutation(len(limb))[:n_limb]]
    parts, labels, colors = [limb], [np.zeros(len(limb), np.int8)], []
    skin = np.array([196, 152, 124])
    colors.append(np.clip(skin + rng.normal(0, 10, (len(limb), 3)), 0, 255))

    if floor:
        gap = rng.uniform(8.0, 30.0)
        c = truth.vertices.mean(axis=0)
        xy = rng.uniform(-250, 250, size=(n_floor, 2)) + c[:2]
        fl = np.column_stack([xy, np.full(n_floor, zlo - gap)])
        parts.append(fl)
        labels.append(np.full(n_floor, 1, np.int8))
        colors.append(np.clip(np.array([118, 116, 120]) + rng.normal(0, 12, (n_floor, 3)), 0, 255))

    if hand:
        # The hand steadies the limb near it, not on it.
        hp = _spaced_hand(truth, rng, n_hand)
        parts.append(hp)
        labels.append(np.full(len(hp), 2, np.int8))
        colors.append(np.clip(np.array([214, 170, 140]) + rng.normal(0, 10, (len(hp), 3)), 0, 255))

    scene = np.vstack(parts)
    scene = scene + rng.normal(0.0, noise_mm, size=scene.shape)
    if n_stray:
        lo, hi = scene.min(axis=0), scene.max(axis=0)
        pad = 0.1 * (hi - lo)
        st = rng.uniform(lo - pad, hi + pad, size=(n_stray, 3))
        scene = np.vstack([scene, st])
        labels.append(np.full(n_stray, 3, np.int8))
        colors.append(rng.uniform(0, 255, size=(n_stray, 3)))
    labels_a = np.concatenate(labels)
    colors_a = np.vstack(colors).astype(np.uint8)

    # Random pose: any rotation, a translation of up to a metre, then the file unit.
    pose = np.eye(4)
    pose[:3, :3] = Rotation.random(random_state=rng.integers(2**31)).as_matrix()
    pose[:3, 3] = rng.uniform(-1000, 1000, size=3)
    scale = {"m": 1e-3, "mm": 1.0}[units]
    to_file = np.diag([scale, scale, scale, 1.0]) @ pose
    pts = trimesh.transform_points(scene, to_file)
    order = rng.permutation(len(pts))
    return PhoneScan(points=pts[order], colors=colors_a[order], labels=labels_a[order],
                     truth=truth, truth_to_file=to_file, units=units,
                     hole_area_fraction=float(hole_frac), knee_z_mm=float(zhi))


def write_ply(path, points: np.ndarray, colors: np.ndarray | None = None) -> None:
    """Write a binary little-endian PLY point cloud (float32 xyz, uchar rgb)."""
    n = len(points)
    fields = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    if colors is not None:
        fields += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    arr = np.empty(n, dtype=fields)
    arr["x"], arr["y"], arr["z"] = points.T.astype(np.float32)
    if colors is not None:
        arr["red"], arr["green"], arr["blue"] = colors.T
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {n}",
              "property float x", "property float y", "property float z"]
    if colors is not None:
        header += ["property uchar red", "property uchar green", "property uchar blue"]
    header.append("end_header")
    with open(path, "wb") as fh:
        fh.write(("\n".join(header) + "\n").encode("ascii"))
        fh.write(arr.tobytes())


# ----------------------------------------------------------------------------- whole scenes
#
# A phone scan of a residual limb often holds more than the limb: the thigh above the knee
# (straight, or flexed when the patient sits), the other leg standing on the floor beside
# it, the chair seat under the thigh, a hand touching the limb.  The phone circles the limb,
# so what lies far from its path is sparser and noisier, and the distal end's underside is
# half unseen.  The truth stays the residual limb below the knee joint line.

#: Scene kinds by name; a scene is one name or several joined by "+" ("knee_flexed+hand").
SCENE_KINDS = ("today", "whole_leg", "knee_flexed", "other_leg", "hand")

#: Labels of the scene's points beyond those of :class:`PhoneScan` (0-3).
THIGH, OTHER_LEG, CHAIR = 4, 5, 6


def parse_scene(scene: str) -> frozenset[str]:
    """The kinds named in ``scene`` ("today" alone is the empty set)."""
    kinds = frozenset(k.strip() for k in scene.split("+") if k.strip())
    unknown = kinds - set(SCENE_KINDS)
    if unknown or not kinds:
        raise ValueError(f"unknown scene {scene!r}; use {', '.join(SCENE_KINDS)} or several "
                         f"joined by '+'")
    if "whole_leg" in kinds and "knee_flexed" in kinds:
        raise ValueError("a scene has a straight or a flexed knee, not both")
    return kinds - {"today"}


@dataclass(frozen=True)
class _Tube:
    """A bent tube: a centreline in a plane, sections blended from a rim to an ellipse.

    Arc length ``s`` runs from the rim (s = 0) up; the tube goes straight for ``s_bend``
    mm, bends by ``angle`` toward ``bend_dir`` on a circle of radius ``bend_radius``, then
    goes straight to ``length``.
    """

    origin: np.ndarray          # (3,) rim centre
    up: np.ndarray              # (3,) the limb's direction at the rim
    bend_dir: np.ndarray        # (3,) unit, perpendicular to up
    s_bend: float
    angle: float                # rad
    bend_radius: float
    length: float
    rim_angles: np.ndarray      # (k,) rad about up, from bend_dir
    rim_radii: np.ndarray       # (k,) mm
    flare: float                # thigh radius / knee radius at the end of the flare
    flare_mm: float
    taper: float                # extra growth from the flare to the end

    def frame(self, s: np.ndarray):
        """Centre (n, 3), tangent (n, 3) and bend-side unit vector (n, 3) at ``s``."""
        s = np.asarray(s, dtype=float)
        arc = self.bend_radius * self.angle
        u = np.clip(s - self.s_bend, 0.0, arc)
        phi = u / self.bend_radius if self.bend_radius > 0 else np.zeros_like(u)
        before = np.minimum(s, self.s_bend)
        after = np.maximum(s - self.s_bend - arc, 0.0)
        tangent = np.cos(phi)[:, None] * self.up + np.sin(phi)[:, None] * self.bend_dir
        normal = -np.sin(phi)[:, None] * self.up + np.cos(phi)[:, None] * self.bend_dir
        centre = (self.origin + before[:, None] * self.up
                  + self.bend_radius * (np.sin(phi)[:, None] * self.up
                                        + (1 - np.cos(phi))[:, None] * self.bend_dir)
                  + after[:, None] * tangent)
        return centre, tangent, normal

    def radius(self, s: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Section radius (mm) at arc length ``s`` and angle ``theta`` (from bend_dir)."""
        r0 = float(self.rim_radii.mean())
        rim = np.interp(theta, self.rim_angles, self.rim_radii, period=2 * np.pi)
        w = np.clip(s / self.flare_mm, 0.0, 1.0)
        w = w * w * (3 - 2 * w)
        # The thigh is wider side to side than front to back.
        ellipse = r0 * self.flare / np.sqrt((np.cos(theta) / 0.9) ** 2 + (np.sin(theta) / 1.1) ** 2)
        grow = 1.0 + self.taper * np.clip((s - self.flare_mm) / max(self.length - self.flare_mm, 1.0),
                                          0.0, 1.0)
        return ((1 - w) * rim + w * ellipse) * grow

    def points(self, s: np.ndarray, theta: np.ndarray) -> np.ndarray:
        centre, _t, normal = self.frame(s)
        side = np.cross(self.up, self.bend_dir)
        side = side / np.linalg.norm(side)
        r = self.radius(s, theta)
        return centre + r[:, None] * (np.cos(theta)[:, None] * normal
                                      + np.sin(theta)[:, None] * side)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """About ``n`` points spread evenly over the tube's surface."""
        m = 3 * n
        s = rng.uniform(0.0, self.length, m)
        th = rng.uniform(-np.pi, np.pi, m)
        # Area weight: the radius, and the stretch of the outer side of the bend.
        r = self.radius(s, th)
        in_bend = (s > self.s_bend) & (s < self.s_bend + self.bend_radius * self.angle)
        stretch = 1.0 - r * np.cos(th) / max(self.bend_radius, 1e-9)
        stretch = np.where(in_bend, stretch, 1.0)
        w = r * np.clip(stretch, 0.05, None)
        keep = rng.random(m) < w / w.max()
        s, th = s[keep][:n], th[keep][:n]
        return self.points(s, th)

    def mesh(self, step_mm: float = 3.0, first_ring: np.ndarray | None = None) -> trimesh.Trimesh:
        """A triangulated tube; ``first_ring`` (k, 3) replaces ring 0 (shared with a rim)."""
        k = len(self.rim_angles)
        s = np.arange(0.0, self.length + 1e-9, step_mm)
        ss = np.repeat(s, k)
        th = np.tile(self.rim_angles, len(s))
        v = self.points(ss, th).reshape(len(s), k, 3)
        if first_ring is not None:
            # Blend the rim's own vertices into the tube over its first 20 mm.
            off = first_ring - v[0]
            fade = np.clip(1.0 - s / 20.0, 0.0, 1.0)
            v = v + fade[:, None, None] * off[None]
        v = v.reshape(-1, 3)
        i = np.arange(len(s) - 1)[:, None] * k
        j = np.arange(k)[None, :]
        a, b = i + j, i + (j + 1) % k
        c, d = a + k, b + k
        faces = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3),
                                np.stack([a, d, c], -1).reshape(-1, 3)])
        return trimesh.Trimesh(v, faces, process=False)


def _rim(truth: trimesh.Trimesh):
    """The truth's open proximal rim: ordered vertices (k, 3), its centre (3,)."""
    m = truth.copy()
    m.merge_vertices()
    outline = m.outline()
    loops = [outline.vertices[e.points] for e in outline.entities]
    loop = max(loops, key=lambda p: p[:, 2].mean())
    if np.allclose(loop[0], loop[-1]):
        loop = loop[:-1]
    return loop, loop.mean(axis=0)


def _ring_tube(origin, up, bend_dir, radius, n_angles, **kw) -> _Tube:
    ang = np.linspace(-np.pi, np.pi, n_angles, endpoint=False)
    return _Tube(origin=origin, up=up, bend_dir=bend_dir, rim_angles=ang,
                 rim_radii=np.full(n_angles, radius), **kw)


@dataclass(frozen=True, kw_only=True)
class _Layout:
    """Where the parts of a whole scene are (truth coordinates, mm)."""

    kinds: frozenset
    thigh: _Tube | None
    rim: np.ndarray
    knee_z: float
    posterior: np.ndarray
    floor_z: float
    floor_centre: np.ndarray
    other_shank: _Tube | None
    other_thigh: _Tube | None
    foot: tuple | None          # (centre, axes, frame)
    seat: tuple | None          # (corner, edges (3, 3))
    hand: tuple | None          # (centre, outward)


def _layout(truth: trimesh.Trimesh, kinds: frozenset, rng: np.random.Generator) -> _Layout:
    z = truth.vertices[:, 2]
    zlo = z.min()
    loop, centre = _rim(truth)
    knee_z = float(centre[2])
    up = np.array([0.0, 0.0, 1.0])
    # Posterior: away from the distal end's offset (the cut tibia's anterior-distal corner).
    distal = truth.vertices[z < zlo + 10.0, :2].mean(axis=0) - truth.vertices[:, :2].mean(axis=0)
    post = -np.r_[distal, 0.0]
    post = post / np.linalg.norm(post) if np.linalg.norm(post) > 1e-6 else np.array([0, -1.0, 0])
    side = np.cross(up, post)
    d = loop - centre
    ang = np.arctan2(d @ side, d @ post)
    rad = np.linalg.norm(d[:, :2], axis=1)
    r0 = float(rad.mean())
    flexed = "knee_flexed" in kinds
    angle = np.radians(rng.uniform(30.0, 90.0)) if flexed else 0.0
    flare = rng.uniform(1.25, 1.45)
    tube_kw = dict(s_bend=rng.uniform(5.0, 15.0), angle=angle,
                   bend_radius=1.15 * r0 * flare if flexed else 0.0,
                   length=rng.uniform(250.0, 350.0), flare=flare,
                   flare_mm=rng.uniform(60.0, 100.0), taper=rng.uniform(0.05, 0.15))
    thigh = None
    if flexed or "whole_leg" in kinds:
        thigh = _Tube(origin=centre, up=up, bend_dir=post, rim_angles=ang, rim_radii=rad,
                      **tube_kw)
    gap = rng.uniform(8.0, 30.0)
    floor_z = zlo - gap
    floor_centre = truth.vertices.mean(axis=0)[:2]
    other_shank = other_thigh = foot = None
    if "other_leg" in kinds:
        floor_z = knee_z - rng.uniform(430.0, 500.0)
        dist = rng.uniform(120.0, 250.0)
        sign = rng.choice([-1.0, 1.0])
        # Keep a clear gap between the legs (calf 55 mm, limb up to ~60 mm).
        dist = max(dist, r0 + 55.0 + 15.0)
        # The shank starts inside the foot (its top 62 mm above the floor), so the two join.
        base = np.r_[centre[:2] + sign * dist * side[:2], floor_z + 45.0]
        shank_len = knee_z - base[2]
        # A shank from the ankle (radius 32) through the calf (55) to the knee (52).
        prof_s = np.array([0.0, 0.35, 0.6, 1.0]) * shank_len
        prof_r = np.array([30.0, 45.0, 55.0, 52.0])
        other_shank = _ShankTube(origin=base, up=up, bend_dir=post,
                                 rim_angles=np.linspace(-np.pi, np.pi, 96, endpoint=False),
                                 rim_radii=np.full(96, 32.0), s_bend=0.0, angle=0.0,
                                 bend_radius=0.0, length=shank_len, flare=1.0, flare_mm=1.0,
                                 taper=0.0, prof_s=prof_s, prof_r=prof_r)
        if thigh is not None:
            top = base + up * shank_len
            other_thigh = _ring_tube(top, up, post, 52.0, 96, **tube_kw)
        foot_c = np.r_[base[:2] - post[:2] * 70.0, floor_z + 30.0]
        foot = (foot_c, np.array([125.0, 48.0, 32.0]), np.column_stack([-post, side, up]))
        floor_centre = 0.5 * (floor_centre + base[:2])
    seat = None
    if flexed:
        # The seat under the thigh: its top touches the thigh's back, its front edge
        # 40-70 mm behind the knee's crease, 400 mm wide, 25 mm thick.
        c_end, t_end, n_end = thigh.frame(np.array([thigh.length]))
        t_end, n_end = t_end[0], n_end[0]
        s0 = thigh.s_bend + thigh.bend_radius * angle
        c0 = thigh.frame(np.array([s0]))[0][0]
        r_back = float(thigh.radius(np.array([s0 + 50.0]), np.array([0.0]))[0])
        front = c0 + t_end * rng.uniform(40.0, 70.0) + n_end * r_back
        corner = front - side * 200.0
        seat = (corner, np.array([t_end * 350.0, side * 400.0, n_end * 25.0]))
    hand = None
    if "hand" in kinds:
        a = rng.uniform(0, 2 * np.pi)
        hand = (a, rng.uniform(0.55, 0.75), rng.uniform(-2.0, 1.0))
    return _Layout(kinds=kinds, thigh=thigh, rim=loop, knee_z=knee_z, posterior=post,
                   floor_z=floor_z, floor_centre=floor_centre, other_shank=other_shank,
                   other_thigh=other_thigh, foot=foot, seat=seat, hand=hand)


@dataclass(frozen=True)
class _ShankTube(_Tube):
    """A straight tube whose radius follows a profile along it (the other leg's shank)."""

    prof_s: np.ndarray = None
    prof_r: np.ndarray = None

    def radius(self, s, theta):
        r = np.interp(s, self.prof_s, self.prof_r)
        return r / np.sqrt((np.cos(theta) / 0.92) ** 2 + (np.sin(theta) / 1.08) ** 2)


def _skin_depth(skin: trimesh.Trimesh, pts: np.ndarray):
    """How far points lie outside the skin along its outward normal (mm; < 0: inside),
    the nearest skin vertices and their outward normals."""
    _d, idx = cKDTree(skin.vertices).query(pts)
    normals = skin.vertex_normals[idx]
    # Outward: away from the limb's axis (the mesh's winding is not relied on).
    centre = skin.vertices[:, :2].mean(axis=0)
    radial = np.c_[skin.vertices[idx, :2] - centre, np.zeros(len(idx))]
    normals = normals * np.where(np.einsum("ij,ij->i", normals, radial) < 0, -1.0, 1.0)[:, None]
    return np.einsum("ij,ij->i", pts - skin.vertices[idx], normals), idx, normals


def _touching_hand(truth, layout, n, rng, flatten: bool = True) -> np.ndarray:
    a, frac, gap = layout.hand
    z = truth.vertices[:, 2]
    zlo, zhi = z.min(), z.max()
    outward = np.array([np.cos(a), np.sin(a), 0.0])
    hz = zlo + frac * (zhi - zlo)
    centre = truth.vertices.mean(axis=0) * np.array([1, 1, 0]) + np.array([0, 0, hz])
    near = np.abs(truth.vertices[:, 2] - hz) < 40
    reach = (truth.vertices[near] - centre) @ outward
    hp = _hand_points(centre + outward * (reach.max() + 20.0), outward,
                      np.array([0.0, 0.0, 1.0]), n, rng)
    # Press the palm onto the limb: its nearest point ``gap`` mm from the skin.
    skin = truth.copy()
    skin.merge_vertices()
    near_d = cKDTree(skin.vertices).query(hp)[0].min()
    hp = hp - outward * (near_d - gap)
    depth, idx, normals = _skin_depth(skin, hp)
    if not flatten:
        # A rigid hand (a mesh): moved out until nothing of it is inside the limb.
        return hp + outward * max(0.0, 0.5 - float(depth.min()))
    # What would sink into the limb (fingers along a limb that widens) lies flat on the
    # skin instead, half a millimetre out.
    inside = depth < 0.5
    hp[inside] = skin.vertices[idx[inside]] + 0.5 * normals[inside]
    return hp


def _box_points(corner, edges, n, rng) -> np.ndarray:
    """Points over the surface of a box given by a corner and three edge vectors."""
    e = np.asarray(edges)
    lens = np.linalg.norm(e, axis=1)
    areas = np.array([lens[1] * lens[2], lens[0] * lens[2], lens[0] * lens[1]])
    face = rng.choice(3, size=n, p=areas / areas.sum())
    uv = rng.random((n, 3))
    uv[np.arange(n), face] = rng.integers(0, 2, n)
    return corner + uv @ e


def _distance_to_path(pts, centre_xy, radius, z_path):
    """Distance (mm) from points to the phone's path: a circle about the limb."""
    rho = np.linalg.norm(pts[:, :2] - centre_xy, axis=1)
    return np.hypot(rho - radius, pts[:, 2] - z_path)


def _scene_scan(truth, *, seed, n_points, noise_mm, stray_fraction, hole_fraction, floor,
                hand, units, kinds) -> PhoneScan:
    rng = np.random.default_rng(seed)
    truth = truth.copy()
    lay = _layout(truth, kinds, rng)
    z = truth.vertices[:, 2]
    zlo, zhi = z.min(), z.max()
    limb_area = truth.area
    # Points per mm^2 as on today's scans (0.72 of the points on the limb).
    density = 0.72 * n_points / limb_area
    parts, labels = [], []

    # Limb, with its hole and the underside of the distal end half unseen.
    n_limb = int(density * limb_area / max(1e-9, 1.0 - hole_fraction))
    areas = truth.area_faces
    face = rng.choice(len(areas), size=n_limb, p=areas / areas.sum())
    r1, r2 = rng.random(n_limb), rng.random(n_limb)
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    tri = truth.triangles[face]
    limb = tri[:, 0] + r1[:, None] * (tri[:, 1] - tri[:, 0]) + r2[:, None] * (tri[:, 2] - tri[:, 0])
    nz = truth.face_normals[face]
    hole_frac = 0.0
    keep = np.ones(len(limb), bool)
    if hole_fraction > 0:
        band = np.flatnonzero((limb[:, 2] > zlo + 0.3 * (zhi - zlo)) &
                              (limb[:, 2] < zlo + 0.7 * (zhi - zlo)))
        centre = limb[rng.choice(band)]
        d = np.linalg.norm(limb - centre, axis=1)
        keep &= d > np.quantile(d, hole_fraction)
    hole_frac = 1.0 - keep.mean()
    # The phone looks from the side: half the underside of the distal end is not seen.
    u = rng.uniform(0, 2 * np.pi)
    half = (limb[:, :2] - limb[:, :2].mean(axis=0)) @ np.array([np.cos(u), np.sin(u)]) > 0
    underside = (nz[:, 2] < -0.5) & (limb[:, 2] < zlo + 40.0) & half
    keep &= ~underside
    limb = limb[keep]
    parts.append(limb)
    labels.append(np.zeros(len(limb), np.int8))

    def add(pts, label):
        parts.append(pts)
        labels.append(np.full(len(pts), label, np.int8))

    def n_for(area, share=0.6):
        # Beyond the limb the phone lingers less: 0.6 of its density on legs, 0.15 on
        # floors and furniture.
        return int(share * density * area)

    if lay.thigh is not None:
        t = lay.thigh
        area = 2 * np.pi * t.rim_radii.mean() * t.flare * t.length
        add(t.sample(n_for(area), rng), THIGH)
    if lay.other_shank is not None:
        t = lay.other_shank
        add(t.sample(n_for(2 * np.pi * 46.0 * t.length), rng), OTHER_LEG)
        if lay.other_thigh is not None:
            t = lay.other_thigh
            add(t.sample(n_for(2 * np.pi * 52.0 * t.flare * t.length), rng), OTHER_LEG)
        fc, fa, ff = lay.foot
        fp = _ellipsoid_points(fc, fa, ff, n_for(4 * np.pi * 60.0 ** 2), rng)
        fp[:, 2] = np.maximum(fp[:, 2], lay.floor_z + 1.0)     # the sole on the floor
        add(fp, OTHER_LEG)
    if lay.seat is not None:
        corner, edges = lay.seat
        add(_box_points(corner, edges, n_for(2 * 350 * 400 + 2 * 25 * 750, 0.15), rng), CHAIR)
    if floor:
        n_floor = int(0.18 * n_points)
        xy = rng.uniform(-250, 250, size=(n_floor, 2)) + lay.floor_centre
        add(np.column_stack([xy, np.full(n_floor, lay.floor_z)]), 1)
    if lay.hand is not None:
        hp = _touching_hand(truth, lay, int(0.08 * n_points), rng)
        # The skin under the hand is not seen: none within 10 mm of where it touches.
        contact = hp[cKDTree(truth.vertices).query(hp)[0] < 3.0]
        if len(contact):
            seen = cKDTree(contact).query(parts[0])[0] > 10.0
            parts[0], labels[0] = parts[0][seen], labels[0][seen]
        add(hp, 2)
    elif hand:
        add(_spaced_hand(truth, rng, int(0.08 * n_points)), 2)

    scene = np.vstack(parts)
    labels_a = np.concatenate(labels)
    # The phone circles the limb 300-400 mm from its axis at mid-height: points further
    # from that path are sparser and noisier.
    c_xy = truth.vertices[:, :2].mean(axis=0)
    d = _distance_to_path(scene, c_xy, rng.uniform(300.0, 400.0), 0.5 * (zlo + zhi))
    d_near = np.quantile(d[labels_a == 0], 0.05)
    keep = rng.random(len(scene)) < np.exp(-np.clip(d - d_near, 0.0, None) / 350.0)
    scene, labels_a, d = scene[keep], labels_a[keep], d[keep]
    sigma = noise_mm * np.clip(d / d_near, 1.0, 3.0)
    scene = scene + rng.normal(0.0, 1.0, size=scene.shape) * sigma[:, None]
    n_stray = int(round(stray_fraction * len(scene)))
    if n_stray:
        lo, hi = scene.min(axis=0), scene.max(axis=0)
        pad = 0.1 * (hi - lo)
        scene = np.vstack([scene, rng.uniform(lo - pad, hi + pad, size=(n_stray, 3))])
        labels_a = np.concatenate([labels_a, np.full(n_stray, 3, np.int8)])
    palette = {0: [196, 152, 124], 1: [118, 116, 120], 2: [214, 170, 140], 3: [128, 128, 128],
               THIGH: [196, 152, 124], OTHER_LEG: [190, 150, 122], CHAIR: [90, 60, 40]}
    base = np.array([palette[int(k)] for k in labels_a], dtype=float)
    colors = np.clip(base + rng.normal(0, 10, base.shape), 0, 255)
    colors[labels_a == 3] = rng.uniform(0, 255, size=(int((labels_a == 3).sum()), 3))
    to_file = _random_pose(rng, units)
    pts = trimesh.transform_points(scene, to_file)
    order = rng.permutation(len(pts))
    return PhoneScan(points=pts[order], colors=colors.astype(np.uint8)[order],
                     labels=labels_a[order], truth=truth, truth_to_file=to_file, units=units,
                     hole_area_fraction=float(hole_frac), knee_z_mm=lay.knee_z,
                     scene="+".join(sorted(kinds)) or "today")


def _spaced_hand(truth, rng, n) -> np.ndarray:
    """Today's hand: near the limb, 15-25 mm clear of it."""
    z = truth.vertices[:, 2]
    zlo, zhi = z.min(), z.max()
    ang = rng.uniform(0, 2 * np.pi)
    outward = np.array([np.cos(ang), np.sin(ang), 0.0])
    hz = zlo + rng.uniform(0.55, 0.75) * (zhi - zlo)
    near = np.abs(z - hz) < 40
    reach = (truth.vertices[near] - truth.vertices.mean(axis=0)) @ outward
    centre = truth.vertices.mean(axis=0) * np.array([1, 1, 0]) + np.array([0, 0, hz])
    centre = centre + outward * (reach.max() + rng.uniform(20.0, 30.0))
    hp = _hand_points(centre, outward, np.array([0.0, 0.0, 1.0]), n, rng)
    gap = rng.uniform(15.0, 25.0)
    near_d = cKDTree(truth.vertices).query(hp)[0].min()
    if near_d < gap:
        hp = hp + outward * (gap - near_d + 2.0)
    return hp


def _random_pose(rng, units) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] = Rotation.random(random_state=rng.integers(2**31)).as_matrix()
    pose[:3, 3] = rng.uniform(-1000, 1000, size=3)
    scale = {"m": 1e-3, "mm": 1.0}[units]
    return np.diag([scale, scale, scale, 1.0]) @ pose


@dataclass(frozen=True, kw_only=True)
class SceneMesh:
    """A whole scene as a phone app's mesh export: separate parts, in the file's units.

    Attributes
    ----------
    parts : dict of str to trimesh.Trimesh
        "leg" (the limb with the thigh joined at its rim, or the limb alone), and "floor",
        "hand", "other_leg", "chair" when the scene has them.
    truth, truth_to_file, units, knee_z_mm, scene
        As in :class:`PhoneScan`.
    """

    parts: dict
    truth: trimesh.Trimesh
    truth_to_file: np.ndarray
    units: str
    knee_z_mm: float
    scene: str

    def export(self, path) -> None:
        """Write the parts as one file: GLB (one node per part, metres), OBJ (groups), or
        USD (.usdz, .usdc, .usda) as an iPhone LiDAR app shares it (:func:`write_usd_scene`:
        Y up, the stage's metersPerUnit, one mesh prim per part)."""
        if Path(path).suffix.lower() in _USD_SUFFIXES:
            write_usd_scene(path, self.parts, meters_per_unit=_METERS_PER_UNIT[self.units])
            return
        sc = trimesh.Scene()
        for name, m in self.parts.items():
            sc.add_geometry(m, geom_name=name, node_name=name)
        sc.export(str(path))

    def truth_to_written(self, path) -> np.ndarray:
        """:attr:`truth_to_file` for the file :meth:`export` wrote to ``path``: the same,
        except in a USD stage, whose world is Y up."""
        if Path(path).suffix.lower() in _USD_SUFFIXES:
            return _Z_UP_TO_Y_UP @ self.truth_to_file
        return np.array(self.truth_to_file)


_USD_SUFFIXES = (".usdz", ".usdc", ".usda")
_METERS_PER_UNIT = {"m": 1.0, "mm": 0.001, "cm": 0.01}
#: A Z-up frame as a Y-up stage holds it: (x, y, z) -> (x, z, -y), the inverse of the
#: reader's Y-up-to-Z-up turn.
_Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0],
                          [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])


def write_usd_scene(path, parts: dict, *, meters_per_unit: float = 1.0) -> None:
    """Write meshes (Z up, in units of ``meters_per_unit``) as a Y-up USD stage, the way
    iPhone LiDAR apps share a scan: a root transform turns the scene Y up, and each part is
    a ``UsdGeom.Mesh`` under it.  A ``.usdz`` is packaged from a ``.usdc`` layer written
    beside it (and removed).  Needs usd-core (``pxr``)."""
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdUtils, Vt

    path = Path(path)
    layer_path = path.with_suffix(".usdc") if path.suffix.lower() == ".usdz" else path
    stage = Usd.Stage.CreateNew(str(layer_path))
    stage.SetMetadata("metersPerUnit", float(meters_per_unit))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
    root = UsdGeom.Xform.Define(stage, "/scan")
    stage.SetDefaultPrim(root.GetPrim())
    # USD matrices act on row vectors: the transpose of the column-vector form.
    root.AddTransformOp().Set(Gf.Matrix4d(_Z_UP_TO_Y_UP.T.tolist()))
    for name, m in parts.items():
        prim = UsdGeom.Mesh.Define(stage, f"/scan/{name}")
        prim.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(m.vertices, np.float32)))
        faces = np.asarray(m.faces, np.int32)
        prim.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(faces), 3, np.int32)))
        prim.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(faces.ravel()))
    stage.GetRootLayer().Save()
    if layer_path != path:
        try:
            if not UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(str(layer_path)), str(path)):
                raise OSError(f"USD could not package {path.name}")
        finally:
            layer_path.unlink(missing_ok=True)


def _ellipsoid_mesh(center, axes, frame, subdivisions=3) -> trimesh.Trimesh:
    s = trimesh.creation.icosphere(subdivisions=subdivisions)
    return trimesh.Trimesh(center + (s.vertices * axes) @ frame.T, s.faces, process=False)


def make_scene_mesh(truth: trimesh.Trimesh, *, seed: int, scene: str = "whole_leg",
                    noise_mm: float = 0.3, hole_fraction: float = 0.10, floor: bool = True,
                    hand: bool = True, units: str = "m") -> SceneMesh:
    """A whole scene as a phone app exports it: a mesh of the leg (limb and thigh as one
    surface, with a hole and vertex noise) and the floor, hand, other leg and chair as
    separate parts.  Same kinds and truth as :func:`make_phone_scan` with ``scene``."""
    kinds = parse_scene(scene)
    rng = np.random.default_rng(seed)
    truth = truth.copy()
    lay = _layout(truth, kinds, rng)
    limb = truth.copy()
    limb.merge_vertices()
    parts: dict[str, trimesh.Trimesh] = {}
    if lay.thigh is not None:
        tube = lay.thigh.mesh(first_ring=lay.rim)
        leg = trimesh.util.concatenate([limb, tube])
        leg.merge_vertices()
    else:
        leg = limb
    z = truth.vertices[:, 2]
    zlo, zhi = z.min(), z.max()
    leg.vertices = leg.vertices + rng.normal(0.0, noise_mm, leg.vertices.shape)
    if hole_fraction > 0:
        cen = leg.triangles_center
        band = np.flatnonzero((cen[:, 2] > zlo + 0.3 * (zhi - zlo)) &
                              (cen[:, 2] < zlo + 0.7 * (zhi - zlo)))
        c = cen[rng.choice(band)]
        d = np.linalg.norm(cen - c, axis=1)
        on_limb = cen[:, 2] < lay.knee_z
        # Grow the patch until it covers ``hole_fraction`` of the limb's area.
        order = np.argsort(d)
        cum = np.cumsum(np.where(on_limb, leg.area_faces, 0.0)[order])
        n_cut = int(np.searchsorted(cum, hole_fraction * truth.area))
        keep = np.ones(len(leg.faces), bool)
        keep[order[:n_cut]] = False
        leg.update_faces(keep)
        leg.remove_unreferenced_vertices()
    parts["leg"] = leg
    if floor:
        f = trimesh.creation.box(extents=[500.0, 500.0, 2.0])
        f.apply_translation(np.r_[lay.floor_centre, lay.floor_z - 1.0])
        f = f.subdivide().subdivide()
        parts["floor"] = f
    if lay.other_shank is not None:
        pieces = [lay.other_shank.mesh(step_mm=5.0)]
        if lay.other_thigh is not None:
            pieces.append(lay.other_thigh.mesh(step_mm=5.0))
        fc, fa, ff = lay.foot
        fm = _ellipsoid_mesh(fc, fa, ff)
        fm.vertices[:, 2] = np.maximum(fm.vertices[:, 2], lay.floor_z + 1.0)
        pieces.append(fm)
        parts["other_leg"] = trimesh.util.concatenate(pieces)
    if lay.seat is not None:
        corner, edges = lay.seat
        b = trimesh.creation.box(extents=[1.0, 1.0, 1.0])
        b.apply_translation([0.5, 0.5, 0.5])
        m = np.eye(4)
        m[:3, :3] = np.asarray(edges).T
        m[:3, 3] = corner
        b.apply_transform(m)
        parts["chair"] = b.subdivide().subdivide()
    if lay.hand is not None or hand:
        hp_rng = np.random.default_rng(seed + 7)
        hp = (_touching_hand(truth, lay, 4000, hp_rng, flatten=False) if lay.hand is not None
              else _spaced_hand(truth, hp_rng, 4000))
        hand_mesh = trimesh.Trimesh(*_hull_of_parts(hp), process=False)
        if lay.hand is not None:
            # The hulls span more than the points: out until the hand touches, not sinks.
            skin = truth.copy()
            skin.merge_vertices()
            depth = _skin_depth(skin, hand_mesh.vertices)[0]
            a = lay.hand[0]
            hand_mesh.apply_translation(np.array([np.cos(a), np.sin(a), 0.0])
                                        * max(0.0, 0.5 - float(depth.min())))
        parts["hand"] = hand_mesh
    to_file = _random_pose(rng, units)
    for m in parts.values():
        m.apply_transform(to_file)
    return SceneMesh(parts=parts, truth=truth, truth_to_file=to_file, units=units,
                     knee_z_mm=lay.knee_z, scene="+".join(sorted(kinds)) or "today")


def _hull_of_parts(hp: np.ndarray):
    """The hand's palm and fingers (the points of :func:`_hand_points`, palm first) as
    convex hulls, one per part."""
    n = len(hp)
    palm, rest = hp[: n // 2], hp[n // 2:]
    meshes = [trimesh.convex.convex_hull(palm)]
    for k in range(4):
        meshes.append(trimesh.convex.convex_hull(rest[k * (n // 8):(k + 1) * (n // 8)]))
    m = trimesh.util.concatenate(meshes)
    return m.vertices, m.faces
