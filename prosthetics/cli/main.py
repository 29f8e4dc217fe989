"""Command line: ``prosthetics design|clean|measure|compare|templates|insole|batch|case|
config|completion``.

A bad input or parameter exits 2 with one line on stderr that says what was wrong and how to
fix it; nothing half-written is left behind.

Every command takes the global options ``--config FILE``, ``--lang en|ur``, ``-v``/``-vv``,
``-q`` and ``--version``, before or after its name.  The configuration file
(:mod:`prosthetics.config`) gives defaults under the ``--set`` values; log records go to
stderr (:func:`prosthetics.cli.progress.configure_logging`), and so does the progress of
``design`` and ``insole`` (drawn on a terminal; INFO lines with ``-v`` elsewhere).

Each command imports the layers it runs (design, scan, limb, reports, batch) inside itself,
so that ``prosthetics --help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import logging
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

from prosthetics import __version__
from prosthetics.cli.case import add_case_parser, cmd_case
from prosthetics.cli.progress import cli_progress, configure_logging, stop_live
from prosthetics.config import (
    LANGUAGES,
    TEMPLATE,
    Config,
    config_path,
    load_config,
    user_config_path,
)
from prosthetics.errors import N_, ConfigError, ParameterError, ProstheticsError, Terminated
from prosthetics.fileio import atomic_write_text, atomic_write_with
from prosthetics.params import parse_set_options
from prosthetics.resources import exports_dir, sample_scan

log = logging.getLogger(__name__)

#: The shells ``prosthetics completion`` writes a script for.
COMPLETION_SHELLS = ("bash", "zsh", "tcsh")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2)."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--units", choices=["mm", "cm", "m"], default=None,
                   help="unit of the scan file (default: metres for glTF and E57, the stage's "
                        "metersPerUnit for USD, otherwise decided "
                        "from the size; an ambiguous size is an error)")
    p.add_argument("--set", dest="settings", action="append", metavar="KEY=VALUE", default=[],
                   help="set a parameter (repeatable); see 'prosthetics templates show NAME'")


class _PickAction(argparse.Action):
    """``--pick N``: the same as ``--set pick_object=N``."""

    def __call__(self, parser, namespace, value, option_string=None):
        settings = list(getattr(namespace, "settings", None) or [])
        settings.append(f"pick_object={value}")
        namespace.settings = settings


def _add_pick(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pick", action=_PickAction, metavar="N", type=int,
                   help="a scan holding two or more limb-like objects is refused, naming "
                        "them largest first; keep the Nth of them (the same as --set "
                        "pick_object=N)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="prosthetics",
                     description="Phone scan of a residual limb to a 3D-printable socket.")
    parser.add_argument("--version", action="version", version=f"prosthetics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("design", help="scan -> socket print files and report",
                       description="Clean, align, measure and fit a socket template to a scan; "
                                   "write STL, 3MF, report.json and report.html.")
    d.add_argument("scan", nargs="?", help="scan file (default: the sample in scans/)")
    d.add_argument("--template", default="transtibial",
                   help="template preset name or PRESET.toml path (default: transtibial)")
    d.add_argument("--out", help="output folder (default: exports/<scan name>)")
    d.add_argument("--landmarks", metavar="FILE.json",
                   help="landmarks to use instead of the guesses: {\"points_mm\": {name: "
                        "[x, y, z]}} in the design frame (a report's rectification.landmarks, "
                        "edited)")
    d.add_argument("--rectification", metavar="FILE.json",
                   help="replay a rectification saved by the desktop application (File > "
                        "Export rectification): landmarks, trim-line control points, brush "
                        "strokes and protected regions, in the design frame (mm)")
    d.add_argument("--format", dest="formats", metavar="LIST",
                   help="comma list of files to write: stl, 3mf, step, aop (default: "
                        "stl,3mf; the same as --set formats=LIST)")
    _add_common(d)
    _add_pick(d)

    c = sub.add_parser("clean", help="scan -> clean limb mesh in the limb frame",
                       description="Clean and align a scan; write the limb surface (mm, limb "
                                   "frame: +Z proximal, distal end at 0, +Y anterior).")
    c.add_argument("scan")
    c.add_argument("--out", required=True, help="output mesh (.ply, .stl, .obj, .off)")
    _add_common(c)
    _add_pick(c)

    m = sub.add_parser("measure", help="length, volume, circumferences of a scan",
                       description="Clean, align and measure a scan.")
    m.add_argument("scan")
    m.add_argument("--json", action="store_true", help="print JSON")
    _add_common(m)
    _add_pick(m)

    k = sub.add_parser("compare", help="compare two scans of a limb (volume, shape change)",
                       description="Register scan B onto scan A (limb frames, then ICP) and "
                                   "report the volume change, the signed deviation of B from A "
                                   "and the change of circumference per level.")
    k.add_argument("scan_a")
    k.add_argument("scan_b")
    k.add_argument("--json", action="store_true", help="print the comparison as JSON")
    k.add_argument("--out", help="also write compare.json, compare.html and deviation.png here")
    _add_common(k)

    b = sub.add_parser("batch", help="run a manifest of cases (sockets, insoles) unattended",
                       description="Run every case of a CSV or JSON manifest (columns case_id, "
                                   "scan, kind, template, side, and parameter overrides by "
                                   "name) in parallel; write OUT/<case_id>/ per case and "
                                   "summary.csv and summary.json. Exit 0 when every case is "
                                   "done, 1 when some failed, 2 when the manifest is unusable.")
    b.add_argument("manifest")
    b.add_argument("--out", required=True, help="output folder")
    b.add_argument("--workers", type=int, help="worker processes (default: the machine's cores)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask distributed cluster (e.g. tcp://host:8786)")
    b.add_argument("--force", action="store_true",
                   help="redo cases whose inputs and parameters have not changed")
    b.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                   help="per-case time limit (default 900)")
    b.add_argument("--worker-wait", type=float, default=120.0, metavar="SECONDS",
                   help="with --scheduler: how long to wait for a worker when the scheduler "
                        "has none; then stop, exit 2, no case run (default 120)")

    i = sub.add_parser("insole", help="foot scan -> insole print files and report",
                       description="Clean and align a foot scan (+X heel to toe, +Z up, plantar "
                                   "plane at z = 0), measure it, fit the insole template; write "
                                   "STL, 3MF, report.json and report.html.")
    i.add_argument("scan", nargs="?", help="foot scan file (default: the sample in scans/)")
    i.add_argument("--side", choices=["left", "right"], default=None,
                   help="the foot the insole is for (default: the scanned foot; the other "
                        "side is its mirror image)")
    i.add_argument("--template", default="insole",
                   help="insole preset name or PRESET.toml path (default: insole)")
    i.add_argument("--out", help="output folder (default: exports/<scan name>)")
    _add_common(i)

    t = sub.add_parser("templates", help="list templates or show one's parameters",
                       description="List template presets, or show every parameter of one.")
    t.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    t.add_argument("name", nargs="?", help="preset name or PRESET.toml (for show)")

    add_case_parser(sub)

    g = sub.add_parser("config", help="show the configuration in force, or write a template",
                       description="The configuration file gives a clinic's defaults (clinic, "
                                   "clinician, report language, printer, materials, batch "
                                   "workers); see docs/config.md.")
    gs = g.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    gs.add_parser("show", help="print the settings in force and the file they came from",
                  description="Print every setting in force and the file it was read from "
                              "(--config FILE, PROSTHETICS_CONFIG, or the user's "
                              "config.toml).")
    gi = gs.add_parser("init", help="write a commented configuration file",
                       description="Write a commented template to the user's config.toml "
                                   "(or to --config FILE); an existing file is kept unless "
                                   "--force is given.")
    gi.add_argument("--force", action="store_true", help="replace an existing file")

    cp = sub.add_parser("completion", help="print a shell completion script",
                        description="Print a completion script for the shell, made from this "
                                    "command line's own parser; README.md says how to "
                                    "install it.")
    cp.add_argument("shell", choices=COMPLETION_SHELLS)

    _add_global_options(parser)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, top: bool = True,
                        seen: set[int] | None = None) -> None:
    """``--config``, ``--lang``, ``-v``, ``-q`` (and ``--version``) on ``parser`` and every
    sub-command's parser.  On a sub-command they are stored under ``sub_<name>`` with no
    default, so that an option given before the command name is not reset by the
    sub-command's parser (see :func:`_merge_global_options`)."""
    seen = set() if seen is None else seen
    if id(parser) in seen:
        return
    seen.add(id(parser))
    pre = "" if top else "sub_"

    def default(value):
        return value if top else argparse.SUPPRESS

    g = parser.add_argument_group("global options")
    g.add_argument("--config", dest=pre + "config", metavar="FILE", default=default(None),
                   help="configuration file (default: $PROSTHETICS_CONFIG, else the user's "
                        "config.toml; see 'prosthetics config show')")
    g.add_argument("--lang", dest=pre + "lang", choices=LANGUAGES, default=default(None),
                   help="language of the reports (overrides the configuration's)")
    g.add_argument("-v", "--verbose", dest=pre + "verbose", action="count",
                   default=default(0),
                   help="say more on stderr: -v the stages and settings (INFO), -vv "
                        "everything, libraries included (DEBUG)")
    g.add_argument("-q", "--quiet", dest=pre + "quiet", action="store_true",
                   default=default(False),
                   help="print only errors and the results: no progress, no log lines")
    if not top:
        g.add_argument("--version", action="version", version=f"prosthetics {__version__}")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_global_options(child, top=False, seen=seen)


