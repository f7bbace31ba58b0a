#!/usr/bin/env python3
"""Switchable HTTP(S) backend for the health-check tests.

  http_backend.py --port N --log FILE --rules FILE [--tls CERT KEY]

Every request is appended to --log as one JSON line:
  {"port": N, "method": ..., "path": ..., "version": ..., "headers": {...}}
(header names lower-cased). The answer is chosen per request from --rules,
re-read each time, one rule a line, first match wins:
  PATH CODE [LOCATION]   answer CODE (with Location: LOCATION if given)
  PATH slow SECONDS      wait, then answer 200
  PATH close             close the connection without answering
  PATH early CODE        send "100 Continue" and "103 Early Hints" first
PATH is the request path without query, or * for any. No rule: 200.
"""
import argparse
import json
import socketserver
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def rule_for(rules_file, path):
    try:
        with open(rules_file) as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] in ("*", path):
            return words[1:]
    return ["200"]


def make_handler(args):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def handle_any(self):
            path = self.path.split("?", 1)[0]
            entry = {
                "port": args.port,
                "method": self.command,
                "path": self.path,
                "version": self.request_version,
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
            with open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
            rule = rule_for(args.rules, path)
            if rule[0] == "close":
                self.close_connection = True
                return
            code = 200
            if rule[0] == "slow":
                time.sleep(float(rule[1]))
            elif rule[0] == "early":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n"
                                 b"HTTP/1.1 103 Early Hints\r\n"
                                 b"Link: </s.css>; rel=preload\r\n\r\n")
                code = int(rule[1])
                rule = rule[:1]
            else:
                code = int(rule[0])
            body = b"" if self.command == "HEAD" else b"health test\n"
            self.send_response(code)
            if len(rule) > 1 and rule[0] != "slow":
                self.send_header("Location", rule[1])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = do_OPTIONS = handle_any
        do_DELETE = do_PATCH = handle_any

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), make_handler(args))
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
