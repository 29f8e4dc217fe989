"""The human report: pictures of the socket on the limb and one self-contained HTML page.

Everything here draws with matplotlib's Agg canvas (``Figure`` + ``FigureCanvasAgg``), so it
never touches pyplot's global state and needs neither Qt nor VTK.  The 3D pictures are drawn
as a 2D orthographic projection with a :class:`~matplotlib.collections.PolyCollection`, the
faces sorted far to near (painter's algorithm) and shaded by a directional light.

All lengths are millimetres in the limb frame: +Z proximal along the long axis with the
distal end at z = 0, +Y anterior, +X completing a right-handed frame.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from prosthetics.errors import OutputError

__all__ = ["render_pictures", "circumference_chart", "write_report_html", "write_html_text"]

#: Colours (RGB, 0-1) of the limb and of the socket.
SKIN_RGB = np.array([0.91, 0.72, 0.60])
SOCKET_RGB = np.array([0.60, 0.69, 0.80])
_SKIN_EDGE = "#a0613f"
_SOCKET_EDGE = "#2f4f73"

#: Most triangles per mesh that the 3D pictures draw; bigger meshes are decimated first.
MAX_DRAW_FACES = 12_000

_DPI = 110
_MISSING = "—"

# Views: title, direction from the object toward the viewer, screen-horizontal world axis
# (0 = x, 1 = y) and whether that axis grows to the left on screen.
_VIEWS = (
    ("Anterior (from +Y)", np.array([0.0, 1.0, 0.0]), 0, True),
    ("Lateral (from +X)", np.array([1.0, 0.0, 0.0]), 1, False),
    ("Posterior (from −Y)", np.array([0.0, -1.0, 0.0]), 0, False),
)


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


def _png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` on an Agg canvas and return the PNG file bytes."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, facecolor="white")
    return buf.getvalue()


def _is_empty(mesh: trimesh.Trimesh | None) -> bool:
    return mesh is None or len(mesh.faces) == 0 or len(mesh.vertices) == 0


def _decimate(mesh: trimesh.Trimesh, max_faces: int | None = None) -> trimesh.Trimesh:
    """Return ``mesh`` with at most about ``max_faces`` triangles, for drawing only.

    Tries trimesh's quadric decimation (needs ``fast_simplification``), then Open3D's, and
    last keeps an evenly strided subset of the faces (holes, but legible at picture scale).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh in mm.
    max_faces : int, optional
        Triangle budget; :data:`MAX_DRAW_FACES` when not given.

    Returns
    -------
    trimesh.Trimesh
        The same mesh object when it is already small enough, else a new, smaller mesh.
    """
    max_faces = MAX_DRAW_FACES if max_faces is None else int(max_faces)
    n = len(mesh.faces)
    if n <= max_faces:
        return mesh
    try:
        out = mesh.simplify_quadric_decimation(face_count=max_faces)
        if len(out.faces) > 0:
            return out
    except Exception:  # fast_simplification missing, or it failed on this mesh
        pass
    try:
        import open3d as o3d  # imported late: it is slow to import and only needed here

        om = o3d.geometry.TriangleMesh(
            o3d.utility.Vector3dVector(np.asarray(mesh.vertices, dtype=np.float64)),
            o3d.utility.Vector3iVector(np.asarray(mesh.faces, dtype=np.int32)),
        )
        om = om.simplify_quadric_decimation(target_number_of_triangles=int(max_faces))
        faces = np.asarray(om.triangles)
        if len(faces) > 0:
            return trimesh.Trimesh(np.asarray(om.vertices), faces, process=False)
    except Exception:
        pass
    step = int(math.ceil(n / max_faces))
    return trimesh.Trimesh(mesh.vertices, mesh.faces[::step], process=False)


def _closed_and_outward(mesh: trimesh.Trimesh) -> bool:
    """True when back faces may be culled: watertight, consistent winding, positive volume."""
    try:
        return bool(mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0)
    except Exception:
        return False


def _project(
    parts: Iterable[tuple[trimesh.Trimesh, np.ndarray, bool]],
    toward_viewer: np.ndarray,
    horizontal_axis: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Project shaded triangles of several meshes to one orthographic view.

    Parameters
    ----------
    parts : iterable of (mesh, rgb, cull)
        Meshes in mm, their base colour, and whether back faces are dropped.
    toward_viewer : (3,) float
        Unit vector from the object toward the viewer.
    horizontal_axis : int
        World axis (0 = x, 1 = y) drawn horizontally; z is drawn vertically.

    Returns
    -------
    polys : (m, 3, 2) float, mm
        Triangles in (world horizontal axis, z), sorted far to near.
    colors : (m, 3) float
        Shaded RGB per triangle, same order.
    """
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(-toward_viewer, up)
    # Light from the viewer's side, above and a little to the left.
    light = 0.8 * toward_viewer + 0.5 * up - 0.35 * right
    light /= np.linalg.norm(light)
    all_polys, all_depth, all_colors = [], [], []
    for mesh, rgb, cull in parts:
        tri = np.asarray(mesh.triangles)
        normals = np.asarray(mesh.face_normals)
        facing = normals @ toward_viewer
        keep = facing > -1e-9 if cull else np.ones(len(tri), dtype=bool)
        tri, normals = tri[keep], normals[keep]
        lam = normals @ light
        if not cull:  # orientation not trusted: light both sides
            lam = np.abs(lam)
        shade = 0.38 + 0.62 * np.clip(lam, 0.0, 1.0)
        all_colors.append(np.clip(shade[:, None] * rgb[None, :], 0.0, 1.0))
        all_polys.append(tri[:, :, [horizontal_axis, 2]])
        all_depth.append(tri.mean(axis=1) @ toward_viewer)
    if not all_polys:
        return np.zeros((0, 3, 2)), np.zeros((0, 3))
    polys = np.concatenate(all_polys)
    depth = np.concatenate(all_depth)
    colors = np.concatenate(all_colors)
    order = np.argsort(depth, kind="stable")  # smallest depth = farthest from the viewer
    return polys[order], colors[order]


