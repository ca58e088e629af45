import gc
import weakref
from collections.abc import Iterator

import pytest

from knowledge import heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_collects_garbage_first_then_freezes_what_survives(unfrozen: None) -> None:
    kept = [[n] for n in range(1000)]
    garbage = weakref.ref(_Node())
    frozen = heap.settle()
    assert garbage() is None  # collected, not frozen for ever
    assert frozen == gc.get_freeze_count() >= len(kept)
