"""In-process pub/sub that wakes a visitor session's open streams when its conversation changes.

An event carries no message: the stream re-reads the conversation from the database after its
last delivered id, so ordering, replay after a reconnect and multiple tabs all follow from one
query. publish() may be called from any thread (agent turns and dashboard handlers run in a
threadpool). Streams also re-read on every heartbeat, so a message written by another process
reaches the page within one heartbeat even without this hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict


class Subscription:
    def __init__(self, hub: EventHub, key: str) -> None:
        self._hub, self.key = hub, key
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def _notify(self) -> None:  # runs on the subscriber's loop
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """True when woken by publish(), False on timeout."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True

    def close(self) -> None:
        self._hub._remove(self)


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, key: str) -> Subscription:
        sub = Subscription(self, key)
        with self._lock:
            self._subs[key].add(sub)
        return sub

    def publish(self, key: str) -> int:
        """Wake every subscriber of `key`; returns how many were woken."""
        with self._lock:
            subs = list(self._subs.get(key, ()))
        for sub in subs:
            with contextlib.suppress(RuntimeError):  # its loop has closed; the subscription is going away
                sub._loop.call_soon_threadsafe(sub._notify)
        return len(subs)

    def subscribers(self, key: str) -> int:
        with self._lock:
            return len(self._subs.get(key, ()))

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.key)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.key]
