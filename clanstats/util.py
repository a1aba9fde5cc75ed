"""Small helpers with no better home."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[Sequence[T]]:
    """Split items into tuples of at most `size` (itertools.batched arrived only in 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
