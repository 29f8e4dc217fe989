"""Scan comparison: registration, signed deviation, volume and circumference change."""

import json
import subprocess

import numpy as np
import pytest
import trimesh
from scipy.spatial.transform import Rotation

from prosthetics.cli.main import main
from prosthetics.design.session import parameter_groups, resolve_template
from prosthetics.limb.compare import compare_limbs, compare_scans, signed_distance_to
from prosthetics.scan.phonescan import make_phone_scan, write_ply

from .conftest import TRUTH_STL


def groups():
    return parameter_groups(resolve_template("transtibial"))


def rotation_deg(r):
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))


def test_signed_distance_sign():
    box = trimesh.creation.box([10, 10, 10])
    d = signed_distance_to(box, np.array([[0, 0, 7.0], [0, 0, 3.0]]))
    assert d == pytest.approx([2.0, -2.0])


def test_a_limb_against_itself(aligned_truth):
    comp = compare_limbs(aligned_truth.mesh, aligned_truth.mesh.copy())
    r = comp.report
    assert abs(r["volume_change_percent"]) < 1e-9          # measured in each limb's own frame
    assert r["deviation_mm"]["p95"] < 0.05 and abs(r["deviation_mm"]["mean"]) < 0.02
    # ICP on sampled points leaves a few hundredths of a mm: sections barely move.
    assert max(abs(c["change_mm"]) for c in r["circumferences"]) < 0.5
    assert np.mean([abs(c["change_mm"]) for c in r["circumferences"]]) < 0.1


def test_uniformly_shrunken_copy(aligned_truth):
    """A 3 % smaller copy: radially (as a limb loses volume) and in all three directions."""
    radial = aligned_truth.mesh.copy()
    radial.apply_transform(np.diag([0.97 ** 0.5, 0.97 ** 0.5, 1.0, 1.0]))
    r = compare_limbs(aligned_truth.mesh, radial).report
    assert r["volume_change_percent"] == pytest.approx(-3.0, abs=0.2)
    assert r["whole_scans"]["volume_change_percent"] == pytest.approx(-3.0, abs=0.2)
    assert r["sock_ply_equivalent"] == pytest.approx(-3.0 / 1.1, abs=0.2)
    # The circumference shrinks by sqrt(0.97) at every level.
    for c in r["circumferences"]:
        assert c["b_mm"] / c["a_mm"] == pytest.approx(0.97 ** 0.5, abs=0.004)
    b = aligned_truth.mesh.copy()
    b.apply_scale(0.97 ** (1 / 3))
    r = compare_limbs(aligned_truth.mesh, b).report
    # The whole scans differ by 3 %; over the common height less, as B is also shorter.
    assert r["whole_scans"]["volume_change_percent"] == pytest.approx(-3.0, abs=0.2)
    assert -3.0 < r["volume_change_percent"] < 0
    assert r["deviation_mm"]["mean"] < 0                 # B inside A on the whole
    assert np.mean([c["change_mm"] for c in r["circumferences"]]) < 0


def posed_copy(truth, tmp_path, seed, phone):
    """B: the truth in a random pose (any rotation), as a clean mesh or a phone-like scan."""
    rng = np.random.default_rng(seed)
    if phone:
        ps = make_phone_scan(truth, seed=seed)
        path = tmp_path / f"b_{seed}.ply"
        write_ply(path, ps.points, ps.colors)
        return path, ps.truth_to_file
    pose = np.eye(4)
    pose[:3, :3] = Rotation.random(random_state=rng.integers(2 ** 31)).as_matrix()
    pose[:3, 3] = rng.uniform(-400, 400, 3)
    path = tmp_path / f"b_{seed}.stl"
    truth.copy().apply_transform(pose).export(path)
    return path, pose


@pytest.mark.parametrize("phone", [False, True], ids=["posed mesh", "phone-like copy"])
def test_registration_recovers_a_random_rigid_transform(truth_mesh, tmp_path, phone):
    b_path, truth_to_b = posed_copy(truth_mesh, tmp_path, seed=21, phone=phone)
    comp = compare_scans(TRUTH_STL, b_path, groups=groups())
    a_design = np.asarray(comp.report["a"]["transform_scan_to_design"])
    b_file_to_a = np.asarray(comp.report["transform_b_scan_to_a_design"])
    # Where B's registration puts the truth, against where A's frame puts it.
    via_b = b_file_to_a @ truth_to_b
    assert rotation_deg(via_b[:3, :3] @ a_design[:3, :3].T) < 0.5
    err = np.linalg.norm(trimesh.transform_points(truth_mesh.vertices, via_b)
                         - trimesh.transform_points(truth_mesh.vertices, a_design), axis=1)
    assert err.max() < 0.5
    r = comp.report
    assert abs(r["volume_change_percent"]) < (1.0 if phone else 0.05)
    assert r["deviation_mm"]["p95"] < (1.5 if phone else 0.05)


