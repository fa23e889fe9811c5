"""`make bench-asgi`: serve the project with uvicorn and with daphne in turn and measure the same load on both.

Prints requests per second and latency percentiles for the public page and the admin login page, so the ASGI server
used by `make run` is chosen by measurement. The load goes to 127.0.0.1 only and is bounded in count. `--json PATH`
also writes the figures, the machine and its load average (hibachi.bench_record).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

from hibachi import embedded
from hibachi.bench_record import bench_record_write, machine_now
from hibachi.launcher import local_settings_by_default

BIN = os.path.dirname(sys.executable)
SERVERS = {
    "uvicorn": lambda port: [os.path.join(BIN, "uvicorn"), "hibachi.asgi:application", "--port", str(port),
                             "--no-access-log", "--lifespan", "off", "--log-level", "warning"],
    "daphne": lambda port: [os.path.join(BIN, "daphne"), "-p", str(port), "-v", "0", "hibachi.asgi:application"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _load(url: str, requests: int, concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient):
        nonlocal errors
        while not queue.empty():
            queue.get_nowait()
            start = time.perf_counter()
            try:
                response = await client.get(url)
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - start) * 1000)

    async with httpx.AsyncClient(timeout=10) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies, errors


def _wait(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", dest="json_path", default="",
                        help="also write the figures, the machine and its load average to this file")
    args = parser.parse_args()
    if args.requests < 2 or args.concurrency < 1:
        parser.error("--requests must be at least 2 and --concurrency at least 1.")
    machine_before, figures = machine_now(), []
    # Importing `hibachi` already defaulted the settings to production (hibachi/celery.py): name the local ones, as
    # `make run` does, unless some were chosen (the servers started below read them too).
    local_settings_by_default()
    # Plain HTTP pages: the servers need not load the encoder and the NLU model first (hibachi/asgi.py).
    os.environ.setdefault("WEB_PRELOAD_MODELS", "0")
    # All the load comes from 127.0.0.1, and every request to / is a new visitor: the web chat's per-address limit
    # on new visitors (messaging.limits) would answer 429 after a few dozen.
    os.environ.setdefault("WEBCHAT_NEW_VISITORS_PER_ADDRESS", "100000000/h")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DATABASE_URL", embedded.postgres_url())
    os.environ.setdefault("REDIS_URL", embedded.redis_url())
    print(f"{'server':<8} {'path':<14} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for name, command in SERVERS.items():
        port = _free_port()
        process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL)
        try:
            _wait(f"http://127.0.0.1:{port}/")
            for path in ("/", "/admin/login/"):
                url = f"http://127.0.0.1:{port}{path}"
                asyncio.run(_load(url, 50, 5))  # warm-up
                rate, latencies, errors = asyncio.run(_load(url, args.requests, args.concurrency))
                p95 = statistics.quantiles(latencies, n=20)[-1]
                print(f"{name:<8} {path:<14} {rate:>8.0f} {statistics.median(latencies):>8.1f} {p95:>8.1f} {errors:>6}")
                figures.append({"server": name, "path": path, "requests_per_s": round(rate, 1),
                                "p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(p95, 2),
                                "errors": errors})
        finally:
            process.terminate()
            process.wait(timeout=10)
    if args.json_path:
        path = bench_record_write(path=args.json_path, command="bench_asgi", machine_before=machine_before,
                                  parameters={"requests": args.requests, "concurrency": args.concurrency},
                                  figures={"servers": figures})
        print(f"figures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
