"""Templates of the transradial and transfemoral residual limb, cropped from the Visible Human
skins, and how well they find a held-out limb's anterior.

    .venv/bin/python scripts/make_crop_models.py [--bodies DIR] [--out FILE]
    .venv/bin/python scripts/make_crop_models.py --evaluate [--seeds 12] [--kinds transradial
                                                 transfemoral] [--points 100000] [--json FILE]

Without ``--evaluate`` it writes ``prosthetics/limb/models/crops.npz`` (see
``prosthetics/limb/models/CROPS.md``): for each kind, each body's right and left limb (the
left one mirrored into a right limb) as a skin mesh in the limb frame (mm, +Z proximal, the
distal end at z = 0, +Y anterior) with its landmarks, read off the skin by the rules of
:func:`template_landmarks`.

How a limb is cropped (the cropping functions of ``scripts/make_limb_crops.py``):

- the forearm: :func:`make_limb_crops.forearm` finds the forearm's axis, the wrist and the
  elbow (where the section stops growing); the crop runs from ``below`` mm under the elbow
  to ``above`` mm over it along that axis, the distal end closed with a rounded dome;
- the thigh: :func:`make_limb_crops.thigh` finds the crotch and the thigh's axis; the crop
  runs from ``top`` mm under the crotch down to ``below`` mm under it, with the same dome;
- a left limb: the body is mirrored (x to -x) so that the same functions find its left limb,
  and the cut points found are mirrored back: the crop is the left limb as it is.

Which way the body faces (the anterior of every limb, made perpendicular to the limb's
axis): the horizontal line between the two thighs' section centres just under the crotch
gives the body's left-right axis, and the facing direction is perpendicular to it and to
the vertical, on the side the toes point to: each foot's points (the lowest 4 % of stature)
reach far in front of that ankle's section centre (the toes, about 0.7 of the foot's length)
and little behind it (the heel).  :func:`body_facing` raises if the two feet disagree or
either reaches less than 1.5 times as far forward as back.  The Visible Human skins stand in
the anatomical position (palms forward), so the forearm's anterior (its flexor side, the
elbow's crease) is the body's facing too.

``--evaluate``: leave one body out.  For each seed, a crop of one body (alternately the male
and the female, the right and the left limb, a seeded crop length) becomes a phone-like scan
(:func:`prosthetics.scan.phonescan.make_phone_scan`: metres, a random pose, a floor, a hand,
strays, noise, a hole), written as PLY, read with :func:`prosthetics.scan.loaders.load_scan`,
cleaned with :func:`prosthetics.scan.clean.clean_scan` and put on its long axis by
:func:`prosthetics.limb.align.align_limb` without the anterior guess; the templates of the
*other* body are fitted (:func:`prosthetics.limb.crop_models.fit_limb_templates`).  The truth
anterior in the aligned frame follows from ``aligned.transform``, the loader's unit and the
scan's ``truth_to_file``.  Printed per seed: the truth turn; with the side given (as the user
gives it), the anterior error, the residual and the other side's, the rival ratio, the
confidence, the landmarks' distance to the same rules applied to the held-out body's own
limb (cropped as a template), the fit's run time (both sides; wall clock and CPU); with the
side left to the fit, the side it chose and its anterior error.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import trimesh

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import make_limb_crops as mlc  # noqa: E402

from prosthetics.fileio import atomic_write_with  # noqa: E402
from prosthetics.limb import crop_models  # noqa: E402

BODIES = mlc.BODIES
OUT = crop_models.TEMPLATE_FILE
#: The bodies, by short name.
BODY_FILES = {"VH_M": "VH_M_Skin.glb", "VH_F": "VH_F_Skin.glb"}
KINDS = crop_models.CROP_KINDS

#: Template crops, mm along the limb's axis from the elbow (forearm) or the crotch (thigh):
#: (distal end below the reference, proximal end above it; negative: below).  The forearm
#: below the elbow is given as a share of the wrist-to-elbow length.
TEMPLATE_CROP = {"transradial": (0.85, 100.0), "transfemoral": (0.85, -10.0),
                 "transtibial": (0.55, 110.0)}
#: Ranges of the evaluation crops (seeded): forearm kept 0.35-0.75 of its length below the
#: elbow, open 50-90 mm above it; thigh kept to 0.65-0.85 of the crotch-to-knee length,
#: open 15-40 mm under the crotch (shorter thighs are about as wide as they are long, which
#: the cleaning takes for a non-limb).
EVAL_BELOW = {"transradial": (0.35, 0.75), "transfemoral": (0.65, 0.85),
              "transtibial": (0.22, 0.42)}
EVAL_ABOVE = {"transradial": (50.0, 90.0), "transfemoral": (-40.0, -15.0),
              "transtibial": (70.0, 120.0)}
#: The knee joint's height as a share of stature (Drillis and Contini 1966), and the ankle's:
#: the skin alone does not show the joint line, so the leg's template is placed by these.
KNEE_SHARE_OF_STATURE = 0.285
ANKLE_SHARE_OF_STATURE = 0.039
#: Where the leg's axis is taken: the section centres this far under and over the knee (mm).
LEG_AXIS_MM = (150.0, 100.0)
#: Ring grid of the templates (columns around, mm between rings): compact and fine enough.
TEMPLATE_COLUMNS = 64
TEMPLATE_STEP_MM = 4.0


@functools.lru_cache(maxsize=4)
def load_body(name: str, bodies: Path = BODIES, mirrored: bool = False) -> trimesh.Trimesh:
    """A body's skin in mm (y up); ``mirrored``: x to -x (faces turned, normals still out)."""
    body = mlc.load_body(Path(bodies) / BODY_FILES[name])
    if mirrored:
        body = trimesh.Trimesh(body.vertices * np.array([-1.0, 1.0, 1.0]), body.faces[:, ::-1],
                               process=False)
    return body


