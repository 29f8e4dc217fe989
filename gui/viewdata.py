"""What the views show that has to be computed: done in the worker thread, numpy only.

The viewport and the pages draw these arrays as they are; they never compute geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: A raw scan point further than this from the cleaned limb surface counts as removed.
REMOVED_DISTANCE_MM = 3.0


@dataclass(frozen=True, kw_only=True)
class RawView:
    """The scan's points as read, for the Scan and Clean views.

    ``points`` are in the design frame when the scan is aligned (``frame == "design"``),
    otherwise in the file's own axes in mm; ``removed`` marks the points the cleaning
    dropped (None until the limb is aligned).
    """

    key: tuple
    points: np.ndarray
    colors: np.ndarray | None
    frame: str
    removed: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class SocketView:
    """The socket's cavity against the limb, for the Rectify view and the chart.

    ``distance_mm`` is per vertex of ``inner_vertices``: positive where the cavity is outside
    the limb's surface (room), negative where it is inside (the limb is compressed).
    """

    key: int
    preview: bool
    inner_vertices: np.ndarray
    inner_faces: np.ndarray
    distance_mm: np.ndarray
    trim_z_mm: float
    limb_volume_below_trim_ml: float
    cavity_volume_below_trim_ml: float
    inner_circumferences: list = field(default_factory=list)   # [(z_mm, mm), ...]

    @property
    def reduction_percent(self) -> float:
        if self.limb_volume_below_trim_ml <= 0:
            return 0.0
        return 100.0 * (1.0 - self.cavity_volume_below_trim_ml / self.limb_volume_below_trim_ml)

    def stats(self) -> dict:
        """Distance statistics below the trim line (mm)."""
        below = self.inner_vertices[:, 2] <= self.trim_z_mm
        d = self.distance_mm[below] if below.any() else self.distance_mm
        return {"min": float(d.min()), "max": float(d.max()), "mean": float(d.mean())}


def raw_view(session) -> RawView | None:
    """Raw points in the design frame (when aligned) with the removed ones marked."""
    res = session.results
    scan = res.get("load")
    if scan is None:
        return None
    align = res.get("align")
    key = (id(scan), id(align))
    pts = np.asarray(scan.points, dtype=np.float64)
    colors = None if scan.colors is None else np.asarray(scan.colors, dtype=np.uint8)[:, :3]
    if align is None:
        return RawView(key=key, points=pts.astype(np.float32), colors=colors, frame="scan")
    # scan.points are the file's points already scaled to mm, so the cleaned-scan -> design
    # transform applies (session.scan_to_design = align.transform @ file_to_mm).
    t = np.asarray(align.transform, dtype=np.float64)
    design = pts @ t[:3, :3].T + t[:3, 3]
    from prosthetics.geometry.meshing import SurfaceQuery

    d = SurfaceQuery(align.mesh).distance(design)
    return RawView(key=key, points=design.astype(np.float32), colors=colors, frame="design",
                   removed=d > REMOVED_DISTANCE_MM)


def socket_view(session, sock, *, preview: bool) -> SocketView:
    """Signed distance from the socket's cavity to the limb, volumes and inner sections."""
    from prosthetics.geometry.meshing import SurfaceQuery
    from prosthetics.limb.measure import sections, volume_below

    limb = session.results["align"].mesh
    inner = sock.inner_surface
    v = np.asarray(inner.vertices, dtype=np.float64)
    dist, tri = SurfaceQuery(limb).closest(v)
    normals = np.asarray(limb.face_normals)[tri]
    corner = np.asarray(limb.vertices)[np.asarray(limb.faces)[tri, 0]]
    sign = np.sign(np.einsum("ij,ij->i", v - corner, normals))
    sign[sign == 0] = 1.0
    zt = float(sock.trim_lowest_z_mm)
    spacing = float(session.groups["measure"].circumference_spacing_mm)
    secs = [s for s in sections(inner, np.arange(spacing, zt, spacing)) if s is not None] \
        if zt > spacing else []
    return SocketView(
        key=id(sock), preview=preview, inner_vertices=v.astype(np.float32),
        inner_faces=np.asarray(inner.faces, dtype=np.int64), distance_mm=dist * sign,
        trim_z_mm=zt, limb_volume_below_trim_ml=volume_below(limb, zt) / 1000.0,
        cavity_volume_below_trim_ml=float(sock.inner_volume_below_ml(zt)),
        inner_circumferences=[(float(s.z_mm), float(s.perimeter_mm)) for s in secs])
