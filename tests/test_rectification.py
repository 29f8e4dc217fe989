"""Hand rectification: brush strokes, trim control points, landmarks, the file and its replay."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.sockets.engine import (
    TemplateCache,
    _grid_normals,
    rectify,
    sample_limb,
    trim_curve,
)
from prosthetics.sockets.rectification import (
    ProtectRegion,
    Rectification,
    Stroke,
    grid_volume_ml,
    read_rectification,
    rectification_from_dict,
    trim_with_points,
)
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial


@pytest.fixture(scope="module")
def limb(aligned_truth):
    return aligned_truth.mesh


@pytest.fixture(scope="module")
def grid(limb):
    p = TranstibialParams()
    return sample_limb(limb, p, 200.0, SurfaceQuery(limb)), p


def _surface_point(limb, theta_deg: float, z: float):
    th = np.radians(theta_deg)
    d = np.array([[np.cos(th), np.sin(th), 0.0]])
    o = np.array([[0.0, 0.0, z]])
    t = SurfaceQuery(limb).cast(o, d)[0]
    return (o + d * t)[0], d[0]


def _push(limb, depth=3.0, radius=12.0, falloff=10.0, kind="push", theta=20.0, z=110.0):
    c, n = _surface_point(limb, theta, z)
    return Stroke(kind=kind, centre_mm=tuple(c), normal=tuple(n), radius_mm=radius,
                  falloff_mm=falloff, depth_mm=depth)


def test_push_stroke_moves_the_cavity_its_depth_at_the_centre_and_nothing_beyond(limb, grid):
    g, p = grid
    s = _push(limb)
    before, pole0, _ = rectify(g, p, 200.0)
    after, pole1, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(s,)))
    move = np.linalg.norm(after - before, axis=2)
    dist = np.linalg.norm(g.limb_points - np.asarray(s.centre_mm), axis=2)
    i = np.unravel_index(np.argmin(dist), dist.shape)
    assert dist[i] < 6.0
    assert move[i] == pytest.approx(3.0, abs=0.2)
    # Inward: the moved point is nearer the axis.
    assert np.linalg.norm(after[i][:2]) < np.linalg.norm(before[i][:2]) - 2.5
    far = dist > s.radius_mm + s.falloff_mm
    assert move[far].max() < 0.1
    assert np.allclose(pole0, pole1)


def test_pull_relieves_outward_and_protect_region_keeps_the_cavity(limb, grid):
    g, p = grid
    s = _push(limb, kind="pull", depth=2.0)
    before, _, _ = rectify(g, p, 200.0)
    after, _, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(s,)))
    dist = np.linalg.norm(g.limb_points - np.asarray(s.centre_mm), axis=2)
    i = np.unravel_index(np.argmin(dist), dist.shape)
    assert np.linalg.norm(after[i][:2]) > np.linalg.norm(before[i][:2]) + 1.7
    guard = ProtectRegion(centre_mm=s.centre_mm, radius_mm=8.0, falloff_mm=2.0)
    kept, _, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(s,), protect=(guard,)))
    assert np.linalg.norm(kept[i] - before[i]) < 0.01


def test_stroke_does_not_reach_the_other_side_of_the_limb(limb, grid):
    g, p = grid
    s = _push(limb, radius=60.0, falloff=20.0)          # wider than the limb
    before, _, _ = rectify(g, p, 200.0)
    after, _, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(s,)))
    facing = _grid_normals(g.limb_points, g.limb_pole) @ np.asarray(s.normal)
    assert np.linalg.norm(after - before, axis=2)[facing < 0].max() < 1e-9


def test_smooth_stroke_reduces_a_bump_and_volume_follows(limb, grid):
    g, p = grid
    bump = _push(limb, kind="pull", depth=4.0, radius=5.0, falloff=5.0)
    smooth = Stroke(kind="smooth", centre_mm=bump.centre_mm, normal=bump.normal,
                    radius_mm=20.0, falloff_mm=5.0, strength=1.0)
    base, pole, _ = rectify(g, p, 200.0)
    bumped, pole_b, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(bump,)))
    smoothed, _, _ = rectify(g, p, 200.0, hand=Rectification(strokes=(bump, smooth)))
    peak = np.abs(np.linalg.norm(bumped - base, axis=2)).max()
    assert np.linalg.norm(smoothed - base, axis=2).max() < 0.8 * peak
    assert grid_volume_ml(bumped, pole_b) > grid_volume_ml(base, pole) + 0.5


def test_trim_points_move_the_brim_through_them_and_leave_the_rest(limb):
    p = TranstibialParams()
    theta = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    base = trim_curve(theta, p, 200.0)
    pt, _ = _surface_point(limb, 0.0, 215.0)                 # lateral wing 15 mm up
    trim = trim_with_points(trim_curve, {"lateral_wing": tuple(pt)}, "right")
    z = trim(theta, p, 200.0)
    assert z[0] == pytest.approx(215.0, abs=0.01)
    assert z[24] == pytest.approx(base[24], abs=0.01)       # anterior (90 deg) unchanged
    assert z[72] == pytest.approx(base[72], abs=0.01)       # posterior unchanged
    assert np.all(z >= base - 1e-9) and np.all(z <= 215.0 + 1e-9)   # no overshoot
    # Every named point set on the curve gives the curve itself.
    pts = {nm: (np.cos(np.radians(a)), np.sin(np.radians(a)),
                float(trim_curve(np.radians([a]), p, 200.0)[0]))
           for nm, a in (("anterior", 90.0), ("posterior", -90.0), ("lateral_wing", 0.0),
                         ("medial_wing", 180.0))}
    assert np.allclose(trim_with_points(trim_curve, pts, "right")(theta, p, 200.0), base)


def test_built_socket_follows_strokes_trim_points_and_landmarks(limb):
    p = TranstibialParams(trim_height_mm=200.0, grid_rows=48, grid_columns=64, label=False)
    plain = build_transtibial(limb, p, TemplateCache())
    s = _push(limb, depth=3.0, radius=15.0)
    wing, _ = _surface_point(limb, 180.0, 212.0)               # medial wing, right leg
    fib = plain.landmarks["fibular_head"] + np.array([0.0, 0.0, -10.0])
    cache = TemplateCache()
    cache.rectification = Rectification(strokes=(s,), trim_points={"medial_wing": tuple(wing)},
                                         landmarks={"fibular_head": tuple(fib)})
    cache.landmark_overrides = {"fibular_head": fib}
    hand = build_transtibial(limb, p.replace(fibular_head_depth_mm=-2.0), cache)
    assert hand.mesh.is_watertight
    # The brim reaches the medial wing point.
    top = hand.grid.limb_points[-1]
    j = int(np.argmin(np.abs(np.degrees(np.arctan2(top[:, 1], top[:, 0])) - 180.0) % 360))
    assert top[j, 2] == pytest.approx(212.0, abs=1.0)
    # The cavity is 3 mm in at the stroke's centre.
    d = SurfaceQuery(plain.inner_surface).distance(
        hand.inner_surface.vertices[np.argmin(np.linalg.norm(
            hand.grid.limb_points.reshape(-1, 3) - s.centre_mm, axis=1)) + 1][None])[0]
    assert d == pytest.approx(3.0, abs=0.3)
    assert np.allclose(hand.landmarks["fibular_head"], fib)


def test_file_round_trip_and_errors(tmp_path, limb):
    s = _push(limb)
    r = Rectification(landmarks={"fibular_head": (40.0, 0.0, 150.0)},
                      confirmed={"mid_patellar_tendon"}, strokes=(s,),
                      trim_points={"anterior": (0.0, 45.0, 210.0)},
                      protect=(ProtectRegion(centre_mm=(1.0, 2.0, 3.0), radius_mm=10.0),))
    path = r.write(tmp_path / "r.json", side="right")
    back = read_rectification(path)
    assert back.as_dict() == r.as_dict()
    with pytest.raises(ParameterError, match="unknown key 'brushes'"):
        rectification_from_dict({"brushes": []})
    with pytest.raises(ParameterError, match="stroke 1: kind 'poke'"):
        rectification_from_dict({"strokes": [{**s.as_dict(), "kind": "poke"}]})
    with pytest.raises(ParameterError, match="unknown trim point 'front'"):
        rectification_from_dict({"trim_points": {"front": [0, 1, 2]}})


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "prosthetics", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@pytest.mark.slow
def test_cli_refuses_bad_rectification_files_in_one_line(tmp_path, limb):
    from prosthetics.resources import sample_scan

    s = _push(limb).as_dict()
    cases = {
        "unknown.json": ({"strokes": [], "brush": 1}, "unknown key 'brush'"),
        "off.json": ({"strokes": [{**s, "centre_mm": [300.0, 0.0, 100.0]}]},
                     "stroke 1 (push)"),
        "trim.json": ({"trim_points": {"anterior": [0.0, 200.0, 150.0]}},
                      "trim point anterior"),
    }
    for name, (data, words) in cases.items():
        (tmp_path / name).write_text(json.dumps(data))
        out = tmp_path / f"out_{name}"
        r = _cli("design", str(sample_scan()), "--rectification", str(tmp_path / name),
                 "--out", str(out), "--set", "slice=false", cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and words in lines[0], r.stderr
        assert "Traceback" not in r.stderr
        assert not out.exists()


def test_patient_record_lists_the_strokes_and_trim_points():
    from prosthetics.reports.context import Fmt, rectification
    from prosthetics.reports.templating import render

    hand = {"strokes": [{"kind": "push", "centre_mm": [1.0, 62.5, 110.0]}],
            "strokes_described": ["push in 3.0 mm over 24 mm"],
            "trim_points": {"medial_wing": [-44.0, 0.0, 228.0]}, "protect": [{}]}
    rect = rectification({"rectification": {"global": {}, "hand": hand}}, Fmt("en"))
    html = render("_rectification.html", {"rectification": rect})
    assert "push in 3.0 mm over 24 mm" in html and "62.5" in html and "110.0" in html
    assert "medial wing" in html and "228.0" in html
    assert "1 protected region(s)" in html
