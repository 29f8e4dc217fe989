"""The plantar surface of a foot as a height map over a regular grid in the foot frame.

:class:`HeightMap` holds the heights of the lowest surface seen from below (NaN outside the
footprint) with the footprint mask, and samples them; :func:`height_map` builds one from foot
points (mm, foot frame: +X heel to toe, +Z up, the plantar plane at z = 0) by a local plane
fit in each cell, so noise averages out and slopes do not bias it, closing the footprint's
gaps and filling its holes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.interpolate import RegularGridInterpolator
from scipy.ndimage import distance_transform_edt


@dataclass(frozen=True, kw_only=True)
class HeightMap:
    """The plantar surface as heights over a regular grid in the foot frame.

    Attributes
    ----------
    x0, y0 : float, mm
        Centre of cell (0, 0).
    cell_mm : float
    z : (nx, ny) float, mm
        Height of the lowest surface above the plantar plane; NaN outside the footprint.
    footprint : (nx, ny) bool
        Cells under the foot (its outline seen from above).
    """

    x0: float
    y0: float
    cell_mm: float
    z: np.ndarray
    footprint: np.ndarray

    @property
    def xs(self) -> np.ndarray:
        """(nx,) cell centres along x, mm."""
        return self.x0 + self.cell_mm * np.arange(self.z.shape[0])

    @property
    def ys(self) -> np.ndarray:
        """(ny,) cell centres along y, mm."""
        return self.y0 + self.cell_mm * np.arange(self.z.shape[1])

    def filled(self) -> np.ndarray:
        """Heights with the cells outside the footprint set to the nearest footprint cell's."""

        known = np.isfinite(self.z)
        _d, idx = distance_transform_edt(~known, return_indices=True)
        return self.z[idx[0], idx[1]]

    def sample(self, xy: np.ndarray) -> np.ndarray:
        """Bilinear heights at points (n, 2) mm, from :meth:`filled`; (n,) mm."""

        f = RegularGridInterpolator((self.xs, self.ys), self.filled(), bounds_error=False,
                                    fill_value=None)
        return f(xy)

    def inside(self, xy: np.ndarray) -> np.ndarray:
        """Whether points (n, 2) fall in footprint cells; (n,) bool."""
        i = np.rint((xy[:, 0] - self.x0) / self.cell_mm).astype(int)
        j = np.rint((xy[:, 1] - self.y0) / self.cell_mm).astype(int)
        ok = (i >= 0) & (j >= 0) & (i < self.z.shape[0]) & (j < self.z.shape[1])
        out = np.zeros(len(xy), bool)
        out[ok] = self.footprint[i[ok], j[ok]]
        return out


def height_map(points: np.ndarray, cell_mm: float = 2.0, band_mm: float = 3.0,
               see_through_mm: float = 10.0) -> HeightMap:
    """The plantar surface as a height map, from points in the foot frame (n, 3) mm.

    Each cell takes the points within ``band_mm`` of its lowest point (the underside),
    and a plane is fitted by least squares to those of the 3 x 3 cells around it
    (6 x 6 mm at 2 mm cells), evaluated at the cell centre: noise averages out over tens of
    points, and a slope does not bias the height as a minimum or a mean would.

    Parameters
    ----------
    points : (n, 3) float, mm
        Foot points in the foot frame.
    cell_mm : float, mm
        Cell size of the grid.
    band_mm : float, mm
        Points this far above their cell's lowest point take part in the fits.
    see_through_mm : float, mm
        A cell whose lowest point stands this far above its neighbours' lowest has no sole
        points (the camera saw through it); its height comes from the hole fill.

    Returns
    -------
    HeightMap
        Heights (nx, ny) mm over the footprint (gaps closed, holes filled), NaN outside.
    """
    x0, y0 = points[:, 0].min() - 2 * cell_mm, points[:, 1].min() - 2 * cell_mm
    zc, occupied = _fitted_heights(points, x0, y0, cell_mm, band_mm, see_through_mm)
    occ, z = _filled_footprint(zc, occupied)
    return HeightMap(x0=x0 + 0.5 * cell_mm, y0=y0 + 0.5 * cell_mm, cell_mm=cell_mm, z=z,
                     footprint=occ)


