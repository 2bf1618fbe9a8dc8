"""`make run`: Ctrl-C stops every process and the run exits 0; a process that dies on its own fails
it. Checked in a real terminal (a pseudo-terminal), where Ctrl-C reaches the whole foreground process
group, make included, with a Procfile of stand-in processes."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def _in_a_terminal(argv: list[str], *, ctrl_c_when: list[bytes], timeout: float = 30) -> tuple[int, str]:
    """Run argv on a pseudo-terminal, type Ctrl-C once every line of ``ctrl_c_when`` has been
    printed; its exit status and output."""
    pid, fd = os.forkpty()
    if pid == 0:  # pragma: no cover  (the child)
        os.chdir(BASE)
        os.execvp(argv[0], argv)
    output, typed, give_up = b"", False, time.monotonic() + timeout
    while time.monotonic() < give_up:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closed: every process is gone
                break
            if not data:
                break
            output += data
        if not typed and all(line in output for line in ctrl_c_when):
            os.write(fd, b"\x03")
            typed = True
    else:
        os.kill(pid, 9)
        raise AssertionError(f"still running after {timeout} s:\n{output.decode(errors='replace')}")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_ctrl_c_stops_every_process_and_make_exits_0(tmp_path):
    marker = tmp_path / "pids"
    (tmp_path / "Procfile").write_text(
        f"one: echo $$ >> {marker}; echo started; exec sleep 60\ntwo: echo $$ >> {marker}; echo started; exec sleep 60\n"
    )
    (tmp_path / "Makefile").write_text(
        f"run:\n\t@{sys.executable} -m courier_platform.devrun {tmp_path / 'Procfile'}\n"
    )

    # Ctrl-C once honcho has seen both processes start (it reports each pid as it learns it).
    status, output = _in_a_terminal(
        ["make", "-f", str(tmp_path / "Makefile"), "run"],
        ctrl_c_when=[b"one.1 started (pid=", b"two.1 started (pid="],
    )

    assert status == 0, output
    assert "Interrupt" not in output
    assert "SIGINT received" in output
    for pid in marker.read_text().split():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_a_process_that_dies_on_its_own_stops_the_others_and_fails_the_run(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: sleep 60\nworker: sleep 0.5; exit 3\n")

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "courier_platform.devrun", str(procfile)],
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,  # no terminal
    )

    assert result.returncode == 3, result.stdout
    assert "sending SIGTERM to web.1" in result.stdout
