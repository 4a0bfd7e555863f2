"""A headless Chromium for tests, driven over the DevTools protocol (CDP).

Debian's ``chromium`` is started headless with ``--remote-debugging-port=0``; the port it
picked is read from the ``DevToolsActivePort`` file in its throw-away profile, and the
driver talks to its first page over a WebSocket (the ``websockets`` package, sync client).
While it runs it collects what a page must not do: console errors (and warnings, when asked),
uncaught exceptions, and resources that failed to load.

    with Browser() as browser:                      # 1920x1080, every wait bounded
        browser.open(Path("site/index.html"))       # waits for the load event
        assert browser.evaluate("document.title") == "Diagrams"
        browser.click("#search")
        browser.screenshot(Path("shots/index.png"))
        assert not browser.errors, browser.errors

The process is always killed on leaving the block, whatever happened inside it. It runs as
root in our containers, hence ``--no-sandbox``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect

__all__ = ["Browser", "BrowserError", "chromium_path"]

START_TIMEOUT = 60.0  # seconds; a cold start on a loaded machine takes a few
_POLL = 0.05
_KEPT_EVENTS = 2000


class BrowserError(Exception):
    """Chromium could not be started or driven, or a page's script threw."""


def chromium_path() -> str:
    """Debian's ``chromium`` on PATH (``make setup`` installs it)."""
    path = shutil.which("chromium")
    if path is None:
        raise BrowserError("chromium not found on PATH: `make setup` installs Debian's chromium")
    return path