def _fitted_heights(points: np.ndarray, x0: float, y0: float, cell_mm: float, band_mm: float,
                    see_through_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Plane-fitted heights (nx, ny) mm at the cell centres (NaN where no fit), and the
    cells (nx, ny) holding any point; cell (i, j) spans x0 + i * cell_mm, y0 + j * cell_mm."""

    i = np.floor((points[:, 0] - x0) / cell_mm).astype(int)
    j = np.floor((points[:, 1] - y0) / cell_mm).astype(int)
    nx, ny = i.max() + 3, j.max() + 3
    flat = i * ny + j
    zmin = np.full(nx * ny, np.inf)
    np.minimum.at(zmin, flat, points[:, 2])
    # A cell whose lowest point is far above its neighbours' has no sole points (the camera
    # saw through it to the top of the foot or the leg): its points stay out of the fits,
    # and the hole fill gives it a height.
    zgrid = zmin.reshape(nx, ny)
    near_min = ndimage.minimum_filter(np.where(np.isfinite(zgrid), zgrid, np.inf), size=3)
    seen = (zgrid <= near_min + see_through_mm).ravel()
    sel = (points[:, 2] < zmin[flat] + band_mm) & seen[flat]
    # Coordinates about each point's own cell centre keep the sums well conditioned.
    cx = x0 + (i[sel] + 0.5) * cell_mm
    cy = y0 + (j[sel] + 0.5) * cell_mm
    dx, dy, z = points[sel, 0] - cx, points[sel, 1] - cy, points[sel, 2]
    f = flat[sel]
    sums = {}
    moments = {"1": np.ones_like(z), "x": dx, "y": dy, "xx": dx * dx, "xy": dx * dy,
               "yy": dy * dy, "z": z, "xz": dx * z, "yz": dy * z}
    for k, v in moments.items():
        sums[k] = np.bincount(f, weights=v, minlength=nx * ny).reshape(nx, ny)
    tot = _block_moments(sums, cell_mm)
    A = np.stack([np.stack([tot["1"], tot["x"], tot["y"]], -1),
                  np.stack([tot["x"], tot["xx"], tot["xy"]], -1),
                  np.stack([tot["y"], tot["xy"], tot["yy"]], -1)], -2)
    b = np.stack([tot["z"], tot["xz"], tot["yz"]], -1)
    own = sums["1"] > 0
    ok = own & (tot["1"] >= 6)
    occupied = np.isfinite(zgrid)
    A = A + np.eye(3) * 1e-6 * (tot["1"][..., None, None] + 1)
    zc = np.full((nx, ny), np.nan)
    sol = np.linalg.solve(A[ok], b[ok][..., None])[..., 0]
    zc[ok] = sol[:, 0]
    # Few points: the mean of the cell's own lowest band.
    few = own & ~ok
    zc[few] = sums["z"][few] / sums["1"][few]
    return zc, occupied


def _block_moments(sums: dict, cell_mm: float) -> dict:
    """Each cell's point moments (``sums``: (nx, ny) per moment, about the cell's centre)
    summed over the 3 x 3 cells around it, about its centre."""
    # Shift every cell's moments to the centre of each neighbour, then add the 3 x 3 block.
    tot = {k: np.zeros_like(v) for k, v in sums.items()}
    for si in (-1, 0, 1):
        for sj in (-1, 0, 1):
            # A cell at offset (si, sj) from the target: its points' coordinates about the
            # target's centre are d + s * cell.
            ox, oy = si * cell_mm, sj * cell_mm
            s = {k: np.roll(np.roll(v, -si, 0), -sj, 1) for k, v in sums.items()}
            n, sx, sy = s["1"], s["x"] + ox * s["1"], s["y"] + oy * s["1"]
            tot["1"] += n
            tot["x"] += sx
            tot["y"] += sy
            tot["xx"] += s["xx"] + 2 * ox * s["x"] + ox * ox * n
            tot["yy"] += s["yy"] + 2 * oy * s["y"] + oy * oy * n
            tot["xy"] += s["xy"] + ox * s["y"] + oy * s["x"] + ox * oy * n
            tot["z"] += s["z"]
            tot["xz"] += s["xz"] + ox * s["z"]
            tot["yz"] += s["yz"] + oy * s["z"]
    return tot


def _filled_footprint(zc: np.ndarray, occupied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The footprint (nx, ny) bool (occupied cells, gaps closed, holes filled, the largest
    piece) and the heights (nx, ny) mm over it, its cells without a fit filled in."""

    # Footprint: occupied cells, gaps closed and holes filled (holes in the scan's sole).
    occ = ndimage.binary_closing(occupied, structure=np.ones((3, 3)), iterations=2)
    occ = ndimage.binary_fill_holes(occ)
    lab, nlab = ndimage.label(occ)
    if nlab > 1:
        occ = lab == (np.argmax(np.bincount(lab.ravel())[1:]) + 1)
    z = np.where(occ, zc, np.nan)
    # Cells of the footprint without points (holes): interpolate from those around.
    hole = occ & ~np.isfinite(z)
    if hole.any():
        # Nearest value first, then relax the hole cells to the mean of their neighbours
        # (a membrane over the hole, like a linear interpolation but grid-fast).
        _d, idx = ndimage.distance_transform_edt(~np.isfinite(z), return_indices=True)
        z = z[idx[0], idx[1]]
        for _ in range(200):
            avg = 0.25 * (np.roll(z, 1, 0) + np.roll(z, -1, 0) + np.roll(z, 1, 1)
                          + np.roll(z, -1, 1))
            z[hole] = avg[hole]
        z = np.where(occ, z, np.nan)
    return occ, z
