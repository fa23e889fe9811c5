"""The corpus loader refuses entries it would measure wrongly."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.eval.corpus import corpus_load


def write(tmp_path, text):
    (tmp_path / "one.yaml").write_text(text)
    return tmp_path


def test_a_booking_needs_the_turn_that_confirms_and_a_total(tmp_path):
    directory = write(tmp_path, "- {id: a, channel: web, turns: [hi, yes], expect: {booked: true, total: '660.00'}}\n")

    with pytest.raises(ImproperlyConfigured, match="confirms"):
        corpus_load(directory=directory)


def test_gives_must_name_known_slots(tmp_path):
    directory = write(tmp_path, "- {id: a, channel: web, turns: [{say: hi, gives: [zipcode]}]}\n")

    with pytest.raises(ImproperlyConfigured, match="zipcode"):
        corpus_load(directory=directory)


def test_ids_are_unique(tmp_path):
    directory = write(tmp_path, "- {id: a, channel: web, turns: [hi]}\n- {id: a, channel: sms, turns: [hi]}\n")

    with pytest.raises(ImproperlyConfigured, match="twice"):
        corpus_load(directory=directory)


def test_a_valid_entry_loads_with_its_confirming_turn(tmp_path):
    directory = write(tmp_path, "- id: a\n  channel: sms\n  turns: [hi, {say: 'yes', confirms: true}]\n"
                                "  expect: {booked: true, total: '660.00'}\n")

    [conversation] = corpus_load(directory=directory)

    assert conversation.yes_turn == 2 and str(conversation.expect.total) == "660.00"
