"""Progress and log lines for a person at a terminal, and for logs.

- On a terminal, :class:`RichStages`: a live line per running stage (spinner, stage,
  seconds; while PrusaSlicer slices, a bar with its percent and step) and a line per
  finished stage with its time, drawn by rich on stderr.
- Elsewhere (CI, a log file, a pipe), :class:`StagePrinter` without ``live``: one plain
  line per stage with its time; or, for ``-v`` of the command line, :class:`StageLog`:
  the same as INFO lines of the ``prosthetics.cli.progress`` logger.

All of them are ``progress(stage, fraction)`` callbacks with :meth:`slicer` (the writers'
``slice_progress``) and :meth:`end` (close the running stage when a run stops part way).
:func:`configure_logging` sets up the ``logging`` output of the command lines.

rich is imported only where a terminal is drawn on, so ``prosthetics --help`` and runs
into a pipe never load it.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

log = logging.getLogger(__name__)


class StagePrinter:
    """One line per stage with its time, on stderr; while the slicer runs, one line
    rewritten in place with the seconds so far and PrusaSlicer's own progress.

    Use it as the ``progress(stage, fraction)`` callback and its :meth:`slicer` as the
    ``slice_progress`` callback of the writers.  It says nothing of PrusaSlicer's
    messages: the report and the summary do.

    Parameters
    ----------
    stream : text stream, optional
        Where to print (default stderr).
    live : bool, optional
        Rewrite the slicing line in place (a terminal); default whether ``stream`` is
        one.  Otherwise a line is printed when PrusaSlicer starts a new step.
    on_slice : str, optional
        A line to print when slicing starts (where the files are, what Ctrl+C does).
    """

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 on_slice: str | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.on_slice = on_slice
        self.stage: str | None = None
        self.t = time.perf_counter()
        self._detail: Any = None
        self._shown = ""            # the slicing line on screen (live) or the last step

    def __call__(self, stage: str, fraction: float) -> None:
        if stage == "done" and fraction < 1.0:
            return
        now = time.perf_counter()
        if stage == self.stage:
            if stage == "slice":
                self._show_slicing(now)
            return
        if self.stage is not None:
            self._end_line()
            self._print(f"  {self.stage:<9} {now - self.t:5.1f} s")
        if stage == "slice":
            if self.on_slice:
                self._print(f"  {self.on_slice}")
            self._detail, self._shown = None, ""
        self.stage, self.t = stage, now
        if stage == "slice":
            self._show_slicing(now)
        if stage == "done":
            self.stage = None

    def end(self) -> None:
        """Close the running stage's line (its time), as when the run stops part way."""
        if self.stage is not None:
            self._end_line()
            self._print(f"  {self.stage:<9} {time.perf_counter() - self.t:5.1f} s")
            self.stage = None

    def slicer(self, progress: Any) -> None:
        """The ``slice_progress`` callback: ``progress`` has ``elapsed_s``, ``percent``
        (or None) and ``step`` (:class:`prosthetics.printing.slicer.SliceProgress`)."""
        self._detail = progress
        if self.stage == "slice":
            self._show_slicing(time.perf_counter())

    def _show_slicing(self, now: float) -> None:
        d = self._detail
        text = f"{now - self.t:3.0f} s"
        if d is not None and getattr(d, "percent", None) is not None:
            text += f"  {d.percent:3d} %"
        if d is not None and getattr(d, "step", ""):
            text += f"  {d.step}"
        if self.live:
            line = f"  {'slice':<9} {text}"
            pad = max(0, len(self._shown) - len(line))
            self.stream.write("\r" + line + " " * pad)
            self.stream.flush()
            self._shown = line
        elif d is not None and getattr(d, "step", "") and d.step != self._shown:
            self._shown = d.step
            self._print(f"  {'slice':<9} {text}")

    def _end_line(self) -> None:
        """Finish the slicing line rewritten in place, so the next line starts clean."""
        if self.live and self._shown:
            self.stream.write("\r" + " " * len(self._shown) + "\r")
            self._shown = ""

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class _Stages:
    """Times the stages of a run; subclasses say what to show."""

    def __init__(self, on_slice: str | None = None) -> None:
        self.on_slice = on_slice
        self.stage: str | None = None
        self.t = time.perf_counter()
        self._detail: Any = None

    def __call__(self, stage: str, fraction: float) -> None:
        if stage == "done" and fraction < 1.0:
            return
        if stage == self.stage:
            return
        now = time.perf_counter()
        if self.stage is not None:
            self._finished(self.stage, now - self.t)
        self.stage, self.t = None, now
        if stage == "done":
            self._closed()
            return
        self.stage = stage
        if stage == "slice":
            self._detail = None
        self._started(stage)

    def slicer(self, progress: Any) -> None:
        """The ``slice_progress`` callback (``elapsed_s``, ``percent`` or None, ``step``)."""
        changed = self._detail is None or getattr(progress, "step", "") != getattr(
            self._detail, "step", "")
        self._detail = progress
        if self.stage == "slice":
            self._sliced(progress, changed)

    def end(self) -> None:
        """Close the running stage (its time), as when the run stops part way."""
        if self.stage is not None:
            self._finished(self.stage, time.perf_counter() - self.t)
            self.stage = None
        self._closed()

    def _started(self, stage: str) -> None:
        log.debug("stage %s started", stage)

    def _finished(self, stage: str, seconds: float) -> None:
        log.info("%-9s %5.1f s", stage, seconds)

    def _sliced(self, progress: Any, changed: bool) -> None:
        if changed and getattr(progress, "step", ""):
            log.info("slice     %s", _slicing_text(progress))

    def _closed(self) -> None:
        pass


