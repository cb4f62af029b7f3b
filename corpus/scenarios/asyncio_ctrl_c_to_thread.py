"""expect: shutdown-join
python: >=3.9
asyncio.run() is interrupted by Ctrl+C (SIGINT) while its main coroutine
awaits asyncio.to_thread() of a long job.  The interrupt ends the main
coroutine, but asyncio.run() then shuts the default executor down
(loop.shutdown_default_executor(): a helper thread joins the executor's
worker) and waits for the job, which still runs: the program does not
exit.  (asyncio_to_thread_long.py is the same loop before Ctrl+C: healthy.)
3.9 and 3.10 (observed): the KeyboardInterrupt leaves asyncio.run()
without that shutdown; the interpreter's exit (threading._shutdown) then
joins the non-daemon worker, the same hang one step later.
Threads: MainThread (the loop, in select, under asyncio.run's cleanup),
nightly-export (non-daemon executor worker, sleeping in the job),
3.11+ executor-shutdown (the helper, in Thread.join of the worker).
"""
import _oracle; _oracle.arm()

import asyncio
import time

import _ctrl_c_helper

_ctrl_c_helper.like_a_terminal()


def export_all(loop):
    _ctrl_c_helper.press_ctrl_c_and_wait_for_exit("nightly-export", loop)
    time.sleep(3600)                    # the long job goes on


async def main():
    await asyncio.to_thread(export_all, asyncio.get_running_loop())


asyncio.run(main())
