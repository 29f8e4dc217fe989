"""The distal interface library: B-reps valid, tessellations closed and matching them, holes where asked."""

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import from_manifold, to_manifold
from prosthetics.sockets import adapters as A
from prosthetics.sockets.transtibial import TranstibialParams


def body(iface, top_z=10.0):
    """The interface as printed on its own: solid minus cutters, checked against the B-reps."""
    solid, cut = iface.solid(), iface.cutters(top_z)
    assert solid.val().isValid() and cut.val().isValid()
    solid_mesh, cut_mesh = A.interface_meshes(iface, top_z)
    mesh = from_manifold(to_manifold(solid_mesh) - to_manifold(cut_mesh))
    assert mesh.is_watertight and mesh.volume > 0 and len(mesh.split()) == 1
    return mesh


def params(**kw):
    return TranstibialParams(**{k: TranstibialParams.coerce(k, v) for k, v in kw.items()})


def test_four_hole_plate_holes_counterbores_and_volume():
    p = params(adapter_bolt_hole_diameter_mm=5.5, adapter_counterbore_diameter_mm=10.0)
    plate = A.make_interface(p, bottom_z_mm=-20.0, pedestal_top_z_mm=0.0)
    mesh = body(plate, top_z=0.0)
    r, t = 31.0, 20.0
    # Cylinder minus chamfer ring, 4 holes (5.5 through the 6 mm disc, 10 above), recess.
    chamfer = np.pi * 2 * r * 0.8 ** 2 / 2
    holes = 4 * np.pi * (2.75 ** 2 * 6.0 + 5.0 ** 2 * 14.0)
    recess = np.pi * 16.25 ** 2 * 1.5
    assert mesh.volume == pytest.approx(np.pi * r ** 2 * t - chamfer - holes - recess, rel=2e-3)
    c = plate.hole_centres()
    assert np.linalg.norm(c, axis=1) == pytest.approx([21.5] * 4)
    # Inside the clearance at the bed, inside the counterbore above the grip, metal at 3.5 mm off.
    x, y = c[0]
    u = c[0] / 21.5
    inside = mesh.contains(np.array([[x, y, -17.0], [x, y, -5.0],
                                     [*(c[0] + 3.5 * u), -17.0], [*(c[0] + 3.5 * u), -5.0]]))
    assert inside.tolist() == [False, False, True, False]


def test_insert_pockets_are_blind():
    p = params(adapter_insert_diameter_mm=6.4, adapter_insert_depth_mm=8.0,
               adapter_plate_thickness_mm=10.0)
    plate = A.make_interface(p, bottom_z_mm=-20.0, pedestal_top_z_mm=0.0)
    mesh = body(plate, top_z=0.0)
    x, y = plate.hole_centres()[0]
    assert mesh.contains(np.array([[x, y, -15.0], [x, y, -8.0]])).tolist() == [False, True]


def test_collar_block_spigot_and_set_screws():
    p = params(adapter_mount="collar", adapter_collar_bore_diameter_mm=10.0)
    block = A.make_interface(p, bottom_z_mm=-60.0, pedestal_top_z_mm=0.0)
    mesh = body(block, top_z=0.0)
    # The spigot's outer diameter where the clamp grips it (between the set screws).
    sec = mesh.section([0, 0, 1], [0, 0, -60.0 + 20.0])
    assert sec is not None
    radii = np.linalg.norm(sec.vertices[:, :2], axis=1)
    assert radii.max() == pytest.approx(15.0, abs=0.05)
    # Insert pockets at the screws' height, 7 mm deep from the surface (to r = 8 mm); solid
    # beyond, then the 10 mm bore.
    d = block.hole_centres()[0] / 15.0
    z = -60.0 + 12.0
    probes = np.array([[*(d * 14.0), z], [*(d * 8.5), z], [*(d * 7.0), z], [*(d * 4.0), z]])
    assert mesh.contains(probes).tolist() == [False, False, True, False]


def test_shuttle_lock_pocket_pin_channel_and_release_hole():
    p = params(adapter_shuttle_lock=True)
    assert p.adapter_block_height_mm == pytest.approx(14.0)   # lock 12 mm + 2 mm roof
    stack = A.make_interface(p, bottom_z_mm=-30.0, pedestal_top_z_mm=0.0)
    mesh = body(stack, top_z=5.0)
    assert mesh.contains(np.array([[0, 0, -25.0],        # lock pocket
                                   [0, 0, -10.0],        # pin channel
                                   [6.0, 0, -10.0],      # beside the pin: solid
                                   [28.0, 0, -24.0],     # release hole (+X) through the disc
                                   [28.0, 5.0, -24.0]])).tolist() == [False, False, True, False, True]


@pytest.mark.parametrize("kw, words", [
    (dict(adapter_counterbore_diameter_mm=4.0), "not larger than the bolt hole"),
    (dict(adapter_counterbore_diameter_mm=10.0, adapter_insert_diameter_mm=6.4), "both set"),
    (dict(adapter_shuttle_lock=True, adapter_lock_body_diameter_mm=45.0), "reaches the bolt"),
    (dict(adapter_mount="collar", adapter_shuttle_lock=True), "four_hole"),
    (dict(adapter_mount="collar", adapter_collar_spigot_diameter_mm=60.0), "shoulder"),
])
def test_inconsistent_interfaces_are_parameter_errors(kw, words):
    with pytest.raises(ParameterError, match=words):
        params(**kw)


def test_collar_inserts_cannot_break_through_the_bore():
    with pytest.raises(ParameterError, match="through the spigot"):
        A.CollarBlock(block_diameter_mm=50, spigot_diameter_mm=30, spigot_length_mm=25,
                      screw_count=2, screw_height_mm=12, insert_diameter_mm=6.4,
                      insert_depth_mm=12, bore_diameter_mm=10, rotation_deg=0,
                      bottom_z_mm=0, pedestal_top_z_mm=40)
