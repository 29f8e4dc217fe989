"""Cleaning and alignment against ground truth: phone-like scans made from the clean limb."""

import numpy as np
import pytest
import trimesh
from scipy.spatial.transform import Rotation

from prosthetics.errors import ScanError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.align import AlignParams, align_limb
from prosthetics.limb.measure import proximal_rim_z, sections
from prosthetics.scan.clean import CleanParams, Reconstruct, clean_scan
from prosthetics.scan.loaders import load_scan
from prosthetics.scan.phonescan import make_phone_scan, write_ply

from .conftest import TRUTH_STL


def rotation_angle_deg(r: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))


def run_phone(truth, tmp_path, seed, **kw):
    ps = make_phone_scan(truth, seed=seed, **kw)
    path = tmp_path / f"phone_{seed}.ply"
    write_ply(path, ps.points, ps.colors)
    scan = load_scan(path)
    cleaned = clean_scan(scan)
    aligned = align_limb(cleaned)
    truth_to_design = aligned.transform @ scan.file_to_mm @ ps.truth_to_file
    return ps, scan, cleaned, aligned, truth_to_design


@pytest.fixture(scope="module")
def phone_run(truth_mesh, tmp_path_factory):
    return run_phone(truth_mesh, tmp_path_factory.mktemp("phone"), seed=11)


def two_way(cleaned_mesh, truth_in_design):
    """Distances cleaned -> truth and truth -> cleaned, over what both cover (below the rim)."""
    rim = proximal_rim_z(cleaned_mesh)
    a, _ = trimesh.sample.sample_surface(cleaned_mesh, 40_000, seed=1)
    b, _ = trimesh.sample.sample_surface(truth_in_design, 40_000, seed=2)
    b = b[b[:, 2] < rim]
    return SurfaceQuery(truth_in_design).distance(a), SurfaceQuery(cleaned_mesh).distance(b)


def test_phone_scan_comes_back_within_bounds(phone_run, truth_mesh):
    ps, scan, cleaned, aligned, t2d = phone_run
    assert scan.units.value == "m" and scan.units_source == "size"
    assert 0.09 < ps.hole_area_fraction < 0.11
    truth = truth_mesh.copy().apply_transform(t2d)
    d_ct, d_tc = two_way(aligned.mesh, truth)
    for d in (d_ct, d_tc):
        assert d.mean() < 0.5, d.mean()
        assert np.percentile(d, 95) < 1.5, np.percentile(d, 95)
    # The cleaned limb keeps nearly the whole length (cut just below the scan's rim).
    assert aligned.mesh.vertices[:, 2].max() > truth.vertices[:, 2].max() - 8.0


def test_floor_hand_and_strays_are_removed(phone_run):
    ps, scan, cleaned, aligned, t2d = phone_run
    file_to_design = aligned.transform @ scan.file_to_mm
    pts = trimesh.transform_points(ps.points, file_to_design)
    d = SurfaceQuery(aligned.mesh).distance(pts)
    floor, hand = d[ps.labels == 1], d[ps.labels == 2]
    assert np.min(floor) > 5.0 and np.min(hand) > 5.0
    steps = {s["step"]: s for s in cleaned.steps}
    assert steps["floor"]["removed"] > 0.9 * (ps.labels == 1).sum() * steps["downsample"]["kept"] / len(ps.points)
    assert steps["keep limb"]["removed"] > 0          # the hand
    assert steps["stray points"]["removed"] > 0
    assert cleaned.reconstructed
    # Limb points land on the cleaned surface: the transform is the whole story.
    limb = d[ps.labels == 0]
    assert np.median(limb) < 0.6


def test_limb_frame(phone_run):
    _, _, _, aligned, t2d = phone_run
    v = aligned.mesh.vertices
    assert v[:, 2].min() == pytest.approx(0.0, abs=1e-9)
    # The axis is fitted through the section centroids: they lie near x = y = 0.
    levels = np.linspace(0.15, 0.85, 15) * v[:, 2].max()
    cen = np.array([s.centroid_xy for s in sections(aligned.mesh, levels)])
    assert np.abs(cen.mean(axis=0)).max() < 0.5
    assert np.linalg.norm(cen, axis=1).max() < 6.0
    # Proper rotation (no mirror) and millimetre scale from a metre file.
    r = t2d[:3, :3]
    assert np.allclose(r @ r.T, np.eye(3), atol=1e-6) and np.linalg.det(r) > 0


def test_axis_and_origin_do_not_depend_on_pose_or_noise(phone_run, truth_mesh, tmp_path):
    _, _, _, _, t_a = phone_run
    _, _, _, _, t_b = run_phone(truth_mesh, tmp_path, seed=12)
    za = trimesh.transform_points(truth_mesh.vertices, t_a)[:, 2]
    zb = trimesh.transform_points(truth_mesh.vertices, t_b)[:, 2]
    tilt = np.degrees(np.arccos(np.clip((t_a[:3, :3] @ t_b[:3, :3].T)[2, 2], -1, 1)))
    assert tilt < 1.0
    assert np.abs(za - zb).mean() < 0.5 and np.abs(za - zb).max() < 2.0


