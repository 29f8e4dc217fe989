"""Background jobs: one function run in a thread-pool thread, reporting through Qt signals.

Only the model starts jobs, one at a time (the design session is not thread-safe).  A job
gets ``progress(stage, fraction)`` and ``cancel() -> bool`` callables; its result or its
exception comes back to the GUI thread through queued signals.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


def run_until(done: Callable[[], bool], timeout_s: float, interval_ms: int = 10) -> bool:
    """Run the Qt event loop, idle between events as the application is, until ``done()``
    or ``timeout_s`` has passed; returns ``done()``.  (A busy ``processEvents`` loop would
    take the GIL and a core from the worker thread.)  For waiting in screenshots, tests and
    benchmarks."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.monotonic() + timeout_s
    loop, timer = QEventLoop(), QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: loop.quit() if done() or time.monotonic() >= end else None)
    timer.start()
    if not done() and time.monotonic() < end:
        loop.exec()
    timer.stop()
    return bool(done())


class CancelFlag:
    """A thread-safe flag the worker polls (``update(cancel=flag)``)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __call__(self) -> bool:
        return self._event.is_set()


class JobSignals(QObject):
    progress = Signal(object, str, float)    # job, stage, fraction
    partial = Signal(object, object)         # job, intermediate result (e.g. one stage's)
    finished = Signal(object, object)        # job, result
    failed = Signal(object, object, str)     # job, exception, traceback text


class Job(QRunnable):
    """``fn(job) -> result`` run in a pool thread.

    ``fn`` calls ``job.progress(stage, fraction)`` and ``job.partial(payload)`` to report, and
    polls ``job.cancel()`` (or passes it to ``DesignSession.update(cancel=...)``).
    """

    def __init__(self, kind: str, fn: Callable[[Job], Any], **info: Any):
        super().__init__()
        self.setAutoDelete(False)       # the model keeps the Python object until it is done
        self.kind = kind
        self.fn = fn
        self.info = info
        self.cancel = CancelFlag()
        self.signals = JobSignals()

    def progress(self, stage: str, fraction: float) -> None:
        self.signals.progress.emit(self, stage, float(fraction))

    def partial(self, payload: Any) -> None:
        self.signals.partial.emit(self, payload)

    def run(self) -> None:  # noqa: D401 - QRunnable API
        try:
            result = self.fn(self)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the GUI
            self.signals.failed.emit(self, exc, traceback.format_exc())
        else:
            self.signals.finished.emit(self, result)


def start_reconstruction_helper() -> None:
    """The one helper process of this program for the scan's surface reconstruction
    (:mod:`prosthetics.scan.poisson`: Open3D's Poisson solver holds the interpreter lock for
    most of a second, which would stop the window answering), started once with Open3D
    imported in it; without it (a process cannot be started) the reconstruction runs in the
    job's thread as before."""
    if _helper:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from prosthetics.scan import poisson

    try:
        # forkserver: the helper starts from a fresh interpreter, not a copy of this one
        # with its Qt and worker threads
        pool = ProcessPoolExecutor(max_workers=1,
                                   mp_context=multiprocessing.get_context("forkserver"))
        pool.submit(poisson.warm)
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("no helper process for the reconstruction (%s): it runs in the job's "
                    "thread", exc)
        _helper.append(None)
        return
    poisson.use_process_pool(pool)
    _helper.append(pool)


_helper: list = []


def make_pool(parent: QObject | None = None) -> QThreadPool:
    """A pool with one thread: jobs on the session run strictly one after the other (and
    the reconstruction's helper process, :func:`start_reconstruction_helper`)."""
    start_reconstruction_helper()
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    return pool
