"""AAOP (.aop) files: reading the example, writing a limb and reading it back, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics.errors import ScanError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.landmarks import guess_landmarks
from prosthetics.scan.aaop import AAOPShape, format_aop, read_aop, shape_from_mesh, write_aop
from prosthetics.scan.loaders import load_scan

from .conftest import ROOT, surface_distances

EXAMPLE = ROOT / "scans" / "source" / "transtibial_example.aop"


@pytest.fixture(scope="module")
def example() -> AAOPShape:
    return read_aop(EXAMPLE)


def test_example_grid_header_and_landmarks(example):
    assert EXAMPLE.read_bytes().count(b"\r") > 4900      # old Mac line endings (one LF)
    assert example.radii_mm.shape == (68, 72)
    assert example.angle_step_deg == 5.0
    np.testing.assert_allclose(example.z_mm, np.arange(68) * 3.0)
    assert example.side == "RIGHT"
    assert set(example.landmarks) == {"TIB", "MPT", "TE"}
    np.testing.assert_allclose(example.landmarks["MPT"], [[303.237, -0.48, 127.48]])
    assert example.landmarks["TIB"].shape == (2, 3)
    # Radii of a lower leg: 7-20 mm at the very tip, 40-80 mm up the limb.
    assert 5.0 < example.radii_mm[0].min() and example.radii_mm[0].max() < 25.0
    assert 40.0 < example.radii_mm[30:].min() and example.radii_mm.max() < 85.0


def test_example_reads_as_a_limb_of_the_right_size(example):
    scan = load_scan(EXAMPLE)
    assert scan.units_source == "AAOP file"
    mesh = trimesh.Trimesh(scan.points, scan.faces, process=False)
    assert mesh.is_winding_consistent
    # 201 mm long; a section's perimeter equals that of its polygon of radii.
    assert np.ptp(scan.points[:, 2]) == pytest.approx(201.0)
    th = np.radians(example.angles_deg)
    ring = example.radii_mm[20][:, None] * np.column_stack([np.cos(th), np.sin(th)])
    polygon = np.linalg.norm(np.roll(ring, -1, axis=0) - ring, axis=1).sum()
    sec = mesh.section(plane_origin=[0, 0, 60.0], plane_normal=[0, 0, 1])
    assert sec.length == pytest.approx(polygon, rel=1e-3)
    # Its landmarks come with it, on the surface where the file says (offset along the ray).
    marks = scan.landmarks
    assert set(marks) == {"mid_patellar_tendon", "tibial_crest_top", "tibial_crest_bottom",
                          "distal_tibia"}
    assert marks["mid_patellar_tendon"][2] == pytest.approx(127.48)
    assert marks["tibial_crest_top"][2] > marks["tibial_crest_bottom"][2]
    d = SurfaceQuery(mesh).distance(marks["mid_patellar_tendon"][None])[0]
    assert 0.3 < d < 0.49       # radial offset 0.48 mm; the surface is not square to the ray
    # The tibial end lies 15 mm under the skin.
    assert SurfaceQuery(mesh).distance(marks["distal_tibia"][None])[0] > 8.0


def test_guesses_on_the_example_agree_with_its_landmarks():
    """The file places the MPT and the tibia: our anterior and MPT guesses must agree."""
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan

    scan = load_scan(EXAMPLE)
    aligned = align_limb(clean_scan(scan))
    mpt = trimesh.transform_points([scan.landmarks["mid_patellar_tendon"]], aligned.transform)[0]
    tib = trimesh.transform_points([scan.landmarks["tibial_crest_top"]], aligned.transform)[0]
    # Anterior is +Y (90 degrees): the file's MPT and upper tibia point lie in front.
    for p, tol in ((mpt, 20.0), (tib, 35.0)):
        angle = np.degrees(np.arctan2(p[1], p[0]))
        assert abs(angle - 90.0) < tol, angle
    guess = guess_landmarks(aligned.mesh)
    assert guess["mid_patellar_tendon"][2] == pytest.approx(mpt[2], abs=6.0)


def test_example_written_again_is_the_same(example, tmp_path):
    path = write_aop(tmp_path / "again.aop", example)
    back = read_aop(path)
    np.testing.assert_allclose(back.radii_mm, example.radii_mm, atol=1e-4)
    np.testing.assert_allclose(back.z_mm, example.z_mm)
    assert back.side == example.side and back.comments == example.comments
    for code, rec in example.landmarks.items():
        np.testing.assert_allclose(back.landmarks[code], rec, atol=1e-4)
    assert not list(tmp_path.glob(".*tmp"))


def test_limb_written_and_read_back_within_0_2_mm(aligned_truth, tmp_path):
    limb = aligned_truth.mesh
    marks = guess_landmarks(limb).points
    shape, offset = shape_from_mesh(limb, landmarks=marks, side="RIGHT")
    back = read_aop(write_aop(tmp_path / "limb.aop", shape))
    mesh = back.to_mesh()
    mesh.apply_translation([offset[0], offset[1], 0.0])
    # Both ways, over the height the grid covers.
    d_back = surface_distances(mesh, limb)
    top = back.z_mm[-1]
    keep = limb.vertices[:, 2] < top
    d_limb = SurfaceQuery(mesh).distance(limb.vertices[keep])
    assert np.percentile(d_back, 95) < 0.2 and d_back.mean() < 0.05
    assert np.percentile(d_limb, 95) < 0.2 and d_limb.mean() < 0.08
    assert back.radii_mm.shape[1] == 144
    # Every landmark comes back where it was.
    got = back.landmark_points()
    assert set(got) == set(marks)
    for name, p in marks.items():
        np.testing.assert_allclose(got[name] + [offset[0], offset[1], 0.0], p, atol=0.01)


@pytest.mark.parametrize("edit, phrase", [
    (lambda t: t[: len(t) // 2], "the file is truncated"),
    (lambda t: t.replace("CYLINDRICAL", "CARTESIAN"), "only CYLINDRICAL .aop files are read"),
    (lambda t: t.replace("END COMMENTS", "END"), "has no 'END COMMENTS' line"),
    (lambda t: t.replace("AAOP1", "HELLO", 1), "does not start with 'AAOP1'"),
    (lambda t: t.replace("\r72\r", "\rseventy-two\r", 1), "expected a number for number of angles"),
    (lambda t: t.replace("\r72\r5\r", "\r72\r4\r", 1), "do not make a full turn"),
], ids=["truncated", "cartesian", "no-end-comments", "not-aaop", "word", "partial-turn"])
def test_bad_files_give_one_line_errors(tmp_path, edit, phrase):
    text = EXAMPLE.read_bytes().decode("ascii")
    bad = tmp_path / "bad.aop"
    bad.write_bytes(edit(text).encode("ascii"))
    with pytest.raises(ScanError) as err:
        read_aop(bad)
    msg = str(err.value)
    assert phrase in msg and "\n" not in msg and msg.startswith("bad.aop: ")


def test_line_endings_do_not_matter(example, tmp_path):
    text = format_aop(example)
    for name, ending in (("lf.aop", "\n"), ("cr.aop", "\r")):
        (tmp_path / name).write_text(text.replace("\r\n", ending), newline="")
        np.testing.assert_allclose(read_aop(tmp_path / name).radii_mm, example.radii_mm,
                                   atol=1e-4)


def test_design_writes_limb_and_cavity_aop(sample_design, tmp_path):
    from prosthetics.design.socket_writer import _write_aop_files

    outputs = _write_aop_files(sample_design, tmp_path, "socket")
    assert [o["path"] for o in outputs] == ["socket_limb.aop", "socket_cavity.aop"]
    cavity = read_aop(tmp_path / "socket_cavity.aop")
    mesh = cavity.to_mesh()
    off = outputs[1]["axis_offset_mm"]
    mesh.apply_translation([off[0], off[1], 0.0])
    # The positive model is the rectified cavity: the grid lies on it.
    d = surface_distances(mesh, sample_design.socket_result.cavity)
    assert np.percentile(d, 95) < 0.2
    assert "MPT" in cavity.landmarks and "limb frame" in cavity.comments[0]


def test_format_option_validates(tmp_path):
    from prosthetics.design.session import ExportParams
    from prosthetics.errors import ParameterError

    assert ExportParams(formats="STL, 3mf,aop").format_set == {"stl", "3mf", "aop"}
    with pytest.raises(ParameterError, match="formats 'stl,obj': unknown obj"):
        ExportParams(formats="stl,obj")


def test_design_from_the_example_uses_its_mpt():
    from prosthetics.design.session import run_design

    design = run_design(EXAMPLE, settings={"slice": "false"})
    rep = design.report
    file_mpt = rep["input"]["landmarks_mm"]["mid_patellar_tendon"]
    rect = rep["rectification"]["landmarks"]
    assert rect["points_mm"]["mid_patellar_tendon"][2] == pytest.approx(file_mpt[2], abs=0.01)
    assert rect["source"]["mid_patellar_tendon"].startswith("the scan file's MPT")
    assert rep["checks"]["watertight"] and rep["checks"]["bodies"] == 1
    assert rep["checks"]["min_wall_mm"] >= rep["checks"]["wall_required_mm"] - 0.1
