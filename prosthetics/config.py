"""The user's configuration file: a clinic's defaults for every command (TOML).

    [clinic]
    name = "Mayo Hospital P&O workshop"
    clinician = "A. Khan"

    [report]
    language = "ur"            # en or ur
    templates = "reports"      # the clinic's own report templates (relative to this file)
    pdf = true

    [print]
    printer = "prusa_mk4"      # a printer of templates/printers.toml

    [socket]
    material = "petg"          # a material of templates/materials.toml

    [insole]
    material = "tpu_95a"

    [batch]
    workers = 2

The file is found, first match wins: the path given (``--config FILE``), the environment
variable ``PROSTHETICS_CONFIG``, then ``config.toml`` in the user's configuration folder
(:func:`user_config_path`; absent there, the built-in defaults apply).  Every key is
optional.  An unknown table or key, a value of the wrong type, an unknown printer or
material or a language other than ``en`` and ``ur`` is a :class:`ConfigError` of one line
that names the file, the key and what to write instead.  ``docs/config.md`` lists the keys.

The configuration only gives defaults: a ``--set`` value, a preset's own value and a
command's option always win over it (:meth:`Config.settings_for`).

The printer and material profiles are imported only when a file names a printer or a
material: ``prosthetics.printing`` loads trimesh and SciPy (over a second), and commands that
never print (``case list``, ``templates``) read the configuration too.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # Python 3.10
    import tomli as tomllib

import platformdirs

from prosthetics.errors import N_, ConfigError, ParameterError

#: The environment variable that names a configuration file.
CONFIG_ENV_VAR = "PROSTHETICS_CONFIG"
#: The languages the reports are written in.
LANGUAGES = ("en", "ur")

#: table -> key -> (field of Config, what is expected, an example value as TOML).
SCHEMA: dict[str, dict[str, tuple[str, str, str]]] = {
    "clinic": {"name": ("clinic", "text", '"Mayo Hospital P&O workshop"'),
               "clinician": ("clinician", "text", '"A. Khan"')},
    "report": {"language": ("language", "language", '"en"'),
               "templates": ("report_templates", "folder", '"report-templates"'),
               "pdf": ("pdf", "bool", "true")},
    "print": {"printer": ("printer", "printer", '"large_300"')},
    "socket": {"material": ("socket_material", "material", '"petg"')},
    "insole": {"material": ("insole_material", "material", '"tpu_95a"')},
    "batch": {"workers": ("workers", "workers", "2")},
}


@dataclass(frozen=True)
class Config:
    """The settings in force (see the module's docstring for the file's layout)."""

    clinic: str | None = None
    clinician: str | None = None
    language: str = "en"
    report_templates: Path | None = None
    printer: str | None = None
    socket_material: str | None = None
    insole_material: str | None = None
    pdf: bool = True
    workers: int | None = None
    #: The file read, None for the built-in defaults.
    source: Path | None = None
    #: The keys the file sets, as "table.key" (the rest are defaults).
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def settings_for(self, kind: str) -> dict[str, str]:
        """Defaults for a run of ``kind`` ("insole", or a socket: "socket", "transtibial",
        "transradial", "transfemoral"), as ``--set`` values: the printer for every product,
        the material of the product.  Merge them *under* the user's settings
        (``{**config.settings_for(kind), **settings}``) so that ``--set`` always wins."""
        out: dict[str, str] = {}
        if self.printer:
            out["printer"] = self.printer
        material = self.insole_material if kind == "insole" else self.socket_material
        if material:
            out["material"] = material
        return out

    def record(self) -> dict[str, str | None]:
        """Who made a design and the report's language, for the reports."""
        return {"clinic": self.clinic, "clinician": self.clinician, "language": self.language}

    def report_options(self, lang: str | None = None) -> dict:
        """What the reports take from the configuration: ``record`` (clinic, clinician,
        language), ``lang`` (``lang`` over the file's language), ``templates_dir`` and
        ``pdf``, as keyword arguments of the writers (see
        :func:`prosthetics.design.output.options_taken_by`)."""
        language = lang or self.language
        return {"record": {**self.record(), "language": language}, "lang": language,
                "templates_dir": self.report_templates, "pdf": self.pdf}

    def rows(self) -> list[tuple[str, Any]]:
        """``("table.key", value)`` for every key, in the file's order (None: not set)."""
        return [(f"{table}.{key}", getattr(self, spec[0]))
                for table, keys in SCHEMA.items() for key, spec in keys.items()]


