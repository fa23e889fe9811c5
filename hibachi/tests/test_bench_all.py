"""`make bench` (hibachi.bench_all): the table is built from the JSON records the benchmarks write with --json."""

import json
import sys

import pytest
from django.core.management import call_command

from hibachi import bench_all
from hibachi.bench_record import bench_record_write, machine_now


@pytest.fixture
def price_list(db):
    from bookings.catalog import DEMO_CHEFS, HANDBOOK_PRICE_ITEMS
    from bookings.services import chef_get_or_create, price_item_upsert

    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price, overwrite=False)
    for name in DEMO_CHEFS:
        chef_get_or_create(name=name)


@pytest.mark.django_db(transaction=True)
def test_a_tiny_bench_engine_run_fills_the_engine_rows_of_the_table(tmp_path, price_list):
    path = tmp_path / "engine.json"
    call_command("bench_engine", "--nlu-samples", "5", "--conversations", "1", "--concurrency", "1",
                 "--think-ms", "0", "--json", str(path))
    record = json.loads(path.read_text())
    assert record["cpu_model"] and record["cores"] >= 1 and len(record["load_average_after"]) == 3

    rows = bench_all.table_rows({"engine": record})

    (encoder, figures), = record["encoders"].items()
    assert [row.what for row in rows] == [f"NLU alone p95 ({encoder})", "pipeline p95, one at a time",
                                          "pipeline p95, 10 concurrent paced", "pipeline, 10 concurrent saturated"]
    assert rows[0].measured == f"{figures['nlu']['p95_ms']:.1f} ms" and rows[0].target == "<= 6 ms"
    assert rows[0].met is (figures["nlu"]["p95_ms"] <= 6)
    assert rows[1].met is (figures["single"]["p95_ms"] <= 25)
    assert rows[3].met is (figures["saturated_replies_per_s"] >= 100)
    text = bench_all.table_format(rows)
    assert text.splitlines()[0].split(" | ")[0].strip() == "what" and len(text.splitlines()) == 2 + len(rows)
    assert bench_all.load_summary({"engine": record}).startswith(f"{record['cores']} cores, {record['cpu_model']}")


def test_the_web_chat_rows_read_the_bench_ws_record(tmp_path):
    path = bench_record_write(
        path=tmp_path / "ws.json", command="bench_ws", machine_before=machine_now(),
        parameters={"sockets": 200, "messages": 5, "rate": 50, "workers": 2},
        figures={"sent_per_s": 49.14, "reply": {"p50_ms": 80.0, "p95_ms": 240.5, "max_ms": 400.0, "n": 1000},
                 "errors": 0, "worker_rss_mb": [390.0, 420.5]})

    rows = bench_all.table_rows({"ws": json.loads(path.read_text())})

    assert [(row.measured, row.met) for row in rows] == [("240.5 ms", True), ("0", True), ("420.5 MB", False)]
    assert rows[0].what == "web chat reply p95 (bench_ws, 2 web workers, 49.1 msg/s sent)"


def test_a_benchmark_without_a_record_is_not_measured_and_meets_nothing():
    rows = bench_all.table_rows({"engine": None, "ws": None, "memory": None})
    assert rows and {row.measured for row in rows} == {"not measured"} and {row.met for row in rows} == {None}


def test_memory_rows_take_the_largest_scale_and_say_when_it_is_short_of_a_million():
    record = {"figures": [
        {"backend": "postgres", "customers": 1000, "method": "recent", "p95_ms": 0.2},
        {"backend": "postgres", "customers": 100000, "method": "recent", "p95_ms": 0.6},
        {"backend": "postgres", "customers": 100000, "method": "context", "p95_ms": 3.0},
    ]}
    row, = bench_all.table_rows({"memory": record})
    assert row.what == "memory recent() p95, 100,000 customers (postgres)"
    assert row.measured == "0.6 ms (target is at 1M customers)" and row.met is True


def test_an_unknown_step_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_all.main(["--only", "engine,nope"])
    assert exit_info.value.code == 2 and "unknown step(s) nope" in capsys.readouterr().err


def test_knowledge_rows_read_bench_knowledges_record():
    record = {"command": "bench_knowledge", "chunks": 100038, "hybrid": {"p50_ms": 6.1, "p95_ms": 9.4, "n": 200},
              "recall_at_10": 0.968,
              "query_embedding": {"onnx-int8": {"p50_ms": 2.9, "p95_ms": 4.6, "n": 180, "cached_p95_ms": 0.01}}}
    rows = bench_all.table_rows({"knowledge": record})
    assert [(row.what, row.measured, row.met) for row in rows] == [
        ("hybrid retrieval p95, 100k chunks", "9.4 ms", True),
        ("vector recall@10, 100k chunks", "0.968", True),
        ("query embedding p95, a new question (onnx-int8)", "4.6 ms", False),
    ]


def test_a_benchmark_past_its_time_limit_gets_ctrl_c_to_clean_up_and_is_reported(tmp_path):
    marker = tmp_path / "cleaned-up"
    code = ("import time, pathlib\n"
            "try:\n    time.sleep(60)\n"
            f"except KeyboardInterrupt:\n    pathlib.Path({str(marker)!r}).write_text('yes')\n")
    assert bench_all._run_step([sys.executable, "-c", code], limit_s=5) == "stopped after 5 s"
    assert marker.read_text() == "yes"


def test_ctrl_c_reaches_the_benchmark_when_make_bench_runs_as_a_background_job(tmp_path):
    """A shell starts a background job (`make bench &`, nohup) with SIGINT ignored, and children inherit that: the
    benchmark would never see the Ctrl-C and never clean up. The step is started with SIGINT at its default."""
    import signal

    marker = tmp_path / "cleaned-up"
    code = ("import time, pathlib\n"
            "try:\n    time.sleep(60)\n"
            f"except KeyboardInterrupt:\n    pathlib.Path({str(marker)!r}).write_text('yes')\n")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert bench_all._run_step([sys.executable, "-c", code], limit_s=3) == "stopped after 3 s"
    finally:
        signal.signal(signal.SIGINT, previous)
    assert marker.read_text() == "yes"


def _steps_run(monkeypatch, tmp_path, codes: dict[str, int]) -> list[str]:
    """Run main() with every step recorded instead of run: `codes` maps a manage.py command to its exit status."""
    from hibachi import embedded

    ran = []

    def run_step(argv, *, limit_s):
        name = argv[2] if argv[1] == "manage.py" else argv[-1]
        ran.append(name)
        return codes.get(name, 0)

    monkeypatch.setattr(bench_all, "_run_step", run_step)
    monkeypatch.setattr(embedded, "var_dir", lambda: tmp_path)
    return ran


def test_the_database_is_migrated_and_seeded_before_any_benchmark(monkeypatch, tmp_path, capsys):
    ran = _steps_run(monkeypatch, tmp_path, {})
    bench_all.main(["--only", "engine"])
    assert ran[:2] == ["migrate", "seed_demo"] and len(ran) == 3


def test_a_failed_migration_stops_make_bench_before_the_benchmarks(monkeypatch, tmp_path, capsys):
    ran = _steps_run(monkeypatch, tmp_path, {"migrate": 1})
    assert bench_all.main([]) == 1
    assert ran == ["migrate"]
    assert "FAILED: manage.py migrate --noinput (1): the benchmarks need the database ready" in capsys.readouterr().out
