"""An embossed label on a socket's outside: case ID, side and date, legible off a 0.4 mm nozzle.

The text is CadQuery's (``Workplane.text``, the system's sans font), tessellated once per
text and size, then wrapped onto the outer surface: each vertex's horizontal position
becomes an angle around the axis (arc length at the label's radius), its vertical position
a height, and its depth a distance from the surface found by casting a ray from outside
toward the axis.  The letters stand ``label_depth_mm`` proud and reach 1 mm into the wall,
so the union with manifold3d is exact and the wall under them is never thinned (a debossed
label would thin it below the set minimum).

Defaults: 7 mm characters, 1 mm relief.  Below about 6 mm height or 0.8 mm relief the
strokes of a 0.4 mm nozzle run together.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import SurfaceQuery, from_manifold, to_manifold
from prosthetics.params import Params, param

#: How far the letters reach into the wall below the surface, mm.
EMBED_MM = 1.0
#: The letters are raised with a slant: each mm of relief also rises this much, so the
#: undersides of the strokes slope at atan(1 / 1.2) = 40 degrees from vertical and print
#: without support when the socket stands upright (flat undersides are overhangs a slicer
#: supports with columns from the bed).  The letters' faces keep their shape.
UNDERSIDE_RISE_PER_MM = 1.2


@dataclass(frozen=True, kw_only=True)
class LabelParams(Params):
    """The label on the socket's outside (shared by the socket templates)."""

    label: bool = param(False, label="Label",
                        help="Emboss case ID, side and date on the outside")
    label_case_id: str = param("", label="Case ID",
                               help="Up to 16 letters, digits or '-'; empty: the scan file's "
                                    "name")
    label_date: str = param("", label="Label date", help="YYYY-MM-DD; empty: today")
    label_height_mm: float = param(7.0, label="Label character height", unit="mm",
                                   min=6.0, max=20.0,
                                   help="6 mm is about the smallest legible at a 0.4 mm nozzle")
    label_depth_mm: float = param(1.0, label="Label relief", unit="mm", min=0.8, max=3.0,
                                  help="How far the letters stand out of the wall")
    label_angle_deg: float | None = param(
        None, label="Label direction", unit="deg", min=-180.0, max=180.0,
        help="Direction of the label's centre from +X; empty: the lateral side")
    label_z_mm: float | None = param(
        None, label="Label height", unit="mm", min=15.0, max=800.0,
        help="Height of the label's centre above the distal end; empty: 45 % of the "
             "anterior trim height")


def label_text(case_id: str, side: str, date: str = "") -> str:
    """``"CASE-017 R\n2026-11-21"`` (two lines) from the parts; ParameterError on bad ones."""
    cid = case_id.strip().upper()
    if not cid or len(cid) > 16 or not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]*", cid):
        raise ParameterError(f"label_case_id = {case_id!r}: use 1-16 letters, digits, '-' or "
                             f"'_' (the label is printed)")
    day = date.strip() or _dt.date.today().isoformat()
    try:
        _dt.date.fromisoformat(day)
    except ValueError:
        raise ParameterError(f"label_date = {date!r} is not a date; write YYYY-MM-DD") from None
    return f"{cid} {side.strip().upper()[:1]}\n{day}"


def case_id_from_name(name: str) -> str:
    """A printable case ID from a file name: letters, digits and '-' only, 16 at most."""
    cid = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")
    return (cid or "CASE")[:16].rstrip("-")


_TEXT_CACHE: dict = {}


#: Distance between the lines' centres, in character heights.
LINE_SPACING = 1.6


def text_mesh(text: str) -> trimesh.Trimesh:
    """The text as a closed mesh: x along the lines (centred), y up (cap height 1), z 0..1.

    Lines (``\n``) are stacked, centred on each other, the block centred on y = 0.
    """
    lines = text.split("\n")
    if len(lines) > 1:
        parts = [line_mesh(t) for t in lines]
        for k, part in enumerate(parts):
            part.vertices[:, 1] += LINE_SPACING * (0.5 * (len(lines) - 1) - k)
        return trimesh.util.concatenate(parts)
    return line_mesh(text)


def _raw_line(text: str) -> trimesh.Trimesh:
    """CadQuery's bold text at size 10, 1 deep, tessellated (cached by text)."""
    if text not in _TEXT_CACHE:
        from prosthetics.sockets.adapters import tessellate, text_solid

        wp = text_solid(text, 10.0, 1.0)
        if len(_TEXT_CACHE) > 32:
            _TEXT_CACHE.clear()
        _TEXT_CACHE[text] = tessellate(wp, tolerance_mm=0.01)
    return _TEXT_CACHE[text]


def line_mesh(text: str) -> trimesh.Trimesh:
    """One line of text as :func:`text_mesh` describes (a new mesh).

    Scaled by the height of a capital H, so a 6 mm label has 6 mm capitals and digits.
    """
    m = _raw_line(text)
    h_lo, h_hi = _raw_line("H").bounds
    cap = h_hi[1] - h_lo[1]
    lo, hi = m.bounds
    v = m.vertices.copy()
    v[:, 0] = (v[:, 0] - 0.5 * (lo[0] + hi[0])) / cap
    v[:, 1] = (v[:, 1] - 0.5 * (h_lo[1] + h_hi[1])) / cap
    v[:, 2] = (v[:, 2] - lo[2]) / (hi[2] - lo[2])
    return trimesh.Trimesh(v, m.faces.copy(), process=False)


