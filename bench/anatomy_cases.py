"""Transtibial test limbs with known anatomy, seeded, for ``bench/anatomy.py`` and the tests.

Two groups of cases, each case a clean skin surface (mm) with its truth in the same
coordinates (the *truth frame*: +Z roughly proximal, the distal end at low z, as
:func:`prosthetics.scan.phonescan.make_phone_scan` expects):

``openlimb``
    Limbs of the OpenLimbTT shape model (Sunderland et al. 2024, CC-BY-SA 4.0): the mean and
    the eight virtual patients of the 2022-10 and 2023-06 releases
    (``bench/data/openlimbtt_limbs.npz``, each in its release's own frame, where anterior is
    -Y and the fibula of the right leg at -X), and the four +-2 SD shapes of the model the
    pipeline itself ships (``prosthetics/limb/models/openlimbtt.npz``, anterior +Y).  22 limbs
    in all, taken in an order that alternates the three sources, so that any 12 consecutive
    seeds hold four of each.  Seed ``k`` picks limb ``k mod 22``, an overall scale uniform in
    [0.9, 1.15] (intact tibia lengths of 343-440 mm against the model's 380.83 mm), a left
    leg (X mirrored, the truth with it) when ``k mod 3 == 1``, and a scan that stops 15-40 mm
    below the patella's inferior pole when ``k mod 4 == 2`` (otherwise the whole skin, which
    reaches the patella's superior pole).  Truth: the frame's anterior axis and the bony
    landmarks of :func:`prosthetics.limb.bones.bony_landmarks` computed on the limb's own
    bones.

``bodies``
    Transtibial-like residual limbs cropped from the Visible Human skins
    (``VH_M_Skin.glb``, ``VH_F_Skin.glb``, CC BY 4.0; see ``scripts/make_limb_crops.py``, whose
    cropping functions are used here): the leg from 80-120 mm above the knee joint down to
    100-180 mm below it (seeded), the distal end closed with a rounded dome.  Even seeds are
    the male body, odd ones the female; seeds ``k`` with ``(k // 2)`` odd are the left leg.
    Truth: the anterior direction only (see :func:`body_facing`).  The knee joint height is
    placed by a share of stature (0.285, Drillis and Contini 1966) to make the crop; the skin
    alone does not give the patella robustly (the female's knee shows a patellar bulge on its
    sagittal profile; the male's, whose shank leans 15-20 degrees from the vertical, shows
    none), so no knee landmark is scored for this group.  Crops are cached in ``bench/data/cache/`` (not in git).

The phone-like scan of a case is :meth:`AnatomyCase.phone_scan`; its ``truth_to_file`` maps the
truth frame (mm) to the scan file's coordinates (m).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from prosthetics.limb.bones import bone_frame, bony_landmarks
from prosthetics.scan.phonescan import PhoneScan, make_phone_scan

ROOT = Path(__file__).resolve().parent.parent
LIMBS_NPZ = ROOT / "bench" / "data" / "openlimbtt_limbs.npz"
MODEL_NPZ = ROOT / "prosthetics" / "limb" / "models" / "openlimbtt.npz"
BODIES = Path(os.environ.get("PROSTHETICS_BODIES", "/work/shared/data/bodies"))
CACHE = ROOT / "bench" / "data" / "cache"

GROUPS = ("openlimb", "bodies")
PARTS = ("skin", "femur", "patella", "tibia", "fibula")
#: The model's shapes at +-2 SD of its two modes: name -> (b1, b2).
MODEL_SHAPES = {"model_b1+2": (2.0, 0.0), "model_b1-2": (-2.0, 0.0),
                "model_b2+2": (0.0, 2.0), "model_b2-2": (0.0, -2.0)}
#: Overall scale of the openlimb cases (intact tibia 343-440 mm against 380.83 mm).
SCALE_RANGE = (0.9, 1.15)
#: How far below the patella's inferior pole a scan without the knee stops, mm.
KNEE_CUT_RANGE_MM = (15.0, 40.0)
#: Knee joint height as a share of stature (Drillis and Contini 1966), for the body crops.
KNEE_SHARE_OF_STATURE = 0.285
#: Crop of the body legs: mm above and below the knee joint.
ABOVE_KNEE_RANGE_MM = (80.0, 120.0)
BELOW_KNEE_RANGE_MM = (100.0, 180.0)


@dataclass(frozen=True, kw_only=True)
class AnatomyCase:
    """A clean limb surface and its anatomy, in the truth frame.

    Attributes
    ----------
    name : str
        Short label, e.g. ``"openlimb-03 2023-06_1P2P L cut"``.
    group : str
        ``"openlimb"`` or ``"bodies"``.
    seed : int
        The case's seed within its group.
    source : str
        The limb's or body's name.
    side : str
        ``"right"`` or ``"left"``.
    skin : trimesh.Trimesh
        The skin, mm, outward normals, open at the proximal end.
    anterior : (3,) float
        Unit anterior direction.
    landmarks : dict of str -> (3,) float, mm
        Bony landmarks (names of :data:`prosthetics.limb.bones.BONY_NAMES`); empty when the
        case has none.
    knee_in_view : bool
        Whether the skin reaches above the patella (the knee is in the scan).
    scan_seed : int
        Seed of the phone-like scan.
    info : dict
        How the case was made (scale, cuts, checks of the truth), JSON-ready.
    """

    name: str
    group: str
    seed: int
    source: str
    side: str
    skin: trimesh.Trimesh
    anterior: np.ndarray
    landmarks: dict = field(default_factory=dict)
    knee_in_view: bool = True
    scan_seed: int = 0
    info: dict = field(default_factory=dict)

    def phone_scan(self, n_points: int = 150_000) -> PhoneScan:
        """The case's phone-like scan (metres, random pose, floor, hand, strays, a hole)."""
        return make_phone_scan(self.skin, seed=self.scan_seed, n_points=n_points)