def body_facing(body: trimesh.Trimesh) -> np.ndarray:
    """The horizontal direction (3,) a standing skin (y up) faces (see the module docstring).

    Raises
    ------
    RuntimeError
        When the thighs or ankles are not found or the feet do not point clearly one way.
    """
    v = body.vertices
    y0, stature = float(v[:, 1].min()), float(np.ptp(v[:, 1]))
    x_mid = float(np.median(v[:, 0]))
    up = np.array([0.0, 1.0, 0.0])
    y_crotch = _crotch_y(body)
    thighs = []
    for sign in (-1.0, 1.0):
        near = np.array([x_mid + sign * 0.06 * stature, y_crotch - 60.0, 0.0])
        c = mlc._loop_centre(body, up, near, near)
        if c is None:
            raise RuntimeError("no thigh section found on one side of the body")
        thighs.append(c)
    across = thighs[1] - thighs[0]
    across[1] = 0.0
    facing = np.cross(across / np.linalg.norm(across), up)
    reach = []
    for sign in (-1.0, 1.0):
        near = np.array([x_mid + sign * 0.08 * stature, y0 + 0.09 * stature, 0.0])
        ankle = mlc._loop_centre(body, up, near, near, min_area=500.0)
        if ankle is None:
            raise RuntimeError("no ankle section found on one side of the body")
        foot = v[(v[:, 1] < y0 + 0.04 * stature) & (np.sign(v[:, 0] - x_mid) == sign)]
        ahead = (foot - ankle) @ facing
        reach.append((float(ahead.max()), float(-ahead.min())))
    fwd = [a / max(b, 1e-6) for a, b in reach]
    if all(f > 1.5 for f in fwd):
        return facing
    if all(f < 1 / 1.5 for f in fwd):
        return -facing
    raise RuntimeError(f"the feet do not point one way (reach ahead/behind {fwd})")


def _crotch_y(body: trimesh.Trimesh) -> float:
    """Height of the crotch: the highest level (from the hips down) with two leg loops."""
    v = body.vertices
    stature = float(np.ptp(v[:, 1]))
    up = np.array([0.0, 1.0, 0.0])
    for y in np.arange(v[:, 1].min() + 0.55 * stature, v[:, 1].min() + 0.35 * stature, -2.0):
        s = body.section(up, [0.0, y, 0.0])
        if s is None:
            continue
        big = [p for p in s.to_2D()[0].polygons_full if p.area > 0.005 * stature ** 2]
        if len(big) >= 2:
            return float(y)
    raise RuntimeError("no crotch found: is the skin standing with y up?")


@functools.lru_cache(maxsize=8)
def _facing(name: str, bodies: Path) -> np.ndarray:
    return body_facing(load_body(name, bodies))


