"""STEP export: the socket re-imports in CadQuery as one valid solid with the STL's volume."""

import pytest
import trimesh

from prosthetics.cli.main import main
from prosthetics.design.session import EXPORT_FORMATS, parse_formats
from prosthetics.errors import GeometryError, ParameterError
from prosthetics.geometry.step import read_step_solids, write_step
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial


@pytest.fixture(scope="module")
def lock_socket(aligned_truth):
    """A socket with a shuttle lock and counterbores: the most faces the interface makes.

    On a coarse grid: the STEP is built the same way at any size, and reading back the
    full 30k-triangle socket takes 12 s (bench/bench_templates.py measures it).
    """
    return build_transtibial(aligned_truth.mesh, TranstibialParams(
        grid_rows=36, grid_columns=48,
        adapter_shuttle_lock=True, adapter_bolt_hole_diameter_mm=5.5,
        adapter_counterbore_diameter_mm=10.0)).mesh


@pytest.mark.slow
def test_step_reimports_as_one_solid_with_the_stl_volume(lock_socket, tmp_path):
    stl = tmp_path / "s.stl"
    lock_socket.export(stl)
    v_stl = trimesh.load(stl).volume
    info = write_step(lock_socket, tmp_path / "s.step")
    assert info["faces"] == len(lock_socket.faces)
    solids = read_step_solids(tmp_path / "s.step")
    assert len(solids) == 1 and solids[0].isValid()
    assert solids[0].Volume() == pytest.approx(v_stl, rel=0.005)
    bb = solids[0].BoundingBox()
    lo, hi = lock_socket.bounds
    assert [bb.xmin, bb.ymin, bb.zmin, bb.xmax, bb.ymax, bb.zmax] == pytest.approx(
        [*lo, *hi], abs=1e-3)


def test_an_open_mesh_is_refused(tmp_path):
    box = trimesh.creation.box((10, 10, 10))
    box.update_faces(list(range(len(box.faces) - 1)))
    with pytest.raises(GeometryError, match="not closed"):
        write_step(box, tmp_path / "open.step")


def test_formats_parse_into_a_set():
    assert parse_formats("stl,3mf,step") == {"stl", "3mf", "step"}
    assert parse_formats(" STEP , .stl") == {"step", "stl"}
    assert parse_formats(None) == {"stl", "3mf"}
    assert set(EXPORT_FORMATS) >= {"stl", "3mf", "step"}
    with pytest.raises(ParameterError, match="unknown iges"):
        parse_formats("stl,iges")
    with pytest.raises(ParameterError, match="empty"):
        parse_formats(",")


def test_cli_refuses_an_unknown_format_before_any_work(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["design", "--format", "stl,obj", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown obj" in err[0] and "stl, 3mf, step" in err[0]
    assert not out.exists()
