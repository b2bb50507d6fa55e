"""The preview's HTTP side: static files, live-reload events and the error overlay.

Only GET and HEAD; every path is decoded and checked before it touches the
disk, so ``..`` (plain or percent-encoded), absolute and backslash paths get
the site's 404 page.  Served HTML pages get a small script that listens on a
Server-Sent Events endpoint; the published build never contains it.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import queue
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

EVENTS = "/__journeydocs__/events"
TEXT_TYPES = {  # what a build writes; the platform's MIME table varies and lacks the charset
    suffix: f"{kind}; charset=utf-8"
    for suffix, kind in {
        ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".json": "application/json",
        ".svg": "image/svg+xml", ".xml": "application/xml", ".mmd": "text/plain", ".txt": "text/plain",
    }.items()
}
CLIENT_SCRIPT = """<script>
(function () {
  "use strict";
  var here = location.pathname;
  function norm(path) { return path.replace(/index\\.html$/, ""); }
  function overlay(messages) {
    var box = document.getElementById("journeydocs-overlay");
    if (!messages.length) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "journeydocs-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:99999;" +
        "background:#2b0d0d;color:#ffe9e9;font:14px/1.5 ui-monospace,monospace;padding:1rem 1.5rem;" +
        "border-top:4px solid #ff5c5c;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "journeydocs: the content has errors; showing the last good build\\n\\n" + messages.join("\\n");
  }
  var source = new EventSource("/__journeydocs__/events");
  source.addEventListener("reload", function (event) {
    var paths = JSON.parse(event.data);
    if (paths.indexOf("*") !== -1 || paths.some(function (p) { return norm("/" + p) === norm(here); })) {
      location.reload();
    }
  });
  source.addEventListener("css", function () {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("v", Date.now());
      link.href = url.toString();
    });
  });
  source.addEventListener("errors", function (event) { overlay(JSON.parse(event.data)); });
  window.__journeydocs = { overlay: overlay };
}());
</script>
"""


class Broadcaster:
    """Fans server-sent events out to every connected browser."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[str | None]] = []

    def subscribe(self) -> queue.Queue[str | None]:
        client: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            self._clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue[str | None]) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def send(self, event: str, data: object) -> None:
        message = f"event: {event}\ndata: {json.dumps(data)}\n\n"
        with self._lock:
            for client in self._clients:
                client.put(message)

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.put(None)


def safe_path(root: Path, raw_path: str) -> Path | None:
    """The file a request path names inside *root*, or None for anything suspicious."""
    path = unquote(urlsplit(raw_path).path, errors="strict") if "%" in raw_path else urlsplit(raw_path).path
    if "\\" in path or "\x00" in path or not path.startswith("/") or path.startswith("//"):
        return None
    parts = path.split("/")
    if any(part in ("..", ".") for part in parts) or ":" in path:
        return None
    relative = posixpath.normpath(path.lstrip("/")) if path.strip("/") else ""
    return root / relative if relative and relative != "." else root


def _family(host: str, port: int) -> socket.AddressFamily:
    """The address family to listen with on *host*: what the name or address resolves to first."""
    try:
        return socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    except (OSError, IndexError):
        return socket.AF_INET6 if ":" in host else socket.AF_INET  # binding will say what is wrong


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, broadcaster: Broadcaster, errors: Callable[[], list[str]]) -> None:
        self.address_family = _family(*address)  # ::1 or :: need an IPv6 socket; the class default is IPv4
        super().__init__(address, PreviewHandler)
        self.root = root
        self.broadcaster = broadcaster
        self.errors = errors  # () -> list[str]: the current problems, for pages loaded while broken
        self.stopping = threading.Event()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "journeydocs-preview"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # quiet: the terminal is for build messages
        pass

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def _serve(self, body: bool) -> None:
        if urlsplit(self.path).path == EVENTS:
            self._events()
            return
        try:
            target = safe_path(self.server.root, self.path)
        except UnicodeDecodeError:
            target = None
        if target is not None and target.is_dir():
            path = urlsplit(self.path).path
            if not path.endswith("/"):  # relative links need the slash
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if target is None or not target.is_file():
            self._send_file(self.server.root / "404.html", HTTPStatus.NOT_FOUND, body)
            return
        self._send_file(target, HTTPStatus.OK, body)

    def _send_file(self, path: Path, status: HTTPStatus, body: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            data, path = b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>", Path("404.html")
        content_type = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".html":
            data = inject(data, self.server.errors())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        client = self.server.broadcaster.subscribe()
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                try:
                    message = client.get(timeout=15)
                except queue.Empty:
                    message = ": keep-alive\n\n"
                if message is None:
                    break
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            self.server.broadcaster.unsubscribe(client)
            self.close_connection = True


def inject(page: bytes, errors: list[str]) -> bytes:
    """Add the live-reload script (and the overlay, while content is broken) to a served page."""
    extra = CLIENT_SCRIPT
    if errors:
        messages = json.dumps(errors).replace("<", "\\u003c")
        extra += f"<script>window.__journeydocs.overlay({messages});</script>\n"
    text = page.decode("utf-8", "replace")
    index = text.rfind("</body>")
    if index == -1:
        return (text + extra).encode("utf-8")
    return (text[:index] + extra + text[index:]).encode("utf-8")