@functools.lru_cache(maxsize=8)
def _axis(name: str, bodies: Path, kind: str, side: str) -> dict:
    """:func:`limb_axis` of a body's right or left limb (body coordinates)."""
    flip = np.array([-1.0, 1.0, 1.0]) if side == "left" else np.ones(3)
    # The crop functions find the right limb: a left one is the right one of the mirror.
    ax = limb_axis(load_body(name, bodies, mirrored=side == "left"), kind)
    return {**ax, "ref": ax["ref"] * flip, "axis": ax["axis"] * flip}


def limb_axis(body: trimesh.Trimesh, kind: str) -> dict:
    """The right limb's axis of a body: reference point (3,) (the elbow's or the crotch's
    level on the axis), unit axis (3,) towards proximal, and the limb's length (mm: wrist
    to elbow, or crotch to knee)."""
    if kind == "transradial":
        _mesh, info = mlc.forearm(body, 0.5)
        d, p = np.asarray(info["distal_cut_mm"]), np.asarray(info["proximal_cut_mm"])
        axis = (p - d) / np.linalg.norm(p - d)
        ref = p - info["above_elbow_mm"] * axis
        return {"ref": ref, "axis": axis, "length_mm": info["wrist_to_elbow_axis_mm"]}
    if kind == "transfemoral":
        _mesh, info = mlc.thigh(body, 0.8)
        d, p = np.asarray(info["distal_cut_mm"]), np.asarray(info["proximal_cut_mm"])
        axis = (p - d) / np.linalg.norm(p - d)
        # The proximal cut lies 15 mm (in height) under the crotch.
        ref = p + info["top_below_crotch_mm"] / axis[1] * axis
        return {"ref": ref, "axis": axis, "length_mm": info["crotch_to_knee_mm"]}
    if kind == "transtibial":
        return _leg_axis(body)
    raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")


def _leg_axis(body: trimesh.Trimesh) -> dict:
    """The right leg's axis about the knee (see :func:`limb_axis`): the line between the
    leg's section centres :data:`LEG_AXIS_MM` under and over the knee joint, whose height is
    :data:`KNEE_SHARE_OF_STATURE`; the length is the knee-to-ankle height."""
    v = body.vertices
    y0, stature = float(v[:, 1].min()), float(np.ptp(v[:, 1]))
    x_right = float(np.median(v[:, 0])) - 0.08 * stature
    up = np.array([0.0, 1.0, 0.0])
    knee_y = y0 + KNEE_SHARE_OF_STATURE * stature
    ends = []
    for y in (knee_y - LEG_AXIS_MM[0], knee_y + LEG_AXIS_MM[1]):
        near = np.array([x_right, y, 0.0])
        c = mlc._loop_centre(body, up, near, near)
        if c is None:
            raise RuntimeError(f"no right leg section at {y - y0:.0f} mm above the floor")
        ends.append(c)
    axis = (ends[1] - ends[0]) / np.linalg.norm(ends[1] - ends[0])
    ref = ends[0] + (knee_y - ends[0][1]) / axis[1] * axis
    return {"ref": ref, "axis": axis,
            "length_mm": (KNEE_SHARE_OF_STATURE - ANKLE_SHARE_OF_STATURE) * stature}


