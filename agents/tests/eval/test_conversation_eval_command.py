"""`manage.py conversation_eval` prints the table and the figures, leaves nothing in the database and fails below its
thresholds."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from conversations.models import Message

pytestmark = pytest.mark.django_db

CORPUS = """
- id: books
  channel: web
  turns:
    - {say: "12 adults Dec 12 6pm 94538, 4410 Rosewood Ct. I'm Maya Chen, maya@example.com",
       gives: [adults, date, slot, location, street_address, name, contact]}
    - {say: "yes", confirms: true}
  expect: {total: "660.00", booked: true}
- id: quote-only
  channel: sms
  sender: {phone: "+14155550999"}
  turns: ["how much for 20 adults?"]
  expect: {total: "1100.00"}
"""


def corpus(tmp_path, text=CORPUS):
    (tmp_path / "corpus.yaml").write_text(text)
    return tmp_path


def test_the_eval_prints_each_conversation_and_the_figures_and_keeps_nothing(tmp_path):
    out = io.StringIO()

    call_command("conversation_eval", corpus=corpus(tmp_path), stdout=out)

    text = out.getvalue()
    assert "books" in text and "quote-only" in text
    assert "booked when it should (exact total, in the turn of the yes): 1/1 (100%)" in text
    assert "exact totals: 2/2 (100%)" in text and "turns per booking: 2.0" in text
    assert not Booking.objects.exists() and not Message.objects.exists()


def test_the_eval_fails_below_its_thresholds(tmp_path):
    wrong = CORPUS.replace('total: "1100.00"', 'total: "1000.00"')

    with pytest.raises(CommandError, match="exact totals 0.50 < 1.0"):
        call_command("conversation_eval", corpus=corpus(tmp_path, wrong), stdout=io.StringIO())


def test_bookings_already_in_the_database_on_the_corpus_dates_are_named(tmp_path):
    """On a `make run` database the demo history's bookings hold slots the corpus books: the assistant offers other
    times and those conversations fail. The command says so up front (and leaves the bookings alone)."""
    held = BookingFactory(event_date=datetime.date(2026, 12, 12), slot="18:00")
    err = io.StringIO()

    call_command("conversation_eval", corpus=corpus(tmp_path), stdout=io.StringIO(), stderr=err)

    assert "1 booking(s) in this database are on or after 2026-11-02" in err.getvalue()
    assert "Run it on a database without bookings" in err.getvalue()
    assert Booking.objects.filter(pk=held.pk).exists()


def test_a_failing_eval_names_the_bookings_in_the_way(tmp_path):
    BookingFactory(event_date=datetime.date(2026, 12, 12), slot="18:00")
    wrong = CORPUS.replace('total: "1100.00"', 'total: "1000.00"')

    with pytest.raises(CommandError, match=r"exact totals 0.50 < 1.0. 1 booking\(s\) in this database"):
        call_command("conversation_eval", corpus=corpus(tmp_path, wrong), stdout=io.StringIO(),
                     stderr=io.StringIO())


def test_no_warning_without_bookings_on_the_corpus_dates(tmp_path):
    err = io.StringIO()
    call_command("conversation_eval", corpus=corpus(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "booking(s) in this database" not in err.getvalue()
