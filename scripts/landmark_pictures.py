"""Pictures of the landmark guesses, to judge them by eye.

    .venv/bin/python scripts/landmark_pictures.py [SCAN ...] --out docs/images/landmarks.png

Each scan is cleaned and aligned as ``prosthetics design`` does it and drawn from the front,
the side and the back with the guessed landmarks (dots).  A scan that brings its own
landmarks (an AAOP file) also shows those (crosses), moved into the limb frame by the same
transform, so the guesses can be compared with landmarks a person placed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import trimesh  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from prosthetics.limb.align import align_limb  # noqa: E402
from prosthetics.limb.landmarks import Side, guess_landmarks  # noqa: E402
from prosthetics.scan.clean import clean_scan  # noqa: E402
from prosthetics.scan.loaders import load_scan  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VIEWS = (("Anterior (from +Y)", 90.0), ("Lateral, right leg (from +X)", 0.0),
         ("Posterior (from -Y)", -90.0))


def _draw(ax, mesh: trimesh.Trimesh, azim: float, guesses: dict, given: dict) -> None:
    """Orthographic view from the direction ``azim`` (deg about +Z), faces painted far to
    near, landmarks on the near side drawn on top."""
    view = np.array([np.cos(np.radians(azim)), np.sin(np.radians(azim)), 0.0])
    right = np.cross(-view, [0.0, 0.0, 1.0])          # screen right for a camera at +view
    tri = mesh.triangles
    order = np.argsort(tri.mean(axis=1) @ view)       # far first
    light = view + np.array([0.0, 0.0, 0.5])
    light /= np.linalg.norm(light)
    shade = np.clip(mesh.face_normals[order] @ light, 0.0, 1.0) * 0.6 + 0.3
    polys = np.stack([tri[order] @ right, tri[order][..., 2]], axis=-1)
    ax.add_collection(PolyCollection(polys, facecolors=np.column_stack(
        [shade * 0.95, shade * 0.78, shade * 0.66]), edgecolors="none"))
    centre = mesh.vertices.mean(axis=0)
    for pts, marker, colour in ((guesses, "o", "navy"), (given, "X", "crimson")):
        for name, p in pts.items():
            if (p - centre) @ view < -5.0:        # on the far side
                continue
            ax.plot(p @ right, p[2], marker, color=colour, ms=6)
            ax.annotate(name.replace("_", " "), (p @ right, p[2]), xytext=(5, 3),
                        textcoords="offset points", fontsize=7, color=colour)
    u = mesh.vertices @ right
    ax.set_xlim(u.min() - 15, u.max() + 15)
    ax.set_ylim(mesh.vertices[:, 2].min() - 10, mesh.vertices[:, 2].max() + 10)
    ax.set_aspect("equal")
    ax.set_xlabel({90.0: "-X (mm)", 0.0: "+Y (mm)", -90.0: "+X (mm)"}.get(azim, "mm"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scans", nargs="*", default=[str(ROOT / "scans" / "transtibial_phone.ply")])
    ap.add_argument("--side", default="right", choices=("right", "left"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "images" / "landmarks.png"))
    args = ap.parse_args()
    fig = plt.figure(figsize=(13, 5.5 * len(args.scans)))
    for row, path in enumerate(args.scans):
        scan = load_scan(path)
        aligned = align_limb(clean_scan(scan))
        lm = guess_landmarks(aligned.mesh, Side(args.side))
        given = {k: trimesh.transform_points([v], aligned.transform)[0]
                 for k, v in scan.landmarks.items()}
        for col, (title, azim) in enumerate(VIEWS):
            ax = fig.add_subplot(len(args.scans), 3, 3 * row + col + 1)
            _draw(ax, aligned.mesh, azim, lm.points, given)
            ax.set_title(f"{Path(path).name}: {title}", fontsize=9)
        for name in given:
            if name in lm.points:
                d = np.linalg.norm(given[name] - lm[name])
                print(f"{Path(path).name}: {name}: guess {np.round(lm[name], 1)} mm, file "
                      f"{np.round(given[name], 1)} mm, {d:.1f} mm apart")
    fig.suptitle("Landmark guesses (dots) and landmarks from the file (crosses), limb frame, mm")
    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