def crop(body_name: str, kind: str, side: str, below: float, above_mm: float, *,
         bodies: Path = BODIES, columns: int = 128,
         step_mm: float = 2.0) -> tuple[trimesh.Trimesh, dict]:
    """A residual limb of a body in its limb frame (the truth frame).

    ``below``: the forearm's share kept under the elbow, or the thigh's share of the
    crotch-to-knee length kept under the crotch; ``above_mm``: where the open proximal end
    lies over the elbow or the crotch (mm along the axis; negative: under the crotch).

    Returns
    -------
    skin : trimesh.Trimesh
        mm; +Z along the limb's axis (distal to proximal), +Y the body's facing made
        perpendicular to it, the dome's tip at z = 0.  A left limb stays a left limb.
    info : dict
        ``reference_z_mm`` (the elbow or crotch level on the axis), the cuts, the facing.
    """
    body = load_body(body_name, bodies)
    facing = _facing(body_name, bodies)
    ax = _axis(body_name, bodies, kind, side)
    ref, axis = ax["ref"], ax["axis"]
    distal = ref - below * ax["length_mm"] * axis
    proximal = ref + above_mm * axis
    mesh = mlc.residual_limb(body, distal, proximal, columns=columns, step_mm=step_mm)
    y = facing - (facing @ axis) * axis
    y /= np.linalg.norm(y)
    rot = np.vstack([np.cross(y, axis), y, axis])
    v = (mesh.vertices - distal) @ rot.T
    z0 = float(v[:, 2].min())
    v[:, 2] -= z0
    skin = trimesh.Trimesh(v, mesh.faces, process=False)
    info = {"body": body_name, "kind": kind, "side": side,
            "reference": {"transradial": "elbow", "transfemoral": "crotch",
                          "transtibial": "knee joint"}[kind],
            "reference_z_mm": round(-z0 + below * ax["length_mm"], 2),
            "kept_below_reference_mm": round(below * ax["length_mm"], 1),
            "open_above_reference_mm": round(above_mm, 1),
            "limb_length_mm": round(float(ax["length_mm"]), 1),
            "axis_tilt_from_vertical_deg": round(float(np.degrees(np.arccos(abs(axis[1])))), 1),
            "facing_in_body": np.round(facing, 4).tolist(),
            "anterior_tilt_deg": round(float(np.degrees(np.arccos(np.clip(y @ facing, -1, 1)))), 1)}
    return skin, info


def template_landmarks(v: np.ndarray, kind: str, reference_z: float) -> dict[str, np.ndarray]:
    """Landmarks of a right limb's skin in its limb frame (+X lateral, +Y anterior), mm.

    Forearm (``reference_z``: the elbow's level): the olecranon is the most posterior vertex
    within 30 mm under to 20 mm over the elbow; the medial and lateral epicondyles are the
    most medial (-X) and lateral (+X) vertices within 10 mm under to 30 mm over it.
    Thigh: the greater trochanter region is the most lateral vertex of the top 60 mm; the
    ischial tuberosity region the most posterior-medial one (along (-X - Y) / sqrt 2) of the
    top 20 mm (the brim).  Leg (``reference_z``: the knee joint's level): the patella
    region is the most anterior vertex from 10 mm under to 50 mm over the joint.
    """
    z = v[:, 2]
    if kind == "transtibial":
        knee = v[(z > reference_z - 10.0) & (z < reference_z + 50.0)]
        return {"patella_region": knee[np.argmax(knee[:, 1])]}
    if kind == "transradial":
        olec = v[(z > reference_z - 30.0) & (z < reference_z + 20.0)]
        epi = v[(z > reference_z - 10.0) & (z < reference_z + 30.0)]
        return {"olecranon": olec[np.argmin(olec[:, 1])],
                "medial_epicondyle": epi[np.argmin(epi[:, 0])],
                "lateral_epicondyle": epi[np.argmax(epi[:, 0])]}
    top = float(z.max())
    prox = v[z > top - 60.0]
    brim = v[z > top - 20.0]
    return {"greater_trochanter": prox[np.argmax(prox[:, 0])],
            "ischial_tuberosity": brim[np.argmax(-brim[:, 0] - brim[:, 1])]}


def build_templates(bodies: Path = BODIES) -> dict[str, np.ndarray]:
    """The arrays of ``crops.npz``: per kind, each body's right and left limb (the left one
    mirrored to a right limb), with its landmarks."""
    ids = [f"{body}/{limb}" for body in BODY_FILES for limb in ("right", "left")]
    arrays: dict[str, np.ndarray] = {"templates": np.array(ids)}
    info_all = {}
    flip = np.array([-1.0, 1.0, 1.0])
    for kind in KINDS:
        below, above = TEMPLATE_CROP[kind]
        for tid in ids:
            body, limb = tid.split("/")
            skin, info = crop(body, kind, limb, below, above, bodies=bodies,
                              columns=TEMPLATE_COLUMNS, step_mm=TEMPLATE_STEP_MM)
            v, f = skin.vertices, skin.faces
            if limb == "left":
                v, f = v * flip, f[:, ::-1]
            mesh = trimesh.Trimesh(v, f, process=False)
            outward = np.einsum("ij,ij->i", mesh.face_normals,
                                mesh.triangles_center * [1.0, 1.0, 0.0]) > 0
            if not mesh.is_winding_consistent or outward.mean() < 0.95:
                raise RuntimeError(f"the {kind} crop {tid} is not a clean outward surface")
            marks = template_landmarks(v, kind, info["reference_z_mm"])
            key = f"{kind}/{tid}"
            arrays[f"{key}/vertices_mm"] = v.astype(np.float32)
            arrays[f"{key}/faces"] = f.astype(np.int32)
            arrays[f"{key}/landmark_names"] = np.array(list(marks))
            arrays[f"{key}/landmarks_mm"] = np.array(list(marks.values()), dtype=np.float32)
            arrays[f"{key}/reference_z_mm"] = np.array(info["reference_z_mm"])
            info_all[key] = {**info, "landmarks_mm": {k: np.round(p, 1).tolist()
                                                       for k, p in marks.items()}}
    arrays["info"] = np.array(json.dumps(info_all))
    return arrays


