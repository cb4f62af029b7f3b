"""expect: io-wait
python: >=3.6
Healthy, not a hang: an asyncio TCP server on 127.0.0.1 waits for its first
client.  The loop sleeps in the selector without a timeout and with no
callback or timer, exactly as in asyncio_await_forever.py, but it watches
the listening socket besides its own wake-up pipe: a client can still wake
it.  The guard against calling every idle loop a hang.
Threads: MainThread (EpollSelector.select inside BaseEventLoop._run_once).
"""
import _oracle; _oracle.arm()

import asyncio


async def handle(reader, writer):
    writer.write(await reader.readline())
    writer.close()


async def serve(loop):
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    served = loop.create_future()       # set by a shutdown request that never comes
    loop.call_soon(_oracle.ready)
    await served
    server.close()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(serve(loop))
