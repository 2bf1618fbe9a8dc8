"""`make run`: Ctrl-C stops every process and the run exits 0; a process that dies on its own fails
it. Checked in a real terminal (a pseudo-terminal), where Ctrl-C reaches the whole foreground process
group, make included, with a Procfile of stand-in processes, and with the fake carriers' line of
Procfile.dev as make run starts it."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest

BASE = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def _in_a_terminal(
    argv: list[str],
    *,
    ctrl_c_when: list[bytes],
    timeout: float = 30,
    env: dict[str, str] | None = None,
    before_ctrl_c: Callable[[], None] | None = None,
) -> tuple[int, str]:
    """Run argv on a pseudo-terminal, type Ctrl-C once every line of ``ctrl_c_when`` has been
    printed (after calling ``before_ctrl_c``); its exit status and output."""
    pid, fd = os.forkpty()
    if pid == 0:  # pragma: no cover  (the child)
        os.chdir(BASE)
        os.execvpe(argv[0], argv, env if env is not None else os.environ)
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
            if before_ctrl_c is not None:
                before_ctrl_c()
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


def test_ctrl_c_while_the_processes_are_still_starting_stops_them_all_and_exits_0(tmp_path):
    # Ctrl-C as soon as the first of six processes has started: the others have not reported their
    # pids yet (honcho 2.0.0 alone fails here with KeyError 'pid' and leaves them running).
    marker = tmp_path / "pids"
    (tmp_path / "Procfile").write_text(
        "".join(f"p{i}: echo $$ >> {marker}; exec sleep 60\n" for i in range(6))
    )
    for _attempt in range(3):
        marker.write_text("")
        status, output = _in_a_terminal(
            [sys.executable, "-m", "courier_platform.devrun", str(tmp_path / "Procfile")],
            ctrl_c_when=[b"started (pid="],
        )

        assert status == 0, output
        assert "Traceback" not in output
        time.sleep(0.5)
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


def _procfile_dev_line(name: str) -> str:
    lines = [line for line in (BASE / "Procfile.dev").read_text().splitlines() if line.startswith(f"{name}:")]
    assert len(lines) == 1, f"Procfile.dev has no single {name} process"
    return lines[0]


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _post_form(url: str, fields: dict[str, str]) -> dict:
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_make_run_starts_the_fake_carriers_and_ctrl_c_stops_them(tmp_path):
    """Procfile.dev's fakes process, with the environment make run gives it: a fake Kuaidi100 and a
    fake SF answer in their own formats on the ports of the settings; Ctrl-C stops them, exit 0."""
    (tmp_path / "Procfile").write_text(_procfile_dev_line("fakes") + "\n")
    k100_port, sf_port = _free_ports(2)
    env = {
        **os.environ,
        "DEV_MODE": "1",
        "CARRIER_SIMULATOR": "1",
        "FAKE_KUAIDI100_PORT": str(k100_port),
        "FAKE_SF_PORT": str(sf_port),
        "PLATFORM_URL": "http://127.0.0.1:9",  # nothing to push to: no booking is made
    }
    answers = {}

    def ask_both() -> None:
        answers["kuaidi100"] = _post_form(
            f"http://127.0.0.1:{k100_port}/order/borderapi.do", {"method": "bOrder", "key": "not-ours"}
        )
        answers["sf"] = _post_form(f"http://127.0.0.1:{sf_port}/std/service", {"partnerID": "NOT-OURS"})

    status, output = _in_a_terminal(
        [sys.executable, "-m", "courier_platform.devrun", str(tmp_path / "Procfile")],
        ctrl_c_when=[f"fake Kuaidi100 http://127.0.0.1:{k100_port}".encode()],
        timeout=180,
        env=env,
        before_ctrl_c=ask_both,
    )

    assert status == 0, output
    assert answers == {
        "kuaidi100": {"result": False, "returnCode": "601", "message": "key不存在"},
        "sf": {"apiResultCode": "A1001", "apiErrorMsg": "partnerID不存在", "apiResultData": None},
    }
    assert f"fake SF http://127.0.0.1:{sf_port}" in output
    [pid] = re.findall(r"fakes\.1 started \(pid=(\d+)\)", output)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)
    for port in (k100_port, sf_port):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
