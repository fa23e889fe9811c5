import json

import pytest
from django.core.management import CommandError, call_command

from agents.management.commands.bench_engine import Command


def test_an_unknown_encoder_is_refused_before_anything_runs():
    with pytest.raises(CommandError, match=r"--embedders: nope not in settings.EMBEDDERS \(known: default, local"):
        call_command("bench_engine", "--embedders", "local,nope")


def test_the_json_record_has_each_encoders_percentiles_and_the_load(tmp_path):
    runs = {"nlu": [1.0, 2.0, 3.0], "single": [10.0, 20.0], "paced": [30.0], "saturated": [40.0, 60.0],
            "throughput": 12.345}
    path = tmp_path / "figures" / "engine.json"
    Command()._write_json(path, {"onnx-int8": runs}, {"local": [4.0, 6.0], "onnx-int8": [1.0, 1.0]},
                          (3.0, 2.5, 2.0), (3.5, 2.6, 2.1))
    record = json.loads(path.read_text())
    assert record["encoders"]["onnx-int8"]["nlu"] == {"p50_ms": 2.0, "p95_ms": 2.9, "n": 3}
    assert record["encoders"]["onnx-int8"]["saturated_replies_per_s"] == 12.35
    assert record["embedding_alone_taking_turns"]["local"] == {"p50_ms": 5.0, "p95_ms": 5.9, "n": 2}
    assert record["load_average_before"] == [3.0, 2.5, 2.0] and record["cores"] >= 1
