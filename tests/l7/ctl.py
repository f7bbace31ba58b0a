#!/usr/bin/env python3
"""Calls sluiced's control socket: ctl.py SOCKET CMD [ARGS...]; prints the
JSON reply (one line)."""
import json
import socket
import sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(json.dumps({"cmd": sys.argv[2], "args": sys.argv[3:]}).encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
