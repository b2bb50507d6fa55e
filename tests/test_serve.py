"""`journeys serve`: live reload, the error overlay and a server that only serves the site."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import Options
from generator.devserver import Broadcaster, PreviewServer
from generator.serve import Preview, Watcher, preview_folder

from .conftest import ROOT


class Running:
    def __init__(self, site: Path, output: Path) -> None:
        self.site = site
        self.output = output
        self.broadcaster = Broadcaster()
        self.preview = Preview(Options(root=site), output, self.broadcaster)
        assert self.preview.full()
        self.server = PreviewServer(("127.0.0.1", 0), output, self.broadcaster, lambda: self.preview.errors)
        self.port = self.server.server_address[1]
        self.watcher = Watcher(self.preview, site)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def events(self) -> EventStream:
        return EventStream(self.port)


class EventStream:
    """A minimal Server-Sent Events client."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(b"GET /__journeydocs__/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.buffer = b""
        self.next_event(timeout=5, comment_ok=True)  # headers and ": connected"

    def next_event(self, timeout: float, comment_ok: bool = False) -> tuple[str, object] | None:
        deadline = time.monotonic() + timeout
        while True:
            if b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                lines = block.decode().splitlines()
                fields = dict(line.split(": ", 1) for line in lines if line.startswith(("event:", "data:")))
                if "event" in fields:
                    return fields["event"], json.loads(fields["data"])
                if comment_ok:
                    return None
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no event")
            self.sock.settimeout(remaining)
            self.buffer += self.sock.recv(65536)

    def wait_for(self, event: str, timeout: float = 10) -> object:
        deadline = time.monotonic() + timeout
        while True:
            got = self.next_event(max(0.01, deadline - time.monotonic()))
            if got and got[0] == event:
                return got[1]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def running(mini_copy: Path, tmp_path: Path) -> Iterator[Running]:
    state = Running(mini_copy, tmp_path / "preview")
    state.thread.start()
    state.watcher.start()
    try:
        yield state
    finally:
        state.watcher.stop()
        state.server.stopping.set()
        state.broadcaster.close()
        state.server.shutdown()
        state.server.server_close()


def test_edit_sends_reload_and_serves_new_content(running: Running) -> None:
    events = running.events()
    journey = running.site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text().replace("title: Order a service", "title: Order a better service"))
    paths = events.wait_for("reload")
    assert "journeys/order-service/index.html" in paths
    status, headers, body = running.get("/journeys/order-service/index.html")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Order a better service" in body
    assert b"/__journeydocs__/events" in body  # the live-reload script, only in served pages
    assert b"__journeydocs__" not in (running.output / "journeys/order-service/index.html").read_bytes()
    dependants = events.wait_for("reload")  # pages that show the title elsewhere follow
    assert "index.html" in dependants
    events.close()


@pytest.mark.parametrize("kind, slug, old, new", [
    ("personas", "pat-buyer", "name: Pat", "name: Dr Pat"),
    ("touchpoints", "invoice", "name: ", "name: Monthly "),
])
def test_an_edited_persona_or_touchpoint_page_is_sent_first(running: Running, kind: str, slug: str, old: str, new: str) -> None:
    events = running.events()
    source = running.site / f"content/{kind}/{slug}.md"
    source.write_text(source.read_text().replace(old, new, 1))
    assert f"{kind}/{slug}/index.html" in events.wait_for("reload")  # its own (first) page, before the pages that show it
    _, _, body = running.get(f"/{kind}/{slug}/index.html")
    assert new.split(": ", 1)[1].encode() in body
    events.close()


def test_broken_content_keeps_last_good_site_with_an_overlay(running: Running) -> None:
    events = running.events()
    persona = running.site / "content/personas/pat-buyer.md"
    good = persona.read_text()
    persona.write_text(good.replace("role: customer", "role: custmer"))
    errors = events.wait_for("errors")
    assert errors and errors[0].startswith("content/personas/pat-buyer.md:3:7: error: 'role' must be one of")
    status, _, body = running.get("/personas/pat-buyer/index.html")
    assert status == 200 and b"Pat" in body  # the last good page
    assert b"window.__journeydocs.overlay" in body and b"custmer" in body
    persona.write_text(good)
    assert events.wait_for("errors") == []
    _, _, body = running.get("/personas/pat-buyer/index.html")
    assert b"window.__journeydocs.overlay" not in body
    events.close()


