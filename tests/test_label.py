"""The embossed label: legible size, on the outside, the wall under it untouched."""

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets.label import LINE_SPACING, case_id_from_name, label_text
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

COARSE = dict(grid_rows=40, grid_columns=48)


@pytest.fixture(scope="module")
def pair(aligned_truth):
    kw = dict(label_case_id="CASE-017", label_date="2026-11-21", label_height_mm=7.0,
              label_depth_mm=1.0, **COARSE)
    return (build_transtibial(aligned_truth.mesh, TranstibialParams(**COARSE)),
            build_transtibial(aligned_truth.mesh, TranstibialParams(label=True, **kw)))


def test_label_is_embossed_on_the_lateral_side(pair):
    plain, labelled = pair
    c = solid_checks(labelled.mesh)
    assert c["watertight"] and c["bodies"] == 1 and c["winding_consistent"]
    rec = labelled.label
    assert rec["text"] == "CASE-017 R\n2026-11-21" and rec["angle_deg"] == 0.0
    # The letters: the new material stands 1 mm proud of the plain socket's outside...
    d = SurfaceQuery(plain.mesh).distance(labelled.mesh.vertices)
    new = labelled.mesh.vertices[d > 0.05]
    assert d.max() == pytest.approx(1.0, abs=0.1)
    # ...on the lateral (+X for a right limb) side, two lines of 7 mm capitals.
    assert np.all(new[:, 0] > 0)
    assert np.ptp(new[:, 2]) == pytest.approx((LINE_SPACING + 1.0) * 7.0, abs=0.3)
    assert new[:, 2].mean() == pytest.approx(rec["centre_z_mm"], abs=2.0)
    assert labelled.mesh.volume > plain.mesh.volume


def test_letters_print_upright_without_support(pair):
    plain, labelled = pair
    m = labelled.mesh
    d = SurfaceQuery(plain.mesh).distance(m.triangles_center)
    letters = d > 0.05
    assert letters.sum() > 500
    # No face of the letters overhangs more than 45 degrees from vertical (their undersides
    # slope at 40); a plain extrusion would have flat undersides.
    down = -m.face_normals[letters, 2]
    assert down.max() < np.sin(np.radians(45.0))
    assert labelled.label["underside_slope_deg"] == pytest.approx(39.8, abs=0.1)


def test_wall_under_the_label_is_not_thinned(pair):
    _plain, s = pair
    w = measure_wall(s.mesh, s.inner_surface, above_z_mm=s.adapter.pedestal_top_z_mm + 1.0,
                     brim_clearance_mm=float(s.wall_target_mm.max()) + 0.5)
    assert w["min_wall_mm"] >= s.params.wall_thickness_mm - 0.1


def test_label_text_and_legibility_limits():
    assert label_text("ab-3", "left", "2026-01-02") == "AB-3 L\n2026-01-02"
    assert case_id_from_name("patient 12 (scan).ply") == "PATIENT-12-SCAN"
    with pytest.raises(ParameterError, match="label_case_id"):
        label_text("bad id!", "right", "")
    with pytest.raises(ParameterError, match="YYYY-MM-DD"):
        label_text("A1", "right", "21/11/2026")
    with pytest.raises(ParameterError, match="label_height_mm"):
        TranstibialParams(label_height_mm=5.0)
    with pytest.raises(ParameterError, match="label_depth_mm"):
        TranstibialParams(label_depth_mm=0.5)
