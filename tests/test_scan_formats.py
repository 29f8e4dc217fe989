"""Tests for the scan formats that declare their unit and frame: USD (.usdz/.usda/.usdc) and E57.

Every file is made here from the clean limb of ``scans/source`` (mm, +Z up) with pxr and
pye57's writers: in metres, Y up, under transforms or scan poses.  Loading must give back the
limb in millimetres, +Z up, within 1e-3 mm; each broken variant must give one line naming the
file, what is wrong and what to do.  The command line is run on the USDZ and E57 files as a
user would, and its figures must match those of the source STL.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from prosthetics.cases import add_scan, new_case, open_case
from prosthetics.cases.verify import verify_case
from prosthetics.errors import CaseError, ProstheticsError, ScanError, UnitsError
from prosthetics.scan.formats import Y_UP_TO_Z_UP, fan_triangles
from prosthetics.scan.loaders import SUPPORTED_SUFFIXES, Units, load_scan

pxr = pytest.importorskip("pxr")
pye57 = pytest.importorskip("pye57")
from pxr import Gf, Sdf, Usd, UsdGeom, UsdUtils, Vt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
TOL_MM = 1e-3


@pytest.fixture(scope="module")
def limb() -> trimesh.Trimesh:
    """The clean limb (mm, +Z proximal) with its STL corners merged into shared vertices."""
    mesh = trimesh.load(SOURCE_STL, process=True)
    assert len(mesh.vertices) == 7530 and 250.0 < mesh.extents.max() < 270.0
    return mesh


def rigid(angle_deg: float, axis, shift) -> np.ndarray:
    """(4, 4) rotation about ``axis`` then translation (column-vector convention)."""
    m = trimesh.transformations.rotation_matrix(np.radians(angle_deg), axis)
    m[:3, 3] = shift
    return m


def apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:3, :3].T + m[:3, 3]


# ---------------------------------------------------------------------------------------
# USD writers
# ---------------------------------------------------------------------------------------


def _stage(path: Path, *, meters_per_unit: float | None, up: str) -> Usd.Stage:
    layer_path = path.with_suffix(".usdc") if path.suffix == ".usdz" else path
    stage = Usd.Stage.CreateNew(str(layer_path))
    if meters_per_unit is not None:
        stage.SetMetadata("metersPerUnit", float(meters_per_unit))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y if up == "Y" else UsdGeom.Tokens.z)
    root = UsdGeom.Xform.Define(stage, "/scan")
    stage.SetDefaultPrim(root.GetPrim())
    return stage


def _save(stage: Usd.Stage, path: Path) -> Path:
    stage.GetRootLayer().Save()
    if path.suffix == ".usdz":
        layer = Path(stage.GetRootLayer().realPath)
        assert UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(str(layer)), str(path))
        layer.unlink()
    return path


def _define_mesh(stage, prim_path: str, points, faces, counts=None, transform=None,
                 orientation: str | None = None):
    if transform is not None:
        xf = UsdGeom.Xform.Define(stage, prim_path.rsplit("/", 1)[0])
        # USD matrices act on row vectors: store the transpose of the column-vector form.
        xf.AddTransformOp().Set(Gf.Matrix4d(np.asarray(transform, dtype=float).T.tolist()))
    mesh = UsdGeom.Mesh.Define(stage, prim_path)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(points, dtype=np.float32)))
    faces = np.asarray(faces)
    if counts is None:
        counts = np.full(len(faces), faces.shape[1])
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.asarray(counts, dtype=np.int32)))
    mesh.CreateFaceVertexIndicesAttr(
        Vt.IntArray.FromNumpy(np.asarray(faces, dtype=np.int32).ravel()))
    if orientation:
        mesh.CreateOrientationAttr(orientation)
    return mesh


def write_limb_usd(path: Path, limb: trimesh.Trimesh, *, meters_per_unit: float | None = 1.0,
                   up: str = "Y", unit_to_mm: float | None = None, parts: int = 2):
    """The limb split in ``parts`` meshes, each under its own transform, in the stage's unit
    and up axis, placed so that loading must give back ``limb`` (mm, Z up) exactly.

    Returns the expected triangles (mm) in the order the meshes are written.
    """
    unit_to_mm = unit_to_mm or 1000.0 * (meters_per_unit or 0.01)
    axes = Y_UP_TO_Z_UP if up == "Y" else np.eye(3)
    # world (file units, file axes) = axes^T @ mm / unit_to_mm
    world = limb.vertices @ axes / unit_to_mm
    stage = _stage(path, meters_per_unit=meters_per_unit, up=up)
    halves = np.array_split(np.arange(len(limb.faces)), parts)
    poses = [rigid(30.0, [0, 0, 1], [0.1, -0.05, 0.02]), rigid(-75.0, [1, 1, 0], [-0.2, 0.3, 0.0])]
    expected = []
    for i, (sel, pose) in enumerate(zip(halves, poses)):
        used, inverse = np.unique(limb.faces[sel], return_inverse=True)
        faces = inverse.reshape(-1, 3)
        pose = pose.copy()
        pose[:3, 3] /= unit_to_mm / 1000.0     # the same shift in metres, in file units
        local = apply(np.linalg.inv(pose), world[used])
        _define_mesh(stage, f"/scan/part{i}/mesh", local, faces, transform=pose)
        expected.append(limb.vertices[used][faces])
    _save(stage, path)
    return np.concatenate(expected)


# ---------------------------------------------------------------------------------------
# USD
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".usdz", ".usdc", ".usda"])
def test_usd_in_metres_y_up_with_transforms_comes_back_in_mm_z_up(tmp_path, limb, suffix):
    path = tmp_path / f"limb{suffix}"
    expected = write_limb_usd(path, limb, meters_per_unit=1.0, up="Y")

    scan = load_scan(path)

    assert scan.is_mesh and len(scan.faces) == len(limb.faces)
    assert scan.units is Units.M and scan.units_source == "USD metersPerUnit"
    err = np.abs(scan.points[scan.faces] - expected).max()
    assert err <= TOL_MM, err
    # The stated transform takes the file's world coordinates to these points.
    want = np.eye(4)
    want[:3, :3] = Y_UP_TO_Z_UP * 1000.0
    np.testing.assert_allclose(scan.file_to_mm, want)
    assert scan.notes[0].startswith("USD stage: Y up, turned Z up")
    assert "1 unit = 1 m" in scan.notes[0]
    assert any(n.startswith("read as m (USD metersPerUnit") for n in scan.notes)
    # Still an outward-wound closed surface: the volume is the limb's.
    mesh = trimesh.Trimesh(scan.points, scan.faces, process=False)
    assert mesh.volume == pytest.approx(limb.volume, rel=1e-6)


def test_usd_without_meters_per_unit_is_centimetres_z_up(tmp_path, limb):
    path = tmp_path / "limb_cm.usda"
    expected = write_limb_usd(path, limb, meters_per_unit=None, up="Z")
    assert "metersPerUnit" not in path.read_text()

    scan = load_scan(path)

    assert scan.units is Units.CM
    assert scan.units_source == "USD default (metersPerUnit not set)"
    assert np.abs(scan.points[scan.faces] - expected).max() <= TOL_MM
    np.testing.assert_allclose(scan.file_to_mm, np.diag([10.0, 10.0, 10.0, 1.0]))
    assert "Z up, kept" in scan.notes[0] and "metersPerUnit not set" in scan.notes[0]


def test_usd_in_inches_keeps_the_exact_scale(tmp_path, limb):
    path = tmp_path / "limb_in.usdc"
    expected = write_limb_usd(path, limb, meters_per_unit=0.0254, up="Z")

    scan = load_scan(path)

    assert np.abs(scan.points[scan.faces] - expected).max() <= TOL_MM
    np.testing.assert_allclose(scan.file_to_mm[:3, :3], np.eye(3) * 25.4)
    assert "1 unit = 1 inch" in scan.notes[0]
    assert scan.units_source == "USD metersPerUnit 0.0254 m"


def test_usd_units_option_overrides_the_stage(tmp_path, limb):
    path = tmp_path / "limb_mislabelled.usdz"
    # Written in millimetres but the stage claims metres: --units mm puts it right.
    expected = write_limb_usd(path, limb, meters_per_unit=1.0, up="Y", unit_to_mm=1.0)

    scan = load_scan(path, units="mm")

    assert scan.units is Units.MM and scan.units_source == "--units"
    assert np.abs(scan.points[scan.faces] - expected).max() <= TOL_MM
    np.testing.assert_allclose(scan.file_to_mm[:3, :3], Y_UP_TO_Z_UP)


def test_usd_undeclared_unit_of_the_wrong_size_names_units(tmp_path, limb):
    path = tmp_path / "limb_unknown.usda"
    # Metres without metersPerUnit: centimetres by USD's rule make a 2.6 mm limb.
    stage = _stage(path, meters_per_unit=None, up="Z")
    _define_mesh(stage, "/scan/mesh", limb.vertices * 1e-3, limb.faces)
    _save(stage, path)
    with pytest.raises(UnitsError, match=r"limb_unknown.usda does not say its unit .* pass "
                                         r"--units mm, cm or m"):
        load_scan(path)
    assert np.ptp(load_scan(path, units="m").points, axis=0).max() == pytest.approx(
        limb.extents.max(), abs=TOL_MM)


def test_usd_polygons_are_fanned_and_left_handed_winding_is_reversed(tmp_path):
    # A tube of 48 x 30 planar quads (r = 50 mm, 290 mm long) in millimetres, Z up.
    seg, rings = 48, 31
    ang = np.linspace(0, 2 * np.pi, seg, endpoint=False)
    z = np.linspace(0.0, 290.0, rings)
    pts = np.column_stack([np.tile(50 * np.cos(ang), rings), np.tile(50 * np.sin(ang), rings),
                           np.repeat(z, seg)])
    i, j = np.meshgrid(np.arange(rings - 1), np.arange(seg), indexing="ij")
    a = i * seg + j
    b = i * seg + (j + 1) % seg
    quads = np.stack([a, b, b + seg, a + seg], axis=-1).reshape(-1, 4)
    # One pentagon instead of one quad (an extra corner in the middle of an edge).
    mid = len(pts)
    pts = np.vstack([pts, (pts[quads[0, 0]] + pts[quads[0, 1]]) / 2])
    counts = np.full(len(quads), 4)
    counts[0] = 5
    indices = np.concatenate([[quads[0, 0], mid, *quads[0, 1:]], quads[1:].ravel()])
    scans = {}
    for orientation in ("rightHanded", "leftHanded"):
        path = tmp_path / f"tube_{orientation}.usda"
        stage = _stage(path, meters_per_unit=0.001, up="Z")
        mesh = UsdGeom.Mesh.Define(stage, "/scan/tube")
        mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(pts.astype(np.float32)))
        mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(counts.astype(np.int32)))
        mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(indices.astype(np.int32)))
        mesh.CreateOrientationAttr(orientation)
        _save(stage, path)
        scans[orientation] = load_scan(path)

    right, left = scans["rightHanded"], scans["leftHanded"]
    assert len(right.faces) == 3 + 2 * (len(quads) - 1)
    area = trimesh.Trimesh(right.points, right.faces, process=False).area
    side = 2 * 50 * np.sin(np.pi / seg)          # chord of one segment
    assert area == pytest.approx(seg * side * 290.0, rel=1e-6)
    np.testing.assert_array_equal(left.faces, right.faces[:, ::-1])


def test_fan_triangles_of_mixed_polygons():
    counts = np.array([3, 4, 2, 5])
    indices = np.arange(14)
    tri = fan_triangles(counts, indices)
    np.testing.assert_array_equal(tri, [[0, 1, 2], [3, 4, 5], [3, 5, 6],
                                        [9, 10, 11], [9, 11, 12], [9, 12, 13]])
    assert fan_triangles(np.array([], int), np.array([], int)).shape == (0, 3)


def test_usd_points_prim_with_display_colours(tmp_path, limb):
    path = tmp_path / "cloud.usdz"
    stage = _stage(path, meters_per_unit=1.0, up="Y")
    pts = UsdGeom.Points.Define(stage, "/scan/cloud")
    pts.CreatePointsAttr(Vt.Vec3fArray.FromNumpy((limb.vertices @ Y_UP_TO_Z_UP * 1e-3)
                                                 .astype(np.float32)))
    rng = np.random.default_rng(5)
    colors = rng.integers(0, 256, size=(len(limb.vertices), 3))
    pv = pts.CreateDisplayColorPrimvar(UsdGeom.Tokens.vertex)
    pv.Set(Vt.Vec3fArray.FromNumpy((colors / 255.0).astype(np.float32)))
    _save(stage, path)

    scan = load_scan(path)

    assert scan.faces is None
    assert np.abs(scan.points - limb.vertices).max() <= TOL_MM
    np.testing.assert_array_equal(scan.colors, colors)


def test_usd_invisible_and_guide_prims_are_left_out(tmp_path, limb):
    path = tmp_path / "with_guide.usda"
    stage = _stage(path, meters_per_unit=0.001, up="Z")
    _define_mesh(stage, "/scan/limb", limb.vertices, limb.faces)
    box = trimesh.creation.box(extents=[2000, 2000, 10])
    hidden = _define_mesh(stage, "/scan/floor", box.vertices, box.faces)
    hidden.CreateVisibilityAttr(UsdGeom.Tokens.invisible)
    guide = _define_mesh(stage, "/scan/guide", box.vertices + 5000, box.faces)
    guide.CreatePurposeAttr(UsdGeom.Tokens.guide)
    _save(stage, path)

    scan = load_scan(path)

    assert len(scan.points) == len(limb.vertices)
    assert np.abs(scan.points - limb.vertices).max() <= TOL_MM


# ---------------------------------------------------------------------------------------
# E57
# ---------------------------------------------------------------------------------------


def _quaternion(m: np.ndarray) -> np.ndarray:
    """(w, x, y, z) of a rotation matrix."""
    q = trimesh.transformations.quaternion_from_matrix(m)
    return q if q[0] >= 0 else -q


def write_two_scan_e57(path: Path, points_mm: np.ndarray, colors: np.ndarray | None = None):
    """``points_mm`` split in two scans, each stored in its own frame with a different pose
    (rotation quaternion and translation, metres) that puts it back in place."""
    halves = np.array_split(np.arange(len(points_mm)), 2)
    poses = [rigid(40.0, [0, 0, 1], [1.5, -0.7, 0.2]), rigid(-110.0, [1, 2, 3], [-3.0, 2.0, 0.5])]
    with pye57.E57(str(path), mode="w") as e57:
        for k, (sel, pose) in enumerate(zip(halves, poses)):
            local = apply(np.linalg.inv(pose), points_mm[sel] * 1e-3)
            data = {"cartesianX": local[:, 0], "cartesianY": local[:, 1],
                    "cartesianZ": local[:, 2]}
            if colors is not None:
                for c, name in enumerate(("colorRed", "colorGreen", "colorBlue")):
                    data[name] = colors[sel, c].astype(np.uint8)
            e57.write_scan_raw(data, name=f"station {k}", rotation=_quaternion(pose),
                               translation=pose[:3, 3])
    return path


def test_e57_two_scans_with_poses_are_merged_in_mm(tmp_path, limb):
    rng = np.random.default_rng(9)
    colors = rng.integers(0, 256, size=(len(limb.vertices), 3))
    path = write_two_scan_e57(tmp_path / "stations.e57", limb.vertices, colors)

    scan = load_scan(path)

    assert scan.faces is None
    assert scan.units is Units.M and scan.units_source == "E57 specification"
    err = np.abs(scan.points - limb.vertices).max()
    assert err <= TOL_MM, err
    np.testing.assert_array_equal(scan.colors, colors)
    np.testing.assert_allclose(scan.file_to_mm, np.diag([1000.0, 1000.0, 1000.0, 1.0]))
    assert scan.notes[0].startswith("E57: 2 scan(s), 7530 points")
    assert "2 placed by their pose" in scan.notes[0]


def test_e57_without_colours_and_forced_units(tmp_path, limb):
    path = write_two_scan_e57(tmp_path / "plain.e57", limb.vertices)
    scan = load_scan(path)
    assert scan.colors is None
    assert np.abs(scan.points - limb.vertices).max() <= TOL_MM
    # --units wins over the specification (a file written in millimetres by mistake).
    forced = load_scan(path, units="mm")
    assert np.abs(forced.points - limb.vertices * 1e-3).max() <= 1e-6


# ---------------------------------------------------------------------------------------
# Broken files: one line each, naming the file, the fault and the fix
# ---------------------------------------------------------------------------------------


def make_usdz_without_geometry(d: Path) -> Path:
    stage = _stage(d / "empty_scene.usdz", meters_per_unit=1.0, up="Y")
    UsdGeom.Cube.Define(stage, "/scan/cube")   # a gprim, but neither a mesh nor points
    return _save(stage, d / "empty_scene.usdz")


def make_usd_mpu(value: float):
    def make(d: Path) -> Path:
        path = d / f"mpu_{value:g}.usda"
        stage = _stage(path, meters_per_unit=value, up="Z")
        mesh = trimesh.creation.capsule(height=200, radius=45)
        _define_mesh(stage, "/scan/mesh", mesh.vertices, mesh.faces)
        return _save(stage, path)
    return make


def _good_usdz(d: Path) -> bytes:
    stage = _stage(d / "good.usdz", meters_per_unit=0.001, up="Z")
    mesh = trimesh.creation.capsule(height=200, radius=45)
    _define_mesh(stage, "/scan/mesh", mesh.vertices, mesh.faces)
    data = _save(stage, d / "good.usdz").read_bytes()
    (d / "good.usdz").unlink()
    return data


def make_truncated_usdz(d: Path) -> Path:
    data = _good_usdz(d)
    (d / "truncated.usdz").write_bytes(data[: len(data) // 2])
    return d / "truncated.usdz"


def make_corrupt_usdz(d: Path) -> Path:
    data = bytearray(_good_usdz(d))
    rng = np.random.default_rng(1)
    start = 200
    data[start:start + 400] = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    (d / "corrupt.usdz").write_bytes(bytes(data))
    return d / "corrupt.usdz"


def _good_e57(d: Path) -> bytes:
    pts = trimesh.creation.capsule(height=200, radius=45).sample(2000, seed=0)
    data = write_two_scan_e57(d / "good.e57", pts).read_bytes()
    (d / "good.e57").unlink()
    return data


def make_truncated_e57(d: Path) -> Path:
    data = _good_e57(d)
    (d / "truncated.e57").write_bytes(data[: len(data) // 2])
    return d / "truncated.e57"


def make_corrupt_e57(d: Path) -> Path:
    data = bytearray(_good_e57(d))
    data[100:2100] = np.random.default_rng(2).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    (d / "corrupt.e57").write_bytes(bytes(data))
    return d / "corrupt.e57"


def make_e57_without_scans(d: Path) -> Path:
    with pye57.E57(str(d / "no_scans.e57"), mode="w"):
        pass
    return d / "no_scans.e57"


BAD_FILES = [
    ("usdz-no-geometry", make_usdz_without_geometry, ScanError,
     "empty_scene.usdz holds no mesh or points"),
    ("usd-mpu-zero", make_usd_mpu(0.0), UnitsError,
     "mpu_0.usda: its metersPerUnit is 0, not a unit a scan can have"),
    ("usd-mpu-absurd", make_usd_mpu(1e6), UnitsError,
     "mpu_1e+06.usda: its metersPerUnit is 1e+06, not a unit a scan can have"),
    ("usd-mpu-negative", make_usd_mpu(-1.0), UnitsError,
     "mpu_-1.usda: its metersPerUnit is -1, not a unit a scan can have"),
    ("usdz-truncated", make_truncated_usdz, ScanError,
     "truncated.usdz could not be read as USD"),
    ("usdz-corrupt", make_corrupt_usdz, ScanError, "corrupt.usdz"),
    ("e57-truncated", make_truncated_e57, ScanError, "truncated.e57"),
    ("e57-corrupt", make_corrupt_e57, ScanError, "corrupt.e57"),
    ("e57-no-scans", make_e57_without_scans, ScanError,
     "no_scans.e57 holds no scans (its data3D list is empty)"),
]


@pytest.mark.parametrize("build, exc_type, phrase", [c[1:] for c in BAD_FILES],
                         ids=[c[0] for c in BAD_FILES])
def test_bad_file_raises_one_line_error_and_prints_nothing(tmp_path, capfd, build, exc_type,
                                                           phrase):
    path = build(tmp_path)
    capfd.readouterr()

    with pytest.raises(ProstheticsError) as info:
        load_scan(path)

    exc = info.value
    assert type(exc) is exc_type and isinstance(exc, ScanError)
    msg = str(exc)
    assert phrase in msg
    assert "\n" not in msg and "\r" not in msg and msg == msg.strip() and len(msg) < 300
    assert "export" in msg or "--units" in msg          # says what to do
    assert exc.__cause__ is None
    out, err = capfd.readouterr()
    assert out == "" and err == ""                        # no library chatter


def test_new_suffixes_are_listed():
    for suffix in (".usdz", ".usda", ".usdc", ".usd", ".e57"):
        assert suffix in SUPPORTED_SUFFIXES


# ---------------------------------------------------------------------------------------
# The command line, as a user runs it
# ---------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "prosthetics.cli.main", *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def measure_json(path: Path) -> dict:
    res = run_cli("measure", str(path), "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def source_measure() -> dict:
    return measure_json(SOURCE_STL)


def by_level(measure: dict, key: str, value: str) -> dict:
    return {row["z_mm"]: row[value] for row in measure[key]}


@pytest.mark.slow
def test_measure_usdz_matches_the_source_stl(tmp_path, limb, source_measure):
    # As a phone exports it: one mesh under a transform, metres, Y up.
    path = tmp_path / "phone_scan.usdz"
    write_limb_usd(path, limb, meters_per_unit=1.0, up="Y", parts=1)
    got = measure_json(path)
    for key in ("length_mm", "volume_ml"):
        assert got[key] == pytest.approx(source_measure[key], rel=0.01), key
    want = by_level(source_measure, "circumferences", "mm")
    for z, mm in by_level(got, "circumferences", "mm").items():
        assert mm == pytest.approx(want[z], rel=0.005), z


@pytest.mark.slow
def test_measure_e57_matches_the_source_stl(tmp_path, limb, source_measure):
    # A scanner's cloud: points sampled densely over the surface, in two stations.
    pts = np.vstack([limb.vertices, limb.sample(60_000, seed=4)])
    path = write_two_scan_e57(tmp_path / "stations.e57", pts)
    got = measure_json(path)
    # A cloud is rebuilt into a surface, which stops where the cloud stops covering the
    # whole circumference: its open proximal rim ends a few mm lower than the mesh's (the
    # same points as a PLY cloud measure the same).  Below the rim the figures agree.
    assert got["length_mm"] == pytest.approx(source_measure["length_mm"], rel=0.02)
    want_vol = by_level(source_measure, "volume_by_level", "volume_below_ml")
    got_vol = by_level(got, "volume_by_level", "volume_below_ml")
    for z in (100.0, 200.0, 240.0):
        assert got_vol[z] == pytest.approx(want_vol[z], rel=0.01), z
    want = by_level(source_measure, "circumferences", "mm")
    for z, mm in by_level(got, "circumferences", "mm").items():
        if 20.0 <= z <= 240.0:
            assert mm == pytest.approx(want[z], rel=0.01), z


@pytest.mark.slow
def test_measure_bad_usdz_prints_exactly_one_line(tmp_path):
    path = make_truncated_usdz(tmp_path)
    res = run_cli("measure", str(path))
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and "truncated.usdz could not be read as USD" in lines[0], res.stderr


# ---------------------------------------------------------------------------------------
# Adding scans to a case: a textured OBJ keeps its MTL and textures; USD and E57 are one file
# ---------------------------------------------------------------------------------------


def png_bytes(color) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), tuple(color)).save(buf, format="PNG")
    return buf.getvalue()


def write_textured_obj(folder: Path, limb: trimesh.Trimesh, *, skip: str | None = None) -> Path:
    """``folder/phone_export.obj`` with ``mtllib`` naming an MTL that names two textures
    (one with options before its name, one in a sub-folder); ``skip`` leaves one out."""
    folder.mkdir(parents=True, exist_ok=True)
    uv = (limb.vertices[:, :2] - limb.vertices[:, :2].min(0)) / np.ptp(limb.vertices[:, :2], 0)
    lines = ["# phone export", "mtllib phone_export.mtl", "o limb"]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in limb.vertices]
    lines += [f"vt {u:.6f} {v:.6f}" for u, v in uv]
    lines.append("usemtl skin")
    lines += [f"f {a}/{a} {b}/{b} {c}/{c}" for a, b, c in limb.faces + 1]
    (folder / "phone_export.obj").write_text("\n".join(lines) + "\n")
    (folder / "phone_export.mtl").write_text(
        "newmtl skin\nKa 1 1 1\nKd 1 1 1\nmap_Kd -s 1 1 1 phone_export_albedo.png\n"
        "map_Bump textures/normal.png\n")
    (folder / "textures").mkdir(exist_ok=True)
    files = {"phone_export_albedo.png": png_bytes([200, 150, 120]),
             "textures/normal.png": png_bytes([128, 128, 255])}
    for name, data in files.items():
        if name != skip:
            (folder / name).write_bytes(data)
    return folder / "phone_export.obj"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_case_keeps_a_textured_obj_with_its_mtl_and_textures(tmp_path, limb):
    src = write_textured_obj(tmp_path / "export", limb)
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0001")

    entry = add_scan(case, src, measure=False)

    assert entry["file"] == "scans/S01.obj" and entry["sha256"] == sha(src)
    want = [("scans/S01.mtl", "phone_export.mtl", src.parent / "phone_export.mtl"),
            ("scans/S01-t1.png", "phone_export_albedo.png",
             src.parent / "phone_export_albedo.png"),
            ("scans/S01-t2.png", "textures/normal.png", src.parent / "textures" / "normal.png")]
    assert [(c["file"], c["name"]) for c in entry["companions"]] == [w[:2] for w in want]
    for comp, (rel, _name, original) in zip(entry["companions"], want):
        stored = case.path / rel
        assert stored.read_bytes() == original.read_bytes()       # byte for byte
        assert comp["sha256"] == sha(original) and comp["bytes"] == original.stat().st_size
        assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    assert (case.path / "scans/S01.obj").read_bytes() == src.read_bytes()
    # The index holds the same record, and the case verifies clean.
    assert open_case(case.path).scans[0] == entry
    report = verify_case(case.path)
    assert report.ok, report.problems
    # The stored OBJ designs as the original does.
    scan = load_scan(case.path / "scans/S01.obj")
    assert np.abs(scan.points - limb.vertices).max() <= TOL_MM
    np.testing.assert_array_equal(scan.faces, limb.faces)


@pytest.mark.parametrize("skip, looked_for", [
    ("phone_export_albedo.png", "phone_export_albedo.png"),
    ("textures/normal.png", "textures/normal.png"),
])
def test_case_refuses_an_obj_whose_texture_is_missing(tmp_path, limb, skip, looked_for):
    src = write_textured_obj(tmp_path / "export", limb, skip=skip)
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0002")
    before = sorted(p.name for p in (case.path / "scans").iterdir())

    with pytest.raises(CaseError) as info:
        add_scan(case, src, measure=False)

    msg = str(info.value)
    assert "\n" not in msg
    assert "phone_export.mtl names the texture (map_" in msg
    assert f"{skip!r}, which is missing (looked for {src.parent / looked_for})" in msg
    assert sorted(p.name for p in (case.path / "scans").iterdir()) == before
    assert open_case(case.path).scans == []


def test_case_refuses_an_obj_whose_mtl_is_missing_or_outside_its_folder(tmp_path, limb):
    src = write_textured_obj(tmp_path / "export", limb)
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0003")
    (src.parent / "phone_export.mtl").unlink()
    with pytest.raises(CaseError, match=r"phone_export.obj names the material file "
                                        r"'phone_export.mtl', which is missing \(looked for "):
        add_scan(case, src, measure=False)
    # A material file outside the scan's folder would carry any file into the case.
    (tmp_path / "secret.mtl").write_text("newmtl x\n")
    src.write_text(src.read_text().replace("mtllib phone_export.mtl", "mtllib ../secret.mtl"))
    with pytest.raises(CaseError, match=r"names its material file '../secret.mtl' outside its "
                                        r"own folder"):
        add_scan(case, src, measure=False)
    # Nor through a link that leads out of it.
    (src.parent / "linked.mtl").symlink_to(tmp_path / "secret.mtl")
    src.write_text(src.read_text().replace("mtllib ../secret.mtl", "mtllib linked.mtl"))
    with pytest.raises(CaseError, match=r"names its material file 'linked.mtl' outside its "
                                        r"own folder"):
        add_scan(case, src, measure=False)
    assert open_case(case.path).scans == []


def test_case_scan_without_companions_records_as_before(tmp_path, limb):
    src = tmp_path / "plain.obj"
    src.write_bytes(limb.export(file_type="obj", include_texture=False).encode())
    assert b"mtllib" not in src.read_bytes()
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0004")
    entry = add_scan(case, src, measure=False)
    assert set(entry) == {"id", "file", "sha256", "bytes", "added_utc", "captured_on", "units",
                          "note", "measurements"}
    assert sorted(p.name for p in (case.path / "scans").iterdir()) == ["S01.obj"]
    assert verify_case(case.path).ok


def test_case_takes_usdz_and_e57_and_refuses_a_usd_made_of_several_files(tmp_path, limb):
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0005")
    usdz = tmp_path / "scan.usdz"
    write_limb_usd(usdz, limb, parts=1)
    e57 = write_two_scan_e57(tmp_path / "scan.e57", limb.vertices)
    assert add_scan(case, usdz, measure=False)["file"] == "scans/S01.usdz"
    assert add_scan(case, e57, measure=False)["file"] == "scans/S02.e57"
    assert np.abs(load_scan(case.path / "scans/S02.e57").points - limb.vertices).max() <= TOL_MM
    # A .usda that references another layer is not one scan.
    part = tmp_path / "part.usdc"
    write_limb_usd(part, limb, meters_per_unit=1.0, up="Y", parts=1)
    top = tmp_path / "assembly.usda"
    stage = _stage(top, meters_per_unit=1.0, up="Y")
    stage.GetPrimAtPath("/scan").GetReferences().AddReference("./part.usdc")
    _save(stage, top)
    assert load_scan(top).is_mesh                  # it reads, but cannot be kept alone
    with pytest.raises(CaseError, match=r"scan assembly.usda takes part of its data from "
                                        r"other files .* export it as one .usdz file"):
        add_scan(case, top, measure=False)
    assert verify_case(case.path).ok


def test_case_companions_are_verified_and_packed(tmp_path, limb):
    from prosthetics.cases import pack_case, unpack_case

    src = write_textured_obj(tmp_path / "export", limb)
    case = new_case(tmp_path / "cases", case_id="PK-TEST-0006")
    add_scan(case, src, measure=False)
    assert verify_case(case.path).notes == []
    package = pack_case(case.path, tmp_path / "case.pkg").path
    copy = unpack_case(package, tmp_path / "unpacked")
    assert (copy / "scans/S01-t1.png").read_bytes() == (case.path / "scans/S01-t1.png").read_bytes()
    texture = case.path / "scans/S01-t1.png"
    os.chmod(texture, 0o644)
    texture.write_bytes(png_bytes([0, 0, 0]))
    report = verify_case(case.path)
    assert not report.ok and any("S01-t1.png" in p for p in report.problems)
