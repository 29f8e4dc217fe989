"""Shared fixtures: the clean limb (truth), phone-like scans of it, and one design run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh

ROOT = Path(__file__).resolve().parent.parent
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"


@pytest.fixture(scope="session")
def truth_mesh() -> trimesh.Trimesh:
    """The clean transtibial limb scan (mm), the ground truth of the phone-like scans."""
    return trimesh.load(TRUTH_STL, process=False)


@pytest.fixture(scope="session")
def sample_truth() -> dict:
    """The truth record of the sample scan (transform truth -> file)."""
    meta = json.loads(SAMPLE.with_suffix(".truth.json").read_text())
    meta["truth_to_file"] = np.asarray(meta["truth_to_file"])
    return meta


@pytest.fixture(scope="session")
def aligned_truth(truth_mesh):
    """The clean limb, cleaned (kept as it is) and aligned to the limb frame."""
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    scan = load_scan(TRUTH_STL)
    return align_limb(clean_scan(scan))


@pytest.fixture(scope="session")
def sample_design():
    """One full design run on the sample scan (no slicing), shared by the pipeline tests."""
    from prosthetics.design.session import run_design

    return run_design(SAMPLE, settings={"slice": "false"})


def surface_distances(a: trimesh.Trimesh, b: trimesh.Trimesh, n: int = 30_000, seed: int = 0):
    """Distances from points sampled on ``a`` to ``b`` (mm), (n,)."""
    from prosthetics.geometry.meshing import SurfaceQuery

    pts, _ = trimesh.sample.sample_surface(a, n, seed=seed)
    return SurfaceQuery(b).distance(pts)


# ---------------------------------------------------------------------------- feet

PLANTAR = ROOT / "scans" / "source" / "plantar_scan.obj"
TEMPLATE = ROOT / "scans" / "source" / "foot_template_decimated.ply"
FOOT_PHONE = {"n_points": 150_000, "noise_mm": 0.5, "stray_fraction": 0.02, "hole_fraction": 0.0,
         "hand": False, "floor": True, "units": "m"}


def truth_in_design(truth_mm: trimesh.Trimesh, truth_to_file: np.ndarray, scan, foot):
    """The truth mesh laid into the foot frame through the scan's own transform."""
    M = foot.transform @ scan.file_to_mm @ truth_to_file
    return truth_mm.copy().apply_transform(M)


def plantar_from_below(mesh: trimesh.Trimesh):
    """(n, 2) -> (n,): the first surface hit from below (NaN where none)."""
    def f(xy):
        o = np.column_stack([xy, np.full(len(xy), mesh.bounds[0, 2] - 10.0)])
        d = np.tile([0.0, 0.0, 1.0], (len(xy), 1))
        loc, idx, _ = mesh.ray.intersects_location(o, d, multiple_hits=False)
        z = np.full(len(xy), np.nan)
        if len(idx):
            z[idx] = loc[:, 2]
        return z
    return f


@pytest.fixture(scope="session")
def foot_cases(tmp_path_factory):
    from prosthetics.insoles.foot import process_foot
    from prosthetics.scan.loaders import load_scan
    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    """Both truths and a phone-like scan of each, processed: name -> dict."""
    out = {}
    tmp = tmp_path_factory.mktemp("feet")
    for name, path, seed in (("plantar", PLANTAR, 11), ("template", TEMPLATE, 12)):
        clean_scan = load_scan(path)
        truth = trimesh.Trimesh(clean_scan.points, clean_scan.faces, process=False)
        ps = make_phone_scan(truth, seed=seed, **FOOT_PHONE)
        ply = tmp / f"{name}_phone.ply"
        write_ply(ply, ps.points, ps.colors)
        scan = load_scan(ply)
        foot = process_foot(scan)
        design_truth = truth_in_design(truth, ps.truth_to_file, scan, foot)
        out[name] = {"clean_scan": clean_scan, "clean_foot": process_foot(clean_scan),
                     "scan": scan, "foot": foot, "truth": design_truth, "ply": ply}
    return out


def _aligned_crop(name: str):
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    return align_limb(clean_scan(load_scan(ROOT / "scans" / "source" / name))).mesh


@pytest.fixture(scope="session")
def aligned_forearm() -> trimesh.Trimesh:
    """The forearm residual limb cropped from the Visible Human skin, aligned (mm)."""
    return _aligned_crop("transradial_vh_m.stl")


@pytest.fixture(scope="session")
def aligned_thigh() -> trimesh.Trimesh:
    """The thigh residual limb cropped from the Visible Human skin, aligned (mm)."""
    return _aligned_crop("transfemoral_vh_f.stl")


@pytest.fixture(scope="session", autouse=True)
def _geometry_cache(tmp_path_factory):
    """One geometry cache per test process, never the user's own."""
    import os

    from prosthetics.cache import CACHE_ENV_VAR

    old = os.environ.get(CACHE_ENV_VAR)
    os.environ[CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("geometry-cache"))
    yield
    if old is None:
        os.environ.pop(CACHE_ENV_VAR, None)
    else:
        os.environ[CACHE_ENV_VAR] = old
