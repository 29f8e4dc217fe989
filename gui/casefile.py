"""Single-file cases (``*.case.json``): a scan and every setting of its design, to reopen later.

These are version 1 of the case format; case folders (:mod:`prosthetics.cases.store`, version 2)
replace them, and ``prosthetics case new --from-legacy FILE`` makes a folder of one.

::

    {
      "schema": "prosthetics.case/1",
      "scan": {"path": "../scans/limb.ply",          # relative to the case file if possible
               "absolute_path": "/data/scans/limb.ply",
               "sha256": "..."},
      "template": "transtibial",                    # preset name (or PRESET.toml path)
      "units": null,                                # "mm", "cm", "m" or null (automatic)
      "parameters": {"clean": {...}, "align": {...}, "measure": {...}, "template": {...},
                     "export": {...}},              # values as for --set; null = automatic
      "landmarks": {}
    }
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosthetics.errors import OutputError, ProstheticsError
from prosthetics.fileio import atomic_write_text

from .language import translate

SCHEMA = "prosthetics.case/1"
SUFFIX = ".case.json"


class CaseError(ProstheticsError, ValueError):
    """A case file cannot be read or written."""


@dataclass(kw_only=True)
class Case:
    scan_path: Path
    sha256: str = ""
    template: str = "transtibial"
    units: str | None = None
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    landmarks: dict = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        """The parameters flattened as ``--set`` values (None -> "auto")."""
        return {k: ("auto" if v is None else v)
                for group in self.parameters.values() for k, v in group.items()}


def case_path_for(path: str | os.PathLike) -> Path:
    """``path`` with the ``.case.json`` ending added when it is missing."""
    p = Path(path)
    return p if p.name.endswith(SUFFIX) else p.with_name(p.name + SUFFIX)


def write_case(path: str | os.PathLike, case: Case) -> Path:
    """Write ``case`` atomically; the scan path is stored relative to the case file when
    possible (and absolute as a fallback)."""
    out = Path(path)
    scan = Path(case.scan_path).resolve()
    try:
        rel = os.path.relpath(scan, out.resolve().parent)
    except ValueError:          # another drive (Windows)
        rel = str(scan)
    data = {"schema": SCHEMA,
            "scan": {"path": Path(rel).as_posix(), "absolute_path": str(scan),
                     "sha256": case.sha256},
            "template": case.template, "units": case.units,
            "parameters": case.parameters, "landmarks": case.landmarks}
    try:
        atomic_write_text(out, json.dumps(data, indent=2) + "\n", what="case file")
    except OutputError as exc:
        raise CaseError.carrying(exc) from None
    return out


def read_case(path: str | os.PathLike) -> Case:
    """Read a case file; the scan path is resolved against the case file's folder."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError(translate("CaseFile", "case file {} does not exist; check the path")
                        .format(repr(str(p)))) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseError(translate("CaseFile", "case file {} cannot be read ({}); open another "
                                              "case or the scan itself").format(p.name, exc)
                        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CaseError(translate("CaseFile", "{} is not a case file of this version (schema "
                                              "{}, expected {}); open the scan instead").format(
            p.name, repr(data.get("schema") if isinstance(data, dict) else None), repr(SCHEMA)))
    scan = data.get("scan") or {}
    rel = scan.get("path")
    if not rel:
        raise CaseError(translate("CaseFile", "{} names no scan file; open the scan instead")
                        .format(p.name))
    candidate = (p.resolve().parent / rel)
    if not candidate.exists() and scan.get("absolute_path"):
        candidate = Path(scan["absolute_path"])
    params = data.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(g, dict) for g in params.values()):
        raise CaseError(translate("CaseFile", "{}: 'parameters' must map each group to its "
                                              "values").format(p.name))
    return Case(scan_path=candidate.resolve() if candidate.exists() else candidate,
                sha256=str(scan.get("sha256") or ""), template=str(data.get("template") or
                                                               "transtibial"),
                units=data.get("units"), parameters=params,
                landmarks=dict(data.get("landmarks") or {}))
