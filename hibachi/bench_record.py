"""The record every benchmark writes with `--json PATH`: its figures, and the machine they were measured on.

Figures on a shared machine mean little without the load they were taken under, so every record carries the load
average before and after the run, the core count and the CPU model; `hibachi.bench_all` (`make bench`) reads the
records back into one table.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_now() -> dict:
    """Cores, CPU model and the load average (1, 5, 15 min) at this moment."""
    return {"cores": os.cpu_count(), "cpu_model": cpu_model(),
            "load_average": [round(value, 2) for value in os.getloadavg()]}


def latency_summary(values: list[float]) -> dict:
    """p50/p95/max in ms and the count; empty lists give None figures (a run that measured nothing says so)."""
    if not values:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None, "n": 0}
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2), "max_ms": round(float(max(values)), 2),
            "n": len(values)}


def bench_record_write(*, path: str | Path, command: str, figures: dict, machine_before: dict,
                       parameters: dict | None = None) -> Path:
    """Write one benchmark's record as JSON: what it measured and on what, at the top level as bench_engine and the
    knowledge benchmarks write theirs (command, recorded_at, cores, cpu_model, load_average_before/after), then
    `parameters` (the run's size) and `figures` as the command measured them."""
    after = machine_now()
    record = {
        "command": command,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": after["cores"],
        "cpu_model": after["cpu_model"],
        "load_average_before": machine_before["load_average"],
        "load_average_after": after["load_average"],
        "parameters": parameters or {},
        "figures": figures,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
