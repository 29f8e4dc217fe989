"""Align a cleaned limb to the limb frame.

Limb frame: +Z proximal along the long axis, origin on the axis at the distal end, +Y
anterior.  The long axis is the line through the centroids of the limb's cross-sections
(refined from the principal axis), which follows the limb better than the principal axis of
a tapered, bent shape.  Anterior is an automatic guess (the apex of the tibial crest makes
the mid-limb sections roughly triangular, apex forward); ``anterior_rotation_deg`` turns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from prosthetics.limb.anatomy import AnatomyFit, fit_anatomy
from prosthetics.limb.crop_models import CROP_KINDS, CropFit, fit_limb_templates
from prosthetics.limb.measure import proximal_rim_z, sections
from prosthetics.params import Params, param
from prosthetics.scan.clean import CleanResult


@dataclass(frozen=True, kw_only=True)
class AlignParams(Params):
    anterior_rotation_deg: float = param(
        0.0, label="Anterior rotation", unit="deg", min=-180.0, max=180.0,
        help="Turns the automatic anterior guess about the long axis (counter-clockwise seen "
             "from proximal); set it when the tibial crest is not at +Y")
    auto_anterior: bool = param(True, label="Guess anterior",
                                help="Off: anterior is the scan's own direction closest to +Y")


@dataclass(frozen=True, kw_only=True)
class AlignResult:
    """The limb in the limb frame.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Limb surface, mm, limb frame.
    transform : (4, 4) float
        From the cleaned mesh's coordinates (scan axes, mm) to the limb frame.
    """

    mesh: trimesh.Trimesh
    transform: np.ndarray
    anterior_guess_deg: float
    axis_tilt_deg: float
    details: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    #: The shape model fitted to the limb (limb frame), when the limb has one and it fits.
    anatomy: AnatomyFit | None = None
    #: The limb templates fitted to a forearm or thigh, or to a leg the shape model does not
    #: fit (limb frame), when they fit.
    template_fit: CropFit | None = None
    #: Both sides' fits in the axis-aligned frame before the anterior turn (for reuse); for
    #: a limb with a shape model, the templates' fits under ``"templates"`` once made.
    fits: dict | None = None


def _frame(origin: np.ndarray, z: np.ndarray, y_hint: np.ndarray) -> np.ndarray:
    """4x4 world-to-frame transform for an orthonormal frame with z and y near ``y_hint``."""
    z = z / np.linalg.norm(z)
    y = y_hint - (y_hint @ z) * z
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    r = np.vstack([x, y, z])
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = -r @ origin
    return m


def _rot_z(deg: float) -> np.ndarray:
    m = np.eye(4)
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    m[:2, :2] = [[c, -s], [s, c]]
    return m


def refine_axis(mesh: trimesh.Trimesh, c: np.ndarray, a: np.ndarray, iterations: int = 3):
    """Fit the long axis through section centroids between 15 % and 85 % of the length.

    Returns
    -------
    point (3,), direction (3,) (distal to proximal)
    """
    for _ in range(iterations):
        ref = np.array([1.0, 0, 0]) if abs(a[0]) < 0.9 else np.array([0, 1.0, 0])
        T = _frame(c, a, np.cross(a, ref))
        local = trimesh.transform_points(mesh.vertices, T)
        lo, hi = local[:, 2].min(), local[:, 2].max()
        levels = lo + (hi - lo) * np.linspace(0.15, 0.85, 15)
        m = trimesh.Trimesh(local, mesh.faces, process=False)
        cen = [np.r_[s.centroid_xy, s.z_mm] for s in sections(m, levels) if s is not None]
        if len(cen) < 4:
            break
        cen = np.asarray(cen)
        mean = cen.mean(axis=0)
        _u, _s, vt = np.linalg.svd(cen - mean)
        d = vt[0] if vt[0][2] > 0 else -vt[0]
        inv = np.linalg.inv(T)
        c = trimesh.transform_points(mean[None], inv)[0]
        a = inv[:3, :3] @ d
        a /= np.linalg.norm(a)
    return c, a


def guess_anterior_deg(mesh: trimesh.Trimesh) -> float:
    """Turn (deg) that brings the anterior (tibial) side of an axis-aligned limb to +Y.

    Mid-limb sections (20-80 % of the length) are resampled as radius against angle about
    their centroids and averaged; they are roughly triangular, so the third harmonic has
    three flat sides between three apexes.  The anterior is taken as the flat side facing
    the distal end's offset from the axis: the cut tibia makes the anterior-distal corner
    of the limb the lowest, and the flat anteromedial face of the tibia lies under the skin.
    When that offset is under 3 mm, the flat side that lies closest to the axis.

    The rule was checked on the two limbs at hand.  On the AAOP example, whose file places
    the mid-patellar tendon and the tibial crest, it puts the anterior within 15 degrees
    of their direction; on the AmpScan limb scan it puts the patella's bulge and the
    tendon's hollow above it on the anterior profile.
    """
    z = mesh.vertices[:, 2]
    levels = np.linspace(0.2, 0.8, 13) * z.max()
    theta = np.linspace(-np.pi, np.pi, 360, endpoint=False)
    rs = []
    for s in sections(mesh, levels):
        if s is None:
            continue
        d = s.loop - s.centroid_xy
        ang = np.arctan2(d[:, 1], d[:, 0])
        r = np.linalg.norm(d, axis=1)
        order = np.argsort(ang)
        rs.append(np.interp(theta, ang[order], r[order], period=2 * np.pi) / r.mean())
    if not rs:
        return 0.0
    r = np.mean(rs, axis=0)
    c3 = np.sum(r * np.exp(-3j * theta))
    # r = a cos(3 (theta - phi)) gives c3 = (n a / 2) exp(-3 i phi): the apexes are at phi,
    # the flat sides half-way between them.
    flats = (-np.angle(c3) + np.pi + 2 * np.pi * np.arange(3)) / 3.0
    distal = mesh.vertices[z < 10.0, :2].mean(axis=0)
    if np.linalg.norm(distal) >= 3.0:
        toward = np.arctan2(distal[1], distal[0])
        side = flats[int(np.argmax(np.cos(flats - toward)))]
    else:
        side = flats[int(np.argmin(np.interp(flats, theta, r, period=2 * np.pi)))]
    # Frame angle of +Y is 90 deg; return the turn that brings that side to +Y.
    return float(np.degrees(np.arctan2(np.sin(side - np.pi / 2), np.cos(side - np.pi / 2))))


#: Limbs with a shape model of their anatomy.
SHAPE_MODELS = ("transtibial",)
#: The other side's fit is taken over the one asked when its residual is this much smaller.
_OTHER_SIDE_RATIO = 1.2


def _choose_fit(fits: dict[str, AnatomyFit], side: str) -> tuple[AnatomyFit, list[str]]:
    """The fit to use for a limb said to be ``side``, and what to tell the user."""
    asked = fits[side]
    other = fits["left" if side == "right" else "right"]
    if other.confident and other.residual_mean_mm * _OTHER_SIDE_RATIO < asked.residual_mean_mm:
        return other, [f"the limb's shape fits a {other.side} leg better than a {side} one "
                       f"(anatomy fit {other.residual_mean_mm:.1f} mm against "
                       f"{asked.residual_mean_mm:.1f} mm): anterior and landmarks come from "
                       f"the {other.side} fit; set limb_side={other.side} if it is a "
                       f"{other.side} leg"]
    return asked, []


def _template_warnings(crop: CropFit | None, anatomy: str, side: str, *,
                       poor: bool) -> list[str]:
    """What to tell the user about a limb-template fit: the other side fits clearly better,
    or (``poor``) the templates fit poorly and the sections' shape is used."""
    out = []
    if crop is None:
        return out
    if crop.other_side_better:
        other = "left" if side == "right" else "right"
        limb_word = "arm" if anatomy == "transradial" else "leg"
        out.append(f"the limb's shape fits a {other} {limb_word} better than a {side} one "
                   f"(template fit {crop.other_side_residual_mm:.1f} mm against "
                   f"{crop.residual_mean_mm:.1f} mm): set limb_side={other} if it is a "
                   f"{other} {limb_word}")
    if poor and not crop.confident:
        out.append(f"the limb templates fit this limb poorly (mean distance "
                   f"{crop.residual_mean_mm:.1f} mm, rival turn ratio {crop.rival_ratio:.2f}): "
                   f"anterior is guessed from the sections' shape instead; check it")
    return out


