"""Template presets: the TOML files in ``templates/`` (or a clinic's own), read and checked.

A preset names a builder (:mod:`prosthetics.design.registry`) and sets parameters; the
parameter groups of a run are the builder's defaults, then the preset's values, then the
user's ``--set`` values.
"""

from __future__ import annotations

import enum
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # Python 3.10
    import tomli as tomllib

from prosthetics.design.registry import BUILDERS, get_builder, get_product
from prosthetics.errors import N_, ParameterError
from prosthetics.params import Params, param_infos, param_type
from prosthetics.resources import TEMPLATES_ENV_VAR, templates_dir

#: Profile files that live beside the presets but are not presets.
PROFILE_FILES = ("printers", "materials")


@dataclass(frozen=True, kw_only=True)
class Preset:
    """A template preset read from ``templates/*.toml``."""

    name: str
    builder: str
    label: str
    description: str
    parameters: dict
    path: str


def list_presets(directory: str | os.PathLike | None = None) -> dict[str, Preset]:
    """Presets in ``directory`` (default :func:`prosthetics.resources.templates_dir`) by
    name, printer and material profiles excluded."""
    directory = Path(directory) if directory is not None else templates_dir()
    out = {}
    for path in sorted(directory.glob("*.toml")):
        if path.stem in PROFILE_FILES:
            continue
        preset = load_preset(path)
        out[preset.name] = preset
    return out


def load_preset(path: str | os.PathLike) -> Preset:
    """Read one preset file; unknown top-level keys and builders are errors."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ParameterError.of(N_("preset %(name)s cannot be read (%(reason)s); fix the TOML"),
                                name=p.name, reason=exc) from None
    allowed = {"name", "builder", "label", "description", "parameters"}
    extra = set(data) - allowed
    if extra:
        raise ParameterError.of(N_("preset %(name)s: unknown key %(key)s; allowed: %(allowed)s"),
                                name=p.name, key=repr(sorted(extra)[0]),
                                allowed=", ".join(sorted(allowed)))
    builder = data.get("builder", "")
    if builder not in BUILDERS:
        raise ParameterError.of(N_("preset %(name)s: builder %(builder)s is not one of "
                                   "%(builders)s"), name=p.name, builder=repr(builder),
                                builders=", ".join(BUILDERS))
    return Preset(name=data.get("name", p.stem), builder=builder, label=data.get("label", p.stem),
                  description=data.get("description", ""),
                  parameters=dict(data.get("parameters", {})), path=str(p))


def resolve_template(template: str | os.PathLike | None) -> Preset:
    """A preset by name (in templates/) or by path to a .toml file."""
    if template is None:
        template = "transtibial"
    t = str(template)
    if t.endswith(".toml") or os.sep in t:
        if not Path(t).exists():
            raise ParameterError.of(N_("preset file %(path)s does not exist; check the path"),
                                    path=repr(t))
        return load_preset(t)
    presets = list_presets()
    if not presets:
        raise ParameterError.of(N_("no presets found in %(folder)s; reinstall the package or point "
                                   "%(var)s at a folder of preset files"),
                                folder=templates_dir(), var=TEMPLATES_ENV_VAR)
    if t not in presets:
        raise ParameterError.of(N_("unknown template %(name)s; known: %(known)s (or give a "
                                   "PRESET.toml path)"), name=repr(t), known=", ".join(presets))
    return presets[t]


def parameter_groups(preset: Preset, settings: dict[str, Any] | None = None) -> dict[str, Params]:
    """Default parameter groups with the preset's values, then ``settings``, applied."""
    product = get_product(product_of(preset))
    return product.parameter_groups(preset, settings)


def product_of(preset: Preset) -> str:
    """"socket" or "insole": what a run with ``preset`` makes."""
    return get_builder(preset.builder).product


def describe_parameters(groups: dict[str, Params]) -> list[dict]:
    """Every parameter with its group, value, type, unit, range and help (for listings and GUIs).

    ``type`` is one of "float", "int", "bool", "str", "choice" (with ``choices``), and
    ``optional`` says whether the value may be empty (None: automatic).
    """
    rows = []
    for gname, group in groups.items():
        for name, (_f, info) in param_infos(group).items():
            v = getattr(group, name)
            optional, tp = param_type(type(group), name)
            choices = None
            if isinstance(tp, type) and issubclass(tp, enum.Enum):
                kind, choices = "choice", [m.value for m in tp]
            else:
                kind = {float: "float", int: "int", bool: "bool", str: "str"}.get(tp, "str")
            rows.append({"group": gname, "name": name, "value": getattr(v, "value", v),
                         "type": kind, "choices": choices, "optional": optional,
                         "unit": info.unit, "min": info.min, "max": info.max,
                         "label": info.label, "help": info.help})
    return rows
