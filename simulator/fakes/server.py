"""A small threaded HTTP server on loopback that a fake carrier plugs its handler into."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode


class FakeServer:
    """Runs ``handle(path, form) -> (status, body dict | None)`` for every POST. A ``None`` body
    means the fake hangs: it answers nothing until the client gives up (a carrier timing out)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.released = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                form = dict(parse_qsl(raw, keep_blank_values=True))
                status, body = owner.handle(self.path, form)
                if body is None:
                    owner.released.wait(timeout=30)
                    self.close_connection = True
                    return
                data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # quiet
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a hung client went away
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict | None]:
        raise NotImplementedError

    def start(self) -> FakeServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def post_form(url: str, fields: dict[str, str], *, timeout: float = 10.0) -> tuple[int, Any]:
    """POST a form the way a carrier pushes a callback; the HTTP status and the JSON answer."""
    request = urllib.request.Request(  # noqa: S310  (the platform's own URL, given by the caller)
        url,
        data=urlencode(fields).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            status, text = error.code, error.read().decode("utf-8")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text
