"""Phone scan of a residual limb or a foot to a 3D-printable socket or insole.

The core library: no Qt and no VTK.  What a script needs is here::

    import prosthetics
    design = prosthetics.run_design("scan.ply", template="transtibial",
                                    settings={"wall_thickness_mm": 6})
    prosthetics.write_design(design, "out/")

The names load on first use, so ``import prosthetics`` (and ``prosthetics --version``)
stays fast.  The package's layout is described in docs/architecture.md.
"""

from __future__ import annotations

from prosthetics.lazy import lazy_attributes

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "run_design": "prosthetics.design",
    "write_design": "prosthetics.design",
    "DesignSession": "prosthetics.design",
    "Design": "prosthetics.design",
    "Cancelled": "prosthetics.design",
    "run_insole": "prosthetics.design",
    "write_insole": "prosthetics.design",
    "InsoleDesign": "prosthetics.design",
    "list_presets": "prosthetics.design",
    "resolve_template": "prosthetics.design",
    "parameter_groups": "prosthetics.design",
    "describe_parameters": "prosthetics.design",
    "load_scan": "prosthetics.scan",
    "ProstheticsError": "prosthetics.errors",
    "ScanError": "prosthetics.errors",
    "ParameterError": "prosthetics.errors",
    "GeometryError": "prosthetics.errors",
    "OutputError": "prosthetics.errors",
}

__all__ = ["__version__", *_EXPORTS]


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
