"""Progress for a person at a terminal."""

from __future__ import annotations

import sys
import time


def stage_printer():
    """Progress for a person at a terminal: one line per stage, with its time."""
    state = {"stage": None, "t": time.perf_counter()}

    def show(stage: str, fraction: float) -> None:
        if stage == "done" and fraction < 1.0:
            return
        now = time.perf_counter()
        if state["stage"] is not None and stage != state["stage"]:
            print(f"  {state['stage']:<9} {now - state['t']:5.1f} s", file=sys.stderr)
        if stage != state["stage"]:
            state.update(stage=stage, t=now)
        if stage == "done" and fraction >= 1.0:
            state["stage"] = None

    return show
