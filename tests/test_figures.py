"""Figures shown to clinicians: volumes below a common level in a case's history, the volume
below every level, and circumferences as a tape reads them."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from shapely.geometry import Point, Polygon

from prosthetics.cases import add_scan, new_case, open_case
from prosthetics.cases.record import record_html, trend_chart_png
from prosthetics.cases.trends import (
    at_common_level,
    circumference_change,
    common_level,
    measurement_entry,
    trends,
    volume_below_level,
    volume_change,
)
from prosthetics.limb.measure import (
    measure_limb,
    proximal_rim_z,
    sections,
    tape_perimeter,
    volume_below,
    volumes_below,
)

from .conftest import TRUTH_STL

LOSS = 0.96        # the later scan: 4 % less volume (x and y scaled by its square root)
SHORTER_MM = 12.0  # the first scan stops this much lower


def prism(outline: Polygon, height: float = 40.0) -> trimesh.Trimesh:
    return trimesh.creation.extrude_polygon(outline, height)


# -- circumferences as a tape reads them --------------------------------------------------------
def test_tape_bridges_a_concavity():
    """A 60 mm square with a notch 10 mm wide and 15 mm deep in one side: the perimeter
    follows the notch (240 + 2 x 15 mm), a tape bridges it (240 mm)."""
    notched = Polygon([(0, 0), (25, 0), (25, 15), (35, 15), (35, 0), (60, 0), (60, 60),
                       (0, 60)])
    s = sections(prism(notched), [20.0])[0]
    assert s.perimeter_mm == pytest.approx(270.0, abs=1e-6)
    assert s.tape_mm == pytest.approx(240.0, abs=1e-6)
    assert s.tape_mm < s.perimeter_mm - 29.0


def test_tape_equals_the_perimeter_on_a_convex_section():
    circle = Point(0, 0).buffer(40.0, 64)                 # a convex 256-gon
    s = sections(prism(circle), [20.0])[0]
    assert s.tape_mm == pytest.approx(s.perimeter_mm, rel=1e-3)
    assert s.tape_mm == pytest.approx(2 * np.pi * 40.0, rel=5e-3)
    # Fewer than three points: twice the longest extent, not an error.
    assert tape_perimeter(np.array([[0.0, 0.0], [10.0, 0.0]])) == pytest.approx(20.0)


def test_measurements_keep_their_keys_and_add_tape_and_volume_by_level(aligned_truth):
    mesh = aligned_truth.mesh
    m = measure_limb(mesh)
    d = m.as_dict()
    assert list(d)[:5] == ["length_mm", "volume_ml", "volume_top_z_mm", "circumferences",
                           "widths"]
    assert d["volume_ml"] == pytest.approx(volume_below(mesh, proximal_rim_z(mesh)) / 1000,
                                           abs=0.01)
    tapes, circ = d["tape_circumferences"], d["circumferences"]
    assert [t["z_mm"] for t in tapes] == [c["z_mm"] for c in circ]
    assert [t["perimeter_mm"] for t in tapes] == [c["mm"] for c in circ]
    # The limb's sections are nearly convex: the tape reads at most 1 % less, never more.
    ratio = np.array([t["tape_mm"] / t["perimeter_mm"] for t in tapes])
    assert np.all(ratio <= 1.0) and ratio.min() > 0.99
    levels = d["volume_by_level"]
    assert [v["z_mm"] for v in levels] == [c["z_mm"] for c in circ]
    for v in levels[::5]:
        assert v["volume_below_ml"] == pytest.approx(volume_below(mesh, v["z_mm"]) / 1000,
                                                     abs=6e-4)      # kept to 0.001 ml


def test_volumes_below_many_levels_match_the_cut(aligned_truth):
    mesh = aligned_truth.mesh
    top = proximal_rim_z(mesh)
    z = np.array([0.5, 7.3, 50.0, 123.456, 200.0, top - 0.2, top])
    exact = np.array([volume_below(mesh, h) for h in z])
    assert volumes_below(mesh, z) == pytest.approx(exact, rel=1e-9)
    assert volumes_below(mesh, [-5.0])[0] == 0.0


def test_volume_between_stored_levels(aligned_truth):
    """The volume below any level from the stored per-level volumes and areas, against the
    mesh cut there: within 0.6 ml (0.04 % of the limb's 1625 ml; a sock ply is 1.1 %)."""
    mesh = aligned_truth.mesh
    e = measurement_entry("S01", "2026-01-01", measure_limb(mesh).as_dict(), "test")
    top = e["own_rim_z_mm"]
    for z in [*np.arange(10.0, top, 3.7), top - 4.0, top - 0.5]:
        exact = volume_below(mesh, z) / 1000
        assert volume_below_level(e, z) == pytest.approx(exact, abs=0.6), z
    assert volume_below_level(e, top) == e["own_rim_volume_ml"]
    assert volume_below_level(e, top + 1.0) is None
    assert volume_below_level(e, 5.0) is None


# -- a case's history below the common level ----------------------------------------------------
@pytest.fixture(scope="module")
def loss_case(tmp_path_factory):
    """Two scans of the clean limb: the first stops 12 mm lower; the later one has 4 % less
    volume (thinner across, as a limb loses volume) and goes up to the top."""
    tmp = tmp_path_factory.mktemp("loss")
    m = trimesh.load(TRUTH_STL, process=False)             # z is the long axis, distal down
    first = m.slice_plane([0.0, 0.0, m.bounds[1, 2] - SHORTER_MM], [0.0, 0.0, -1.0])
    first.export(tmp / "first.stl")
    later = m.copy()
    c = later.vertices[:, :2].mean(axis=0)
    later.vertices[:, :2] = (later.vertices[:, :2] - c) * np.sqrt(LOSS) + c
    later.export(tmp / "later.stl")
    case = new_case(tmp / "cases", side="right", amputation_level="transtibial")
    add_scan(case, tmp / "first.stl", captured_on="2026-03-01")
    add_scan(case, tmp / "later.stl", captured_on="2026-06-01")
    return open_case(case.path)


def test_trends_compare_volumes_below_the_common_level(loss_case):
    raw = trends(loss_case, common=False)
    # Each to its own rim, the later, taller scan even shows a gain.
    assert 100 * (raw[1]["volume_ml"] / raw[0]["volume_ml"] - 1) > 2.0
    t = trends(loss_case)
    level = raw[0]["own_rim_z_mm"]
    assert level < raw[1]["own_rim_z_mm"] - 10.0
    assert [e["common_z_mm"] for e in t] == [pytest.approx(level, abs=0.01)] * 2
    assert all(e["volume_level"] == "common" for e in t)
    assert all(e["volume_top_z_mm"] == pytest.approx(level, abs=0.01) for e in t)
    assert "lowest proximal rim" in t[0]["common_level"] and "S01" in t[0]["common_level"]
    assert t[0]["volume_ml"] == raw[0]["volume_ml"]        # the shorter scan: to its own rim
    ch = volume_change(t)
    assert ch[1]["change_percent"] == pytest.approx(-4.0, abs=0.1)
    assert ch[1]["sock_ply_equivalent"] == pytest.approx(-4.0 / 1.1, abs=0.1)
    # Circumferences (and tape readings) shrink by sqrt(0.96) at every level below it.
    for key in ("circumferences", "tape_circumferences"):
        c = circumference_change(t, key)[1]
        assert c["mean_change_percent"] == pytest.approx(100 * (np.sqrt(LOSS) - 1), abs=0.1)
        assert c["z_range_mm"][1] <= level and c["levels"] >= 20


def test_record_names_the_common_level(loss_case):
    t = trends(loss_case)
    s = loss_case.scans[1]
    record = {"number": 1, "report": {}, "case": {"case_id": loss_case.case_id},
              "scan": {"id": s["id"], "sha256": s["sha256"]}, "template": {}}
    page = record_html(loss_case, record, None, trend_chart_png(t, highlight="S02"), t)
    level = t[0]["common_z_mm"]
    assert f"common level <strong>z = {level:.0f} mm</strong>" in page
    assert "lowest proximal rim of the scans (S01" in page
    change = volume_change(t)[1]["change_percent"]
    assert f'<td class="num">{change:.2f}</td>' in page and change < -3.9
    assert "mean tape change (%)" in page


def test_landmark_level_and_older_measurements(aligned_truth):
    m = measure_limb(aligned_truth.mesh).as_dict()
    top = m["volume_top_z_mm"]
    mpt = {"mid_patellar_tendon": [0.0, 40.0, top - 30.0]}
    a = measurement_entry("S01", "2026-01-01", m, "revision 1", mpt)
    b = measurement_entry("S02", "2026-02-01", m, "revision 2",
                          {"mid_patellar_tendon": [0.0, 40.0, top - 25.0]})
    z, why = common_level([a, b])
    assert z == pytest.approx(top - 30.0) and "mid-patellar tendon" in why
    e = at_common_level([a, b])
    assert e[1]["volume_ml"] == pytest.approx(volume_below(aligned_truth.mesh, top - 30) / 1000,
                                              rel=2e-4)
    # Without the landmark in every scan, the lowest rim.
    c = measurement_entry("S03", "2026-03-01", m, "when added")
    assert common_level([a, c])[0] == pytest.approx(top)
    # A measurement without per-level volumes, taller than the common level: at its own rim,
    # marked, and out of the change.
    short = measurement_entry("S01", "2026-01-01", {**m, "volume_top_z_mm": top - 20.0,
                                                     "volume_ml": 1000.0}, "when added")
    old = {k: v for k, v in m.items() if k != "volume_by_level"}
    e = at_common_level([short, measurement_entry("S02", "2026-02-01", old, "when added")])
    assert e[1]["volume_level"] == "own rim" and e[1]["volume_ml"] == m["volume_ml"]
    assert volume_change(e)[1]["change_percent"] is None
