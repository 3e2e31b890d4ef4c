"""The two lanes of the service: short requests on ``concurrency`` slots, long ones one at a time
beside them (see :mod:`ssaser.serve.limits`), so that any number of long requests occupies at most
one extra thread and a short request never queues behind them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from ssaser.serve.limits import ServiceLimits


class Busy(Exception):
    """Too many long requests already wait for their lane."""


class Lanes:
    """Two semaphores: light requests on ``slots`` of them, heavy ones one at a time."""

    def __init__(self, limits: ServiceLimits) -> None:
        self.limits = limits
        self.light = asyncio.Semaphore(limits.slots)
        self.heavy = asyncio.Semaphore(1)
        self.heavy_waiting = 0

    @contextlib.asynccontextmanager
    async def hold(self, windows: int) -> AsyncIterator[None]:
        """A slot of the lane that a request of ``windows`` windows runs in (:class:`Busy` if full)."""
        if windows <= self.limits.heavy_windows:
            async with self.light:
                yield
            return
        if self.heavy.locked() and self.heavy_waiting >= self.limits.max_heavy_waiting:
            raise Busy()
        self.heavy_waiting += 1
        try:
            await self.heavy.acquire()
        finally:
            self.heavy_waiting -= 1
        try:
            yield
        finally:
            self.heavy.release()
