"""Planes are removed only where the scan shows they are not the limb.

Phone-like scans of transtibial limbs from the shape model (the conical ones have flat sides
as wide as a small floor), with floors, walls and tables beside them, through the cleaning's
own downsampling and floor removal; the generator's labels say which points were the limb.
"""

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

pytest.importorskip("open3d")

from prosthetics.scan.clean import MAX_FLOOR_LIMB_SHARE, CleanParams, clean_scan  # noqa: E402
from prosthetics.scan.floor import quiet_open3d, remove_floors  # noqa: E402
from prosthetics.scan.loaders import load_scan  # noqa: E402
from prosthetics.scan.phonescan import make_phone_scan, write_ply  # noqa: E402

from .conftest import ROOT  # noqa: E402

MODEL = ROOT / "prosthetics" / "limb" / "models" / "openlimbtt.npz"
LIMB, FLOOR, HAND, WALL = 0, 1, 2, 4


def model_limb(b1: float, b2: float) -> trimesh.Trimesh:
    """The model's skin (mm, +Z proximal, open at the top) at mode weights b1 (residual
    length) and b2 (bulbous -, conical +)."""
    if not MODEL.exists():
        pytest.skip("the transtibial shape model is not in this checkout")
    with np.load(MODEL) as d:
        v = d["vertices_mm"] + b1 * d["modes_mm"][0] + b2 * d["modes_mm"][1]
        f, skin = d["faces"], d["part"] == 0
    mesh = trimesh.Trimesh(v, f[skin[f].all(axis=1)], process=False)
    mesh.remove_unreferenced_vertices()
    return mesh


@pytest.fixture(scope="module")
def conical():
    """A long conical limb: its flat side was once taken for a second floor."""
    return model_limb(2.5, 2.5)


def in_truth(ps) -> np.ndarray:
    """The scan's points laid back into the truth's frame (mm)."""
    return trimesh.transform_points(ps.points, np.linalg.inv(ps.truth_to_file))


def to_file(ps, pts: np.ndarray) -> np.ndarray:
    return trimesh.transform_points(pts, ps.truth_to_file)


def cleaning_points(points_file, labels, colors, units_to_mm=1000.0):
    """The cleaning's downsampling and stray removal (its default parameters); the points
    (mm), the generator's label of each and their colours."""
    o3d = quiet_open3d()
    p = CleanParams()
    raw = np.asarray(points_file) * units_to_mm
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(raw))
    pcd.colors = o3d.utility.Vector3dVector(np.asarray(colors, dtype=float) / 255.0)
    pcd = pcd.voxel_down_sample(p.voxel_size_mm)
    pcd, _ = pcd.remove_radius_outlier(nb_points=p.stray_min_neighbours,
                                       radius=p.stray_radius_mm)
    pts = np.asarray(pcd.points)
    return pts, labels[cKDTree(raw).query(pts)[1]], np.asarray(pcd.colors)


def limb_floor_removal(pts, labels, colors):
    """The limb cleaning's plane removal, and the share of each label it removed."""
    p = CleanParams()
    out = remove_floors(pts, p.floor_tolerance_mm, p.floor_clearance_mm, max_planes=3,
                        max_object_share=MAX_FLOOR_LIMB_SHARE, colors=colors)
    gone = cKDTree(out.points).query(pts)[0] > 1e-9
    return out, {k: float(gone[labels == k].mean()) for k in np.unique(labels)}


def test_a_conical_limbs_flat_side_is_kept_and_its_floor_removed(conical):
    """Seed 11 of this limb once lost 21 % of its points to its flat side, taken for a floor."""
    ps = make_phone_scan(conical, seed=11, n_points=150_000)
    out, removed = limb_floor_removal(*cleaning_points(ps.points, ps.labels, ps.colors))
    assert removed[LIMB] < 0.005, removed
    assert removed[FLOOR] > 0.99 and removed[HAND] < 0.01, removed
    assert len(out.planes) == 1 and not out.touching
    # The flat side was found, weighed and left: its points lie within the limb's outline.
    (side,) = [r for r in out.refused if r.reason == "part of the object"]
    assert side.outside_share < 0.05


