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
    from prosthetics.align import align_limb
    from prosthetics.clean import clean_scan
    from prosthetics.loaders import load_scan

    scan = load_scan(TRUTH_STL)
    return align_limb(clean_scan(scan))


@pytest.fixture(scope="session")
def sample_design():
    """One full design run on the sample scan (no slicing), shared by the pipeline tests."""
    from prosthetics.pipeline import run_design

    return run_design(SAMPLE, settings={"slice": "false"})


def surface_distances(a: trimesh.Trimesh, b: trimesh.Trimesh, n: int = 30_000, seed: int = 0):
    """Distances from points sampled on ``a`` to ``b`` (mm), (n,)."""
    from prosthetics.meshing import SurfaceQuery

    pts, _ = trimesh.sample.sample_surface(a, n, seed=seed)
    return SurfaceQuery(b).distance(pts)


def _aligned_crop(name: str):
    from prosthetics.align import align_limb
    from prosthetics.clean import clean_scan
    from prosthetics.loaders import load_scan

    return align_limb(clean_scan(load_scan(ROOT / "scans" / "source" / name))).mesh


@pytest.fixture(scope="session")
def aligned_forearm() -> trimesh.Trimesh:
    """The forearm residual limb cropped from the Visible Human skin, aligned (mm)."""
    return _aligned_crop("transradial_vh_m.stl")


@pytest.fixture(scope="session")
def aligned_thigh() -> trimesh.Trimesh:
    """The thigh residual limb cropped from the Visible Human skin, aligned (mm)."""
    return _aligned_crop("transfemoral_vh_f.stl")
