"""expect: asyncio-idle-forever
python: >=3.6
A coroutine sends a request and awaits the reply Future that the
connection's reader should resolve, but the reader task was never started:
the loop is healthy and idle, nothing will ever set that Future.  No timer
is scheduled (no sleep, call_later or wait_for), so the loop thread blocks
in the selector with no timeout: loop._ready and loop._scheduled are empty,
two tasks are pending.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


class RpcClient(object):
    def __init__(self, loop):
        self._loop = loop
        self._pending = {}          # request id -> Future of the reply
        self._next_id = 0
        self._sent = []

    def start(self):                # what main() forgot to call
        return self._loop.create_task(self._read_replies())

    async def _read_replies(self):
        while True:
            msg_id, payload = await self._next_reply()
            self._pending.pop(msg_id).set_result(payload)

    async def _next_reply(self):
        raise NotImplementedError

    async def call(self, method):
        self._next_id += 1
        reply = self._loop.create_future()
        self._pending[self._next_id] = reply
        self._sent.append((self._next_id, method))
        _oracle.ready_when_loop_idle(self._loop)
        return await reply


async def fetch_config(client):
    return await client.call("get_config")


async def main(loop):
    client = RpcClient(loop)        # client.start() is missing
    config = await loop.create_task(fetch_config(client))
    return config


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
