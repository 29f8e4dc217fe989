"""A second process for the reports: pictures and the PDF made beside the main work.

A design's pictures (matplotlib) and its PDF (WeasyPrint) are Python that holds the
interpreter's lock, so a thread of the same process does not run them beside anything
else, and the command's own process is busy with one thing at a time.  On two cores a
helper process does: ``prosthetics insole`` starts it with the command, ``prosthetics
design`` when the alignment starts (started earlier, its imports slowed the cleaning, whose
Open3D steps keep both cores busy); it imports matplotlib and WeasyPrint meanwhile, draws
the slow pictures while the print files are written, and lays out ``report.pdf`` while the
rest of the reports are.

Nothing here can fail a design: when the helper cannot start, dies, or cannot take a job's
arguments, the job is done in the calling process as it would be without a helper.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def _warm(pdf: bool) -> None:
    """The helper's start: the pictures' and the PDF's imports, made once there."""
    import prosthetics.reports.pictures  # noqa: F401 - imported for its side effect
    if pdf:
        from prosthetics.reports.templating import preload_pdf
        preload_pdf()


def _ready() -> bool:
    return True


class ReportHelper:
    """One helper process for a command's reports (see the module's text).

    Use it as a context manager, or call :meth:`close`; jobs go in with :meth:`beside`.
    """

    def __init__(self, *, pdf: bool = True, start: bool = True) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._failed = False
        self._pdf = pdf
        #: the names of the jobs whose result came from the helper, in order
        self.done: list[str] = []
        if start:
            self.start()

    def start(self) -> None:
        """Start the helper's process (once; :meth:`submit` starts it too)."""
        if self._pool is not None or self._closed:
            return
        pdf = self._pdf
        try:
            # spawn: a fresh interpreter, not a copy of this one (its threads, Open3D's
            # OpenMP pool); the process starts with the first job, so one is sent now.
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm, initargs=(pdf,))
            self._pool.submit(_ready)
        except Exception as exc:  # noqa: BLE001 - no helper: everything is made here
            log.info("report helper not started (%s): the reports are made in this process", exc)
            self._pool = None
            self._failed = True

    def submit(self, fn: Callable[..., T], /, *args, **kwargs) -> Future | None:
        """``fn(*args, **kwargs)`` in the helper, or None when it cannot take it."""
        if self._pool is None and not self._closed:
            self.start()
        if self._pool is None:
            return None
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a broken or closed pool: made here
            log.info("report helper refused a job (%s)", exc)
            return None

    @property
    def available(self) -> bool:
        """Whether jobs can go to the helper: started, or not started yet (a job starts
        it), and neither failed to start nor closed."""
        return not (self._closed or self._failed)

    @property
    def processes(self) -> list:
        """The helper's process (a list: empty before it starts and after :meth:`close`)."""
        return list((getattr(self._pool, "_processes", None) or {}).values())

    def close(self) -> None:
        """Stop the helper at once (a job still running in it is dropped: a command that
        ends early, on an error, does not wait for the helper's imports)."""
        self._closed = True
        if self._pool is None:
            return
        processes = self.processes
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        self._pool = None

    def __enter__(self) -> ReportHelper:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def beside(helper: ReportHelper | None, fn: Callable[..., T], /, *args,
           **kwargs) -> Callable[[], T]:
    """Start ``fn(*args, **kwargs)`` in ``helper`` (when there is one) and return a
    function that gives its result.

    The result is made in this process instead when there is no helper, or when the helper
    died or failed the job (a failure of ``fn`` itself then shows here, as it would have
    without a helper).
    """
    job = helper.submit(fn, *args, **kwargs) if helper is not None else None

    def result() -> T:
        if job is not None:
            try:
                value = job.result()
                helper.done.append(getattr(fn, "__name__", str(fn)))
                return value
            except Exception as exc:  # noqa: BLE001 - made here, where a real error shows
                log.info("report helper failed %s (%s): made in this process",
                         getattr(fn, "__name__", fn), exc)
        return fn(*args, **kwargs)

    return result


@contextlib.contextmanager
def report_helper(enabled: bool = True, *, pdf: bool = True,
                  start: bool = True) -> Iterator[ReportHelper | None]:
    """A :class:`ReportHelper` for a ``with`` block (started now, or at its
    :meth:`~ReportHelper.start` or first job), or None when not ``enabled``."""
    if not enabled:
        yield None
        return
    helper = ReportHelper(pdf=pdf, start=start)
    try:
        yield helper
    finally:
        helper.close()


__all__ = ["ReportHelper", "beside", "report_helper"]