def _angle(a: float, b: float) -> float:
    return float((a - b + 180.0) % 360.0 - 180.0)


def eval_case(kind: str, seed: int) -> dict:
    """The crop, its side and lengths, the template body and the scan seed of a seed."""
    body = ("VH_M", "VH_F")[seed % 2]
    rng = np.random.default_rng([11, KINDS.index(kind), seed])
    return {"kind": kind, "seed": seed, "body": body,
            "template": ("VH_F", "VH_M")[seed % 2],
            "side": ("right", "left")[(seed // 2) % 2],
            "below": float(rng.uniform(*EVAL_BELOW[kind])),
            "above_mm": float(rng.uniform(*EVAL_ABOVE[kind])),
            "scan_seed": 5000 + 100 * KINDS.index(kind) + seed}


def reference_landmarks(body: str, kind: str, side: str, bodies: Path = BODIES) -> dict:
    """The template rules applied to a body's own limb (cropped as a template, a left one
    through its mirror image), as offsets (mm) from the elbow's or crotch's point on the
    axis: add a crop's ``reference_z_mm`` to place them in that crop's frame."""
    below, above = TEMPLATE_CROP[kind]
    skin, info = crop(body, kind, side, below, above, bodies=bodies,
                      columns=TEMPLATE_COLUMNS, step_mm=TEMPLATE_STEP_MM)
    flip = np.array([-1.0, 1.0, 1.0]) if side == "left" else np.ones(3)
    marks = template_landmarks(skin.vertices * flip, kind, info["reference_z_mm"])
    return {k: p * flip - [0.0, 0.0, info["reference_z_mm"]] for k, p in marks.items()}


def run_case(case: dict, bodies: Path = BODIES, points: int = 100_000) -> dict:
    """One leave-one-body-out case through the pipeline's own stages, against its truth."""
    from prosthetics.limb.align import AlignParams, align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan
    from prosthetics.scan.phonescan import make_phone_scan, write_ply

    skin, info = crop(case["body"], case["kind"], case["side"], case["below"],
                      case["above_mm"], bodies=bodies)
    ps = make_phone_scan(skin, seed=case["scan_seed"], n_points=points)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.ply"
        write_ply(path, ps.points, ps.colors)
        scan = load_scan(path)
    cleaned = clean_scan(scan)
    aligned = align_limb(cleaned, AlignParams(auto_anterior=False))
    # Truth (mm) -> file -> mm -> limb frame.
    m = aligned.transform @ scan.file_to_mm @ ps.truth_to_file
    a = m[:3, :3] @ np.array([0.0, 1.0, 0.0])
    truth_deg = float(np.degrees(np.arctan2(-a[0], a[1])))
    out = {**case, "length_mm": round(float(np.ptp(skin.vertices[:, 2])), 1),
           "cleaned_length_mm": round(float(aligned.mesh.vertices[:, 2].max()), 1),
           "truth_deg": round(truth_deg, 1)}
    ref = np.array([0.0, 0.0, info["reference_z_mm"]])
    marks_truth = {k: trimesh.transform_points((p + ref)[None], m)[0] for k, p in
                   reference_landmarks(case["body"], case["kind"], case["side"], bodies).items()}
    t0, c0 = time.perf_counter(), time.process_time()
    fits = crop_models.fit_limb_templates(aligned.mesh, case["kind"],
                                          templates=(case["template"],))
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    free = min(fits, key=lambda s: fits[s].residual_mean_mm)
    for label, side in (("given", case["side"]), ("free", free)):
        fit = fits[side]
        out[label] = {"err_deg": round(_angle(fit.anterior_deg, truth_deg), 1),
                      "side": fit.side, "residual_mm": round(fit.residual_mean_mm, 2),
                      "other_side_mm": round(fit.other_side_residual_mm, 2),
                      "rival": round(fit.rival_ratio, 3),
                      "confidence": round(fit.confidence, 2), "confident": fit.confident,
                      "scale": round(fit.scale, 3), "time_s": round(dt, 2),
                      "cpu_s": round(dc, 2),
                      "template_anteriors_deg": {
                          k: round(_angle(a, truth_deg), 1)
                          for k, a in fit.template_anteriors_deg.items()},
                      "landmark_mm": {k: round(float(np.linalg.norm(fit.landmarks[k] - p)), 1)
                                      for k, p in marks_truth.items()}}
    return out


def _print_case(r: dict) -> None:
    g, f = r["given"], r["free"]
    marks = " ".join(f"{k[:4]} {v:5.1f}" for k, v in g["landmark_mm"].items())
    print(f"{r['kind']:12s} {r['seed']:3d} {r['body']}->{r['template']} {r['side']:5s} "
          f"len {r['length_mm']:4.0f}/{r['cleaned_length_mm']:4.0f} truth {r['truth_deg']:7.1f} | "
          f"side given: err "
          f"{g['err_deg']:6.1f} res {g['residual_mm']:.2f} (other {g['other_side_mm']:.2f}) "
          f"rival {g['rival']:.2f} conf {g['confidence']:.2f} {g['time_s']:.2f}s "
          f"(cpu {g['cpu_s']:.2f}s) | {marks} | "
          f"side free: {f['side']:5s} err {f['err_deg']:6.1f}", flush=True)


def evaluate(kinds, seeds: int, bodies: Path = BODIES, points: int = 100_000,
             first_seed: int = 0) -> list[dict]:
    """Run the leave-one-body-out cases, print each and the summary per kind."""
    results = []
    for kind in kinds:
        for seed in range(first_seed, first_seed + seeds):
            case = eval_case(kind, seed)
            try:
                r = run_case(case, bodies, points)
            except Exception as exc:  # a failed case is reported and counted, not hidden
                print(f"{kind:12s} {seed:3d} failed: {type(exc).__name__}: "
                      f"{str(exc).splitlines()[0][:140]}", flush=True)
                results.append({**case, "error": f"{type(exc).__name__}: {exc}"})
                continue
            _print_case(r)
            results.append(r)
    print()
    for kind in kinds:
        failed = [r for r in results if r["kind"] == kind and "error" in r]
        rs = [r for r in results if r["kind"] == kind and "error" not in r]
        if failed:
            print(f"{kind:12s} {len(failed)} case(s) failed before the fit")
        if not rs:
            continue
        for label in ("given", "free"):
            e = np.abs([r[label]["err_deg"] for r in rs])
            t = [r[label]["time_s"] for r in rs]
            cpu = [r[label]["cpu_s"] for r in rs]
            sides = np.mean([r[label]["side"] == r["side"] for r in rs])
            conf = np.mean([r[label]["confident"] for r in rs])
            print(f"{kind:12s} side {label:5s}: anterior error max {e.max():5.1f} mean "
                  f"{e.mean():5.1f} deg (within 15: {np.mean(e <= 15):.0%}), side right in "
                  f"{sides:.0%}, confident {conf:.0%}; fit {np.mean(t):.2f} s mean, "
                  f"{np.max(t):.2f} s max ({np.mean(cpu):.2f} s CPU mean)")
        marks = {}
        for r in rs:
            for k, v in r["given"]["landmark_mm"].items():
                marks.setdefault(k, []).append(v)
        print(f"{kind:12s} landmarks (side given) to the rules on the held-out crop: " +
              ", ".join(f"{k} {np.mean(v):.1f} mean / {np.max(v):.1f} max mm"
                        for k, v in marks.items()))
    return results


def _savez(path: Path, arrays: dict) -> None:
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=Path, default=BODIES)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--evaluate", action="store_true",
                    help="leave one body out: fit the other body's template to phone-like "
                         "scans of crops, print the anterior errors")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--json", type=Path, help="also write the per-case figures here")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.evaluate:
        results = evaluate(args.kinds, args.seeds, args.bodies, args.points, args.first_seed)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n")
        return
    arrays = build_templates(args.bodies)
    atomic_write_with(args.out, lambda tmp: _savez(tmp, arrays))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
