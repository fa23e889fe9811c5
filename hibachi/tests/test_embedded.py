"""The embedded Redis that `make run` starts: it must snapshot, or a crash loses every queued task."""

import redis

from hibachi import embedded


def test_the_embedded_redis_snapshots_after_a_minute_with_a_change(tmp_path, monkeypatch):
    monkeypatch.setenv("HIBACHI_VAR_DIR", str(tmp_path))
    port = embedded.redis_start()
    try:
        client = redis.Redis(port=port)
        assert client.config_get("save") == {"save": "60 1"}
        assert client.config_get("dir")["dir"] == str(tmp_path / "redis")
    finally:
        embedded.redis_stop()
    assert (tmp_path / "redis" / "dump.rdb").exists()  # SHUTDOWN SAVE wrote the snapshot
