"""Bad files end as the README promises: a measurement, or one line and exit code 2.

Seeded byte-level mutants of small valid PLY (binary and ASCII), STL (binary and ASCII),
OBJ, GLB and AAOP files run through ``prosthetics measure`` (load, clean, align, measure:
everything that reads the file), each in its own process: no traceback, no signal, no
library chatter on stderr, each within 30 s of processor time and 1 GB (see
``tests/fuzz.py``).  The kinds of bad file found this way before are kept as named cases,
with a scan of two limbs (refused, naming both, until one is picked).
"""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import numpy as np
import pytest
import trimesh

from prosthetics.cli.main import main as cli_main
from prosthetics.scan.loaders import load_scan

from . import fuzz


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> list[Path]:
    return fuzz.write_seeds(tmp_path_factory.mktemp("seeds"))


def _check(results: list[dict]) -> None:
    broken = [f"{r['file']}: {fuzz.verdict(r)}" for r in results if fuzz.verdict(r)]
    assert not broken, "\n".join(broken)
    # The mutants are not all refused or all measured: both routes are exercised.
    codes = [r["code"] for r in results]
    assert codes.count(2) >= len(results) // 4 and codes.count(0) >= 1, codes


def test_the_seeds_measure(seeds, tmp_path):
    results = fuzz.run_mutants(seeds, tmp_path / "runs")
    assert [r["code"] for r in results] == [0] * len(seeds), [r["stderr"] for r in results]


def test_thirty_mutants(seeds, tmp_path):
    _check(fuzz.run_mutants(fuzz.make_mutants(seeds, 30, tmp_path / "m", seed=1),
                            tmp_path / "runs"))


@pytest.mark.slow
def test_three_hundred_mutants(seeds, tmp_path):
    _check(fuzz.run_mutants(fuzz.make_mutants(seeds, 300, tmp_path / "m", seed=2),
                            tmp_path / "runs"))


# ------------------------------------------------------------------ kinds seen before

def _one_line(capsys) -> str:
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    return err[0]


def test_one_absurd_coordinate_is_dropped_with_a_note(seeds, tmp_path, capsys):
    cloud = trimesh.load(seeds[0])
    pts = np.asarray(cloud.vertices).copy()
    pts[17] = [1e30, 0.0, 0.0]
    path = tmp_path / "one_far_point.ply"
    trimesh.PointCloud(pts).export(path)
    assert cli_main(["measure", str(path), "--json"]) == 0
    assert capsys.readouterr().err == ""
    scan = load_scan(path)
    assert len(scan.points) == len(pts) - 1 and np.abs(scan.points).max() < 1e4
    assert "dropped 1 point(s) with corrupt coordinates (up to 1e+30 units" in scan.notes[0]


def test_many_absurd_coordinates_are_refused(seeds, tmp_path, capsys):
    pts = np.asarray(trimesh.load(seeds[0]).vertices).copy()
    pts[::50] *= 1e9                     # 2 % of the points
    path = tmp_path / "far.ply"
    trimesh.PointCloud(pts).export(path)
    assert cli_main(["measure", str(path)]) == 2
    line = _one_line(capsys)
    assert "far.ply has 600 points" in line and "export the scan again" in line


def test_an_obj_cut_inside_its_vertex_list(seeds, tmp_path, capsys):
    text = (seeds[4]).read_text()
    cut = text[:text.index("\nv ", len(text) // 4) + 4]         # ends "v x"
    path = tmp_path / "cut.obj"
    path.write_text(cut)
    assert cli_main(["measure", str(path)]) == 2
    line = _one_line(capsys)
    assert line.startswith("prosthetics measure: error: cut.obj") and "again" in line


def test_an_stl_of_zero_area_triangles(tmp_path, capsys):
    rng = np.random.default_rng(0)
    line = rng.normal(size=(3000, 1)) * [[100.0, 50.0, 20.0]]         # all on one line
    mesh = trimesh.Trimesh(line, np.arange(3000).reshape(-1, 3), process=False)
    path = tmp_path / "flat.stl"
    mesh.export(path)
    assert cli_main(["measure", str(path)]) == 2
    assert "triangles all have zero area" in _one_line(capsys)


def test_a_full_disk_names_the_folder_and_the_space(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work")

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr(trimesh.Trimesh, "export", full)
    assert cli_main(["design", "--out", str(out), "--set", "slice=false"]) == 2
    line = _one_line(capsys)
    assert f"the disk holding {str(out)!r} is full" in line and "MB free" in line
    assert "MB needed" in line and "--out" in line
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]


def test_a_reserved_name_is_not_a_case_id(tmp_path, capsys):
    scan = Path(__file__).resolve().parent.parent / "scans" / "transtibial_phone.ply"
    manifest = tmp_path / "cases.csv"
    manifest.write_text(f"case_id,scan,kind\nSummary.json,{scan},socket\n")
    assert cli_main(["batch", str(manifest), "--out", str(tmp_path / "out")]) == 2
    line = _one_line(capsys)
    assert "'Summary.json' is the name of the batch's own summary file" in line


def _two_limbs(truth: trimesh.Trimesh, tmp_path: Path, gap_mm: float) -> Path:
    """A phone-like scan of two limbs side by side (the other leg in the scan): the limb
    and its mirror image ``gap_mm`` apart, standing on one floor."""
    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    other = truth.copy()
    other.apply_transform(np.diag([-1.0, 1.0, 1.0, 1.0]))
    other.invert()
    lo_a, hi_a = truth.bounds
    lo_b = other.bounds[0]
    other.apply_translation([hi_a[0] - lo_b[0] + gap_mm, 0.0, lo_a[2] - lo_b[2]])
    both = trimesh.util.concatenate([truth, other])
    ps = make_phone_scan(both, seed=3, n_points=200_000, hand=False, hole_fraction=0.0,
                         units="mm")
    path = tmp_path / "two_legs.ply"
    write_ply(path, ps.points, ps.colors)
    return path


def test_two_limbs_are_named_and_one_can_be_picked(truth_mesh, tmp_path, capsys):
    path = _two_limbs(truth_mesh, tmp_path, gap_mm=60.0)
    assert cli_main(["measure", str(path)]) == 2
    line = _one_line(capsys)
    assert "the scan holds 2 limb-like objects: 1) " in line and "; 2) " in line
    assert "--pick N" in line and "crop the scan" in line
    lengths = [float(x) for x in re.findall(r"(\d+) mm long", line)]
    assert len(lengths) == 2 and all(abs(v - lengths[0]) < 0.1 * lengths[0] for v in lengths)
    # Each pick measures one of the two limbs: the same limb, mirrored.
    volumes = []
    for n in (1, 2):
        assert cli_main(["measure", str(path), "--pick", str(n), "--json"]) == 0
        out = capsys.readouterr()
        assert out.err == ""
        volumes.append(json.loads(out.out)["volume_ml"])
    assert volumes[0] == pytest.approx(volumes[1], rel=0.03)
    assert cli_main(["measure", str(path), "--pick", "3"]) == 2
    assert "pick 1 to 2" in _one_line(capsys)
