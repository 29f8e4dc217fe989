"""Whole scenes: the thigh, the other leg, a chair and a touching hand in a phone scan.

The generator's scenes keep the truth (the residual limb below the knee joint line); the
cleaning must cut the limb at the knee, keep the residual limb and never the other leg.
"""

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from prosthetics.errors import ScanError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.scan.clean import CleanParams, canonical_triangles, clean_scan
from prosthetics.scan.loaders import load_scan
from prosthetics.scan.phonescan import (
    CHAIR,
    OTHER_LEG,
    THIGH,
    make_phone_scan,
    make_scene_mesh,
    parse_scene,
    write_ply,
)

pytest.importorskip("open3d")

POINTS = 80_000


def _run(truth, tmp_path, scene, seed, params=None, mesh=False, points=POINTS, fmt="glb"):
    if mesh:
        ps = make_scene_mesh(truth, seed=seed, scene=scene)
        path = tmp_path / f"{scene}_{seed}.{fmt}"
        ps.export(path)
        truth_to_file = ps.truth_to_written(path)
    else:
        ps = make_phone_scan(truth, seed=seed, n_points=points, scene=scene)
        path = tmp_path / f"{scene}_{seed}.ply"
        write_ply(path, ps.points, ps.colors)
        truth_to_file = ps.truth_to_file
    scan = load_scan(path)
    cleaned = clean_scan(scan, params)
    truth_to_scan = scan.file_to_mm @ truth_to_file
    return ps, scan, cleaned, truth_to_scan


def _knee_height(truth, ps, t2s, cut):
    """The truth's knee line, as a height from its distal end along the cut's normal."""
    pts = trimesh.transform_points(truth.vertices, t2s)
    rim = pts[truth.vertices[:, 2] > ps.knee_z_mm - 1.0]
    return float((rim @ cut["normal"]).mean() - (pts @ cut["normal"]).min())


def _limb_error(cleaned, truth, ps, t2s):
    """Distances (mm) from the cleaned limb below the knee line to the truth."""
    back = np.linalg.inv(t2s)
    v = cleaned.mesh.sample(20_000)
    below = trimesh.transform_points(v, back)[:, 2] < ps.knee_z_mm - 5.0
    return SurfaceQuery(truth.copy().apply_transform(t2s)).distance(v[below]), below.mean()


def test_scene_names():
    assert parse_scene("today") == frozenset()
    assert parse_scene("knee_flexed+other_leg") == {"knee_flexed", "other_leg"}
    with pytest.raises(ValueError, match="unknown scene"):
        parse_scene("kitchen")
    with pytest.raises(ValueError, match="straight or a flexed"):
        parse_scene("whole_leg+knee_flexed")


def test_today_is_unchanged_and_not_cut(truth_mesh):
    a = make_phone_scan(truth_mesh, seed=4, n_points=20_000)
    b = make_phone_scan(truth_mesh, seed=4, n_points=20_000, scene="today")
    assert np.array_equal(a.points, b.points) and a.scene == "today"
    assert a.knee_z_mm == pytest.approx(truth_mesh.vertices[:, 2].max())


def test_whole_scene_keeps_its_truth(truth_mesh):
    ps = make_phone_scan(truth_mesh, seed=2, n_points=POINTS,
                         scene="knee_flexed+other_leg+hand")
    assert {THIGH, OTHER_LEG, CHAIR} <= set(np.unique(ps.labels))
    # The limb's points lie on the truth laid into the file (noise aside).
    limb = trimesh.transform_points(ps.points[ps.labels == 0], np.linalg.inv(ps.truth_to_file))
    d = SurfaceQuery(truth_mesh).distance(limb)
    assert np.median(d) < 0.6
    # The thigh starts at the knee line and rises above it.
    thigh = trimesh.transform_points(ps.points[ps.labels == THIGH], np.linalg.inv(ps.truth_to_file))
    assert np.quantile(thigh[:, 2], 0.01) > ps.knee_z_mm - 5.0


@pytest.mark.parametrize("scene,seed", [("whole_leg", 1), ("whole_leg", 5),
                                        ("knee_flexed", 3), ("knee_flexed", 9)])
def test_the_limb_is_cut_at_the_knee(truth_mesh, tmp_path, scene, seed):
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, scene, seed)
    cut = cleaned.proximal_cut
    assert cut is not None and cut["rule"] in ("bend", "flare")
    assert abs(cut["height_mm"] - _knee_height(truth_mesh, ps, t2s, cut)) < 20.0
    steps = {s["step"]: s for s in cleaned.steps}
    assert steps["proximal cut"]["plane"] == cut
    assert not any(w.startswith("a hand or an object") for w in cleaned.warnings)
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.85          # little of the thigh is left above the knee
    assert d.mean() < 0.5 and np.percentile(d, 95) < 2.0


