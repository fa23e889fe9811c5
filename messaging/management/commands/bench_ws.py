"""`python manage.py bench_ws --sockets 200 --messages 5`: load the web chat over real websockets.

Starts the project under uvicorn (a subprocess on a free port of 127.0.0.1, template AI provider) unless --url names a
running server, opens --sockets concurrent websocket clients (each with its own signed visitor cookie), waits until
all are open, then each sends --messages messages, one at a time: the first after a random pause of up to --think-ms
(so the sockets do not all speak in the same second), the next ones --think-ms (+-50%) after each reply, as people
would. Prints persist-acknowledge latency (send -> "ack": the message is committed), reply latency (send ->
the assistant's reply), their p50/p95/max, and the error count. Traffic goes to the given server only; every loop is
bounded in count and time. The bench's customers are deleted afterwards unless --keep.

`--rate 50` offers about 50 messages/s in all instead (each socket thinks --sockets/--rate seconds +-50%). The server
it starts runs `hibachi.serve`'s uvicorn with --workers processes (default: WEB_CONCURRENCY, else one per core, as
in production); after the run it reads the resident memory (RSS) of each worker process. `--json PATH` writes the
figures, the machine and its load average (hibachi.bench_record).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from conversations.models import Customer, Escalation, Message
from hibachi import serve
from hibachi.bench_record import bench_record_write, latency_summary, machine_now
from messaging.visitor import new_visitor_id, sign_visitor

# Customers' messages, with slots filled at random so that most messages are new text: the encoder remembers the
# last 256 texts it embedded (knowledge.embedders.base), and seven fixed sentences measured that memory, not the
# model. About a third of 1,000 messages are distinct; the short ones repeat, as "Thanks!" does in real chats.
TEMPLATES = [
    "Hi! How much would a party for {adults} adults cost?",
    "Do you come to {city}?",
    "What proteins can we choose for {adults} people?{thanks}",
    "Is {weekday} {month} {day} available at {hour} pm?",
    "Do you have vegetarian options for {kids} kids?",
    "How much is the deposit for {adults} guests?",
    "Thanks, that helps!{thanks}",
]
# Sizes stay within what the assistant quotes itself (a conversation's adults and kids add up to at most 48; over 60
# guests goes to staff).
SLOTS = {
    "adults": [str(n) for n in range(10, 41)],
    "kids": [str(n) for n in range(1, 9)],
    # the service area as the handbook names it: other towns (Milpitas, Sunnyvale, Napa...), and "Do you come to
    # Fremont? Thanks a lot!", were at times not understood well enough for the assistant to answer without staff, and
    # a conversation handed to staff gets no more AI replies
    "city": ["San Jose", "Sacramento", "San Francisco"],
    "weekday": ["Friday", "Saturday", "Sunday"],
    "month": ["December", "January", "February", "March"],
    "day": [str(n) for n in range(1, 29)],
    "hour": [str(n) for n in range(4, 9)],
    "thanks": ["", " Thank you!", " Thanks.", " Thanks a lot!", " :)"],
}


def message_text(rng: random.Random) -> str:
    """A customer's message: one of TEMPLATES with its slots filled at random."""
    template = rng.choice(TEMPLATES)
    return template.format(**{slot: rng.choice(values) for slot, values in SLOTS.items()})


@dataclass
class Results:
    ack_ms: list = field(default_factory=list)
    reply_ms: list = field(default_factory=list)
    sent_at: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    server_cpu_s: float | None = None
    connected: int = 0
    open_now: int = 0
    max_open: int = 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


