"""The print settings of a slice and the PrusaSlicer command-line options they become.

:class:`SliceSettings` holds the print settings (layers, walls, infill, supports, brim) with
their defaults for a socket (:data:`DEFAULT_SLICE_SETTINGS`); :func:`slicer_options` joins
them with the printer and material profiles (:mod:`prosthetics.printing.profiles`) into
PrusaSlicer's options, every value that matters given explicitly since PrusaSlicer's
built-in defaults are not its GUI's, and :func:`options_to_argv` writes those as command-line
arguments for :func:`prosthetics.printing.slicer.slice_stl`.  Millimetres and degrees
Celsius; units are in the names.
"""

from __future__ import annotations

from dataclasses import dataclass

from prosthetics.errors import N_, ParameterError
from prosthetics.printing.profiles import Material, Printer, check_range

_INFILL_PATTERNS = ("rectilinear", "alignedrectilinear", "grid", "triangles", "stars",
                    "cubic", "line", "concentric", "honeycomb", "3dhoneycomb", "gyroid",
                    "hilbertcurve", "archimedeanchords", "octagramspiral", "adaptivecubic",
                    "supportcubic", "lightning")


@dataclass(frozen=True, kw_only=True)
class SliceSettings:
    """Print settings for a socket (defaults) or another part.

    The defaults suit a transtibial socket in PETG printed distal end (adapter plate)
    down: 0.2 mm layers, 4 perimeters (the 4-6 mm walls come out almost solid anyway),
    35 % gyroid infill for the plate, automatic supports from the build plate only (no
    support scars on the skin-contact inner surface), and a 5 mm brim because the distal
    end is a small footprint under a tall part.

    Parameters
    ----------
    layer_height_mm : float
        Layer height, mm; at most 80 % of the nozzle diameter.
    first_layer_height_mm : float or None
        First layer, mm; ``None`` = ``layer_height_mm``.
    perimeters : int
        Wall loops.
    top_solid_layers, bottom_solid_layers : int
        Solid skins.
    infill_percent : float
        Infill density, %.
    infill_pattern : str
        PrusaSlicer ``--fill-pattern``.
    supports : bool
        Generate supports automatically where overhangs need them.
    supports_buildplate_only : bool
        Only supports that stand on the bed.
    brim_width_mm : float
        Brim, mm (0: none).
    skirts : int
        Skirt loops.
    """

    layer_height_mm: float = 0.2
    first_layer_height_mm: float | None = None
    perimeters: int = 4
    top_solid_layers: int = 5
    bottom_solid_layers: int = 5
    infill_percent: float = 35.0
    infill_pattern: str = "gyroid"
    supports: bool = True
    supports_buildplate_only: bool = True
    brim_width_mm: float = 5.0
    skirts: int = 1

    def __post_init__(self) -> None:
        who = "slice settings"
        check_range(who, "layer_height_mm", self.layer_height_mm, 0.04, 1.0, "mm")
        if self.first_layer_height_mm is not None:
            check_range(who, "first_layer_height_mm", self.first_layer_height_mm,
                         0.04, 1.0, "mm")
        for name in ("perimeters", "top_solid_layers", "bottom_solid_layers", "skirts"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ParameterError.of(N_("%(who)s: %(name)s = %(value)s must be a whole number; "
                                           "pass e.g. 4"), who=who, name=name, value=repr(value))
        check_range(who, "perimeters", self.perimeters, 1, 50, "")
        check_range(who, "top_solid_layers", self.top_solid_layers, 0, 100, "")
        check_range(who, "bottom_solid_layers", self.bottom_solid_layers, 0, 100, "")
        check_range(who, "skirts", self.skirts, 0, 20, "")
        check_range(who, "infill_percent", self.infill_percent, 0.0, 100.0, "%")
        check_range(who, "brim_width_mm", self.brim_width_mm, 0.0, 50.0, "mm")
        if self.infill_pattern not in _INFILL_PATTERNS:
            raise ParameterError.of(N_("%(who)s: infill_pattern = %(pattern)s is not a PrusaSlicer "
                                       "pattern; use one of %(patterns)s"), who=who,
                                    pattern=repr(self.infill_pattern),
                                    patterns=", ".join(_INFILL_PATTERNS))


#: Defaults used by :func:`prosthetics.printing.slicer.slice_stl`.
DEFAULT_SLICE_SETTINGS = SliceSettings()


def _num(x: float) -> str:
    """Number as PrusaSlicer option text (no exponent, no trailing zeros)."""
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def slicer_options(printer: Printer, material: Material, s: SliceSettings,
                   rotation_deg: float) -> dict[str, str]:
    """PrusaSlicer's options for printing with these profiles and settings.

    Parameters
    ----------
    printer, material : Printer, Material
        The profiles: the bed (mm), nozzle, limits, G-code; filament, temperatures (degrees
        Celsius), fans, cost.
    s : SliceSettings
        Layers, walls, infill, supports, brim.
    rotation_deg : float, degrees
        Turn about z, counter-clockwise (0: none, no ``rotate`` option).

    Returns
    -------
    dict of str to str
        Option name (without ``--``) to value text, in the order they are passed; the part
        is centred on the bed.
    """
    bx, by = printer.bed_x_mm, printer.bed_y_mm
    cx, cy = printer.bed_center_mm
    first_layer = s.first_layer_height_mm or s.layer_height_mm
    accel = _num(printer.max_acceleration_mm_s2)
    retract = material.retract_length_mm if material.retract_length_mm is not None \
        else printer.retract_length_mm
    opts: dict[str, str] = {
        # printer
        "bed-shape": f"0x0,{_num(bx)}x0,{_num(bx)}x{_num(by)},0x{_num(by)}",
        "max-print-height": _num(printer.max_height_mm),
        "nozzle-diameter": _num(printer.nozzle_diameter_mm),
        "gcode-flavor": printer.gcode_flavor,
        "machine-limits-usage": "time_estimate_only",
        "machine-max-acceleration-extruding": accel,
        "machine-max-acceleration-retracting": accel,
        "machine-max-acceleration-travel": accel,
        "retract-length": _num(retract),
        "retract-speed": _num(printer.retract_speed_mm_s),
        # material
        "filament-type": material.filament_type,
        "filament-diameter": _num(material.filament_diameter_mm),
        "filament-density": _num(material.density_g_cm3),
        "filament-cost": _num(material.cost_per_kg),
        "temperature": _num(material.nozzle_temp_c),
        "first-layer-temperature": _num(material.first_layer_nozzle_temp_c
                                         if material.first_layer_nozzle_temp_c is not None
                                         else material.nozzle_temp_c),
        "bed-temperature": _num(material.bed_temp_c),
        "first-layer-bed-temperature": _num(material.first_layer_bed_temp_c
                                            if material.first_layer_bed_temp_c is not None
                                            else material.bed_temp_c),
        "cooling": "1",
        "min-fan-speed": _num(material.fan_min_percent),
        "max-fan-speed": _num(material.fan_max_percent),
        "bridge-fan-speed": _num(material.bridge_fan_percent),
        "disable-fan-first-layers": str(material.disable_fan_first_layers),
        "filament-max-volumetric-speed": _num(material.max_volumetric_speed_mm3_s),
        # print
        "layer-height": _num(s.layer_height_mm),
        "first-layer-height": _num(first_layer),
        "perimeters": str(s.perimeters),
        "top-solid-layers": str(s.top_solid_layers),
        "bottom-solid-layers": str(s.bottom_solid_layers),
        "fill-density": f"{_num(s.infill_percent)}%",
        "fill-pattern": s.infill_pattern,
        "support-material": "1" if s.supports else "0",
        "support-material-auto": "1" if s.supports else "0",
        "support-material-buildplate-only": "1" if s.supports_buildplate_only else "0",
        "brim-width": _num(s.brim_width_mm),
        "skirts": str(s.skirts),
        # placement
        "center": f"{_num(cx)},{_num(cy)}",
    }
    if printer.start_gcode:
        opts["start-gcode"] = printer.start_gcode
    if printer.end_gcode:
        opts["end-gcode"] = printer.end_gcode
    if rotation_deg:
        opts["rotate"] = _num(rotation_deg)
    return opts


def options_to_argv(opts: dict[str, str]) -> list[str]:
    """PrusaSlicer command-line arguments for options from :func:`slicer_options`.

    Parameters
    ----------
    opts : dict of str to str
        Option name to value text.

    Returns
    -------
    list of str
        ``--key=value``, or ``--key`` / ``--no-key`` for the on/off options.
    """
    argv = []
    for key, value in opts.items():
        # Booleans: "--key" / "--no-key"; everything else "--key=value" (safe for "-30").
        if key in ("support-material", "support-material-auto",
                   "support-material-buildplate-only", "cooling"):
            argv.append(f"--{key}" if value == "1" else f"--no-{key}")
        else:
            argv.append(f"--{key}={value}")
    return argv
