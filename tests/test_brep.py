"""The one tessellation of CadQuery B-reps: absolute tolerance, fresh mesh, checked volume."""

import numpy as np
import pytest

cq = pytest.importorskip("cadquery")

from prosthetics.errors import GeometryError  # noqa: E402
from prosthetics.geometry.brep import tessellate  # noqa: E402


def test_a_coarse_triangulation_left_on_the_shape_is_not_reused():
    disc = cq.Workplane("XY").circle(31.0).extrude(20.0).val()
    disc.tessellate(5.0, 1.5)                  # leaves a coarse triangulation on the shape
    mesh = tessellate(disc, 0.02)
    exact = np.pi * 31.0 ** 2 * 20.0
    assert mesh.is_watertight and mesh.volume > 0
    # Within 0.02 mm of the surface everywhere: the volume within area x tolerance.
    assert abs(mesh.volume - exact) < 0.02 * disc.Area()
    assert abs(mesh.volume / exact - 1.0) < 1e-3


def test_a_workplane_of_several_solids_is_one_mesh():
    wp = cq.Workplane("XY").pushPoints([(0, 0), (30, 0)]).box(10, 10, 10)
    mesh = tessellate(wp, 0.02)
    assert mesh.volume == pytest.approx(2000.0, rel=1e-9)
    assert len(mesh.split()) == 2


def test_an_occ_failure_is_a_geometry_error():
    class Broken:
        def isValid(self):
            raise RuntimeError("Standard_Failure")

    with pytest.raises(GeometryError, match="OCC could not mesh the outline.*check it"):
        tessellate(Broken(), 0.01, what="outline", fix="check it")
    with pytest.raises(GeometryError, match="above 0"):
        tessellate(cq.Workplane("XY").box(1, 1, 1), 0.0)
