"""expect: asyncio-task-deadlock
python: >=3.9
A coroutine holds a threading.RLock that guards an export directory (a
plain `with`, so the loop thread holds it) and, inside the block, awaits
asyncio.to_thread() of the export job, which takes the same lock in the
default executor's worker thread: the worker waits for the lock, the task
waits for the worker's job, and the idle loop never gets to release it.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once),
exporter_0 (the default executor's worker, named when it is created so the
oracle's thread table and the core agree; in RLock acquire inside export;
non-daemon).
"""
import _oracle; _oracle.arm()

import asyncio
import concurrent.futures
import threading

export_lock = threading.RLock()
written = []


def export(rows):
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
# a name given at creation is in place before the thread runs (renaming it
# from inside raced the oracle's snapshot on slow builds)
loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="exporter"))
loop.run_until_complete(main(loop))