def _wall_behind(ps, rng, n=20_000, gap_mm=15.0):
    """A wall behind the limb (away from the hand), upright from the floor, 500 mm wide."""
    p = in_truth(ps)
    limb, floor_z = p[ps.labels == LIMB], np.median(p[ps.labels == FLOOR, 2])
    c = limb.mean(axis=0)
    away = c - p[ps.labels == HAND].mean(axis=0)
    away[2] = 0.0
    away /= np.linalg.norm(away)
    along = np.cross([0.0, 0.0, 1.0], away)
    dist = ((limb - c) @ away).max() + gap_mm
    wall = (c * [1, 1, 0] + np.outer(dist + rng.normal(0, 0.5, n), away)
            + np.outer(rng.uniform(-250, 250, n), along)
            + np.outer(rng.uniform(floor_z, floor_z + 450, n), [0.0, 0.0, 1.0]))
    colors = np.clip([225, 222, 214] + rng.normal(0, 8, (n, 3)), 0, 255).astype(np.uint8)
    return (np.vstack([ps.points, to_file(ps, wall)]),
            np.concatenate([ps.labels, np.full(n, WALL, np.int8)]),
            np.vstack([ps.colors, colors]))


def test_a_wall_behind_the_limb_and_the_floor_are_removed(conical):
    ps = make_phone_scan(conical, seed=300, n_points=150_000)
    scene = _wall_behind(ps, np.random.default_rng(300))
    out, removed = limb_floor_removal(*cleaning_points(*scene))
    assert removed[WALL] > 0.99 and removed[FLOOR] > 0.99, removed
    assert removed[LIMB] < 0.005 and removed[HAND] < 0.01, removed
    assert len(out.planes) == 2 and not out.touching