def _merge_global_options(args: argparse.Namespace) -> argparse.Namespace:
    """Fold the global options given after a command's name into those given before it
    (after wins; ``-v`` counts add up)."""
    for name in ("config", "lang", "quiet"):
        value = vars(args).pop("sub_" + name, None)
        if value not in (None, False):
            setattr(args, name, value)
    args.verbose = (args.verbose or 0) + (vars(args).pop("sub_verbose", None) or 0)
    return args


#: Arguments that complete as file names (positional by dest, options by flag) and as
#: folder names, in the completion scripts.
_FILE_POSITIONALS = {"scan", "scan_a", "scan_b", "manifest", "case", "package", "name"}
_FILE_OPTIONS = {"--out", "--config", "--landmarks", "--rectification", "--template",
                 "--from-legacy", "--key-passphrase-file", "--passphrase-file", "--sign",
                 "--trust"}
_FOLDER_ARGUMENTS = {"--root", "--into", "folder"}


def _mark_completions(parser: argparse.ArgumentParser, file: dict, folder: dict,
                      seen: set[int] | None = None) -> None:
    """Tell shtab which arguments complete as file and folder names."""
    seen = set() if seen is None else seen
    if id(parser) in seen:
        return
    seen.add(id(parser))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_completions(child, file, folder, seen)
            continue
        names = set(action.option_strings) or {action.dest}
        if names & _FOLDER_ARGUMENTS:
            action.complete = folder
        elif names & _FILE_OPTIONS or (not action.option_strings
                                       and action.dest in _FILE_POSITIONALS):
            action.complete = file


