"""The slice of ``knowledge.store.Store`` that search needs, as structural types.

Search depends on these protocols instead of the concrete store so it can be tested against a small
in-memory double, and so the store can change internally without touching ranking code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from knowledge.models import Passage


class IndexRowLike(Protocol):
    """One passage as fed to the index (``knowledge.store.IndexRow``)."""

    @property
    def id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def guild(self) -> int | None: ...
    @property
    def article_id(self) -> int: ...
    @property
    def title(self) -> str: ...


class PassageStore(Protocol):
    """Read access to passages, by id watermark and by id."""

    async def max_passage_id(self) -> int: ...
    async def passages_after(self, after_id: int, limit: int) -> Sequence[IndexRowLike]: ...
    async def get_passages(self, ids: Sequence[int]) -> dict[int, Passage]: ...
