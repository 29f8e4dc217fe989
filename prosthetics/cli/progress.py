"""Progress for a person at a terminal."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


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


def stage_printer(stream: TextIO | None = None, live: bool | None = None,
                  on_slice: str | None = None) -> StagePrinter:
    """Progress for a person at a terminal: one line per stage, with its time (see
    :class:`StagePrinter`)."""
    return StagePrinter(stream, live, on_slice)
