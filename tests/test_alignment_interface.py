"""The socket's alignment over its distal interface: the socket stays in the limb frame, the
interface is turned (flexion, adduction) and shifted (offsets) under it, and still joins it
as one closed body with its holes open into the cavity."""

import numpy as np
import pytest
import trimesh

from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.landmarks import Side
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets import adapters
from prosthetics.sockets.adapters import Alignment
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

#: The child preset's 50 mm disc: its bolt circle stays under this limb's cavity floor when
#: the socket is turned 10 degrees over it (the 62 mm disc's posterior holes would run along
#: the posterior wall, and stop at the block with a warning).
SMALL_DISC = dict(adapter_plate_diameter_mm=50.0, adapter_plate_thickness_mm=5.0,
                  adapter_bolt_hole_diameter_mm=4.5, adapter_bolt_circle_radius_mm=17.0,
                  adapter_recess_diameter_mm=24.0)
SQUARE = dict(socket_flexion_deg=0.0)


@pytest.fixture(scope="module")
def limb(aligned_truth):
    return aligned_truth.mesh


@pytest.fixture(scope="module")
def cache():
    """One cache for the module: every alignment reuses the interface's CadQuery parts."""
    return TemplateCache()


def build(limb, cache, **kw):
    return build_transtibial(limb, TranstibialParams(label=False, **kw), cache)


def angle_deg(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b),
                                              -1.0, 1.0))))


def bed_face_normal(mesh: trimesh.Trimesh) -> np.ndarray:
    """The outward normal of the largest flat face that faces down: the interface's bed."""
    down = [i for i, n in enumerate(mesh.facets_normal) if n[2] < -0.5]
    return mesh.facets_normal[max(down, key=lambda i: mesh.facets_area[i])]


def measured_hole_centres(sock) -> np.ndarray:
    """(k, 3) bolt hole centres measured on the part, on its bed face, design frame.

    The part is moved into the interface's frame and cut across its axis just above the
    recess; each hole in the disc's section is fitted with a circle."""
    a = sock.adapter
    to_design = a.interface_to_design
    mesh = sock.mesh.copy().apply_transform(np.linalg.inv(to_design))
    z = a.interface.bottom_z_mm + a.recess_depth_mm + 1.0
    section = mesh.section([0, 0, 1], [0, 0, z])
    planar, to3 = section.to_2D()
    (disc,) = planar.polygons_full
    centres = []
    for ring in disc.interiors:
        h = np.asarray(ring.coords)
        xy = trimesh.transform_points(np.column_stack([h, np.zeros(len(h))]), to3)[:, :2]
        fit = np.linalg.lstsq(np.column_stack([2 * xy, np.ones(len(xy))]),
                              (xy ** 2).sum(axis=1), rcond=None)[0]
        r = np.linalg.norm(xy - fit[:2], axis=1)
        assert r.mean() == pytest.approx(a.bolt_hole_diameter_mm / 2, abs=0.03)
        centres.append([*fit[:2], a.interface.bottom_z_mm])
    return trimesh.transform_points(np.array(centres), to_design)


def assert_same_points(measured: np.ndarray, reported: np.ndarray, tol_mm: float) -> None:
    """The two point sets match one to one, each within ``tol_mm`` (mm)."""
    d = np.linalg.norm(measured[:, None] - reported[None], axis=2)
    assert len(measured) == len(reported)
    assert sorted(d.argmin(axis=1)) == list(range(len(reported)))
    assert d.min(axis=1).max() < tol_mm


def assert_sound(sock) -> None:
    """One closed body, the wall at least as thick as asked above the interface."""
    c = solid_checks(sock.mesh)
    assert c["watertight"] and c["winding_consistent"] and c["volume_positive"]
    assert c["bodies"] == 1
    w = measure_wall(sock.mesh, sock.inner_surface,
                     above_z_mm=max(sock.adapter.pedestal_top_z_mm + 1.0,
                                    sock.wall_check_above_z_mm),
                     brim_clearance_mm=float(sock.wall_target_mm.max()) + 0.5)
    assert w["min_wall_mm"] >= sock.params.wall_thickness_mm - 0.1
    assert w["samples"] > 20_000 and w["rays_without_hit"] == 0