def test_a_scan_without_a_thigh_is_not_cut(truth_mesh, tmp_path):
    _ps, _scan, cleaned, _t = _run(truth_mesh, tmp_path, "today", 3)
    assert cleaned.proximal_cut is None
    assert "proximal cut" not in {s["step"] for s in cleaned.steps}


def test_the_cut_can_be_set(truth_mesh, tmp_path):
    params = CleanParams(proximal_cut_mm=225.0)
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "whole_leg", 2, params)
    cut = cleaned.proximal_cut
    assert cut["rule"] == "set" and cut["height_mm"] == pytest.approx(225.0)
    n = np.asarray(cut["normal"])
    h = cleaned.mesh.vertices @ n
    assert h.max() - h.min() == pytest.approx(225.0, abs=6.0)


@pytest.mark.parametrize("seed", [1, 4])
def test_the_other_leg_is_never_chosen(truth_mesh, tmp_path, seed):
    # The other foot is told by the floor it stands on: enough points to keep the floor.
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "other_leg", seed, points=150_000)
    other = trimesh.transform_points(ps.points[ps.labels == OTHER_LEG], scan.file_to_mm)
    assert SurfaceQuery(cleaned.mesh).distance(other).min() > 20.0
    d, _share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert d.mean() < 0.5
    steps = {s["step"]: s for s in cleaned.steps}
    assert "standing on a foot" in steps["keep limb"]["detail"]
    # Every step's detail carries its catalogue message, so that the pages translate it.
    from prosthetics.errors import Message

    assert all(isinstance(s["detail"], Message) and s["detail"].msgid for s in cleaned.steps)


def test_a_touching_hand_is_taken_off(truth_mesh, tmp_path):
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "hand", 2)
    hand = trimesh.transform_points(ps.points[ps.labels == 2], scan.file_to_mm)
    d_hand = SurfaceQuery(cleaned.mesh).distance(hand)
    # The palm pressed on the skin stays on it; the rest of the hand is gone.
    assert np.percentile(d_hand, 50) > 8.0
    d, _share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert d.mean() < 0.4 and np.percentile(d, 95) < 2.0


def test_a_mesh_scene_with_separate_parts(truth_mesh, tmp_path):
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "knee_flexed+hand", 4, mesh=True)
    assert cleaned.proximal_cut is not None
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.85 and d.mean() < 0.5


def test_fingers_past_the_rim_are_no_knee(truth_mesh, tmp_path):
    """A hand on the limb whose fingers reach past its rim bends the centreline as sharply
    as a knee (86 degrees): what it bends into is no thigh, and the limb is not cut (it was
    cut 151 mm from the distal end, 100 mm short)."""
    ps, _scan, cleaned, t2s = _run(truth_mesh, tmp_path, "hand", 11, mesh=True)
    assert cleaned.proximal_cut is None
    axis = cleaned.axis_dir
    truth = trimesh.transform_points(truth_mesh.vertices, t2s) @ axis
    kept = cleaned.mesh.vertices @ axis
    assert np.ptp(kept) > 0.9 * np.ptp(truth)        # 249 of 271 mm (its rim is oblique)
    # the hand is said; what of its palm is left is where the warning says to look
    (hand,) = [w for w in cleaned.warnings if "hand or an object touching" in w]
    assert "120-260 mm above the distal end" in hand
    d, _share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert np.median(d) < 0.3


