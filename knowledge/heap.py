"""Keep what a long-running process loads at start out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle() -> int:
    """Collect once, then freeze every object that survives; returns how many were frozen.

    A full collection walks every tracked object, and an archive's typo tables, modules and ORM
    metadata are most of them: at 1M paragraphs one such pass stopped an answer for ~50 ms. Call
    it once the index is loaded; objects made later are collected as usual, and frozen ones that
    lose their last reference are still freed (only cycles among them are not).
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("froze %d objects out of the collector's full passes", frozen)
    return frozen