def _slicing_text(d: Any) -> str:
    """``"20 %  Generating perimeters"`` (what is known of it)."""
    parts = []
    if getattr(d, "percent", None) is not None:
        parts.append(f"{d.percent:3d} %")
    if getattr(d, "step", ""):
        parts.append(d.step)
    return "  ".join(parts)


class StageLog(_Stages):
    """Progress as log lines: INFO ``<stage> <seconds> s`` when a stage ends and on each new
    step of PrusaSlicer, DEBUG when a stage starts (``-v`` away from a terminal)."""

    def _started(self, stage: str) -> None:
        super()._started(stage)
        if stage == "slice" and self.on_slice:
            log.info("%s", self.on_slice)


class RichStages(_Stages):
    """Progress drawn by rich on a terminal.

    The running stage is a live line: a spinner, its name and its seconds; while the
    slicer runs, a bar with PrusaSlicer's percent and step.  A finished stage leaves one
    line with its time, as :class:`StagePrinter` prints it.

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw (default :func:`stderr_console`, shared with the log lines).
    on_slice : str, optional
        A line to print when slicing starts (where the files are, what Ctrl+C does).
    """

    def __init__(self, console: Any = None, on_slice: str | None = None) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        super().__init__(on_slice)
        seconds, slice_bar = _rich_columns()
        self.console = console if console is not None else stderr_console()
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<9}"), seconds(),
            slice_bar(bar_width=30), TextColumn("{task.fields[detail]}"),
            console=self.console, transient=True, redirect_stdout=False,
            redirect_stderr=True)
        self.task: Any = None
        self._running = False

    def _started(self, stage: str) -> None:
        super()._started(stage)
        if stage == "slice" and self.on_slice:
            self._line(self.on_slice)
        if not self._running:
            self.progress.start()
            self._running = True
            _LIVE.append(self)
        self.task = self.progress.add_task(stage, total=None, detail="", bar=stage == "slice")

    def _finished(self, stage: str, seconds: float) -> None:
        log.debug("stage %s ended after %.1f s", stage, seconds)
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None
            self.progress.refresh()
        from rich.text import Text

        self.console.print(Text.assemble(("  ✓ ", "green"), f"{stage:<9} {seconds:5.1f} s"),
                           highlight=False)

    def _sliced(self, progress: Any, changed: bool) -> None:
        if self.task is None:
            return
        percent = getattr(progress, "percent", None)
        fields: dict[str, Any] = {"detail": _slicing_text(progress)}
        if percent is not None:
            fields.update(total=100, completed=percent)
        self.progress.update(self.task, **fields)
        if changed and getattr(progress, "step", ""):
            log.debug("slice %s", _slicing_text(progress))

    def _closed(self) -> None:
        if self._running:
            self.progress.stop()
            self._running = False
            if self in _LIVE:
                _LIVE.remove(self)

    def _line(self, text: str) -> None:
        from rich.text import Text

        self.console.print(Text(f"  {text}"), highlight=False, soft_wrap=True)


