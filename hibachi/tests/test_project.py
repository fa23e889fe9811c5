import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hibachi.settings.production",
    "DJANGO_SECRET_KEY": "x7#Qv!p2Lr9@zT4m&Wk8$Nf5^Hd1*Yb6(Jc3)Gs0-Ue+Ia=Oq_Xw;Ze",
    "DJANGO_ALLOWED_HOSTS": "ai.myhibachi.example",
    "DATABASE_URL": "postgres://hibachi:secret@db.internal:5432/hibachi",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
def test_models_and_migrations_are_in_step():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_fail_naming_every_missing_variable():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("DJANGO_SECRET_KEY", "REDIS_URL")}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY, REDIS_URL" in result.stderr
