"""Print orientation: the way up chosen per part, its support estimate, and the files."""

import copy
import dataclasses
import math

import numpy as np
import pytest
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import from_manifold, to_manifold
from prosthetics.printing.orientation import (
    choose_orientation,
    describe_up,
    orientation_check,
    rotation_to_z,
)
from prosthetics.printing.profiles import Printer, get_printer
from prosthetics.printing.slicer import find_slicer, slice_stl

SECTIONS = 96


def mushroom(stem_r=12.0, stem_h=40.0, cap_r=30.0, cap_h=10.0) -> trimesh.Trimesh:
    """A stem standing on the bed with a wide cap on top (z from 0)."""
    stem = trimesh.creation.cylinder(stem_r, stem_h + 1.0, sections=SECTIONS)
    stem.apply_translation([0, 0, (stem_h + 1.0) / 2])
    cap = trimesh.creation.cylinder(cap_r, cap_h, sections=SECTIONS)
    cap.apply_translation([0, 0, stem_h + cap_h / 2])
    return from_manifold(to_manifold(stem) + to_manifold(cap))


def polygon_area(r, n=SECTIONS):
    return 0.5 * n * r * r * math.sin(2 * math.pi / n)


BIG = get_printer("large_300")
SHORT = Printer(name="short_220", label="220 mm tall", bed_x_mm=220.0, bed_y_mm=220.0,
                max_height_mm=220.0, nozzle_diameter_mm=0.4)


def test_rotation_to_z_is_a_proper_rotation_taking_up_to_z():
    rng = np.random.default_rng(3)
    for u in [*rng.normal(size=(20, 3)), [0, 0, 1], [0, 0, -1], [0, 0, -1 + 1e-15]]:
        u = np.asarray(u, float) / np.linalg.norm(u)
        r = rotation_to_z(u)
        np.testing.assert_allclose(r @ u, [0, 0, 1], atol=1e-9)
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(r) == pytest.approx(1.0)


def test_describe_up_names_the_way_up():
    z = np.array([0, 0, 1.0])
    assert describe_up(z, z) == "as designed (+Z up)"
    assert describe_up(-z, z) == "upside down"
    assert describe_up(np.array([0, -1.0, 0]), z, {"-Y": "posterior"}) == \
        "on its side (posterior up)"
    t = np.radians(30)
    assert describe_up(np.array([np.sin(t), 0, np.cos(t)]), z) == "tilted 30° toward +X"


def test_overhanging_cap_is_printed_upside_down_and_its_support_is_the_column_under_it():
    part = mushroom()
    choice = choose_orientation(part, BIG)
    pref, chosen = choice.preferred, choice.chosen
    # As designed the cap's underside overhangs a 40 mm column down to the bed.
    ring_cm2 = (polygon_area(30.0) - polygon_area(12.0)) / 100.0
    assert pref.tilt_deg == 0 and pref.fits
    assert pref.bed_contact_cm2 == pytest.approx(polygon_area(12.0) / 100, rel=1e-3)
    assert pref.overhang_cm2 == pytest.approx(ring_cm2, rel=1e-3)
    assert pref.support_ml == pytest.approx(ring_cm2 * 4.0, rel=0.01)
    # Upside down the cap is the base and nothing overhangs.
    assert chosen.tilt_deg == pytest.approx(180.0, abs=0.5)
    assert chosen.support_ml == pytest.approx(0.0, abs=0.01)
    assert chosen.bed_contact_cm2 == pytest.approx(polygon_area(30.0) / 100, rel=1e-3)
    d = choice.as_dict()
    assert d["description"] == "upside down" and "less support" in d["reason"]
    turned = choice.apply(part)
    np.testing.assert_allclose(turned.vertices, part.vertices @ choice.rotation.T, atol=1e-9)
    assert turned.volume == pytest.approx(part.volume)
    # The cap (the widest section) now lies lowest.
    low = turned.vertices[turned.vertices[:, 2] < turned.bounds[0, 2] + 0.1]
    assert np.linalg.norm(low[:, :2], axis=1).max() == pytest.approx(30.0, abs=0.01)


def test_a_part_without_overhangs_keeps_its_way_up():
    box = trimesh.creation.box([80.0, 60.0, 40.0])
    choice = choose_orientation(box, BIG)
    # Every face of a box rests flat and needs nothing: the design's own way up wins.
    assert choice.is_preferred and choice.chosen.support_ml == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(choice.transform, np.eye(4))
    assert choice.apply(box) is box


def test_too_tall_part_is_tilted_to_fit_and_the_warning_says_what_it_costs():
    column = trimesh.creation.box([40.0, 40.0, 260.0])
    choice, fit, warnings = orientation_check(column, SHORT, preferred_face="the base")
    assert not choice.preferred.fits and "260 mm tall" in choice.preferred.fit["reason"]
    c = choice.chosen
    assert c.fits and fit["fits"] and c.height_mm <= 220.0 + 1e-6
    assert 0 < c.tilt_deg < 90
    # The smallest tilt that fits, to the 2.5-degree search step.
    h = lambda t: 260 * math.cos(t) + 40 * math.sqrt(2) * math.sin(t)  # noqa: E731
    assert h(math.radians(c.tilt_deg - 2.5)) > 220.0 or c.support_ml > 0
    assert len(warnings) == 1 and "printed tilted" in warnings[0]
    assert "the base is printed on supports" in warnings[0]
    turned = choice.apply(column)
    assert turned.extents[2] == pytest.approx(c.height_mm, abs=1e-6)