def test_an_iphone_usdz_scene_reads_as_its_glb_and_cleans_to_its_truth(truth_mesh, tmp_path):
    """The scene as an iPhone LiDAR app shares it: USDZ, Y up, metres, one mesh per part."""
    ps = make_scene_mesh(truth_mesh, seed=5, scene="whole_leg+hand")
    usdz, glb = tmp_path / "scene.usdz", tmp_path / "scene.glb"
    ps.export(usdz)
    ps.export(glb)
    a, b = load_scan(usdz), load_scan(glb)
    assert a.units_source == "USD metersPerUnit" and "Y up, turned Z up" in a.notes[0]
    assert f"{len(ps.parts)} mesh(es)" in a.notes[0]
    # the same points in millimetres (float32 metres: a few 1e-5 mm), parts in any order
    assert len(a.points) == len(b.points) and len(a.faces) == len(b.faces)
    assert cKDTree(b.points).query(a.points)[0].max() < 1e-3
    assert np.allclose(a.file_to_mm @ ps.truth_to_written(usdz),
                       b.file_to_mm @ ps.truth_to_written(glb), atol=1e-9)
    # the same surface cleans to the same limb whatever the file's order of parts
    cleaned, cleaned_glb = clean_scan(a), clean_scan(b)
    assert [st["kept"] for st in cleaned.steps] == [st["kept"] for st in cleaned_glb.steps]
    assert np.array_equal(cleaned.mesh.vertices, cleaned_glb.mesh.vertices)
    assert cleaned.proximal_cut is not None
    t2s = a.file_to_mm @ ps.truth_to_written(usdz)
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.85 and d.mean() < 0.3 and np.percentile(d, 95) < 1.0


def test_a_mesh_is_sampled_the_same_in_any_order():
    rng = np.random.default_rng(0)
    v = rng.random((50, 3))
    f = np.array([rng.choice(50, 3, replace=False) for _ in range(80)])
    soup, faces = canonical_triangles(v, f)
    perm = rng.permutation(50)
    # vertices renumbered, faces shuffled, each face's corners rotated (winding kept)
    f2 = np.roll(np.argsort(perm)[f][rng.permutation(80)], 1, axis=1)
    soup2, faces2 = canonical_triangles(v[perm], f2)
    assert np.array_equal(soup, soup2) and np.array_equal(faces, faces2)
    # the same triangles, each with its own normal's direction
    n1 = trimesh.Trimesh(v, f, process=False).face_normals
    n2 = trimesh.Trimesh(soup, faces, process=False).face_normals
    assert np.allclose(np.sort(n1, axis=0), np.sort(n2, axis=0))


def test_two_legs_without_feet_are_refused_with_a_choice(truth_mesh, tmp_path):
    other = truth_mesh.copy()
    other.apply_transform(np.diag([-1.0, 1.0, 1.0, 1.0]))
    other.invert()
    other.apply_translation([truth_mesh.bounds[1, 0] - other.bounds[0, 0] + 60.0, 0, 0])
    both = trimesh.util.concatenate([truth_mesh, other])
    ps = make_phone_scan(both, seed=3, n_points=POINTS, hand=False, hole_fraction=0.0)
    path = tmp_path / "two.ply"
    write_ply(path, ps.points, ps.colors)
    with pytest.raises(ScanError, match=r"2 limb-like objects: 1\) .*--pick N"):
        clean_scan(load_scan(path))


def test_fingers_over_unseen_skin_are_taken_off_with_the_hand(truth_mesh, tmp_path):
    # Seed 6: the first pass left the fingers lying over skin the phone did not see (the
    # limb came out 4.5 % too large, 1.05 mm off on average); the second pass, with the
    # band curves fitted again without the hand, takes them.
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "hand", 6, points=150_000)
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.9 and d.mean() < 0.4 and np.percentile(d, 95) < 2.0
    # The user is told where the hand was: the skin under it is bridged, not seen.
    said = [w for w in cleaned.warnings if w.startswith("a hand or an object touching")]
    assert len(said) == 1 and "mm above the distal end" in said[0]


def test_a_hand_below_the_limb_is_not_taken_for_its_distal_end(truth_mesh, tmp_path):
    # Seed 4: the hand's fingertips lie further along the surface than the limb's distal
    # end; taken for the tip, they made a 'knee' 136 mm up and cut the limb there.  A
    # hand's end is flat, the limb's round.
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "hand", 4, points=150_000)
    assert cleaned.proximal_cut is None
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.9


def test_chair_remains_joined_to_the_thigh_do_not_hide_the_distal_end(truth_mesh, tmp_path):
    # Seed 3 at 150,000 points: both ends furthest apart along the surface lie on what is
    # left of the chair (neither closed all round); the third end, furthest from both, is
    # the limb's closed round distal end.  Taken from a chair leg, no knee was found and
    # the design was refused as a limb 532 mm long.
    ps, scan, cleaned, t2s = _run(truth_mesh, tmp_path, "knee_flexed", 3, points=150_000)
    cut = cleaned.proximal_cut
    assert cut is not None
    assert abs(cut["height_mm"] - _knee_height(truth_mesh, ps, t2s, cut)) < 20.0
    d, share = _limb_error(cleaned, truth_mesh, ps, t2s)
    assert share > 0.85 and d.mean() < 0.5
