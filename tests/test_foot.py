"""Foot scans: frame, side, measurements and the plantar height map against ground truth.

The truths are the clean plantar scan (mm, open surface) and the decimated FIND foot
template (metres) in scans/source/; the phone-like scans are made from them by the same
seeded generator as the sample (floor, 0.5 mm noise, 2 % stray points, a random pose).
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics.cli.main import main as cli_main
from prosthetics.insoles.foot import Side
from prosthetics.scan.phonescan import make_phone_scan, write_ply

from .conftest import FOOT_PHONE as PHONE
from .conftest import PLANTAR, plantar_from_below


@pytest.mark.slow
@pytest.mark.parametrize("name, side", [("plantar", Side.RIGHT), ("template", Side.LEFT)])
def test_frame_side_and_length_on_phone_scans(foot_cases, name, side):
    case = foot_cases[name]
    foot, truth = case["foot"], case["truth"]
    # Frame: +X heel to toe, plantar plane at z = 0: the truth's sole is there too.
    lo, hi = truth.bounds
    assert abs(lo[0]) < 1.5 and abs(hi[0] - foot.measurements.foot_length_mm) < 1.5
    assert abs(np.percentile(truth.vertices[:, 2], 0.5)) < 1.5
    assert foot.side is side and case["clean_foot"].side is side
    # Length against the truth's extent in the same frame, and against the clean scan's.
    assert abs(foot.measurements.foot_length_mm - (hi[0] - lo[0])) < 1.5
    assert abs(foot.measurements.foot_length_mm
               - case["clean_foot"].measurements.foot_length_mm) < 2.0
    assert case["scan"].units.value == "m"
    # The transform is a rotation and a shift (never a mirror).
    R = foot.transform[:3, :3]
    assert np.allclose(R @ R.T, np.eye(3), atol=1e-9) and np.linalg.det(R) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["plantar", "template"])
def test_height_map_matches_truth_plantar_surface(foot_cases, name):
    case = foot_cases[name]
    foot = case["foot"]
    hm = foot.heights
    from scipy import ndimage

    inner = ndimage.distance_transform_edt(hm.footprint) * hm.cell_mm >= 8.0
    X, Y = np.meshgrid(hm.xs, hm.ys, indexing="ij")
    sel = inner & (hm.z < 15.0)
    rng = np.random.default_rng(0)
    idx = rng.permutation(np.flatnonzero(sel))[:3000]
    xy = np.column_stack([X.ravel()[idx], Y.ravel()[idx]])
    z_truth = plantar_from_below(case["truth"])(xy)
    d = np.abs(hm.z.ravel()[idx] - z_truth)
    d = d[np.isfinite(d)]
    assert len(d) > 2000
    assert np.percentile(d, 95) < 0.5 and d.mean() < 0.2, (d.mean(), np.percentile(d, 95))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["plantar", "template"])
def test_measurements_repeat_between_clean_and_phone_scan(foot_cases, name):
    a = foot_cases[name]["clean_foot"].measurements
    b = foot_cases[name]["foot"].measurements
    assert abs(a.ball_width_mm - b.ball_width_mm) < 4.0
    assert abs(a.heel_width_mm - b.heel_width_mm) < 4.0
    assert abs(a.arch_height_mm - b.arch_height_mm) < 3.0
    assert 60 < b.ball_width_mm < 130 and 40 < b.heel_width_mm < 90
    assert 5 < b.arch_height_mm < 35


def _run(argv, capsys):
    code = cli_main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_scan_without_foot_is_refused(tmp_path, capsys):
    rng = np.random.default_rng(3)
    floor = np.column_stack([rng.uniform(-300, 300, (40_000, 2)), rng.normal(0, 0.5, 40_000)])
    strays = rng.uniform(-300, 300, (2_000, 3))
    ply = tmp_path / "empty_room.ply"
    write_ply(ply, np.vstack([floor, strays]) / 1000.0)
    code, err = _run(["insole", str(ply), "--out", str(tmp_path / "o"), "--set", "slice=false"],
                     capsys)
    assert code == 2 and len(err) == 1 and "no foot" in err[0], err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_foot_on_its_side_is_refused(foot_cases, tmp_path, capsys):
    """The clean template turned 90 degrees about its long axis, on a floor."""
    scan = foot_cases["template"]["clean_scan"]
    truth = trimesh.Trimesh(scan.points, scan.faces, process=False)
    truth.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    ps = make_phone_scan(truth, seed=5, **PHONE)
    ply = tmp_path / "side.ply"
    write_ply(ply, ps.points, ps.colors)
    code, err = _run(["insole", str(ply), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err) == 1 and "side" in err[0], err


@pytest.mark.parametrize("scale, words", [(1e-5, "--units"), (1e3, "--units")])
def test_tiny_or_huge_scale_is_refused(tmp_path, capsys, scale, words):
    """The plantar scan (mm) written 100,000 times too small or 1000 times too large."""
    m = trimesh.load(PLANTAR, process=False)
    m.apply_scale(scale)
    path = tmp_path / "scaled.stl"
    m.export(path)
    code, err = _run(["insole", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err) == 1 and words in err[0], err


def test_wrong_units_option_gives_a_foot_size_error(tmp_path, capsys):
    code, err = _run(["insole", str(PLANTAR), "--units", "m", "--out", str(tmp_path / "o")],
                     capsys)
    assert code == 2 and len(err) == 1 and "mm across" in err[0] and "--units" in err[0], err