class Browser:
    """One headless Chromium with one page; a context manager.

    Args:
        width: viewport width in CSS pixels (device scale factor 1).
        height: viewport height.
        timeout: the bound of every wait (start, navigation, a command's answer), seconds.
        warnings_as_errors: count console warnings as errors too.
    """

    def __init__(
        self,
        *,
        width: int = 1920,
        height: int = 1080,
        timeout: float = 30.0,
        warnings_as_errors: bool = False,
    ) -> None:
        self.width, self.height = width, height
        self.timeout = timeout
        self.warnings_as_errors = warnings_as_errors
        self.errors: list[str] = []
        self.console: list[str] = []
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        self._profile: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: ClientConnection | None = None
        self._connection = contextlib.ExitStack()

    # --- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> Browser:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self) -> None:
        self._profile = Path(tempfile.mkdtemp(prefix="chargespec-chromium-"))
        log = (self._profile / "chromium.log").open("wb")
        args = [
            chromium_path(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            f"--user-data-dir={self._profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        with log:
            self._process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        port = self._port()
        self._socket = self._connection.enter_context(
            connect(self._page_url(port), max_size=None, open_timeout=self.timeout)
        )
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable")
        self.set_viewport(self.width, self.height)

    def _port(self) -> int:
        """The DevTools port, from the file Chromium writes into its profile once listening."""
        assert self._profile is not None and self._process is not None
        active = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + max(self.timeout, START_TIMEOUT)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrowserError(f"chromium exited ({self._process.returncode}): {self._log()}")
            lines = active.read_text().splitlines() if active.exists() else []
            if lines and lines[0].isdigit():
                return int(lines[0])
            time.sleep(_POLL)
        raise BrowserError(f"chromium did not open its DevTools port in time: {self._log()}")

    def _page_url(self, port: int) -> str:
        """The WebSocket URL of the first page (the about:blank it started with)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                targets = json.loads(answer.read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(_POLL)
        raise BrowserError("chromium shows no page target")

    def _log(self) -> str:
        path = self._profile / "chromium.log" if self._profile is not None else None
        text = path.read_text(errors="replace") if path is not None and path.exists() else ""
        return text[-2000:]

    def close(self) -> None:
        """Close the connection, kill the process, remove the profile (safe to repeat)."""
        self._socket = None
        self._connection.close()
        if self._process is not None:
            # Its own process group: the renderer and helper processes go with it. Headless
            # Chromium has nothing to save, so there is no need to ask first.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
            _wait_group_gone(self._process.pid, 10.0)
            self._process = None
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    # --- the protocol -------------------------------------------------------------------------

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a CDP command and return its result; events that come meanwhile are handled.

        Raises:
            BrowserError: the command failed or got no answer within the timeout.
        """
        if self._socket is None:
            raise BrowserError("the browser is not running")
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline, f"{method} got no answer in {self.timeout:g} s")
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return dict(message.get("result", {}))

    def _receive(self, deadline: float, late: str) -> dict[str, Any]:
        """The next message; an event is handled (and kept) before it is returned.

        Raises:
            BrowserError: with ``late`` when nothing came before ``deadline``.
        """
        assert self._socket is not None
        left = deadline - time.monotonic()
        if left <= 0:
            raise BrowserError(late)
        try:
            message: dict[str, Any] = json.loads(self._socket.recv(timeout=left))
        except TimeoutError:
            raise BrowserError(late) from None
        if "method" in message:
            self._event(message)
        return message

    def _event(self, message: dict[str, Any]) -> None:
        """Keep the event; note what a page must not do."""
        self._events.append(message)
        if len(self._events) > _KEPT_EVENTS:  # only the recent ones are ever waited for
            del self._events[: _KEPT_EVENTS // 2]
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(arg) for arg in params.get("args", []))
            kind = params.get("type", "log")
            self.console.append(f"{kind}: {text}")
            if kind in ("error", "assert") or (kind == "warning" and self.warnings_as_errors):
                self.errors.append(f"console.{kind}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            described = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"uncaught exception: {described}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            level = entry.get("level")
            if level == "error" or (level == "warning" and self.warnings_as_errors):
                where = f" ({entry['url']})" if entry.get("url") else ""
                self.errors.append(f"{entry.get('source')} {level}: {entry.get('text')}{where}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            self.errors.append(f"failed to load: {params.get('errorText')} ({params.get('type')})")

    def _wait_event(self, method: str, timeout: float) -> dict[str, Any]:
        """Handle events until ``method`` comes (one kept from earlier counts, once)."""
        for index, event in enumerate(self._events):
            if event["method"] == method:
                del self._events[: index + 1]
                return event
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline, f"no {method} within {timeout:g} s")
            if message.get("method") == method:
                self._events.clear()
                return message

    # --- what tests do ------------------------------------------------------------------------

    def open(self, target: Path | str, timeout: float | None = None) -> None:
        """Navigate to a file (a path) or a URL and wait for its load event.

        Raises:
            BrowserError: the navigation failed or the page did not load in time.
        """
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self._events.clear()
        answer = self.send("Page.navigate", url=url)
        if answer.get("errorText"):
            raise BrowserError(f"cannot open {url}: {answer['errorText']}")
        self._wait_event("Page.loadEventFired", timeout or self.timeout)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises are awaited).

        Raises:
            BrowserError: the expression threw.
        """
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            thrown = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"{expression!r} threw: {thrown}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        """Evaluate ``expression`` until it is truthy and return its value (bounded).

        Raises:
            BrowserError: still falsy when the timeout ran out.
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(_POLL)
        raise BrowserError(f"{expression!r} stayed falsy for {timeout or self.timeout:g} s")

    def settle(self, seconds: float = 0.2) -> None:
        """Let the page run for a while, handling its events (late errors are caught so)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(BrowserError):  # the time is up
            while True:
                self._receive(deadline, "")

    def click(self, selector: str) -> None:
        """Click the first element matching a CSS selector.

        Raises:
            BrowserError: nothing matches.
        """
        self.dispatch(selector, "click")

    def dispatch(self, selector: str, event: str, detail: Any = None) -> None:
        """Dispatch a DOM event (``click`` as a real click) on the first element matching
        ``selector``; ``detail`` goes into a CustomEvent's detail for other events.

        Raises:
            BrowserError: nothing matches.
        """
        found = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return false;
                if ({json.dumps(event)} === "click") el.click();
                else el.dispatchEvent(new CustomEvent({json.dumps(event)},
                    {{bubbles: true, detail: {json.dumps(detail)}}}));
                return true;
            }})()"""
        )
        if not found:
            raise BrowserError(f"no element matches {selector!r}")

    def set_viewport(self, width: int, height: int) -> None:
        """Emulate a screen of ``width`` x ``height`` CSS pixels at device scale factor 1."""
        self.width, self.height = width, height
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        """Write a PNG of the viewport (or the whole page) to ``path``; returns it."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
            }
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def _wait_group_gone(group: int, timeout: float) -> None:
    """Wait (bounded) until the killed process group's helpers have been reaped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(_POLL)


def _remote_text(arg: dict[str, Any]) -> str:
    """A console argument (a CDP RemoteObject) as text."""
    if "value" in arg:
        value = arg["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return str(arg.get("description") or arg.get("unserializableValue") or arg.get("type"))
