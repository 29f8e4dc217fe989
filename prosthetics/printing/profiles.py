"""Printing profiles: the printers and filament materials a clinic prints with.

Profiles are data in ``templates/printers.toml`` and ``templates/materials.toml`` (one
table per profile, keyed by its name); :func:`load_printers` and :func:`load_materials`
read them with every key checked, :func:`get_printer` and :func:`get_material` look one up
by name.  The bed fit is in :mod:`prosthetics.printing.bed`, slicing in
:mod:`prosthetics.printing.slicer`.

Millimetres, seconds and degrees Celsius everywhere; units are in the names.  Costs are in
the currency of ``materials.toml`` (US dollars per kilogram as shipped).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from prosthetics.errors import N_, ParameterError
from prosthetics.resources import templates_dir

__all__ = [
    "Printer",
    "Material",
    "check_range",
    "load_printers",
    "load_materials",
    "get_printer",
    "get_material",
]

# PrusaSlicer 2.5's --gcode-flavor choices.
_GCODE_FLAVORS = ("reprap", "reprapfirmware", "repetier", "teacup", "makerware", "marlin",
                  "marlin2", "sailfish", "mach3", "machinekit", "smoothie", "no-extrusion")


def check_range(owner: str, name: str, value: float, lo: float, hi: float, unit: str) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a finite number in ``[lo, hi]``.

    Parameters
    ----------
    owner : str
        What the value belongs to, e.g. ``"printer 'generic_220'"``, for the message.
    name : str
        The value's name.
    value : float
        The value, in ``unit``.
    lo, hi : float
        Inclusive bounds, in ``unit``.
    unit : str
        Unit text for the message (may be empty).
    """
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
        if unit:
            raise ParameterError.of(N_("%(owner)s: %(name)s = %(value)s %(unit)s is outside "
                                       "[%(lo)s, %(hi)s] %(unit)s; set a value inside it"),
                                    owner=owner, name=name, value=repr(value), unit=unit,
                                    lo=f"{lo:g}", hi=f"{hi:g}")
        raise ParameterError.of(N_("%(owner)s: %(name)s = %(value)s is outside "
                                   "[%(lo)s, %(hi)s] ; set a value inside it"),
                                owner=owner, name=name, value=repr(value), lo=f"{lo:g}",
                                hi=f"{hi:g}")


@dataclass(frozen=True, kw_only=True)
class Printer:
    """An FFF printer.

    Parameters
    ----------
    name : str
        Profile key, e.g. ``"generic_220"``.
    label : str
        Text shown to the user.
    bed_x_mm, bed_y_mm : float
        Usable bed size, mm; the bed is the rectangle ``[0, x] x [0, y]``.
    max_height_mm : float
        Tallest part the printer builds, mm.
    nozzle_diameter_mm : float
        Nozzle bore, mm.
    gcode_flavor : str
        PrusaSlicer ``--gcode-flavor`` (``marlin2`` also suits Klipper).
    max_acceleration_mm_s2 : float
        Firmware acceleration, mm/s²; only feeds the slicer's print-time estimate.
    retract_length_mm, retract_speed_mm_s : float
        Retraction, mm and mm/s.
    start_gcode, end_gcode : str
        Custom G-code; empty keeps PrusaSlicer's minimal default (home, lift).
    notes : str
        Free text.
    """

    name: str
    label: str
    bed_x_mm: float
    bed_y_mm: float
    max_height_mm: float
    nozzle_diameter_mm: float
    gcode_flavor: str = "marlin2"
    max_acceleration_mm_s2: float = 1000.0
    retract_length_mm: float = 2.0
    retract_speed_mm_s: float = 40.0
    start_gcode: str = ""
    end_gcode: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        who = f"printer {self.name!r}"
        check_range(who, "bed_x_mm", self.bed_x_mm, 10.0, 5000.0, "mm")
        check_range(who, "bed_y_mm", self.bed_y_mm, 10.0, 5000.0, "mm")
        check_range(who, "max_height_mm", self.max_height_mm, 10.0, 5000.0, "mm")
        check_range(who, "nozzle_diameter_mm", self.nozzle_diameter_mm, 0.1, 2.0, "mm")
        check_range(who, "max_acceleration_mm_s2", self.max_acceleration_mm_s2, 10.0,
                     100000.0, "mm/s²")
        check_range(who, "retract_length_mm", self.retract_length_mm, 0.0, 20.0, "mm")
        check_range(who, "retract_speed_mm_s", self.retract_speed_mm_s, 1.0, 300.0, "mm/s")
        if self.gcode_flavor not in _GCODE_FLAVORS:
            raise ParameterError.of(N_("%(who)s: gcode_flavor = %(flavor)s is not one of "
                                       "%(flavors)s; pick one (marlin2 for Marlin 2 and "
                                       "Klipper)"), who=who, flavor=repr(self.gcode_flavor),
                                    flavors=", ".join(_GCODE_FLAVORS))

    @property
    def bed_center_mm(self) -> tuple[float, float]:
        """Centre of the bed, mm."""
        return (self.bed_x_mm / 2.0, self.bed_y_mm / 2.0)


