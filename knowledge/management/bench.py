"""What the knowledge app's benchmark commands share: their figures written as JSON (`--json PATH`), the form that
`make bench` reads."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path


def write_bench_json(path: Path, record: dict) -> None:
    """A benchmark's figures as JSON, with when and on what machine (cores, CPU model) they were measured."""
    record = {"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
              "cpu_model": _cpu_model(), **record}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
