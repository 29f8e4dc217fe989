"""Tests of the human report: pictures, circumference chart and the self-contained HTML."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
import trimesh

from prosthetics.errors import OutputError
from prosthetics.reports import pictures as report_pictures
from prosthetics.reports.html import write_report_html
from prosthetics.reports.pictures import circumference_chart, render_pictures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRIM_Z = 150.0


def _standing_capsule(radius: float, height: float, z0: float) -> trimesh.Trimesh:
    """Capsule along z whose lowest point is at ``z0`` (mm)."""
    m = trimesh.creation.capsule(height=height, radius=radius, count=[24, 24])
    m.apply_translation([0.0, 0.0, z0 - m.bounds[0][2]])
    return m


@pytest.fixture(scope="module")
def limb() -> trimesh.Trimesh:
    """Limb-like capsule, 200 mm long, distal end at z = 0."""
    return _standing_capsule(40.0, 120.0, 0.0)


@pytest.fixture(scope="module")
def socket(limb) -> trimesh.Trimesh:
    """A 5 mm cup around the limb, trimmed at z = TRIM_Z."""
    outer = _standing_capsule(45.0, 120.0, -5.0)
    cup = trimesh.boolean.difference([outer, limb], engine="manifold")
    box = trimesh.creation.box(bounds=[[-100, -100, -100], [100, 100, TRIM_Z]])
    out = trimesh.boolean.intersection([cup, box], engine="manifold")
    assert out.is_watertight and out.volume > 0
    return out


@pytest.fixture(scope="module")
def pictures(limb, socket) -> dict[str, bytes]:
    pics = render_pictures(limb, socket)
    pics["circumferences"] = circumference_chart(_measurements(), _socket_inner())
    return pics


def _decode(png: bytes) -> np.ndarray:
    assert png[:8] == PNG_SIGNATURE
    return mpimg.imread(io.BytesIO(png), format="png")


def _assert_picture(png: bytes, min_w: int = 200, min_h: int = 200) -> np.ndarray:
    assert isinstance(png, bytes) and len(png) > 1000
    img = _decode(png)
    h, w = img.shape[:2]
    assert min_w <= w <= 4000 and min_h <= h <= 4000
    assert img[..., :3].std() > 0.05, "picture looks blank"
    return img[..., :3]


def _measurements() -> dict:
    zs = np.arange(10.0, 200.0, 20.0)
    return {
        "length_mm": 200.0,
        "volume_ml": 904.7812,
        "volume_top_z_mm": 190.0,
        "circumferences": [{"z_mm": float(z), "mm": 251.3} for z in zs],
        "widths": [{"z_mm": float(z), "ap_mm": 80.0, "ml_mm": 80.0} for z in zs],
        "trim_z_mm": TRIM_Z,
    }


def _socket_inner() -> list:
    return [{"z_mm": float(z), "mm": 241.3} for z in np.arange(10.0, TRIM_Z, 20.0)]


def _full_report() -> dict:
    return {
        "schema": "prosthetics.report/1",
        "tool": {"name": "prosthetics", "version": "0.1.0"},
        "created_utc": "2026-11-21T09:00:00Z",
        "kind": "transtibial_socket",
        "input": {"path": "scans/patient <A> & co.ply", "sha256": "ab" * 32, "units": "m",
                  "units_source": "size", "point_count": 123456, "is_mesh": False},
        "transform_scan_to_design": np.eye(4).tolist(),
        "cleaning": {"steps": [{"step": "downsample", "removed": 1000, "kept": 122456,
                                "detail": "voxel 1 mm"}],
                     "reconstructed": True, "triangles": 40000},
        "alignment": {"anterior_rotation_deg": 12.0, "anterior_source": "automatic guess",
                      "axis": [0.0, 0.0, 1.0]},
        "measurements": _measurements(),
        "template": {"name": "transtibial", "preset": "transtibial_tsb",
                     "parameters": {"wall_thickness_mm": 5.0, "reduction_percent": 4.0,
                                    "trim_height_mm": TRIM_Z, "pin_lock": False},
                     "units": {"wall_thickness_mm": "mm", "reduction_percent": "%",
                               "trim_height_mm": "mm"}},
        "socket": {"inner_volume_below_trim_ml": 700.0, "limb_volume_below_trim_ml": 731.5,
                   "trim_anterior_z_mm": TRIM_Z, "trim_lowest_z_mm": TRIM_Z - 25.0,
                   "inner_circumferences": _socket_inner()},
        "checks": {"watertight": True, "bodies": 1, "volume_positive": True,
                   "min_wall_mm": 4.93, "wall_required_mm": 5.0, "wall_ok": False,
                   "printer": {"fits": True, "printer": "generic_220", "bed_mm": [220, 220, 250],
                               "part_mm": [90, 90, 155], "rotation_deg": 0, "reason": ""},
                   "slicer": {"ran": True, "ok": True, "slicer": "PrusaSlicer-2.5.0",
                              "filament_g": 123.4, "print_time_text": "9h 12m", "message": ""}},
        "outputs": [{"path": "socket.stl", "format": "stl", "triangles": 120000,
                     "volume_ml": 180.1, "bytes": 6000084}],
        "warnings": ["wall below 5 mm at the <distal> end"],
        "timings_s": {"load": 0.2, "clean": 3.1},
    }


def test_render_pictures_are_sane_pngs(pictures):
    assert {"socket_on_limb", "sections"} <= set(pictures)
    for key in ("socket_on_limb", "sections"):
        _assert_picture(pictures[key])


def test_socket_on_limb_shows_both_colours(pictures):
    rgb = _assert_picture(pictures["socket_on_limb"])
    r, b = rgb[..., 0], rgb[..., 2]
    skin = (r - b) > 0.15  # the limb above the trim line
    blue = (b - r) > 0.08  # the socket
    assert skin.mean() > 0.005 and blue.mean() > 0.02
    # Three views side by side: wider than tall.
    assert rgb.shape[1] > rgb.shape[0]


def test_pictures_of_a_big_mesh_are_decimated(monkeypatch, limb, socket):
    monkeypatch.setattr(report_pictures, "MAX_DRAW_FACES", 300)
    small = report_pictures.decimate(socket)
    assert 0 < len(small.faces) <= 400
    _assert_picture(render_pictures(limb, socket)["socket_on_limb"])


def test_render_pictures_tolerates_an_empty_socket(limb):
    pics = render_pictures(limb, trimesh.Trimesh())
    _assert_picture(pics["socket_on_limb"])
    _assert_picture(pics["sections"])


def test_circumference_chart():
    _assert_picture(circumference_chart(_measurements(), _socket_inner()))
    _assert_picture(circumference_chart(_measurements()))
    # Nothing measured still gives a valid (labelled) picture.
    img = _decode(circumference_chart({}))
    assert img.shape[0] > 100


def test_full_report_html(tmp_path, pictures):
    out = tmp_path / "case" / "report.html"
    write_report_html(_full_report(), pictures, out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # Key figures.
    assert "904.8 ml" in text
    assert "200.0 mm" in text
    assert "4.93 mm" in text and "5.00 mm" in text
    assert "700.0 ml" in text and "731.5 ml" in text  # cavity and limb below the trim
    assert "123.4 g" in text and "9h 12m" in text
    assert "generic_220" in text and "220 × 220 × 250 mm" in text
    assert "socket.stl" in text and "120" in text
    assert "abababababab…" in text  # sha256 shortened
    # Parameters by their clinical label (the code name's words when no label is recorded).
    for label in ("Wall thickness", "Reduction", "Trim height", "Pin lock"):
        assert f"<td>{label}</td>" in text
    assert "wall_thickness_mm" not in text
    assert "251.3" in text and "241.3" in text  # limb and socket circumferences per level
    # Escaping: the warning and the path hold "<" and "&".
    assert "wall below 5 mm at the &lt;distal&gt; end" in text
    assert "<distal>" not in text
    assert "patient &lt;A&gt; &amp; co.ply" in text
    # Self-contained: pictures embedded, nothing fetched.
    assert text.count("data:image/png;base64,") == 3
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "url(http" not in text and "<script" not in text.lower()
    assert "@page" in text
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_nearly_empty_report(tmp_path):
    out = tmp_path / "report.html"
    write_report_html({"measurements": {}}, {}, out)
    text = out.read_text(encoding="utf-8")
    assert "—" in text and "No warnings" in text
    write_report_html({}, {}, out)  # overwrites in place
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_unwritable_folder_raises_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        write_report_html({}, {}, blocker / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_module_imports_no_gui_toolkit():
    code = (
        "import sys, prosthetics.reports.html, prosthetics.reports.pictures\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'vtk', 'vtkmodules', 'pyvista', 'pyvistaqt')]\n"
        "assert not bad, bad\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- drawing the 3D pictures ------------------------------------------------------------------
def _draw(artists, xlim=(0.0, 10.0), ylim=(0.0, 10.0)) -> np.ndarray:
    """RGB (0-1) of a bare 200 x 200 px axes filling the figure, with ``artists`` on it."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.0, 2.0), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    for a in artists:
        ax.add_artist(a)
    return _decode(report_pictures.png_bytes(fig))[..., :3]