@functools.lru_cache(maxsize=1)
def _rich_columns() -> tuple[type, type]:
    """The two columns of :class:`RichStages` of our own, as rich ``ProgressColumn``
    classes (made here: rich is imported only when a terminal is drawn on)."""
    from rich.progress import BarColumn, ProgressColumn
    from rich.text import Text

    class Seconds(ProgressColumn):
        """The running stage's seconds, as the finished stages show them."""

        def render(self, task):
            return Text(f"{task.elapsed or 0.0:5.1f} s", style="progress.elapsed")

    class SliceBar(BarColumn):
        """A bar on the slicing stage only (pulsing until PrusaSlicer says a percent)."""

        def render(self, task):
            return super().render(task) if task.fields.get("bar") else Text("")

    return Seconds, SliceBar


#: RichStages drawing now (stopped by :func:`stop_live` when a command fails).
_LIVE: list[RichStages] = []


def stop_live() -> None:
    """Stop every live progress display (a command failed or was interrupted), leaving the
    terminal's cursor where the next line can be printed."""
    for shown in list(_LIVE):
        shown._closed()


_console: Any = None


def stderr_console(force_terminal: bool | None = None) -> Any:
    """The rich Console on stderr that the progress and the log lines share (made on
    first use; :func:`configure_logging` makes a fresh one for each command)."""
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(stderr=True, force_terminal=force_terminal)
    return _console


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal that progress is drawn on."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def stage_printer(stream: TextIO | None = None, live: bool | None = None,
                  on_slice: str | None = None) -> StagePrinter | RichStages:
    """Progress for a person: on a terminal (stderr, ``stream`` and ``live`` not given)
    drawn by rich (:class:`RichStages`); otherwise one plain line per stage with its time
    (:class:`StagePrinter`)."""
    if stream is None and live is None and stderr_is_terminal():
        return RichStages(on_slice=on_slice)
    return StagePrinter(stream, live, on_slice)


def cli_progress(verbosity: int = 0, quiet: bool = False,
                 on_slice: str | None = None) -> StagePrinter | RichStages | StageLog | None:
    """The progress of a command: none with ``quiet``; drawn on a terminal; else, with
    ``-v`` (``verbosity`` 1 or more), INFO log lines; else none."""
    if quiet:
        return None
    if stderr_is_terminal():
        return RichStages(on_slice=on_slice)
    if verbosity >= 1:
        return StageLog(on_slice=on_slice)
    return None


#: Loggers of the project's own code: INFO with -v (libraries only with -vv).
PROJECT_LOGGERS = ("prosthetics", "prosthetics_gui")


def configure_logging(verbosity: int = 0, quiet: bool = False, *,
                      names: Iterable[str] = PROJECT_LOGGERS) -> Callable[[], None]:
    """Send log records to stderr: through rich's handler on a terminal, else one plain
    ``LEVEL logger: message`` line each.

    ``quiet``: errors only; 0: warnings; 1: INFO; all from the project's own loggers
    (``names``) only; 2 or more: DEBUG from everything, libraries included.  Returns a function
    that puts the logging set-up back as it was (for in-process callers, tests)."""
    global _console
    root = logging.getLogger()
    own = [logging.getLogger(n) for n in names]
    if quiet:
        root_level = own_level = logging.ERROR
    elif verbosity >= 2:
        root_level = own_level = logging.DEBUG
    elif verbosity == 1:
        root_level, own_level = logging.WARNING, logging.INFO
    else:
        root_level = own_level = logging.WARNING
    handler: logging.Handler
    if stderr_is_terminal():
        from rich.logging import RichHandler

        _console = None
        handler = RichHandler(console=stderr_console(), show_time=verbosity >= 2,
                              show_path=verbosity >= 2, markup=False,
                              rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbosity < 2 or quiet:
        # Libraries' records (WeasyPrint's CSS notes, trimesh's parse errors) only with -vv:
        # what went wrong is said once, by the command's own error line.
        prefixes = tuple(names)
        handler.addFilter(lambda record: record.name.split(".")[0] in prefixes)
    saved = (root.level, [lg.level for lg in own])
    root.addHandler(handler)
    root.setLevel(root_level)
    for lg in own:
        lg.setLevel(own_level)

    def restore() -> None:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for lg, level in zip(own, saved[1]):
            lg.setLevel(level)

    return restore