def emboss(mesh: trimesh.Trimesh, text: str, *, angle_deg: float, centre_z_mm: float,
           height_mm: float, depth_mm: float) -> tuple[trimesh.Trimesh, dict]:
    """``mesh`` with ``text`` embossed on its outside, wrapped around the z axis.

    Parameters
    ----------
    mesh
        Closed socket mesh, limb frame, mm.
    text
        One line.
    angle_deg, centre_z_mm
        Where the label's centre goes (direction from +X about z, height).
    height_mm, depth_mm
        Character height and relief, mm.

    Returns
    -------
    The new mesh and a record (text, place, size, width on the surface).

    Raises
    ------
    ParameterError
        When the label does not fit on the outside there (a ray finds no wall, or the line
        spans more than half way round).
    """
    t = text_mesh(text)
    q = SurfaceQuery(mesh)
    far = float(np.linalg.norm(mesh.bounds, axis=1).max()) + 50.0

    def radius_at(theta: np.ndarray, z: np.ndarray) -> np.ndarray:
        d = np.column_stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)])
        o = far * d
        o[:, 2] = z
        return far - q.cast(o, -d)

    a0 = np.radians(angle_deg)
    r0 = float(radius_at(np.array([a0]), np.array([centre_z_mm]))[0])
    if not np.isfinite(r0):
        raise ParameterError(f"the label at {angle_deg:g} deg, {centre_z_mm:g} mm finds no wall;"
                             f" set label_z_mm below the trim line")
    u = t.vertices[:, 0] * height_mm
    width = float(u.max() - u.min())
    if width > np.pi * r0:
        raise ParameterError(f"the label is {width:.0f} mm long, over half way round the socket "
                             f"there; shorten label_case_id or lower label_height_mm")
    theta = a0 + u / r0
    z = centre_z_mm + t.vertices[:, 1] * height_mm
    r = radius_at(theta, z)
    if not np.all(np.isfinite(r)):
        raise ParameterError(f"part of the label at {centre_z_mm:g} mm falls off the socket; "
                             f"move it (label_z_mm, label_angle_deg)")
    out_mm = t.vertices[:, 2] * (EMBED_MM + depth_mm) - EMBED_MM   # off the wall, mm
    r = r + out_mm
    v = np.column_stack([r * np.cos(theta), r * np.sin(theta),
                         z + UNDERSIDE_RISE_PER_MM * out_mm])
    letters = trimesh.Trimesh(v, t.faces, process=False)
    body = to_manifold(mesh) + to_manifold(letters)
    # The union can leave zero-volume slivers where a letter's face grazes the wall.
    pieces = [pc for pc in body.decompose() if pc.volume() > 1.0]
    if len(pieces) != 1:
        raise ParameterError(f"the label at {angle_deg:g} deg, {centre_z_mm:.0f} mm does not sit "
                             f"on the wall (a letter stands free over a hollow); move it with "
                             f"label_z_mm or label_angle_deg")
    out = from_manifold(pieces[0])
    if not out.is_watertight:
        raise ParameterError(f"the label at {angle_deg:g} deg, {centre_z_mm:.0f} mm crosses a "
                             f"fold of the wall and would not print closed; move it with "
                             f"label_z_mm or label_angle_deg")
    return out, {"text": text, "angle_deg": round(float(angle_deg), 2),
                                 "centre_z_mm": round(float(centre_z_mm), 2),
                                 "height_mm": height_mm, "relief_mm": depth_mm,
                                 "length_mm": round(width, 1), "kind": "embossed",
                                 "underside_slope_deg": round(float(np.degrees(
                                     np.arctan(1.0 / UNDERSIDE_RISE_PER_MM))), 1)}


def apply_label(mesh: trimesh.Trimesh, p: LabelParams, side: str,
                default_z_mm: float) -> tuple[trimesh.Trimesh, dict | None]:
    """Emboss the label ``p`` asks for (none when ``p.label`` is off); lateral by default.

    ``side`` is "right" or "left": in the limb frame the lateral side of a right limb is +X.
    """
    if not p.label:
        return mesh, None
    text, angle, z = _placement(p, side, default_z_mm)
    return emboss(mesh, text, angle_deg=angle, centre_z_mm=z, height_mm=p.label_height_mm,
                  depth_mm=p.label_depth_mm)


def _placement(p: LabelParams, side: str, default_z_mm: float) -> tuple[str, float, float]:
    """The label's text, direction (deg) and centre height (mm) as :func:`apply_label` sets."""
    text = label_text(p.label_case_id or "CASE", side, p.label_date)
    angle = p.label_angle_deg if p.label_angle_deg is not None else (
        0.0 if side.lower().startswith("r") else 180.0)
    z = p.label_z_mm if p.label_z_mm is not None else default_z_mm
    return text, float(angle), float(z)


def label_footprint(p: LabelParams, side: str, default_z_mm: float) -> dict | None:
    """Where :func:`apply_label` will put the label, before it is embossed (None when off).

    Returns ``angle_deg``, ``centre_z_mm`` and the text block's ``width_mm`` (along the
    surface) and ``height_mm``, for parts that must keep clear of it (ventilation holes).
    """
    if not p.label:
        return None
    text, angle, z = _placement(p, side, default_z_mm)
    ext = text_mesh(text).extents
    # The box is the text on the wall; the letters' outer faces stand up to
    # UNDERSIDE_RISE_PER_MM x label_depth_mm (at most 3.6 mm) higher, less than any clearance
    # kept round the box (a hole's radius plus its web: 5 mm or more).
    return {"angle_deg": angle, "centre_z_mm": z, "width_mm": float(ext[0]) * p.label_height_mm,
            "height_mm": float(ext[1]) * p.label_height_mm}
