"""Parameter definitions shared by every stage.

Each stage takes a frozen, keyword-only dataclass whose fields carry their unit in the name
and a :func:`param` metadata record (label, unit, range, help).  The metadata is what the CLI
(``--set``), the presets in ``templates/`` and the GUI forms are built from, so a parameter is
described once.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import functools
import math
import typing
from dataclasses import dataclass, field
from typing import Any

from .errors import N_, ParameterError


@dataclass(frozen=True, kw_only=True)
class ParamInfo:
    """Description of one parameter, kept in the dataclass field's metadata."""

    label: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    help: str = ""


def param(default: Any, *, label: str, unit: str = "", min: float | None = None,
          max: float | None = None, help: str = "") -> Any:
    """A dataclass field with a default and its :class:`ParamInfo`."""
    info = ParamInfo(label=label, unit=unit, min=min, max=max, help=help)
    return field(default=default, metadata={"param": info})


def param_infos(cls_or_obj: Any) -> dict[str, tuple[dataclasses.Field, ParamInfo]]:
    """Map each parameter name of a parameter dataclass to its field and info."""
    return {f.name: (f, f.metadata["param"]) for f in dataclasses.fields(cls_or_obj)
            if "param" in f.metadata}


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    # Resolving the string annotations is slow (a few ms per class), and forms and
    # settings ask for every field in turn.
    return typing.get_type_hints(cls)


def param_type(cls: type, name: str) -> tuple[bool, Any]:
    """Whether field ``name`` of a parameter class may be None, and its value type."""
    tp = _type_hints(cls)[name]
    args = typing.get_args(tp)
    if type(None) in args:
        return True, next(a for a in args if a is not type(None))
    return False, tp


class Params:
    """Mixin for parameter dataclasses: range validation on creation and text coercion."""

    def __post_init__(self) -> None:
        for name, (_f, info) in param_infos(self).items():
            value = getattr(self, name)
            if value is None or isinstance(value, (bool, enum.Enum, str)):
                continue
            if isinstance(value, (int, float)):
                if not math.isfinite(value):
                    raise ParameterError.of(
                        N_("%(setting)s is not a finite number; give a value in %(range)s"),
                        setting=f"{name} = {value}",
                        range=f"[{info.min}, {info.max}] {info.unit}".rstrip())
                if (info.min is not None and value < info.min) or (
                        info.max is not None and value > info.max):
                    raise ParameterError.of(
                        N_("%(setting)s is outside its range %(range)s; set a value inside it"),
                        setting=f"{name} = {value:g} {info.unit}".rstrip(),
                        range=f"[{info.min:g}, {info.max:g}] {info.unit}")

    @classmethod
    def coerce(cls, name: str, text: Any) -> Any:
        """Convert ``text`` (a CLI or preset value) to the type of field ``name``."""
        optional, tp = param_type(cls, name)
        if isinstance(text, str) and optional and text.strip().lower() in ("", "none", "auto"):
            return None
        try:
            if isinstance(tp, type) and issubclass(tp, enum.Enum):
                return tp(text.value if isinstance(text, enum.Enum) else str(text).strip().lower())
            if tp is bool:
                if isinstance(text, bool):
                    return text
                word = str(text).strip().lower()
                if word in ("1", "true", "yes", "on"):
                    return True
                if word in ("0", "false", "no", "off"):
                    return False
                raise ValueError(text)
            if tp is int:
                return int(str(text))
            if tp is float:
                return float(text)
            return tp(text)
        except (ValueError, TypeError):
            setting, kind = f"{name} = {text!r}", getattr(tp, "__name__", tp)
            if isinstance(tp, type) and issubclass(tp, enum.Enum):
                raise ParameterError.of(
                    N_("%(setting)s is not a valid %(type)s (one of: %(choices)s); fix the "
                       "value"), setting=setting, type=kind,
                    choices=", ".join(m.value for m in tp)) from None
            raise ParameterError.of(N_("%(setting)s is not a valid %(type)s; fix the value"),
                                    setting=setting, type=kind) from None

    def replace(self, **changes: Any) -> Params:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (enums as their value)."""
        out = {}
        for name in param_infos(self):
            v = getattr(self, name)
            out[name] = v.value if isinstance(v, enum.Enum) else v
        return out


def apply_settings(groups: dict[str, Params], settings: dict[str, Any]) -> dict[str, Params]:
    """Apply ``KEY=VALUE`` settings to whichever parameter group owns each key.

    Raises
    ------
    ParameterError
        For a key no group has, with the closest known names.
    """
    owners: dict[str, str] = {}
    for gname, group in groups.items():
        for pname in param_infos(group):
            owners.setdefault(pname, gname)
    changes: dict[str, dict[str, Any]] = {g: {} for g in groups}
    for key, value in settings.items():
        if key not in owners:
            near = difflib.get_close_matches(key, owners, n=3)
            if near:
                raise ParameterError.of(N_("unknown parameter %(key)s; did you mean %(names)s?"),
                                        key=repr(key), names=", ".join(near))
            raise ParameterError.of(N_("unknown parameter %(key)s; run 'prosthetics templates "
                                       "show NAME' for the list"), key=repr(key))
        gname = owners[key]
        changes[gname][key] = type(groups[gname]).coerce(key, value)
    return {g: (groups[g].replace(**c) if c else groups[g]) for g, c in changes.items()}


def parse_set_options(items: list[str] | None) -> dict[str, str]:
    """Parse repeated ``--set KEY=VALUE`` options into a dict."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError.of(N_("--set %(item)s has no '='; write it as --set "
                                       "KEY=VALUE"), item=repr(item))
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise ParameterError.of(N_("--set %(item)s has no key; write it as --set "
                                       "KEY=VALUE"), item=repr(item))
        out[key] = value.strip()
    return out
