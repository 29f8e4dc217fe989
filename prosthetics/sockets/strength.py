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
        A :class:`prosthetics.printing.profiles.Material`.
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


#: Open fraction of the outer wall above which ventilation holes are flagged, lower limb.
#: In a staggered pattern of holes the open fraction f and the net section between holes
#: go together: f = 0.907 (d / pitch)^2, net section 1 - d / pitch.  At 5 % the net
#: section is 77 %: the wall between the holes carries about 30 % more stress, more than
#: the quarter a ~7 mm trim-line band takes off; past that the holes cost more than the
#: reinforcement the field figures were measured with.
MAX_OPEN_FRACTION_LOWER_LIMB = 0.05
#: The same for an upper-limb socket, which carries a small fraction of a leg's load: at
#: 20 % the net section is about half the wall.
MAX_OPEN_FRACTION_UPPER_LIMB = 0.20
#: Load-bearing sockets: least distance from a hole's edge up to the trim line, mm (the
#: default trim band, 20 mm, and its 10 mm transition: the band is what cut the brim's
#: stress by a quarter; a hole in it or its transition undoes that).
TRIM_CLEARANCE_MM = 30.0
#: Load-bearing sockets: least distance from a hole's edge down to the top of the distal
#: block, mm (most FDM socket failures are at the distal end and the adapter: about one
#: distal dome's height, 30 mm, stays solid above the block).
DISTAL_CLEARANCE_MM = 30.0


def fenestration_warnings(fen, load_bearing: bool) -> list[str]:
    """One line per concern about the ventilation holes placed (``fen``: the socket's
    :class:`~prosthetics.sockets.fenestrations.Fenestrations`, or None)."""
    if fen is None or not fen.placed:
        return []
    out = []
    limit = MAX_OPEN_FRACTION_LOWER_LIMB if load_bearing else MAX_OPEN_FRACTION_UPPER_LIMB
    if fen.open_fraction > limit:
        out.append(f"ventilation holes open {100 * fen.open_fraction:.1f} % of the outer wall, "
                   f"over the {100 * limit:g} % advised for a "
                   f"{'load-bearing' if load_bearing else 'upper-limb'} socket (the wall "
                   f"between the holes carries the load); use fewer or smaller holes")
    if load_bearing:
        trim = float(fen.edge_to_trim_mm.min())
        distal = float(fen.edge_to_distal_mm.min())
        if trim < TRIM_CLEARANCE_MM:
            out.append(f"a ventilation hole is {trim:.0f} mm below the trim line (under "
                       f"{TRIM_CLEARANCE_MM:g} mm): the trim line's band carries the brim's "
                       f"stress; raise fenestration_trim_margin_mm")
        if distal < DISTAL_CLEARANCE_MM:
            out.append(f"a ventilation hole is {distal:.0f} mm above the distal block (under "
                       f"{DISTAL_CLEARANCE_MM:g} mm): most FDM socket failures are at the "
                       f"distal end; raise fenestration_distal_margin_mm")
    return out
