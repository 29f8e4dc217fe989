"""The insole's human report: the outline over the footprint, the insole in 3D, and the page
``insole.html`` in the socket report's style (matplotlib Agg only: no Qt, no VTK)."""

from __future__ import annotations

import os

import numpy as np
import trimesh
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from prosthetics.fileio import atomic_write_text
from prosthetics.reports.context import insole_context
from prosthetics.reports.i18n import N_
from prosthetics.reports.pictures import (
    SKIN_RGB,
    SOCKET_RGB,
    ShadedTriangles,
    decimate,
    picture_text,
    png_bytes,
    project,
    speaking,
)
from prosthetics.reports.templating import render

__all__ = ["insole_pictures", "insole_report_html", "write_insole_report_html"]


def _rot(axis: int, deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R = np.eye(3)
    R[i, i], R[i, j], R[j, i], R[j, j] = c, -s, s, c
    return R


#: A foot's side in the pictures' words.
_SIDE_WORDS = {"left": N_("left"), "right": N_("right")}


def _side(value: str) -> str:
    word = _SIDE_WORDS.get(value)
    return picture_text(word) if word else value


@speaking
def outline_png(design) -> bytes:
    """Top view: the plantar height map, the footprint, the insole outline and landmarks."""
    foot, ins = design.foot, design.insole
    hm = foot.heights
    m = foot.measurements
    fig = Figure(figsize=(10.5, 5.2))
    ax = fig.subplots()
    z = np.where(hm.footprint, hm.z, np.nan)
    ext = [hm.xs[0] - hm.cell_mm / 2, hm.xs[-1] + hm.cell_mm / 2,
           hm.ys[0] - hm.cell_mm / 2, hm.ys[-1] + hm.cell_mm / 2]
    im = ax.imshow(z.T, origin="lower", extent=ext, cmap="viridis", vmin=0,
                   vmax=max(10.0, float(np.nanpercentile(z, 98))))
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01,
                 label=picture_text(N_("plantar height (mm)")))
    ax.contour(hm.xs, hm.ys, hm.footprint.T.astype(float), levels=[0.5], colors="#555555",
               linewidths=1.0)
    o = ins.outline_xy
    ax.plot(o[:, 0], o[:, 1], color="#c0392b", lw=2.0, label=picture_text(N_("insole outline")))
    fol = ins.top["follow"]
    X, Y = np.meshgrid(ins.top["xs"], ins.top["ys"], indexing="ij")
    ax.contour(X, Y, fol.astype(float), levels=[0.5], colors="white", linewidths=0.8,
               linestyles="--")
    ax.axvline(m.met_heads_x_mm, color="#e67e22", lw=1.2, ls=":",
               label=picture_text(N_("metatarsal heads")))
    hx, hy, _ = ins.top["heel_centre"]
    ax.plot([hx], [hy], "o", color="white", mec="k",
            label=picture_text(N_("heel contact point")))
    ax.set_aspect("equal")
    ax.set_xlabel(picture_text(N_("x (mm), heel to toe")))
    ax.set_ylabel("y (mm)")
    title = (N_("Scanned %(side)s foot: %(length)s long, ball %(ball)s, heel %(heel)s, "
                "arch %(arch)s; insole for the %(insole_side)s foot (mirrored)")
             if ins.mirrored else
             N_("Scanned %(side)s foot: %(length)s long, ball %(ball)s, heel %(heel)s, "
                "arch %(arch)s; insole for the %(insole_side)s foot"))
    ax.set_title(picture_text(title, side=_side(foot.side.value),
                              length=f"{m.foot_length_mm:.1f} mm",
                              ball=f"{m.ball_width_mm:.1f} mm", heel=f"{m.heel_width_mm:.1f} mm",
                              arch=f"{m.arch_height_mm:.1f} mm",
                              insole_side=_side(ins.side.value)), fontsize=11)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    fig.text(0.01, 0.01, picture_text(N_("white dashes: contact area where the top follows "
                                         "the plantar surface")),
             fontsize=8, color="#555555")
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.1, top=0.92)
    return png_bytes(fig)


