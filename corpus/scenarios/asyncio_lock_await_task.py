"""expect: asyncio-task-deadlock
python: >=3.6
A cache refresh holds the cache's asyncio.Lock while it awaits the fetch
task it started, and the fetch task needs the same lock to store its
result: "refresh" awaits the task "fetch", which waits in Lock.acquire for
the lock "refresh" holds (a cycle through a task await and a lock).  No
timer is scheduled, so the loop thread blocks in the selector with no
timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


class Cache(object):
    def __init__(self):
        self.lock = asyncio.Lock()
        self.data = {}

    async def fetch(self, key):
        value = key.upper()
        async with self.lock:
            self.data[key] = value
        return value

    async def refresh(self, loop, key):
        async with self.lock:
            fetcher = loop.create_task(self.fetch(key))
            if hasattr(fetcher, "set_name"):
                fetcher.set_name("fetch")
            _oracle.ready_when_loop_idle(loop)
            return await fetcher


async def main(loop):
    cache = Cache()
    refresher = loop.create_task(cache.refresh(loop, "config"))
    if hasattr(refresher, "set_name"):
        refresher.set_name("refresh")
    return await refresher


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
