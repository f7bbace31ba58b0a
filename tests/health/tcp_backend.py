#!/usr/bin/env python3
"""TCP backend for the health-check tests.

  tcp_backend.py --port N --log FILE [--reply BYTES [--greet]]

Accepts connections; logs one JSON line per connection with what the
client sent ({"port": N, "received": "..."}). With --reply (backslash
escapes allowed), answers it once the first bytes arrive (--greet: at
once, before reading), then closes; without, closes after reading.
"""
import argparse
import json
import socket
import sys
import threading


def serve(conn, args):
    conn.settimeout(2)
    data = b""
    reply = None
    if args.reply is not None:
        reply = args.reply.encode().decode("unicode_escape").encode("latin-1")
    try:
        if reply is not None and args.greet:
            conn.sendall(reply)
        data = conn.recv(4096)
        if reply is not None and not args.greet:
            conn.sendall(reply)
    except OSError:
        pass
    with open(args.log, "a") as f:
        f.write(json.dumps({"port": args.port,
                            "received": data.decode("latin-1")}) + "\n")
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--reply")
    ap.add_argument("--greet", action="store_true")
    args = ap.parse_args()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", args.port))
    s.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
