"""expect: asyncio-idle-forever
python: >=3.11
A TaskGroup of three loaders: two finish, the third awaits an
asyncio.Event that the "ready" notification should set, but the
notification was registered under another name, so nothing will ever set
it.  main waits in the TaskGroup's __aexit__ for the stuck child.  No
timer, so the loop thread blocks in the selector with no timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio

ready = {}          # name -> Event the notifier sets


def notify(name):
    event = ready.get(name)
    if event is not None:
        event.set()


async def load(loop, name, notify_as):
    event = ready.setdefault(name, asyncio.Event())
    loop.call_soon(notify, notify_as)
    await event.wait()
    return name


async def main(loop):
    async with asyncio.TaskGroup() as group:
        group.create_task(load(loop, "users", "users"))
        group.create_task(load(loop, "orders", "orders"))
        group.create_task(load(loop, "stock", "inventory"))     # notified under another name
        _oracle.ready_when_loop_idle(loop)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
