"""The socket's smooth B-rep (the STEP part): the same part as the STL, and usable in CAD."""

import dataclasses

import numpy as np
import pytest

from prosthetics.design.socket_writer import _write_step

cq = pytest.importorskip("cadquery")
bs = pytest.importorskip("prosthetics.sockets.brep_socket")
from OCP.BRepCheck import BRepCheck_Analyzer  # noqa: E402
from OCP.BRepFilletAPI import BRepFilletAPI_MakeFillet  # noqa: E402
from OCP.BRepOffsetAPI import BRepOffsetAPI_MakeOffsetShape  # noqa: E402

from prosthetics.geometry.step import read_step_solids, write_solid_step  # noqa: E402


def test_midpoints_only_where_the_rows_alone_stray():
    """Rows that bend sharply in one place get the midpoints of their edges there only,
    and the surface through the rows kept passes within the tolerance of every midpoint
    (the mesh's own edges)."""
    m, rows = 48, 30
    theta = 2 * np.pi * np.arange(m) / m
    z = np.linspace(0.0, 120.0, rows)
    r = 40.0 + 6.0 * np.exp(-((z - 60.0) / 6.0) ** 2)[:, None] + 0.0 * theta
    grid = np.stack([r * np.cos(theta), r * np.sin(theta),
                     np.broadcast_to(z[:, None], r.shape)], axis=2)
    out, index = bs._refine_rows_where_needed(grid, tol_mm=0.05)
    assert np.array_equal(out[index], grid)
    added = np.flatnonzero(np.diff(index) == 2)
    assert 0 < len(added) < 12 and np.all(np.abs(z[added] + 2.0 - 60.0) < 25.0)
    surface, v = bs.grid_surface_v(out)
    mids = 0.5 * (grid[1:] + grid[:-1])
    for i in range(rows - 1):
        at = v[index[i] + 1] if index[i + 1] - index[i] == 2 else 0.5 * (v[index[i]]
                                                                         + v[index[i + 1]])
        for j in range(0, m, 6):
            assert np.linalg.norm(np.array(surface.Value(j / m, at).Coord())
                                  - mids[i, j]) <= 0.05 + 1e-9
    # More midpoints as the tolerance tightens (not on the straight, where the rows alone
    # are exact), none where it is loose.
    assert len(out) < len(bs._refine_rows_where_needed(grid, tol_mm=1e-6)[0]) < 2 * rows - 1
    assert len(bs._refine_rows_where_needed(grid, tol_mm=10.0)[0]) == rows


def test_grid_surface_runs_through_the_grid_and_shares_its_rows():
    rng = np.random.default_rng(3)
    m, rows = 48, 12
    theta = 2 * np.pi * np.arange(m) / m
    z = np.linspace(0.0, 60.0, rows)
    r = 30.0 + 5.0 * np.sin(z / 20.0)[:, None] + rng.normal(0.0, 0.3, (rows, m))
    grid = np.stack([r * np.cos(theta), r * np.sin(theta), np.broadcast_to(z[:, None],
                                                                         r.shape)], axis=2)
    low, v_low = bs.grid_surface_v(grid[:7])
    high, v_high = bs.grid_surface_v(grid[6:])
    for j in range(m):
        for i, v in enumerate(v_low):
            assert np.allclose(low.Value(j / m, v).Coord(), grid[i, j], atol=1e-9)
    # Between the columns, the row both surfaces share is one curve.
    for u in np.linspace(0.0, 1.0, 97):
        assert np.allclose(low.Value(u, 1.0).Coord(), high.Value(u, 0.0).Coord(), atol=1e-9)
    assert low.IsUPeriodic() and not low.IsVPeriodic()


@pytest.fixture(scope="module")
def socket():
    """The sample scan's socket as ``prosthetics design`` makes it (transtibial preset:
    4-hole plate, 5 degrees of flexion, the label), without the distal fillet ring (a
    design of the preset's own is measured with it below)."""
    from prosthetics.design.session import run_design
    from tests.conftest import SAMPLE

    return run_design(SAMPLE, settings={"slice": "false",
                                        "distal_blend_radius_mm": "0"}).socket_result


@pytest.fixture(scope="module")
def brep(socket):
    return bs.socket_brep(socket)


@pytest.mark.slow
def test_brep_is_the_stl_part(socket, brep):
    solid, made = brep
    check = bs.check_against_mesh(solid, socket.mesh,
                                  exclude=bs.label_region(socket.label, socket.mesh))
    assert check["ok"], check.get("why")
    assert check["valid"] and check["solids"] == 1
    assert abs(check["volume_difference_percent"]) <= 0.5
    for way in ("brep_to_mesh", "mesh_to_brep"):
        assert check[f"{way}_mean_mm"] <= 0.05 and check[f"{way}_max_mm"] <= 0.3
    kinds = [f.geomType() for f in solid.Faces()]
    # Smooth faces, not facets: the wall is a handful of B-spline faces.
    assert kinds.count("BSPLINE") >= 3 and len(kinds) < 200
    assert not made["blend"]
    assert [x["feature"] for x in made["left_off"]] == ["label"]


