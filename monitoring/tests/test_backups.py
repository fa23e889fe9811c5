import os
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from conversations.tests.factories import CustomerFactory
from monitoring.models import BackupRecord
from monitoring.services.backups import backup_create, backups_prune, pg_tool

pytestmark = pytest.mark.django_db(transaction=True)


def _scratch_uri(name: str) -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"host", "port", "user", "password"} and v}, dbname=name
    )


@pytest.fixture
def scratch_database():
    name = f"scratch_restore_{uuid.uuid4().hex[:10]}"
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_client_tools_match_the_server_major_version():
    assert Path(pg_tool("pg_dump")).exists() and Path(pg_tool("pg_restore")).exists()


def test_backup_then_restore_into_a_scratch_database(tmp_path, settings, scratch_database):
    settings.BACKUP_DIR = tmp_path
    customer = CustomerFactory(name="Backed Up Customer", email="backup@example.com")

    record = backup_create()

    assert record.status == BackupRecord.Status.OK, record.error
    assert record.size_bytes == Path(record.path).stat().st_size > 0
    assert record.duration_s > 0 and record.finished_at is not None
    assert Path(record.path).read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    call_command("restore_backup", record.path, "--database", scratch_database, "--create", "--noinput")

    with psycopg.connect(_scratch_uri(scratch_database)) as restored:
        row = restored.execute(
            "SELECT id, name FROM conversations_customer WHERE email = %s", ["backup@example.com"]
        ).fetchone()
        assert row == (customer.pk, "Backed Up Customer")
        assert restored.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()


def test_restore_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore_backup", str(tmp_path / "nope.dump"), "--database", "x", "--create", "--noinput")


def test_a_failed_dump_is_recorded_with_its_error(tmp_path, settings):
    settings.BACKUP_PG_BIN_DIR = str(tmp_path / "no-such-bin")
    record = backup_create(directory=tmp_path)
    assert record.status == BackupRecord.Status.FAILED and "pg_dump not found" in record.error


def test_retention_deletes_old_backups_but_keeps_the_newest(tmp_path):
    now = timezone.now()
    records = []
    for days_ago in (40, 30, 20, 3, 2, 1):
        path = tmp_path / f"b{days_ago}.dump"
        path.write_bytes(b"PGDMP")
        records.append(
            BackupRecord.objects.create(
                path=str(path), status=BackupRecord.Status.OK, size_bytes=5, started_at=now - timedelta(days=days_ago)
            )
        )
    pruned = backups_prune(keep_days=14, keep_min=3, now=now)
    assert sorted(Path(r.path).name for r in pruned) == ["b20.dump", "b30.dump", "b40.dump"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b1.dump", "b2.dump", "b3.dump"]
    assert BackupRecord.objects.filter(status=BackupRecord.Status.PRUNED).count() == 3


def test_retention_always_keeps_keep_min_backups(tmp_path):
    now = timezone.now()
    for days_ago in (100, 90):
        path = tmp_path / f"b{days_ago}.dump"
        path.write_bytes(b"PGDMP")
        BackupRecord.objects.create(
            path=str(path), status=BackupRecord.Status.OK, started_at=now - timedelta(days=days_ago)
        )
    assert backups_prune(keep_days=14, keep_min=3, now=now) == []


@pytest.fixture
def restored_scratch(tmp_path, settings, scratch_database):
    """A scratch database restored from a fresh backup, holding one customer that is not in the backup."""
    settings.BACKUP_DIR = tmp_path
    CustomerFactory(email="in-the-backup@example.com")
    record = backup_create()
    call_command("restore_backup", record.path, "--database", scratch_database, "--create", "--noinput")
    with psycopg.connect(_scratch_uri(scratch_database), autocommit=True) as db:
        db.execute("INSERT INTO conversations_customer (name, email, phone, notes, created_at) "
                   "VALUES ('Only Here', 'only-here@example.com', NULL, '', now())")
    return Path(record.path), scratch_database


def _emails(database):
    with psycopg.connect(_scratch_uri(database)) as db:
        return {row[0] for row in db.execute("SELECT email FROM conversations_customer")}


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(restored_scratch, tmp_path):
    dump, database = restored_scratch
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[:-64])  # the last table's data is cut: pg_restore fails at the end
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore_backup", str(truncated), "--database", database, "--noinput")
    assert _emails(database) >= {"in-the-backup@example.com", "only-here@example.com"}


def test_a_restore_is_refused_while_other_sessions_are_connected(restored_scratch):
    dump, database = restored_scratch
    with psycopg.connect(_scratch_uri(database), application_name="web-server"):
        with pytest.raises(CommandError, match=r"1 other session\(s\) .*web-server.*--force"):
            call_command("restore_backup", str(dump), "--database", database, "--noinput")
        assert "only-here@example.com" in _emails(database)
        call_command("restore_backup", str(dump), "--database", database, "--noinput", "--force")
    assert "only-here@example.com" not in _emails(database)


def test_dump_files_are_readable_by_their_owner_only(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    previous = os.umask(0o022)
    try:
        record = backup_create()
    finally:
        os.umask(previous)
    assert record.status == BackupRecord.Status.OK, record.error
    assert Path(record.path).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700
