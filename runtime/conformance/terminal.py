"""Lines typed by a person, read without blocking the event loop.

While an operator walks to the charge point, the test system must go on answering the
device's Heartbeats (OCPP 1.6 §4.6) and StatusNotifications, so a prompt may never block the
asyncio loop. :class:`TerminalLines` reads a file descriptor through ``loop.add_reader``
(a terminal, a pseudo-terminal or a pipe: whatever the selector can watch); any other stream
(an in-memory one, a regular file) is read by a daemon thread, one line at a time.

Theory of operation, for a terminal:

- The terminal stays in canonical ("cooked") mode, so the kernel hands over a whole line
  when Enter is pressed and the operator can correct a typo with Backspace. A terminal left
  in raw or no-echo mode by an earlier program is switched to line mode with echo for the
  session and put back by :meth:`TerminalLines.close`.
- Typeahead is discarded before each question (:meth:`TerminalLines.discard_typeahead`): an
  Enter pressed twice must not confirm the next physical step before its prompt was even
  shown. Input that is not a terminal (a script, a pipe) is consumed in order instead.
- Ctrl-D at the start of a line reads as end of input for that question only; a terminal
  can be read again afterwards, a closed pipe reads as end of input every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import termios
import threading
from collections.abc import Callable
from typing import IO, Any

__all__ = ["TerminalLines"]

_CHUNK = 4096
# One question's answer is a short line; a reader that sees this many chunks without a
# newline hands over what it has rather than growing without end.
_MAX_CHUNKS = 64
# What a prompt needs from the line discipline: whole lines (ICANON), the operator seeing
# what they type (ECHO), and Enter ending the line also on a terminal left with ICRNL off.
_LFLAGS = termios.ICANON | termios.ECHO
_IFLAGS = termios.ICRNL


class TerminalLines:
    """Reads lines from an operator's input without blocking the asyncio event loop.

    Args:
        source: A file descriptor, or a readable stream (text or binary). A stream with a
            ``fileno()`` that the event loop can watch is read through that descriptor.
    """

    def __init__(self, source: int | IO[Any]) -> None:
        self._fd, self._stream = _split_source(source)
        self._buffer = bytearray()
        self._at_eof = False
        self._is_tty = self._fd is not None and os.isatty(self._fd)
        self._saved_mode: list[Any] | None = None
        self._pending: asyncio.Future[str | None] | None = None
        if self._is_tty:
            self._line_mode()

    def discard_typeahead(self) -> None:
        """Forget what was typed before the question that is about to be asked (terminal only)."""
        if not self._is_tty or self._fd is None:
            return
        self._buffer.clear()
        with contextlib.suppress(termios.error):
            termios.tcflush(self._fd, termios.TCIFLUSH)

    async def readline(self) -> str | None:
        """The next line without its line end, or ``None`` at end of input (Ctrl-D, EOF).

        Cancelling the wait (a timeout) loses nothing: a line typed later is the next one read.
        """
        if self._fd is None:
            return await self._thread_line()
        for _ in range(_MAX_CHUNKS):
            line = self._take_line()
            if line is not None:
                return line
            if self._at_eof:
                # Not sticky: after Ctrl-D a terminal can be read again. A last line without
                # a newline still counts.
                self._at_eof = False
                return self._take_all() or None
            await self._wait_readable(self._fd)
        return self._take_all()

    def close(self) -> None:
        """Put the terminal's mode back as it was found."""
        if self._saved_mode is not None and self._fd is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self._fd, termios.TCSANOW, self._saved_mode)
            self._saved_mode = None

    # --- the descriptor, through the event loop --------------------------------------------

    def _line_mode(self) -> None:
        assert self._fd is not None
        try:
            mode = termios.tcgetattr(self._fd)
        except termios.error:
            return
        iflag, lflag = mode[0], mode[3]
        if lflag & _LFLAGS == _LFLAGS and iflag & _IFLAGS == _IFLAGS:
            return
        self._saved_mode = [*mode[:6], list(mode[6])]
        mode[0] = iflag | _IFLAGS
        mode[3] = lflag | _LFLAGS
        termios.tcsetattr(self._fd, termios.TCSANOW, mode)

    async def _wait_readable(self, fd: int) -> None:
        """Wait until ``fd`` was read once (into the buffer, or as end of input).

        The callback itself stores what it read, so a timeout that cancels this wait in the
        same loop iteration cannot lose a typed line.
        """
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, self._on_readable, fd, ready)
        try:
            await ready
        finally:
            loop.remove_reader(fd)

    def _on_readable(self, fd: int, ready: asyncio.Future[None]) -> None:
        """``add_reader`` callback: one ``os.read``, which cannot block now."""
        if ready.done():
            return
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            # EIO: the other side of a pseudo-terminal has gone; that is end of input.
            data = b""
        self._buffer += data
        self._at_eof = not data
        ready.set_result(None)

    def _take_line(self) -> str | None:
        end = self._buffer.find(b"\n")
        if end < 0:
            return None
        raw = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return raw.decode("utf-8", "replace").removesuffix("\r")

    def _take_all(self) -> str:
        raw = bytes(self._buffer)
        self._buffer.clear()
        return raw.decode("utf-8", "replace").removesuffix("\r")

    # --- any other stream, through a daemon thread -----------------------------------------

    async def _thread_line(self) -> str | None:
        """One line read by a daemon thread; a read outlives a timeout and answers next time.

        A daemon thread (not the loop's executor) so that a read nobody answers cannot hold
        up the interpreter's exit.
        """
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.create_future()
            assert self._stream is not None
            reader = _thread_reader(self._stream.readline, loop, self._pending)
            threading.Thread(target=reader, name="operator-input", daemon=True).start()
        line = await asyncio.shield(self._pending)
        self._pending = None
        return line


def _split_source(source: int | IO[Any]) -> tuple[int | None, IO[Any] | None]:
    """The descriptor to watch with ``add_reader``, or the stream to read in a thread."""
    if isinstance(source, int):
        fd = source
    else:
        try:
            fd = source.fileno()
        except (AttributeError, OSError, ValueError):  # io.StringIO: UnsupportedOperation
            return None, source
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        return fd, None
    # A regular file is always "readable" and epoll refuses to watch it.
    if isinstance(source, int):
        return None, os.fdopen(fd, "rb", closefd=False)
    return None, source


def _thread_reader(
    readline: Callable[[], Any],
    loop: asyncio.AbstractEventLoop,
    pending: asyncio.Future[str | None],
) -> Callable[[], None]:
    def run() -> None:
        try:
            raw = readline()
        except (OSError, ValueError):
            raw = ""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        line = text.removesuffix("\n").removesuffix("\r") if text else None
        with contextlib.suppress(RuntimeError):  # the loop closed while the person thought
            loop.call_soon_threadsafe(_settle, pending, line)

    return run


def _settle(pending: asyncio.Future[str | None], line: str | None) -> None:
    if not pending.done():
        pending.set_result(line)