@dataclass(frozen=True, kw_only=True)
class Material:
    """A filament preset.

    Parameters
    ----------
    name : str
        Profile key, e.g. ``"petg"``.
    label : str
        Text shown to the user.
    density_g_cm3 : float
        Density, g/cm³ (turns the slicer's filament volume into grams).
    nozzle_temp_c, bed_temp_c : float
        Temperatures after the first layer, °C.
    cost_per_kg : float
        Price of one kilogram of filament, in US dollars as shipped (any currency works
        if all presets use it).
    filament_diameter_mm : float
        Filament diameter, mm (1.75 or 2.85).
    filament_type : str
        PrusaSlicer ``--filament-type`` (``PLA``, ``PET``, ``FLEX``, ``PA``...).
    first_layer_nozzle_temp_c, first_layer_bed_temp_c : float or None
        First-layer temperatures, °C; ``None`` uses the other-layer value.
    fan_min_percent, fan_max_percent, bridge_fan_percent : float
        Part-cooling fan, % of full speed.
    disable_fan_first_layers : int
        Layers printed with the fan off.
    max_volumetric_speed_mm3_s : float
        Flow cap, mm³/s, which caps the speed (0: no cap).  Low for TPU.
    retract_length_mm : float or None
        Overrides the printer's retraction, mm (``None``: the printer's).
    socket_min_wall_mm : float
        Thinnest socket wall in this material that field reports show surviving use, mm;
        0: not a material for a definitive socket (check sockets, insoles).  Read by
        :func:`prosthetics.sockets.strength.strength_warnings`.
    notes : str
        Free text.
    """

    name: str
    label: str
    density_g_cm3: float
    nozzle_temp_c: float
    bed_temp_c: float
    cost_per_kg: float
    filament_diameter_mm: float = 1.75
    filament_type: str = "PLA"
    first_layer_nozzle_temp_c: float | None = None
    first_layer_bed_temp_c: float | None = None
    fan_min_percent: float = 35.0
    fan_max_percent: float = 100.0
    bridge_fan_percent: float = 100.0
    disable_fan_first_layers: int = 1
    max_volumetric_speed_mm3_s: float = 0.0
    retract_length_mm: float | None = None
    socket_min_wall_mm: float = 0.0
    notes: str = ""

    def __post_init__(self) -> None:
        who = f"material {self.name!r}"
        check_range(who, "socket_min_wall_mm", self.socket_min_wall_mm, 0.0, 20.0, "mm")
        check_range(who, "density_g_cm3", self.density_g_cm3, 0.5, 3.0, "g/cm³")
        check_range(who, "nozzle_temp_c", self.nozzle_temp_c, 150.0, 450.0, "°C")
        check_range(who, "bed_temp_c", self.bed_temp_c, 0.0, 150.0, "°C")
        check_range(who, "cost_per_kg", self.cost_per_kg, 0.0, 10000.0, "per kg")
        check_range(who, "filament_diameter_mm", self.filament_diameter_mm, 1.0, 3.5, "mm")
        if self.first_layer_nozzle_temp_c is not None:
            check_range(who, "first_layer_nozzle_temp_c", self.first_layer_nozzle_temp_c,
                         150.0, 450.0, "°C")
        if self.first_layer_bed_temp_c is not None:
            check_range(who, "first_layer_bed_temp_c", self.first_layer_bed_temp_c,
                         0.0, 150.0, "°C")
        for name in ("fan_min_percent", "fan_max_percent", "bridge_fan_percent"):
            check_range(who, name, getattr(self, name), 0.0, 100.0, "%")
        check_range(who, "disable_fan_first_layers", self.disable_fan_first_layers,
                     0, 1000, "layers")
        check_range(who, "max_volumetric_speed_mm3_s", self.max_volumetric_speed_mm3_s,
                     0.0, 200.0, "mm³/s")
        if self.retract_length_mm is not None:
            check_range(who, "retract_length_mm", self.retract_length_mm, 0.0, 20.0, "mm")


