#!/usr/bin/env python3
"""Client and checker of the kernel steering test (test-steer.sh).

  steer_check.py connect VIP PORT FIRST_SPORT N
      N TCP connections from fixed source ports FIRST_SPORT.., each sends
      "hello-SPORT\\n", half-closes and reads the backend's name until EOF.
      Prints JSON {"SPORT": "be1", ...} ("" for a failed connection).
  steer_check.py verify OUTDIR CLIENT VIP PORT SERVED.json LOOKUP.json
      Every file NAME.n.bin a backend wrote for a connection from CLIENT
      must be exactly the PROXY v2 header (CLIENT:SPORT -> VIP:PORT, TCP4)
      followed by "hello-SPORT\\n"; NAME must be the backend that answered
      that connection (SERVED) and the one the flow table names for it
      (LOOKUP: {"SPORT": "10.0.11.2:2525"}). Prints "ok N" or the first
      mismatch, exit status 1. IPv6 CLIENT and VIP: a TCP6 header.
"""
import glob
import json
import os
import socket
import struct
import sys

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
BACKENDS = {"be1": "10.0.11.2", "be2": "10.0.12.2", "be3": "10.0.13.2"}
BACKENDS6 = {"be1": "[fd00:11::2]", "be2": "[fd00:12::2]",
             "be3": "[fd00:13::2]"}


def connect(vip, port, first, n):
    out = {}
    for sport in range(first, first + n):
        v6 = ":" in vip
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                          socket.SOCK_STREAM)
        s.settimeout(3)
        name = b""
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::" if v6 else "0.0.0.0", sport))
            s.connect((vip, port))
            s.sendall(b"hello-%d\n" % sport)
            s.shutdown(socket.SHUT_WR)
            while True:
                b = s.recv(100)
                if not b:
                    break
                name += b
        except OSError:
            name = b""
        finally:
            s.close()
        out[str(sport)] = name.decode(errors="replace")
    print(json.dumps(out))


def verify(outdir, client, vip, port, served, lookup):
    served = json.load(open(served))
    lookup = json.load(open(lookup))
    seen = {}
    v6 = ":" in client
    fam, alen = (socket.AF_INET6, 16) if v6 else (socket.AF_INET, 4)
    names = BACKENDS6 if v6 else BACKENDS
    for path in sorted(glob.glob(os.path.join(outdir, "*.bin"))):
        name = os.path.basename(path).split(".")[0]
        data = open(path, "rb").read()
        if len(data) < 16 or data[:12] != SIG:
            return "%s: no PROXY v2 header: %r" % (path, data[:40])
        if data[13] != (0x21 if v6 else 0x11):
            continue        # the other family's connection
        src, dst = data[16:16 + alen], data[16 + alen:16 + 2 * alen]
        sport, dport = struct.unpack("!HH",
                                     data[16 + 2 * alen:20 + 2 * alen])
        if (src != socket.inet_pton(fam, client) or
                dst != socket.inet_pton(fam, vip) or dport != port):
            continue        # another test's connection
        want = (SIG + (b"\x21\x21" if v6 else b"\x21\x11") +
                struct.pack("!H", 2 * alen + 4) +
                socket.inet_pton(fam, client) + socket.inet_pton(fam, vip) +
                struct.pack("!HH", sport, port) + b"hello-%d\n" % sport)
        if data != want:
            return "%s: got %r want %r" % (path, data, want)
        key = str(sport)
        if key in seen:
            return "source port %s served twice" % key
        seen[key] = name
        if served.get(key) != name:
            return "port %s: backend %s wrote it, client heard %r" % (
                key, name, served.get(key))
        if lookup.get(key) != names[name] + ":2525":
            return "port %s: served by %s, flow table says %s" % (
                key, name, lookup.get(key))
    if sorted(seen) != sorted(served):
        return "connections %s, backend files %s" % (sorted(served),
                                                     sorted(seen))
    return "ok %d" % len(seen)


def main(a):
    if a[0] == "connect":
        connect(a[1], int(a[2]), int(a[3]), int(a[4]))
        return 0
    r = verify(a[1], a[2], a[3], int(a[4]), a[5], a[6])
    print(r)
    return 0 if r.startswith("ok ") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