def test_rigid_pose_is_recovered_exactly_on_a_clean_mesh(truth_mesh, tmp_path):
    """The same mesh in three random poses lands in the same limb frame (0.5 mm, 0.5 deg)."""
    rng = np.random.default_rng(5)
    frames = []
    for k in range(3):
        pose = np.eye(4)
        pose[:3, :3] = Rotation.random(random_state=rng.integers(2 ** 31)).as_matrix()
        pose[:3, 3] = rng.uniform(-500, 500, 3)
        moved = truth_mesh.copy().apply_transform(pose)
        path = tmp_path / f"posed_{k}.stl"
        moved.export(path)
        scan = load_scan(path)
        aligned = align_limb(clean_scan(scan))
        frames.append(aligned.transform @ scan.file_to_mm @ pose)
    for t in frames[1:]:
        rel = t @ np.linalg.inv(frames[0])
        assert rotation_angle_deg(rel[:3, :3]) < 0.5
        disp = np.linalg.norm(trimesh.transform_points(truth_mesh.vertices, rel)
                              - truth_mesh.vertices, axis=1)
        assert disp.max() < 0.5


def test_anterior_rotation_turns_the_frame(aligned_truth, truth_mesh):
    from prosthetics.scan.clean import clean_scan as _clean
    scan = load_scan(TRUTH_STL)
    turned = align_limb(_clean(scan), AlignParams(anterior_rotation_deg=30.0))
    rel = turned.transform @ np.linalg.inv(aligned_truth.transform)
    assert rotation_angle_deg(rel[:3, :3]) == pytest.approx(30.0, abs=1e-6)
    assert rel[2, 2] == pytest.approx(1.0)       # about the long axis only
    # Counter-clockwise seen from proximal: +Y moves toward -X.
    assert rel[0, 1] < 0


def test_clean_mesh_input_is_kept(truth_mesh):
    scan = load_scan(TRUTH_STL)
    cleaned = clean_scan(scan)
    assert not cleaned.reconstructed
    assert cleaned.steps[0]["step"] == "keep mesh"
    assert len(cleaned.mesh.faces) == len(truth_mesh.faces)
    assert np.allclose(np.sort(cleaned.mesh.vertices, axis=0),
                       np.sort(np.unique(truth_mesh.vertices, axis=0), axis=0))


def test_forcing_a_rebuild_of_a_clean_mesh_stays_close(truth_mesh):
    scan = load_scan(TRUTH_STL)
    cleaned = clean_scan(scan, CleanParams(reconstruct=Reconstruct.ALWAYS))
    assert cleaned.reconstructed
    d = SurfaceQuery(truth_mesh).distance(cleaned.mesh.sample(20_000))
    assert d.mean() < 0.3 and np.percentile(d, 95) < 0.8


def test_scene_without_a_limb(tmp_path):
    rng = np.random.default_rng(3)
    # A table top and a small box: no elongated object.
    table = np.column_stack([rng.uniform(0, 400, 40_000), rng.uniform(0, 400, 40_000),
                             rng.normal(0, 0.3, 40_000)])
    box = rng.uniform([150, 150, 5], [190, 190, 45], size=(8_000, 3))
    path = tmp_path / "table.xyz"
    np.savetxt(path, np.vstack([table, box]))
    with pytest.raises(ScanError, match="no limb-like object"):
        clean_scan(load_scan(path))


def test_cleaning_is_repeatable(phone_run):
    """Same scan, same parameters, same limb and transform to the bit (reports reproduce)."""
    _, scan, cleaned, aligned, _ = phone_run
    again = align_limb(clean_scan(scan))
    assert np.array_equal(again.mesh.vertices, aligned.mesh.vertices)
    assert np.array_equal(again.mesh.faces, aligned.mesh.faces)
    assert np.array_equal(again.transform, aligned.transform)


def test_a_socket_is_not_taken_for_a_limb(tmp_path):
    """A closed thin-walled shell (a socket or a mould) is refused with a clear message."""
    import manifold3d

    outer = manifold3d.Manifold.cylinder(220.0, 55.0, 55.0, 96)
    inner = manifold3d.Manifold.cylinder(220.0, 50.0, 50.0, 96).translate([0, 0, 5.0])
    m = (outer - inner).to_mesh()
    shell = trimesh.Trimesh(np.asarray(m.vert_properties)[:, :3], np.asarray(m.tri_verts))
    path = tmp_path / "socket.stl"
    shell.export(path)
    with pytest.raises(ScanError, match="thin closed shell .* looks like a socket or a mould"):
        clean_scan(load_scan(path))
