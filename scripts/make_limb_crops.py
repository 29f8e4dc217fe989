"""Residual-limb test shapes cropped from the Visible Human skin surfaces (seeded, repeatable).

    python scripts/make_limb_crops.py [--bodies /work/shared/data/bodies] [--seed 2026]

Writes to scans/source/ (mm, the body's own frame, so the crop can be laid back on it):

- ``transradial_vh_m.stl``: the right forearm of the male skin, cut ``--forearm-keep``
  (fraction) of the forearm's length below the elbow, the distal end closed with a soft
  rounded dome as a healed residual limb has, open 80 mm above the elbow;
- ``transfemoral_vh_f.stl``: the right thigh of the female skin, from 15 mm below the
  crotch down ``--thigh-keep`` (fraction) of the crotch-to-knee length (0.20 of stature),
  with the same distal dome;
- a phone-like scan of each (``scans/<name>_phone.ply`` and its ``.truth.json``), made by
  ``prosthetics.scan.phonescan.make_phone_scan``.

How: the skin is resampled on a grid of rays from the limb's axis (2 mm rows, 128 around),
so the residual limb is a clean ring mesh of the skin between the two cuts; the dome is an
elliptic cap on the distal ring (depth 0.7 of its radius), tangent to the sides.  The
wrist is the narrowest section above the hand; the elbow is where the section stops
growing, searched around the forearm's share of stature (0.146, Drillis and Contini 1966)
above the wrist.

Source: "Kristen Browne. 2021. 3D Reference Organ for Skin, Male/Female v1.1. HuBMAP."
DOIs 10.48539/HBM369.SBSP.863 (male), 10.48539/HBM555.MQLF.923 (female); CC BY 4.0
(scans/README.md).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.geometry.meshing import SurfaceQuery, ring_faces
from prosthetics.scan.phonescan import make_phone_scan, write_ply

ROOT = Path(__file__).resolve().parent.parent
BODIES = Path("/work/shared/data/bodies")
FOREARM_SHARE_OF_STATURE = 0.146


def load_body(path: Path) -> trimesh.Trimesh:
    """The skin surface in mm (glTF is metres), y up as the file has it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mesh = trimesh.load(path).to_geometry()
    mesh.apply_scale(1000.0)
    return mesh