@speaking
def insole_view_png(design) -> bytes:
    """The insole from above and behind, and from the medial side with the plantar points."""
    ins, foot = design.insole, design.foot
    mesh = decimate(ins.mesh, 20_000)
    fig = Figure(figsize=(10, 7.5))
    ax1, ax2 = fig.subplots(2, 1, gridspec_kw={"height_ratios": [2.2, 1]})
    # Oblique: tilt the top towards the viewer, then look from -Y; faces coloured by their
    # height in the design frame and lit from the side, so the plantar contour shows.
    R = _rot(0, 58.0) @ _rot(2, -28.0)
    m2 = trimesh.Trimesh(mesh.vertices @ R.T, mesh.faces, process=False)
    toward = np.array([0.0, -1.0, 0.0])
    keep = m2.face_normals @ toward > 0
    tri = m2.triangles[keep]
    zc = mesh.triangles_center[keep, 2]
    light = np.array([-0.6, -0.5, 0.6]) / np.linalg.norm([-0.6, -0.5, 0.6])
    lam = np.clip(m2.face_normals[keep] @ light, 0, 1)
    base = colormaps["viridis"](np.clip((zc + 3.0) / max(1.0, zc.max() + 3.0), 0, 1))[:, :3]
    colors = np.clip(base * (0.35 + 0.75 * lam[:, None]), 0, 1)
    order = np.argsort(tri.mean(axis=1) @ toward)
    polys = tri[order][:, :, [0, 2]]
    colors = colors[order]
    # One fill for all the triangles, as the socket's pictures (a PolyCollection made and
    # stroked a path per triangle, most of the picture's time); the limits are set below.
    ax1.add_artist(ShadedTriangles(polys, colors))
    lo, hi = m2.bounds
    ax1.set_xlim(lo[0] - 5, hi[0] + 5)
    ax1.set_ylim(lo[2] - 5, hi[2] + 5)
    ax1.set_aspect("equal")
    ax1.axis("off")
    ax1.set_title(picture_text(N_("Insole, %(side)s foot (%(volume)s), coloured by height"),
                               side=_side(ins.side.value),
                               volume=f"{ins.mesh.volume / 1000:.0f} ml"))
    bar = fig.colorbar(ScalarMappable(norm=Normalize(-3.0, max(1.0, zc.max())),
                                      cmap=colormaps["viridis"]),
                       ax=ax1, fraction=0.03, pad=0.01)
    bar.set_label(picture_text(N_("height above the plantar plane (mm)")), fontsize=9)
    # Side view from the medial side with the foot's plantar points.
    ms = foot.medial_sign * (-1.0 if ins.mirrored else 1.0)
    toward = np.array([0.0, ms, 0.0])
    polys, colors = project([(mesh, SOCKET_RGB, True)], toward, 0)
    ax2.add_artist(ShadedTriangles(polys, colors))
    p = foot.points
    sel = p[:, 2] < 45
    rng = np.random.default_rng(0)
    idx = rng.permutation(np.flatnonzero(sel))[:6000]
    ax2.scatter(p[idx, 0], p[idx, 2], s=0.3, color=SKIN_RGB * 0.8, alpha=0.5,
                label=picture_text(N_("foot (scan points)")))
    lo, hi = ins.mesh.bounds
    ax2.set_xlim(lo[0] - 5, hi[0] + 5)
    ax2.set_ylim(lo[2] - 3, 45)
    ax2.set_aspect("equal")
    ax2.set_xlabel("x (mm)")
    ax2.set_ylabel("z (mm)")
    ax2.set_title(picture_text(N_("From the medial side (heel left, toe right), with the "
                                  "plantar surface")))
    ax2.legend(loc="upper right", fontsize=8, markerscale=10)
    fig.subplots_adjust(left=0.07, right=0.9, bottom=0.08, top=0.95, hspace=0.15)
    return png_bytes(fig)


def insole_pictures(design, lang: str = "en") -> dict[str, bytes]:
    """The insole report's pictures, their words in ``lang``."""
    return {"insole": insole_view_png(design, lang=lang),
            "outline_on_footprint": outline_png(design, lang=lang)}


def insole_report_html(report: dict, pictures: dict[str, bytes], *, lang: str = "en",
                       templates_dir: str | os.PathLike | None = None) -> str:
    """The insole report page as text (``insole.html``)."""
    return render("insole.html", insole_context(report, pictures, lang), lang=lang,
                  templates_dir=templates_dir)


def write_insole_report_html(report: dict, pictures: dict[str, bytes], path, *,
                             lang: str = "en",
                             templates_dir: str | os.PathLike | None = None) -> None:
    """Write the insole report as one self-contained HTML file (atomically).

    Raises
    ------
    OutputError
        The folder or the file cannot be written.
    ParameterError
        ``templates_dir`` does not exist, or a template in it is broken.
    """
    atomic_write_text(path, insole_report_html(report, pictures, lang=lang,
                                               templates_dir=templates_dir), what="report")
