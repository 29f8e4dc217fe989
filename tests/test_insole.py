"""The insole template against its intent and against ground truth.

On phone-like scans of both truths (the clean plantar scan in mm and the FIND template in
metres): insole length = foot length + margin (2 mm), with arch fill 0 the top within
0.5 mm of the TRUE plantar surface over the contact area, heel cup height within 0.5 mm,
posting angles within 0.5 degree, one watertight body; left and right are mirror images.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import trimesh

from prosthetics.cli.main import main as cli_main
from prosthetics.design.insole import insole_parameter_groups
from prosthetics.errors import ParameterError
from prosthetics.insoles.foot import Side
from prosthetics.insoles.outline import shoe_last_length_mm
from prosthetics.insoles.template import (
    InsoleParams,
    LengthKind,
    OutlineFrom,
    SizeSystem,
    build_insole,
    measure_insole,
)

from .conftest import plantar_from_below


@pytest.fixture(scope="session")
def insoles(foot_cases):
    """Default insoles on both phone-like scans: name -> (foot, insole, truth plantar)."""
    out = {}
    for name, case in foot_cases.items():
        ins = build_insole(case["foot"], InsoleParams())
        out[name] = (case["foot"], ins, plantar_from_below(case["truth"]))
    return out


def _solid_ok(mesh: trimesh.Trimesh):
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert len(mesh.split(only_watertight=False)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["plantar", "template"])
def test_default_insole_meets_its_intent_against_truth(insoles, name):
    foot, ins, truth_plantar = insoles[name]
    _solid_ok(ins.mesh)
    m = measure_insole(ins, foot, plantar_truth=truth_plantar)
    L = foot.measurements.foot_length_mm
    assert abs(m["length_mm"] - (L + 6.0)) <= 2.0, (m["length_mm"], L)
    # The top against the TRUE plantar surface (not the scan's estimate) over the contact
    # area where the template follows the foot.
    tvp = m["top_vs_plantar_mm"]
    assert tvp["points"] > 3000 and m["contact_area_cm2"] > 60
    assert tvp["p95"] <= 0.5 and tvp["mean"] <= 0.2, tvp
    # The mesh against the height field it was built from (interpolation between nodes).
    assert m["top_vs_design_mm"]["p95"] <= 0.1
    assert abs(m["heel_cup_depth_mm"] - 12.0) <= 0.5
    assert abs(m["rearfoot_posting_deg"]) <= 0.5 and abs(m["forefoot_posting_deg"]) <= 0.5
    # The insole is under the foot: its bottom at -base, the plantar plane at 0.
    assert ins.mesh.bounds[0, 2] == pytest.approx(-3.0, abs=1e-6)


@pytest.mark.slow
def test_posting_heel_cup_and_cover_as_set(insoles):
    foot, _ins, _t = insoles["plantar"]
    p = InsoleParams(rearfoot_posting_deg=5.0, forefoot_posting_deg=-3.0,
                     heel_cup_depth_mm=20.0, top_cover_mm=1.5)
    ins = build_insole(foot, p)
    _solid_ok(ins.mesh)
    m = measure_insole(ins, foot)
    assert abs(m["rearfoot_posting_deg"] - 5.0) <= 0.5
    assert abs(m["forefoot_posting_deg"] + 3.0) <= 0.5
    assert abs(m["heel_cup_depth_mm"] - 20.0) <= 0.5
    # Cover and wedges taken off, the top still follows the foot.
    assert m["top_vs_plantar_mm"]["p95"] <= 0.5
    # A medial post is thicker on the medial side under the heel.
    hx = 0.12 * foot.measurements.foot_length_mm
    ms = foot.medial_sign
    from prosthetics.insoles.template import top_z_at

    zm, zl = top_z_at(ins.mesh, np.array([[hx, ms * 20.0], [hx, -ms * 20.0]]))
    pm, pl = foot.heights.sample(np.array([[hx, ms * 20.0], [hx, -ms * 20.0]]))
    assert (zm - pm) - (zl - pl) == pytest.approx(40.0 * np.tan(np.radians(5.0)), abs=0.3)


@pytest.mark.slow
def test_left_and_right_are_mirror_images(insoles):
    foot, ins, _t = insoles["plantar"]
    other = Side.LEFT if foot.side is Side.RIGHT else Side.RIGHT
    mirrored = build_insole(foot, InsoleParams(side=other))
    assert mirrored.mirrored and mirrored.side is other and not ins.mirrored
    _solid_ok(mirrored.mesh)
    assert abs(mirrored.mesh.volume / ins.mesh.volume - 1.0) < 1e-3
    # Mirror it back: the same surface.
    back = mirrored.mesh.vertices * [1, -1, 1]
    from scipy.spatial import cKDTree

    d, _ = cKDTree(ins.mesh.vertices).query(back)
    assert np.percentile(d, 99) < 1e-6


@pytest.mark.slow
def test_three_quarter_and_shoe_size_outlines(insoles):
    foot, _ins, _t = insoles["template"]
    m = foot.measurements
    tq = build_insole(foot, InsoleParams(length_kind=LengthKind.THREE_QUARTER))
    _solid_ok(tq.mesh)
    assert tq.mesh.bounds[1, 0] == pytest.approx(m.met_heads_x_mm - 5.0, abs=1.0)
    size = build_insole(foot, InsoleParams(outline_from=OutlineFrom.SHOE_SIZE, shoe_size=41,
                                           shoe_size_system=SizeSystem.EU))
    _solid_ok(size.mesh)
    assert np.ptp(size.mesh.vertices[:, 0]) == pytest.approx(41 * 20 / 3, abs=0.5)
    # Arch fill and a metatarsal pad raise the top where they are, not elsewhere.
    pads = build_insole(foot, InsoleParams(arch_fill_mm=4.0, met_pad_height_mm=5.0))
    _solid_ok(pads.mesh)
    assert pads.mesh.volume > _ins.mesh.volume + 5_000


def test_shoe_size_grading():
    assert shoe_last_length_mm(42, SizeSystem.EU) == pytest.approx(280.0)
    assert shoe_last_length_mm(8, SizeSystem.UK) == pytest.approx(279.4, abs=0.05)
    assert shoe_last_length_mm(9, SizeSystem.US_MEN) == pytest.approx(279.4, abs=0.05)
    assert shoe_last_length_mm(10, SizeSystem.US_WOMEN) == pytest.approx(279.4, abs=0.05)


def test_parameters_are_validated():
    with pytest.raises(ParameterError, match="heel_cup_depth_mm"):
        insole_parameter_groups(settings={"heel_cup_depth_mm": "31"})
    with pytest.raises(ParameterError, match="did you mean"):
        insole_parameter_groups(settings={"heel_cup_dept_mm": "12"})
    with pytest.raises(ParameterError, match="top_cover_mm"):
        InsoleParams(top_cover_mm=3.0, base_thickness_mm=3.0)


@pytest.mark.slow
@pytest.mark.slicer
def test_cli_on_the_sample_writes_a_sliceable_insole(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli_main(["insole", "--side", "left", "--out", str(out), "--set",
                     "layer_height_mm=0.3", "--set", "infill_percent=10"])
    assert code == 0, capsys.readouterr().err
    r = json.loads((out / "report.json").read_text())
    assert set(r["measurements"]) == {"foot_length_mm", "ball_width_mm", "heel_width_mm",
                                      "arch_height_mm"}
    assert r["template"]["parameters"]["side"] == "left"
    assert r["insole"]["mirrored"] is True            # the sample is a right foot
    T = np.array(r["transform_scan_to_design"])
    assert T.shape == (4, 4) and np.linalg.det(T[:3, :3]) < 0     # a mirror
    c = r["checks"]
    assert c["watertight"] and c["bodies"] == 1 and c["volume_ml"] > 50
    assert c["stl_file"]["watertight"]
    assert abs(c["length_mm"] - c["length_expected_mm"]) <= 2.0
    assert c["slicer"]["ran"] and c["slicer"]["ok"], c["slicer"]["message"]
    assert c["slicer"]["mesh_stats"].get("number_of_parts") == 1
    # Printed as designed: the flat bottom on the bed, nothing to support.
    po = r["insole"]["print_orientation"]
    assert po["description"] == "as designed (+Z up)" and po["support_ml"] < 1.0
    assert po["bed_contact_cm2"] > 100 and c["printer"]["orientation"] == po["description"]
    assert all(o["frame"] == "print" for o in r["outputs"])
    # PrusaSlicer reads these settings from the 3MF (checked by hand: "; fill_density =
    # 13%" in the G-code of a 3MF written with 13 %); the part stands on the bed.
    with zipfile.ZipFile(out / "insole_left.3mf") as z:
        cfg = z.read("Metadata/Slic3r_PE.config").decode()
        assert "; fill_density = 10%" in cfg and "; perimeters = 3" in cfg
        assert "3D/3dmodel.model" in z.namelist()
    assert (out / "report.html").stat().st_size > 50_000
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_insole_preset_is_refused_by_design_and_listed(capsys):
    code = cli_main(["design", "--template", "insole", "--out", "/nonexistent/x"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "prosthetics insole" in err[0], err
    assert cli_main(["templates", "list"]) == 0
    out = capsys.readouterr().out
    assert "insole_supportive" in out and "transtibial" in out
    with pytest.raises(ParameterError, match="insole preset"):
        from prosthetics.design.insole import resolve_insole_preset

        resolve_insole_preset("transtibial")
