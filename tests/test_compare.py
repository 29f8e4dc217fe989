"""Scan comparison: registration, signed deviation, volume and circumference change."""

import json

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
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.json", "deviation.png"]
    assert (out / "deviation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sock plies" in (out / "compare.html").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_compare_bad_input(tmp_path, capsys):
    empty = tmp_path / "empty.ply"
    empty.write_bytes(b"")
    assert main(["compare", str(TRUTH_STL), str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("prosthetics compare: error:") and "empty" in err[0]
