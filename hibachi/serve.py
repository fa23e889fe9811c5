"""The web server, in production and under `make run`: uvicorn with one worker process per core.

`python -m hibachi.serve --host 0.0.0.0 --port 8000` is the production command. One Python process answers on one
core at a time (the GIL; a reply is CPU-bound model inference), so the server runs WEB_CONCURRENCY worker processes,
by default as many as the machine has cores. The processes share nothing but the listening socket, PostgreSQL and
Redis: a reply computed in one reaches a visitor's socket held by another through the Channels layer's Redis groups
(settings CHANNEL_LAYERS, channels_redis).
"""

from __future__ import annotations

import argparse
import os
import sys

BIN = os.path.dirname(sys.executable)


def web_workers() -> int:
    """WEB_CONCURRENCY (the name uvicorn and most platforms use), else the number of cores."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not raw:
        return os.cpu_count() or 1
    try:
        workers = int(raw)
    except ValueError:
        raise ValueError(f"WEB_CONCURRENCY={raw!r} is not a whole number of web worker processes.") from None
    if workers < 1:
        raise ValueError(f"WEB_CONCURRENCY={raw!r}: at least 1 web worker process is needed.")
    return workers


def uvicorn_command(*, host: str, port: str | int, workers: int | None = None, log_level: str = "info") -> list[str]:
    """uvicorn serving the project's ASGI application with `workers` processes (default: `web_workers()`)."""
    return [os.path.join(BIN, "uvicorn"), "hibachi.asgi:application", "--host", host, "--port", str(port),
            "--workers", str(workers or web_workers()), "--no-access-log", "--lifespan", "off",
            "--ws", "websockets-sansio", "--log-level", log_level]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HIBACHI_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", os.environ.get("HIBACHI_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=0, help="web worker processes (default: WEB_CONCURRENCY, "
                                                                  "else one per core)")
    args = parser.parse_args(argv)
    try:
        workers = args.workers or web_workers()
    except ValueError as exc:
        parser.error(str(exc))
    if workers < 1:
        parser.error("--workers must be at least 1.")
    # One intra-op thread for PyTorch/ONNX Runtime per process: the worker processes already use every core.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    command = uvicorn_command(host=args.host, port=args.port, workers=workers)
    print(f"[serve] uvicorn on {args.host}:{args.port} with {workers} worker process(es)", flush=True)
    os.execv(command[0], command)
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())