def assert_holes_open(sock) -> None:
    """Each bolt hole is empty from below the bed face, along the interface's axis, into
    the cavity: a ray up the hole (its axis and four lines round it) meets nothing of the
    part before it is past the cavity's floor over the hole."""
    a = sock.adapter
    axis = a.axis
    side = np.cross(axis, [1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    offsets = 0.4 * a.bolt_hole_diameter_mm / 2 * np.array(
        [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    lines = (a.hole_centres()[:, None] + offsets[None, :, :1] * side
             + offsets[None, :, 1:] * np.cross(axis, side)).reshape(-1, 3) - axis
    up = np.tile(axis, (len(lines), 1))
    floor = SurfaceQuery(sock.inner_surface).cast(lines, up)
    assert np.all(np.isfinite(floor)) and np.all(floor < 80.0)
    first = SurfaceQuery(sock.mesh).cast(lines, up)
    assert np.all(first > floor + 0.5)


def test_the_transform_follows_the_limb_side_and_keeps_the_pivot():
    pivot = np.array([0.0, 0.0, -7.0])
    flexed = Alignment(flexion_deg=10.0).interface_to_design(pivot[2])
    r = flexed[:3, :3]
    assert r @ r.T == pytest.approx(np.eye(3)) and np.linalg.det(r) == pytest.approx(1.0)
    # The socket's proximal end tilts anteriorly over the pylon: in the socket's frame the
    # pylon's distal end, and the bed face's normal, point anteriorly (+Y).
    s, c = np.sin(np.radians(10.0)), np.cos(np.radians(10.0))
    assert r @ [0.0, 0.0, -1.0] == pytest.approx([0.0, s, -c])
    assert trimesh.transform_points([pivot], flexed)[0] == pytest.approx(pivot)
    # Adduction: the proximal end tilts laterally, +X on a right limb, -X on a left one.
    right = Alignment(adduction_deg=10.0, side="right").interface_to_design(0.0)
    left = Alignment(adduction_deg=10.0, side="left").interface_to_design(0.0)
    assert right[:3, :3] @ [0.0, 0.0, -1.0] == pytest.approx([s, 0.0, -c])
    assert left[:3, :3] @ [0.0, 0.0, -1.0] == pytest.approx([-s, 0.0, -c])
    # Both angles are what the sagittal and frontal views show, with no twist about the axis.
    both = Alignment(flexion_deg=7.0, adduction_deg=-4.0)
    n = both.socket_axis_in_interface()
    assert np.degrees(np.arctan2(n[1], n[2])) == pytest.approx(7.0)
    assert np.degrees(np.arctan2(n[0], n[2])) == pytest.approx(-4.0)
    assert both.rotation_interface_to_design() @ n == pytest.approx([0.0, 0.0, 1.0])
    # The socket anterior and medial of the pylon: the interface posterior and lateral.
    shifted = Alignment(anterior_offset_mm=10.0, medial_offset_mm=4.0, side="left")
    assert shifted.interface_to_design(0.0)[:3, 3] == pytest.approx([-4.0, -10.0, 0.0])
    assert Alignment().interface_to_design(5.0) == pytest.approx(np.eye(4))
    assert TranstibialParams().socket_flexion_deg == 5.0     # bench alignment's default


def test_the_placed_interface_is_the_interface_moved():
    iface = adapters.make_interface(TranstibialParams(adapter_shuttle_lock=True), -13.0, -7.0)
    m = Alignment(flexion_deg=10.0, adduction_deg=-6.0,
                  medial_offset_mm=4.0).interface_to_design(-7.0, 1.0)
    placed = adapters.PlacedInterface(interface=iface, interface_to_design=m,
                                      bottom_z_mm=-20.0, pedestal_top_z_mm=-5.0)
    # The CadQuery parts placed are the parts moved (B-reps, not only meshes).
    for moved, own in zip(adapters.interface_meshes(placed, 5.0),
                          adapters.interface_meshes(iface, 5.0)):
        assert moved.volume == pytest.approx(own.volume, rel=1e-9)
        gap = SurfaceQuery(moved).distance(trimesh.transform_points(own.vertices, m))
        assert gap.max() < 1e-3
    # Sizes read through; positions in the design frame.
    assert placed.plate_diameter_mm == 62.0 and placed.bolt_circle_radius_mm == 21.5
    bed = np.column_stack([iface.hole_centres(), np.full(4, iface.bottom_z_mm)])
    assert placed.hole_centres() == pytest.approx(trimesh.transform_points(bed, m))
    assert placed.bed_normal == pytest.approx(m[:3, :3] @ [0.0, 0.0, -1.0])
    assert placed.bed_centre_mm == pytest.approx(m[:3, :3] @ [0, 0, iface.bottom_z_mm]
                                                 + m[:3, 3])


@pytest.mark.parametrize("flexion_deg", [10.0, -10.0])
def test_flexion_turns_the_interface_about_x(limb, cache, flexion_deg, monkeypatch):
    square = build(limb, cache, **SQUARE, **SMALL_DISC)
    made = []
    real = adapters.interface_meshes
    monkeypatch.setattr(adapters, "interface_meshes",
                        lambda *a, **k: made.append(a) or real(*a, **k))
    sock = build(limb, cache, socket_flexion_deg=flexion_deg, **SMALL_DISC)
    # The turn moved the cached CadQuery parts: it made none.
    assert made == []
    # The socket itself stays in the limb frame.
    assert sock.grid.inner == pytest.approx(square.grid.inner)
    assert sock.grid.outer == pytest.approx(square.grid.outer)
    # The bed face, measured on the part, is turned by the flexion about the X axis, the
    # right way: flexion points it anteriorly (+Y), extension posteriorly.
    n = bed_face_normal(sock.mesh)
    assert angle_deg(n, [0.0, 0.0, -1.0]) == pytest.approx(abs(flexion_deg), abs=0.5)
    assert abs(n[0]) < np.sin(np.radians(0.5))
    assert np.sign(n[1]) == np.sign(flexion_deg)
    assert angle_deg(n, sock.adapter.bed_normal) < 0.2
    assert angle_deg(bed_face_normal(square.mesh), [0.0, 0.0, -1.0]) < 0.2
    # The holes follow: where the report puts them is where they are, and they are open.
    assert_same_points(measured_hole_centres(sock), sock.adapter.hole_centres(), 0.05)
    assert_sound(sock)
    assert_holes_open(sock)
    assert sock.warnings == []
    rec = sock.adapter.alignment
    assert rec["socket_flexion_deg"] == flexion_deg and rec["limb_side"] == "right"
    assert np.array(rec["transform_interface_to_design"]) == pytest.approx(
        sock.adapter.interface_to_design, abs=1e-6)


@pytest.mark.parametrize("side", [Side.RIGHT, Side.LEFT])
def test_adduction_follows_the_limb_side(limb, cache, side):
    sock = build(limb, cache, socket_adduction_deg=8.0, limb_side=side, **SQUARE, **SMALL_DISC)
    n = bed_face_normal(sock.mesh)
    lateral = 1.0 if side is Side.RIGHT else -1.0
    # Adducted, the socket's distal end points medially: the pylon below it laterally.
    assert angle_deg(n, [0.0, 0.0, -1.0]) == pytest.approx(8.0, abs=0.5)
    assert np.sign(n[0]) == lateral and abs(n[1]) < np.sin(np.radians(0.5))
    assert_same_points(measured_hole_centres(sock), sock.adapter.hole_centres(), 0.05)
    assert_sound(sock)
    assert_holes_open(sock)


@pytest.mark.parametrize(("kw", "moved"), [
    (dict(socket_anterior_offset_mm=10.0), [0.0, -10.0]),
    (dict(socket_medial_offset_mm=8.0, limb_side=Side.LEFT), [-8.0, 0.0]),
])
def test_offsets_move_the_interface(limb, cache, kw, moved):
    square = build(limb, cache, **SQUARE, **SMALL_DISC,
                   **({"limb_side": kw["limb_side"]} if "limb_side" in kw else {}))
    sock = build(limb, cache, **SQUARE, **SMALL_DISC, **kw)
    # The socket anterior (medial) of the pylon: the holes measured on the part move that
    # far posterior (lateral: -X on a left limb) under it, and stay square to the axis.
    before, after = measured_hole_centres(square), measured_hole_centres(sock)
    shift = after.mean(axis=0) - before.mean(axis=0)
    assert shift[:2] == pytest.approx(moved, abs=0.2)
    assert abs(shift[2]) < 0.2
    assert_same_points(after, sock.adapter.hole_centres(), 0.05)
    assert angle_deg(bed_face_normal(sock.mesh), [0.0, 0.0, -1.0]) < 0.2
    assert_sound(sock)
    assert_holes_open(sock)


def test_a_block_moved_past_the_socket_is_said_and_stays_sound(limb, cache):
    # 20 mm posterior on a 62 mm disc: the block reaches past the distal end and two
    # holes would come out beside the floor; the part stays one closed body.
    sock = build(limb, cache, socket_anterior_offset_mm=20.0, distal_blend_radius_mm=8.0)
    assert any("reaches up to" in w and "past the socket's distal end" in w
               and "distal blend is left off" in w and "socket_*_offset_mm" in w
               for w in sock.warnings)
    assert any("cannot open into the cavity" in w for w in sock.warnings)
    assert_sound(sock)


def test_default_alignment_builds_the_bench_alignment(limb, cache):
    sock = build(limb, cache)
    a = sock.adapter
    flexed = [0.0, np.sin(np.radians(5.0)), -np.cos(np.radians(5.0))]
    assert angle_deg(bed_face_normal(sock.mesh), flexed) < 0.5
    assert a.alignment["socket_flexion_deg"] == 5.0 and a.alignment["socket_adduction_deg"] == 0
    assert a.alignment["pivot_mm"][2] == pytest.approx(
        sock.grid.inner_pole[2] - sock.params.distal_wall_thickness_mm, abs=1e-3)
    assert_same_points(measured_hole_centres(sock), a.hole_centres(), 0.05)
    assert sock.warnings == []
    assert_sound(sock)
    assert_holes_open(sock)