def test_css_change_refreshes_stylesheets_only(running: Running, tmp_path: Path) -> None:
    theme = running.site / "themes/default"
    shutil.copytree(Path(__file__).resolve().parent.parent / "themes/default", theme)
    running.watcher.stop()
    running.watcher = Watcher(running.preview, running.site)
    running.preview.full()
    running.watcher.start()
    events = running.events()
    css = theme / "static/journeydocs.css"
    css.write_text(css.read_text() + "\n/* tweak */\n")
    assert events.wait_for("css") == []
    _, headers, body = running.get("/static/journeydocs.css")
    assert headers["content-type"] == "text/css; charset=utf-8" and b"tweak" in body
    events.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E%2Fsite.toml",
        "/static/../../site.toml",
        "/..%2f..%2fetc%2fpasswd",
        "/static\\..\\..\\site.toml",
        "/%5c..%5csite.toml",
        "//etc/passwd",
        "/C:/Windows/win.ini",
        "/%00index.html",
        "/%ff",
        "/no-such-page.html",
    ],
)
def test_traversal_and_missing_paths_get_the_404_page(running: Running, path: str) -> None:
    status, headers, body = running.get(path)
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"Lost in the journey" in body  # the site's own 404 page (the fixture overrides it)


def test_only_get_and_head(running: Running) -> None:
    assert running.get("/index.html", "POST")[0] == 405
    assert running.get("/index.html", "DELETE")[0] == 405
    status, headers, body = running.get("/index.html", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_content_types_and_directory_redirect(running: Running) -> None:
    assert running.get("/journeys/order-service/diagram.svg")[1]["content-type"] == "image/svg+xml; charset=utf-8"
    assert running.get("/catalogue.json")[1]["content-type"] == "application/json; charset=utf-8"
    assert running.get("/static/journeydocs.js")[1]["content-type"] == "text/javascript; charset=utf-8"
    status, headers, _ = running.get("/journeys/order-service")
    assert status == 301 and headers["location"] == "/journeys/order-service/"
    assert running.get("/journeys/order-service/")[0] == 200


def test_serve_never_writes_the_publish_output(running: Running) -> None:
    assert not (running.site / "public").exists()
    folder, temporary = preview_folder(Options(root=running.site))  # what `journeys serve` uses without -o
    try:
        assert temporary and folder.is_dir() and running.site.resolve() not in folder.resolve().parents
    finally:
        shutil.rmtree(folder)


def test_cli_refuses_unsafe_output_and_warns_on_public_bind(cli, make_site) -> None:
    site = make_site()
    result = cli("serve", "--site", site, "--output", site / "content")
    assert result.exit_code == 1 and "refusing to build into" in result.output


def test_strict_preview_shows_the_warnings_that_stop_it(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    preview = Preview(Options(root=site, strict=True, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full()
    journey = site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text("utf-8").replace("title: ", "colour: blue\ntitle: ", 1), "utf-8")
    preview.update({journey})
    assert preview.errors and all(":" in e and "warning" in e for e in preview.errors), preview.errors


def test_switching_theme_in_site_toml_watches_the_new_theme(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    shutil.copytree(ROOT / "themes/default", site / "themes/alt")
    preview = Preview(Options(root=site, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full()
    watcher = Watcher(preview, site)
    watcher.start()
    try:
        config = site / "site.toml"
        config.write_text(config.read_text("utf-8").replace('language = "en"', 'language = "en"\ntheme = "alt"'), "utf-8")
        watcher._rebuild({config.resolve()})
        assert (site / "themes/alt").resolve() in watcher.watched  # edits to the new theme reach the preview
    finally:
        watcher.stop()


def test_settings_changed_while_content_is_broken_apply_once_it_is_fixed(mini_copy: Path, tmp_path: Path) -> None:
    """The full rebuild a settings change needs is not forgotten because content was broken at the time."""
    site = mini_copy
    preview = Preview(Options(root=site, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full()
    persona = site / "content/personas/pat-buyer.md"
    good = persona.read_text("utf-8")
    persona.write_text(good.replace("role: customer", "role: custmer"), "utf-8")
    preview.update({persona})
    config = site / "site.toml"
    config.write_text(config.read_text("utf-8").replace('title = "Mini Journeys"', 'title = "Tiny Journeys"'), "utf-8")
    assert not preview.full()  # the persona is still broken
    persona.write_text(good, "utf-8")
    preview.update({persona})  # only the persona changed since
    assert preview.errors == []
    for page in ("index.html", "404.html"):  # the 404 page shows no content: only a full build renders it
        assert "Tiny Journeys" in (tmp_path / "preview" / page).read_text("utf-8")


def test_a_templates_folder_made_while_serving_is_watched(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    shutil.rmtree(site / "templates")
    output = tmp_path / "preview"
    preview = Preview(Options(root=site, search=False), output, Broadcaster())
    assert preview.full()
    watcher = Watcher(preview, site)
    rebuilt = threading.Event()
    watcher.on_rebuild = lambda changed: rebuilt.set()
    watcher.start()

    def shows(text: str) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rebuilt.wait(0.2)
            rebuilt.clear()
            if text in (output / "404.html").read_text("utf-8"):
                return True
        return False

    page = '{% extends "base.html" %}{% block content %}<h1>{{ word }}</h1>{% endblock %}'
    try:
        (site / "templates").mkdir()
        (site / "templates/404.html").write_text(page.replace("{{ word }}", "Made later"), "utf-8")
        assert shows("Made later")
        (site / "templates/404.html").write_text(page.replace("{{ word }}", "Edited later"), "utf-8")
        assert shows("Edited later")  # the new folder is watched from now on
        shutil.rmtree(site / "templates")
        assert shows("Page not found")  # the built-in page again
        (site / "templates").mkdir()
        (site / "templates/404.html").write_text(page.replace("{{ word }}", "Made again"), "utf-8")
        assert shows("Made again")
        (site / "templates/404.html").write_text(page.replace("{{ word }}", "Edited again"), "utf-8")
        assert shows("Edited again")
    finally:
        watcher.stop()


def test_warnings_do_not_stop_the_preview_and_are_kept_for_the_terminal(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    preview = Preview(Options(root=site, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full() and preview.warnings == []
    journey = site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text("utf-8").replace("title: ", "colour: blue\ntitle: ", 1), "utf-8")
    preview.update({journey})
    assert preview.errors == []
    assert [w.split(": warning: ")[0] for w in preview.warnings] == ["content/journeys/order-service.md:2:1"]


def test_a_full_rebuild_that_fails_for_any_reason_is_tried_again(mini_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only broken content: a full disk or anything else leaves the preview outdated until a full build works."""
    from generator import serve
    from generator.diagnostics import OutputError

    site = mini_copy
    preview = Preview(Options(root=site, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full()
    config = site / "site.toml"
    config.write_text(config.read_text("utf-8").replace('title = "Mini Journeys"', 'title = "Tiny Journeys"'), "utf-8")
    real = serve.build

    def full_disk(*args, **kwargs):
        raise OutputError("cannot write the site: No space left on device")

    monkeypatch.setattr(serve, "build", full_disk)
    with pytest.raises(OutputError):
        preview.full()
    monkeypatch.setattr(serve, "build", real)
    persona = site / "content/personas/pat-buyer.md"
    persona.write_text(persona.read_text("utf-8").replace("name: ", "name: Dr ", 1), "utf-8")
    preview.update({persona})  # a content save, after the failed full build
    assert "Tiny Journeys" in (tmp_path / "preview/404.html").read_text("utf-8")  # a page no content edit renders
