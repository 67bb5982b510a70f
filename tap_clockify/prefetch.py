"""Fetch independent partitions concurrently while records are emitted in order.

The SDK syncs one partition after another, so a workspace with 250 users would wait
for 250 round trips in a row. Streams read per user or per project instead hand their
partitions to :func:`prefetched`, which keeps up to ``workers`` of them in flight in a
thread pool (every request still passes the shared throttle) and yields each
partition's records in the original order, so output and state stay deterministic.

Memory stays flat: the first partition is fetched alone, and its size sets how many
run at once, so that about ``RECORD_BUDGET`` records are buffered at most: eight
partitions of a hundred entries, but only two of two thousand.
"""

from __future__ import annotations

import typing as t
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: Partitions in flight at most; the throttle, not this, sets the request rate.
WORKERS = 8
#: Records buffered ahead of the one being emitted, at most (roughly).
RECORD_BUDGET = 3000

_DONE = object()
_Item = t.TypeVar("_Item")
_Record = t.TypeVar("_Record")


def prefetched(
    items: Iterable[_Item],
    fetch: Callable[[_Item], list[_Record]],
    workers: int = WORKERS,
) -> Iterator[_Record]:
    """Yield ``fetch(item)`` for every item, in item order, fetching ahead in threads.

    The first item is fetched alone, so what it teaches (a page-size cap answered with
    a 400) serves every later one instead of being learned ``workers`` times at once,
    and its size tells how many partitions fit in ``RECORD_BUDGET``.
    """
    remaining = iter(items)
    first = next(remaining, _DONE)
    if first is _DONE:
        return
    records = fetch(t.cast("_Item", first))
    workers = max(1, min(workers, RECORD_BUDGET // max(1, len(records))))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prefetch") as pool:
        pending = deque(pool.submit(fetch, item) for item in islice(remaining, workers))
        try:
            while True:
                yield from records
                if not pending:
                    return
                records = pending.popleft().result()
                if (item := next(remaining, _DONE)) is not _DONE:
                    pending.append(pool.submit(fetch, t.cast("_Item", item)))
        finally:
            for future in pending:
                future.cancel()
