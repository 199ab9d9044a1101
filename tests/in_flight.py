"""Calls slowed down and counted while in flight: shows that calls on
several connections really overlap (a sequential sender never has two)."""

import threading
import time
from unittest.mock import patch

PAUSE_S = 1.0  # each watched call takes this long: longer than planning the next


def watch_in_flight(owner, name, pause=PAUSE_S):
    """``(state, patcher)``: ``state["max"]`` is the most calls of
    ``owner.name`` in flight at once while the patcher is active."""
    state = {"now": 0, "max": 0}
    lock = threading.Lock()
    original = getattr(owner, name)

    def watched(*args, **kwargs):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            time.sleep(pause)
            return original(*args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    return state, patch.object(owner, name, watched)
