"""The PII filter is on every configured handler, the Celery worker's included, and scrubs tracebacks: a worker
error whose exception names a customer's e-mail and phone is written without them. Each case runs in a fresh
interpreter configured as the web process or the worker configures itself, and reads what the handlers wrote."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ENV = {  # the test settings, pointed at servers they never reach (nothing here connects)
    "DJANGO_SETTINGS_MODULE": "hibachi.settings.test",
    "DATABASE_URL": "postgres://hibachi:secret@db.invalid:5432/hibachi",
    "REDIS_URL": "redis://cache.invalid:6379/0",
}
RAISE_AND_LOG = """
import logging
try:
    raise ValueError("no booking for ann.lee@example.com, call (415) 555-0123")
except ValueError:
    logging.getLogger({logger!r}).exception("answer failed for %s", "bob@example.com")
"""
SETUPS = {
    "web process": ("import django; django.setup()", "messaging.tasks"),
    "celery worker": ("from hibachi.celery import app; import django; django.setup(); "
                      "app.log.setup(loglevel='INFO', redirect_stdouts=True)", "celery.app.trace"),
    "celery task logger": ("from hibachi.celery import app; import django; django.setup(); "
                           "app.log.setup(loglevel='INFO', redirect_stdouts=True)", "celery.task.messaging"),
}


def _run(code: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if k not in ENV}, **ENV}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_logged_exception_is_written_without_emails_or_phones(setup):
    prelude, logger = SETUPS[setup]
    output = _run(prelude + "\n" + textwrap.dedent(RAISE_AND_LOG).format(logger=logger))
    assert "Traceback" in output and "ValueError: no booking for <EMAIL>, call <PHONE>" in output
    assert "answer failed for <EMAIL>" in output
    for secret in ("ann.lee@example.com", "bob@example.com", "555-0123"):
        assert secret not in output


def test_every_handler_carries_the_filter_after_configuration():
    """Django's default handlers (the DEBUG console, mail_admins) included; libraries' NullHandlers write nothing."""
    output = _run(
        "import django, logging; django.setup()\n"
        "from learning.pii import PIIScrubFilter\n"
        "loggers = [logging.getLogger(), *(l for l in logging.Logger.manager.loggerDict.values()"
        " if isinstance(l, logging.Logger))]\n"
        "bare = [(l.name, h) for l in loggers for h in l.handlers if not isinstance(h, logging.NullHandler)"
        " and not any(isinstance(f, PIIScrubFilter) for f in h.filters)]\n"
        "print('handlers without the filter:', bare)"
    )
    assert "handlers without the filter: []" in output
