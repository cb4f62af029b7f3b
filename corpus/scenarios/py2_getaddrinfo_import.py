"""expect: import-lock-deadlock
python: <3.0
Seed story 001 ("Weird Green Bug": PyMongo + gevent deadlock), Python 2 only,
without gevent: the module _py2_getaddrinfo_helper, imported by main, resolves
a unicode host name in a thread at import time and joins the thread, as
gevent 1.0 did with getaddrinfo.  socket.getaddrinfo(u'localhost', 80, ...)
encodes the unicode host with the idna codec, whose first use imports
encodings.idna: the thread "resolve" blocks on Python 2's global import lock,
held by main during the import of the helper, while main waits in
Thread.join under the import.  (No name is resolved: the thread blocks before
any DNS query.)  Python 3 has per-module import locks: no hang there.
Threads: MainThread (join inside an import), resolve (non-daemon, import lock
in encodings.search_function).
"""
import _oracle; _oracle.arm()

import _py2_getaddrinfo_helper  # noqa: F401  (never returns)
