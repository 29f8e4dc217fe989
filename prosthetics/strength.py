"""Warnings when a socket's walls or material are below what field reports show surviving.

Figures (FDM sockets, from the project's design notes): 4 mm walls failed in active users at
the patellar tendon and popliteal area; 6 mm walls lasted a year; a thicker trim line (about
7 mm) cut the stress there by about a quarter; most failures are at the distal end and the
adapter.  The material's own threshold is ``socket_min_wall_mm`` in templates/materials.toml
(0: not a definitive-socket material).
"""

from __future__ import annotations

#: Walls that failed in active users, mm.
FAILED_WALL_MM = 4.0
#: A trim-line band about this thick cut the stress there by about a quarter, mm.
TRIM_BAND_MM = 7.0


def strength_warnings(params, material) -> list[str]:
    """One line per concern, for the report's ``warnings`` and the CLI's stderr.

    Parameters
    ----------
    params
        A socket template's parameters (``wall_thickness_mm``, ``distal_wall_thickness_mm``
        and, when the template has them, ``trim_band_thickness_mm``,
        ``distal_blend_radius_mm``).
    material
        A :class:`prosthetics.printing.Material`.
    """
    out = []
    if not getattr(params, "LOAD_BEARING", True):
        # Upper-limb sockets: the field figures are for legs; only the material is judged.
        if material.socket_min_wall_mm <= 0:
            out.append(f"material {material.name} ({material.label}) is not for a definitive "
                       f"socket (check socket or test fit only); print it in PETG or nylon")
        return out
    wall = float(params.wall_thickness_mm)
    distal = float(getattr(params, "distal_wall_thickness_mm", wall))
    band = getattr(params, "trim_band_thickness_mm", None) or wall
    need = float(material.socket_min_wall_mm)
    if need <= 0:
        out.append(f"material {material.name} ({material.label}) is not for a definitive "
                   f"socket (check socket or test fit only); print the socket in PETG or nylon")
        need = 6.0
    if wall <= FAILED_WALL_MM:
        out.append(f"wall_thickness_mm = {wall:g}: FDM socket walls of {FAILED_WALL_MM:g} mm "
                   f"failed in active users (patellar tendon, popliteal area); 6 mm walls "
                   f"lasted a year")
    elif wall < need:
        out.append(f"wall_thickness_mm = {wall:g} is below the {need:g} mm that lasted a year "
                   f"in {material.label}; use {need:g} mm for an active user")
    if distal < max(need, wall):
        out.append(f"distal_wall_thickness_mm = {distal:g} is below {max(need, wall):g} mm; "
                   f"most FDM socket failures are at the distal end and the adapter")
    if wall < need and band < TRIM_BAND_MM:
        out.append(f"trim line {band:g} mm thick: a band of about {TRIM_BAND_MM:g} mm "
                   f"(trim_band_thickness_mm) cut the stress there by about a quarter")
    return out