def frame(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors perpendicular to ``axis`` and to each other."""
    a = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(axis, a)
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(axis, e1)


def section_areas(mesh: trimesh.Trimesh, origin: np.ndarray, axis: np.ndarray,
                  ts: np.ndarray, near_mm: float) -> np.ndarray:
    """Area (mm2) of the section loop nearest the axis at each distance ``ts`` along it."""
    out = np.full(len(ts), np.nan)
    for k, t in enumerate(ts):
        c = origin + t * axis
        s = mesh.section(axis, c)
        if s is None:
            continue
        p2, T = s.to_2D()
        best = None
        for poly in p2.polygons_full:
            cc = trimesh.transform_points([[*poly.centroid.coords[0], 0.0]], T)[0]
            d = np.linalg.norm(cc - c)
            if d < near_mm and (best is None or d < best[0]):
                best = (d, poly.area)
        if best is not None:
            out[k] = best[1]
    return out


def residual_limb(body: trimesh.Trimesh, distal: np.ndarray, proximal: np.ndarray, *,
                  columns: int = 128, step_mm: float = 1.0, dome_ratio: float = 0.7,
                  dome_rings: int = 16) -> trimesh.Trimesh:
    """The skin between two points of a limb's axis as a ring mesh, a dome at ``distal``."""
    axis = proximal - distal
    length = float(np.linalg.norm(axis))
    axis /= length
    e1, e2 = frame(axis)
    theta = np.linspace(0.0, 2 * np.pi, columns, endpoint=False)
    dirs = np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2            # (m, 3)
    ts = np.arange(0.0, length + 1e-9, step_mm)
    centres = distal + ts[:, None] * axis                                       # (r, 3)
    o = np.repeat(centres, columns, axis=0)
    d = np.tile(dirs, (len(ts), 1))
    r = SurfaceQuery(body).cast(o, d).reshape(len(ts), columns)
    if not np.all(np.isfinite(r)):
        raise RuntimeError("a ray from the limb's axis left the skin; check the cut points")
    rings = centres[:, None] + r[..., None] * dirs[None]                       # (r, m, 3)
    # The dome: an elliptic cap on the distal ring, tangent to the sides.
    r0 = float(np.sqrt(np.mean(r[0] ** 2)))
    depth = dome_ratio * r0
    phi = np.linspace(0.0, 0.5 * np.pi, dome_rings + 1)[1:-1][::-1]            # pole side first
    dome = (distal + (rings[0] - distal)[None] * np.cos(phi)[:, None, None]
            - (depth * np.sin(phi))[:, None, None] * axis)
    pole = distal - depth * axis
    all_rings = np.concatenate([dome, rings])
    v = np.vstack([pole[None], all_rings.reshape(-1, 3)])
    mesh = trimesh.Trimesh(v, ring_faces(len(all_rings), columns, pole_start=True,
                                         pole_end=False), process=False)
    # Outward normals: the pole's fan must face away from the limb.
    if np.dot(mesh.face_normals[:columns].mean(axis=0), -axis) < 0:
        mesh.invert()
    return mesh


def forearm(body: trimesh.Trimesh, keep: float) -> tuple[trimesh.Trimesh, dict]:
    """The right forearm residual limb of a skin in the Visible Human pose (arms in an A)."""
    v = body.vertices
    stature = float(np.ptp(v[:, 1]))
    # The person faces +z (the toes are in front of the heels); the right arm is then at -x.
    arm = v[v[:, 0] < v[:, 0].min() + 0.21 * np.ptp(v[:, 0])]
    c = arm.mean(axis=0)
    axis = np.linalg.svd(arm - c, full_matrices=False)[2][0]
    if axis[1] < 0:
        axis = -axis                                                            # towards the shoulder
    tip = arm[np.argmin((arm - c) @ axis)]
    ts = np.arange(40.0, 400.0, 4.0)
    areas = section_areas(body, tip, axis, ts, near_mm=60.0)
    # The wrist: the narrowest section between the hand and the elbow.
    band = (ts > 120.0) & (ts < 300.0) & np.isfinite(areas)
    t_wrist = float(ts[band][np.argmin(areas[band])])
    # The elbow: where the section stops growing (the forearm's bulk is just below it, the
    # upper arm widens above it), searched around the forearm's share of stature.
    guess = FOREARM_SHARE_OF_STATURE * stature
    near = (ts > t_wrist + 0.6 * guess) & (ts < t_wrist + 1.1 * guess) & np.isfinite(areas)
    growth = np.gradient(areas, ts)
    t_elbow = float(ts[near][np.argmin(growth[near])])
    fore = t_elbow - t_wrist
    pts = []
    for t in (t_wrist + 0.3 * fore, t_elbow + 60.0):
        s = body.section(axis, tip + t * axis)
        p2, T = s.to_2D()
        cands = [trimesh.transform_points([[*p.centroid.coords[0], 0.0]], T)[0]
                 for p in p2.polygons_full]
        pts.append(min(cands, key=lambda q: np.linalg.norm(q - (tip + t * axis))))
    axis2 = (pts[1] - pts[0]) / np.linalg.norm(pts[1] - pts[0])
    base = pts[0] - (t_wrist + 0.3 * fore) * axis2
    distal = base + (t_elbow - keep * fore) * axis2
    proximal = base + (t_elbow + 80.0) * axis2
    mesh = residual_limb(body, distal, proximal, step_mm=2.0)
    info = {"stature_mm": round(stature, 1),
            "kept_below_elbow_mm": round(keep * fore, 1), "above_elbow_mm": 80.0, "wrist_to_elbow_axis_mm": round(fore, 1),
            "distal_cut_mm": np.round(distal, 2).tolist(),
            "proximal_cut_mm": np.round(proximal, 2).tolist()}
    return mesh, info


#: Crotch to knee as a share of stature (hip joint to knee is about 0.245; the crotch lies
#: about 0.045 of stature below the hip joint).
THIGH_SHARE_OF_STATURE = 0.20


def _loop_centre(body: trimesh.Trimesh, normal: np.ndarray, point: np.ndarray,
                 near: np.ndarray, min_area: float = 2000.0) -> np.ndarray | None:
    """Centroid (3,) of the section loop through ``point`` nearest ``near``."""
    s = body.section(normal, point)
    if s is None:
        return None
    p2, T = s.to_2D()
    cands = [trimesh.transform_points([[*p.centroid.coords[0], 0.0]], T)[0]
             for p in p2.polygons_full if p.area > min_area]
    return min(cands, key=lambda q: np.linalg.norm(q - near)) if cands else None


def thigh(body: trimesh.Trimesh, keep: float) -> tuple[trimesh.Trimesh, dict]:
    """The right thigh residual limb of a standing skin (y up), cut below the crotch."""
    v = body.vertices
    stature = float(np.ptp(v[:, 1]))
    up = np.array([0.0, 1.0, 0.0])
    x_mid = float(np.median(v[:, 0]))
    # The crotch: the highest level (from the hips down) where the legs are two loops.
    y_crotch = None
    for y in np.arange(v[:, 1].min() + 0.55 * stature, v[:, 1].min() + 0.35 * stature, -2.0):
        s = body.section(up, [0.0, y, 0.0])
        big = [p for p in s.to_2D()[0].polygons_full if p.area > 0.005 * stature ** 2]
        if len(big) >= 2:
            y_crotch = float(y)
            break
    if y_crotch is None:
        raise RuntimeError("no crotch found: is the skin standing with y up?")
    length = THIGH_SHARE_OF_STATURE * stature
    right = np.array([x_mid - 0.1 * stature, 0.0, 0.0])
    top = _loop_centre(body, up, [0.0, y_crotch - 15.0, 0.0], right + [0, y_crotch - 15.0, 0])
    low = _loop_centre(body, up, [0.0, y_crotch - 0.8 * length, 0.0], top - [0, 0.8 * length, 0])
    axis = (top - low) / np.linalg.norm(top - low)
    distal = top - (keep * length - 15.0) / axis[1] * axis
    mesh = residual_limb(body, distal, top, step_mm=2.0, columns=128)
    info = {"stature_mm": round(stature, 1), "crotch_y_mm": round(y_crotch, 1),
            "crotch_to_knee_mm": round(length, 1), "kept_below_crotch_mm": round(keep * length, 1),
            "top_below_crotch_mm": 15.0, "distal_cut_mm": np.round(distal, 2).tolist(),
            "proximal_cut_mm": np.round(top, 2).tolist()}
    return mesh, info


def _write_case(mesh: trimesh.Trimesh, info: dict, stem: str, source: str, seed: int,
                points: int) -> None:
    """The clean crop in scans/source/ and its phone-like scan in scans/."""
    assert mesh.is_winding_consistent
    src = ROOT / "scans" / "source" / f"{source}.stl"
    mesh.export(src)
    ps = make_phone_scan(mesh, seed=seed, n_points=points)
    out = ROOT / "scans" / f"{stem}_phone.ply"
    write_ply(out, ps.points, ps.colors)
    meta = {"source": f"scans/source/{source}.stl", "seed": seed,
            "points": len(ps.points), "units": ps.units,
            "hole_area_fraction": round(ps.hole_area_fraction, 4),
            "truth_to_file": ps.truth_to_file.tolist(), "crop": info}
    out.with_suffix(".truth.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {src} ({len(mesh.faces)} triangles), {out}")
    print(json.dumps(info))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", default=str(BODIES))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--forearm-keep", type=float, default=0.55,
                    help="share of the forearm kept below the elbow (0.55: a medium residual limb)")
    ap.add_argument("--thigh-keep", type=float, default=0.85,
                    help="share of the crotch-to-knee length kept (0.85: a long residual limb; shorter ones are as wide as they are long, which the loader takes for a non-limb)")
    ap.add_argument("--points", type=int, default=100_000)
    args = ap.parse_args()
    body = load_body(Path(args.bodies) / "VH_M_Skin.glb")
    mesh, info = forearm(body, args.forearm_keep)
    _write_case(mesh, info, "transradial", "transradial_vh_m", args.seed, args.points)
    body = load_body(Path(args.bodies) / "VH_F_Skin.glb")
    mesh, info = thigh(body, args.thigh_keep)
    _write_case(mesh, info, "transfemoral", "transfemoral_vh_f", args.seed + 1, args.points)


if __name__ == "__main__":
    main()
