"""Every new template's default preset on its phone-like scan: one watertight body that
PrusaSlicer slices without repairs, walls at least as set, a STEP with the STL's volume.

(The transtibial default preset is checked the same way in test_pipeline.py.)
"""

import json

import numpy as np
import pytest
import trimesh

from prosthetics import design as pipeline
from prosthetics.geometry.step import read_step_solids
from prosthetics.printing.slicer import find_slicer

from .conftest import ROOT, surface_distances

pytestmark = [pytest.mark.slow, pytest.mark.slicer]

CASES = {"transradial": ROOT / "scans" / "transradial_phone.ply",
         "transfemoral": ROOT / "scans" / "transfemoral_phone.ply"}


@pytest.fixture(scope="module", params=sorted(CASES))
def written(request, tmp_path_factory):
    name = request.param
    d = pipeline.run_design(CASES[name], template=name)
    out = tmp_path_factory.mktemp(name)
    report = pipeline.write_design(d, out, formats=frozenset({"stl", "step"}))
    return name, d, report, out


def test_default_preset_gives_one_printable_body(written):
    name, d, r, out = written
    c = r["checks"]
    assert c["watertight"] and c["bodies"] == 1 and c["winding_consistent"]
    assert c["stl_file"]["watertight"]
    assert c["min_wall_mm"] >= d.groups["template"].wall_thickness_mm - 0.1 and c["wall_ok"]
    assert r["kind"] == f"{name}_socket" and r["template"]["preset"] == name
    # Labelled with the scan's anonymous ID, never its file name.
    assert r["socket"]["label"]["text"].startswith(f"{r['input']['scan_id']} ")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.pdf",
                                                     "socket.step", "socket.stl"]
    if find_slicer() is None:
        pytest.skip("PrusaSlicer is not installed")
    s = c["slicer"]
    assert s["ran"] and s["ok"] and s["repaired"] is False, s
    assert s["filament_g"] > 0 and s["cost"] > 0 and s["print_time_s"] > 600


def test_step_reimports_as_one_solid_with_the_stl_volume(written):
    _name, _d, r, out = written
    stl = trimesh.load(out / "socket.stl")
    solids = read_step_solids(out / "socket.step")
    assert len(solids) == 1 and solids[0].isValid()
    # OCC's volume integrated finely (its default is 0.3 % off on dense B-spline faces).
    from prosthetics.sockets.brep_socket import volume_mm3

    assert volume_mm3(solids[0]) == pytest.approx(stl.volume, rel=0.005)
    step = next(o for o in r["outputs"] if o["format"] == "step")
    if r["checks"]["step"]["kind"] == "faceted":      # the smooth model failed its check
        assert step["faces"] == {"plane": len(stl.faces)}
        assert r["checks"]["step"]["why_not_smooth"]
    else:                                             # a few smooth faces, no triangles
        assert step["faces"]["bspline"] >= 4 and sum(step["faces"].values()) < 100


def test_cleaned_phone_scan_lies_on_the_crop(written):
    """Laid back with the reported transform, the cleaned phone scan lies on its truth."""
    name, d, r, _out = written
    meta = json.loads(CASES[name].with_suffix(".truth.json").read_text())
    truth = trimesh.load(ROOT / meta["source"], process=False).apply_transform(
        np.asarray(r["transform_scan_to_design"]) @ np.asarray(meta["truth_to_file"]))
    dist = surface_distances(d.limb, truth)
    assert dist.mean() < 0.6 and np.percentile(dist, 95) < 1.5
