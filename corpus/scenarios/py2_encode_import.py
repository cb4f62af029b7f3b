"""expect: import-lock-deadlock
python: <3.0
Seed story 000 ("Freeze your Python with str.encode and threads"), Python 2
only.  Main imports _py2_encode_helper, the story's str_encode_thread.py: at
import time it starts the thread "to-latin-1", which runs
`value.encode('latin-1')` on u'42', and waits for the thread's Event.  The
encode looks the codec up, which imports encodings.latin_1 (not yet imported:
no site, -S): the thread blocks on Python 2's global import lock, held by main
for the whole import of the helper, while main waits in Event.wait under the
import.  The story waited with a timeout (event.wait(10): a 10 s freeze);
here the wait has none, so the freeze is a hang.  Python 3 has per-module
import locks and a built-in latin-1 codec: no hang there.
Threads: MainThread (Event.wait inside an import), to-latin-1 (non-daemon,
import lock in encodings.search_function).
"""
import _oracle; _oracle.arm()

import _py2_encode_helper  # noqa: F401  (never returns)