@pytest.mark.slow
def test_fillet_ring_is_in_and_the_part_matches(sample_design, socket):
    """The sample's socket as the preset makes it, with the distal fillet ring (made in the
    distal end's own surface): one valid solid that matches the STL within the bounds, the
    ring in it (the B-rep holds the ring's volume: a union that dropped it silently once
    left the wall 1.5 mm off the mesh)."""
    res = sample_design.socket_result
    solid, made = bs.socket_brep(res)
    check = bs.check_against_mesh(solid, sample_design.socket, samples=50_000,
                                  exclude=bs.label_region(res.label, sample_design.socket))
    assert made["blend"] and check["valid"] and check["solids"] == 1
    # Only the block is united with the distal end: no face of a ring solid's own.
    assert len(solid.Faces()) < 30
    assert check["ok"], check.get("why")
    assert abs(check["volume_difference_percent"]) <= 0.5
    for way in ("brep_to_mesh", "mesh_to_brep"):
        assert check[f"{way}_mean_mm"] <= 0.05 and check[f"{way}_max_mm"] <= 0.3
    # The ring adds what the mesh's adds, to 0.1 ml.
    plain = bs.volume_mm3(bs.socket_brep(socket)[0]) / 1000.0
    added_mesh = sample_design.socket.volume / 1000.0 - socket.mesh.volume / 1000.0
    assert added_mesh > 0.1
    assert check["volume_brep_ml"] - plain == pytest.approx(added_mesh, abs=0.1)


@pytest.mark.slow
def test_check_fails_on_another_part(socket, brep):
    solid, _ = brep
    moved = socket.mesh.copy()
    moved.apply_translation([0.0, 0.0, 0.5])
    check = bs.check_against_mesh(solid, moved, samples=20_000,
                                  exclude=bs.label_region(socket.label, moved))
    assert not check["ok"] and "surface distance" in check["why"]


@pytest.mark.slow
def test_step_reads_back_and_takes_a_fillet_and_an_offset(socket, brep, tmp_path):
    solid, _ = brep
    path = tmp_path / "socket.step"
    write_solid_step(solid, path, case_id="TT-0042", program="prosthetics 9.9")
    head = path.read_text(errors="replace")[:2000]
    assert "TT-0042" in head and "prosthetics 9.9" in head and "'Author'" not in head
    back = read_step_solids(path)
    assert len(back) == 1 and BRepCheck_Analyzer(back[0].wrapped).IsValid()
    assert bs.volume_mm3(back[0]) == pytest.approx(bs.volume_mm3(solid), rel=1e-6)
    # The brim's outer edge: the closed edge round the top of the outer wall (its spline
    # may pass a hair above the grid's highest point where the brim peaks, as the
    # anatomical trim does at mid-patella).
    top = max(socket.grid.outer[-1, :, 2])
    edges = [e for e in back[0].Edges() if e.IsClosed()
             and abs(e.Center().z - socket.grid.outer[-1, :, 2].mean()) < 2.0
             and e.BoundingBox().zmax <= top + 0.1]
    assert edges
    fillet = BRepFilletAPI_MakeFillet(back[0].wrapped)
    fillet.Add(1.0, edges[0].wrapped)
    fillet.Build()
    assert fillet.IsDone()
    filleted = cq.Shape.cast(fillet.Shape())
    assert BRepCheck_Analyzer(filleted.wrapped).IsValid()
    # OCC's simple offset (each face offset on its own, then sewn); its offset by join
    # fails on this solid (the poles' degenerate edges).
    offset = BRepOffsetAPI_MakeOffsetShape()
    offset.PerformBySimple(back[0].wrapped, 1.0)
    assert offset.IsDone()
    grown = cq.Shape.cast(offset.Shape())
    assert grown.ShapeType() == "Solid" and BRepCheck_Analyzer(grown.wrapped).IsValid()
    # Every face moves 1 mm outward: the smooth wall's and brim's extremes move out by 1 mm
    # (the lowest point is a corner of the tilted bed face) and the volume grows by at
    # least the area (more at convex edges; the simple offset does not trim where offset
    # faces overlap in concave corners: 19 % more on the sample).
    a, b = back[0].BoundingBox(), grown.BoundingBox()
    assert [b.xmin, b.ymin, b.xmax, b.ymax, b.zmax] == pytest.approx(
        [a.xmin - 1, a.ymin - 1, a.xmax + 1, a.ymax + 1, a.zmax + 1], abs=0.05)
    assert b.zmin < a.zmin - 0.99
    assert bs.volume_mm3(grown) - bs.volume_mm3(back[0]) >= 0.95 * back[0].Area()


@pytest.mark.slow
def test_a_step_that_cannot_be_built_is_a_warning(sample_design, tmp_path):
    """The design goes on.  The smooth model cannot be built: the STEP is the printed part's
    own triangles as flat faces, and says why.  The STEP's process fails outright: the
    writer returns why and writes no file."""
    broken = dataclasses.replace(sample_design, socket_result=dataclasses.replace(
        sample_design.socket_result, adapter=None))
    stl = tmp_path / "socket.stl"
    sample_design.socket.export(stl)
    info, why = _write_step(broken, tmp_path / "socket.step", stl)
    assert why is None and info["kind"] == "faceted"
    assert info["faces"] == {"plane": len(sample_design.socket.faces)}
    assert info["check"]["volume_brep_ml"] == pytest.approx(
        sample_design.socket.volume / 1000.0, rel=0.005)
    (warning,) = info["made"]["warnings"]
    assert warning.startswith("socket.step holds the printed part as ") and "\n" not in warning
    assert (tmp_path / "socket.step").stat().st_size > 1_000_000

    info, why = _write_step(sample_design, tmp_path / "again.step", tmp_path / "missing.stl")
    assert info is None and why.startswith("STEP not written: building it failed")
    assert "\n" not in why and not (tmp_path / "again.step").exists()
