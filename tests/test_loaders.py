"""Tests for prosthetics.scan.loaders: every supported format, unit detection, and one-line errors.

Every file is written to ``tmp_path`` from a known shape (the clean limb mesh of
``scans/source`` or a capsule) and read back with :func:`load_scan`; the points must come
back in millimetres within 1e-3 mm (text and float64 files) or 1e-2 mm (float32 files).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from prosthetics.errors import ProstheticsError, ScanError, ScanNotFoundError, UnitsError
from prosthetics.scan.loaders import SUPPORTED_SUFFIXES, Units, detect_units, load_scan
from prosthetics.scan.phonescan import write_ply

ROOT = Path(__file__).resolve().parent.parent
SOURCE_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"

TEXT_TOL_MM = 1e-3
FLOAT32_TOL_MM = 1e-2
SCALE = {"mm": 1.0, "m": 1e-3}


# ---------------------------------------------------------------------------------------
# Shapes and writers
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limb() -> trimesh.Trimesh:
    """The clean limb (mm) with its STL corners merged into shared vertices."""
    mesh = trimesh.load(SOURCE_STL, process=True)
    assert (len(mesh.vertices), len(mesh.faces)) == (7530, 14944)
    assert 250.0 < mesh.extents.max() < 270.0
    return mesh


@pytest.fixture(scope="module")
def capsule() -> trimesh.Trimesh:
    """A 290 mm long, 90 mm wide capsule (mm)."""
    return trimesh.creation.capsule(height=200, radius=45)


def scaled(mesh: trimesh.Trimesh, factor: float) -> trimesh.Trimesh:
    out = mesh.copy()
    out.apply_scale(factor)
    return out


def write_ply_custom(path: Path, points: np.ndarray, *, faces: np.ndarray | None = None,
                     normals: np.ndarray | None = None, encoding: str = "binary") -> None:
    """PLY with optional faces and vertex normals; binary float32 or ascii float64."""
    ascii_ = encoding == "ascii"
    ftype = "double" if ascii_ else "float"
    names = ["x", "y", "z"] + (["nx", "ny", "nz"] if normals is not None else [])
    header = ["ply", "format ascii 1.0" if ascii_ else "format binary_little_endian 1.0",
              f"element vertex {len(points)}"] + [f"property {ftype} {n}" for n in names]
    if faces is not None:
        header += [f"element face {len(faces)}", "property list uchar int vertex_indices"]
    header.append("end_header")
    columns = points if normals is None else np.column_stack([points, normals])
    with open(path, "wb") as fh:
        fh.write(("\n".join(header) + "\n").encode("ascii"))
        if ascii_:
            fh.write("".join(" ".join(f"{x:.6f}" for x in row) + "\n"
                             for row in columns).encode("ascii"))
            if faces is not None:
                fh.write("".join(f"3 {a} {b} {c}\n" for a, b, c in faces).encode("ascii"))
            return
        vert = np.empty(len(points), dtype=[(n, "<f4") for n in names])
        for n, col in zip(names, columns.T):
            vert[n] = col
        fh.write(vert.tobytes())
        if faces is not None:
            face = np.empty(len(faces), dtype=[("n", "u1"), ("i", "<i4", (3,))])
            face["n"], face["i"] = 3, faces
            fh.write(face.tobytes())


def write_xyz(path: Path, points: np.ndarray, colors: np.ndarray | None = None,
              sep: str = " ", color_fmt: str = "%d") -> None:
    fmt = ["%.6f"] * 3 + ([color_fmt] * 3 if colors is not None else [])
    data = points if colors is None else np.column_stack([points, colors])
    np.savetxt(path, data, fmt=fmt, delimiter=sep)


def write_export(path: Path, mesh: trimesh.Trimesh, file_type: str) -> None:
    data = mesh.export(file_type=file_type)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("ascii"))


def assert_provenance(scan, path: Path, n_points: int) -> None:
    assert scan.path == str(path)
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scan.n_input_points == n_points
    assert scan.points.shape == (n_points, 3)
    assert scan.points.dtype == np.float64


def assert_units(scan, unit: str, source: str) -> None:
    assert scan.units is Units(unit)
    assert scan.units_source == source
    np.testing.assert_array_equal(scan.file_to_mm, np.diag([Units(unit).to_mm] * 3 + [1.0]))
    assert scan.notes and scan.notes[0].startswith(f"read as {unit} ({source})")


def max_err(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a - b).max())


# ---------------------------------------------------------------------------------------
# Point clouds
# ---------------------------------------------------------------------------------------


def test_ply_binary_cloud_with_colours_in_metres(tmp_path, limb):
    rng = np.random.default_rng(11)
    colors = rng.integers(0, 256, size=(len(limb.vertices), 3), dtype=np.uint8)
    path = tmp_path / "phone.ply"
    write_ply(path, limb.vertices * 1e-3, colors)

    scan = load_scan(path)

    assert_provenance(scan, path, len(limb.vertices))
    assert_units(scan, "m", "size")
    assert max_err(scan.points, limb.vertices) <= FLOAT32_TOL_MM
    assert scan.colors is not None and scan.colors.dtype == np.uint8
    np.testing.assert_array_equal(scan.colors, colors)
    assert scan.faces is None and not scan.is_mesh
    assert scan.normals is None


def test_ply_ascii_cloud_without_colours(tmp_path, limb):
    path = tmp_path / "cloud_ascii.ply"
    write_ply_custom(path, limb.vertices, encoding="ascii")
    assert path.read_bytes().startswith(b"ply\nformat ascii 1.0\n")

    scan = load_scan(path)

    assert_provenance(scan, path, len(limb.vertices))
    assert_units(scan, "mm", "size")
    assert max_err(scan.points, limb.vertices) <= TEXT_TOL_MM
    assert scan.colors is None and scan.faces is None and scan.normals is None


@pytest.mark.parametrize("encoding, tol", [("ascii", TEXT_TOL_MM), ("binary", FLOAT32_TOL_MM)])
def test_ply_cloud_normals_are_read(tmp_path, limb, encoding, tol):
    normals = limb.vertex_normals
    path = tmp_path / f"cloud_normals_{encoding}.ply"
    write_ply_custom(path, limb.vertices, normals=normals, encoding=encoding)

    scan = load_scan(path)

    assert_provenance(scan, path, len(limb.vertices))
    assert max_err(scan.points, limb.vertices) <= tol
    assert scan.normals is not None and scan.normals.dtype == np.float64
    assert max_err(scan.normals, normals) <= 1e-6
    assert scan.faces is None


# ---------------------------------------------------------------------------------------
# Meshes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding, tol", [("ascii", TEXT_TOL_MM), ("binary", FLOAT32_TOL_MM)])
def test_ply_mesh_with_vertex_normals(tmp_path, limb, encoding, tol):
    # Normals that differ from what the faces give (rotated), so reading them cannot be
    # confused with recomputing them.
    rng = np.random.default_rng(4)
    normals = rng.normal(size=(len(limb.vertices), 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    path = tmp_path / f"mesh_{encoding}.ply"
    write_ply_custom(path, limb.vertices, faces=limb.faces, normals=normals, encoding=encoding)

    scan = load_scan(path)

    assert_provenance(scan, path, len(limb.vertices))
    assert_units(scan, "mm", "size")
    assert scan.is_mesh
    assert scan.faces.dtype == np.int64
    np.testing.assert_array_equal(scan.faces, limb.faces)
    assert max_err(scan.points, limb.vertices) <= tol
    assert scan.colors is None
    # Vertex order is kept, so normal i belongs to point i.
    assert scan.normals is not None and scan.normals.dtype == np.float64
    assert max_err(scan.normals, normals) <= 1e-6


def test_ply_mesh_without_normals_has_none(tmp_path, limb):
    path = tmp_path / "mesh_plain.ply"
    write_ply_custom(path, limb.vertices, faces=limb.faces)
    scan = load_scan(path)
    assert scan.is_mesh and scan.normals is None


def test_ply_mesh_normals_follow_dropped_far_points(tmp_path, limb):
    points = limb.vertices.copy()
    points[5] = [1e7, 1e7, 1e7]                  # one corrupt coordinate
    normals = np.tile([0.0, 0.0, 1.0], (len(points), 1))
    normals[6] = [1.0, 0.0, 0.0]
    path = tmp_path / "mesh_far.ply"
    write_ply_custom(path, points, faces=limb.faces, normals=normals, encoding="ascii")

    scan = load_scan(path)

    assert len(scan.points) == len(points) - 1 and len(scan.normals) == len(scan.points)
    np.testing.assert_allclose(scan.normals[5], [1.0, 0.0, 0.0])   # old vertex 6


# file type for trimesh, file suffix, tolerance, vertices shared (False: STL, 3 per face)
MESH_FORMATS = [
    ("obj", ".obj", TEXT_TOL_MM, True),
    ("off", ".off", TEXT_TOL_MM, True),
    ("stl", ".stl", FLOAT32_TOL_MM, False),
    ("stl_ascii", ".stl", TEXT_TOL_MM, False),
    ("ply", ".ply", FLOAT32_TOL_MM, True),
]


@pytest.mark.parametrize("unit", ["mm", "m"])
@pytest.mark.parametrize("file_type, suffix, tol, shared", MESH_FORMATS,
                         ids=[f[0] for f in MESH_FORMATS])
def test_mesh_formats_round_trip(tmp_path, limb, file_type, suffix, tol, shared, unit):
    path = tmp_path / f"limb_{unit}{suffix}"
    write_export(path, scaled(limb, SCALE[unit]), file_type)
    head = path.read_bytes()[:5]
    if file_type == "stl_ascii":
        assert head == b"solid"
    elif file_type == "stl":
        assert path.stat().st_size == 84 + 50 * len(limb.faces)

    scan = load_scan(path)

    n_points = len(limb.vertices) if shared else 3 * len(limb.faces)
    assert_provenance(scan, path, n_points)
    assert_units(scan, unit, "size")
    assert scan.is_mesh and len(scan.faces) == len(limb.faces)
    # Same triangles, corner by corner, in the same order.
    assert max_err(scan.points[scan.faces], limb.triangles) <= tol
    if shared:
        np.testing.assert_array_equal(scan.faces, limb.faces)


def _glb_scene(mesh_a: trimesh.Trimesh, mesh_b: trimesh.Trimesh, offset_m) -> trimesh.Scene:
    scene = trimesh.Scene()
    scene.add_geometry(mesh_a, node_name="limb", geom_name="limb")
    moved = np.eye(4)
    moved[:3, 3] = offset_m
    scene.add_geometry(mesh_b, node_name="block", geom_name="block", transform=moved)
    return scene


@pytest.mark.parametrize("units, want_unit, want_source", [
    (None, "m", "glTF specification"),
    ("mm", "mm", "--units"),
])
def test_glb_scene_is_flattened_with_node_transform(tmp_path, units, want_unit, want_source):
    limb_m = trimesh.creation.capsule(height=0.2, radius=0.045)
    block_m = trimesh.creation.box(extents=[0.05, 0.06, 0.07])
    offset = np.array([0.3, 0.02, -0.1])
    path = tmp_path / "scene.glb"
    path.write_bytes(_glb_scene(limb_m, block_m, offset).export(file_type="glb"))

    scan = load_scan(path, units=units)

    n_vertices = len(limb_m.vertices) + len(block_m.vertices)
    assert_provenance(scan, path, n_vertices)
    assert_units(scan, want_unit, want_source)
    assert len(scan.faces) == len(limb_m.faces) + len(block_m.faces)
    to_mm = Units(want_unit).to_mm
    expected = np.vstack([limb_m.vertices, block_m.vertices + offset]) * to_mm
    expected_centres = np.vstack([limb_m.triangles_center,
                                  block_m.triangles_center + offset]) * to_mm
    got_centres = scan.points[scan.faces].mean(axis=1)
    tol = FLOAT32_TOL_MM * to_mm / 1000.0  # float32 in metres, whatever unit it is read in
    for a, b in ((scan.points, expected), (expected, scan.points),
                 (got_centres, expected_centres), (expected_centres, got_centres)):
        dist, _ = cKDTree(b).query(a)
        assert dist.max() <= max(tol, 1e-6)
    # The translated block really moved: its far corner (+X) is where the node put it.
    np.testing.assert_allclose(scan.points[:, 0].max(), (offset[0] + 0.025) * to_mm,
                               atol=max(tol, 1e-6))
    # And nothing of it was left untranslated: no point outside the capsule's radius near
    # the origin, where the block sits before its node transform.
    radial = np.linalg.norm(scan.points[:, :2], axis=1)
    untranslated = (radial < 0.04 * to_mm) & (np.abs(scan.points[:, 2]) < 0.036 * to_mm)
    assert not untranslated.any()


def test_glb_is_metres_even_when_size_would_reject_it(tmp_path):
    """A 30 mm object is too small to size-detect, but a GLB is metres by specification."""
    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.015)
    path = tmp_path / "small.glb"
    path.write_bytes(_glb_scene(ball, ball.copy(), [0.0, 0.0, 0.0]).export(file_type="glb"))
    with pytest.raises(UnitsError):
        detect_units(ball.vertices)

    scan = load_scan(path)

    assert_units(scan, "m", "glTF specification")
    assert scan.n_input_points == 2 * len(ball.vertices)
    np.testing.assert_allclose(np.ptp(scan.points, axis=0), np.ptp(ball.vertices, axis=0) * 1e3,
                               atol=1e-3)
    assert 29.0 < np.ptp(scan.points, axis=0).max() <= 30.0 + 1e-3


# ---------------------------------------------------------------------------------------
# Plain point lists
# ---------------------------------------------------------------------------------------


XYZ_CASES = [
    # id, suffix, separator, with colours, unit
    ("xyz-space", ".xyz", " ", False, "mm"),
    ("xyz-space-metres", ".xyz", " ", False, "m"),
    ("txt-rgb", ".txt", " ", True, "mm"),
    ("pts-comma", ".pts", ",", False, "mm"),
    ("xyz-comma-rgb-metres", ".xyz", ",", True, "m"),
]


@pytest.mark.parametrize("suffix, sep, with_colors, unit", [c[1:] for c in XYZ_CASES],
                         ids=[c[0] for c in XYZ_CASES])
def test_point_list_round_trip(tmp_path, limb, suffix, sep, with_colors, unit):
    rng = np.random.default_rng(5)
    colors = rng.integers(0, 256, size=(len(limb.vertices), 3)) if with_colors else None
    path = tmp_path / f"points{suffix}"
    # Metres with 9 decimals keep 1e-6 mm; millimetres with 6 decimals keep 1e-6 mm.
    pts = limb.vertices * SCALE[unit]
    fmt = ["%.9f" if unit == "m" else "%.6f"] * 3 + (["%d"] * 3 if with_colors else [])
    np.savetxt(path, pts if colors is None else np.column_stack([pts, colors]), fmt=fmt,
               delimiter=sep)
    assert ("," in path.read_text().splitlines()[0]) == (sep == ",")

    scan = load_scan(path)

    assert_provenance(scan, path, len(limb.vertices))
    assert_units(scan, unit, "size")
    assert max_err(scan.points, limb.vertices) <= TEXT_TOL_MM
    assert scan.faces is None and scan.normals is None
    if with_colors:
        assert scan.colors.dtype == np.uint8
        np.testing.assert_array_equal(scan.colors, colors)
    else:
        assert scan.colors is None


def test_point_list_colours_in_0_1_are_scaled_to_bytes(tmp_path, limb):
    rng = np.random.default_rng(6)
    colors = rng.integers(0, 256, size=(len(limb.vertices), 3))
    path = tmp_path / "unit_colours.xyz"
    write_xyz(path, limb.vertices, colors / 255.0, color_fmt="%.6f")

    scan = load_scan(path)

    np.testing.assert_array_equal(scan.colors, colors)


def test_point_list_comments_are_skipped(tmp_path, limb):
    path = tmp_path / "commented.xyz"
    body = "".join(f"{x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in limb.vertices)
    path.write_text("# exported by a phone app\n// x y z\n" + body)

    scan = load_scan(path)

    assert scan.n_input_points == len(limb.vertices)
    assert max_err(scan.points, limb.vertices) <= TEXT_TOL_MM


# ---------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("units", ["cm", Units.CM])
def test_units_cm_is_forced(tmp_path, capsule, units):
    path = tmp_path / "capsule_cm.xyz"
    write_xyz(path, capsule.vertices / 10.0)  # 29 units across: ambiguous by size

    scan = load_scan(path, units=units)

    assert_units(scan, "cm", "--units")
    assert scan.units.to_mm == 10.0
    assert max_err(scan.points, capsule.vertices) <= TEXT_TOL_MM * 10


@pytest.mark.parametrize("units, factor", [("mm", 1.0), ("m", 1000.0)])
def test_units_forced_even_when_size_disagrees(tmp_path, capsule, units, factor):
    path = tmp_path / "capsule.xyz"
    write_xyz(path, capsule.vertices)  # mm by size

    scan = load_scan(path, units=units)

    assert_units(scan, units, "--units")
    assert max_err(scan.points, capsule.vertices * factor) <= TEXT_TOL_MM * factor


@pytest.mark.parametrize("extent, phrase", [
    (20.0, "could be centimetres or an odd scale"),
    (0.01, "too small for a limb"),
    (10_000.0, "too large for a limb"),
])
def test_units_undecidable_size_names_units_option(tmp_path, capsule, extent, phrase):
    path = tmp_path / "odd.xyz"
    pts = capsule.vertices * (extent / capsule.extents.max())
    np.savetxt(path, pts, fmt="%.9e")

    with pytest.raises(UnitsError) as info:
        load_scan(path)

    msg = str(info.value)
    assert isinstance(info.value, ScanError) and isinstance(info.value, ValueError)
    assert "--units" in msg and phrase in msg and "\n" not in msg
    assert msg.startswith("odd.xyz is ")
    # The robust size in the message is the object's, to 3 significant digits.
    shown = float(msg.split(" is ")[1].split(" units")[0])
    assert 0.9 * extent <= shown <= extent


@pytest.mark.parametrize("extent, unit", [(0.05, "m"), (3.0, "m"), (50.0, "mm"), (3000.0, "mm")])
def test_detect_units_range_edges(extent, unit):
    rng = np.random.default_rng(3)
    pts = rng.uniform(0.0, 1.0, size=(2000, 3))
    lo, hi = np.percentile(pts, [1, 99], axis=0)
    pts = (pts - lo) / (hi - lo).max() * extent  # robust extent exactly ``extent``
    assert detect_units(pts) is Units(unit)


# ---------------------------------------------------------------------------------------
# Errors: each a ProstheticsError with a one-line message naming the file
# ---------------------------------------------------------------------------------------


def _cloud(n: int, seed: int = 0) -> np.ndarray:
    """``n`` points on a 300 mm capsule-like blob (mm)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)) * [40.0, 40.0, 90.0]


