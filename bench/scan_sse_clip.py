#!/usr/bin/env python3
"""Loopback proxy used by bench/scan.sh so that sqlmap can test the live comment stream.

`/api/comments/stream` answers with Server-Sent Events and never ends by itself, so a scanner
that waits for the end of each answer would only ever see timeouts. This proxy forwards each
GET (path, query and headers) to the site, reads the answer for at most CLIP seconds, and
returns what arrived as one complete response with the site's status and content type.

usage: scan_sse_clip.py LISTEN_PORT UPSTREAM_PORT [CLIP_SECONDS]
Both ports are on 127.0.0.1; nothing else is contacted.
"""

import http.client
import http.server
import socket
import threading
import sys

LISTEN, UPSTREAM = int(sys.argv[1]), int(sys.argv[2])
CLIP = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host"}


class Clip(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=CLIP + 5)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Host"] = f"127.0.0.1:{UPSTREAM}"
        try:
            conn.request("GET", self.path, headers=headers)
            sock = conn.sock
            resp = conn.getresponse()
            parts = []

            def pump():
                try:
                    while sum(map(len, parts)) < 1 << 20:
                        chunk = resp.read1(65536)
                        if not chunk:
                            break
                        parts.append(chunk)
                except (OSError, ValueError, http.client.HTTPException):
                    pass

            reader = threading.Thread(target=pump, daemon=True)
            reader.start()
            reader.join(CLIP)
            # Shutting the socket down wakes the reader, which may be waiting for the next event.
            sock.shutdown(socket.SHUT_RDWR)
            reader.join(1)
            body = b"".join(parts)
            status, ctype = resp.status, resp.getheader("Content-Type", "text/plain")
        except OSError as e:
            status, ctype, body = 502, "text/plain", f"upstream error: {e}".encode()
        finally:
            conn.close()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", LISTEN), Clip).serve_forever()