async def _client(n: int, url: str, origin: str, args, results: Results, all_open: asyncio.Event,
                  opened: asyncio.Queue, visitors: list):
    from websockets.asyncio.client import connect

    visitor = new_visitor_id()
    visitors.append(visitor)
    cookie = f"{settings.WEBCHAT_COOKIE_NAME}={sign_visitor(visitor)}"
    await asyncio.sleep(args.ramp_s * n / max(args.sockets, 1))
    try:
        async with connect(url, additional_headers={"Cookie": cookie, "Origin": origin}, open_timeout=args.timeout,
                           ping_interval=None, compression=None, max_queue=64) as ws:
            results.connected += 1
            results.open_now += 1
            results.max_open = max(results.max_open, results.open_now)
            try:
                history = json.loads(await asyncio.wait_for(ws.recv(), args.timeout))
                if history.get("type") != "history":
                    raise RuntimeError(f"first event was {history.get('type')!r}, not history")
                await opened.put(n)
                await asyncio.wait_for(all_open.wait(), args.timeout * 4)
                rng = random.Random(n)
                if args.think_ms:  # people do not all type at the same second: first messages spread over a think
                    await asyncio.sleep(rng.uniform(0, args.think_ms / 1000))
                for i in range(args.messages):
                    client_id = uuid.uuid4().hex
                    started = time.perf_counter()
                    results.sent_at.append(started)
                    await ws.send(json.dumps({"type": "message", "text": message_text(rng), "client_id": client_id}))
                    message_id = None
                    deadline = started + args.timeout
                    while True:
                        left = deadline - time.perf_counter()
                        if left <= 0:
                            raise TimeoutError(f"no reply within {args.timeout} s")
                        event = json.loads(await asyncio.wait_for(ws.recv(), left))
                        now = time.perf_counter()
                        if event["type"] == "ack" and event.get("client_id") == client_id:
                            message_id = event["message_id"]
                            results.ack_ms.append((now - started) * 1000)
                        elif event["type"] == "message" and message_id is not None \
                                and event["message"].get("in_reply_to") == message_id:
                            results.reply_ms.append((now - started) * 1000)
                            break
                        elif event["type"] == "error":
                            raise RuntimeError(f"server error: {event.get('error')}")
                    if i < args.messages - 1 and args.think_ms:
                        await asyncio.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))
            finally:
                results.open_now -= 1
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        results.errors.append(f"socket {n}: {type(exc).__name__}: {exc}")
        await opened.put(n)  # do not keep the others waiting for a socket that failed


async def _run(args, url: str, origin: str) -> tuple[Results, float, list]:
    results, visitors = Results(), []
    all_open, opened = asyncio.Event(), asyncio.Queue()

    async def gate():
        for _ in range(args.sockets):
            await opened.get()
        all_open.set()

    gate_task = asyncio.create_task(gate())
    started = time.perf_counter()
    await asyncio.gather(*(_client(n, url, origin, args, results, all_open, opened, visitors)
                           for n in range(args.sockets)))
    gate_task.cancel()
    return results, time.perf_counter() - started, visitors