def _front(args):
    """Load, clean, align (shared by clean and measure)."""
    from prosthetics.design.session import parameter_groups, resolve_template
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    groups = parameter_groups(resolve_template("transtibial"), parse_set_options(args.settings))
    scan = load_scan(args.scan, units=args.units)
    cleaned = clean_scan(scan, groups["clean"])
    aligned = align_limb(cleaned, groups["align"])
    return scan, cleaned, aligned, groups


def _result_words(lang: str):
    """``gettext`` of the reports' catalogue for ``lang``: the result lines of ``design`` and
    ``insole`` are written in the reports' language (and the error lines, :func:`_error_line`)."""
    from prosthetics.reports.i18n import gettext_for

    return gettext_for(lang)


def _line(word: str, text: str) -> str:
    """A result line: its word in a column of ten, then ``text``."""
    return f"{word:<9} {text}"


def _flag(_, value) -> str:
    """True or False as the result lines print them."""
    return _("True") if value is True else _("False") if value is False else str(value)


def _side(_, side) -> str:
    """A foot's side (left, right) as the result lines print it."""
    return _("left") if side == "left" else _("right") if side == "right" else str(side)


def _print_written(report: dict, out: Path, lang: str = "en") -> int:
    """The slicer's result, the files written and the warnings (design and insole)."""
    _ = _result_words(lang)
    sl = report["checks"].get("slicer", {})
    pr = report["checks"].get("printer") or {}
    if pr:
        fit = (_("%(printer)s: fits") if pr.get("fits")
               else _("%(printer)s: does NOT fit: %(reason)s"))
        print(_line(_("printer"), fit % {"printer": pr.get("printer"), "reason": pr.get("reason")}
                    + (_("; printed %(orientation)s, support about %(support)s ml") % {
                        "orientation": pr["orientation"],
                        "support": f"{pr.get('support_ml', 0):.0f}"}
                       if pr.get("orientation") else "")))
    if sl.get("ok"):
        print(_line(_("slicer"), _("ok: %(filament)s g of filament, print time %(time)s (sliced "
                                   "in %(seconds)s s)") % {
            "filament": sl.get("filament_g"), "time": sl.get("print_time_text"),
            "seconds": f"{sl.get('seconds') or 0:.0f}"}))
    elif sl.get("ran"):
        print(_line(_("slicer"), _("FAILED: %(message)s") % {"message": sl.get("message")}))
    else:
        print(_line(_("slicer"), _("not run: %(message)s") % {"message": sl.get("message")}))
    for o in report["outputs"]:
        print(_line(_("wrote"), str(o["path"])))
    print(_line(_("wrote"), str(out / "report.json")))
    print(_line(_("wrote"), str(out / "report.html")))
    if (out / "report.pdf").is_file():
        print(_line(_("wrote"), str(out / "report.pdf")))
    if report["warnings"]:
        from prosthetics.reports.context import Fmt
        from prosthetics.reports.warnings_i18n import translate_warning

        f = Fmt(lang)
        for w in report["warnings"]:
            print(_line(_("warning"), translate_warning(w, f)), file=sys.stderr)
    return 0


