"""The embossed label: legible size, on the outside, the wall under it untouched."""

import shutil

import numpy as np
import pytest

from prosthetics import cache
from prosthetics.errors import GeometryError, ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets import label as label_module
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.label import (
    DISTAL_CLEARANCE_MM,
    LINE_SPACING,
    TRIM_CLEARANCE_MM,
    UNDERSIDE_RISE_PER_MM,
    case_id_from_name,
    emboss,
    label_text,
)
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

from .conftest import SAMPLE, TRUTH_STL

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
    # ...on the lateral (+X for a right limb) side; their faces (1 mm proud, the slanted
    # sides below them left out) span two lines of 7 mm capitals.
    assert np.all(new[:, 0] > 0)
    faces = labelled.mesh.vertices[d > 0.9]
    assert np.ptp(faces[:, 2]) == pytest.approx((LINE_SPACING + 1.0) * 7.0, abs=0.3)
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


# -- where the label goes when its place does not work ---------------------------------

def letters_of(plain_mesh, labelled_mesh) -> np.ndarray:
    """Vertices (n, 3) of ``labelled_mesh`` that stand off ``plain_mesh``: the letters."""
    d = SurfaceQuery(plain_mesh).distance(labelled_mesh.vertices)
    return labelled_mesh.vertices[d > 0.05]


def assert_one_closed_body(mesh):
    c = solid_checks(mesh)
    assert c["watertight"] and c["winding_consistent"] and c["volume_positive"]
    assert c["bodies"] == 1 and c["volume_ml"] > 50


def assert_letters_where_recorded(plain_mesh, labelled_mesh, rec, trim_z=None,
                                  floor_z_mm=None):
    """The letters centred on the recorded place and, when given, clear of the trim line
    and the distal interface."""
    new = letters_of(plain_mesh, labelled_mesh)
    assert len(new) > 500
    # The top of the letters' faces: the block's top, raised by the letters' slant.
    top = rec["centre_z_mm"] + 0.5 * (LINE_SPACING + 1.0) * rec["height_mm"]
    assert new[:, 2].max() == pytest.approx(top + UNDERSIDE_RISE_PER_MM * rec["relief_mm"],
                                            abs=0.3)
    assert new[:, 2].min() >= top - (LINE_SPACING + 1.0) * rec["height_mm"] - 0.3
    off = np.angle(np.exp(1j * (np.arctan2(new[:, 1], new[:, 0])
                                - np.radians(rec["angle_deg"]))))
    assert np.degrees(0.5 * (off.min() + off.max())) == pytest.approx(0.0, abs=0.5)
    assert np.ptp(off) < np.pi
    if trim_z is not None:
        cols = np.linspace(0.0, 2 * np.pi, len(trim_z), endpoint=False)
        trim = np.interp(np.mod(np.arctan2(new[:, 1], new[:, 0]), 2 * np.pi), cols,
                         trim_z, period=2 * np.pi)
        assert np.all(trim - new[:, 2] >= TRIM_CLEARANCE_MM)
    if floor_z_mm is not None:
        assert new[:, 2].min() >= floor_z_mm + DISTAL_CLEARANCE_MM


@pytest.fixture(scope="module")
def truth_cache():
    return TemplateCache()


@pytest.fixture(scope="module")
def plain(aligned_truth, truth_cache):
    return build_transtibial(aligned_truth.mesh, TranstibialParams(**COARSE), truth_cache)


LABEL = dict(label=True, label_case_id="CASE-017", label_date="2026-11-21", **COARSE)