def _resolve_profiles_path(path: str | os.PathLike | None, default_name: str) -> Path:
    p = templates_dir() / default_name if path is None else Path(path)
    if not p.is_file():
        raise ParameterError.of(N_("profile file %(path)s does not exist; pass the path of a TOML "
                                   "file like templates/%(default)s"), path=p,
                                default=default_name)
    return p


def _type_ok(value: Any, tp: Any) -> tuple[bool, Any]:
    """Check ``value`` against annotation ``tp`` (float, int, str, optional); coerce ints."""
    args = typing.get_args(tp)
    if type(None) in args:
        tp = next(a for a in args if a is not type(None))
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        return False, value
    if tp is str:
        return isinstance(value, str), value
    if tp is bool:
        return isinstance(value, bool), value
    return True, value


#: The profile files' messages, one for a printer and one for a material.
_PROFILE_MSG = {
    ("table", "printer"): N_("%(path)s: top-level key %(key)s is not a [table]; put each printer "
                             "in its own [%(table)s] table"),
    ("table", "material"): N_("%(path)s: top-level key %(key)s is not a [table]; put each "
                              "material in its own [%(table)s] table"),
    ("near", "printer"): N_("%(path)s: unknown key %(key)s in printer [%(table)s]; did you mean "
                            "%(near)s?"),
    ("near", "material"): N_("%(path)s: unknown key %(key)s in material [%(table)s]; did you "
                             "mean %(near)s?"),
    ("unknown", "printer"): N_("%(path)s: unknown key %(key)s in printer [%(table)s]; known "
                               "keys: %(known)s"),
    ("unknown", "material"): N_("%(path)s: unknown key %(key)s in material [%(table)s]; known "
                                "keys: %(known)s"),
    ("name", "printer"): N_("%(path)s: printer [%(table)s] has name = %(name)s; make it "
                            "%(key)s or drop it"),
    ("name", "material"): N_("%(path)s: material [%(table)s] has name = %(name)s; make it "
                             "%(key)s or drop it"),
    ("lacks", "printer"): N_("%(path)s: printer [%(table)s] lacks %(keys)s; add it"),
    ("lacks", "material"): N_("%(path)s: material [%(table)s] lacks %(keys)s; add it"),
    ("lacks2", "printer"): N_("%(path)s: printer [%(table)s] lacks %(keys)s; add them"),
    ("lacks2", "material"): N_("%(path)s: material [%(table)s] lacks %(keys)s; add them"),
    ("type", "printer"): N_("%(path)s: printer [%(table)s] %(key)s = %(value)s has the wrong "
                            "type; expected %(expected)s"),
    ("type", "material"): N_("%(path)s: material [%(table)s] %(key)s = %(value)s has the wrong "
                             "type; expected %(expected)s"),
    ("none", "printer"): N_("%(path)s defines no printer; add a [name] table"),
    ("none", "material"): N_("%(path)s defines no material; add a [name] table"),
    ("get", "printer"): N_("unknown printer %(name)s; known printers: %(known)s (or add one to "
                           "templates/%(file)s)"),
    ("get", "material"): N_("unknown material %(name)s; known materials: %(known)s (or add one "
                            "to templates/%(file)s)"),
}


