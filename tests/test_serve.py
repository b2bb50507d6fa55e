"""`journeys serve`: live reload, the error overlay and a server that only serves the site."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.build import Options, build
from generator.devserver import Broadcaster, PreviewServer, inject
from generator.serve import Preview, Watcher, preview_folder

from .conftest import ROOT

WAIT = 60  # seconds: generous for a slow, busy CI machine, but never a hang


def save(path: Path, text: str) -> None:
    """Save *path* the way editors do: a whole new file renamed over the old one.

    ``write_text`` truncates and then writes; a watcher that wakes in between reads
    an empty file.  A rename is one change, so the watcher sees only whole files.
    The temporary name starts with a dot: the watcher ignores it as an editor's file.
    """
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def change(path: Path, old: str, new: str) -> str:
    """Save *path* (atomically) with its first *old* replaced by *new*; *old* must be there.  Returns the old text."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    save(path, text.replace(old, new, 1))
    return text


def eventually(condition: Callable[[], bool], timeout: float = WAIT, what: str = "the expected state") -> None:
    """Poll *condition* until it holds; fail (never hang) after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not arrive within {timeout} s")
        time.sleep(0.05)


class Running:
    def __init__(self, site: Path, output: Path) -> None:
        self.site = site
        self.output = output
        self.broadcaster = Broadcaster()
        self.preview = Preview(Options(root=site, search=False), output, self.broadcaster)  # no test here searches
        assert self.preview.full()
        self.server = PreviewServer(("127.0.0.1", 0), output, self.broadcaster, lambda: self.preview.errors)
        self.port = self.server.server_address[1]
        self.watcher = Watcher(self.preview, site)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
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
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.sock.sendall(b"GET /__journeydocs__/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.buffer = b""
        self.next_event(timeout=WAIT, comment_ok=True)  # headers and ": connected"

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

    def wait_for(self, event: str, timeout: float = WAIT) -> object:
        """The data of the next *event* (other events are skipped)."""
        return self.wait_until(event, lambda data: True, timeout)

    def wait_until(self, event: str, wanted: Callable[[object], bool], timeout: float = WAIT) -> object:
        """The data of the first *event* whose data is *wanted*: the state a save leads to, however many steps it takes."""
        deadline = time.monotonic() + timeout
        seen: list[tuple[str, object]] = []
        while True:
            try:
                got = self.next_event(max(0.01, deadline - time.monotonic()))
            except (TimeoutError, socket.timeout):
                pytest.fail(f"no wanted {event!r} event within {timeout} s; got {seen!r}")
            if got is None:
                continue
            seen.append(got)
            if got[0] == event and wanted(got[1]):
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
    change(running.site / "content/journeys/order-service.md", "title: Order a service", "title: Order a better service")
    paths = events.wait_for("reload")  # the first reload: the edited page itself, before its dependants
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
    change(running.site / f"content/{kind}/{slug}.md", old, new)
    assert f"{kind}/{slug}/index.html" in events.wait_for("reload")  # its own (first) page, before the pages that show it
    _, _, body = running.get(f"/{kind}/{slug}/index.html")
    assert new.split(": ", 1)[1].encode() in body
    events.close()


def test_broken_content_keeps_last_good_site_with_an_overlay(running: Running) -> None:
    events = running.events()
    persona = running.site / "content/personas/pat-buyer.md"
    good = change(persona, "role: customer", "role: custmer")
    expected = "content/personas/pat-buyer.md:3:7: error: 'role' must be one of"
    errors = events.wait_until("errors", lambda errors: bool(errors) and errors[0].startswith(expected))
    assert len(errors) == 1, errors
    status, _, body = running.get("/personas/pat-buyer/index.html")
    assert status == 200 and b"Pat" in body  # the last good page
    assert b"window.__journeydocs.overlay" in body and b"custmer" in body
    save(persona, good)
    assert events.wait_until("errors", lambda errors: errors == []) == []
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
    save(css, css.read_text("utf-8") + "\n/* tweak */\n")
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


def test_the_preview_folder_without_output_is_a_private_temporary_folder(mini_copy: Path) -> None:
    folder, temporary = preview_folder(Options(root=mini_copy))  # what `journeys serve` uses without -o
    try:
        assert temporary and folder.is_dir() and list(folder.iterdir()) == []
        assert mini_copy.resolve() not in folder.resolve().parents
    finally:
        shutil.rmtree(folder)


def test_cli_refuses_unsafe_output(cli, make_site) -> None:
    site = make_site()
    result = cli("serve", "--site", site, "--output", site / "content")
    assert result.exit_code == 1 and "refusing to build into" in result.output


# -- `journeys serve` as authors run it: a process of its own, stopped by a signal --------------

SERVING = re.compile(r"^serving (http://\S+/) \(Ctrl\+C to stop\)$", re.MULTILINE)


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # so that Python turns SIGINT into KeyboardInterrupt again


class Served:
    """A running ``python -m generator serve``; its output goes to files, so no pipe can fill up and block it."""

    def __init__(self, site: Path, tmp_path: Path, *options: str) -> None:
        self.temp = tmp_path / "tmp"  # its TMPDIR: where its temporary preview folder goes, and only that
        self.temp.mkdir()
        self.out, self.err = tmp_path / "serve.out", tmp_path / "serve.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "generator", "serve", "--site", str(site), *options],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=tmp_path,
                env={**os.environ, "TMPDIR": str(self.temp)},
                # A shell without job control starts background jobs with SIGINT ignored, and so would the server.
                preexec_fn=_interruptible if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else None,
            )

    @property
    def stdout(self) -> str:
        return self.out.read_text("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.err.read_text("utf-8", "replace")

    def url(self) -> str:
        """The address it prints once it serves; fails (never hangs) if it stops or takes too long."""
        eventually(lambda: SERVING.search(self.stdout) is not None or self.process.poll() is not None, what="serve's address")
        match = SERVING.search(self.stdout)
        if match is None:
            pytest.fail(f"serve exited with {self.process.returncode}: {self.stdout}{self.stderr}")
        return match.group(1)

    def previews(self) -> list[Path]:
        return sorted(self.temp.glob("journeydocs-preview-*"))

    def wait(self) -> int:
        try:
            return self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve did not exit within {WAIT} s: {self.stdout}{self.stderr}")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.wait()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)


@contextlib.contextmanager
def serving(site: Path, tmp_path: Path, *options: str) -> Iterator[Served]:
    served = Served(site, tmp_path, *options)
    try:
        yield served
    finally:
        served.kill()


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return response.status, response.read()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_journeys_serve_serves_the_built_site_and_cleans_up_when_stopped(mini_copy: Path, tmp_path: Path, signum: int) -> None:
    site = mini_copy
    with serving(site, tmp_path, "--port", "0") as served:
        url = served.url()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url) and not url.endswith(":0/"), url
        pages = {path: fetch(url + path) for path in ("", "journeys/order-service/")}
        [folder] = served.previews()  # its private preview folder, outside the site
        assert (folder / "journeys/order-service/index.html").is_file()
        events = EventStream(int(url.rsplit(":", 1)[1].strip("/")))  # an open browser tab must not keep it running
        try:
            code = served.stop(signum)
        finally:
            events.close()
        stdout, stderr = served.stdout, served.stderr
    assert code == 130, (code, stdout, stderr)
    assert stderr.splitlines()[-1:] == ["stopped"] and "Traceback" not in stderr and "warning" not in stderr, stderr
    assert served.previews() == [] and not folder.exists()  # Ctrl+C removes the temporary folder
    assert not (site / "public").exists() and not (tmp_path / "public").exists()  # never the publish output
    clean = build(Options(root=site, output=tmp_path / "clean", use_cache=False)).output
    for path, (status, body) in pages.items():
        assert status == 200
        assert body == inject((clean / path / "index.html").read_bytes(), []), path  # the built page and the live-reload script


def test_journeys_serve_on_a_public_address_warns(mini_copy: Path, tmp_path: Path) -> None:
    with serving(mini_copy, tmp_path, "--bind", "0.0.0.0", "--port", "0") as served:
        url = served.url()
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert url == f"http://0.0.0.0:{port}/"
        assert "warning: serving on 0.0.0.0, which other machines can reach; the preview is for authors" in served.stderr
        status, body = fetch(f"http://127.0.0.1:{port}/journeys/order-service/")
        assert status == 200 and b"Order a service" in body
        assert served.stop(signal.SIGINT) == 130


def test_journeys_serve_on_a_port_in_use_is_a_usage_error(mini_copy: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with serving(mini_copy, tmp_path, "--port", str(port)) as served:
            code = served.wait()
        stdout, stderr = served.stdout, served.stderr
    assert code == 2, (code, stdout, stderr)
    assert stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: "), stderr
    assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr, stderr  # one clear line
    assert "serving" not in stdout
    assert served.previews() == [] and not (mini_copy / "public").exists()


def test_strict_preview_shows_the_warnings_that_stop_it(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    preview = Preview(Options(root=site, strict=True, search=False), tmp_path / "preview", Broadcaster())
    assert preview.full()
    journey = site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text("utf-8").replace("title: ", "colour: blue\ntitle: ", 1), "utf-8")
    preview.update({journey})
    assert preview.errors and all(":" in e and "warning" in e for e in preview.errors), preview.errors


@contextlib.contextmanager
def _watched(site: Path, output: Path) -> Iterator[Watcher]:
    """A preview of *site* built into *output*, its watcher running for as long as the block does."""
    preview = Preview(Options(root=site, search=False), output, Broadcaster())
    assert preview.full()
    watcher = Watcher(preview, site)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()


def test_switching_theme_in_site_toml_watches_the_new_theme(mini_copy: Path, tmp_path: Path) -> None:
    site = mini_copy
    shutil.copytree(ROOT / "themes/default", site / "themes/alt")
    alt_css = site / "themes/alt/static/journeydocs.css"
    save(alt_css, alt_css.read_text("utf-8") + "\n/* the alt theme */\n")
    css = tmp_path / "preview/static/journeydocs.css"
    with _watched(site, tmp_path / "preview") as watcher:
        change(site / "site.toml", 'language = "en"', 'language = "en"\ntheme = "alt"')  # the watcher rebuilds on its own
        eventually(lambda: "the alt theme" in css.read_text("utf-8"), what="the full build with the new theme")
        eventually(lambda: (site / "themes/alt").resolve() in watcher.watched, what="a watch on the new theme")
        change(alt_css, "the alt theme", "the alt theme, edited")
        eventually(lambda: "the alt theme, edited" in css.read_text("utf-8"), what="the new theme's edited stylesheet")


def test_the_preview_watches_every_theme_layer(mini_copy: Path, tmp_path: Path, builtin_themes: Path) -> None:
    """A theme is layered over the built-in default: an edit to the default's script reaches the preview too."""
    builtin = builtin_themes  # a copy of the built-in themes that this test may edit
    site = mini_copy
    (site / "themes/mine/static").mkdir(parents=True)
    save(site / "themes/mine/static/journeydocs.css", "/* mine */\n")
    change(site / "site.toml", 'language = "en"', 'language = "en"\ntheme = "mine"')
    script = tmp_path / "preview/static/search.js"
    with _watched(site, tmp_path / "preview") as watcher:
        assert (builtin / "default").resolve() in {p.resolve() for p in watcher.watched}
        change(builtin / "default/static/search.js", "", "/* edited default */\n")
        eventually(lambda: "edited default" in script.read_text("utf-8"), what="the default layer's edited script")


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
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            rebuilt.wait(0.2)
            rebuilt.clear()
            if text in (output / "404.html").read_text("utf-8"):
                return True
        return False

    page = '{% extends "base.html" %}{% block content %}<h1>{{ word }}</h1>{% endblock %}'
    try:
        (site / "templates").mkdir()
        save(site / "templates/404.html", page.replace("{{ word }}", "Made later"))
        assert shows("Made later")
        save(site / "templates/404.html", page.replace("{{ word }}", "Edited later"))
        assert shows("Edited later")  # the new folder is watched from now on
        shutil.rmtree(site / "templates")
        assert shows("Page not found")  # the built-in page again
        (site / "templates").mkdir()
        save(site / "templates/404.html", page.replace("{{ word }}", "Made again"))
        assert shows("Made again")
        save(site / "templates/404.html", page.replace("{{ word }}", "Edited again"))
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


def test_the_preview_listens_with_the_address_family_of_its_bind_address() -> None:
    """--bind ::1 or :: needs an IPv6 socket (the server class's default is IPv4)."""
    import socket as sockets

    from generator.devserver import _family

    assert _family("::1", 0) == sockets.AF_INET6
    assert _family("::", 8000) == sockets.AF_INET6
    assert _family("127.0.0.1", 0) == sockets.AF_INET
    assert _family("0.0.0.0", 8000) == sockets.AF_INET


def test_the_bind_address_may_be_written_as_in_a_url_or_left_empty() -> None:
    from generator.serve import listen_address

    assert listen_address("[::1]") == "::1"
    assert listen_address(" 127.0.0.1 ") == "127.0.0.1"
    assert listen_address("") == "0.0.0.0"
    assert listen_address("localhost") == "localhost"
