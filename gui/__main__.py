"""Entry point of the desktop application (``prosthetics-gui``, ``python -m prosthetics_gui``).

    prosthetics-gui [SCAN | CASE_FOLDER | CASE.case.json]
    prosthetics-gui --screenshot OUT.png [--step template] [--size 1400x900] [SCAN|CASE]

With no argument the sample scan opens.  ``--config FILE``, ``--lang en|ur``, ``-v`` and
``-q`` are those of the ``prosthetics`` command; they are read before Qt starts, a bad
configuration exits 2 with one line, and the language chosen (by ``--lang`` or the
file) and the configuration file given are left in ``PROSTHETICS_LANG`` and
``PROSTHETICS_CONFIG`` (and :data:`LANGUAGE`, :data:`CONFIG`) for the window.  ``--screenshot`` runs the whole design, shows the
chosen step, saves a picture of the window and exits (0 on success, 2 on an error in the
design, 1 on a time-out).  ``--exit-when-shown`` prints when the window was shown and when
the interface was built (seconds since the epoch) and exits; the start-up benchmark uses it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

STEP_NAMES = ("scan", "clean", "align", "measure", "rectify", "template", "export")
#: --step aliases
STEP_ALIASES = {"distance": "rectify", "socket": "template"}
#: The environment variable that holds the reports' language chosen at start-up.
LANG_ENV_VAR = "PROSTHETICS_LANG"
#: The configuration read at start-up, and the language chosen by ``--lang`` or by the
#: configuration file (None: neither chose one), set by :func:`main`.
CONFIG = None
LANGUAGE: str | None = None


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w < 400 or h < 300:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size {text!r}: write it as WIDTHxHEIGHT, at least "
                                         f"400x300 (e.g. 1400x900)") from None
    return w, h


def _version() -> str:
    from prosthetics import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="prosthetics-gui",
        description="Desktop application: phone scan of a residual limb to a 3D-printable "
                    "socket.")
    p.add_argument("--version", action="version", version=f"prosthetics-gui {_version()}")
    p.add_argument("--config", metavar="FILE",
                   help="configuration file (default: $PROSTHETICS_CONFIG, else the user's "
                        "config.toml; see 'prosthetics config show')")
    p.add_argument("--lang", choices=["en", "ur"],
                   help="language of the reports (overrides the configuration's)")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="log more on stderr: -v INFO, -vv DEBUG with libraries")
    p.add_argument("-q", "--quiet", action="store_true", help="log errors only")
    p.add_argument("path", nargs="?", help="scan file, case folder (or its case.json) or "
                                           "single-file case (*.case.json); default: the "
                                           "sample scan")
    p.add_argument("--screenshot", metavar="PNG",
                   help="design, show the step, save a picture of the window and exit")
    p.add_argument("--step", default="template",
                   choices=list(STEP_NAMES) + list(STEP_ALIASES),
                   help="step shown by --screenshot (default: template; 'distance' = rectify)")
    p.add_argument("--view", default=None,
                   choices=["anterior", "posterior", "right", "left", "distal", "three_quarter"],
                   help="standard view for --screenshot (default: the step's own)")
    p.add_argument("--size", type=_size, default=(1400, 900), metavar="WxH",
                   help="window size (default 1400x900)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="--screenshot: give up after this many seconds (default 600)")
    p.add_argument("--exit-when-shown", action="store_true",
                   help="print the times the window was shown and built, then exit")
    p.add_argument("--exit-when-drawn", action="store_true",
                   help="open the sample on the Template step, print the time its socket was "
                        "first drawn, then exit")
    return p


def _settings(args) -> int | None:
    """Read the configuration and set up logging, before Qt starts; 2 (after one line on
    stderr) when the configuration is unusable."""
    global CONFIG, LANGUAGE
    from prosthetics.cli.progress import configure_logging
    from prosthetics.config import CONFIG_ENV_VAR, load_config
    from prosthetics.errors import ProstheticsError

    configure_logging(args.verbose, args.quiet)
    try:
        CONFIG = load_config(args.config)
    except ProstheticsError as exc:
        print(f"prosthetics-gui: error: {exc}", file=sys.stderr)
        return 2
    # A language given here or in the file is the launcher's choice; without one the
    # window keeps its own (the language saved from View > Language).
    LANGUAGE = args.lang or (CONFIG.language if "report.language" in CONFIG.given else None)
    if LANGUAGE:
        os.environ[LANG_ENV_VAR] = LANGUAGE
    if args.config:
        os.environ[CONFIG_ENV_VAR] = os.path.abspath(CONFIG.source)
    return None


def main(argv: list[str] | None = None) -> int:
    t_start = time.time()
    args = build_parser().parse_args(argv)
    rc = _settings(args)
    if rc is not None:
        return rc
    from PySide6.QtCore import QTimer

    from .mainwindow import MainWindow, qapp

    app = qapp()
    win = MainWindow(headless=bool(args.screenshot))
    win.resize(*args.size)
    win.show()
    _install_excepthook(win)

    if args.exit_when_shown:
        def shown() -> None:
            print(f"shown {time.time():.6f} main_entered {t_start:.6f}", flush=True)
        QTimer.singleShot(0, shown)

        def built() -> None:
            print(f"built {time.time():.6f}", flush=True)
            app.quit()
        win.ready.connect(built)
        win.start(None, open_sample=False)
        rc = app.exec()
        win.close()
        return rc

    if args.exit_when_drawn:
        def drawn(what: str) -> None:
            if what in ("preview", "template") and win.model.socket is not None:
                print(f"drawn {time.time():.6f} main_entered {t_start:.6f}", flush=True)
                app.quit()

        def on_ready() -> None:
            win.select_step("template")
            win.viewport.rendered.connect(drawn)
        win.ready.connect(on_ready)
        win.start(args.path)
        rc = app.exec()
        win.close()
        return rc

    win.start(args.path)
    if args.screenshot:
        return _screenshot(app, win, args)
    rc = app.exec()
    return rc


def _install_excepthook(win) -> None:
    """An exception in a GUI-thread slot (a bug) is shown as a message, not lost on the
    terminal; the window keeps running."""
    import traceback

    showing = []

    def hook(etype, value, tb):
        traceback.print_exception(etype, value, tb)
        if showing or etype in (KeyboardInterrupt, SystemExit):
            return
        showing.append(1)
        try:
            from .messages import error_hint

            win.show_error(f"unexpected error: {etype.__name__}: {value}", error_hint(value))
        finally:
            showing.clear()
    sys.excepthook = hook


def _screenshot(app, win, args) -> int:
    from pathlib import Path

    from PySide6.QtCore import QCoreApplication, QEventLoop

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    deadline = time.monotonic() + args.timeout
    while not win.is_ready() and time.monotonic() < deadline and not win.errors:
        spin(0.05)
    rc = 0
    if win.is_ready() and not win.errors:
        ok = win.model.wait_idle(max(1.0, deadline - time.monotonic()))
        if not ok:
            print("prosthetics-gui: --screenshot timed out", file=sys.stderr)
            rc = 1
    if win.errors:
        rc = 2
    if rc == 0:
        step = STEP_ALIASES.get(args.step, args.step)
        win.select_step(step)
        spin(0.3)
        if args.view:
            win.set_view(args.view)
        spin(0.3)
        out = Path(args.screenshot)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not win.grab().save(str(out)):
            print(f"prosthetics-gui: cannot write {out}", file=sys.stderr)
            rc = 1
        else:
            print(f"wrote {out}")
    win.close()
    app.processEvents()
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
