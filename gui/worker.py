"""Background jobs: one function run in a thread-pool thread, reporting through Qt signals.

Only the model starts jobs, one at a time (the design session is not thread-safe).  A job
gets ``progress(stage, fraction)`` and ``cancel() -> bool`` callables; its result or its
exception comes back to the GUI thread through queued signals.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


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


def make_pool(parent: QObject | None = None) -> QThreadPool:
    """A pool with one thread: jobs on the session run strictly one after the other."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    return pool
