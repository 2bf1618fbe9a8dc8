"""CPU per carrier callback, in process: repeatable where the throughput benchmark is noisy.

    .venv/bin/python bench/callback_cpu.py [--protocol standard|kuaidi100|floor] [-n 2000] [--profile]

Drives the WSGI application (``courier_platform.wsgi``, production settings, PostgreSQL at
``BENCH_DATABASE_URL``, prepared as ``bench/callbacks.py`` prepares it) with ``-n`` signed
``order.in_transit`` callbacks (a timeline entry, ``recorded``) one after another, and prints the
process's CPU time per callback (``time.process_time()``: this process only, not PostgreSQL's),
best of ``--repeat`` runs. The requests are built and signed before the clock starts, so only the
server's side is counted. ``--protocol floor`` measures the bare-Django floor
(``bench/callback_floor.py``) the same way; ``--profile`` prints the cProfile table instead.

Other work on the machine changes the figure little (it counts this process's CPU, not the wall
clock), but a loaded machine still costs some cache misses: compare figures of one sitting.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import hashlib
import hmac
import io
import json
import os
import pstats
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from callbacks import (  # noqa: E402
    K100_CODE,
    K100_SALT,
    PATH,
    ROOT,
    SHANGHAI,
    _create_database,
    _prepare,
)

# Requests are built and signed this many at a time, outside the clock.
CHUNK = 100


def _standard_request(key: bytes, number: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps(
        {
            "order": number,
            "type": "order.in_transit",
            "occurred_at": datetime.now(SHANGHAI).isoformat(timespec="seconds"),
            "data": {"location": "深圳转运中心", "description": "已到达"},
        },
        ensure_ascii=False,
    ).encode()
    msg_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "CONTENT_TYPE": "application/json",
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": stamp,
        "HTTP_WEBHOOK_SIGNATURE": "v1," + base64.b64encode(digest).decode(),
    }
    return PATH, body, headers


def _kuaidi100_request(number: str, serial: int) -> tuple[str, bytes, dict[str, str]]:
    # As bench/callbacks.py sends it: a 运输中 status with a new updateTime (a new event id).
    update_time = datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") + f".{serial:06d}"
    param = json.dumps(
        {
            "kuaidicom": "shunfeng", "kuaidinum": "SF1402938475612", "status": "101", "message": "已到达",
            "data": {"orderId": "K" + number, "status": "101", "updateTime": update_time},
        },
        ensure_ascii=False,
    )  # fmt: skip
    sign = hashlib.md5((param + K100_SALT).encode()).hexdigest().upper()  # noqa: S324
    body = urlencode({"taskId": "T" + number, "param": param, "sign": sign}).encode()
    return (
        f"/api/v1/carriers/{K100_CODE}/events/",
        body,
        {"CONTENT_TYPE": "application/x-www-form-urlencoded"},
    )


def _environ(path: str, body: bytes, headers: dict[str, str]) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8710",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8710",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }


def _callgrind(state: str) -> None:
    """Switch callgrind's counting on or off in this process (it starts off)."""
    subprocess.run(
        ["callgrind_control", "--instr=" + state, str(os.getpid())], check=True, capture_output=True
    )


