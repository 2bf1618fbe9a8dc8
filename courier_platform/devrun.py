"""``make run``'s foreground: the processes of a Procfile under honcho, stopped together by Ctrl-C
with exit status 0.

Two things stand between Ctrl-C and a clean exit, and both are handled here:

- The terminal sends SIGINT to its whole foreground process group, ``make`` included, and GNU make
  always dies of it ("make: *** [run] Interrupt", status 130) whatever its recipe does. So this
  process moves into a process group of its own and makes it the terminal's foreground group, as a
  shell does for a job: Ctrl-C reaches honcho alone, and the terminal goes back to ``make`` at the
  end.
- honcho exits 130 after Ctrl-C (143 after SIGTERM) even when every process stopped as asked. A stop
  the user asked for is a success here; a process that dies on its own still stops the others and
  fails the run with its exit code.
- honcho 2.0.0 fails (``KeyError: 'pid'``) when Ctrl-C arrives while its processes are still starting,
  before each has reported its pid, and then never stops them. :class:`StartingSafeManager` holds a
  stop asked for too early until every process has started, then stops them all.

    python -m courier_platform.devrun Procfile.dev
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

import honcho.command
from honcho.command import main as honcho_main
from honcho.manager import Manager

STOPPED_BY_USER = {130, 143}  # honcho's codes for SIGINT and SIGTERM


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Run the block as the terminal's foreground process group (nothing to do without one)."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    previous_group = os.tcgetpgrp(terminal)
    stop_signal = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may then take it
    try:
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
        os.tcsetpgrp(terminal, os.getpgrp())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, previous_group)
        signal.signal(signal.SIGTTOU, stop_signal)
        os.close(terminal)


class StartingSafeManager(Manager):
    """honcho's manager, except that a stop asked for while processes are still starting waits
    until each has reported its pid (honcho reads the pids to signal them)."""

    _stop_held: bool | None = None  # None: no stop held; else whether it was a kill

    def _killall(self, force: bool = False) -> None:
        if not self._all_started():
            self._stop_held = force or bool(self._stop_held)
            self._terminating = False  # so that the held stop can run
            return
        super()._killall(force=force)

    def _all_started(self) -> bool:
        started = super()._all_started()
        if started and self._stop_held is not None:
            force, self._stop_held = self._stop_held, None
            if force:
                self.kill()
            else:
                self.terminate()
        return started


def run(procfile: str) -> int:
    honcho.command.Manager = StartingSafeManager
    with terminal_foreground():
        try:
            honcho_main(["-f", procfile, "start"])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            return 0 if code in STOPPED_BY_USER else code
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else "Procfile.dev"))