def _frame_view(ax, lo, hi, hax: int, flip: bool, half_width: float, pad: float, title: str) -> None:
    """Limits, equal scale, title and label of one orthographic view (mm)."""
    c = 0.5 * (lo[hax] + hi[hax])
    ax.set_xlim((c + half_width, c - half_width) if flip else (c - half_width, c + half_width))
    ax.set_ylim(lo[2] - pad, hi[2] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(title, fontsize=15)
    ax.set_xlabel(f"{'xy'[hax]} (mm)", fontsize=13)


def _socket_on_limb_png(limb: trimesh.Trimesh | None, socket: trimesh.Trimesh | None) -> bytes:
    parts = []
    if not _is_empty(limb):
        parts.append((_decimate(limb), SKIN_RGB, _closed_and_outward(limb)))
    if not _is_empty(socket):
        parts.append((_decimate(socket), SOCKET_RGB, _closed_and_outward(socket)))
    bounds = [m.bounds for m, _, _ in parts]
    lo = np.min([b[0] for b in bounds], axis=0) if bounds else np.zeros(3)
    hi = np.max([b[1] for b in bounds], axis=0) if bounds else np.ones(3)
    span_xy = max(hi[0] - lo[0], hi[1] - lo[1], 1.0)
    span_z = max(hi[2] - lo[2], 1.0)
    pad = 0.04 * max(span_xy, span_z)
    panel_h = 6.2  # inches; the axes take about 80 % of it
    aspect = (span_xy + 2 * pad) / (span_z + 2 * pad)
    panel_w = float(np.clip(0.8 * panel_h * aspect, 1.6, 6.0)) + 0.75
    fig = Figure(figsize=(3 * panel_w + 0.4, panel_h))
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (title, toward, hax, flip) in zip(axes, _VIEWS):
        polys, colors = _project(parts, toward, hax)
        if len(polys):
            # Edges in the face colour hide the hairline seams between antialiased faces.
            pc = PolyCollection(polys, facecolors=colors, edgecolors=colors, linewidths=0.25)
            ax.add_collection(pc)
        _frame_view(ax, lo, hi, hax, flip, 0.5 * span_xy + pad, pad, title)
        ax.tick_params(labelsize=12)
        for s in ax.spines.values():
            s.set_color("#bbbbbb")
    axes[0].set_ylabel("z (mm), from distal end", fontsize=13)
    handles = [
        PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor="none", label="socket"),
        PathPatch(MplPath([(0, 0)]), facecolor=SKIN_RGB, edgecolor="none", label="limb"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=13, frameon=False)
    fig.subplots_adjust(left=0.085, right=0.985, bottom=0.11, top=0.88, wspace=0.14)
    return _png_bytes(fig)


def _plane_frame(axis: int, offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Plane normal and a (4, 4) transform mapping the plane onto world XY.

    ``axis`` 0 gives the sagittal plane x = offset drawn as (y, z); ``axis`` 1 the coronal
    plane y = offset drawn as (x, z).  Both transforms are proper rotations plus a shift.
    """
    if axis == 0:
        to_2d = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, -offset], [0, 0, 0, 1]], float)
        normal = np.array([1.0, 0.0, 0.0])
    else:
        to_2d = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, offset], [0, 0, 0, 1]], float)
        normal = np.array([0.0, 1.0, 0.0])
    return normal, to_2d


def _section(mesh: trimesh.Trimesh | None, axis: int, offset: float):
    """Cut ``mesh`` with a plane; return (segments (n, 2, 2) mm, polygons) in plane coords.

    ``polygons`` is a list of shapely polygons (with holes) when the cut closes into loops,
    else an empty list.  Both are empty when the plane misses the mesh.
    """
    empty = (np.zeros((0, 2, 2)), [])
    if _is_empty(mesh):
        return empty
    normal, to_2d = _plane_frame(axis, offset)
    origin = np.zeros(3)
    origin[axis] = offset
    try:
        segs = trimesh.intersections.mesh_plane(mesh, normal, origin)
    except Exception:
        return empty
    if len(segs) == 0:
        return empty
    segs2 = trimesh.transform_points(segs.reshape(-1, 3), to_2d)[:, :2].reshape(-1, 2, 2)
    polygons: list = []
    try:
        path = mesh.section(plane_origin=origin, plane_normal=normal)
        if path is not None:
            planar, _ = path.to_2D(to_2D=to_2d, check=False)
            polygons = list(planar.polygons_full)
    except Exception:
        polygons = []
    return segs2, polygons


def _polygon_path(polygons) -> MplPath | None:
    """One compound matplotlib path for shapely polygons, holes wound opposite to shells."""
    from shapely.geometry.polygon import orient

    verts, codes = [], []
    for poly in polygons:
        if poly is None or poly.is_empty:
            continue
        poly = orient(poly, sign=1.0)
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _plane_offset(meshes: list, axis: int) -> float:
    """0 (the limb axis) when the plane there cuts the meshes, else the middle of their bounds."""
    meshes = [m for m in meshes if not _is_empty(m)]
    if not meshes:
        return 0.0
    lo = min(m.bounds[0][axis] for m in meshes)
    hi = max(m.bounds[1][axis] for m in meshes)
    return 0.0 if lo < 0.0 < hi else 0.5 * (lo + hi)


def _sections_png(limb: trimesh.Trimesh | None, socket: trimesh.Trimesh | None) -> bytes:
    fig = Figure(figsize=(10.5, 6.8))
    axes = fig.subplots(1, 2)
    specs = ((0, "Sagittal section", "y (mm), anterior →"), (1, "Coronal section", "x (mm)"))
    cuts = []
    for axis, _, _ in specs:
        offset = _plane_offset([limb, socket], axis)
        cuts.append((offset, _section(socket, axis, offset), _section(limb, axis, offset)))
    # One scale and one z range for both panels, so they can be compared by eye.
    pts = [np.concatenate([s[0].reshape(-1, 2), lb[0].reshape(-1, 2)]) for _, s, lb in cuts]
    allp = np.concatenate(pts)
    if len(allp):
        zlo, zhi = allp[:, 1].min(), allp[:, 1].max()
        half = max((p[:, 0].max() - p[:, 0].min()) / 2 for p in pts if len(p))
    else:
        zlo, zhi, half = 0.0, 1.0, 1.0
    pad = 0.05 * max(zhi - zlo, 2 * half)
    # Size the figure to the data so the equal-aspect panels do not float in white space.
    height = 6.8
    aspect = (2 * half + 2 * pad) / (zhi - zlo + 2 * pad)
    panel_w = float(np.clip(0.8 * height * aspect, 1.8, 6.0)) + 0.9
    fig.set_size_inches(max(2 * panel_w + 0.3, 6.5), height)
    for ax, (axis, title, xlabel), (offset, (s_segs, s_polys), (l_segs, l_polys)), p in zip(
        axes, specs, cuts, pts
    ):
        path = _polygon_path(s_polys)
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=SOCKET_RGB, edgecolor=_SOCKET_EDGE,
                                   hatch="////", linewidth=0, alpha=0.9, zorder=1))
        path = _polygon_path(l_polys)
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=SKIN_RGB, edgecolor="none", alpha=0.35,
                                   zorder=0))
        if len(s_segs):
            ax.add_collection(LineCollection(s_segs, colors=_SOCKET_EDGE, linewidths=1.2,
                                             zorder=3))
        if len(l_segs):
            ax.add_collection(LineCollection(l_segs, colors=_SKIN_EDGE, linewidths=1.4,
                                             zorder=4))
        if len(p):
            c = 0.5 * (p[:, 0].min() + p[:, 0].max())
            ax.set_xlim(c - half - pad, c + half + pad)
        else:
            ax.set_xlim(-half - pad, half + pad)
            ax.text(0.5, 0.5, "plane misses the meshes", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
        ax.set_ylim(zlo - pad, zhi + pad)
        ax.set_aspect("equal", adjustable="box")
        plane = "x" if axis == 0 else "y"
        ax.set_title(f"{title} ({plane} = {offset:.0f} mm)", fontsize=13)
        ax.set_xlabel(xlabel, fontsize=11)
        ax.set_ylabel("z (mm), from distal end", fontsize=11)
        ax.grid(True, color="#e6e6e6", linewidth=0.6, zorder=-1)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=10)
    handles = [
        PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor=_SOCKET_EDGE, hatch="////",
                  label="socket wall"),
        PathPatch(MplPath([(0, 0)]), facecolor=(*SKIN_RGB, 0.35), edgecolor=_SKIN_EDGE,
                  label="limb"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=11, frameon=False)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.9, wspace=0.3)
    return _png_bytes(fig)


SUPPORT_RGB = np.array([0.93, 0.55, 0.18])


def print_bed_png(part: trimesh.Trimesh, printer, placement: np.ndarray | None = None,
                  max_overhang_deg: float = 45.0) -> bytes:
    """The part as it prints, from the front and the side, on the printer's bed.

    ``part`` is in its print orientation (+Z up); ``placement`` (4, 4) sets it on the bed
    (default: moved to the bed's middle, not turned).  Faces overhanging more than ``max_overhang_deg`` from vertical (and not on the
    bed) are drawn orange: the slicer puts support under them.  The bed's width and the
    printer's build height are drawn as lines.
    """
    from prosthetics.printing.profiles import bed_placement

    mesh = _decimate(part).copy()
    mesh.apply_transform(bed_placement(part, printer) if placement is None else placement)
    down = -mesh.face_normals[:, 2]
    over = (down > np.sin(np.radians(max_overhang_deg))) & \
        (mesh.triangles_center[:, 2] > 0.3)
    parts = []
    for mask, rgb in ((~over, SOCKET_RGB), (over, SUPPORT_RGB)):
        if mask.any():
            parts.append((mesh.submesh([np.flatnonzero(mask)], append=True), rgb, True))
    height = max(float(mesh.bounds[1, 2]), printer.max_height_mm)
    fig = Figure(figsize=(9.0, 5.2))
    axes = fig.subplots(1, 2, sharey=True)
    views = (("Front (from −Y)", np.array([0.0, -1.0, 0.0]), 0, printer.bed_x_mm),
             ("Side (from +X)", np.array([1.0, 0.0, 0.0]), 1, printer.bed_y_mm))
    for ax, (title, toward, hax, width) in zip(axes, views):
        polys, colors = _project(parts, toward, hax)
        if len(polys):
            ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors=colors,
                                             linewidths=0.25))
        ax.plot([0, width], [0, 0], color="#444444", lw=3)
        ax.plot([0, width], [printer.max_height_mm] * 2, color="#aa3333", lw=1, ls="--")
        ax.set_xlim(-0.03 * width, 1.03 * width)
        ax.set_ylim(-0.04 * height, 1.08 * height)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(title, fontsize=13)
        ax.set_xlabel(f"bed {'xy'[hax]} (mm)", fontsize=11)
        for sp in ax.spines.values():
            sp.set_color("#bbbbbb")
    axes[0].set_ylabel("height on the printer (mm)", fontsize=11)
    handles = [PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor="none",
                         label="part"),
               PathPatch(MplPath([(0, 0)]), facecolor=SUPPORT_RGB, edgecolor="none",
                         label=f"overhang > {max_overhang_deg:g}° (supported)"),
               PathPatch(MplPath([(0, 0)]), facecolor="none", edgecolor="#aa3333", ls="--",
                         label=f"{printer.name}: {printer.max_height_mm:g} mm build height")]
    fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.985, bottom=0.11, top=0.86, wspace=0.1)
    return _png_bytes(fig)


def render_pictures(limb: trimesh.Trimesh, socket: trimesh.Trimesh) -> dict[str, bytes]:
    """Draw the pictures of the report.

    Parameters
    ----------
    limb : trimesh.Trimesh
        The limb in the design frame, mm (+Z proximal, distal end at z = 0, +Y anterior).
    socket : trimesh.Trimesh
        The socket in the same frame, mm.  Either mesh may be empty; it is then left out.

    Returns
    -------
    dict[str, bytes]
        PNG file bytes: ``"socket_on_limb"`` (shaded socket over the limb, anterior, lateral
        and posterior views side by side) and ``"sections"`` (sagittal and coronal cuts with
        the socket wall hatched).
    """
    return {
        "socket_on_limb": _socket_on_limb_png(limb, socket),
        "sections": _sections_png(limb, socket),
    }


def _series(items: Any) -> tuple[np.ndarray, np.ndarray]:
    """(z mm, circumference mm) arrays from a list of ``{"z_mm", "mm"}``, sorted by z."""
    zs, cs = [], []
    for it in items or []:
        try:
            z, c = float(it["z_mm"]), float(it["mm"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(z) and math.isfinite(c):
            zs.append(z)
            cs.append(c)
    order = np.argsort(zs)
    return np.asarray(zs)[order], np.asarray(cs)[order]


def circumference_chart(measurements: dict, socket_inner: list | None = None) -> bytes:
    """Chart of the circumference against the height above the distal end.

    Parameters
    ----------
    measurements : dict
        ``"circumferences"``: list of ``{"z_mm": float, "mm": float}`` of the limb, and
        optionally ``"trim_z_mm"`` (float, mm), drawn as a horizontal line.
    socket_inner : list of dict, optional
        The socket's inner circumferences in the same format.

    Returns
    -------
    bytes
        PNG file bytes; z (mm) is on the vertical axis, as the limb stands.
    """
    measurements = measurements or {}
    fig = Figure(figsize=(3.8, 4.4))
    ax = fig.subplots()
    z, c = _series(measurements.get("circumferences"))
    drawn = False
    if len(z):
        ax.plot(c, z, "-o", color=_SKIN_EDGE, markersize=3.5, linewidth=1.6, label="limb")
        drawn = True
    zi, ci = _series(socket_inner)
    if len(zi):
        ax.plot(ci, zi, "-s", color=_SOCKET_EDGE, markersize=3.2, linewidth=1.6,
                label="socket, inner")
        drawn = True
    trim = measurements.get("trim_z_mm")
    if isinstance(trim, (int, float)) and not isinstance(trim, bool) and math.isfinite(trim):
        ax.axhline(trim, color="#c0392b", linestyle="--", linewidth=1.2,
                   label=f"trim line, z = {trim:.0f} mm")
        drawn = True
    if not (len(z) or len(zi)):
        ax.text(0.5, 0.5, "no circumferences measured", ha="center", va="center",
                transform=ax.transAxes, color="#888888")
    if drawn:
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("circumference (mm)", fontsize=9.5)
    ax.set_ylabel("z (mm), height above distal end", fontsize=9.5)
    ax.set_title("Circumference by height", fontsize=10.5)
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.tick_params(labelsize=8.5)
    fig.subplots_adjust(left=0.19, right=0.96, bottom=0.12, top=0.93)
    return _png_bytes(fig)


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2733;
       font-size: 10.5pt; line-height: 1.35; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2pt 0; }
h2 { font-size: 12.5pt; margin: 16pt 0 5pt 0; padding-bottom: 2pt;
     border-bottom: 1.5px solid #5a7ca3; color: #2f4f73; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 9pt 0 3pt 0; color: #2f4f73; break-after: avoid; }
.sub { color: #5b6675; margin: 0 0 8pt 0; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0 6pt 0; break-inside: avoid; }
th, td { border: 1px solid #cfd6de; padding: 2.5pt 6pt; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
table.kv th { width: 34%; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9pt; }
figure { margin: 6pt 0 10pt 0; break-inside: avoid; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #e1e5ea; }
figcaption { color: #5b6675; font-size: 9pt; margin-top: 2pt; }
.ok { color: #1e7b34; font-weight: 600; }
.bad { color: #b3261e; font-weight: 600; }
.muted { color: #7a8491; }
.warnings { border: 2px solid #d99a00; background: #fff7e0; padding: 6pt 10pt; margin: 4pt 0 8pt 0;
            break-inside: avoid; }
.warnings.none { border-color: #9cc5a1; background: #f1f8f2; }
.warnings ul { margin: 2pt 0; padding-left: 16pt; }
.levels { display: flex; gap: 8pt; align-items: flex-start; }
.levels-table { flex: 1 1 auto; min-width: 0; }
.levels-table table { font-size: 9pt; }
.levels-table th { font-size: 8.5pt; }
.levels-chart { flex: 0 0 76mm; }
.levels-chart figure { margin-top: 20pt; }
footer { margin-top: 16pt; color: #7a8491; font-size: 8.5pt; border-top: 1px solid #cfd6de;
         padding-top: 4pt; }
"""

_PICTURE_CAPTIONS = {
    "socket_on_limb": "Socket (blue-grey) on the limb (skin colour): anterior, lateral and "
                      "posterior views, orthographic, mm.",
    "sections": "Sagittal and coronal sections through the limb axis; socket wall hatched.",
    "on_the_bed": "The part as it prints, on the printer's bed (front and side views, mm): "
                  "overhangs the slicer supports in orange; the dashed line is the printer's "
                  "build height.",
    "circumferences": "Circumference of the limb (and of the socket's inner surface) by height "
                      "above the distal end.",
}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    """Escaped text of a value: numbers with ``digits`` decimals and ``unit``; "—" if missing."""
    if value is None or value == "" or (isinstance(value, (list, dict)) and not value):
        return _MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    f = _num(value)
    if f is not None:
        if isinstance(value, (int, np.integer)):
            text = f"{int(value):,}".replace(",", "\u2009")  # thin space groups thousands
        else:
            text = f"{f:.{digits}f}"
        return _esc(f"{text} {unit}".strip())
    if isinstance(value, (list, tuple)):
        return _esc(" × ".join(_plain(v) for v in value) + (f" {unit}" if unit else ""))
    return _esc(f"{value} {unit}".strip())


def _plain(value: Any) -> str:
    """Unescaped short text of a parameter value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    f = _num(value)
    if f is not None and not isinstance(value, (int, np.integer)):
        return f"{f:.4g}" if abs(f) < 1e5 else f"{f:.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    if value is None:
        return _MISSING
    return str(value)


def _status(ok: Any, good: str = "OK", bad: str = "FAIL") -> str:
    if ok is True:
        return f'<span class="ok">{_esc(good)}</span>'
    if ok is False:
        return f'<span class="bad">{_esc(bad)}</span>'
    return _MISSING


def _d(obj: Any, key: str) -> Any:
    """``obj[key]`` when ``obj`` is a dict, else None."""
    return obj.get(key) if isinstance(obj, dict) else None


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{_esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _guess_unit(name: str) -> str:
    for suffix, unit in (("_mm", "mm"), ("_percent", "%"), ("_pct", "%"), ("_deg", "°"),
                         ("_ml", "ml"), ("_g", "g"), ("_s", "s")):
        if name.endswith(suffix):
            return unit
    return ""


def _image_mime(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or data.lstrip()[:4] == b"<svg":
        return "image/svg+xml"
    return "application/octet-stream"


def _figure_html(key: str, data: bytes, caption: str | None = None) -> str:
    """A <figure> with ``data`` embedded as a base64 data URI and its caption."""
    b64 = base64.b64encode(bytes(data)).decode("ascii")
    if caption is None:
        caption = _PICTURE_CAPTIONS.get(key, key.replace("_", " "))
    return (f'<figure><img alt="{_esc(key)}" src="data:{_image_mime(bytes(data))};base64,{b64}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def _pictures_html(pictures: dict[str, bytes], skip: tuple[str, ...] = ()) -> str:
    order = [k for k in ("socket_on_limb", "sections") if k in pictures]
    order += [k for k in pictures if k not in order]
    parts = [_figure_html(str(k), pictures[k]) for k in order
             if k not in skip and isinstance(pictures[k], (bytes, bytearray)) and pictures[k]]
    return "".join(parts) or '<p class="muted">No pictures.</p>'


def _levels_rows(meas: dict, socket: dict) -> tuple[list[list[str]], bool]:
    """One row per level: z, circumference, AP, ML, socket inner circumference (mm)."""
    levels: dict[float, dict[str, Any]] = {}

    def put(items: Any, fields: dict[str, str]) -> None:
        for it in items if isinstance(items, list) else []:
            z = _num(_d(it, "z_mm"))
            if z is None:
                continue
            row = levels.setdefault(round(z, 3), {})
            for src, dst in fields.items():
                row[dst] = _d(it, src)

    put(_d(meas, "circumferences"), {"mm": "c"})
    put(_d(meas, "widths"), {"ap_mm": "ap", "ml_mm": "ml"})
    put(_d(socket, "inner_circumferences"), {"mm": "si"})
    has_si = any("si" in r for r in levels.values())
    rows = []
    for z in sorted(levels):
        r = levels[z]
        row = [_fmt(z, 1), _fmt(r.get("c"), 1), _fmt(r.get("ap"), 1), _fmt(r.get("ml"), 1)]
        if has_si:
            row.append(_fmt(r.get("si"), 1))
        rows.append(row)
    return rows, has_si


def _title_name(report: dict) -> str:
    for key in ("case", "case_name", "name"):
        if isinstance(report.get(key), str) and report[key]:
            return report[key]
    path = _d(report.get("input"), "path")
    if isinstance(path, str) and path:
        return Path(path).stem
    return "unnamed scan"


def _section_input(report: dict) -> str:
    inp = report.get("input") if isinstance(report.get("input"), dict) else {}
    sha = inp.get("sha256")
    sha_txt = (f'<span class="mono" title="{_esc(sha)}">{_esc(sha[:12])}…</span>'
               if isinstance(sha, str) and sha else _MISSING)
    units = inp.get("units")
    src = inp.get("units_source")
    units_txt = _fmt(units)
    if src:
        units_txt += f' <span class="muted">(decided by {_esc(src)})</span>'
    kind = inp.get("is_mesh")
    rows = [
        ("File", f'<span class="mono">{_fmt(inp.get("path"))}</span>'),
        ("SHA-256", sha_txt),
        ("Units", units_txt),
        ("Points", _fmt(inp.get("point_count"), 0)),
        ("Type", _MISSING if kind is None else ("mesh" if kind else "point cloud")),
    ]
    out = "<h3>Scan file</h3>" + _kv_table(rows)
    cleaning = report.get("cleaning")
    if isinstance(cleaning, dict) and cleaning:
        steps = [s for s in cleaning.get("steps") or [] if isinstance(s, dict)]
        if steps:
            out += "<h3>Cleaning</h3>" + _table(
                ["step", "removed", "kept", "detail"],
                [[_fmt(s.get("step")), _fmt(s.get("removed"), 0), _fmt(s.get("kept"), 0),
                  _fmt(s.get("detail"))] for s in steps],
                numeric={1, 2},
            )
        out += _kv_table([("Surface reconstructed", _fmt(cleaning.get("reconstructed"))),
                          ("Triangles after cleaning", _fmt(cleaning.get("triangles"), 0))])
    align = report.get("alignment")
    if isinstance(align, dict) and align:
        rot = _fmt(align.get("anterior_rotation_deg"), 1, "°")
        if align.get("anterior_source"):
            rot += f' <span class="muted">({_esc(align["anterior_source"])})</span>'
        axis = align.get("axis")
        out += "<h3>Alignment</h3>" + _kv_table([
            ("Anterior rotation", rot),
            ("Long axis (scan frame)",
             _esc(", ".join(f"{_num(a):.3f}" if _num(a) is not None else _MISSING
                            for a in axis)) if isinstance(axis, list) and axis else _MISSING),
        ])
    return out


def _section_measurements(report: dict, chart: bytes | None = None) -> str:
    meas = report.get("measurements") if isinstance(report.get("measurements"), dict) else {}
    sock = report.get("socket") if isinstance(report.get("socket"), dict) else {}
    vol = _fmt(meas.get("volume_ml"), 1, "ml")
    if _num(meas.get("volume_top_z_mm")) is not None:
        vol += f' <span class="muted">(up to z = {_fmt(meas["volume_top_z_mm"], 0, "mm")})</span>'
    rows = [("Length", _fmt(meas.get("length_mm"), 1, "mm")), ("Volume", vol)]
    if sock:
        trim = _fmt(sock.get("trim_anterior_z_mm"), 1, "mm")
        if _num(sock.get("trim_lowest_z_mm")) is not None:
            trim += f' anterior, {_fmt(sock["trim_lowest_z_mm"], 1, "mm")} posterior'
        rows += [("Trim height", trim),
                 ("Limb volume below the posterior trim",
                  _fmt(sock.get("limb_volume_below_trim_ml"), 1, "ml")),
                 ("Socket inner volume below it",
                  _fmt(sock.get("inner_volume_below_trim_ml"), 1, "ml"))]
        fen = sock.get("fenestrations")
        if isinstance(fen, dict):
            rows.append(("Ventilation holes",
                         f"{_fmt(fen.get('placed'), 0)} of {_fmt(fen.get('asked'), 0)} asked, "
                         f"{_fmt(fen.get('diameter_mm'), 1, 'mm')}; open "
                         f"{_fmt(fen.get('open_area_cm2'), 1, 'cm²')} "
                         f"({_fmt(fen.get('open_fraction_percent'), 1, '%')} of the outer wall)"))
    out = _kv_table(rows)
    level_rows, has_si = _levels_rows(meas, sock)
    if level_rows:
        headers = ["z", "circumference", "AP width", "ML width"]
        if has_si:
            headers.append("socket inner circ.")
        table = ("<h3>By level: height z above the distal end; all in mm</h3>"
                 + _table(headers, level_rows, numeric=set(range(len(headers)))))
    else:
        table = '<p class="muted">No circumferences or widths measured.</p>'
    if chart:
        out += (f'<div class="levels"><div class="levels-table">{table}</div>'
                f'<div class="levels-chart">{_figure_html("circumferences", chart)}</div></div>')
    else:
        out += table
    return out


def _section_template(report: dict) -> str:
    tpl = report.get("template") if isinstance(report.get("template"), dict) else {}
    out = _kv_table([("Template", _fmt(tpl.get("name"))), ("Preset", _fmt(tpl.get("preset")))])
    params = tpl.get("parameters") if isinstance(tpl.get("parameters"), dict) else {}
    units = tpl.get("units") if isinstance(tpl.get("units"), dict) else {}
    if params:
        rows = []
        for name, value in params.items():
            unit = units.get(name)
            unit = _guess_unit(str(name)) if unit is None else unit
            rows.append([f'<span class="mono">{_esc(name)}</span>',
                         _esc(_plain(value)), _esc(unit) if unit else ""])
        out += _table(["parameter", "value", "unit"], rows, numeric={1})
    else:
        out += '<p class="muted">No parameters recorded.</p>'
    return out


def orientation_row(report: dict) -> tuple[str, str] | None:
    """("Print orientation", text) from the report's ``print_orientation`` (socket or
    insole), or None when the report has none."""
    part = report.get("socket") or report.get("insole") or {}
    po = part.get("print_orientation") if isinstance(part, dict) else None
    if not isinstance(po, dict):
        return None
    txt = (f"<b>{_esc(po.get('description'))}</b> — {_esc(po.get('reason'))}; build height "
           f"{_fmt(po.get('height_mm'), 0, 'mm')}, {_fmt(po.get('bed_contact_cm2'), 0, 'cm²')} "
           f"on the bed, support about {_fmt(po.get('support_ml'), 0, 'ml')} "
           f"(solid columns under overhangs over 45°; the slicer prints them sparse)")
    alts = [a for a in po.get("alternatives") or [] if isinstance(a, dict)]
    if alts:
        txt += '<br><span class="muted">Compared: ' + "; ".join(
            f"{_esc(a.get('description'))} {_fmt(a.get('support_ml'), 0, 'ml')} of support"
            + ("" if a.get("fits_printer") else " (does not fit)") for a in alts) + "</span>"
    return ("Print orientation", txt)


def _section_checks(report: dict) -> str:
    checks = report.get("checks") if isinstance(report.get("checks"), dict) else {}
    min_wall, req = checks.get("min_wall_mm"), checks.get("wall_required_mm")
    wall = f"{_fmt(min_wall, 2, 'mm')} (required ≥ {_fmt(req, 2, 'mm')})"
    if "wall_ok" in checks:
        wall += " " + _status(checks.get("wall_ok"))
    bodies = checks.get("bodies")
    rows = [
        ("Watertight", _status(checks.get("watertight"), "yes", "no")),
        ("Bodies", _fmt(bodies, 0) + ("" if bodies is None else " " + _status(bodies == 1))),
        ("Volume positive", _status(checks.get("volume_positive"), "yes", "no")),
        ("Minimum wall", wall),
    ]
    pr = checks.get("printer") if isinstance(checks.get("printer"), dict) else {}
    if pr:
        fits = _status(pr.get("fits"), "fits", "does not fit")
        detail = [f"printer {_fmt(pr.get('printer'))}", f"bed {_fmt(pr.get('bed_mm'), 0, 'mm')}",
                  f"part {_fmt(pr.get('part_mm'), 0, 'mm')}"]
        if _num(pr.get("rotation_deg")):
            detail.append(f"rotated {_fmt(pr.get('rotation_deg'), 0, '°')}")
        txt = f"{fits} — " + ", ".join(detail)
        if pr.get("reason"):
            txt += f'<br><span class="muted">{_esc(pr["reason"])}</span>'
        rows.append(("Printer", txt))
    else:
        rows.append(("Printer", _MISSING))
    if (row := orientation_row(report)) is not None:
        rows.append(row)
    sl = checks.get("slicer") if isinstance(checks.get("slicer"), dict) else {}
    if sl.get("ran"):
        txt = _status(sl.get("ok"), "sliced OK", "slicing failed")
        txt += f" — {_fmt(sl.get('slicer'))}, filament {_fmt(sl.get('filament_g'), 1, 'g')}, "
        txt += f"print time {_fmt(sl.get('print_time_text'))}"
        if sl.get("message"):
            txt += f'<br><span class="muted">{_esc(sl["message"])}</span>'
    elif sl:
        reason = sl.get("message") or sl.get("reason") or "no reason given"
        txt = f'not run <span class="muted">({_esc(reason)})</span>'
    else:
        txt = "not run"
    rows.append(("Slicer", txt))
    return _kv_table(rows)


def _section_outputs(report: dict) -> str:
    outs = [o for o in report.get("outputs") or [] if isinstance(o, dict)]
    if not outs:
        return '<p class="muted">No output files.</p>'
    rows = [[f'<span class="mono">{_fmt(o.get("path"))}</span>', _fmt(o.get("format")),
             _fmt(o.get("triangles"), 0), _fmt(o.get("volume_ml"), 1),
             _fmt(_num(o.get("bytes")) / 1e6 if _num(o.get("bytes")) is not None else None, 2)]
            for o in outs]
    return _table(["file", "format", "triangles", "volume (ml)", "size (MB)"], rows,
                  numeric={2, 3, 4})


def _section_warnings(report: dict) -> str:
    warns = report.get("warnings")
    warns = [w for w in warns if w not in (None, "")] if isinstance(warns, list) else []
    if not warns:
        return '<div class="warnings none">No warnings.</div>'
    items = "".join(f"<li>{_esc(w)}</li>" for w in warns)
    return f'<div class="warnings"><strong>Warnings ({len(warns)})</strong><ul>{items}</ul></div>'


def _section_timings(report: dict) -> str:
    tim = report.get("timings_s") if isinstance(report.get("timings_s"), dict) else {}
    if not tim:
        return f"<p class=\"muted\">{_MISSING}</p>"
    rows = [[_esc(k), _fmt(v, 2)] for k, v in tim.items()]
    total = sum(v for v in (_num(x) for x in tim.values()) if v is not None)
    rows.append(["<strong>total</strong>", f"<strong>{_fmt(total, 2)}</strong>"])
    return _table(["stage", "time (s)"], rows, numeric={1})


def _transform_html(report: dict) -> str:
    m = report.get("transform_scan_to_design")
    try:
        arr = np.asarray(m, dtype=float)
    except (TypeError, ValueError):
        return ""
    if arr.shape != (4, 4):
        return ""
    text = "\n".join(" ".join(f"{v:10.4f}" for v in row) for row in arr)
    return ("<h3>Transform, scan file → design frame (mm)</h3>"
            f'<pre class="mono">{_esc(text)}</pre>')


def _build_html(report: dict, pictures: dict[str, bytes]) -> str:
    report = report if isinstance(report, dict) else {}
    pictures = pictures if isinstance(pictures, dict) else {}
    chart = pictures.get("circumferences")
    chart = bytes(chart) if isinstance(chart, (bytes, bytearray)) and chart else None
    name = _title_name(report)
    created = report.get("created_utc")
    kind = report.get("kind")
    tool = report.get("tool") if isinstance(report.get("tool"), dict) else {}
    tool_txt = " ".join(str(t) for t in (tool.get("name"), tool.get("version")) if t)
    sub = [f"{_esc(str(kind).replace('_', ' '))}" if kind else None,
           f"created {_esc(created)}" if created else None]
    sub_html = " · ".join(s for s in sub if s) or _MISSING
    body = [
        f"<h1>{_esc(name)}</h1>",
        f'<p class="sub">{sub_html}</p>',
        "<h2>Warnings</h2>", _section_warnings(report),
        "<h2>Pictures</h2>", _pictures_html(pictures, skip=("circumferences",)),
        "<h2>Measurements</h2>", _section_measurements(report, chart),
        "<h2>Template</h2>", _section_template(report),
        "<h2>Checks</h2>", _section_checks(report),
        "<h2>Outputs</h2>", _section_outputs(report),
        "<h2>Input and processing</h2>", _section_input(report), _transform_html(report),
        "<h2>Timings</h2>", _section_timings(report),
        f"<footer>{_esc(tool_txt or 'prosthetics')} · report schema "
        f"{_fmt(report.get('schema'))}</footer>",
    ]
    title = f"{name} — {str(kind).replace('_', ' ')}" if kind else name
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def write_report_html(report: dict, pictures: dict[str, bytes], path) -> None:
    """Write the report as one self-contained HTML file.

    The pictures are embedded as base64 data URIs and the style is inline, so the file needs
    no other file, network or JavaScript, and prints on A4.  Every missing value shows as "—".

    Parameters
    ----------
    report : dict
        Report in the ``prosthetics.report/1`` shape; any key may be missing.
    pictures : dict[str, bytes]
        PNG bytes by name (``"socket_on_limb"``, ``"sections"``, ``"circumferences"``, ...).
    path : str or os.PathLike
        Destination.  Written to a temporary file in the same folder, then renamed over it,
        so a reader never sees half a file.  The folder is created if needed.

    Raises
    ------
    OutputError
        The folder or the file cannot be written.
    """
    write_html_text(_build_html(report, pictures), path, what="report")


def write_html_text(text: str, path, *, what: str = "page") -> None:
    """Write HTML text to ``path`` atomically (temporary file in the same folder, fsync,
    rename); raises :class:`OutputError` naming ``what`` when it cannot be written."""
    dest = Path(path)
    tmp_name = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp",
                                        dir=str(dest.parent))
        os.chmod(tmp_name, (dest.stat().st_mode & 0o777) if dest.exists() else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, dest)
        tmp_name = None
    except OSError as exc:
        raise OutputError(f"cannot write the {what} {dest}: {exc}; "
                          "choose a folder you can write to") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def deviation_png(mesh: trimesh.Trimesh, value_of, *, title: str,
                  limit_mm: float | None = None) -> bytes:
    """A surface coloured by a signed distance, in the three standard views, with a colour bar.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The surface to draw (mm, limb frame); large meshes are decimated first.
    value_of : callable
        Maps (n, 3) points to (n,) signed values in mm (evaluated on the drawn vertices).
    title : str
        Shown above the views.
    limit_mm : float, optional
        Colour range is [-limit, +limit]; default: the 98th percentile of |value|.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    drawn = _decimate(mesh)
    values = np.asarray(value_of(drawn.vertices), dtype=float)
    face_val = values[drawn.faces].mean(axis=1)
    lim = limit_mm or max(float(np.percentile(np.abs(values), 98)), 0.1)
    norm = Normalize(-lim, lim)
    cmap = colormaps["RdBu"]
    lo, hi = drawn.bounds
    span_xy = max(hi[0] - lo[0], hi[1] - lo[1], 1.0)
    pad = 0.04 * max(span_xy, hi[2] - lo[2])
    fig = Figure(figsize=(12.5, 6.6))
    axes = fig.subplots(1, 3, sharey=True)
    cull = _closed_and_outward(drawn)
    for ax, (view_title, toward, hax, flip) in zip(axes, _VIEWS):
        tri = np.asarray(drawn.triangles)
        normals = np.asarray(drawn.face_normals)
        keep = (normals @ toward > -1e-9) if cull else np.ones(len(tri), bool)
        light = np.abs(normals[keep] @ toward)
        base = cmap(norm(face_val[keep]))[:, :3]
        colors = np.clip(base * (0.55 + 0.45 * light)[:, None], 0, 1)
        polys = tri[keep][:, :, [hax, 2]]
        order = np.argsort(tri[keep].mean(axis=1) @ toward, kind="stable")
        ax.add_collection(PolyCollection(polys[order], facecolors=colors[order],
                                         edgecolors=colors[order], linewidths=0.25))
        _frame_view(ax, lo, hi, hax, flip, 0.5 * span_xy + pad, pad, view_title)
    axes[0].set_ylabel("z (mm), from distal end", fontsize=12)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), shrink=0.8, pad=0.02)
    bar.set_label("deviation (mm): blue outside, red inside", fontsize=12)
    fig.suptitle(title, fontsize=14)
    return _png_bytes(fig)
