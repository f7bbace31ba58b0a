#!/usr/bin/env python3
"""Test backend for the L7 proxy tests: an HTTP/1.1 keep-alive server that
answers every request with a JSON record of what it received, plus a few
special paths to provoke proxy behaviour.

usage: backend.py NAME PORT [--tls CERT KEY [--ca CA]] [--addr 127.0.0.1]

  /_conns             {"conns": N}: TCP connections accepted so far
  /slow?ms=N          waits N ms before the response head
  /close-mid          sends a head with Content-Length 100, 10 bytes, closes
  /close-early        closes without answering
  /big?n=N            N bytes body (Content-Length)
  /chunked?n=N&k=K    K chunks of N bytes, Transfer-Encoding: chunked
  /sse                text/event-stream: one event, waits 3s, another
  /ws                 101 upgrade, then echoes bytes back upper-cased
  anything else       200, JSON: name, method, path, headers, body_len
"""
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

NAME = sys.argv[1]
PORT = int(sys.argv[2])
conns = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        global conns
        with lock:
            conns += 1
        super().setup()

    def body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            data = b""
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, code, body, ctype="application/json", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        data = self.body()
        if u.path == "/_conns":
            return self.send(200, json.dumps({"conns": conns}).encode())
        if u.path == "/slow":
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000)
        if u.path == "/close-early":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if u.path == "/close-mid":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if u.path == "/big":
            n = int(q.get("n", ["65536"])[0])
            return self.send(200, b"x" * n, "application/octet-stream")
        if u.path == "/chunked":
            n = int(q.get("n", ["10"])[0])
            k = int(q.get("k", ["3"])[0])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(k):
                self.wfile.write(b"%x\r\n%s\r\n" % (n, b"y" * n))
            self.wfile.write(b"0\r\n\r\n")
            return
        if u.path == "/sse":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"data: first\n\n")
            self.wfile.flush()
            time.sleep(3)
            self.wfile.write(b"data: second\n\n")
            self.close_connection = True
            return
        if u.path == "/ws" and self.headers.get("Upgrade"):
            self.send_response(101)
            self.send_header("Upgrade", self.headers["Upgrade"])
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                b = self.connection.recv(4096)
                if not b:
                    break
                self.connection.sendall(b.upper())
            self.close_connection = True
            return
        rec = {
            "name": NAME,
            "method": self.command,
            "path": self.path,
            "version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_len": len(data),
            "peer": self.client_address[0],
        }
        self.send(200, json.dumps(rec).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any
    do_OPTIONS = handle_any


def main():
    addr = "127.0.0.1"
    args = sys.argv[3:]
    srv = ThreadingHTTPServer((addr, PORT), Handler)
    srv.daemon_threads = True
    if args and args[0] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[1], args[2])
        if len(args) > 4 and args[3] == "--ca":
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


main()
