"""Tests for prosthetics.printing: profiles, bed fit, and slicing with PrusaSlicer.

Slicing tests are marked ``slicer`` and skipped when PrusaSlicer is not installed.  Each
slices a part of a few cm³, about one second per run.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.printing.bed import bed_fit
from prosthetics.printing.profiles import (
    Material,
    Printer,
    get_material,
    get_printer,
    load_materials,
    load_printers,
)
from prosthetics.printing.slicer import DEFAULT_SLICE_SETTINGS, SliceResult, find_slicer, slice_stl
from prosthetics.resources import templates_dir

# ---------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------


def test_templates_dir_is_repository_templates_in_a_checkout():
    assert templates_dir() == Path(__file__).resolve().parent.parent / "templates"
    assert (templates_dir() / "printers.toml").is_file()
    assert (templates_dir() / "materials.toml").is_file()


@pytest.mark.parametrize("name, x, y, z", [
    ("generic_220", 220.0, 220.0, 250.0),
    ("large_300", 300.0, 300.0, 400.0),
    ("prusa_mk4", 250.0, 210.0, 220.0),
])
def test_printer_profiles_have_documented_sizes(name, x, y, z):
    printers = load_printers()
    p = printers[name]
    assert isinstance(p, Printer)
    assert p.name == name
    assert (p.bed_x_mm, p.bed_y_mm, p.max_height_mm) == (x, y, z)
    assert p.nozzle_diameter_mm == 0.4
    assert p.label
    assert p.bed_center_mm == (x / 2, y / 2)
    # Heat-and-wait before the prime line, or it extrudes cold (see printers.toml).
    assert p.start_gcode.index("M109") < p.start_gcode.index("E")


def test_material_presets():
    materials = load_materials()
    assert set(materials) >= {"pla", "petg", "tpu_95a", "nylon"}
    for m in materials.values():
        assert isinstance(m, Material)
        assert m.filament_diameter_mm == 1.75
        assert 0.9 < m.density_g_cm3 < 1.4
        assert 180 <= m.nozzle_temp_c <= 300
        assert 0 <= m.bed_temp_c <= 110
        assert 10 <= m.cost_per_kg <= 150
    petg, tpu = materials["petg"], materials["tpu_95a"]
    assert petg.density_g_cm3 == 1.27 and petg.filament_type == "PET"
    # TPU is printed slowly: its flow cap is well below the rigid filaments'.
    assert 0 < tpu.max_volumetric_speed_mm3_s <= 3.0
    assert tpu.max_volumetric_speed_mm3_s < petg.max_volumetric_speed_mm3_s
    assert tpu.filament_type == "FLEX"


def test_profiles_are_frozen():
    p = get_printer("generic_220")
    with pytest.raises(AttributeError):
        p.bed_x_mm = 300.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Printer("x", "X", 1.0, 1.0, 1.0, 0.4)  # type: ignore[misc]  # keyword-only


def test_get_is_case_insensitive_and_unknown_lists_known_names():
    assert get_printer("Generic_220").name == "generic_220"
    assert get_material("PETG").name == "petg"
    with pytest.raises(ParameterError, match=r"unknown printer 'ender9'.*generic_220.*large_300"):
        get_printer("ender9")
    with pytest.raises(ParameterError, match=r"unknown material 'abs'.*petg.*tpu_95a"):
        get_material("abs")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_unknown_key_in_printer_profile_is_named(tmp_path):
    path = _write(tmp_path, "printers.toml", """
        [mine]
        label = "Mine"
        bed_x_mm = 200.0
        bed_y_mm = 200.0
        max_height_mm = 200.0
        nozzle_diameter_mm = 0.4
        bed_z_mm = 180.0
    """)
    with pytest.raises(ParameterError, match=r"unknown key 'bed_z_mm'.*\[mine\]"):
        load_printers(path)


def test_unknown_key_in_material_preset_is_named(tmp_path):
    path = _write(tmp_path, "materials.toml", """
        [abs]
        label = "ABS"
        density_g_cm3 = 1.04
        nozzle_temp_c = 245
        bed_temp_c = 100
        cost_per_kg = 20
        filament_diameter_mm = 1.75
        fan_speed = 20
    """)
    with pytest.raises(ParameterError, match="'fan_speed'"):
        load_materials(path)


def test_custom_profile_loads_and_ints_become_floats(tmp_path):
    path = _write(tmp_path, "printers.toml", """
        [mine]
        label = "Mine"
        bed_x_mm = 180
        bed_y_mm = 180
        max_height_mm = 180
        nozzle_diameter_mm = 0.6
    """)
    p = load_printers(path)["mine"]
    assert p.bed_x_mm == 180.0 and isinstance(p.bed_x_mm, float)
    assert p.nozzle_diameter_mm == 0.6
    assert p.gcode_flavor == "marlin2"  # default


@pytest.mark.parametrize("body, pattern", [
    ("label = 'X'\nbed_x_mm = 200\nbed_y_mm = 200\nnozzle_diameter_mm = 0.4",
     "lacks max_height_mm"),
    ("label = 'X'\nbed_x_mm = -5\nbed_y_mm = 200\nmax_height_mm = 200\nnozzle_diameter_mm = 0.4",
     "bed_x_mm"),
    ("label = 'X'\nbed_x_mm = '200'\nbed_y_mm = 200\nmax_height_mm = 200\n"
     "nozzle_diameter_mm = 0.4", "wrong type"),
    ("name = 'other'\nlabel = 'X'\nbed_x_mm = 200\nbed_y_mm = 200\nmax_height_mm = 200\n"
     "nozzle_diameter_mm = 0.4", "name = 'other'"),
])
def test_bad_profiles_are_rejected(tmp_path, body, pattern):
    path = tmp_path / "printers.toml"
    path.write_text("[mine]\n" + body + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=pattern):
        load_printers(path)


def test_missing_or_invalid_toml_file(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_printers(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[mine\nlabel = 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_materials(bad)


# ---------------------------------------------------------------------------------------
# Bed fit
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generic_220() -> Printer:
    return get_printer("generic_220")


@pytest.fixture(scope="module")
def large_300() -> Printer:
    return get_printer("large_300")


def test_box_fits_as_given(generic_220):
    fit = bed_fit([200, 200, 240], generic_220)
    assert fit["fits"] is True
    assert fit["printer"] == "generic_220"
    assert fit["rotation_deg"] == 0.0
    assert fit["bed_mm"] == [220.0, 220.0, 250.0]
    assert fit["part_mm"] == pytest.approx([200.0, 200.0, 240.0])
    assert fit["reason"] == ""


def test_box_just_over_the_margin_does_not_fit(generic_220):
    # 215 mm leaves 2.5 mm per side, less than the 5 mm margin; a square gains nothing
    # by turning.
    fit = bed_fit([215, 215, 10], generic_220)
    assert fit["fits"] is False
    assert "footprint" in fit["reason"] and "210 x 210" in fit["reason"]
    assert bed_fit([215, 215, 10], generic_220, margin_mm=0.0)["fits"] is True


def test_long_part_fits_turned_45_degrees(generic_220):
    # 230 x 60 mm: too long for the 210 mm usable bed as given; turned 45 degrees its box
    # is (230 + 60) / sqrt(2) = 205 mm square.
    fit = bed_fit([230, 60, 20], generic_220)
    assert fit["fits"] is True
    assert abs(abs(fit["rotation_deg"]) - 45.0) <= 2.0
    expected = (230 + 60) / math.sqrt(2)
    assert fit["part_mm"][0] == pytest.approx(expected, abs=1.0)
    assert fit["part_mm"][1] == pytest.approx(expected, abs=1.0)
    assert fit["part_mm"][2] == 20.0
    assert max(fit["part_mm"][:2]) <= 210.0


def test_footprint_points_are_turned_the_way_reported(generic_220):
    # An ellipse 232 x 50 mm already turned 20 degrees: its axis-aligned box (~220 x 95)
    # does not fit, its best turn does.  Turning the points by the reported angle must
    # give the reported extents (the sense PrusaSlicer's --rotate uses: counter-clockwise).
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    pts = np.c_[116 * np.cos(t), 25 * np.sin(t)]
    a = np.radians(20.0)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = pts @ rot.T + [60.0, 40.0]
    ext_xy = pts.max(axis=0) - pts.min(axis=0)
    assert ext_xy[0] > 210
    fit = bed_fit([ext_xy[0], ext_xy[1], 50.0], generic_220, footprint_xy=pts)
    assert fit["fits"] is True
    b = np.radians(fit["rotation_deg"])
    back = np.array([[np.cos(b), -np.sin(b)], [np.sin(b), np.cos(b)]])
    turned = pts @ back.T
    turned_ext = turned.max(axis=0) - turned.min(axis=0)
    assert turned_ext == pytest.approx(fit["part_mm"][:2], abs=0.5)
    assert max(turned_ext) <= 210.0 + 1e-6


def test_round_footprint_keeps_its_orientation(generic_220):
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    disk = np.c_[100 * np.cos(t), 100 * np.sin(t)]
    fit = bed_fit([200, 200, 100], generic_220, footprint_xy=disk)
    assert fit["fits"] is True and fit["rotation_deg"] == 0.0


def test_tall_part_needs_the_large_printer(generic_220, large_300):
    fit = bed_fit([120, 110, 262], generic_220)
    assert fit["fits"] is False
    assert "262 mm tall" in fit["reason"] and "250 mm" in fit["reason"]
    assert "footprint" not in fit["reason"]  # only the height is wrong
    assert fit["part_mm"][2] == 262.0
    big = bed_fit([120, 110, 262], large_300)
    assert big["fits"] is True and big["reason"] == ""
    assert big["bed_mm"] == [300.0, 300.0, 400.0]


def test_too_big_every_way(generic_220):
    fit = bed_fit([300, 300, 300], generic_220)
    assert fit["fits"] is False
    assert "300 mm tall" in fit["reason"] and "footprint" in fit["reason"]


@pytest.mark.parametrize("extents", [[1, 2], [1, 2, float("nan")], [-1, 2, 3], "abc"])
def test_bed_fit_rejects_bad_extents(generic_220, extents):
    with pytest.raises((ParameterError, ValueError)):
        bed_fit(extents, generic_220)


def test_bed_fit_rejects_bad_footprint(generic_220):
    with pytest.raises(ParameterError, match="footprint_xy"):
        bed_fit([10, 10, 10], generic_220, footprint_xy=np.zeros((5, 3)))


# ---------------------------------------------------------------------------------------
# Slicing
# ---------------------------------------------------------------------------------------

SLICER = find_slicer()


def _tube_cup(path: Path):
    """A cup: 40 mm outer diameter, 3 mm wall and bottom, 30 mm tall (13.2 cm³)."""
    import manifold3d
    import trimesh

    outer = manifold3d.Manifold.cylinder(30.0, 20.0, 20.0, 64)
    inner = manifold3d.Manifold.cylinder(30.0, 17.0, 17.0, 64).translate([0.0, 0.0, 3.0])
    m = (outer - inner).to_mesh()
    mesh = trimesh.Trimesh(np.asarray(m.vert_properties)[:, :3], np.asarray(m.tri_verts))
    assert mesh.is_watertight and mesh.volume > 0
    mesh.export(path)  # .stl: binary
    return mesh


@pytest.fixture(scope="module")
def cup(tmp_path_factory):
    path = tmp_path_factory.mktemp("cup") / "cup.stl"
    mesh = _tube_cup(path)
    return path, mesh


@pytest.fixture(scope="module")
def cup_result(cup, tmp_path_factory) -> tuple[SliceResult, Path]:
    path, _mesh = cup
    if SLICER is None:
        pytest.skip("PrusaSlicer is not installed")
    kept = tmp_path_factory.mktemp("gcode") / "sub" / "cup.gcode"
    result = slice_stl(path, get_printer("generic_220"), get_material("petg"),
                       keep_gcode_path=kept)
    return result, kept


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_slice_cup_in_petg(cup, cup_result):
    _path, mesh = cup
    r, kept = cup_result
    assert r.ok is True, r.message
    assert r.ran is True and r.message == ""
    assert re.fullmatch(r"PrusaSlicer-\d+\.\d+\.\d+.*", r.slicer)
    assert r.printer == "generic_220" and r.material == "petg"
    assert r.layer_height_mm == 0.2

    # Mass: the solid part would weigh volume * density = 13.16 cm³ * 1.27 = 16.7 g.  The
    # 3 mm walls are all perimeters, only the middle 1 mm of the bottom is 35 % infill,
    # and the skirt, brim and prime line add a little; so the print is close to solid.
    # 0.3x allows sparse parts, 1.5x catches gross errors (wrong units, density, scale).
    solid_g = mesh.volume / 1000.0 * 1.27
    assert 0.3 * solid_g < r.filament_g < 1.5 * solid_g
    assert 0.7 * solid_g < r.filament_g < 1.2 * solid_g  # this part specifically
    # The slicer's own arithmetic: g = cm³ * density, cm³ = length * filament area.
    assert r.filament_g == pytest.approx(r.filament_cm3 * 1.27, rel=0.01)
    area_mm2 = math.pi * (1.75 / 2) ** 2
    assert r.filament_cm3 == pytest.approx(r.filament_mm * area_mm2 / 1000.0, rel=0.01)
    assert r.cost == pytest.approx(r.filament_g / 1000.0 * 22.0, abs=0.011)

    # Time: a 30 mm cup on a 500 mm/s² printer takes tens of minutes, not seconds or days.
    assert 10 * 60 < r.print_time_s < 5 * 3600
    parts = dict((u, int(n)) for n, u in re.findall(r"(\d+)([dhms])", r.print_time_text))
    assert r.print_time_s == (parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600
                              + parts.get("m", 0) * 60 + parts.get("s", 0))

    assert r.repaired is False
    assert r.mesh_stats["manifold"] is True
    assert r.mesh_stats["volume"] == pytest.approx(mesh.volume, rel=1e-3)
    assert r.fit["fits"] is True and r.rotation_deg == 0.0
    assert 0 < r.seconds < 60
    assert r.settings["layer-height"] == "0.2"
    assert r.settings["perimeters"] == str(DEFAULT_SLICE_SETTINGS.perimeters)
    assert r.settings["fill-pattern"] == "gyroid"
    assert r.settings["bed-shape"] == "0x0,220x0,220x220,0x220"

    # The G-code was kept and says what was asked for.
    assert r.gcode_path == str(kept) and kept.is_file()
    text = kept.read_text(errors="replace")
    for line in ("; layer_height = 0.2", "; first_layer_height = 0.2", "; perimeters = 4",
                 "; fill_density = 35%", "; fill_pattern = gyroid", "; temperature = 240",
                 "; bed_temperature = 80", "; max_print_height = 250",
                 "; support_material = 1", "; filament_density = 1.27"):
        assert line in text, line
    d = r.as_dict()
    assert d["ok"] is True and d["filament_g"] == r.filament_g and d["settings"] == r.settings


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_cup_is_centred_on_the_bed(cup_result):
    _r, kept = cup_result
    xs, ys = _printed_xy(kept)
    # Centred at (110, 110): the cup spans 90..130 and its brim and skirt a bit more.
    assert (xs.min() + xs.max()) / 2 == pytest.approx(110.0, abs=1.0)
    assert (ys.min() + ys.max()) / 2 == pytest.approx(110.0, abs=1.0)
    assert 40.0 < xs.max() - xs.min() < 70.0


def _printed_xy(gcode: Path) -> tuple[np.ndarray, np.ndarray]:
    """X, Y of the extruding moves after the start G-code (the prime line is excluded)."""
    text = gcode.read_text(errors="replace")
    body = text.split(";LAYER_CHANGE", 1)[1]
    xs, ys = [], []
    for m in re.finditer(r"^G1 X([-\d.]+) Y([-\d.]+) E", body, re.M):
        xs.append(float(m.group(1)))
        ys.append(float(m.group(2)))
    assert len(xs) > 100
    return np.array(xs), np.array(ys)


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_long_part_is_turned_to_fit(tmp_path):
    import trimesh

    stl = tmp_path / "bar.stl"
    trimesh.creation.box([230.0, 40.0, 1.0]).export(stl)
    kept = tmp_path / "bar.gcode"
    r = slice_stl(stl, "generic_220", "pla", supports=False, brim_width_mm=0.0,
                  keep_gcode_path=kept)
    assert r.ok is True, r.message
    assert abs(abs(r.rotation_deg) - 45.0) <= 2.0
    assert r.settings["rotate"] == f"{r.rotation_deg:g}"
    xs, ys = _printed_xy(kept)
    # All extrusion on the 220 mm bed, keeping the 5 mm margin (the skirt sits 6 mm out,
    # so allow it), and the diagonal bar spans ~191 mm both ways.
    assert xs.min() >= 0.0 and xs.max() <= 220.0
    assert ys.min() >= 0.0 and ys.max() <= 220.0
    assert 185.0 < np.ptp(xs) < 215.0 and 185.0 < np.ptp(ys) < 215.0


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_too_tall_part_is_refused_without_running(tmp_path):
    import trimesh

    stl = tmp_path / "tall.stl"
    trimesh.creation.box([20.0, 20.0, 262.0]).export(stl)
    r = slice_stl(stl, "generic_220", "petg")
    assert r.ok is False and r.ran is False
    assert "262 mm tall" in r.message and "250 mm" in r.message
    assert r.fit["fits"] is False
    assert r.filament_g is None and r.print_time_s is None


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_open_mesh_is_reported(tmp_path):
    """An open box (one side missing): PrusaSlicer finds no closed layer and fails.

    Checked with 2.5.0: it exits 1 with "No layers were detected. You might want to
    repair your STL file(s)..." on stderr, and ``--info`` says ``manifold = no``.
    """
    import trimesh

    box = trimesh.creation.box([20.0, 20.0, 20.0])
    stl = tmp_path / "open.stl"
    trimesh.Trimesh(box.vertices, box.faces[:-2], process=False).export(stl)
    r = slice_stl(stl, "generic_220", "petg")
    assert r.ran is True
    assert (not r.ok) or r.repaired  # what the brief promises callers
    assert r.repaired is True
    assert r.mesh_stats["manifold"] is False and r.mesh_stats["open_edges"] > 0
    if not r.ok:
        assert r.message.startswith("PrusaSlicer failed: ")
        assert "\n" not in r.message and len(r.message) <= 220


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_reversed_facets_are_repaired(tmp_path):
    import trimesh

    box = trimesh.creation.box([20.0, 20.0, 20.0])
    faces = box.faces.copy()
    faces[:4] = faces[:4, ::-1]
    stl = tmp_path / "flipped.stl"
    trimesh.Trimesh(box.vertices, faces, process=False).export(stl)
    r = slice_stl(stl, "generic_220", "petg", supports=False)
    assert r.ok is True, r.message
    assert r.repaired is True
    assert r.mesh_stats["facets_reversed"] > 0
    # Repaired into the full 20 mm cube: 8 cm³ solid, printed close to it.
    assert 0.3 * 8.0 * 1.27 < r.filament_g < 1.5 * 8.0 * 1.27


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_garbage_file_fails_with_a_message(tmp_path):
    stl = tmp_path / "garbage.stl"
    stl.write_bytes(b"solid x\nthis is not an stl\nendsolid\n")
    r = slice_stl(stl, "generic_220", "petg")
    assert r.ok is False and r.ran is True
    assert "Loading of a model file failed" in r.message
    assert r.repaired is None


@pytest.mark.slicer
@pytest.mark.skipif(SLICER is None, reason="PrusaSlicer is not installed")
def test_timeout_is_reported(cup):
    path, _mesh = cup
    r = slice_stl(path, "generic_220", "petg", timeout_s=0.01)
    assert r.ok is False and r.ran is True
    assert "did not finish within 0.01 s" in r.message


def test_missing_slicer_is_reported(cup, monkeypatch):
    path, _mesh = cup
    monkeypatch.setenv("PROSTHETICS_SLICER", "/nonexistent/prusa-slicer")
    assert find_slicer() is None
    r = slice_stl(path, "generic_220", "petg")
    assert r.ok is False and r.ran is False
    assert r.message.startswith("PrusaSlicer not installed")
    assert "PROSTHETICS_SLICER" in r.message
    assert r.as_dict()["ran"] is False


def test_env_var_overrides_path_lookup(tmp_path, monkeypatch):
    fake = tmp_path / "my-slicer"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PROSTHETICS_SLICER", str(fake))
    assert find_slicer() == str(fake)


def test_slice_rejects_bad_input(tmp_path, cup):
    path, _mesh = cup
    with pytest.raises(ParameterError, match="does not exist"):
        slice_stl(tmp_path / "missing.stl", "generic_220", "petg")
    with pytest.raises(ParameterError, match="layer_height_mm"):
        slice_stl(path, "generic_220", "petg", layer_height_mm=0.36)
    with pytest.raises(ParameterError, match="infill_percent"):
        slice_stl(path, "generic_220", "petg", infill_percent=120)
    with pytest.raises(ParameterError, match="unknown printer"):
        slice_stl(path, "nope", "petg")