def test_shaded_triangles_fill_their_colour_without_seams():
    # Two triangles sharing the diagonal of a square, same colour: one see-through layer.
    polys = np.array([[[2, 2], [8, 2], [8, 8]], [[2, 2], [8, 8], [2, 8]]], float)
    rgb = np.array([[0.9, 0.1, 0.1], [0.9, 0.1, 0.1]])
    img = _draw([report_pictures.ShadedTriangles(polys, rgb)])
    h = img.shape[0]
    centre = img[h // 2, h // 2]
    assert np.allclose(centre, [0.9, 0.1, 0.1], atol=0.01)
    assert np.allclose(img[5, 5], 1.0)                       # outside: the white figure
    faded = _draw([report_pictures.ShadedTriangles(polys, rgb, alpha=0.25)])
    # Along the shared edge the layer is as faint as inside either triangle: no line of
    # doubled opacity where two see-through triangles would overlap.
    inside = faded[int(0.3 * h):int(0.7 * h), int(0.3 * h):int(0.7 * h)]
    assert np.allclose(inside, [0.975, 0.775, 0.775], atol=0.01)
    assert inside.std(axis=(0, 1)).max() < 0.003


def test_shaded_triangles_draw_in_the_order_given():
    back = np.array([[[1, 1], [9, 1], [5, 9]]], float)
    front = np.array([[[3, 3], [7, 3], [5, 7]]], float)
    polys = np.concatenate([back, front])
    rgb = np.array([[0.0, 0.0, 0.8], [0.0, 0.7, 0.0]])
    img = _draw([report_pictures.ShadedTriangles(polys, rgb)])
    h = img.shape[0]
    assert np.allclose(img[int(0.55 * h), h // 2], [0.0, 0.7, 0.0], atol=0.01)   # front
    assert np.allclose(img[int(0.85 * h), int(0.2 * h)], [0.0, 0.0, 0.8], atol=0.01)


def test_hidden_faces_of_a_limb_open_at_the_top(limb):
    assert report_pictures.hidden_when_facing_away(limb) is True          # closed, outward
    cut = limb.slice_plane([0, 0, 150.0], [0, 0, -1.0])                  # rim at z = 150
    open_top = trimesh.Trimesh(cut.vertices, cut.faces)                    # welded
    assert not open_top.is_watertight
    hidden = report_pictures.hidden_when_facing_away(open_top)
    top = open_top.vertices[open_top.faces, 2].max(axis=1)
    assert hidden.dtype == bool and hidden.shape == (len(open_top.faces),)
    assert hidden[top < 149.9].all() and not hidden[top > 150.0 - 1e-6].any()
    inverted = trimesh.Trimesh(open_top.vertices, open_top.faces[:, ::-1], process=False)
    assert report_pictures.hidden_when_facing_away(inverted) is False     # inside out


def test_dropping_hidden_faces_leaves_the_picture_as_it_was():
    # A cup of 5 mm rings, open at the top: its walls are drawn far to near without the
    # sorting errors of a rounded end, so the picture must come out the same but for the
    # antialiased edges of a few triangles, blended over what lies beneath them.
    profile = np.array([[0.0, 0.0]] + [[40.0, z] for z in np.arange(0.0, 151.0, 5.0)])
    cup = trimesh.creation.revolve(profile, sections=64)
    hidden = report_pictures.hidden_when_facing_away(cup)
    assert 0.9 < hidden.mean() < 1.0
    for toward, hax in ((np.array([0.0, 1.0, 0.0]), 0), (np.array([-1.0, 0.0, 0.0]), 1)):
        every = report_pictures.project([(cup, report_pictures.SKIN_RGB, False)], toward, hax)
        seen = report_pictures.project([(cup, report_pictures.SKIN_RGB, hidden)], toward, hax)
        assert len(seen[0]) < 0.6 * len(every[0])
        a = _draw([report_pictures.ShadedTriangles(*every)], (-60, 60), (-10, 160))
        b = _draw([report_pictures.ShadedTriangles(*seen)], (-60, 60), (-10, 160))
        diff = np.abs(a - b).max(axis=2)
        assert a.std() > 0.05 and diff.mean() < 0.002 and (diff > 0.05).mean() < 0.01
        assert np.array_equal((a < 0.99).any(axis=2), (b < 0.99).any(axis=2))   # outline


def test_print_bed_picture_shows_overhangs_in_orange():
    from prosthetics.printing.profiles import get_printer

    # A mushroom: a stem with a wide cap over it, the cap's underside an overhang.
    stem = trimesh.creation.cylinder(radius=10.0, height=40.0)
    stem.apply_translation([0, 0, 20.0])
    cap = trimesh.creation.cylinder(radius=40.0, height=10.0)
    cap.apply_translation([0, 0, 45.0])
    part = trimesh.boolean.union([stem, cap], engine="manifold")
    rgb = _assert_picture(report_pictures.print_bed_png(part, get_printer("generic_220")))
    orange = (np.abs(rgb - report_pictures.SUPPORT_RGB * 0.5).max(axis=2) < 0.5) & \
        (rgb[..., 0] - rgb[..., 2] > 0.3)
    blue = (rgb[..., 2] - rgb[..., 0]) > 0.08
    assert orange.sum() > 200 and blue.sum() > 2000


def test_the_rectification_section_says_what_was_done_by_whom(tmp_path):
    report = {
        "kind": "transtibial_socket", "input": {"scan_id": "S-0A1B2C3D"},
        "rectification": {
            "global": {"reduction_percent": 4.0, "liner_offset_mm": 0.0,
                       "taper": "full at the anterior trim height, linear to 0 at the distal end"},
            "zones": [{"zone": "fibular_head", "depth_mm": -3.0, "size_mm": 25.0,
                       "falloff_mm": 15.0, "landmarks": ["fibular_head"], "kind": "relief"}],
            "landmarks": {"side": "left",
                          "points_mm": {"fibular_head": [-48.06, -23.58, 153.48],
                                        "mid_patellar_tendon": [8.9, 56.7, 183.0],
                                        "distal_end": [-5.0, 17.1, 0.0]},
                          "source": {"mid_patellar_tendon": "the fitted shape model",
                                     "distal_end": "guessed from the shape"}},
            "volume_below_trim_ml": {"limb": 974.3, "cavity": 954.4},
            "volume_change_percent": -2.04, "sock_ply_equivalent": -1.86,
            "hand": {"landmarks": {"fibular_head": [-48.06, -23.58, 153.48]},
                     "confirmed": ["mid_patellar_tendon"],
                     "trim_points": {"anterior": [8.9, 56.7, 188.0]},
                     "strokes_described": ["relieve 2.0 mm over 24 mm",
                                           "smooth 50% over 30 mm"],
                     "protect": [{"centre_mm": [0, 0, 50], "radius_mm": 10}]}}}
    path = tmp_path / "report.html"
    write_report_html(report, {}, path)
    page = path.read_text()
    section = page[page.index("<h2>Rectification</h2>"):page.index("<h2>Template and")]
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
    assert "4.0 % of the cross-section area, full at the anterior trim height" in text
    assert "954.4 ml against the limb's 974.3 ml" in text
    assert "Volume change -2.0 % (-1.9 sock plies)" in text
    assert "fibular head relief -3.0 mm 25 mm 15 mm fibular head" in text
    assert "Landmarks (left side; x, y, z in mm)" in text
    assert "fibular head -48.1 -23.6 153.5 placed by hand" in text
    assert ("mid-patellar tendon 8.9 56.7 183.0 the fitted shape model · confirmed by a "
            "person") in text
    assert "distal end -5.0 17.1 0.0 guessed from the shape · a guess" in text
    assert "anterior brim 8.9 56.7 188.0" in text
    assert text.index("relieve 2.0 mm") < text.index("smooth 50%")
    assert "1 protected region(s)" in text and "Nothing was shaped by hand" not in text
    # The page's header names the scan by its anonymous ID.
    assert '<span class="ident">Scan S-0A1B2C3D</span>' in page


# -- what every page carries -----------------------------------------------------------------
def test_header_record_block_auto_values_and_unused_parameters(tmp_path):
    report = _full_report()
    report["input"]["scan_id"] = "S-0A1B2C3D"
    report["record"] = {"clinic": "Clinic <North>", "clinician": "A. Rahman",
                        "scan_date": "2026-11-20",
                        "scan_date_source": "the scan file's modification date (UTC)"}
    report["template"]["parameters"].update({"trim_height_mm": None, "fenestration_count": 0,
                                             "fenestration_diameter_mm": 10.0})
    report["template"]["labels"] = {"trim_height_mm": "Anterior trim height",
                                    "fenestration_count": "Ventilation holes",
                                    "fenestration_diameter_mm": "Hole diameter"}
    report["timings_s"] = {"load": 1.0, "clean": 2.0, "total": 3.0}
    path = tmp_path / "report.html"
    write_report_html(report, {}, path)
    page = path.read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert "Scan S-0A1B2C3D" in text and "Clinic <North>" in text and "A. Rahman" in text
    assert "Clinic &lt;North&gt;" in page
    assert "2026-11-20 (the scan file's modification date (UTC))" in text
    assert "Anterior trim height 150.0 (auto) mm" in text      # the trim the socket got
    assert "Ventilation holes 0" in text and "Hole diameter" not in text
    assert "total 3.00" in text and "total 6.00" not in text    # the total counted once
    for word in ("Designed by", "Checked by", "Date", "Signature"):
        assert word in text
    assert '<html lang="en" dir="ltr">' in page


def test_the_insole_page_names_the_case_and_has_a_sign_off(tmp_path):
    from prosthetics.reports.insole import write_insole_report_html

    path = tmp_path / "report.html"
    write_insole_report_html({"kind": "insole", "case": "C-0042",
                              "input": {"scan_id": "S-12345678"}}, {}, path)
    text = path.read_text(encoding="utf-8")
    assert "Case C-0042" in text and "Signature" in text


def test_limb_views_are_named_for_the_side():
    assert report_pictures._views("right")[1][0] == "Lateral (from +X)"
    assert report_pictures._views("left")[1][0] == "Medial (from +X)"
    # Seen from the front, +X is on the viewer's left: the lateral side of a right limb.
    assert report_pictures._axis_words(0, True, "right").startswith("← lateral")
    assert report_pictures._axis_words(1, False, None).endswith("anterior →")