def make_case(group: str, seed: int) -> AnatomyCase:
    """The case of ``group`` (one of :data:`GROUPS`) for ``seed``."""
    if group == "openlimb":
        return openlimb_case(seed)
    if group == "bodies":
        return body_case(seed)
    raise ValueError(f"group {group!r} is not one of {', '.join(GROUPS)}")


# ------------------------------------------------------------------------------ openlimb


@functools.lru_cache(maxsize=1)
def _limbs_npz() -> dict:
    with np.load(LIMBS_NPZ) as d:
        return {k: d[k] for k in d.files}


@functools.lru_cache(maxsize=1)
def _model_npz() -> dict:
    with np.load(MODEL_NPZ) as d:
        return {k: d[k] for k in d.files}


@functools.lru_cache(maxsize=1)
def openlimb_names() -> tuple[str, ...]:
    """The 22 openlimb limbs in case order: the 2022-10 release, the 2023-06 release (in
    reverse, so that neighbouring seeds see different virtual patients) and the model's
    extremes, taken in turn."""
    names = sorted({k.split("/")[0] for k in _limbs_npz()})
    r22 = [n for n in names if n.startswith("2022-10")]
    r23 = [n for n in names if n.startswith("2023-06")][::-1]
    model = list(MODEL_SHAPES)
    out = []
    for i in range(max(len(r22), len(r23), len(model))):
        out += [src[i] for src in (r22, r23, model) if i < len(src)]
    return tuple(out)


