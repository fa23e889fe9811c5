"""`make screenshots`: headless chromium logs in as a Manager and saves each report as a PNG that shows its charts."""

import os
import socket
import struct
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.models import ModelCall
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from hibachi.tests.live_server import asgi_server_running
from monitoring.management.commands.report_screenshots import CHROMEDRIVER, CHROMIUM

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                       reason=f"{CHROMIUM} or {CHROMEDRIVER} is missing: run scripts/install-browser.sh"),
]
CHART_BLUE = (0x25, 0x63, 0xEB)   # the charts' first colour (monitoring.charts.PALETTE[0])


@pytest.fixture
def site():
    with asgi_server_running() as url:
        yield url


@pytest.fixture
def manager(django_user_model):
    from django.contrib.auth.models import Permission

    from staff.roles import roles_sync

    roles_sync(group_model=Group, permission_model=Permission)   # a transactional test before this one flushed them
    user = django_user_model.objects.create_user(username="manager", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
    return user


@pytest.fixture
def replies_and_calls():
    now = timezone.now()
    for days_ago in range(0, 10):
        conversation = ConversationFactory(started_at=now - timedelta(days=days_ago))
        MessageFactory(conversation=conversation, sent_at=now - timedelta(days=days_ago), direction="outbound",
                       author=Message.Author.AI, agent="sales" if days_ago % 3 else "care", route="student",
                       latency_ms=200 + days_ago)
        ModelCall.objects.create(provider="openai", model="gpt-4o", agent="sales", route="teacher", ok=True,
                                 cost_usd=Decimal("0.02"), created_at=now - timedelta(days=days_ago),
                                 conversation=conversation, customer=conversation.customer)


def _pixels(path) -> tuple[int, int, bytes]:
    """(width, height, RGB(A) rows) of an 8-bit RGB or RGBA PNG, unfiltered (the PNG spec's five row filters)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunks.setdefault(kind, []).append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks[b"IDAT"])), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, channels, b"".join(rows)


def _count(width_channels_pixels, colour) -> int:
    _, channels, pixels = width_channels_pixels
    return sum(1 for i in range(0, len(pixels), channels) if tuple(pixels[i:i + 3]) == colour)


def test_each_report_is_saved_as_a_png_showing_its_charts(site, manager, replies_and_calls, tmp_path, capsys):
    call_command("report_screenshots", "--url", site, "--username", "manager", "--password", "pw",
                 "--out", str(tmp_path), "--reports", "agents", "cost")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["agents.png", "cost.png", "review_queue.png"]
    bars = _count(_pixels(tmp_path / "agents.png"), CHART_BLUE)
    assert bars > 2000, f"only {bars} pixels of the charts' blue: the bars are not drawn"
    assert "3 screenshots in" in capsys.readouterr().out


def test_a_wrong_password_fails_the_command(site, manager, tmp_path):
    with pytest.raises(CommandError, match="Could not log in"):
        call_command("report_screenshots", "--url", site, "--password", "wrong", "--out", str(tmp_path),
                     "--reports", "agents")


def test_a_site_that_does_not_answer_fails_the_command(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CommandError, match="start the site with `make run` first"):
        call_command("report_screenshots", "--url", f"http://127.0.0.1:{port}", "--password", "pw",
                     "--out", str(tmp_path))
