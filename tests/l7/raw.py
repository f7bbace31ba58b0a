#!/usr/bin/env python3
"""Sends raw bytes to HOST:PORT and prints everything received until the
peer closes or TIMEOUT seconds pass.
usage: raw.py HOST PORT [TIMEOUT] < request-bytes
       RAW_HALF=1: half-close after sending; RAW_SLEEP=ms between writes
       of stdin split on the marker '@@PAUSE@@'; RAW_EOF=1: print @@EOF@@
       when the peer closed (rather than the timeout ending the read);
       RAW_RDELAY=ms before the first read (the peer's writes back up).
"""
import os
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 5
data = sys.stdin.buffer.read()
s = socket.create_connection((host, port), timeout=timeout)
parts = data.split(b"@@PAUSE@@")
for i, p in enumerate(parts):
    if i:
        time.sleep(int(os.environ.get("RAW_SLEEP", "500")) / 1000)
    s.sendall(p)
if os.environ.get("RAW_HALF"):
    s.shutdown(socket.SHUT_WR)
if os.environ.get("RAW_RDELAY"):
    time.sleep(int(os.environ["RAW_RDELAY"]) / 1000)
out = b""
end = time.time() + timeout
try:
    while time.time() < end:
        b = s.recv(65536)
        if not b:
            if os.environ.get("RAW_EOF"):
                out += b"@@EOF@@"
            break
        out += b
except socket.timeout:
    pass
sys.stdout.buffer.write(out)