def openlimb_parts(name: str) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """One limb's parts and its anterior direction, in its source's own frame.

    Returns
    -------
    parts : dict of part name -> ((n, 3) float vertices mm, (m, 3) int faces)
    anterior : (3,) float
        -Y for the releases, +Y for the model's shapes.
    """
    if name in MODEL_SHAPES:
        m = _model_npz()
        b1, b2 = MODEL_SHAPES[name]
        v = (m["vertices_mm"].astype(float) + b1 * m["modes_mm"][0] + b2 * m["modes_mm"][1])
        faces, part = m["faces"], m["part"]
        # Faces index the shared vertex array; give each part its own numbering.
        parts = {}
        for k, p in enumerate(PARTS):
            idx = np.flatnonzero(part == k)
            remap = np.full(len(v), -1)
            remap[idx] = np.arange(len(idx))
            f = faces[np.all(part[faces] == k, axis=1)]
            parts[p] = (v[idx], remap[f])
        return parts, np.array([0.0, 1.0, 0.0])
    d = _limbs_npz()
    if f"{name}/skin/vertices_mm" not in d:
        raise ValueError(f"no limb {name!r} in {LIMBS_NPZ.name}")
    parts = {p: (d[f"{name}/{p}/vertices_mm"].astype(float), d[f"{name}/{p}/faces"].astype(int))
             for p in PARTS}
    return parts, np.array([0.0, -1.0, 0.0])


def _cut_below(mesh: trimesh.Trimesh, z: float) -> trimesh.Trimesh:
    """The part of ``mesh`` below height ``z``, left open at the cut."""
    out = trimesh.intersections.slice_mesh_plane(mesh, plane_normal=[0.0, 0.0, -1.0],
                                                 plane_origin=[0.0, 0.0, z], cap=False)
    pieces = out.split(only_watertight=False)
    return max(pieces, key=lambda p: p.area) if len(pieces) > 1 else out


def openlimb_case(seed: int, *, side: str | None = None, knee: bool | None = None,
                  scale: float | None = None) -> AnatomyCase:
    """The openlimb case for ``seed`` (see the module's docstring).

    ``side``, ``knee`` (whether the scan includes the knee) and ``scale`` override what the
    seed picks, for tests that compare a case with its mirror image.
    """
    names = openlimb_names()
    name = names[seed % len(names)]
    rng = np.random.default_rng([1, seed])
    s = float(rng.uniform(*SCALE_RANGE))
    cut_below_pole = float(rng.uniform(*KNEE_CUT_RANGE_MM))
    s = s if scale is None else float(scale)
    side = side or ("left" if seed % 3 == 1 else "right")
    knee = (seed % 4 != 2) if knee is None else bool(knee)
    parts, anterior = openlimb_parts(name)
    verts = {}
    faces = {}
    for p, (v, f) in parts.items():
        v = v * s
        if side == "left":
            # A left leg: the mirror image across the sagittal plane (X), faces reversed so
            # that the normals still point out.
            v = v * np.array([-1.0, 1.0, 1.0])
            f = f[:, ::-1]
        verts[p], faces[p] = v, f
    anterior = anterior * np.array([-1.0, 1.0, 1.0]) if side == "left" else anterior
    marks = bony_landmarks(verts["femur"], verts["patella"], verts["tibia"], verts["fibula"])
    skin = trimesh.Trimesh(verts["skin"], faces["skin"], process=False)
    info = {"limb": name, "scale": round(s, 4),
            "intact_tibia_mm": round(380.83 * s, 1),
            "skin_z_mm": [round(float(skin.vertices[:, 2].min()), 1),
                          round(float(skin.vertices[:, 2].max()), 1)]}
    if not knee:
        z_cut = float(marks["patella_inferior_pole"][2]) - cut_below_pole
        skin = _cut_below(skin, z_cut)
        info["cut_below_inferior_pole_mm"] = round(cut_below_pole, 1)
        info["skin_z_mm"][1] = round(float(skin.vertices[:, 2].max()), 1)
    # How well the bones' own frame, in which bony_landmarks measures heights, agrees with
    # the truth frame: a short residual tibia makes a poor principal axis (tilts of 20-46
    # degrees), and the truth landmarks of such a limb are measured along that tilted axis.
    frame = bone_frame(verts["patella"], verts["tibia"], verts["fibula"])
    info["tibia_axis_tilt_deg"] = round(float(np.degrees(np.arccos(abs(frame[2, 2])))), 1)
    a = frame[1]
    info["bone_anterior_vs_frame_deg"] = round(float(np.degrees(np.arctan2(
        a @ np.cross(np.array([0.0, 0.0, 1.0]), anterior), a @ anterior))), 1)
    tag = f"{'L' if side == 'left' else 'R'}{'' if knee else ' cut'}"
    return AnatomyCase(name=f"openlimb-{seed:02d} {name} {tag}", group="openlimb", seed=seed,
                       source=name, side=side, skin=skin, anterior=anterior, landmarks=marks,
                       knee_in_view=knee, scan_seed=1000 + seed, info=info)


