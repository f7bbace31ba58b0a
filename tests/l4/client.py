#!/usr/bin/env python3
"""Test client for the l4 proxy tests. Prints what the server sent.

tcp HOST PORT [--src ADDR[,PORT]] [--send HEXORTEXT] [--send-hex HEX]
    [--send-size N] [--wait-file PATH --send2 TEXT] [--recv N]
    [--halfclose] [--tls SNI] [--hex | --sha256]
    Connects (from --src), sends the payload (then, once PATH exists, TEXT),
    reads N bytes (--recv), half-closes if asked, prints
    everything received until EOF (hex with --hex). --tls: TLS with SNI, no
    verification; prints what arrives over TLS.
udp HOST PORT [--src ADDR[,PORT]] [--size N] [--send TEXT] [--count N]
    Sends a datagram (TEXT, or N bytes of a pattern), prints the reply, N times
    (or "same" when it equals what was sent, "timeout" without reply).
"""
import hashlib
import os
import socket
import ssl
import sys
import time


def pattern(n):
    """the same bytes as backend.py's pattern()"""
    block = bytes((i * 7 + (i >> 8) * 13 + 3) & 0xff for i in range(65536))
    return (block * (n // len(block) + 1))[:n]


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def opt(a, name, default=None):
    return a[a.index(name) + 1] if name in a else default


def src_of(a):
    src = opt(a, "--src")
    if not src:
        return None
    host, _, port = src.rpartition(",")
    return (host, int(port)) if host else (src, 0)


def tcp(a):
    host, port = a[1], int(a[2])
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(8)
    src = src_of(a)
    if src:
        s.bind(src)
    s.connect((host, port))
    if "--tls" in a:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=opt(a, "--tls"))
    payload = b""
    if "--send" in a:
        payload = opt(a, "--send").encode()
    if "--send-hex" in a:
        payload = bytes.fromhex(opt(a, "--send-hex"))
    if "--send-size" in a:
        payload = pattern(int(opt(a, "--send-size")))
    if payload:
        s.sendall(payload)
    if "--wait-file" in a:
        deadline = time.time() + 25
        while not os.path.exists(opt(a, "--wait-file")):
            if time.time() > deadline:
                sys.exit("client: --wait-file never appeared")
            time.sleep(0.05)
        s.sendall(opt(a, "--send2").encode())
    data = b""
    if "--recv" in a:
        # the reply first, then the FIN: a FIN would start the backend's
        # terminationDelay clock
        while len(data) < int(opt(a, "--recv")):
            b = s.recv(65536)
            if not b:
                break
            data += b
    if "--halfclose" in a:
        s.shutdown(socket.SHUT_WR)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (ConnectionResetError, ssl.SSLError):
        pass
    if "--sha256" in a:
        sys.stdout.write(hashlib.sha256(data).hexdigest())
    else:
        sys.stdout.write(data.hex() if "--hex" in a else
                         data.decode("latin1"))
    sys.stdout.write("\n")


def udp(a):
    host, port = a[1], int(a[2])
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(3)
    src = src_of(a)
    if src:
        s.bind(src)
    if "--size" in a:
        n = int(opt(a, "--size"))
        payload = bytes((i * 7 + 3) & 0xff for i in range(n))
    else:
        payload = opt(a, "--send", "ping").encode()
    for _ in range(int(opt(a, "--count", "1"))):
        s.sendto(payload, (host, port))
        try:
            d, _ = s.recvfrom(65535)
        except socket.timeout:
            print("timeout")
            return
        print("same" if d == payload else d.decode("latin1"))


if __name__ == "__main__":
    (tcp if sys.argv[1] == "tcp" else udp)(sys.argv[1:])