def make_missing(d: Path) -> Path:
    return d / "nowhere" / "scan.ply"


def make_folder(d: Path) -> Path:
    (d / "scan_folder.ply").mkdir()
    return d / "scan_folder.ply"


def make_empty(d: Path) -> Path:
    (d / "empty.ply").write_bytes(b"")
    return d / "empty.ply"


def make_truncated_ply(d: Path) -> Path:
    good = d / "good.ply"
    write_ply(good, _cloud(5000) * 1e-3, np.full((5000, 3), 200, np.uint8))
    data = good.read_bytes()
    good.unlink()
    (d / "truncated.ply").write_bytes(data[: len(data) // 2])
    return d / "truncated.ply"


def make_text_stl(d: Path) -> Path:
    (d / "x.stl").write_text("hello world")
    return d / "x.stl"


def _binary_stl(d: Path, header: bytes) -> bytes:
    mesh = trimesh.creation.capsule(height=200, radius=45)
    data = bytearray(mesh.export(file_type="stl"))
    data[:80] = header.ljust(80, b" ")
    n = int(np.frombuffer(bytes(data[80:84]), "<u4")[0])
    assert n == len(mesh.faces) and len(data) == 84 + 50 * n
    data[80:84] = np.array([n + 7], "<u4").tobytes()  # count no longer matches the size
    return bytes(data)


def make_stl_bad_count(d: Path) -> Path:
    (d / "bad_count.stl").write_bytes(_binary_stl(d, b"binary STL from a scanner"))
    return d / "bad_count.stl"


def make_stl_bad_count_solid_header(d: Path) -> Path:
    """Some exporters start binary headers with 'solid'; it must still be rejected."""
    (d / "bad_count_solid.stl").write_bytes(_binary_stl(d, b"solid binary from a scanner"))
    return d / "bad_count_solid.stl"


def make_nan_xyz(d: Path) -> Path:
    pts = _cloud(500)
    pts[17, 1] = np.nan
    write_xyz(d / "nan.xyz", pts)
    assert " nan " in (d / "nan.xyz").read_text().splitlines()[17]
    return d / "nan.xyz"


def make_inf_xyz(d: Path) -> Path:
    pts = _cloud(500)
    pts[3, 0] = np.inf
    write_xyz(d / "inf.xyz", pts)
    return d / "inf.xyz"


def make_nan_ascii_ply(d: Path) -> Path:
    pts = _cloud(500)
    pts[42, 2] = np.nan
    write_ply_custom(d / "nan_ascii.ply", pts, encoding="ascii")
    return d / "nan_ascii.ply"


def make_single_point(d: Path) -> Path:
    (d / "one.xyz").write_text("1.0 2.0 3.0\n")
    return d / "one.xyz"


def make_99_points(d: Path) -> Path:
    write_xyz(d / "few.xyz", _cloud(99))
    return d / "few.xyz"


def make_unknown_suffix(d: Path) -> Path:
    write_xyz(d / "scan.abc", _cloud(500))
    return d / "scan.abc"


def make_ply_face_past_vertices(d: Path) -> Path:
    mesh = trimesh.creation.capsule(height=200, radius=45)
    faces = mesh.faces.copy()
    faces[10] = [0, 1, len(mesh.vertices) + 5]
    write_ply_custom(d / "bad_faces.ply", mesh.vertices, faces=faces)
    return d / "bad_faces.ply"


def make_ply_negative_face(d: Path) -> Path:
    mesh = trimesh.creation.capsule(height=200, radius=45)
    faces = mesh.faces.copy()
    faces[10] = [0, 1, -3]
    write_ply_custom(d / "neg_faces.ply", mesh.vertices, faces=faces)
    return d / "neg_faces.ply"


ERROR_CASES = [
    # id, builder, exception type, phrase in the message
    ("missing", make_missing, ScanNotFoundError, "does not exist"),
    ("folder", make_folder, ScanError, "is a folder"),
    ("empty", make_empty, ScanError, "empty.ply is empty (0 bytes)"),
    ("truncated-ply", make_truncated_ply, ScanError, "truncated.ply could not be read as PLY"),
    ("text-stl", make_text_stl, ScanError, "x.stl is too short to be an STL (11 bytes)"),
    ("stl-bad-count", make_stl_bad_count, ScanError, "bad_count.stl is not a valid STL"),
    ("stl-bad-count-solid", make_stl_bad_count_solid_header, ScanError,
     "bad_count_solid.stl is not a valid STL"),
    ("nan-xyz", make_nan_xyz, ScanError, "nan.xyz has 1 point(s) with NaN or infinite"),
    ("inf-xyz", make_inf_xyz, ScanError, "inf.xyz has 1 point(s) with NaN or infinite"),
    ("nan-ascii-ply", make_nan_ascii_ply, ScanError,
     "nan_ascii.ply has 1 point(s) with NaN or infinite"),
    ("single-point", make_single_point, ScanError, "one.xyz has only 1 point(s)"),
    ("99-points", make_99_points, ScanError, "few.xyz has only 99 point(s)"),
    ("unknown-suffix", make_unknown_suffix, ScanError, "scan.abc: unknown file type '.abc'"),
    ("ply-face-past-vertices", make_ply_face_past_vertices, ScanError,
     "bad_faces.ply has faces that index missing vertices"),
    ("ply-negative-face", make_ply_negative_face, ScanError,
     "neg_faces.ply has faces that index missing vertices"),
]


@pytest.mark.parametrize("build, exc_type, phrase", [c[1:] for c in ERROR_CASES],
                         ids=[c[0] for c in ERROR_CASES])
def test_bad_file_raises_one_line_error(tmp_path, build, exc_type, phrase):
    path = build(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    with pytest.raises(ProstheticsError) as info:
        load_scan(path)

    exc = info.value
    assert type(exc) is exc_type
    msg = str(exc)
    assert phrase in msg
    assert "\n" not in msg and "\r" not in msg and msg == msg.strip()
    assert len(msg) < 300
    assert exc.__traceback__ is not None and exc.__cause__ is None
    # Loading never touches the folder.
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_missing_file_is_also_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_scan(tmp_path / "scan.ply")
    assert isinstance(info.value, ScanNotFoundError)
    assert str(tmp_path / "scan.ply") in str(info.value)


def test_unknown_suffix_lists_supported_types(tmp_path):
    path = make_unknown_suffix(tmp_path)
    with pytest.raises(ScanError) as info:
        load_scan(path)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(info.value)


def test_suffix_is_case_insensitive(tmp_path, limb):
    path = tmp_path / "LIMB.STL"
    write_export(path, limb, "stl")
    scan = load_scan(path)
    assert len(scan.faces) == len(limb.faces)
    assert_units(scan, "mm", "size")


def test_an_unknown_unit_is_a_units_error(tmp_path):
    path = tmp_path / "pts.xyz"
    np.savetxt(path, np.random.default_rng(0).uniform(0, 200, (500, 3)))
    with pytest.raises(UnitsError, match="'furlongs' is not one of mm, cm, m"):
        load_scan(path, units="furlongs")
