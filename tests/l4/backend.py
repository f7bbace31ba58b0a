#!/usr/bin/env python3
"""Test backend for the l4 proxy tests.

tcp ADDR PORT NAME OUTDIR [--reply-after-eof SECONDS] [--tls CERT KEY]
    Accepts connections; writes every byte a connection delivered (until
    EOF) to OUTDIR/NAME.<n>.bin. Default: sends NAME on connect, then closes
    after EOF. --reply-after-eof S: sends nothing until the client's EOF,
    waits S seconds, sends "REPLY" and closes. --tls: TLS server that sends
    NAME after the handshake.
udp ADDR PORT NAME
    Echoes each datagram, prefixed with NAME and ':' unless it is larger
    than 1000 bytes (then echoed unchanged).
Prints "ready" once listening.
"""
import os
import socket
import ssl
import sys
import threading
import time


def pattern(n):
    """n bytes that no shifted copy of themselves matches"""
    block = bytes((i * 7 + (i >> 8) * 13 + 3) & 0xff for i in range(65536))
    return (block * (n // len(block) + 1))[:n]


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def tcp(addr, port, name, outdir, reply_after, tls, bulk):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
    print("ready", flush=True)
    n = 0
    while True:
        c, _ = s.accept()
        n += 1
        threading.Thread(target=serve, daemon=True,
                         args=(c, n, name, outdir, reply_after, ctx,
                               bulk)).start()


def serve(c, n, name, outdir, reply_after, ctx, bulk):
    path = os.path.join(outdir, "%s.%d.bin" % (name, n))
    try:
        if ctx:
            c = ctx.wrap_socket(c, server_side=True)
            c.sendall(name.encode())
            c.close()
            open(path, "wb").close()
            return
        if bulk:
            c.sendall(pattern(bulk))
        elif reply_after is None:
            c.sendall(name.encode())
        data = b""
        while True:
            b = c.recv(65536)
            if not b:
                break
            data += b
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        if reply_after is not None:
            time.sleep(reply_after)
            c.sendall(b"REPLY")
    except OSError:
        pass
    finally:
        c.close()


def udp(addr, port, name):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    while True:
        d, peer = s.recvfrom(65535)
        s.sendto(d if len(d) > 1000 else name.encode() + b":" + d, peer)


def main(a):
    if a[0] == "udp":
        udp(a[1], int(a[2]), a[3])
        return
    reply_after = None
    tls = None
    if "--reply-after-eof" in a:
        reply_after = float(a[a.index("--reply-after-eof") + 1])
    if "--tls" in a:
        i = a.index("--tls")
        tls = (a[i + 1], a[i + 2])
    bulk = int(a[a.index("--send-size") + 1]) if "--send-size" in a else 0
    tcp(a[1], int(a[2]), a[3], a[4], reply_after, tls, bulk)


if __name__ == "__main__":
    main(sys.argv[1:])