def _count_instructions(args: argparse.Namespace) -> int:
    """Run this script under callgrind, counting only while callbacks are answered."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--under-callgrind",
        "--protocol",
        args.protocol,
        "-n",
        str(args.n),
        "--orders",
        str(args.orders),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or collected is None:
        print(result.stdout, result.stderr[-3000:], sep="\n")
        return 1
    print(result.stdout.strip().splitlines()[-1])
    print(
        f"{args.protocol}: {int(collected.group(1)) / args.n / 1e6:.2f} million instructions per callback "
        f"(callgrind, {args.n} callbacks after a warm-up of 200)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=["standard", "kuaidi100", "floor"], default="standard")
    parser.add_argument("-n", type=int, default=2000, help="callbacks per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is printed")
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print the cProfile table of one run")
    parser.add_argument(
        "--callers", metavar="REGEX", help="with --profile: also print who calls the functions matching REGEX"
    )
    parser.add_argument("--sort", default="tottime", help="the profile's order (tottime, cumulative)")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count the instructions per callback under valgrind's callgrind (slow; repeatable on a busy machine)",
    )
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        return _count_instructions(args)

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/courier_bench")
    _create_database(database_url)
    secret, numbers = _prepare(database_url, args.orders)
    if args.protocol == "kuaidi100":
        _salt, numbers = _prepare(database_url, args.orders, "kuaidi100")
    key = base64.b64decode(secret.removeprefix("whsec_"))

    url = urlparse(database_url)
    if args.protocol == "floor":
        os.environ.update(
            BENCH_DB_NAME=url.path.lstrip("/"),
            BENCH_DB_USER=url.username or "postgres",
            BENCH_DB_HOST=url.hostname or "127.0.0.1",
            BENCH_DB_PORT=str(url.port or 5432),
            BENCH_SECRET=secret,
        )
        from callback_floor import application
    else:
        os.environ.update(
            DATABASE_URL=database_url,
            DJANGO_SETTINGS_MODULE="courier_platform.settings",
            SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_COOKIES="0",
            LOG_LEVEL="WARNING",
        )
        os.environ.pop("DEV_MODE", None)
        os.environ.pop("DEBUG", None)
        sys.path.insert(0, str(ROOT))
        from courier_platform.wsgi import application

    serial = iter(range(10**9))

    def requests(count: int) -> list[dict]:
        built = []
        for i in range(count):
            number = numbers[i % len(numbers)]
            if args.protocol == "kuaidi100":
                built.append(_environ(*_kuaidi100_request(number, next(serial))))
            else:
                built.append(_environ(*_standard_request(key, number)))
        return built

    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def run(batch: list[dict]) -> None:
        for environ in batch:
            response = application(environ, start_response)
            b"".join(response)
            if hasattr(response, "close"):
                response.close()

    def timed(
        count: int, profiler: cProfile.Profile | None = None, *, counted: bool = True
    ) -> tuple[float, float]:
        """CPU and wall seconds spent answering ``count`` callbacks, built (and signed) in chunks
        outside the clock so that no timestamp goes stale on a slow machine. Under callgrind only
        a ``counted`` run switches the instruction count on."""
        cpu = wall = 0.0
        for start in range(0, count, CHUNK):
            batch = requests(min(CHUNK, count - start))
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            if profiler is not None:
                profiler.enable()
            if args.under_callgrind and counted:
                _callgrind("on")
            run(batch)
            if args.under_callgrind and counted:
                _callgrind("off")
            if profiler is not None:
                profiler.disable()
            cpu += time.process_time() - started_cpu
            wall += time.perf_counter() - started_wall
        return cpu, wall

    # Warm-up: imports, the connection, the carrier cache. Not counted: its once-per-process work
    # (about a billion instructions) would be divided among the counted callbacks.
    timed(200, counted=False)
    statuses.clear()
    # Every measured run starts from an empty young generation and no full collection pending,
    # so that one run does not pay for the garbage of another.
    gc.collect()
    if args.under_callgrind:
        timed(args.n)
        print("answers:", statuses)
        return 0 if set(statuses) == {"200 OK"} else 1
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on PostgreSQL
        cpu, _wall = timed(args.n, profiler)
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.lines)
        if args.callers:
            stats.print_callers(args.callers)
        print(f"{args.protocol}: {cpu / args.n * 1000:.3f} ms CPU per callback under the profiler")
    else:
        figures = []
        for _ in range(args.repeat):
            figures.append(timed(args.n))
            gc.collect()
        figures = [(cpu / args.n * 1000, wall / args.n * 1000) for cpu, wall in figures]
        best = min(figures)
        print(
            f"{args.protocol}: {best[0]:.3f} ms CPU per callback (best of {args.repeat} runs of {args.n}; "
            f"runs: {' '.join(f'{f[0]:.3f}' for f in figures)}), wall {best[1]:.3f} ms; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
    print("answers:", statuses)
    return 0 if set(statuses) == {"200 OK"} else 1


if __name__ == "__main__":
    sys.exit(main())
