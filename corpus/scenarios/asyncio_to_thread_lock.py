"""expect: asyncio-task-deadlock
python: >=3.9
A coroutine holds a threading.RLock that guards an export directory (a
plain `with`, so the loop thread holds it) and, inside the block, awaits
asyncio.to_thread() of the export job, which takes the same lock in the
default executor's worker thread: the worker waits for the lock, the task
waits for the worker's job, and the idle loop never gets to release it.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once),
exporter (the executor worker, in RLock acquire inside export; non-daemon).
"""
import _oracle; _oracle.arm()

import asyncio
import threading

export_lock = threading.RLock()
written = []


def export(rows):
    threading.current_thread().name = "exporter"       # the executor's names differ across versions
    with export_lock:                   # the loop thread holds it: waits forever
        written.extend(rows)


async def nightly(loop):
    with export_lock:
        _oracle.ready_when_loop_idle(loop)
        await asyncio.to_thread(export, ["a", "b"])


async def main(loop):
    return await loop.create_task(nightly(loop))


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
