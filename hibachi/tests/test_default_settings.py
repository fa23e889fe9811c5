"""The ASGI app and Celery default to the production settings, which refuse to start without their environment:
a server or worker started without DJANGO_SETTINGS_MODULE must not come up with DEBUG, a known secret key and
embedded services (the local settings)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7#Qv!p2Lr9@zT4m&Wk8$Nf5^Hd1*Yb6(Jc3)Gs0-Ue+Ia=Oq_Xw;Ze",
    "DJANGO_ALLOWED_HOSTS": "ai.myhibachi.example",
    "DATABASE_URL": "postgres://hibachi:secret@db.internal:5432/hibachi",
    "REDIS_URL": "redis://cache.internal:6379/0",
}
LOAD = {
    "asgi": "import hibachi.asgi",
    "celery": "from hibachi.celery import app; app.conf.broker_url",
}
SHOW = "; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def _python(code, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in PRODUCTION_ENV and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("entry", list(LOAD))
def test_without_a_settings_module_it_refuses_to_start_naming_what_is_missing(entry):
    # DATABASE_URL/REDIS_URL point nowhere so that the local settings (the old default) start no embedded service.
    result = _python(LOAD[entry] + SHOW, DATABASE_URL=PRODUCTION_ENV["DATABASE_URL"],
                     REDIS_URL=PRODUCTION_ENV["REDIS_URL"])
    assert result.returncode != 0, result.stdout
    assert "DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS" in result.stderr
    assert "hibachi.settings.local" in result.stderr  # says how to run locally


@pytest.mark.parametrize("entry", list(LOAD))
def test_without_a_settings_module_it_runs_the_production_settings(entry):
    result = _python(LOAD[entry] + SHOW, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["hibachi.settings.production", "False"]


@pytest.mark.parametrize("entry", list(LOAD))
def test_an_explicit_settings_module_still_wins(entry):
    """What `make run` does (hibachi/launcher.py names the local settings for its children)."""
    result = _python(LOAD[entry] + SHOW, DJANGO_SETTINGS_MODULE="hibachi.settings.local",
                     DATABASE_URL=PRODUCTION_ENV["DATABASE_URL"], REDIS_URL=PRODUCTION_ENV["REDIS_URL"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["hibachi.settings.local", "True"]
