#!/usr/bin/env python3
"""Backend for the data plane's namespace tests: answers every TCP
segment and UDP datagram with "NAME PEER\n", where PEER is the address
the backend sees (so tests can tell fullnat from nat).

usage: dp_backend.py NAME TCP_PORT UDP_PORT
Listens dual-stack on [::] for both protocols; exits on SIGTERM.
"""
import os
import signal
import socket
import sys
import threading

name, tport, uport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def peer(addr):
    a = addr[0]
    return a[7:] if a.startswith("::ffff:") else a


def serve_conn(c, addr):
    with c:
        while True:
            try:
                data = c.recv(4096)
            except OSError:
                return
            if not data:
                return
            c.sendall(f"{name} {peer(addr)}\n".encode())


def tcp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", tport))
    s.listen(512)
    while True:
        c, addr = s.accept()
        threading.Thread(target=serve_conn, args=(c, addr), daemon=True).start()


def udp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", uport))
    while True:
        _, addr = s.recvfrom(4096)
        s.sendto(f"{name} {peer(addr)}\n".encode(), addr)


signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
threading.Thread(target=udp, daemon=True).start()
tcp()