@pytest.mark.parametrize("where, reason", [
    ("brim", "crosses the trim line"),
    ("distal", "runs onto the distal interface"),
])
def test_a_set_place_that_cannot_work_moves_the_label_with_a_warning(
        aligned_truth, truth_cache, plain, where, reason):
    # Lateral (0 deg) the trim line is at its anterior height.
    z = plain.trim_anterior_z_mm - 2.0 if where == "brim" else 15.0
    p = TranstibialParams(label_z_mm=z, **LABEL)
    s = build_transtibial(aligned_truth.mesh, p, truth_cache)
    assert_one_closed_body(s.mesh)
    rec = s.label
    assert rec["placed"] and rec["moved"] and rec["asked"]["set_by_user"]
    assert rec["asked"]["centre_z_mm"] == pytest.approx(z, abs=0.01)
    assert reason in rec["asked"]["reason"]
    # The direction was free: it stays lateral, only the height moves.
    assert rec["angle_deg"] == 0.0 and rec["centre_z_mm"] != pytest.approx(z, abs=1.0)
    (warning,) = s.warnings
    assert warning.startswith(f"label moved: at label_z_mm = {z:g} it {reason}")
    assert f"embossed at 0 deg, {rec['centre_z_mm']:.0f} mm instead" in warning
    assert_letters_where_recorded(plain.mesh, s.mesh, rec, s.grid.trim_z,
                                  s.adapter.pedestal_top_z_mm)


def test_an_automatic_label_whose_place_fails_moves_quietly(aligned_truth, truth_cache, plain,
                                                            monkeypatch):
    """A union that does not close at the first place (the letters on a fold of the wall,
    or a letter's corner on an edge) moves the label to the next place; no warning."""
    real = label_module._Wrap.union
    calls = []

    def first_fails(self, letters, angle_deg, centre_z_mm):
        calls.append((angle_deg, centre_z_mm))
        if len(calls) == 1:
            raise label_module.LabelPlaceError(angle_deg, centre_z_mm, "crosses a fold of the "
                                               "wall and would not print closed", "move it")
        return real(self, letters, angle_deg, centre_z_mm)

    monkeypatch.setattr(label_module._Wrap, "union", first_fails)
    s = build_transtibial(aligned_truth.mesh, TranstibialParams(**LABEL), truth_cache)
    assert_one_closed_body(s.mesh)
    rec = s.label
    assert len(calls) == 2 and rec["placed"] and rec["moved"] and rec["places_tried"] >= 2
    assert not rec["asked"]["set_by_user"] and "fold" in rec["asked"]["reason"]
    assert (rec["angle_deg"], rec["centre_z_mm"]) == pytest.approx(calls[1], abs=0.01)
    # The nearest place: one step up or down, or one step round.
    asked = np.array([rec["asked"]["angle_deg"], rec["asked"]["centre_z_mm"]])
    step = np.abs(np.array([rec["angle_deg"], rec["centre_z_mm"]]) - asked)
    assert step.tolist() in ([0.0, pytest.approx(6.0)], [15.0, 0.0])
    assert not s.warnings
    assert_letters_where_recorded(plain.mesh, s.mesh, rec, s.grid.trim_z,
                                  s.adapter.pedestal_top_z_mm)


@pytest.mark.parametrize("set_place", [False, True], ids=["automatic", "set"])
def test_a_label_that_fits_nowhere_is_left_off_with_a_warning(aligned_truth, truth_cache, plain,
                                                               set_place):
    # 16 characters of 20 mm: longer than half way round the socket at every height.
    p = TranstibialParams(**{**LABEL, "label_case_id": "WWWWWWWWWWWWWWWW",
                             "label_height_mm": 20.0},
                          **({"label_angle_deg": 90.0} if set_place else {}))
    s = build_transtibial(aligned_truth.mesh, p, truth_cache)
    assert_one_closed_body(s.mesh)
    # The socket is the plain one.
    assert s.mesh.volume == pytest.approx(plain.mesh.volume, rel=1e-9)
    rec = s.label
    assert not rec["placed"] and rec["angle_deg"] is None and rec["centre_z_mm"] is None
    assert rec["text"] == "WWWWWWWWWWWWWWWW R\n2026-11-21" and rec["places_tried"] > 100
    assert "over half way round the socket there" in rec["asked"]["reason"]
    (warning,) = s.warnings
    assert warning.startswith("label left off: ")
    assert f"no place on the outer wall where it prints closed (tried " \
           f"{rec['places_tried']} places)" in warning
    assert "over half way round the socket there" in warning and "label = false" in warning
    if set_place:
        assert "at label_angle_deg = 90 it is" in warning