# ------------------------------------------------------------------------------ bodies


def _crop_functions():
    """``scripts/make_limb_crops.py`` as a module (the scripts folder is not a package)."""
    path = str(ROOT / "scripts")
    if path not in sys.path:
        sys.path.insert(0, path)
    import make_limb_crops

    return make_limb_crops


@functools.lru_cache(maxsize=2)
def _body(name: str) -> trimesh.Trimesh:
    return _crop_functions().load_body(BODIES / name)


def body_facing(body: trimesh.Trimesh, knee_y: float, x_mid: float) -> np.ndarray:
    """The direction a standing skin (y up) faces, (3,) unit, from the body itself.

    Perpendicular to the vertical and to the line between the two knees' section centres
    (a whole-body direction: a single foot turns out by 5-15 degrees), on the side the feet
    point to: the feet's points (the lowest 3 % of stature) lie in front of the ankles'
    section centres (at 9 % of stature).

    Raises
    ------
    RuntimeError
        When the feet do not point clearly to one side of that line.
    """
    mlc = _crop_functions()
    v = body.vertices
    y0, stature = float(v[:, 1].min()), float(np.ptp(v[:, 1]))
    up = np.array([0.0, 1.0, 0.0])
    centres = []
    for sign in (-1.0, 1.0):
        near = np.array([x_mid + sign * 0.08 * stature, knee_y, 0.0])
        c = mlc._loop_centre(body, up, near, near)
        if c is None:
            raise RuntimeError("no knee section found on one side of the body")
        centres.append(c)
    across = centres[1] - centres[0]
    across -= (across @ up) * up
    facing = np.cross(across / np.linalg.norm(across), up)
    feet = v[v[:, 1] < y0 + 0.03 * stature]
    ankles = []
    for sign in (-1.0, 1.0):
        near = np.array([x_mid + sign * 0.08 * stature, y0 + 0.09 * stature, 0.0])
        c = mlc._loop_centre(body, up, near, near, min_area=500.0)
        if c is not None:
            ankles.append(c)
    if not ankles:
        raise RuntimeError("no ankle section found")
    ahead = float(np.mean(feet @ facing) - np.mean([a @ facing for a in ankles]))
    if abs(ahead) < 10.0:
        raise RuntimeError(f"the feet lie only {ahead:.1f} mm off the ankles: no facing found")
    return facing if ahead > 0 else -facing


