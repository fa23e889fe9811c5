"""The living demo (issue 16, item 8): `seed_demo --history` plays synthetic customers through the real pipeline with
a fake clock, and every manager report then shows data."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from agents.eval.corpus import PACIFIC, corpus_load
from agents.models import ModelCall
from bookings.models import Booking
from conversations.models import Conversation, Message
from learning.models import Correction, Feedback, LabeledExample, ReviewItem, SatisfactionSurvey
from messaging.demo import scripts
from messaging.demo.history import TEACHER_MODEL, history_play
from messaging.demo.selectors import KEY_PREFIX
from messaging.models import OutboundDelivery
from monitoring.reports import REPORTS

NOW = datetime.datetime(2026, 11, 26, 15, 0, tzinfo=PACIFIC)


def test_dates_move_by_whole_weeks_and_keep_how_they_were_written():
    assert scripts.move_dates("Sat Dec 12 at 6pm", -4) == "Sat Nov 14 at 6pm"
    assert scripts.move_dates("dec 19th please", -1) == "dec 12th please"
    assert scripts.move_dates("December 20 in Newark", 2) == "January 3 in Newark"


def test_a_script_is_the_corpus_conversation_told_by_someone_else_on_the_day_played():
    import random

    conversation = next(c for c in corpus_load() if c.id == "web-quote-then-yes-with-name-and-contact")
    person = scripts.person_make(random.Random(1), key="20260901-0", number=7)
    start = datetime.datetime(2026, 9, 1, 18, 0, tzinfo=PACIFIC)
    script = scripts.script_make(conversation, rng=random.Random(1), start=start, key="demo-history-20260901-0",
                                 person=person)
    said = " ".join(turn.say for turn in script.turns)
    assert script.start == start and script.id == "demo-history-20260901-0"
    assert "Priya" not in said and "priya.nair@example.com" not in said and "650-555-0190" not in said
    assert person.name in said and person.email in said and person.phone_text in said
    assert "Dec 19" not in said and "Oct 17" in said   # 9 weeks earlier: still a Saturday
    assert script.sender["web_id"] == "demo-history-20260901-0-web"


@pytest.mark.django_db(transaction=True)
def test_a_short_history_fills_every_manager_report_and_the_review_queue(client, django_user_model, mailoutbox):
    """One history (the expensive part) for every page: each report answers a Manager with charts whose series are
    not all zero, and the review queue has items. Nothing was sent to the made-up customers, and a second run plays
    nothing (days already played are skipped)."""
    from django.contrib.auth.models import Permission

    from staff.roles import roles_sync

    roles_sync(group_model=Group, permission_model=Permission)   # a transactional test before this one flushed them
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", "--skip-knowledge", stdout=open("/dev/null", "w"))
        counts = history_play(days=21, per_day=2.5, now=NOW)

        assert counts["conversations"] >= 20 and counts["bookings"] >= 5
        assert Conversation.objects.values("channel").distinct().count() >= 3
        started = Conversation.objects.filter(customer__identities__external_id__startswith=KEY_PREFIX)
        assert started.dates("started_at", "day").count() >= 10   # spread over the days, not all today
        teacher = ModelCall.objects.filter(provider="demo-teacher", model=TEACHER_MODEL, cost_usd__gt=0)
        assert teacher.exists() and ModelCall.objects.filter(route="student").exists()
        assert Message.objects.filter(route=Message.Route.TEACHER, author=Message.Author.AI).exists()
        assert Feedback.objects.filter(kind="thumbs_up").exists() and Correction.objects.exists()
        assert LabeledExample.objects.filter(source="staff").exists()
        assert Booking.objects.filter(status__in=["confirmed", "completed"]).exists()
        assert SatisfactionSurvey.objects.exists()
        assert counts["escalated"] and Message.objects.filter(author="staff", conversation__in=started).exists()
        assert not OutboundDelivery.objects.exists() and mailoutbox == []
        assert not Message.objects.filter(direction="outbound", history=False,
                                          conversation__in=started).exists()

        manager = django_user_model.objects.create_user(username="demo-manager", password="pw", is_staff=True)
        manager.groups.add(Group.objects.get(name="Manager"))
        client.force_login(manager)
        for name in REPORTS:
            response = client.get(reverse("admin:monitoring_report", args=[name]))
            assert response.status_code == 200, name
            charts = re.findall(r"<svg [^>]*class=\"chart .*?</svg>", response.content.decode(), flags=re.S)
            assert charts, f"{name}: no chart"
            for chart in charts:
                title = re.search(r"<title>(.*?)</title>", chart)[1]
                values = [float(v) for v in re.findall(r'<(?:circle|rect) [^>]*data-value="([-0-9.e]+)"', chart)]
                assert any(values), f"{name}: the chart {title!r} has only zeros"
        assert ReviewItem.objects.exists()
        queue = client.get(reverse("admin:learning_review_queue"))
        assert queue.status_code == 200 and ReviewItem.objects.first().agent in queue.content.decode()

        before = (Conversation.objects.count(), Message.objects.count(), ModelCall.objects.count())
        assert history_play(days=21, per_day=2.5, now=NOW).get("conversations", 0) == 0
        assert (Conversation.objects.count(), Message.objects.count(), ModelCall.objects.count()) == before


@pytest.mark.parametrize("arguments,message", [
    (["--days", "-1"], "--days"),
    (["--per-day", "0"], "--per-day"),
    (["--teacher-model", "no-such-model"], "No price"),
])
def test_the_command_refuses_bad_arguments(arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("seed_demo_history", *arguments)


@pytest.mark.django_db
def test_the_launcher_plays_the_history_only_on_a_first_start(monkeypatch):
    from conversations.models import ChannelIdentity
    from conversations.tests.factories import CustomerFactory
    from hibachi import launcher

    started = []
    monkeypatch.setattr(launcher.subprocess, "Popen", lambda argv: started.append(argv) or "process")
    monkeypatch.setenv("HIBACHI_DEMO_HISTORY_DAYS", "0")
    assert launcher.demo_history_start() is None and started == []
    monkeypatch.setenv("HIBACHI_DEMO_HISTORY_DAYS", "ninety")
    assert launcher.demo_history_start() is None and started == []

    monkeypatch.setenv("HIBACHI_DEMO_HISTORY_DAYS", "30")
    assert launcher.demo_history_start() == "process"
    assert started[0][1:] == ["manage.py", "seed_demo_history", "--days", "30", "--if-new"]

    ChannelIdentity.objects.create(customer=CustomerFactory(), channel="web",
                                   external_id=f"{KEY_PREFIX}-20261120-0-web")
    assert launcher.demo_history_start() is None and len(started) == 1


@pytest.mark.django_db
def test_seed_demo_history_with_if_new_skips_a_database_that_has_one(capsys):
    from conversations.models import ChannelIdentity
    from conversations.tests.factories import CustomerFactory

    ChannelIdentity.objects.create(customer=CustomerFactory(), channel="web",
                                   external_id=f"{KEY_PREFIX}-20261120-0-web")
    call_command("seed_demo_history", "--days", "5", "--if-new")
    assert "already played here; skipped" in capsys.readouterr().out
    assert Conversation.objects.count() == 0


@pytest.mark.django_db
def test_seed_demo_plays_the_history_through_its_own_command(capsys):
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", "--skip-knowledge", "--history", "2")
    assert "Demo history of 2 days: " in capsys.readouterr().out
