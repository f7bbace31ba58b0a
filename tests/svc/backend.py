#!/usr/bin/env python3
"""Backend for the service-graph tests: answers every request with its own
name and appends what it received to LOGDIR/NAME.log, one JSON line per
request (method, path, Host, headers, body).

usage: backend.py NAME PORT LOGDIR

  /fail     500 (passive health tests)
  /health   the status written in LOGDIR/NAME.health, 200 without the file
  /slow?ms=N  waits N ms first
  anything else: 200, body "NAME\n", header X-Backend: NAME
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

NAME, PORT, LOGDIR = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # one write per response, no Nagle: no delayed-ACK stalls on keep-alive
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        u = urlsplit(self.path)
        data = self.body()
        rec = {"name": NAME, "method": self.command, "path": self.path,
               "host": self.headers.get("Host", ""),
               "headers": [[k, v] for k, v in self.headers.items()],
               "body": data.decode("latin-1")}
        with lock, open("%s/%s.log" % (LOGDIR, NAME), "a") as f:
            f.write(json.dumps(rec) + "\n")
        if u.path == "/slow":
            time.sleep(int(parse_qs(u.query).get("ms", ["500"])[0]) / 1000)
        code = 500 if u.path == "/fail" else 200
        if u.path == "/health":
            try:
                with open("%s/%s.health" % (LOGDIR, NAME)) as f:
                    code = int(f.read().strip() or "200")
            except OSError:
                pass
        out = (NAME + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Backend", NAME)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = handle_any


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
