"""`make bench`: every benchmark once, at a size that finishes in under 10 minutes, then one table.

Each benchmark runs as its own process (`manage.py bench_* --json var/bench/<name>.json`, `python -m
hibachi.bench_asgi --json ...`), one after the other so that they do not load the machine for each other. Their JSON
records are read back into one table (what | measured | target | met?) with the machine and its load average, and
the whole is written to var/bench/latest.json. A benchmark that fails is reported as such (its row says so and the
exit code is non-zero); the others still run.

`--only engine,ws` runs some of them and builds the table from those and the records already in var/bench/;
`--table-only` prints the table from the records there without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from hibachi import embedded
from hibachi.bench_record import machine_now
from hibachi.launcher import local_settings_by_default

PYTHON = sys.executable


@dataclass(frozen=True)
class Step:
    name: str
    argv: Callable[[argparse.Namespace, Path], list[str]]
    limit_s: int


def _manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


# Sizes: about 8 minutes in all on the 2-core reference machine once the 100k chunks and the memory benchmark's
# customers are loaded (`--keep`; the first run loads them, a few minutes more).
STEPS = [
    Step("engine", lambda a, out: _manage("bench_engine", "--nlu-samples", "300", "--conversations", "10",
                                         "--concurrency", "10", "--json", str(out)), 240),
    Step("knowledge", lambda a, out: _manage("bench_knowledge", "--chunks", str(a.chunks), "--queries", "200",
                                            "--keep", "--json", str(out)), 600),
    Step("memory", lambda a, out: _manage("bench_memory", "--customers", str(a.memory_customers), "--samples", "300",
                                         "--keep", "--no-explain", "--json", str(out)), 900),
    # a reply later than 30 s counts as an error (the target is 250 ms): an overloaded run ends sooner
    Step("ws", lambda a, out: _manage("bench_ws", "--sockets", "200", "--messages", "5", "--rate", str(a.ws_rate),
                                     "--timeout", "30", "--json", str(out)), 300),
    Step("review_queue", lambda a, out: _manage("bench_review_queue", "--items", "10000", "--repeat", "5",
                                               "--json", str(out)), 240),
    Step("asgi", lambda a, out: [PYTHON, "-m", "hibachi.bench_asgi", "--requests", "500", "--json", str(out)], 240),
]


@dataclass
class Row:
    what: str
    measured: str
    target: str
    met: bool | None   # None: no target, or nothing measured


def _at(record: dict | None, *keys, default=None):
    """record[k1][k2]... or `default` where a level is missing."""
    value = record
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _row_at_most(what: str, value: float | None, limit: float, unit: str = "ms", *, note: str = "") -> Row:
    if value is None:
        return Row(what, "not measured", f"<= {limit:g} {unit}", None)
    return Row(what, f"{value:.1f} {unit}{note}", f"<= {limit:g} {unit}", value <= limit)


def _row_at_least(what: str, value: float | None, limit: float, unit: str = "", *, note: str = "") -> Row:
    target = f">= {limit:g}" + (f" {unit}" if unit else "")
    if value is None:
        return Row(what, "not measured", target, None)
    measured = f"{value:.3f}" if not unit else f"{value:.1f} {unit}"
    return Row(what, measured + note, target, value >= limit)


def _engine_rows(record: dict | None) -> list[Row]:
    encoders = _at(record, "encoders", default={}) or {}
    name, figures = next(iter(encoders.items()), ("", None))
    label = f" ({name})" if name else ""
    return [
        _row_at_most(f"NLU alone p95{label}", _at(figures, "nlu", "p95_ms"), 6),
        _row_at_most("pipeline p95, one at a time", _at(figures, "single", "p95_ms"), 25),
        _row_at_most("pipeline p95, 10 concurrent paced", _at(figures, "paced", "p95_ms"), 40),
        _row_at_least("pipeline, 10 concurrent saturated", _at(figures, "saturated_replies_per_s"), 100, "replies/s"),
    ]


def _knowledge_rows(record: dict | None) -> list[Row]:
    chunks = _at(record, "chunks")
    scale = f"{chunks // 1000}k" if isinstance(chunks, int) and chunks >= 1000 else str(chunks or "?")
    # query_embedding: {encoder name: {p50_ms, p95_ms, n, cached_p95_ms}}, the index's own encoder first
    encoder, embedding = next(iter((_at(record, "query_embedding", default={}) or {}).items()), ("", None))
    return [
        _row_at_most(f"hybrid retrieval p95, {scale} chunks", _at(record, "hybrid", "p95_ms"), 10),
        _row_at_least(f"vector recall@10, {scale} chunks", _at(record, "recall_at_10"), 0.95),
        _row_at_most(f"query embedding p95, a new question{f' ({encoder})' if encoder else ''}",
                     _at(embedding, "p95_ms"), 4),
    ]


def _memory_rows(record: dict | None) -> list[Row]:
    figures = [f for f in (_at(record, "figures", default=[]) or []) if f.get("method") == "recent"]
    if not figures:
        return [_row_at_most("memory recent() p95", None, 1)]
    largest = max(figures, key=lambda f: f.get("customers", 0))
    customers = largest.get("customers", 0)
    note = "" if customers >= 1_000_000 else " (target is at 1M customers)"
    return [_row_at_most(f"memory recent() p95, {customers:,} customers ({largest.get('backend')})",
                         largest.get("p95_ms"), 1, note=note)]


def _ws_rows(record: dict | None) -> list[Row]:
    figures = _at(record, "figures")
    workers = _at(record, "parameters", "workers")
    rate = _at(figures, "sent_per_s")
    sent = f"{rate:.1f}" if isinstance(rate, (int, float)) else "?"
    what = f"web chat reply p95 (bench_ws, {workers or '?'} web workers, {sent} msg/s sent)"
    rows = [_row_at_most(what, _at(figures, "reply", "p95_ms"), 250)]
    errors = _at(figures, "errors")
    rows.append(Row("web chat errors", "not measured" if errors is None else str(errors), "0",
                    None if errors is None else errors == 0))
    rss = _at(figures, "worker_rss_mb") or []
    rows.append(_row_at_most("RSS of one web process after warm-up (largest)", max(rss) if rss else None, 400, "MB"))
    return rows


def _review_queue_rows(record: dict | None) -> list[Row]:
    pages = _at(record, "figures", "pages", default={}) or {}
    first = pages.get("queue, page 1")
    measured = "not measured" if first is None else f"{first['p95_ms']:.1f} ms ({first['queries']} SQL)"
    return [Row("review queue page 1 p95, 10,000 items", measured, "—", None)]


def _asgi_rows(record: dict | None) -> list[Row]:
    rows = []
    for server in _at(record, "figures", "servers", default=[]) or []:
        rows.append(Row(f"ASGI {server['server']} {server['path']}",
                        f"{server['requests_per_s']:.0f} req/s, p95 {server['p95_ms']:.0f} ms", "—", None))
    return rows or [Row("ASGI servers", "not measured", "—", None)]


ROWS = {"engine": _engine_rows, "knowledge": _knowledge_rows, "memory": _memory_rows, "ws": _ws_rows,
        "review_queue": _review_queue_rows, "asgi": _asgi_rows}


def table_rows(records: dict[str, dict | None]) -> list[Row]:
    """The table's rows from the benchmarks' JSON records (by step name; a missing record gives "not measured")."""
    rows = []
    for name, build in ROWS.items():
        if name in records:
            rows.extend(build(records[name]))
    return rows


def load_summary(records: dict[str, dict | None]) -> str:
    """The load average each benchmark ran under (1-minute figure, before -> after) and the machine."""
    parts, machine = [], None
    for name, record in records.items():
        if not record:
            continue
        before, after = record.get("load_average_before"), record.get("load_average_after")
        if before and after:
            parts.append(f"{name} {before[0]:.1f}->{after[0]:.1f}")
        machine = machine or (record.get("cores"), record.get("cpu_model"))
    head = f"{machine[0]} cores, {machine[1]}" if machine else "machine unknown"
    return f"{head}; load average (1 min) per benchmark: {', '.join(parts) or 'none recorded'}"


def table_format(rows: list[Row]) -> str:
    header = ("what", "measured", "target", "met?")
    cells = [header, *[(r.what, r.measured, r.target, {True: "yes", False: "NO", None: "—"}[r.met]) for r in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def _run_step(argv: list[str], *, limit_s: int) -> int | str:
    """Run one benchmark; past `limit_s` it gets Ctrl-C first (its clean-up stops what it started, e.g. bench_ws's
    server), then SIGKILL 30 s later."""
    # SIGINT back to its default in the child: started from a shell's background job (`make bench &`, nohup) this
    # process ignores SIGINT, a child would inherit that, and Python then never raises KeyboardInterrupt in it, so the
    # Ctrl-C below would clean nothing up
    process = subprocess.Popen(argv, cwd=embedded.BASE_DIR,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        return process.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return f"stopped after {limit_s} s"
    except KeyboardInterrupt:   # Ctrl-C reached the step too (same process group): let it clean up
        process.wait()
        raise


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help=f"comma-separated steps of: {', '.join(s.name for s in STEPS)}")
    parser.add_argument("--table-only", action="store_true", help="print the table of the records in var/bench/")
    parser.add_argument("--chunks", type=int, default=100_000, help="bench_knowledge's size (default 100000)")
    parser.add_argument("--memory-customers", type=int, default=100_000,
                        help="bench_memory's scale (default 100000; 1000000 once its rows are loaded with --keep)")
    parser.add_argument("--ws-rate", type=float, default=50, help="bench_ws's offered messages/s (default 50)")
    args = parser.parse_args(argv)
    local_settings_by_default()   # the benchmarks' own processes too, unless DJANGO_SETTINGS_MODULE was chosen
    # DEBUG off, as in production, unless asked: the local settings default it on, and with it Django wraps every SQL
    # statement to record it (CursorDebugWrapper), which cost 7% of the saturated replies/s (bench_engine, same run)
    os.environ.setdefault("DJANGO_DEBUG", "false")
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - {s.name for s in STEPS})
    if unknown:
        parser.error(f"--only: unknown step(s) {', '.join(unknown)}; use {', '.join(s.name for s in STEPS)}")
    out_dir = embedded.var_dir() / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    failed: dict[str, str] = {}
    started = time.monotonic()
    machine_before = machine_now()
    if not args.table_only:
        # The benchmarks run against the project's own database: on a fresh clone (no `make run` yet) it has no
        # tables. migrate and seed_demo are idempotent (a second run changes nothing), as `make run` runs them.
        for prepare in (["migrate", "--noinput"], ["seed_demo"]):
            code = _run_step([sys.executable, "manage.py", *prepare], limit_s=600)
            if code != 0:
                print(f"FAILED: manage.py {' '.join(prepare)} ({code}): the benchmarks need the database ready")
                return 1
        for step in STEPS:
            if names and step.name not in names:
                continue
            out = out_dir / f"{step.name}.json"
            out.unlink(missing_ok=True)
            print(f"\n== {step.name}: {' '.join(step.argv(args, out)[1:])}", flush=True)
            step_started = time.monotonic()
            code = _run_step(step.argv(args, out), limit_s=step.limit_s)
            print(f"== {step.name}: {time.monotonic() - step_started:.0f} s", flush=True)
            if code != 0 or not out.exists():
                failed[step.name] = f"exit {code}" if code != 0 else "no JSON written"
    records = {step.name: _read(out_dir / f"{step.name}.json") for step in STEPS}
    rows = table_rows(records)
    elapsed = time.monotonic() - started
    print(f"\n{table_format(rows)}\n")
    print(load_summary(records))
    if not args.table_only:
        print(f"all benchmarks: {elapsed / 60:.1f} min")
    for name, why in failed.items():
        print(f"FAILED: {name} ({why})")
    summary = {"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(elapsed, 1),
               "machine_before": machine_before, "machine_after": machine_now(), "failed": failed,
               "rows": [asdict(row) for row in rows], "records": records}
    (out_dir / "latest.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out_dir / 'latest.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
