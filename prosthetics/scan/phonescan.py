"""Seeded phone-like scans made from clean meshes, with their ground truth.

A phone scan of a residual limb is a coloured point cloud in metres, in an arbitrary pose,
with the floor, the hand that steadies the limb, stray points, noise, and holes where the
camera did not see.  :func:`make_phone_scan` adds all of these to a clean limb mesh and keeps
the transform that lays the clean mesh (the truth) onto the scan, so accuracy can be measured.
The sample in ``scans/`` and the tests use this same function (``scripts/make_sample_scans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

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
                    units: str = "m") -> PhoneScan:
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
    """
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
        ang = rng.uniform(0, 2 * np.pi)
        outward = np.array([np.cos(ang), np.sin(ang), 0.0])
        hz = zlo + rng.uniform(0.55, 0.75) * (zhi - zlo)
        near = np.abs(truth.vertices[:, 2] - hz) < 40
        reach = (truth.vertices[near] - truth.vertices.mean(axis=0)) @ outward
        centre = truth.vertices.mean(axis=0) * np.array([1, 1, 0]) + np.array([0, 0, hz])
        centre = centre + outward * (reach.max() + rng.uniform(20.0, 30.0))
        hp = _hand_points(centre, outward, np.array([0.0, 0.0, 1.0]), n_hand, rng)
        # Keep a clear gap to the limb: the hand steadies the limb near it, not on it.
        gap = rng.uniform(15.0, 25.0)
        near_d = cKDTree(truth.vertices).query(hp)[0].min()
        if near_d < gap:
            hp = hp + outward * (gap - near_d + 2.0)
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
                     hole_area_fraction=float(hole_frac))


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
