"""The anatomy benchmark's test limbs: seeded, mirrored with their truth, truth on the scan."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import anatomy_cases as ac  # noqa: E402

UP = np.array([0.0, 0.0, 1.0])
POINTS = 20_000


def _limb_in_truth(case, ps) -> np.ndarray:
    """The scan's limb points laid back into the truth frame, (n, 3) mm."""
    return trimesh.transform_points(ps.points[ps.labels == 0], np.linalg.inv(ps.truth_to_file))


def _distance_to(mesh: trimesh.Trimesh, points: np.ndarray, k: int = 8) -> np.ndarray:
    """Distance (n,) from points to the mesh: exact to the ``k`` triangles of nearest centres
    (never less than the true distance; without Open3D, whose import alone takes seconds)."""
    _, idx = cKDTree(mesh.triangles_center).query(points, k=k)
    tri = mesh.triangles[idx.ravel()]
    rep = np.repeat(points, k, axis=0)
    d = np.linalg.norm(trimesh.triangles.closest_point(tri, rep) - rep, axis=1)
    return d.reshape(-1, k).min(axis=1)


def test_same_seed_same_case_and_scan():
    a, b = ac.make_case("openlimb", 5), ac.make_case("openlimb", 5)
    assert a.name == b.name
    assert np.array_equal(a.skin.vertices, b.skin.vertices)
    for k in a.landmarks:
        assert np.array_equal(a.landmarks[k], b.landmarks[k])
    pa, pb = a.phone_scan(POINTS), b.phone_scan(POINTS)
    assert np.array_equal(pa.points, pb.points) and np.array_equal(pa.labels, pb.labels)
    c = ac.make_case("openlimb", 6)
    assert c.source != a.source
    assert not np.allclose(c.phone_scan(POINTS).truth_to_file, pa.truth_to_file)


def test_cases_cover_every_limb_and_both_sides():
    names = ac.openlimb_names()
    assert len(names) == len(set(names)) == 22
    first = [ac.make_case("openlimb", k) for k in range(12)]
    # Twelve seeds hold four limbs of each source, both sides, and scans without the knee.
    assert sum(c.source.startswith("model") for c in first) == 4
    assert {c.side for c in first} == {"left", "right"}
    assert 2 <= sum(not c.knee_in_view for c in first) <= 4
    scales = [c.info["scale"] for c in first]
    assert min(scales) >= ac.SCALE_RANGE[0] and max(scales) <= ac.SCALE_RANGE[1]


def test_left_case_is_the_mirror_image_with_its_truth():
    left = ac.openlimb_case(1)
    assert left.side == "left"
    right = ac.openlimb_case(1, side="right")
    mirror = np.array([-1.0, 1.0, 1.0])
    assert np.allclose(left.skin.vertices, right.skin.vertices * mirror)
    assert np.allclose(left.anterior, right.anterior * mirror)
    for k in right.landmarks:
        assert np.allclose(left.landmarks[k], right.landmarks[k] * mirror, atol=1e-9), k
    # The fibula is lateral: on the side anterior x up for a right leg, the other for a left.
    for case, sign in ((right, 1.0), (left, -1.0)):
        lateral = np.cross(case.anterior, UP) * sign
        m = case.landmarks
        assert (m["fibular_head"] - m["tibial_plateau"]) @ lateral > 10.0
        assert (m["lateral_condyle"] - m["medial_condyle"]) @ lateral > 30.0
        # The skin's normals still point out of the limb.
        c = case.skin.triangles_center
        radial = c - np.array([*case.skin.vertices[:, :2].mean(axis=0), 0.0])
        radial[:, 2] = 0.0
        assert np.mean(np.sum(case.skin.face_normals * radial, axis=1) > 0) > 0.9


def test_truth_lands_on_the_scan():
    case = ac.openlimb_case(0, knee=True)
    ps = case.phone_scan(POINTS)
    limb = _limb_in_truth(case, ps)
    # The skin points are the truth surface plus 0.5 mm noise.
    d = _distance_to(case.skin, limb)
    assert np.quantile(d, 0.999) < 2.0 and d.max() < 3.0
    # The truth landmarks, laid on the scan file, sit inside the limb's points.
    limb_file = ps.points[ps.labels == 0]
    lo, hi = limb_file.min(axis=0), limb_file.max(axis=0)
    for name in ("patella_centre", "mid_patellar_tendon", "fibular_head", "tibial_tuberosity"):
        p = trimesh.transform_points(case.landmarks[name][None], ps.truth_to_file)[0]
        assert np.all(p > lo) and np.all(p < hi), name
    # The patella lies under the anterior skin, not far from it.
    pc = case.landmarks["patella_centre"]
    gap = np.linalg.norm(limb - pc, axis=1).min()
    assert 2.0 < gap < 30.0
    front = limb[np.abs(limb[:, 2] - pc[2]) < 5.0]
    assert (pc - front.mean(axis=0)) @ case.anterior > 10.0


def test_scan_without_the_knee_stops_below_the_patella():
    case = ac.openlimb_case(2)
    assert not case.knee_in_view
    top = case.skin.vertices[:, 2].max()
    below = case.landmarks["patella_inferior_pole"][2] - top
    lo, hi = ac.KNEE_CUT_RANGE_MM
    assert lo - 0.5 <= below <= hi + 0.5


@pytest.mark.skipif(not (ac.BODIES / "VH_M_Skin.glb").exists(), reason="no Visible Human skins")
def test_body_crop_faces_the_toes():
    case = ac.body_case(2, cache=None)
    assert case.side == "left" and case.source == "VH_M"
    # The Visible Human skins face +z (the toes are in front of the heels).
    facing = np.array(case.info["facing_file"])
    assert facing @ np.array([0.0, 0.0, 1.0]) > np.cos(np.radians(5.0))
    lo, hi = case.skin.bounds
    length = hi[2] - lo[2]
    assert case.info["above_knee_mm"] + case.info["below_knee_mm"] < length < 400.0