def test_emboss_alone_still_refuses_a_place_off_the_wall(plain):
    with pytest.raises(ParameterError, match="finds no wall; set label_z_mm below the trim"):
        emboss(plain.mesh, "A1", angle_deg=0.0, centre_z_mm=plain.trim_anterior_z_mm + 30,
               height_mm=7.0, depth_mm=1.0)


@pytest.fixture(scope="module")
def batch_limb(tmp_path_factory):
    """The limb the batch runs use, under the same name (the label reads "LIMB")."""
    folder = tmp_path_factory.mktemp("limb")
    shutil.copy(TRUTH_STL, folder / "limb.stl")
    return folder / "limb.stl"


def test_left_ptb_on_the_batch_limb_is_one_body_with_its_label_placed(batch_limb):
    from prosthetics.design.session import run_design

    d = run_design(batch_limb, template="transtibial_ptb",
                   settings={"slice": "false", "grid_rows": "30", "grid_columns": "48",
                             "limb_side": "left"})
    assert_one_closed_body(d.socket)
    assert d.report["checks"]["watertight"] and d.report["checks"]["bodies"] == 1
    rec = d.report["socket"]["label"]
    # The scan's anonymous ID, never its file name.
    assert rec["text"].split("\n")[0] == f"{d.report['input']['scan_id']} L"
    assert d.report["input"]["scan_id"].startswith("S-")
    if rec["placed"]:
        assert not any(w.startswith("label") for w in d.report["warnings"])
        sock = d.socket_result
        cache = TemplateCache()
        cache.anatomy = d.anatomy
        plain = build_transtibial(d.limb, sock.params.replace(label=False), cache)
        assert_letters_where_recorded(plain.mesh, d.socket, rec, sock.grid.trim_z,
                                      sock.adapter.pedestal_top_z_mm)
    else:
        assert any(w.startswith("label left off: ") for w in d.report["warnings"])


@pytest.mark.slow
def test_trim_at_215_on_the_sample_scan_gives_a_design():
    from prosthetics.design.session import run_design

    d = run_design(SAMPLE, settings={"slice": "false", "trim_height_mm": "215"})
    assert_one_closed_body(d.socket)
    assert d.report["checks"]["watertight"] and d.report["socket"]["trim_anterior_z_mm"] == 215
    rec = d.report["socket"]["label"]
    assert rec["text"].startswith(f"{d.report['input']['scan_id']} R\n")
    assert rec["placed"] or any(w.startswith("label left off: ") for w in d.report["warnings"])
    if rec["placed"]:
        assert rec["centre_z_mm"] + 0.5 * (LINE_SPACING + 1.0) * 7.0 <= 215 - TRIM_CLEARANCE_MM


@pytest.mark.parametrize("failure", [
    GeometryError("label text 'X' gives no solid; change label_case_id or label_date"),
    RuntimeError("Font_FontMgr, error: unable to find any font")], ids=["occ", "no font"])
def test_letters_that_cannot_be_made_leave_the_label_off_not_the_socket(
        aligned_truth, truth_cache, plain, monkeypatch, failure):
    # As on a machine with no font installed: CadQuery cannot make the letters.
    def fails(*_a, **_k):
        raise failure

    monkeypatch.setenv(cache.CACHE_ENV_VAR, "off")
    monkeypatch.setattr(label_module, "_TEXT_CACHE", {})
    monkeypatch.setattr(label_module, "text_solid", fails)
    p = TranstibialParams(**{**LABEL, "label_case_id": "NOFONT-1"})
    s = build_transtibial(aligned_truth.mesh, p, truth_cache)
    assert_one_closed_body(s.mesh)
    assert s.mesh.volume == pytest.approx(plain.mesh.volume, rel=1e-9)
    assert s.label["placed"] is False and s.label["places_tried"] == 0
    (warning,) = s.warnings
    assert warning.startswith("label left off: its letters could not be made (")
    assert "install a font" in warning and "label = false" in warning
