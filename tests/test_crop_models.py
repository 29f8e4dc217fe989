"""The transradial, transfemoral and transtibial templates (limbs cropped from the Visible
Human skins): fitted to a limb of the other body, whose anterior is known.

The held-out limbs are the other body's own templates (crops of its skin in the limb frame,
+Y anterior), shortened from the distal end and turned about the long axis.  The figures
on phone-like scans are in ``scripts/make_crop_models.py --evaluate`` (see
``prosthetics/limb/models/CROPS.md``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from prosthetics.limb.crop_models import (
    CROP_KINDS,
    LANDMARK_NAMES,
    fit_limb_template,
    fit_limb_templates,
    load_templates,
)

ROOT = Path(__file__).resolve().parent.parent


def _rot_z(deg):
    t = np.radians(deg)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1.0]])


def _angle(a, b):
    return (a - b + 180.0) % 360.0 - 180.0


def held_out(kind: str, body: str, limb: str, turn_deg: float, cut_mm: float,
             mirror: bool = False) -> tuple[trimesh.Trimesh, dict]:
    """A template of ``body`` as an aligned limb: ``cut_mm`` taken off its distal end (the
    cut left open), turned by ``turn_deg`` about +Z (anterior then at ``turn_deg`` from +Y),
    as a left limb when ``mirror``; and its landmarks in the same frame."""
    tpl = next(t for t in load_templates(kind) if t.body == body and t.limb == limb)
    mesh = tpl.mesh("left" if mirror else "right")
    mesh = mesh.slice_plane([0.0, 0.0, cut_mm], [0.0, 0.0, 1.0])
    v = mesh.vertices @ _rot_z(turn_deg).T - [0.0, 0.0, cut_mm]
    marks = {k: p @ _rot_z(turn_deg).T - [0.0, 0.0, cut_mm]
             for k, p in tpl.marks("left" if mirror else "right").items()}
    return trimesh.Trimesh(v, mesh.faces, process=False), marks


@pytest.fixture(scope="module")
def forearm_fit():
    """The male forearm templates fitted to the female right forearm, turned by 70 deg."""
    limb, marks = held_out("transradial", "VH_F", "right", 70.0, 60.0)
    return fit_limb_template(limb, "transradial", side="right", templates=("VH_M",)), marks


def test_the_forearm_template_of_one_body_finds_the_anterior_of_the_other(forearm_fit):
    fit, marks = forearm_fit
    assert fit.side == "right" and fit.template.startswith("VH_M")
    assert abs(_angle(fit.anterior_deg, 70.0)) < 15.0
    assert fit.confident
    assert fit.residual_mean_mm < 3.0 and fit.rival_ratio > 1.1
    # The elbow's landmarks land near the held-out limb's own (read by the same rules).
    assert set(fit.landmarks) == set(LANDMARK_NAMES["transradial"])
    assert np.linalg.norm(fit.landmarks["olecranon"] - marks["olecranon"]) < 25.0


def test_the_thigh_template_of_one_body_finds_the_anterior_of_the_other():
    # The male left thigh, shortened by 50 mm and turned by -120 deg, against the female
    # templates (the male right thigh sits about 15 deg off them: see CROPS.md).
    limb, _marks = held_out("transfemoral", "VH_M", "left", -120.0, 50.0, mirror=True)
    fit = fit_limb_template(limb, "transfemoral", side="left", templates=("VH_F",))
    assert fit.side == "left"
    assert abs(_angle(fit.anterior_deg, -120.0)) < 15.0
    assert fit.residual_mean_mm < 3.0 and fit.rival_ratio > 1.1
    assert set(fit.landmarks) == set(LANDMARK_NAMES["transfemoral"])


def test_a_mirrored_forearm_is_found_to_be_a_left_one():
    limb, _marks = held_out("transradial", "VH_F", "right", -35.0, 40.0, mirror=True)
    fits = fit_limb_templates(limb, "transradial", templates=("VH_M",))
    left, right = fits["left"], fits["right"]
    assert left.residual_mean_mm * 1.1 < right.residual_mean_mm
    assert abs(_angle(left.anterior_deg, -35.0)) < 15.0
    # Told it is a right arm, the fit says that the left side fits clearly better.
    assert right.side == "right" and right.other_side_better
    assert not left.other_side_better


def test_the_leg_template_of_one_body_finds_the_anterior_of_a_bent_knee():
    # The male left leg (its knee bent about 17 degrees) shortened by 110 mm and turned by
    # 150 deg, against the female templates (straight knees): the template bends at the knee.
    limb, marks = held_out("transtibial", "VH_M", "left", 150.0, 110.0, mirror=True)
    fit = fit_limb_template(limb, "transtibial", side="left", templates=("VH_F",))
    assert fit.side == "left" and fit.confident
    assert abs(_angle(fit.anterior_deg, 150.0)) < 15.0
    assert fit.residual_mean_mm < 3.0 and fit.rival_ratio > 1.2
    assert set(fit.landmarks) == set(LANDMARK_NAMES["transtibial"])
    assert np.linalg.norm(fit.landmarks["patella_region"] - marks["patella_region"]) < 30.0


@pytest.mark.parametrize("kind,radius", [("transradial", 40.0), ("transfemoral", 80.0),
                                         ("transtibial", 55.0)])
def test_a_shape_that_is_not_a_limb_is_not_trusted(kind, radius):
    # A round-ended cylinder of the limb's size: no side is anterior.
    cap = trimesh.creation.capsule(height=220.0, radius=radius, count=[48, 48])
    cap.apply_translation([0.0, 0.0, -cap.bounds[0][2]])
    fit = fit_limb_template(cap, kind, side="right")
    assert not fit.confident
    assert fit.confidence < 0.3


def test_the_fit_turns_with_the_frame_and_reports_itself(forearm_fit):
    fit, _marks = forearm_fit
    turned = fit.turned(90.0)
    assert turned.anterior_deg == pytest.approx(fit.anterior_deg + 90.0)
    p = fit.landmarks["olecranon"]
    np.testing.assert_allclose(turned.landmarks["olecranon"], _rot_z(90.0) @ p, atol=1e-9)
    skin = turned.skin()
    assert skin.vertices[:, 2].max() > p[2]
    # The landmarks lie on the fitted skin.
    d = np.linalg.norm(skin.vertices - turned.landmarks["olecranon"], axis=1).min()
    assert d < 1e-6
    info = turned.as_dict()
    assert info["method"] == "template" and info["side"] == "right"
    assert set(info["points_mm"]) == set(LANDMARK_NAMES["transradial"])
    assert "CC BY 4.0" in info["model"]


def test_other_kinds_have_no_template():
    cap = trimesh.creation.capsule(height=200.0, radius=45.0)
    assert fit_limb_template(cap, "insole") is None
    with pytest.raises(ValueError):
        fit_limb_template(cap, "transradial", side="up")


def test_the_templates_ship_as_right_limbs_with_their_attribution():
    for kind in CROP_KINDS:
        tpls = load_templates(kind)
        assert {t.body for t in tpls} == {"VH_M", "VH_F"}
        assert {t.limb for t in tpls} == {"right", "left"}
        for t in tpls:
            assert t.vertices[:, 2].min() == pytest.approx(0.0, abs=1e-3)
            mesh = t.mesh()
            assert mesh.is_winding_consistent
            # Normals point out of the limb (away from its axis).
            radial = mesh.triangles_center * [1.0, 1.0, 0.0]
            assert np.mean(np.einsum("ij,ij->i", mesh.face_normals, radial) > 0) > 0.95
            m = t.landmarks
            if kind == "transradial":
                # +X lateral, +Y anterior: the olecranon behind, the epicondyles either side.
                assert m["olecranon"][1] < -30.0
                assert m["medial_epicondyle"][0] < -30.0 < 30.0 < m["lateral_epicondyle"][0]
            elif kind == "transtibial":
                # The patella's front: forward, near the middle, over the knee joint.
                assert m["patella_region"][1] > 60.0 and abs(m["patella_region"][0]) < 20.0
                # (the joint line is placed by a share of stature: within about 15 mm)
                assert -15.0 < m["patella_region"][2] - t.reference_z_mm < 50.0
            else:
                assert m["greater_trochanter"][0] > 80.0
                assert m["ischial_tuberosity"][0] < -40.0 and m["ischial_tuberosity"][1] < -40.0
    notes = (ROOT / "prosthetics" / "limb" / "models" / "CROPS.md").read_text()
    assert "CC BY 4.0" in notes and "Kristen Browne" in notes


@pytest.mark.slow
def test_a_leg_the_shape_model_does_not_fit_takes_its_anterior_from_the_leg_templates(
        tmp_path, monkeypatch):
    # The female's whole right leg about the knee (calf and thigh: no residual limb the
    # transtibial shape model knows), turned by 100 deg, as a phone scan; the design's leg
    # templates are the male's only (one body left out).
    import functools

    from prosthetics.design.session import DesignSession
    from prosthetics.limb import align as align_module
    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    tpl = next(t for t in load_templates("transtibial") if t.name == "VH_F right")
    mesh = tpl.mesh("right")
    skin = trimesh.Trimesh(mesh.vertices[:, :] @ _rot_z(100.0).T, mesh.faces, process=False)
    monkeypatch.setattr(align_module, "fit_limb_templates", functools.partial(
        align_module.fit_limb_templates, templates=("VH_M",)))
    scan = make_phone_scan(skin, seed=4, n_points=80_000)
    path = tmp_path / "leg.ply"
    write_ply(path, scan.points, scan.colors)
    s = DesignSession(path, template="transtibial")
    s.update(until="align")
    align = s.results["align"]
    assert not align.details["anatomy"]["used"]
    assert align.details["anterior_method"] == "limb template"
    assert align.details["template"]["used"] and "VH_M" in align.details["template"]["model"]
    truth_to_design = s.scan_to_design @ scan.truth_to_file
    a = truth_to_design[:3, :3] @ _rot_z(100.0) @ np.array([0.0, 1.0, 0.0])
    assert abs(np.degrees(np.arctan2(-a[0], a[1]))) < 15.0
    assert any("leg templates fitted to the limb's shape instead" in w for w in align.warnings)
    assert any("does not tell its side" in w for w in align.warnings)