def test_a_table_under_a_lying_limb_is_removed(conical):
    """The limb lies along a table, 8-30 mm above it: the table is as long as the limb but
    reaches well beyond it on both sides."""
    lying = conical.copy().apply_transform(
        trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    ps = make_phone_scan(lying, seed=301, n_points=150_000)
    out, removed = limb_floor_removal(*cleaning_points(ps.points, ps.labels, ps.colors))
    assert removed[FLOOR] > 0.99 and removed[LIMB] < 0.005, removed
    assert len(out.planes) == 1


def _floor_moved(ps, below_tip_mm: float) -> np.ndarray:
    """The scan's points with its floor moved to ``below_tip_mm`` under the limb's lowest
    point (negative: the floor cuts into the limb, as a limb pressed onto it)."""
    p = in_truth(ps)
    fl = ps.labels == FLOOR
    p[fl, 2] += p[ps.labels == LIMB, 2].min() - below_tip_mm - np.median(p[fl, 2])
    return to_file(ps, p)


@pytest.mark.parametrize("below_tip_mm", [3.0, 0.0])
def test_a_floor_within_the_clearance_of_a_tilted_limb_leaves_its_distal_end(below_tip_mm):
    """A tilted limb whose distal end comes closer to the floor than the 6 mm clearance: the
    floor goes, the distal end stays (all but where it touches the floor)."""
    limb = model_limb(-2.5, 2.5).apply_transform(
        trimesh.transformations.rotation_matrix(np.radians(30), [1, 0, 0]))
    ps = make_phone_scan(limb, seed=302, n_points=150_000)
    pts, labels, colors = cleaning_points(_floor_moved(ps, below_tip_mm), ps.labels, ps.colors)
    out, removed = limb_floor_removal(pts, labels, colors)
    assert removed[FLOOR] > 0.99, removed
    assert removed[LIMB] < (0.001 if below_tip_mm > CleanParams().floor_tolerance_mm
                            else 0.01), removed
    # Without the limb's protection (the foot's way) the clearance takes the distal end.
    bare = remove_floors(pts, 2.0, 6.0, max_planes=3)
    gone = cKDTree(bare.points).query(pts)[0] > 1e-9
    assert gone[labels == LIMB].mean() > removed[LIMB] + 0.002


def _pressed_flat(limb: trimesh.Trimesh, depth_mm: float) -> tuple[trimesh.Trimesh, float]:
    """The limb lying along a table, pressed flat against it over ``depth_mm``; and the
    table's height (mm, the truth's frame)."""
    lying = limb.copy().apply_transform(
        trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    v = lying.vertices.copy()
    z0 = v[:, 2].min() + depth_mm
    v[:, 2] = np.maximum(v[:, 2], z0)
    return trimesh.Trimesh(v, lying.faces, process=False), z0


def _on_table(ps, z0: float) -> np.ndarray:
    p = in_truth(ps)
    fl = ps.labels == FLOOR
    p[fl, 2] += z0 - np.median(p[fl, 2])
    return to_file(ps, p)


def test_a_table_the_limb_is_pressed_onto_is_left_in(conical):
    """Removing the table would take the limb's flattened side (about 6 % of its points)
    with it: the plane is refused, and the limb keeps all its points."""
    limb, z0 = _pressed_flat(conical, 8.0)
    ps = make_phone_scan(limb, seed=5, n_points=150_000)
    out, removed = limb_floor_removal(*cleaning_points(_on_table(ps, z0), ps.labels,
                                                       ps.colors))
    assert out.planes == [] and removed[LIMB] == 0.0, removed
    (touching,) = out.touching
    assert 0.03 < touching.object_share < 0.09 and touching.outside_share > 0.5


@pytest.mark.slow
def test_cleaning_warns_when_it_leaves_a_table_the_limb_is_pressed_onto(conical, tmp_path):
    limb, z0 = _pressed_flat(conical, 8.0)
    ps = make_phone_scan(limb, seed=5, n_points=150_000)
    path = tmp_path / "pressed.ply"
    write_ply(path, _on_table(ps, z0), ps.colors)
    cleaned = clean_scan(load_scan(path))
    # The table's edge pressed into the limb is also taken off as a touching object (and
    # said so); the table itself is left in, with its own warning.
    warning, *others = cleaned.warnings
    assert all(w.startswith("a hand or an object touching the limb") for w in others)
    assert warning.startswith("a flat surface (floor, table or wall) touches the limb")
    assert "left in" in warning and "% of the limb" in warning
    floor = {s["step"]: s for s in cleaned.steps}["floor"]
    assert floor["planes"] == [] and "touching the limb left in" in floor["detail"]


@pytest.mark.slow
def test_a_conical_limb_is_cleaned_whole(conical, tmp_path):
    """Through the whole cleaning: one plane (the floor), no warning, the full length kept."""
    ps = make_phone_scan(conical, seed=11, n_points=150_000)
    path = tmp_path / "conical.ply"
    write_ply(path, ps.points, ps.colors)
    scan = load_scan(path)
    cleaned = clean_scan(scan)
    assert cleaned.warnings == []
    assert len({s["step"]: s for s in cleaned.steps}["floor"]["planes"]) == 1
    truth = conical.copy().apply_transform(scan.file_to_mm @ ps.truth_to_file)
    edges = truth.edges_sorted
    rim = np.unique(edges[trimesh.grouping.group_rows(edges, require_count=1)])
    t_rim = truth.vertices[rim] @ cleaned.axis_dir
    t_clean = cleaned.mesh.vertices @ cleaned.axis_dir
    # The open end is cut where the scan covers the whole circumference (the rim is
    # oblique: its lower part); the distal end is whole.
    assert t_clean.max() > np.percentile(t_rim, 10) - 3.0
    assert abs(t_clean.min() - (truth.vertices @ cleaned.axis_dir).min()) < 2.0
