"""`make chaos`: fault injection on a running stack, loopback only, bounded (a few minutes).

Starts `make run`'s stack (hibachi.launcher: web server, Celery worker, beat, embedded Redis, all supervised) on
embedded PostgreSQL and Redis in a temporary var dir, sends customer traffic (API, SMS webhooks, web chat) and, while
it flows: kill -9 the worker mid-batch, kill -9 Redis (kept down 10 s, then restarted on its port), kill -9 the web
server mid-request, take the model provider down (AI_PROVIDER=openai pointed at a dead port), and sends forged,
replayed, oversized and malformed webhooks. Then it waits (at most --recovery-limit seconds after the last fault) until
every accepted message is answered or escalated and every webhook event processed, and prints the figures.

Exit status 1 when an accepted message ends without a reply or an escalation, a message is answered twice, a booking
is made twice, a bad webhook is accepted or stores a row, or recovery takes longer than the limit (120 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from tqdm import tqdm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hibachi.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=12, help="messages per fault (default 12)")
    parser.add_argument("--recovery-limit", type=float, default=120.0, help="seconds (default 120)")
    args = parser.parse_args(argv)

    from .stack import Stack

    lines: list[str] = []

    def log(text: str) -> None:
        lines.append(text)
        tqdm.write(f"[chaos] {text}")

    stack = Stack(log=log)
    try:
        return _run(stack, args, log)
    finally:
        stack.stop()


def _run(stack, args, log) -> int:
    from . import traffic

    n = args.messages
    log(f"starting the stack in {stack.var} on {stack.site}")
    stack.start()
    import django

    django.setup()
    from . import ledger

    marks = ledger.high_water_marks()
    outcomes: dict[str, object] = {}
    last_fault = time.monotonic()
    phases = ["baseline", "worker killed", "redis down", "web server killed", "model provider down", "bad webhooks"]
    with tqdm(total=len(phases), desc="faults", unit="phase") as bar:
        # baseline: every entry point once, nothing broken
        outcomes["baseline api"] = traffic.api_messages(stack.site, stack.token, n // 2, tag="base")
        outcomes["baseline web chat"] = traffic.web_chats(stack.site, max(2, n // 4))
        bar.update()

        # kill -9 the worker while it works through a batch of webhooks
        outcomes["worker sms"] = traffic.sms_webhooks(stack.site, n)
        stack.sleep(1.0)
        stack.kill("worker")
        last_fault = time.monotonic()
        log("worker killed (kill -9, pool included) mid-batch")
        stack.sleep(2.0)
        bar.update()

        # Redis down 10 s: webhooks must still answer 200 with the event stored
        stack.paused.add("redis")
        stack.kill("redis")
        log("redis killed (kill -9); kept down 10 s")
        outcomes["redis-down sms"] = traffic.sms_webhooks(stack.site, max(2, n // 2))
        stack.sleep(max(0.0, 10.0))
        stack.paused.discard("redis")
        stack.sleep(3.0)
        last_fault = time.monotonic()
        bar.update()

        # kill -9 the web server while API requests are in flight; clients retry once
        import threading

        killer = threading.Timer(0.5, lambda: (stack.kill("web"), log("web server killed (kill -9) mid-request")))
        killer.start()
        outcomes["web-killed api"] = traffic.api_messages(stack.site, stack.token, n, tag="webkill", timeout=120)
        killer.join()
        last_fault = time.monotonic()
        stack.wait_for_site()
        bar.update()

        # the model provider down: OpenAI pointed at a port nobody listens on
        dead_port = _dead_port()
        saved = {k: os.environ.get(k) for k in ("AI_PROVIDER", "OPENAI_BASE_URL", "OPENAI_API_KEY")}
        os.environ.update(AI_PROVIDER="openai", OPENAI_BASE_URL=f"http://127.0.0.1:{dead_port}/v1",
                          OPENAI_API_KEY="sk-chaos-not-a-key")
        stack.restart("web", "worker")
        stack.wait_for_site(timeout=180)
        log(f"model provider down (AI_PROVIDER=openai at 127.0.0.1:{dead_port})")
        outcomes["provider-down api"] = traffic.api_messages(stack.site, stack.token, max(2, n // 2), tag="nomodel")
        outcomes["provider-down sms"] = traffic.sms_webhooks(stack.site, max(2, n // 2))
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        stack.restart("web", "worker")
        stack.wait_for_site(timeout=180)
        last_fault = time.monotonic()
        bar.update()

        # the attacker
        from messaging.models import WebhookEvent

        before = WebhookEvent.objects.count()
        outcomes["bad webhooks"] = traffic.bad_webhooks(stack.site)
        bad_rows = WebhookEvent.objects.count() - before - 1   # the replay's genuine first email is one row
        bar.update()

    figures = _settle(stack, ledger, marks, last_fault, args.recovery_limit, log)
    figures["recovery_seconds"] = round(time.monotonic() - last_fault, 1) if ledger.settled(figures) else None
    figures["ringcentral_sms_sent"] = len(stack.ringcentral.sent)
    problems = ledger.failures(figures)
    bad = outcomes["bad webhooks"]
    accepted_bad = [name for name, code in bad.items() if code is None or not 400 <= code < 500]
    if accepted_bad:
        problems.append(f"bad webhooks not refused with a 4xx: {accepted_bad}")
    if bad_rows > 0:
        problems.append(f"bad webhooks stored {bad_rows} row(s)")
    refused = [c for key in ("worker sms", "redis-down sms", "provider-down sms") for c in outcomes[key] if c != 200]
    if refused:
        problems.append(f"{len(refused)} signed webhook(s) not answered 200: {refused}")
    if figures["recovery_seconds"] is None:
        problems.append(f"not recovered within {args.recovery_limit:g} s of the last fault")
    _report(figures, outcomes, problems)
    return 1 if problems else 0


def _dead_port() -> int:
    from .stack import _free_port

    return _free_port()


def _settle(stack, ledger, marks, last_fault, limit, log) -> dict:
    """Keep supervising until everything accepted is answered or escalated, or the limit passes."""
    deadline = last_fault + limit
    with tqdm(desc="recovery", unit="s", total=int(limit)) as bar:
        while True:
            figures = ledger.ledger(marks)
            bar.n = min(int(limit), int(time.monotonic() - last_fault))
            bar.set_postfix(left=figures["unanswered"], events=figures["events_left"])
            bar.refresh()
            if ledger.settled(figures) or time.monotonic() > deadline:
                return figures
            stack.sleep(2.0)


def _report(figures, outcomes, problems) -> None:
    def codes(key):
        values = outcomes[key]
        statuses = [v["status"] if isinstance(v, dict) else v for v in values]
        text = ", ".join(f"{code}: {statuses.count(code)}" for code in sorted(set(statuses), key=str))
        retried = [v for v in values if isinstance(v, dict) and v["attempts"] > 1]
        if retried:
            text += (f" ({len(retried)} after a client retry, {sum(v.get('replied', False) for v in retried)} of "
                     "them with the reply)")
        return text

    print("\n== make chaos ==", flush=True)
    for key in ("baseline api", "baseline web chat", "worker sms", "redis-down sms", "web-killed api",
                "provider-down api", "provider-down sms"):
        print(f"  {key:<20} {codes(key)}")
    print(f"  {'bad webhooks':<20} " + ", ".join(f"{k}: {v}" for k, v in outcomes["bad webhooks"].items()))
    for key in ("messages", "replied", "escalated", "unanswered", "answered_twice", "escalations", "events",
                "deliveries", "ringcentral_sms_sent", "duplicate_bookings", "recovery_seconds"):
        print(f"  {key:<20} {figures[key]}")
    print("  result: " + ("PASS" if not problems else "FAIL\n    - " + "\n    - ".join(problems)), flush=True)
    sys.stdout.flush()
