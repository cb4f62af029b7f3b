"""expect: asyncio-idle-forever
python: >=3.6
A gather() of three fetches: two finish, the third awaits a reply Future
that its protocol callback should resolve, but the callback was registered
for a different request id, so nothing will ever set it.  main awaits the
gather for good; the two finished children are done, the stuck one waits
on a plain Future.  No timer, so the loop thread blocks in the selector
with no timeout.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


class Protocol(object):
    def __init__(self, loop):
        self.loop = loop
        self.waiting = {}

    def request(self, rid):
        fut = self.loop.create_future()
        self.waiting[rid] = fut
        return fut

    def reply(self, rid, data):
        fut = self.waiting.pop(rid, None)
        if fut is not None:
            fut.set_result(data)


async def fetch(proto, rid, reply_id):
    fut = proto.request(rid)
    proto.loop.call_soon(proto.reply, reply_id, "data-%d" % rid)
    return await fut


async def main(loop):
    proto = Protocol(loop)
    children = [loop.create_task(fetch(proto, 1, 1)), loop.create_task(fetch(proto, 2, 2)),
                loop.create_task(fetch(proto, 3, 30))]      # the reply goes to request 30
    _oracle.ready_when_loop_idle(loop)
    return await asyncio.gather(*children)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
