"""Screened Poisson reconstruction (Open3D), here or in a helper process.

Open3D's Poisson solver holds Python's interpreter lock for its whole run (0.6-0.7 s on the
sample scan, over 1 s on a busy machine): a window whose design runs in a worker thread would
stop answering for that long.  A program that must keep answering (the desktop application)
hands the reconstruction to a process pool with :func:`use_process_pool`, and the thread
waiting for it lets the window run; otherwise, and if the helper process fails, it runs here.
The call is the same either way (one solver thread, repeatable), so is the surface.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from prosthetics.scan.floor import quiet_open3d

__all__ = ["poisson_arrays", "reconstruct", "use_process_pool", "warm"]

log = logging.getLogger(__name__)

_pool: list[Executor | None] = [None]


def use_process_pool(pool: Executor | None) -> None:
    """Run the reconstructions of this process in ``pool`` (a process pool, already
    started), or here again with None."""
    _pool[0] = pool


def warm() -> bool:
    """Nothing but this module's imports (Open3D): a helper process's first task, so that
    the first real one does not wait for them."""
    quiet_open3d()
    return True


def poisson_arrays(points: np.ndarray, normals: np.ndarray,
                   depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The screened Poisson surface of oriented points (mm): its vertices (n, 3) and
    triangles (m, 3).  One solver thread: the threaded solver is not repeatable from run to
    run, and on 2 cores it was no faster (1.26 s against 1.35 s on the sample)."""
    o3d = quiet_open3d()
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(points, np.float64)))
    pcd.normals = o3d.utility.Vector3dVector(np.asarray(normals, np.float64))
    rec, _densities = o3d.geometry.TriangleMesh.create_from_point_cloud_poisson(
        pcd, depth=int(depth), linear_fit=False, n_threads=1)
    return np.asarray(rec.vertices), np.asarray(rec.triangles)


def reconstruct(points: np.ndarray, normals: np.ndarray,
                depth: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`poisson_arrays`, in the process pool when one is set."""
    pool = _pool[0]
    if pool is not None:
        try:
            return pool.submit(poisson_arrays, points, normals, depth).result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            log.warning("the reconstruction's helper process failed (%s); reconstructing "
                        "here", exc)
            _pool[0] = None
    return poisson_arrays(points, normals, depth)