def align_limb(cleaned: CleanResult, params: AlignParams | None = None, *,
               anatomy: str | None = None, side: str = "right",
               fits: dict[str, AnatomyFit] | None = None) -> AlignResult:
    """Put the cleaned limb in the limb frame.

    ``anatomy`` names the limb ("transtibial") when its shape model should place the
    anterior and the bony landmarks; ``side`` ("right" or "left") is the side the user gave.
    ``fits``: the model already fitted to this limb's axis-aligned mesh (both sides), to
    reuse when only the side changed.
    """
    params = params or AlignParams()
    mesh = cleaned.mesh
    c, a = refine_axis(mesh, cleaned.axis_point, cleaned.axis_dir)
    tilt = float(np.degrees(np.arccos(np.clip(abs(a @ cleaned.axis_dir), -1, 1))))
    # A deterministic starting y: the scan's own +Y, or its +Z when the limb lies along Y.
    y_hint = np.array([0.0, 1.0, 0.0]) if abs(a[1]) < 0.9 else np.array([0.0, 0.0, 1.0])
    T = _frame(c, a, y_hint)
    local = trimesh.transform_points(mesh.vertices, T)
    shift = np.eye(4)
    shift[2, 3] = -local[:, 2].min()
    T = shift @ T
    guess = 0.0
    warnings: list[str] = []
    details: dict = {"axis_point_scan_mm": c.tolist(), "axis_dir_scan": a.tolist(),
                     "refinement_tilt_deg": tilt}
    fit = crop = None
    if params.auto_anterior:
        m = trimesh.Trimesh(trimesh.transform_points(mesh.vertices, T), mesh.faces, process=False)
        if anatomy in SHAPE_MODELS:
            fits = dict(fits) if fits is not None else fit_anatomy(m)
            fit, lines = _choose_fit(fits, side)
            warnings.extend(lines)
            if not fit.confident and anatomy in CROP_KINDS:
                # A limb the shape model does not know (a long one with a full calf, a bent
                # knee): the templates cropped from whole legs are the second opinion.
                if "templates" not in fits:
                    fits["templates"] = fit_limb_templates(m, anatomy)
                crop = (fits["templates"] or {}).get(side)
            if not fit.confident:
                instead = ("the anterior comes from leg templates fitted to the limb's shape "
                           "instead" if crop is not None and crop.confident else
                           "anterior is guessed from the sections' shape instead; check it")
                warnings.append(
                    f"the shape model fits this limb poorly (mean distance "
                    f"{fit.residual_mean_mm:.1f} mm, rival turn ratio {fit.rival_ratio:.2f}): "
                    f"{instead}")
            warnings.extend(_template_warnings(crop, anatomy, side, poor=False))
        elif anatomy in CROP_KINDS:
            fits = fits if fits is not None else fit_limb_templates(m, anatomy)
            crop = fits[side] if fits is not None else None
            warnings.extend(_template_warnings(crop, anatomy, side, poor=True))
        if fit is not None and fit.confident:
            guess = fit.anterior_deg
            method = "shape model"
        elif crop is not None and crop.confident:
            guess = crop.anterior_deg
            method = "limb template"
        else:
            guess = guess_anterior_deg(m)
            method = "section shape"
        details["anterior_method"] = method
        # Rotating by -guess brings the anterior (at 90 + guess deg) to +Y.
        T = _rot_z(-guess) @ T
    T = _rot_z(params.anterior_rotation_deg) @ T
    out = trimesh.Trimesh(trimesh.transform_points(mesh.vertices, T), mesh.faces.copy(),
                          process=False)
    if fit is not None:
        fit = fit.turned(params.anterior_rotation_deg - guess)
        rim = proximal_rim_z(out)
        knee = bool(rim > fit.landmarks["patella_centre"][2] + 2.0)
        details["anatomy"] = {**fit.as_dict(), "knee_in_view": knee,
                              "used": bool(fit.confident),
                              "other_side_residual_mean_mm": round(float(
                                  fits["left" if fit.side == "right" else "right"]
                                  .residual_mean_mm), 2)}
        if not fit.confident:
            fit = None
    if crop is not None:
        crop = crop.turned(params.anterior_rotation_deg - guess)
        details["template"] = {**crop.as_dict(), "used": bool(crop.confident)}
        if not crop.confident:
            crop = None
    if params.auto_anterior and params.anterior_rotation_deg == 0.0:
        source = {"shape model": "the fitted shape model of the limb's anatomy",
                  "limb template": "limb templates fitted to the limb's shape"}.get(
                      details.get("anterior_method"), "the shape of the sections")
        if details.get("anterior_method") == "limb template" and anatomy != "transradial":
            what = "a thigh's" if anatomy == "transfemoral" else "the leg's"
            source += f" ({what} shape does not tell its side: this assumes a {side} leg)"
        warnings.append(f"anterior (+Y) is an automatic guess from {source}; check it in the "
                        f"pictures and set anterior_rotation_deg if it is off")
    return AlignResult(mesh=out, transform=T, anterior_guess_deg=guess, axis_tilt_deg=tilt,
                       details=details, warnings=warnings, anatomy=fit, template_fit=crop,
                       fits=fits if anatomy in SHAPE_MODELS + CROP_KINDS else None)