def crop_leg(body: trimesh.Trimesh, side: str, above_mm: float,
             below_mm: float) -> tuple[trimesh.Trimesh, np.ndarray, dict]:
    """A transtibial-like residual limb of a standing skin (y up, facing +-z).

    Returns
    -------
    skin : trimesh.Trimesh
        The crop in its truth frame: origin at the distal cut's centre, +Z along the limb
        from the distal to the proximal cut, +Y the body's facing direction (made
        perpendicular to +Z), mm.  The dome reaches below z = 0.
    anterior : (3,) float
        +Y.
    info : dict
    """
    mlc = _crop_functions()
    v = body.vertices
    y0, stature = float(v[:, 1].min()), float(np.ptp(v[:, 1]))
    x_mid = float(np.median(v[:, 0]))
    up = np.array([0.0, 1.0, 0.0])
    knee_y = y0 + KNEE_SHARE_OF_STATURE * stature
    facing = body_facing(body, knee_y, x_mid)
    # The person's right hand side: facing x up (facing +z with y up puts it at -x).
    right = np.cross(facing, up)
    sign = 1.0 if side == "right" else -1.0
    leg_x = x_mid + sign * 0.08 * stature * float(np.sign(right[0]) or 1.0)
    ends = []
    for y in (knee_y - below_mm, knee_y + above_mm):
        near = np.array([leg_x, y, 0.0])
        c = mlc._loop_centre(body, up, near, near)
        if c is None:
            raise RuntimeError(f"no {side} leg section at {y - y0:.0f} mm above the floor")
        ends.append(c)
    distal, proximal = ends
    mesh = mlc.residual_limb(body, distal, proximal, step_mm=2.0)
    z = proximal - distal
    z /= np.linalg.norm(z)
    y = facing - (facing @ z) * z
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    rot = np.vstack([x, y, z])
    skin = trimesh.Trimesh((mesh.vertices - distal) @ rot.T, mesh.faces, process=False)
    knee_on_axis = (knee_y - distal[1]) / z[1]
    info = {"stature_mm": round(stature, 1), "above_knee_mm": above_mm,
            "below_knee_mm": below_mm,
            "knee_joint_z_mm": round(float(knee_on_axis), 1),
            "knee_joint_from": f"{KNEE_SHARE_OF_STATURE} of stature (not scored)",
            "leg_axis_tilt_deg": round(float(np.degrees(np.arccos(abs(z @ up)))), 1),
            "facing_file": np.round(facing, 4).tolist()}
    return skin, np.array([0.0, 1.0, 0.0]), info


def _write_npz_atomic(path: Path, **arrays) -> None:
    """Write an .npz through a temporary name, so parallel workers never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def body_crop(body_name: str, side: str, above_mm: float, below_mm: float, *,
              cache: Path | None = CACHE) -> tuple[trimesh.Trimesh, np.ndarray, dict]:
    """:func:`crop_leg` of one body file, cached in ``cache`` (None: no cache)."""
    stem = f"{Path(body_name).stem.lower()}_{side}_a{above_mm:.0f}_b{below_mm:.0f}.npz"
    path = cache / stem if cache is not None else None
    if path is not None and path.exists():
        with np.load(path) as d:
            return (trimesh.Trimesh(d["vertices"], d["faces"], process=False), d["anterior"],
                    json.loads(str(d["info"])))
    skin, anterior, info = crop_leg(_body(body_name), side, above_mm, below_mm)
    if path is not None:
        _write_npz_atomic(path, vertices=skin.vertices, faces=skin.faces, anterior=anterior,
                          info=np.array(json.dumps(info)))
    return skin, anterior, info


def body_case(seed: int, *, cache: Path | None = CACHE) -> AnatomyCase:
    """The bodies case for ``seed`` (see the module's docstring)."""
    body_name = ("VH_M_Skin.glb", "VH_F_Skin.glb")[seed % 2]
    side = ("right", "left")[(seed // 2) % 2]
    rng = np.random.default_rng([2, seed])
    above = float(round(rng.uniform(*ABOVE_KNEE_RANGE_MM)))
    below = float(round(rng.uniform(*BELOW_KNEE_RANGE_MM)))
    skin, anterior, info = body_crop(body_name, side, above, below, cache=cache)
    src = "VH_M" if seed % 2 == 0 else "VH_F"
    return AnatomyCase(name=f"bodies-{seed:02d} {src} {'L' if side == 'left' else 'R'}",
                       group="bodies", seed=seed, source=src, side=side, skin=skin,
                       anterior=np.asarray(anterior, dtype=float), landmarks={},
                       knee_in_view=True, scan_seed=2000 + seed, info=info)
