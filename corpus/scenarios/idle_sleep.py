"""expect: io-wait
Healthy, idle process, not a hang (io-wait says so; "none" is also accepted):
main sleeps in time.sleep(3600) in a loop, the daemon thread "acceptor" waits
without timeout in socket.accept() on a listening TCP socket bound to
127.0.0.1:0 that nobody connects to.
Threads: MainThread (time.sleep), acceptor (daemon, accept).
accept: none
"""
import _oracle; _oracle.arm()

import socket
import threading
import time

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(1)


def serve():
    conn, _ = server.accept()
    conn.close()


def main():
    acceptor = threading.Thread(target=serve, name="acceptor")
    acceptor.daemon = True
    acceptor.start()
    _oracle.ready()
    while True:
        time.sleep(3600)


main()