def user_config_path() -> Path:
    """``config.toml`` in the user's configuration folder (``~/.config/prosthetics`` on
    Linux, ``%APPDATA%\\prosthetics`` on Windows, ``~/Library/Application Support/...``
    on macOS)."""
    return Path(platformdirs.user_config_dir("prosthetics", appauthor=False)) / "config.toml"


def config_path(path: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """The file :func:`load_config` reads and where its name came from ("--config",
    ``PROSTHETICS_CONFIG`` or "user"); ``(None, "defaults")`` when there is none.

    Raises
    ------
    ConfigError
        A file named by ``path`` or by the environment variable does not exist.
    """
    if path is not None and str(path) != "":
        p = Path(path).expanduser()
        if not p.exists():
            raise ConfigError.of(N_("config file %(path)s does not exist; check the path, or "
                                    "run %(command)s to write one"),
                                 path=p, command=f"'prosthetics config init --config {p}'")
        return p, "--config"
    env = os.environ.get(CONFIG_ENV_VAR, "")
    if env:
        p = Path(env).expanduser()
        if not p.exists():
            raise ConfigError.of(N_("config file %(path)s (from %(var)s) does not exist; fix "
                                    "or unset %(var)s"), path=p, var=CONFIG_ENV_VAR)
        return p, CONFIG_ENV_VAR
    p = user_config_path()
    return (p, "user") if p.exists() else (None, "defaults")


def load_config(path: str | os.PathLike | None = None) -> Config:
    """The configuration in force: the file ``path``, else the one ``PROSTHETICS_CONFIG``
    names, else the user's ``config.toml``, else the defaults.

    Raises
    ------
    ConfigError
        The file is missing (when named), unreadable or not TOML, or holds an unknown
        table or key, a value of the wrong type, an unknown printer or material, or a
        language other than en and ur.  The message is one line naming the file and key.
    """
    p, _why = config_path(path)
    if p is None:
        return Config()
    if p.is_dir():
        raise ConfigError.of(N_("config file %(path)s is a folder; give the path of a .toml "
                                "file"), path=p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.of(N_("%(path)s is not valid TOML (%(reason)s); fix the syntax, or "
                                "run %(command)s for a fresh file"), path=p, reason=exc,
                             command="'prosthetics config init --force'") from None
    except UnicodeDecodeError:
        raise ConfigError.of(N_("%(path)s is not UTF-8 text; save it as UTF-8"),
                             path=p) from None
    except OSError as exc:
        raise ConfigError.of(N_("cannot read config file %(path)s (%(reason)s); check its "
                                "permissions"), path=p, reason=exc.strerror or exc) from None
    values: dict[str, Any] = {"source": p}
    given: set[str] = set()
    for table, body in data.items():
        if table not in SCHEMA:
            owner = next((t for t, keys in SCHEMA.items() if table in keys), None)
            if owner is not None and not isinstance(body, dict):
                raise ConfigError.of(N_("%(path)s: %(setting)s is outside a table; write it "
                                        "under %(table)s"), path=p,
                                     setting=f"{table} = {body!r}", table=f"[{owner}]")
            tables = ", ".join(f"[{t}]" for t in SCHEMA)
            if (near := _closest(table, SCHEMA)) is not None:
                raise ConfigError.of(N_("%(path)s: unknown table %(table)s (did you mean "
                                        "%(near)s?); the tables are %(tables)s"),
                                     path=p, table=f"[{table}]", near=repr(near), tables=tables)
            raise ConfigError.of(N_("%(path)s: unknown table %(table)s; the tables are "
                                    "%(tables)s"), path=p, table=f"[{table}]", tables=tables)
        if not isinstance(body, dict):
            raise ConfigError.of(N_("%(path)s: %(setting)s must be a table; write %(table)s "
                                    "on its own line and its keys under it"),
                                 path=p, setting=f"{table} = {body!r}", table=f"[{table}]")
        for key, value in body.items():
            if key not in SCHEMA[table]:
                keys = SCHEMA[table]
                if (near := _closest(key, keys)) is not None:
                    raise ConfigError.of(N_("%(path)s: unknown key %(key)s in %(table)s (did "
                                            "you mean %(near)s?); the keys of %(table)s are "
                                            "%(keys)s"), path=p, key=repr(key),
                                         table=f"[{table}]", near=repr(near),
                                         keys=", ".join(keys))
                raise ConfigError.of(N_("%(path)s: unknown key %(key)s in %(table)s; the keys "
                                        "of %(table)s are %(keys)s"), path=p, key=repr(key),
                                     table=f"[{table}]", keys=", ".join(keys))
            name, kind, example = SCHEMA[table][key]
            values[name] = _check(p, table, key, value, kind, example)
            given.add(f"{table}.{key}")
    return Config(**values, given=frozenset(given))


def _closest(word: str, known) -> str | None:
    """The known name closest to ``word`` (a misspelling's), or None."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else None


#: The error of a printer or material the profiles lack, by (kind, a close name is known).
_UNKNOWN_PROFILE = {
    ("printer", True): N_("%(setting)s is not a known printer (did you mean %(near)s?); write "
                          "one of %(names)s (or add it to %(file)s)"),
    ("printer", False): N_("%(setting)s is not a known printer; write one of %(names)s (or add "
                           "it to %(file)s)"),
    ("material", True): N_("%(setting)s is not a known material (did you mean %(near)s?); "
                           "write one of %(names)s (or add it to %(file)s)"),
    ("material", False): N_("%(setting)s is not a known material; write one of %(names)s (or "
                            "add it to %(file)s)"),
}


def _check(p: Path, table: str, key: str, value: Any, kind: str, example: str) -> Any:
    """``value`` of ``[table] key`` checked and converted; a ConfigError says what to write."""
    where = f"{p}: [{table}] {key} = {_toml(value)}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError.of(N_("%(setting)s is not true or false; write %(example)s"),
                                 setting=where, example=f"{key} = {example}")
        return value
    if kind == "workers":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError.of(N_("%(setting)s is not a whole number; write %(example)s"),
                                 setting=where, example=f"{key} = {example}")
        if value < 1:
            raise ConfigError.of(N_("%(setting)s: give 1 or more, e.g. %(example)s"),
                                 setting=where, example=f"{key} = {example}")
        return value
    if not isinstance(value, str):
        raise ConfigError.of(N_("%(setting)s is not text; write it in quotes, e.g. "
                                "%(example)s"), setting=where, example=f"{key} = {example}")
    if kind == "language":
        if value.lower() not in LANGUAGES:
            raise ConfigError.of(N_("%(setting)s is not a language of the reports; write "
                                    "%(english)s (English) or %(urdu)s (Urdu)"),
                                 setting=where, english=f'{key} = "en"', urdu=f'{key} = "ur"')
        return value.lower()
    if kind == "folder":
        folder = Path(value).expanduser()
        if not folder.is_absolute():
            folder = p.parent / folder
        if not folder.is_dir():
            raise ConfigError.of(N_("%(setting)s: the folder %(folder)s does not exist; make "
                                    "it, or write the path of a folder of report templates "
                                    "(relative to %(base)s)"),
                                 setting=where, folder=folder, base=p.parent)
        return folder
    if kind in ("printer", "material"):
        from prosthetics.printing.profiles import load_materials, load_printers

        try:
            known = load_printers() if kind == "printer" else load_materials()
        except ParameterError as exc:
            raise ConfigError.of(N_("%(where)s: the printers cannot be read (%(reason)s)")
                                 if kind == "printer" else
                                 N_("%(where)s: the materials cannot be read (%(reason)s)"),
                                 where=where, reason=exc) from None
        match = next((name for name in known if name.lower() == value.lower()), None)
        if match is None:
            near = _closest(value, known)
            raise ConfigError.of(_UNKNOWN_PROFILE[kind, near is not None], setting=where,
                                 near=repr(near), names=", ".join(known),
                                 file=f"templates/{kind}s.toml")
        return match
    return value


def _toml(value: Any) -> str:
    """``value`` as it is written in TOML (for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{...}"
    return repr(value)


#: What ``prosthetics config init`` writes: every key, commented out (the defaults apply).
TEMPLATE = """\
# prosthetics: the clinic's defaults for every command (docs/config.md lists the keys).
# Every key is optional: remove the '#' in front of a line to set it.  A --set value,
# a preset's own value and a command's options always win over what is written here.

[clinic]
# The clinic and the clinician, written into the reports.
# name = "Mayo Hospital P&O workshop"
# clinician = "A. Khan"

[report]
# The reports' language: "en" (English) or "ur" (Urdu); --lang overrides it.
# language = "en"
# A folder of the clinic's own report templates (relative to this file, or absolute).
# templates = "report-templates"
# Write a PDF of the report beside report.html.
# pdf = true

[print]
# The printer of every design (templates/printers.toml: large_300, generic_220, prusa_mk4).
# printer = "large_300"

[socket]
# The material of sockets (templates/materials.toml: pla, petg, nylon, cf_nylon, ...).
# material = "petg"

[insole]
# The material of insoles (a preset naming its own material keeps it).
# material = "tpu_95a"

[batch]
# Worker processes of 'prosthetics batch' when --workers is not given.
# workers = 2
"""