def _progress(out: Path, args=None):
    """The progress of ``design`` and ``insole``: drawn on a terminal, INFO log lines
    elsewhere with ``-v``, none with ``-q`` (or elsewhere without ``-v``)."""
    return cli_progress(getattr(args, "verbose", 0) or 0, bool(getattr(args, "quiet", False)),
                        on_slice=f"written   {out} (print files and reports); now slicing: "
                                 "Ctrl+C stops PrusaSlicer, the files stay")


def _config(args) -> Config:
    """The configuration the command runs with (``--lang`` applied)."""
    config = getattr(args, "loaded_config", None)
    if config is None:
        config = _load_config(args)
    return config


def _load_config(args) -> Config:
    config = load_config(getattr(args, "config", None))
    if getattr(args, "lang", None):
        config = dataclasses.replace(config, language=args.lang)
    return config


def _run_settings(args, config: Config) -> dict:
    """The ``--set`` values over the configuration's defaults for the run's kind; a
    default the preset sets itself is left to the preset (``insole_three_quarter_petg``
    stays PETG whatever the clinic's insole material)."""
    from prosthetics.design.presets import resolve_template

    settings = parse_set_options(args.settings)
    preset = resolve_template(args.template)
    defaults = config.settings_for(preset.builder)
    for key in [k for k in defaults if k in preset.parameters]:
        if key not in settings:
            log.info("%s: the preset %s sets %s = %s; the configuration's %s is not used",
                     key, preset.name, key, preset.parameters[key], defaults[key])
        del defaults[key]
    merged = {**defaults, **settings}
    log.info("template %s (%s); settings %s", preset.name, preset.builder,
             ", ".join(f"{k}={v}" for k, v in merged.items()) or "none")
    if defaults:
        log.debug("from the configuration: %s", defaults)
    return merged


#: Exit codes of a command stopped by Ctrl+C and by SIGTERM (128 + the signal's number).
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


def _write(write, design, out: Path, progress, command: str, **options) -> dict | int:
    """``write(design, out, ...)`` with the slicer's progress shown; the exit code when
    Ctrl+C or SIGTERM stopped the slicer after the files were written (that is then said
    on stderr).  ``options`` go to the writer (``record``, ``lang``)."""
    from prosthetics.design.output import SliceInterrupted

    log.info("writing %s", out)
    try:
        return write(design, out, progress=progress,
                     slice_progress=progress.slicer if progress is not None else None,
                     **options)
    except SliceInterrupted as exc:
        if progress is not None:
            progress.end()
        what = "stopped (SIGTERM)" if exc.terminated else "interrupted"
        print(f"prosthetics {command}: {what} while slicing; the print files and "
              f"reports in {out} are complete, and report.json says the slice did not finish",
              file=sys.stderr)
        return EXIT_TERMINATED if exc.terminated else EXIT_INTERRUPTED


def cmd_design(args) -> int:
    from prosthetics.reports.helper import report_helper

    config = _config(args)
    # The reports' second process starts when the alignment does: its imports then run
    # beside the alignment and the template, not beside the cleaning, which keeps both
    # cores busy itself.
    with report_helper(pdf=config.pdf, start=False) as helper:
        return _design(args, config, helper)


