"""The insole's outline solids from the geometry cache, and the faster routes of the insole
pipeline against the ones they replace.

A cached outline gives the very insole a build gives (same vertices and faces), a hit
builds nothing, and a design on a warm cache never loads CadQuery or OpenCascade; the
vertical ray test, the foot's column minima, its stray test and the footprint's hull give
what trimesh's ray test, a lexicographic sort, Open3D and a MultiPoint hull give.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import shapely
import trimesh

from prosthetics import cache
from prosthetics.insoles import foot as foot_mod
from prosthetics.insoles import template
from prosthetics.insoles.foot import Side
from prosthetics.insoles.template import InsoleParams, build_insole, height_field_slab, top_z_at

from .conftest import ROOT

FOOT_SCAN = ROOT / "scans" / "foot_phone.ply"


def _same_mesh(a: trimesh.Trimesh, b: trimesh.Trimesh) -> None:
    np.testing.assert_array_equal(a.vertices, b.vertices)
    np.testing.assert_array_equal(a.faces, b.faces)


def _entries(folder) -> list:
    return sorted((folder / "insole_outline").glob("*.npz"))


@pytest.mark.slow
def test_cached_outline_solids_give_the_built_insole(foot_cases, tmp_path, monkeypatch):
    foot = foot_cases["plantar"]["foot"]
    p = InsoleParams(rearfoot_posting_deg=4.0, heel_cup_depth_mm=15.0)
    monkeypatch.setenv(cache.CACHE_ENV_VAR, "off")
    built = build_insole(foot, p)
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(folder))
    cold = build_insole(foot, p)
    assert len(_entries(folder)) == 1

    prism = template._prism

    def no_prism(*_a, **_k):
        raise AssertionError("a CadQuery prism was built on a cache hit")

    monkeypatch.setattr(template, "_prism", no_prism)
    warm = build_insole(foot, p)
    for res in (cold, warm):
        _same_mesh(res.mesh, built.mesh)
        assert res.metrics == built.metrics
    assert warm.mesh.is_watertight and warm.mesh.volume > 0
    # The other foot's insole is the mirror of the same solids: the same entry.
    other = Side.LEFT if foot.side is Side.RIGHT else Side.RIGHT
    mirrored = build_insole(foot, p.replace(side=other))
    np.testing.assert_array_equal(mirrored.mesh.vertices * [1, -1, 1], built.mesh.vertices)
    assert len(_entries(folder)) == 1

    # What shapes the solids is in the key: another wall, another outline, other heights.
    monkeypatch.setattr(template, "_prism", prism)
    for change in ({"heel_cup_wall_mm": 4.0}, {"length_margin_mm": 10.0},
                   {"base_thickness_mm": 4.0}):
        build_insole(foot, p.replace(**change))
    assert len(_entries(folder)) == 4
    # No heel cup: the outline alone, one more entry, and still the built insole.
    flat = p.replace(heel_cup_depth_mm=0.0)
    cached_flat = build_insole(foot, flat)
    monkeypatch.setenv(cache.CACHE_ENV_VAR, "off")
    _same_mesh(cached_flat.mesh, build_insole(foot, flat).mesh)
    assert len(_entries(folder)) == 5


RUN = """
import json, sys
from prosthetics.design.insole import run_insole, write_insole
report = write_insole(run_insole(sys.argv[1], settings={"slice": "false"}), sys.argv[2])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("cadquery", "OCP"))
print(json.dumps({"heavy": heavy, "report": report}))
"""


@pytest.mark.slow
def test_a_design_on_a_warm_cache_loads_no_cadquery(tmp_path):
    env = {**os.environ, cache.CACHE_ENV_VAR: str(tmp_path / "cache")}

    def design(name: str) -> dict:
        proc = subprocess.run([sys.executable, "-c", RUN, str(FOOT_SCAN), str(tmp_path / name)],
                              env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    cold = design("cold")
    assert "cadquery" in cold["heavy"]              # it built the outline solids
    warm = design("warm")
    assert warm["heavy"] == [], warm["heavy"][:5]
    assert len(_entries(tmp_path / "cache")) == 1
    for key in ("measurements", "landmarks", "insole", "checks", "transform_scan_to_design",
                "warnings"):
        assert warm["report"][key] == cold["report"][key], key
    stl = f"insole_{cold['report']['insole']['side']}.stl"
    _same_mesh(trimesh.load(tmp_path / "warm" / stl, process=False),
               trimesh.load(tmp_path / "cold" / stl, process=False))


# ------------------------------------------------------------------- the faster routes

def _trimesh_top_z(mesh: trimesh.Trimesh, xy: np.ndarray) -> np.ndarray:
    """The first hit from above by trimesh's own ray test (the reference)."""
    origins = np.column_stack([xy, np.full(len(xy), mesh.bounds[1, 2] + 10.0)])
    dirs = np.tile([0.0, 0.0, -1.0], (len(xy), 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        loc, idx, _ = mesh.ray.intersects_location(origins, dirs, multiple_hits=False)
    z = np.full(len(xy), np.nan)
    z[idx] = np.asarray(loc).reshape(-1, 3)[:, 2]
    return z


@pytest.mark.parametrize("shape", ["slab", "sphere", "box"])
def test_top_z_at_is_trimesh_ray_test(shape):
    rng = np.random.default_rng(3)
    if shape == "slab":
        xs, ys = np.arange(0.0, 60.0, 1.5), np.arange(-20.0, 20.0, 1.5)
        X, Y = np.meshgrid(xs, ys, indexing="ij")
        mesh = height_field_slab(xs, ys, 5 + 3 * np.sin(X / 7.0) * np.cos(Y / 5.0), -3.0)
    elif shape == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=3, radius=20.0)
    else:
        mesh = trimesh.creation.box((30.0, 20.0, 10.0))
    lo, hi = mesh.bounds
    xy = np.vstack([rng.uniform(lo[:2] - 3, hi[:2] + 3, (3000, 2)),       # in and around
                    mesh.vertices[:, :2],                                 # on vertices
                    mesh.triangles[:, :2, :2].mean(axis=1)])              # on edges
    got, want = top_z_at(mesh, xy), _trimesh_top_z(mesh, xy)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.isfinite(got).sum() > 1000
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
    assert np.isnan(top_z_at(mesh, np.array([[hi[0] + 50.0, 0.0]])))[0]
    assert top_z_at(mesh, np.zeros((0, 2))).shape == (0,)


def test_column_minima_are_the_lowest_point_of_each_column():
    rng = np.random.default_rng(5)
    p = rng.normal(size=(20_000, 3)) * [40.0, 15.0, 10.0]
    p[:4000, 2] = np.round(p[:4000, 2])            # equal heights: the first one counts
    for cell in (0.5, 4.0, 5.0):
        cells = np.floor(p[:, :2] / cell).astype(np.int64)
        key = cells[:, 0] * 100_003 + cells[:, 1]
        order = np.lexsort((p[:, 2], key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        np.testing.assert_array_equal(foot_mod._cell_minima(p, cell), p[order][first])


def test_stray_test_keeps_what_open3d_keeps():
    from prosthetics.scan.clean import not_strays
    from prosthetics.scan.floor import quiet_open3d

    o3d = quiet_open3d()
    rng = np.random.default_rng(7)
    surface = rng.uniform(-50, 50, (8000, 3)) * [1.0, 1.0, 0.02]
    strays = rng.uniform(-80, 80, (300, 3))
    pts = np.vstack([surface, strays])
    for radius, count in ((5.0, 6), (3.0, 2), (8.0, 20)):
        pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts))
        _cloud, kept = pcd.remove_radius_outlier(nb_points=count, radius=radius)
        mask = not_strays(pts, radius, count)
        np.testing.assert_array_equal(np.flatnonzero(mask), np.asarray(kept))
        assert 0 < mask.sum() < len(pts)


def test_footprint_hull_of_a_line_is_the_hull_of_the_points():
    rng = np.random.default_rng(9)
    for n in (500, 5000):
        pts = rng.normal(size=(n, 2)) * [60.0, 25.0]
        a = shapely.concave_hull(shapely.MultiPoint(pts), ratio=0.03)
        b = shapely.concave_hull(shapely.linestrings(pts), ratio=0.03)
        np.testing.assert_array_equal(np.asarray(a.exterior.coords), np.asarray(b.exterior.coords))
