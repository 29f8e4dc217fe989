"""The transradial template: on the phone-like forearm scan (print, STEP, walls) and its truth."""

import json

import numpy as np
import pytest
import trimesh

from prosthetics import pipeline
from prosthetics.adapters import CouplerKind
from prosthetics.checks import solid_checks
from prosthetics.errors import ParameterError
from prosthetics.printing import find_slicer
from prosthetics.step import read_step_solids
from prosthetics.transradial import TransradialParams, build_transradial

from .conftest import ROOT, surface_distances

PHONE = ROOT / "scans" / "transradial_phone.ply"
TRUTH = ROOT / "scans" / "source" / "transradial_vh_m.stl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The default preset on the phone-like scan, written as STL and STEP and sliced."""
    d = pipeline.run_design(PHONE, template="transradial")
    out = tmp_path_factory.mktemp("transradial")
    report = pipeline.write_design(d, out, formats=frozenset({"stl", "step"}))
    return d, report, out


@pytest.fixture(scope="module")
def truth_limb():
    from prosthetics.align import align_limb
    from prosthetics.clean import clean_scan
    from prosthetics.loaders import load_scan

    return align_limb(clean_scan(load_scan(TRUTH))).mesh


def test_default_preset_gives_one_printable_body(written):
    d, r, out = written
    c = r["checks"]
    assert c["watertight"] and c["bodies"] == 1 and c["winding_consistent"]
    assert c["stl_file"]["watertight"]
    assert c["min_wall_mm"] >= d.groups["template"].wall_thickness_mm - 0.1 and c["wall_ok"]
    assert r["kind"] == "transradial_socket" and r["template"]["preset"] == "transradial"
    assert r["socket"]["label"]["text"].startswith("TRANSRADIAL-PHONE R\n")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json",
                                                     "socket.step", "socket.stl"]
    s = c["slicer"]
    if find_slicer() is not None:
        assert s["ran"] and s["ok"] and s["repaired"] is False, s
        assert s["filament_g"] > 0 and s["cost"] > 0 and s["print_time_s"] > 600


def test_step_reimports_with_the_stl_volume(written):
    _d, r, out = written
    stl = trimesh.load(out / "socket.stl")
    solids = read_step_solids(out / "socket.step")
    assert len(solids) == 1 and solids[0].isValid()
    assert solids[0].Volume() == pytest.approx(stl.volume, rel=0.005)
    step = next(o for o in r["outputs"] if o["format"] == "step")
    assert step["faces"] == len(stl.faces)


def test_cavity_follows_the_truth_forearm(written):
    """Laid back with the reported transform, the cleaned phone scan lies on the crop."""
    d, r, _out = written
    meta = json.loads(PHONE.with_suffix(".truth.json").read_text())
    truth = trimesh.load(TRUTH, process=False).apply_transform(
        np.asarray(r["transform_scan_to_design"]) @ np.asarray(meta["truth_to_file"]))
    dist = surface_distances(d.limb, truth)
    assert dist.mean() < 0.6 and np.percentile(dist, 95) < 1.5


def test_trim_is_cut_down_at_the_elbow_crease(truth_limb):
    p = TransradialParams(grid_rows=40, grid_columns=48, cut_direction_deg=90.0,
                          anterior_trim_drop_mm=40.0)
    s = build_transradial(truth_limb, p)
    theta = np.degrees(np.arctan2(s.grid.inner[-1, :, 1], s.grid.inner[-1, :, 0]))
    top = s.grid.trim_z
    assert top[np.argmin(np.abs(theta - 90))] == pytest.approx(top.max() - 40.0, abs=0.5)
    assert top[np.argmin(np.abs(theta + 90))] == pytest.approx(top.max(), abs=0.5)
    assert solid_checks(s.mesh)["watertight"]


def test_threaded_and_bolted_couplers(truth_limb):
    kw = dict(grid_rows=40, grid_columns=48)
    thr = build_transradial(truth_limb, TransradialParams(**kw))
    a = thr.adapter
    z = a.bottom_z_mm + 0.5 * a.insert_depth_mm
    # The insert pocket is empty, the disc around it solid.
    assert thr.mesh.contains(np.array([[0, 0, z], [6.0, 0, z], [10.0, 0, z]])).tolist() == \
        [False, False, True]
    bolt = build_transradial(truth_limb, TransradialParams(coupler_kind=CouplerKind.BOLTED, **kw))
    c = bolt.adapter.hole_centres()
    assert len(c) == 4 and np.linalg.norm(c, axis=1) == pytest.approx([16.0] * 4)
    zb = bolt.adapter.bottom_z_mm + 2.0
    assert not bolt.mesh.contains(np.array([[*c[0], zb]]))[0]
    assert solid_checks(bolt.mesh)["bodies"] == 1


def test_coupler_parameters_are_checked():
    with pytest.raises(ParameterError, match="under 2 mm of wall"):
        TransradialParams(coupler_diameter_mm=30.0, coupler_insert_diameter_mm=28.0)
    with pytest.raises(ParameterError, match="thicker"):
        TransradialParams(coupler_thickness_mm=8.0, coupler_insert_depth_mm=8.0)
    with pytest.raises(ParameterError, match="disc edge"):
        TransradialParams(coupler_kind=CouplerKind.BOLTED, coupler_bolt_circle_radius_mm=21.0)
