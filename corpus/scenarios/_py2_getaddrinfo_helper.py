"""Helper module for py2_getaddrinfo_import.py (not a scenario): the seed
story's script that "hung when imported"."""
import socket
import threading
import time

import _oracle


def resolve():
    print(socket.getaddrinfo(
        u'localhost',
        80,
        socket.AF_INET,
        socket.SOCK_STREAM))


t = threading.Thread(target=resolve, name="resolve")
t.start()
time.sleep(0.2)         # the thread reaches the import lock in the idna codec lookup
_oracle.ready()
t.join()
