#!/usr/bin/env python3
"""ctl.py SOCKET CMD [JSONPATH]: sends a control command to sluiced and
prints the reply, or one value of it: JSONPATH is /-separated, with
KEY=VALUE selecting the array element whose KEY is VALUE, e.g.
services/name=s1@file/servers/address=127.0.0.1:1/conns_total
"""
import json
import socket
import sys


def main(a):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(a[0])
    s.sendall(json.dumps({"cmd": a[1], "args": []}).encode() + b"\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    v = json.loads(data)
    if len(a) > 2:
        for part in split_path(a[2]):
            if "=" in part and isinstance(v, list):
                k, _, want = part.partition("=")
                v = next(x for x in v if str(x.get(k)) == want)
            else:
                v = v[part]
    print(json.dumps(v) if isinstance(v, (dict, list)) else
          str(v).lower() if isinstance(v, bool) else v)


def split_path(p):
    return [x for x in p.split("/") if x]


if __name__ == "__main__":
    main(sys.argv[1:])
