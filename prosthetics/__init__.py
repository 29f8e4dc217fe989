"""Phone scan of a residual limb to a 3D-printable prosthetic socket.

The core library: no Qt and no VTK.  Start at :func:`prosthetics.pipeline.run_design`.
"""

__version__ = "0.1.0"