def test_part_that_fits_no_way_up_keeps_the_least_support_and_says_so():
    huge = trimesh.creation.box([400.0, 400.0, 400.0])
    choice, fit, warnings = orientation_check(huge, SHORT)
    assert not fit["fits"] and choice.is_preferred
    assert len(warnings) == 1 and "does not fit short_220 any way up" in warnings[0]


def test_bad_arguments_are_parameter_errors():
    with pytest.raises(ParameterError, match="empty"):
        choose_orientation(trimesh.Trimesh(), BIG)
    with pytest.raises(ParameterError, match="preferred_up"):
        choose_orientation(trimesh.creation.box([1, 1, 1]), BIG, preferred_up=(0, 0, 0))


def test_socket_prints_distal_end_down_on_its_adapter_face(sample_design):
    po = sample_design.report["socket"]["print_orientation"]
    # The interface is under the socket's 5 degrees of bench-alignment flexion: the part
    # stands on the interface's face (the template's way up), tilted by that much.
    flex = sample_design.report["socket"]["alignment"]["socket_flexion_deg"]
    assert po["kind"] == "resting face"
    assert po["description"] == ("as designed" if flex else "as designed (+Z up)")
    assert not [w for w in sample_design.warnings if "printed" in w]
    r = np.asarray(po["transform_design_to_print"])[:3, :3]
    axis = np.asarray(sample_design.report["socket"]["alignment"]["interface_axis"])
    np.testing.assert_allclose(r @ axis, [0.0, 0.0, 1.0], atol=1e-3)
    # The 62 mm disc's face, less its bolt holes and central recess, rests on the bed.
    disc = math.pi * 31.0 ** 2 / 100
    assert 0.5 * disc < po["bed_contact_cm2"] < disc
    assert po["height_mm"] == pytest.approx(sample_design.print_part.extents[2], abs=0.1)
    # Upside down the cavity would need filling with support.
    (upside,) = [a for a in po["alternatives"] if a["description"] == "upside down"]
    assert upside["support_ml"] > 3 * po["support_ml"]
    assert sample_design.report["checks"]["printer"]["orientation"] == po["description"]
    assert (sample_design.print_part is sample_design.socket) == (flex == 0)


@pytest.mark.slow
def test_socket_too_tall_for_the_printer_is_written_tilted(sample_design, tmp_path):
    from prosthetics.design.socket_writer import write_design

    printer = get_printer("prusa_mk4")
    choice, fit, warnings = orientation_check(sample_design.socket, printer)
    assert sample_design.socket.extents[2] > printer.max_height_mm
    assert not choice.is_preferred and fit["fits"]
    design = dataclasses.replace(sample_design, report=copy.deepcopy(sample_design.report),
                                 orientation=choice)
    report = write_design(design, tmp_path / "out", formats=frozenset({"stl", "3mf"}))
    by = {o["format"]: o for o in report["outputs"]}
    stl = trimesh.load(by["stl"]["path"])
    assert stl.is_watertight and stl.extents[2] <= printer.max_height_mm
    assert stl.volume == pytest.approx(sample_design.socket.volume, rel=1e-4)
    # The files are traceable: design frame -> print (STL) -> bed (3MF).
    expect = trimesh.transform_points(sample_design.socket.vertices, choice.transform)
    np.testing.assert_allclose(stl.bounds, [expect.min(0), expect.max(0)], atol=1e-3)
    tmf = trimesh.load(by["3mf"]["path"], force="mesh")
    on_bed = trimesh.transform_points(sample_design.socket.vertices,
                                      np.asarray(by["3mf"]["transform_design_to_file"]))
    np.testing.assert_allclose(tmf.bounds, [on_bed.min(0), on_bed.max(0)], atol=1e-3)
    assert tmf.bounds[0, 2] == pytest.approx(0.0, abs=1e-3)
    assert by["stl"]["frame"] == by["3mf"]["frame"] == "print"


@pytest.mark.slicer
@pytest.mark.skipif(find_slicer() is None, reason="PrusaSlicer not installed")
def test_prusaslicer_agrees_the_chosen_way_up_needs_less_support(tmp_path):
    part = mushroom()
    choice = choose_orientation(part, BIG)
    grams = {}
    for name, mesh in (("designed", part), ("chosen", choice.apply(part))):
        path = tmp_path / f"{name}.stl"
        mesh.export(path)
        for supports in (True, False):
            r = slice_stl(path, BIG, "petg", supports=supports, brim_width_mm=0.0)
            assert r.ok and not r.repaired, r.message
            grams[name, supports] = r.filament_g
    # As designed PrusaSlicer builds support under the cap; upside down it builds none.
    assert grams["designed", True] - grams["designed", False] > 2.0
    assert grams["chosen", True] == pytest.approx(grams["chosen", False], abs=0.05)
    assert grams["chosen", True] < grams["designed", True]