def _design(args, config, helper) -> int:
    from prosthetics.design.output import options_taken_by
    from prosthetics.design.session import run_design
    from prosthetics.design.socket_writer import write_design
    from prosthetics.limb.landmarks import read_landmarks

    scan = Path(args.scan) if args.scan else sample_scan()
    out = Path(args.out) if args.out else exports_dir() / scan.stem
    settings = _run_settings(args, config)
    progress = _progress(out, args)
    if args.formats:
        settings["formats"] = args.formats
    from prosthetics.sockets.rectification import read_rectification

    marks = read_landmarks(args.landmarks) if args.landmarks else None
    hand = read_rectification(args.rectification) if args.rectification else None
    def stage(name: str, fraction: float) -> None:
        if name == "align":
            helper.start()
        if progress is not None:
            progress(name, fraction)

    design = run_design(scan, template=args.template, settings=settings,
                        units=args.units, progress=stage, landmarks=marks,
                        rectification=hand)
    report = _write(write_design, design, out, progress, "design",
                    **options_taken_by(write_design, {**config.report_options(),
                                                   "helper": helper}))
    if isinstance(report, int):
        return report
    m, ch = report["measurements"], report["checks"]
    _ = _result_words(config.language)
    print(_line(_("scan"), f"{scan}  ({report['input']['units']}, "
                           f"{report['input']['units_source']})"))
    print(_line(_("limb"), _("length %(length)s mm, volume %(volume)s ml, %(count)s "
                             "circumferences") % {
        "length": f"{m['length_mm']:.1f}", "volume": f"{m['volume_ml']:.1f}",
        "count": len(m["circumferences"])}))
    print(_line(_("socket"), _("%(triangles)s triangles, %(volume)s ml, watertight "
                               "%(watertight)s, bodies %(bodies)s, thinnest wall %(wall)s mm "
                               "(asked %(asked)s)") % {
        "triangles": ch["triangles"], "volume": f"{ch['volume_ml']:.1f}",
        "watertight": _flag(_, ch["watertight"]), "bodies": ch["bodies"],
        "wall": ch["min_wall_mm"], "asked": f"{ch['wall_required_mm']:g}"}))
    return _print_written(report, out, config.language)


def cmd_clean(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".ply", ".stl", ".obj", ".off"):
        raise _usage(f"--out {out.name}: use a .ply, .stl, .obj or .off name")
    if out.resolve() == Path(args.scan).resolve():
        raise _usage("--out is the scan itself; a scan is never overwritten: choose another name")
    scan, cleaned, aligned, _ = _front(args)
    kind = out.suffix.lstrip(".").lower()
    atomic_write_with(out, lambda tmp: aligned.mesh.export(tmp, file_type=kind),
                      what="cleaned scan", fix="choose another --out")
    for st in cleaned.steps:
        print(f"{st['step']:<14} kept {st['kept']:>8}  removed {st['removed']:>8}  {st['detail']}")
    print(f"wrote {out} ({len(aligned.mesh.faces)} triangles, mm, limb frame)")
    return 0


def cmd_measure(args) -> int:
    from prosthetics.limb.measure import measure_limb

    scan, cleaned, aligned, groups = _front(args)
    meas = measure_limb(aligned.mesh, groups["measure"])
    d = meas.as_dict()
    if args.json:
        d["transform_scan_to_design"] = (aligned.transform @ scan.file_to_mm).round(9).tolist()
        print(json.dumps(d, indent=2))
        return 0
    print(f"length {d['length_mm']:.1f} mm, volume {d['volume_ml']:.1f} ml "
          f"(closed at z = {d['volume_top_z_mm']:.1f} mm)")
    print(f"{'z_mm':>8} {'circ_mm':>9} {'ap_mm':>7} {'ml_mm':>7}")
    for c, w in zip(d["circumferences"], d["widths"]):
        print(f"{c['z_mm']:8.1f} {c['mm']:9.1f} {w['ap_mm']:7.1f} {w['ml_mm']:7.1f}")
    return 0


