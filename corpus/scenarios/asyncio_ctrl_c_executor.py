"""expect: shutdown-join
python: >=3.9
An asyncio program reads a pipe with loop.run_in_executor(None, ...) (the
default ThreadPoolExecutor); the writer never comes, and the user presses
Ctrl+C (SIGINT).  asyncio.run() stops the main coroutine, but the read
still blocks in the executor's worker thread: 3.9+ asyncio.run() waits
for it in loop.shutdown_default_executor(); 3.7 and 3.8 leave it to the
exit hook of concurrent.futures, which joins the worker.  Either way the
program never exits.
3.9 and 3.10 (observed): the KeyboardInterrupt leaves asyncio.run()
without that shutdown; the interpreter's exit (threading._shutdown) then
joins the non-daemon worker, the same hang one step later.
Threads: MainThread (asyncio.run's cleanup, or the exit hook), reader
(the executor worker, in os.read; daemon before 3.9), on 3.9+
3.11+ executor-shutdown (the helper, in Thread.join of the reader).
"""
import _oracle; _oracle.arm()

import asyncio
import os

import _ctrl_c_helper

_ctrl_c_helper.like_a_terminal()

r, w = os.pipe()


def read_request(loop):
    _ctrl_c_helper.press_ctrl_c_and_wait_for_exit("reader", loop)
    return os.read(r, 4096)             # nobody writes: blocks forever


async def main():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, read_request, loop)


asyncio.run(main())
