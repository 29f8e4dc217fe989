"""Build the transtibial shape model and the test limbs from an OpenLimbTT checkout.

OpenLimbTT (Sunderland et al. 2024, https://github.com/abel-research/OpenLimbTT, data under
CC-BY-SA 4.0) describes transtibial residual limbs from 33 MRI/CT scans: the skin, the distal
femur, the patella, the tibia and the fibula.  It publishes its mean shape and four "virtual
patients" at +-2 standard deviations of its first two modes (residual length, and the
bulbous-conical profile), all with one triangle order.  This script turns those into:

- ``prosthetics/limb/models/openlimbtt.npz``: the mean (mm, scaled to the training mean
  intact tibia length) and the modes spanned by the four virtual patients, in the limb frame
  (+Z proximal, distal end at z = 0, +Y anterior, a right leg: the fibula at +X);
- ``bench/data/openlimbtt_limbs.npz``: the earlier releases' (2022-10, 2023-06) mean and
  eight virtual patients each, with their bones, in the release's own frame: limbs the model
  was not built from, for the anatomy benchmark and the tests.

    python scripts/make_limb_model.py PATH/TO/OpenLimbTT
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import trimesh

ROOT = Path(__file__).resolve().parents[1]
#: Parts in the order the releases' STL files hold them, after the skin.
PARTS = ("skin", "femur", "patella", "tibia", "fibula")
#: Mean intact tibia length of the training data (mm): the releases are normalised to 1.
TIBIA_LENGTH_MM = 380.83


def _corners(path: Path) -> np.ndarray:
    """(n_faces, 3, 3) triangle corners, in file order."""
    return np.asarray(trimesh.load(path, process=False, force="mesh").triangles)


def _parts(tri: np.ndarray) -> list[slice]:
    """Face ranges of the parts (contiguous in the files), split where connectivity breaks."""
    mesh = trimesh.Trimesh(tri.reshape(-1, 3), np.arange(len(tri) * 3).reshape(-1, 3))
    mesh.merge_vertices()
    labels = trimesh.graph.connected_component_labels(mesh.face_adjacency, len(mesh.faces))
    # Single stray triangles (a few in the virtual patients) belong to the part around them.
    big = [lab for lab in np.unique(labels) if (labels == lab).sum() > 100]
    starts = sorted(int(np.flatnonzero(labels == lab)[0]) for lab in big)
    ends = starts[1:] + [len(tri)]
    return [slice(s, e) for s, e in zip(starts, ends)]


def _indexed(tri: np.ndarray, sl: slice):
    """Shared vertices and faces of one part; also the corner -> vertex map."""
    mesh = trimesh.Trimesh(tri[sl].reshape(-1, 3), np.arange((sl.stop - sl.start) * 3).reshape(-1, 3),
                           process=False)
    mesh.merge_vertices(digits_vertex=7)
    return mesh.vertices.copy(), mesh.faces.copy()


def build_model(src: Path) -> dict:
    d = src / "version-2025-04"
    mean = _corners(d / "Mean_Limb_Shape.stl")
    shapes = {k: _corners(d / f"{k}.stl") for k in ("1p20", "1m20", "102p", "102m")}
    parts = _parts(mean)
    assert len(parts) == len(PARTS), parts
    # Shared vertices from the mean; each virtual patient averaged onto them by corner.
    verts, faces, labels, corner_of = [], [], [], []
    offset = 0
    for k, sl in enumerate(parts):
        mesh = trimesh.Trimesh(mean[sl].reshape(-1, 3),
                               np.arange((sl.stop - sl.start) * 3).reshape(-1, 3), process=False)
        mesh.merge_vertices(digits_vertex=7)
        # Which shared vertex each corner became.
        inverse = mesh.faces.reshape(-1)
        verts.append(mesh.vertices)
        faces.append(mesh.faces + offset)
        labels.append(np.full(len(mesh.vertices), k, np.int8))
        corner_of.append(inverse + offset)
        offset += len(mesh.vertices)
    v_mean = np.vstack(verts)
    corner_index = np.concatenate(corner_of)
    all_slices = np.concatenate([np.arange(sl.start, sl.stop) for sl in parts])

    def onto_vertices(tri):
        c = tri[all_slices].reshape(-1, 3)
        out = np.zeros_like(v_mean)
        np.add.at(out, corner_index, c)
        return out / np.bincount(corner_index, minlength=len(v_mean))[:, None]

    disp = np.stack([onto_vertices(shapes[k]) - v_mean for k in shapes]) / 2.0  # ~1 SD each
    # Orthogonal modes spanning the four virtual patients, scaled so a coefficient of 1 is one
    # standard deviation (two samples per direction at +-1 SD).
    flat = disp.reshape(len(disp), -1).T
    u, s, _ = np.linalg.svd(flat, full_matrices=False)
    keep = s > 0.05 * s[0]
    modes = (u[:, keep] * s[keep] / np.sqrt(2.0)).T.reshape(-1, *v_mean.shape)

    # Limb frame: the release has anterior at -Y (the patella) and the fibula at -X; a half
    # turn about Z puts anterior at +Y and the fibula at +X (lateral of a right leg).
    rot = np.diag([-1.0, -1.0, 1.0])
    part = np.concatenate(labels)
    v = v_mean @ rot.T * TIBIA_LENGTH_MM
    modes = modes @ rot.T * TIBIA_LENGTH_MM
    skin = part == 0
    z = v[skin, 2]
    band = skin & (v[:, 2] > z.min() + 0.2 * np.ptp(z)) & (v[:, 2] < z.min() + 0.5 * np.ptp(z))
    shift = np.array([*-v[band, :2].mean(axis=0), -z.min()])
    v = v + shift
    assert v[part == 2, 1].mean() > v[part == 3, 1].mean(), "patella must be anterior"
    assert v[part == 4, 0].mean() > v[part == 3, 0].mean(), "fibula must be lateral (+X)"
    return {"vertices_mm": v.astype(np.float32), "faces": np.vstack(faces).astype(np.int32),
            "part": part, "part_names": np.array(PARTS),
            "modes_mm": modes.astype(np.float32),
            "mode_singular_values": s[keep].astype(np.float32),
            "tibia_length_mm": np.float32(TIBIA_LENGTH_MM)}


def build_test_limbs(src: Path) -> dict:
    out = {}
    for version in ("version-2022-10", "version-2023-06"):
        files = sorted((src / version).glob("openlimb_*.stl")) + [src / version / "Mean_Limb_Shape.stl"]
        for f in files:
            tri = _corners(f)
            parts = _parts(tri)
            if len(parts) != len(PARTS):
                print(f"skipped {f.name}: {len(parts)} parts")
                continue
            tag = f"{version[8:]}_{f.stem.replace('openlimb_', '').replace('Mean_Limb_Shape', 'mean')}"
            for name, sl in zip(PARTS, parts):
                v, fc = _indexed(tri * TIBIA_LENGTH_MM, sl)
                out[f"{tag}/{name}/vertices_mm"] = v.astype(np.float32)
                out[f"{tag}/{name}/faces"] = fc.astype(np.int32)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1])
        return 2
    src = Path(argv[0])
    model = build_model(src)
    target = ROOT / "prosthetics" / "limb" / "models" / "openlimbtt.npz"
    np.savez_compressed(target, **model)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size / 1e6:.2f} MB, "
          f"{len(model['vertices_mm'])} vertices, {len(model['modes_mm'])} modes "
          f"(singular values {np.round(model['mode_singular_values'], 4).tolist()})")
    limbs = build_test_limbs(src)
    target = ROOT / "bench" / "data" / "openlimbtt_limbs.npz"
    target.parent.mkdir(exist_ok=True)
    np.savez_compressed(target, **limbs)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size / 1e6:.2f} MB, "
          f"{len({k.split('/')[0] for k in limbs})} limbs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