def _load_profiles(path: str | os.PathLike | None, cls: type, default_name: str,
                   kind: str) -> dict[str, Any]:
    p = _resolve_profiles_path(path, default_name)
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError.of(N_("%(path)s is not valid TOML (%(reason)s); fix the syntax"),
                                path=p, reason=exc) from None
    except OSError as exc:
        raise ParameterError.of(N_("cannot read %(path)s (%(reason)s); check the path"), path=p,
                                reason=exc.strerror) from None

    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    required = [n for n, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                and n != "name"]
    profiles: dict[str, Any] = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise ParameterError.of(_PROFILE_MSG["table", kind], path=p, key=repr(key),
                                    table=key)
        for k in table:
            if k not in fields:
                close = difflib.get_close_matches(k, list(fields), n=1)
                if close:
                    raise ParameterError.of(_PROFILE_MSG["near", kind], path=p, key=repr(k),
                                            table=key, near=repr(close[0]))
                raise ParameterError.of(_PROFILE_MSG["unknown", kind], path=p, key=repr(k),
                                        table=key, known=", ".join(fields))
        if "name" in table and table["name"] != key:
            raise ParameterError.of(_PROFILE_MSG["name", kind], path=p, table=key,
                                    name=repr(table["name"]), key=repr(key))
        missing = [n for n in required if n not in table]
        if missing:
            raise ParameterError.of(_PROFILE_MSG["lacks" if len(missing) == 1 else "lacks2", kind],
                                    path=p, table=key, keys=", ".join(missing))
        values: dict[str, Any] = {"name": key}
        for k, v in table.items():
            if k == "name":
                continue
            ok, coerced = _type_ok(v, hints[k])
            if not ok:
                raise ParameterError.of(_PROFILE_MSG["type", kind], path=p, table=key, key=k,
                                        value=repr(v), expected=hints[k])
            values[k] = coerced
        profiles[key] = cls(**values)
    if not profiles:
        raise ParameterError.of(_PROFILE_MSG["none", kind], path=p)
    return profiles


def load_printers(path: str | os.PathLike | None = None) -> dict[str, Printer]:
    """Read printer profiles.

    Parameters
    ----------
    path : path-like, optional
        TOML file; default ``templates/printers.toml``.

    Returns
    -------
    dict of str to Printer
        Keyed by profile name, in file order.

    Raises
    ------
    ParameterError
        The file is missing or malformed, a key is unknown (the message names it), a
        required key is missing, or a value is out of range.
    """
    return _load_profiles(path, Printer, "printers.toml", "printer")


def load_materials(path: str | os.PathLike | None = None) -> dict[str, Material]:
    """Read material presets.

    Parameters
    ----------
    path : path-like, optional
        TOML file; default ``templates/materials.toml``.

    Returns
    -------
    dict of str to Material
        Keyed by preset name, in file order.

    Raises
    ------
    ParameterError
        As :func:`load_printers`.
    """
    return _load_profiles(path, Material, "materials.toml", "material")


def _get(profiles: dict[str, Any], name: str, kind: str, file_name: str) -> Any:
    if isinstance(name, str):
        if name in profiles:
            return profiles[name]
        lowered = {k.lower(): v for k, v in profiles.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise ParameterError.of(_PROFILE_MSG["get", kind], name=repr(name),
                            known=", ".join(profiles), file=file_name)


def get_printer(name: str, path: str | os.PathLike | None = None) -> Printer:
    """The printer profile ``name`` (case-insensitive).

    Raises
    ------
    ParameterError
        ``name`` is unknown; the message lists the known names.
    """
    return _get(load_printers(path), name, "printer", "printers.toml")


def get_material(name: str, path: str | os.PathLike | None = None) -> Material:
    """The material preset ``name`` (case-insensitive).

    Raises
    ------
    ParameterError
        ``name`` is unknown; the message lists the known names.
    """
    return _get(load_materials(path), name, "material", "materials.toml")