def _worker_pids(pid: int) -> list[int]:
    """The processes that serve requests: uvicorn's worker processes (the children of `pid` that multiprocessing
    spawned, not its resource tracker) when it runs several, else `pid` itself. Linux /proc."""
    def is_worker(process_id: int) -> bool:
        try:
            with open(f"/proc/{process_id}/cmdline", "rb") as cmdline:
                return b"spawn_main" in cmdline.read()
        except OSError:
            return False

    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            pids = [int(child) for child in children.read().split() if is_worker(int(child))]
    except OSError:
        pids = []
    return pids or [pid]


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory (MB) of each web worker process of the server `pid`; an empty list where /proc is missing."""
    values = []
    for process_id in _worker_pids(pid):
        try:
            with open(f"/proc/{process_id}/status", encoding="ascii") as status:
                values += [int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:")]
        except OSError:
            pass
    return [round(value, 1) for value in values]


def _process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) process `pid` has used so far (fields 14 and 15 of proc(5)); None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_cpu_s(pid: int) -> float | None:
    """CPU seconds the web worker processes of the server `pid` have used so far: divided by the replies, the
    server's own CPU cost of one, which the load of other work on the machine does not change."""
    values = [_process_cpu_s(process_id) for process_id in _worker_pids(pid)]
    return None if None in values else sum(values)


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--sockets", type=int, default=200)
        parser.add_argument("--messages", type=int, default=5, help="messages per socket")
        parser.add_argument("--think-ms", type=float, default=60000,
                            help="pause after each reply (+-50%%), like a person reading and typing (default 60000)")
        parser.add_argument("--ramp-s", type=float, default=2.0, help="spread the connections over this long")
        parser.add_argument("--timeout", type=float, default=60.0, help="per reply and per connection, seconds")
        parser.add_argument("--url", help="a running server, e.g. ws://127.0.0.1:8000 (default: start uvicorn)")
        parser.add_argument("--rate", type=float, default=0,
                            help="offer about this many messages/s in all (sets --think-ms to sockets/rate s)")
        parser.add_argument("--workers", type=int, default=0,
                            help="uvicorn worker processes when starting one (default: WEB_CONCURRENCY, else cores)")
        parser.add_argument("--keep", action="store_true", help="keep the bench's customers and messages")
        parser.add_argument("--json", dest="json_path", default="",
                            help="also write the figures, the machine and its load average to this file")

    def handle(self, *args, **options):
        from types import SimpleNamespace

        args = SimpleNamespace(**options)
        if args.sockets < 1 or args.messages < 1 or args.sockets > 2000:
            raise CommandError("--sockets must be 1..2000 and --messages at least 1.")
        if args.rate < 0 or args.workers < 0:
            raise CommandError("--rate and --workers cannot be negative.")
        if args.rate:
            args.think_ms = args.sockets / args.rate * 1000
        if not args.url:   # the server started here; a running server's workers are its own business
            try:
                args.workers = args.workers or serve.web_workers()
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        machine_before = machine_now()
        server = None
        rss_mb: list[float] = []
        if args.url:
            base = args.url.rstrip("/")
        else:
            port = _free_port()
            # All the load comes from one address: the web chat's per-address limits (messaging.limits) are lifted
            # for the server the benchmark starts itself.
            env = {**os.environ, "AI_PROVIDER": "templates", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
                   "WEBCHAT_SOCKETS_PER_ADDRESS": "1000000/min", "WEBCHAT_MESSAGES_PER_ADDRESS": "1000000/min",
                   "WEBCHAT_NEW_VISITORS_PER_ADDRESS": "100000000/h",   # waiting for the server polls / (a visitor)
                   # production's: DEBUG off, the database pool on (hibachi/asgi.py)
                   "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "false"),
                   "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "hibachi.settings.local")}
            server = subprocess.Popen(serve.uvicorn_command(host="127.0.0.1", port=port, workers=args.workers,
                                                            log_level="warning"), env=env,
                                      start_new_session=True)  # its own process group: no worker outlives the bench
            base = f"ws://127.0.0.1:{port}"
        origin = base.replace("ws://", "http://").replace("wss://", "https://")
        visitors: list = []
        results, unanswered = None, {}
        try:   # from here on, the server started here is stopped whatever happens (Ctrl-C included)
            if server is not None:
                self._wait(origin, server)
                self._wait_workers_loaded(server, args.workers)
            where = f"templates, {args.workers} worker process(es) started here" if server else "a running server"
            self.stdout.write(f"bench_ws: {args.sockets} sockets x {args.messages} messages, think "
                              f"{args.think_ms:.0f} ms +-50% (~{args.sockets / (args.think_ms / 1000):.0f} msg/s "
                              f"offered), against {base}/ws/chat/ ({where})")
            self._warm(base, origin, args)
            cpu_before = worker_cpu_s(server.pid) if server is not None else None
            results, elapsed, visitors = asyncio.run(_run(args, f"{base}/ws/chat/", origin))
            if server is not None:
                rss_mb = worker_rss_mb(server.pid)
                cpu_after = worker_cpu_s(server.pid)
                if cpu_before is not None and cpu_after is not None:
                    results.server_cpu_s = cpu_after - cpu_before
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                try:   # a worker process the server did not stop in time
                    os.killpg(server.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            unanswered = self._unanswered(visitors) if results is not None and results.errors else {}
            if not args.keep:
                self._cleanup(visitors)
        self._report(args, results, elapsed, rss_mb)
        if unanswered:
            self.stdout.write("messages never answered: " + ", ".join(f"{count} {why}" for why, count in
                                                                       unanswered.items()))
        if args.json_path:
            path = bench_record_write(path=args.json_path, command="bench_ws", machine_before=machine_before,
                                      parameters={k: getattr(args, k) for k in (
                                          "sockets", "messages", "think_ms", "rate", "workers", "url")},
                                      figures=self._figures(args, results, elapsed, rss_mb, unanswered))
            self.stdout.write(f"figures written to {path}")

    def _wait(self, http_base: str, server) -> None:
        import httpx

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"uvicorn exited with {server.returncode}")
            try:
                if httpx.get(f"{http_base}/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise CommandError("the server did not answer within 240 s")

    def _wait_workers_loaded(self, server, workers: int) -> None:
        """Every worker process has loaded its models (hibachi/asgi.py, WEB_PRELOAD_MODELS) once all `workers` exist
        and none used CPU for a second. Sockets are spread over the workers that accept when they connect, and stay
        there: a worker still loading when they open would get none of them."""
        deadline, last = time.monotonic() + 240, {}
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"uvicorn exited with {server.returncode}")
            now = {pid: _process_cpu_s(pid) for pid in _worker_pids(server.pid)}
            if (len(now) >= workers and now.keys() == last.keys() and None not in (*now.values(), *last.values())
                    and all(now[pid] - last[pid] < 0.1 for pid in now)):
                return
            last = now
            time.sleep(1)
        raise CommandError(f"the {workers} web worker(s) were still busy (loading models?) after 240 s")

    def _warm(self, base: str, origin: str, args) -> None:
        """One message first, outside the measurement, so models are loaded before the clock starts."""
        from types import SimpleNamespace

        warm = SimpleNamespace(**{**vars(args), "sockets": 1, "messages": 1, "think_ms": 0, "ramp_s": 0,
                                  "timeout": 120})
        results, _, visitors = asyncio.run(_run(warm, f"{base}/ws/chat/", origin))
        if results.errors:
            raise CommandError(f"warm-up failed: {results.errors[0]}")
        if not args.keep:
            self._cleanup(visitors)

    def _unanswered(self, visitors: list) -> dict[str, int]:
        """Why the bench's stored messages without a reply have none: their conversation went to staff (an
        escalation: no more AI replies), or not (still queued, or handed to a Celery worker, which this command does
        not start, when the conversation was Busy)."""
        waiting = Message.objects.filter(channel="web", direction=Message.Direction.INBOUND,
                                         customer__identities__external_id__in=visitors,
                                         replies__isnull=True).distinct()
        escalated = set(Escalation.objects.filter(conversation__in=waiting.values("conversation"))
                        .values_list("conversation_id", flat=True))
        counts: dict[str, int] = {}
        for message in waiting.only("id", "conversation_id"):
            why = "in conversations handed to staff" if message.conversation_id in escalated else \
                "in conversations not handed to staff"
            counts[why] = counts.get(why, 0) + 1
        return counts

    def _cleanup(self, visitors: list) -> None:
        """Delete the bench's customers. A reply's delivery row can still be written by the server right after the
        reply reached the socket (a row the delete did not collect): try again after it has landed."""
        if not visitors:
            return
        for attempt in range(5):
            try:
                Customer.objects.filter(identities__channel="web", identities__external_id__in=visitors).delete()
                return
            except IntegrityError:
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))

    @staticmethod
    def _figures(args, results: Results, elapsed: float, rss_mb: list[float], unanswered: dict) -> dict:
        sending = (max(results.sent_at) - min(results.sent_at)) if len(results.sent_at) > 1 else 0.0
        return {
            "sockets_opened": results.connected,
            "messages_sent": len(results.sent_at),
            "replies": len(results.reply_ms),
            "sent_per_s": round(len(results.sent_at) / sending, 2) if sending else None,
            "replies_per_s": round(len(results.reply_ms) / elapsed, 2) if elapsed else None,
            "ack": latency_summary(results.ack_ms),
            "reply": latency_summary(results.reply_ms),
            "errors": len(results.errors),
            "error_samples": results.errors[:10],
            "worker_rss_mb": rss_mb,
            "unanswered": unanswered,
            "server_cpu_s": None if results.server_cpu_s is None else round(results.server_cpu_s, 2),
            "server_cpu_ms_per_reply": round(results.server_cpu_s * 1000 / len(results.reply_ms), 1)
            if results.server_cpu_s is not None and results.reply_ms else None,
        }

    def _report(self, args, results: Results, elapsed: float, rss_mb: list[float]) -> None:
        sent = args.sockets * args.messages
        line = "{:<22} p50 {:>7.1f} ms   p95 {:>7.1f} ms   max {:>7.1f} ms   (n={})"
        self.stdout.write(f"sockets opened {results.connected}/{args.sockets}, at most {results.max_open} open at "
                          f"once; {len(results.reply_ms)}/{sent} replies in {elapsed:.1f} s "
                          f"({len(results.reply_ms) / elapsed:.1f} replies/s)")
        for name, values in (("persist-acknowledge", results.ack_ms), ("reply", results.reply_ms)):
            self.stdout.write(line.format(name, _pct(values, 0.5), _pct(values, 0.95),
                                          max(values) if values else float("nan"), len(values)))
        if len(results.sent_at) > 1:
            sending = max(results.sent_at) - min(results.sent_at)
            self.stdout.write(f"messages sent at {len(results.sent_at) / sending:.1f}/s (first to last send)")
        if results.server_cpu_s is not None and results.reply_ms:
            self.stdout.write(f"web workers' CPU: {results.server_cpu_s:.1f} s, "
                              f"{results.server_cpu_s * 1000 / len(results.reply_ms):.1f} ms per reply")
        if rss_mb:
            self.stdout.write("resident memory of the web worker process(es) after the run: "
                              + ", ".join(f"{value:.0f} MB" for value in rss_mb))
        self.stdout.write(f"errors {len(results.errors)}")
        for error in results.errors[:10]:
            self.stdout.write(f"  {error}")
        p95 = _pct(results.reply_ms, 0.95)
        met = not results.errors and results.connected == args.sockets and p95 <= 250
        self.stdout.write(("target MET" if met else "target MISSED") + f": {args.sockets} sockets, reply p95 "
                          f"{p95:.0f} ms (<= 250), errors {len(results.errors)} (0)")
