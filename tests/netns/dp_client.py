#!/usr/bin/env python3
"""Client for the data plane's namespace tests.

  dp_client.py tcp  ADDR PORT N [FIRST_SPORT]   N connections, one request each
  dp_client.py udp  ADDR PORT N [FIRST_SPORT]   N datagrams from N source ports
  dp_client.py hold ADDR PORT FIFO OUT          one TCP connection kept open:
        every line read from FIFO sends a request; the answer goes to OUT
Prints JSON for tcp/udp: {"answers": {"be1": 10, ...}, "peers": [...],
"failed": K}. Every socket operation has a 2 s timeout.
"""
import json
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def one(kind, addr, port, sport):
    st = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(addr), st)
    s.settimeout(2)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sport:
            s.bind(("::" if ":" in addr else "0.0.0.0", sport))
        if kind == "tcp":
            s.connect((addr, port))
            s.sendall(b"hello\n")
            data = s.recv(256)
        else:
            s.sendto(b"hello\n", (addr, port))
            data, _ = s.recvfrom(256)
        return data.decode().split()
    except OSError:
        return None
    finally:
        s.close()


def count(kind, addr, port, n, first):
    answers, peers, failed = {}, set(), 0
    for i in range(n):
        r = one(kind, addr, port, first + i if first else 0)
        if not r or len(r) != 2:
            failed += 1
            continue
        answers[r[0]] = answers.get(r[0], 0) + 1
        peers.add(r[1])
    print(json.dumps({"answers": answers, "peers": sorted(peers),
                      "failed": failed}))


def hold(addr, port, fifo, out):
    s = socket.create_connection((addr, port), timeout=2)
    with open(out, "a", buffering=1) as o:
        while True:
            with open(fifo) as f:
                for line in f:
                    if line.strip() == "quit":
                        return
                    try:
                        s.sendall(b"ping\n")
                        o.write(s.recv(256).decode())
                    except OSError as e:
                        o.write(f"ERROR {e}\n")


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "hold":
        hold(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
        count(kind, sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), first)