def cmd_compare(args) -> int:
    from prosthetics.design.session import parameter_groups, resolve_template
    from prosthetics.limb.compare import compare_scans
    from prosthetics.reports.compare import write_comparison

    groups = parameter_groups(resolve_template("transtibial"), parse_set_options(args.settings))
    comp = compare_scans(args.scan_a, args.scan_b, groups=groups, units=args.units)
    config = _config(args)
    written = write_comparison(comp, args.out, lang=config.language,
                               templates_dir=config.report_templates,
                               pdf=config.pdf) if args.out else []
    r = comp.report
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        d = r["deviation_mm"]
        print(f"volume    below z = {r['common_top_z_mm']:.0f} mm (both scans): "
              f"A {r['volume_a_ml']:.1f} ml, B {r['volume_b_ml']:.1f} ml: "
              f"{r['volume_change_ml']:+.1f} ml ({r['volume_change_percent']:+.2f} %, "
              f"{r['sock_ply_equivalent']:+.2f} sock plies)")
        print(f"deviation of B from A: mean {d['mean']:+.2f} mm, p95 |d| {d['p95']:.2f} mm, "
              f"range {d['min']:+.2f} to {d['max']:+.2f} mm")
        print(f"{'z_mm':>8} {'A_mm':>8} {'B_mm':>8} {'change':>8}")
        for c in r["circumferences"]:
            print(f"{c['z_mm']:8.1f} {c['a_mm']:8.1f} {c['b_mm']:8.1f} {c['change_mm']:+8.1f}")
    for path in written:
        print(f"wrote     {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_templates(args) -> int:
    from prosthetics.design.presets import describe_parameters, list_presets
    from prosthetics.design.session import parameter_groups, resolve_template

    if args.action == "list":
        # One line per preset, its name first (scripts read the first word).
        for name, p in list_presets().items():
            print(f"{name:<28} {p.builder:<13} {p.label}")
        return 0
    if not args.name:
        raise _usage("templates show needs a NAME; run 'prosthetics templates list'")
    preset = resolve_template(args.name)
    print(f"{preset.name}: {preset.label} (template {preset.builder})\n{preset.description}\n")
    rows = describe_parameters(parameter_groups(preset))
    print(f"{'parameter':<32} {'value':>12} {'unit':<5} {'range':<16} description")
    for r in rows:
        rng = "" if r["min"] is None else f"{r['min']:g}..{r['max']:g}"
        if r["choices"]:
            rng = "|".join(r["choices"])
        val = "auto" if r["value"] is None else r["value"]
        print(f"{r['name']:<32} {str(val):>12} {r['unit']:<5} {rng:<16} {r['label']}"
              + (f": {r['help']}" if r["help"] else ""))
    return 0


def cmd_insole(args) -> int:
    from prosthetics.reports.helper import report_helper

    config = _config(args)
    with report_helper(pdf=config.pdf) as helper:
        return _insole(args, config, helper)


def _insole(args, config, helper) -> int:
    from prosthetics.design.insole import run_insole, write_insole
    from prosthetics.design.output import options_taken_by

    scan = Path(args.scan) if args.scan else sample_scan("foot_phone.ply")
    out = Path(args.out) if args.out else exports_dir() / scan.stem
    settings = _run_settings(args, config)
    if args.side:
        settings["side"] = args.side
    progress = _progress(out, args)
    design = run_insole(scan, template=args.template, settings=settings, units=args.units,
                        progress=progress)
    report = _write(write_insole, design, out, progress, "insole",
                    **options_taken_by(write_insole, {**config.report_options(),
                                                   "helper": helper}))
    if isinstance(report, int):
        return report
    m, ch, ins = report["measurements"], report["checks"], report["insole"]
    mm = ins["measured"]
    _ = _result_words(config.language)
    print(_line(_("scan"), f"{scan}  ({report['input']['units']}, "
                           f"{report['input']['units_source']})"))
    print(_line(_("foot"), _("%(side)s, length %(length)s mm, ball %(ball)s mm, heel %(heel)s "
                             "mm, arch %(arch)s mm") % {
        "side": _side(_, report["foot"]["scanned_side"]), "length": f"{m['foot_length_mm']:.1f}",
        "ball": f"{m['ball_width_mm']:.1f}", "heel": f"{m['heel_width_mm']:.1f}",
        "arch": f"{m['arch_height_mm']:.1f}"}))
    print(_line(_("insole"), _("%(side)s%(mirrored)s, length %(length)s mm, %(volume)s ml, "
                               "watertight %(watertight)s, bodies %(bodies)s, heel cup "
                               "%(cup)s mm") % {
        "side": _side(_, ins["side"]), "mirrored": _(" (mirrored)") if ins["mirrored"] else "",
        "length": f"{mm['length_mm']:.1f}", "volume": f"{ch['volume_ml']:.1f}",
        "watertight": _flag(_, ch["watertight"]), "bodies": ch["bodies"],
        "cup": mm["heel_cup_depth_mm"]}))
    return _print_written(report, out, config.language)


class _UsageError(ProstheticsError, ValueError):
    pass


def _usage(msg: str) -> _UsageError:
    return _UsageError(msg)


def cmd_batch(args) -> int:
    from prosthetics.batch.runner import run_batch

    if args.workers is not None and args.workers < 1:
        raise ParameterError.of(N_("%(option)s: give 1 or more"),
                                option=f"--workers {args.workers}")
    if args.timeout <= 0:
        raise ParameterError.of(N_("%(option)s: give a number of seconds above 0"),
                                option=f"--timeout {args.timeout:g}")
    if not args.worker_wait >= 0:
        raise ParameterError.of(N_("%(option)s: give a number of seconds, 0 or more"),
                                option=f"--worker-wait {args.worker_wait:g}")
    show = _BatchProgress(sys.stderr)
    result = run_batch(args.manifest, args.out, workers=args.workers, scheduler=args.scheduler,
                       force=args.force, timeout_s=args.timeout, progress=show,
                       notify=show.note, worker_wait_s=args.worker_wait)
    show.close()
    c = result.counts()
    where = f" on {result.scheduler}" if result.scheduler else ""
    print(f"{len(result.entries)} cases: {c['ok']} ok, {c['failed']} failed, {c['skipped']} "
          f"skipped (unchanged) in {result.wall_time_s:.0f} s{where}")
    for e in result.entries:
        if e["status"] == "failed":
            print(f"failed    {e['case_id']}: {e['error']}")
    if result.dashboard:
        print(f"dashboard {result.dashboard}")
    print(f"wrote     {Path(result.out) / 'summary.csv'}\n"
          f"wrote     {Path(result.out) / 'summary.json'}")
    return result.exit_code


class _BatchProgress:
    """A bar with counts and ETA on a terminal; one plain line per case otherwise."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.t0 = time.monotonic()
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}

    def __call__(self, entry: dict, done: int, total: int) -> None:
        self.counts[entry["status"]] += 1
        if not self.tty:
            extra = f": {entry['error']}" if entry["error"] else ""
            took = (f"(unchanged; made in {entry['time_s']:.1f} s)" if entry.get("reused")
                    else f"{entry['time_s']:.1f} s")
            print(f"[{done}/{total}] {entry['case_id']} {entry['status']} {took}{extra}",
                  file=self.stream, flush=True)
            return
        elapsed = time.monotonic() - self.t0
        ran = done - self.counts["skipped"]
        eta = elapsed / ran * (total - done) if ran else 0.0
        width = 30
        fill = int(width * done / total)
        c = self.counts
        self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total}  ok {c['ok']} "
                          f"failed {c['failed']} skipped {c['skipped']}  "
                          f"ETA {int(eta // 60)}:{int(eta % 60):02d} ")
        self.stream.flush()

    def note(self, line: str) -> None:
        """A line about the run as a whole (the scheduler, its workers and dashboard)."""
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def cmd_config(args) -> int:
    if args.config_command == "init":
        target = Path(args.config).expanduser() if args.config else user_config_path()
        if target.exists() and not args.force:
            raise ConfigError.of(N_("%(file)s exists and is kept; pass %(option)s to replace "
                                    "it with a fresh template"), file=target, option="--force")
        atomic_write_text(target, TEMPLATE, what="config file",
                          fix="pass --config FILE with a path you can write to")
        print(f"wrote     {target}")
        return 0
    config = _config(args)
    path, why = config_path(args.config)
    origin = {"--config": "given by --config", "PROSTHETICS_CONFIG": "named by "
              "PROSTHETICS_CONFIG", "user": "the user's configuration"}.get(why)
    if path is None:
        print(f"file      none: the built-in defaults (a file at {user_config_path()} would "
              f"be read; 'prosthetics config init' writes one)")
    else:
        print(f"file      {path} ({origin})")
    for key, value in config.rows():
        note = ""
        if key == "report.language" and getattr(args, "lang", None):
            note = "  (--lang)"
        elif path is not None and key not in config.given:
            note = "  (default)" if value is not None else ""
        shown = "not set" if value is None else (
            ("true" if value else "false") if isinstance(value, bool) else value)
        print(f"{key:<20} {shown}{note}")
    return 0


def cmd_completion(args) -> int:
    import shtab

    parser = build_parser()
    _mark_completions(parser, shtab.FILE, shtab.DIRECTORY)
    script = shtab.complete(parser, shell=args.shell)
    sys.stdout.write(script if script.endswith("\n") else script + "\n")
    return 0


COMMANDS = {"design": cmd_design, "clean": cmd_clean, "measure": cmd_measure,
            "compare": cmd_compare, "templates": cmd_templates, "batch": cmd_batch,
            "insole": cmd_insole, "case": cmd_case, "config": cmd_config,
            "completion": cmd_completion}

#: Commands that run without reading the configuration (they must work when it is broken).
_NO_CONFIG = {"completion"}


def _quiet_libraries(verbosity: int = 0) -> None:
    """Library chatter never reaches the terminal as raw text: trimesh logs a file it cannot
    parse (with a traceback) before raising, and numpy warns about corrupt numbers; what
    went wrong is said once, by the error this command prints.  With ``-vv`` both are
    shown, as DEBUG and WARNING log records."""
    if verbosity >= 2:
        logging.captureWarnings(True)
        return
    logging.getLogger("trimesh").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")


def _os_error_line(exc: OSError) -> str:
    """One line for a failure of the system while reading or writing."""
    where = exc.filename or "the output folder"
    if exc.errno == errno.ENOSPC:
        return (f"the disk is full while writing {where}; free some space there (or pass "
                f"another --out) and run again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write {where}; choose a folder you can write to"
    return f"cannot read or write {where} ({exc.strerror or exc}); check the path and the disk"


def _terminate(_signum, _frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = _merge_global_options(build_parser().parse_args(argv))
    restore_logging = configure_logging(args.verbose, args.quiet)
    trimesh_level = logging.getLogger("trimesh").level
    log.debug("prosthetics %s, command line %s", __version__,
              sys.argv[1:] if argv is None else argv)
    # SIGTERM ends a command as Ctrl+C does: nothing half-written, a slice in progress
    # stopped and said so in the reports.
    old = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGTERM, _terminate)
    try:
        with warnings.catch_warnings():
            _quiet_libraries(0 if args.quiet else args.verbose)
            return _run(args)
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
        logging.captureWarnings(False)
        logging.getLogger("trimesh").setLevel(trimesh_level)
        restore_logging()


def _prepare(args: argparse.Namespace) -> None:
    """Read the configuration (a bad one is an error of this command) and apply its
    defaults to the options that take one."""
    if args.command in _NO_CONFIG or getattr(args, "config_command", None) == "init":
        return
    config = _load_config(args)
    args.loaded_config = config
    log.info("configuration: %s", config.source or "none, the built-in defaults")
    if args.command == "batch" and args.workers is None and config.workers is not None:
        args.workers = config.workers
        log.info("batch workers: %d (from the configuration)", config.workers)


def _error_line(exc: ProstheticsError, args: argparse.Namespace) -> str:
    """``exc``'s line in the language of the reports (the configuration's, ``--lang``; the
    English line when the configuration could not be read and no ``--lang`` was given)."""
    config = getattr(args, "loaded_config", None)
    lang = getattr(args, "lang", None) or (config.language if config is not None else "en")
    if not lang or lang == "en" or exc.msgid is None:
        return str(exc)
    from prosthetics.reports.errors_i18n import error_line

    return error_line(exc, lang, embedded=True)


def _run(args: argparse.Namespace) -> int:
    try:
        try:
            _prepare(args)
            return COMMANDS[args.command](args)
        finally:
            stop_live()
    except ProstheticsError as exc:
        print(f"prosthetics {args.command}: error: {_error_line(exc, args)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"prosthetics {args.command}: error: not enough memory for this scan; close "
              f"other programs, or decimate the scan (fewer points) and run again",
              file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"prosthetics {args.command}: error: {_os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        # On a terminal, a new line: the slicer's progress may be on the current one.
        lead = "\n" if sys.stderr.isatty() else ""
        if isinstance(exc, Terminated):
            print(f"{lead}prosthetics: stopped (SIGTERM); no output was written",
                  file=sys.stderr)
            return EXIT_TERMINATED
        print(f"{lead}prosthetics: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
