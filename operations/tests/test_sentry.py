"""Errors reach Sentry when SENTRY_DSN is set (issue 15); a loopback server plays Sentry."""

import gzip
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]


class _Sentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # pragma: no cover  (only when brotli is installed)
            import brotli

            body = brotli.decompress(body)
        _Sentry.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_unhandled_error_is_reported_to_sentry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "settings.ROOT_URLCONF = 'tests.test_api_errors'; settings.DEBUG = False;"
        "from django.test import Client; import sentry_sdk;"
        "print(Client(raise_request_exception=False).get('/api/v1/test-errors/plain/').status_code);"
        "sentry_sdk.flush(timeout=10)"
    )
    env = {
        **os.environ,
        "DEV_MODE": "1",
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/1",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "500"
    events = [body for body in _Sentry.received if b'"type":"event"' in body]
    assert len(events) == 1
    assert b'"type":"RuntimeError"' in events[0] and b'"value":"boom"' in events[0]
    assert b"13800138000" not in events[0]
