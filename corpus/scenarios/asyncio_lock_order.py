"""expect: asyncio-task-deadlock
python: >=3.6
Two transfers between the same two accounts, each account guarded by an
asyncio.Lock, take the locks in opposite orders: "a-to-b" holds a's lock
and waits in Lock.acquire for b's, "b-to-a" holds b's and waits for a's.
Neither lock is ever released; main awaits both through gather().  No
timer is scheduled, so the loop thread blocks in the selector with no
timeout.  Each task keeps the __aexit__ of the `async with` it is inside on
its frame's value stack: that is what says which task holds which lock.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


class Account(object):
    def __init__(self, name, balance):
        self.name = name
        self.balance = balance
        self.lock = asyncio.Lock()


async def transfer(src, dst, amount, started):
    async with src.lock:
        started.append(src.name)
        while len(started) < 2:         # both transfers hold their first lock
            await asyncio.sleep(0)
        async with dst.lock:
            src.balance -= amount
            dst.balance += amount


async def main(loop):
    a, b = Account("a", 100), Account("b", 100)
    started = []
    t1 = loop.create_task(transfer(a, b, 10, started))
    t2 = loop.create_task(transfer(b, a, 20, started))
    if hasattr(t1, "set_name"):
        t1.set_name("a-to-b")
        t2.set_name("b-to-a")
    _oracle.ready_when_loop_idle(loop)
    await asyncio.gather(t1, t2)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