def test_cli_compare_json_and_outputs(tmp_path, capsys):
    b = tmp_path / "shrunk.stl"
    m = trimesh.load(TRUTH_STL)
    m.apply_transform(np.diag([0.97 ** 0.5, 0.97 ** 0.5, 1.0, 1.0]))   # z is the long axis
    m.export(b)
    out = tmp_path / "cmp"
    assert main(["compare", str(TRUTH_STL), str(b), "--json", "--out", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["volume_change_percent"] == pytest.approx(-3.0, abs=0.2)
    assert set(r["deviation_mm"]) >= {"mean", "p95"}
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.json",
                                                     "compare.pdf", "deviation.png"]
    assert (out / "deviation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sock plies" in (out / "compare.html").read_text()
    # The PDF is the same page: its text has the volume change in sock plies.
    text = subprocess.run(["pdftotext", str(out / "compare.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "sock plies" in text and (out / "compare.pdf").read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_compare_bad_input(tmp_path, capsys):
    empty = tmp_path / "empty.ply"
    empty.write_bytes(b"")
    assert main(["compare", str(TRUTH_STL), str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("prosthetics compare: error:") and "empty" in err[0]


def thinner_along_normals(mesh: trimesh.Trimesh, mm: float) -> trimesh.Trimesh:
    """A copy with every vertex moved ``mm`` inward along the surface normal: a limb that
    lost ``mm`` of soft tissue all round, its distal end included."""
    merged = trimesh.Trimesh(mesh.vertices, mesh.faces)
    return trimesh.Trimesh(merged.vertices - mm * merged.vertex_normals, merged.faces,
                           process=False)


def distal(comp, within_mm=5.0):
    """The deviation (mm) at B's vertices within ``within_mm`` of its distal end."""
    z = comp.b.vertices[comp.deviation_mask, 2]
    return comp.deviation_mm[z < comp.b.vertices[:, 2].min() + within_mm]


def test_identical_shape_in_another_pose_registers_to_zero(truth_mesh, tmp_path):
    b_path, _ = posed_copy(truth_mesh, tmp_path, seed=5, phone=False)
    comp = compare_scans(TRUTH_STL, b_path, groups=groups())
    reg, dev = comp.report["registration"], comp.report["deviation_mm"]
    assert np.abs(comp.deviation_mm).max() < 0.02
    assert reg["residual_rms_mm"] < 0.1 and reg["rmse_mm"] == reg["residual_rms_mm"]
    assert "point-to-surface" in reg["residual_measures"]
    assert abs(dev["distal_mean"]) < 0.02 and np.abs(distal(comp)).max() < 0.02
    assert abs(reg["distal_end_rise_mm"]) < 0.05
    assert max(abs(v) for v in reg["uniform_change_mm"].values()) < 0.02


@pytest.mark.parametrize("own_frame", [True, False], ids=["scan file, own frame", "in A's frame"])
def test_uniformly_thinner_copy_is_not_slid(aligned_truth, truth_mesh, tmp_path, own_frame):
    """1 mm thinner all round: -1 mm everywhere, the distal end included.  Given as a scan
    file, B's limb frame puts its risen distal end at z = 0 (1 mm too low); the registration
    lifts it back instead of leaving +0.9 mm of false growth there."""
    if own_frame:
        pose = np.eye(4)
        pose[:3, :3] = Rotation.from_euler("xyz", [30, -70, 120], degrees=True).as_matrix()
        pose[:3, 3] = [100.0, -50.0, 20.0]
        path = tmp_path / "thinner.stl"
        thinner_along_normals(truth_mesh, 1.0).apply_transform(pose).export(path)
        comp = compare_scans(TRUTH_STL, path, groups=groups())
    else:
        comp = compare_limbs(aligned_truth.mesh, thinner_along_normals(aligned_truth.mesh, 1.0))
    r = comp.report
    reg, dev = r["registration"], r["deviation_mm"]
    assert dev["median"] == pytest.approx(-1.0, abs=0.02)
    assert dev["max"] < -0.7                      # nowhere outside A: no growth
    tip = distal(comp)
    assert len(tip) > 10
    assert np.abs(tip + 1.0).max() < 0.3 and dev["distal_mean"] == pytest.approx(-1.0, abs=0.05)
    assert reg["distal_end_rise_mm"] == pytest.approx(1.0 if own_frame else 0.0, abs=0.05)
    assert reg["uniform_change_mm"]["along_normals"] == pytest.approx(-1.0, abs=0.05)
    assert reg["residual_rms_mm"] < 0.05


def test_compare_page_says_what_it_measured(truth_mesh, tmp_path):
    path = tmp_path / "thinner.stl"
    thinner_along_normals(truth_mesh, 1.0).export(path)
    out = tmp_path / "cmp"
    assert main(["compare", str(TRUTH_STL), str(path), "--out", str(out)]) == 0
    r = json.loads((out / "compare.json").read_text())
    page = (out / "compare.html").read_text()
    assert "Registration residual" in page and "point-to-surface" in page
    assert f"at the distal end (within 5 mm of it) {r['deviation_mm']['distal_mean']:+.2f} mm" in page
    assert r["deviation_mm"]["distal_mean"] == pytest.approx(-1.0, abs=0.05)
    assert "tape B (mm)" in page and "convex hull" in page
    for c in r["circumferences"]:
        assert c["a_tape_mm"] <= c["a_mm"] + 1e-6 and c["b_tape_mm"] <= c["b_mm"] + 1e-6
        assert c["a_tape_mm"] > 0.98 * c["a_mm"]
        # The limb's sections are nearly convex: the tape's change is the perimeter's.
        assert c["tape_change_mm"] < -2.5
        assert c["tape_change_mm"] == pytest.approx(c["change_mm"], abs=0.2)
