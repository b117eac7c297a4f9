"""The loopback server on its own thread, for code that runs its own event loop or is sync."""

from __future__ import annotations

import asyncio
import threading

from tests.live.adapters.loopback import Loopback


class ServedLoopback:
    def __enter__(self) -> Loopback:
        self.server, self.loop = Loopback(), asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
