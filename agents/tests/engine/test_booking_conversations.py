"""Realistic multi-turn booking conversations through the whole pipeline (template provider, no network).

Every conversation ends with the quote the handbook gives for that party (prices: adult 55, child 6-12 30, under 6
free, food minimum 550, travel free within 20 miles of Fremont then 2 per mile one way; upgrades per person, add-ons
per order) and, where the customer confirms, with the booking row. Expected totals are worked out by hand in each case.
"""

import datetime
from decimal import Decimal

import pytest

from bookings.models import Booking
from conversations.models import Conversation

pytestmark = pytest.mark.django_db

CONVERSATIONS = [
    # (id, channel, sender extras, turns, expected total, expected booking fields or None when not confirmed)
    ("handbook-example-20-adults-5-kids", "web", {}, [
        "Hi! How much would it be for 20 adults and 5 kids aged 8?",
        "Saturday December 12th at 6pm, zip 94538",
        "It's 4410 Rosewood Ct",
        "I'm Maria Lopez, maria@example.com",
        "yes please book it",
    ], "1250.00", {"adults": 20, "children": 5, "event_date": "2026-12-12", "slot": "18:00"}),
    ("handbook-example-8-adults-minimum", "web", {}, [
        "hello, price for 8 adults?",
        "Dec 5th, noon, Fremont 94538",
        "1520 Willow Ln",
        "name is Tom Baker, phone 415-555-0199",
        "yes",
    ], "550.00", {"adults": 8, "event_date": "2026-12-05", "slot": "12:00"}),
    ("numbers-as-words", "web", {}, [
        "we're twenty five adults, what would that cost?",
        "december 19 at three pm in 94587",
        "we're at 77 Elm Dr",
        "This is Ana Ruiz, ana.ruiz@example.com",
        "sounds good, book it",
    ], "1375.00", {"adults": 25, "slot": "15:00"}),
    ("correction-overwrites-adults", "web", {}, [
        "I want to book a hibachi dinner for 20 adults",
        "actually make it 25 adults",
        "Dec 12 at 6pm in Union City 94587",
        "2250 Cedar Ave apt 4",
        "My name is Lee Park, lee.park@example.com",
        "yes",
    ], "1375.00", {"adults": 25}),
    ("under-six-free", "web", {}, [
        "Quote please: 10 adults, 4 kids aged 6-12 and 2 under 6",
        "December 13 at 12pm, 95035",
        "915 Hillcrest Dr",
        "I am Sam Wu, sam.wu@example.com",
        "yes go ahead",
    ], "670.00", {"adults": 10, "children": 4, "children_under_6": 2}),
    ("filet-for-everyone", "web", {}, [
        "How much for 12 adults with filet mignon for everyone?",
        "Dec 20 at 6pm, zip 94538",
        "its 62 lakeview ln",
        "Name is Joan Miller, joan@example.com",
        "yes",
    ], "720.00", {"adults": 12}),
    ("lobster-for-five", "web", {}, [
        "15 adults, and lobster tail for 5 people please",
        "december 18th at 8:30pm in 94538",
        "1801 Magnolia Blvd",
        "I'm Raj Singh, raj@example.com",
        "yes",
    ], "900.00", {"adults": 15, "slot": "20:30"}),
    ("addons-per-order", "web", {}, [
        "party of 10 adults, plus 2 orders of gyoza and one edamame",
        "Dec 11 at 6pm, 94538",
        "345 Sycamore St",
        "Kim Lee here, my name is Kim Lee, kim@example.com",
        "yes",
    ], "579.00", {"adults": 10}),
    ("yakisoba-per-person", "web", {}, [
        "20 adults with yakisoba noodles for everyone, how much?",
        "December 27 at 3pm, 94538",
        "27 Birch Ct",
        "I'm Olga Novak, olga@example.com",
        "yes",
    ], "1200.00", {"adults": 20}),
    ("travel-fee-san-francisco", "web", {}, [
        "How much for 10 adults in San Francisco 94103?",
        "5120 Juniper Way",
        "Dec 12 at 12pm",
        "My name is Ben Ortiz, ben@example.com",
        "yes",
    ], "570.00", {"adults": 10, "zip_code": "94103"}),   # 30 miles: (30 - 20) x $2 = $20
    ("travel-fee-sacramento", "email", {"email": "dana@example.com", "name": "Dana White"}, [
        "Hello,\n\nWe are planning a company dinner in Sacramento (95814) for 20 adults on December 12th and would "
        "It's 4410 Rosewood Ct",
        "like a quote.\n\nBest regards,\nDana White",
        "6pm would be ideal.",
        "Yes, please confirm the booking.",
    ], "1216.00", {"adults": 20, "zip_code": "95814"}),   # 78 miles: (78 - 20) x $2 = $116
    ("city-instead-of-zip", "web", {}, [
        "Can I get a price for 12 adults in San Jose on Dec 12 at 6pm?",
        "1520 Willow Ln",
        "I'm Ivy Chen, ivy@example.com",
        "yes",
    ], "660.00", {"adults": 12}),   # San Jose 95125 is 17 miles from Fremont: no travel fee
    ("sms-style", "sms", {"phone": "+14155550142"}, [
        "hey need hibachi 4 15 ppl sat dec 19 6pm 94587",
        "we're at 77 Elm Dr",
        "its Carla Diaz",
        "ya book it",
    ], "825.00", {"adults": 15, "slot": "18:00"}),
    ("voice-transcript", "voice", {"phone": "+14085550177"}, [
        "uh yeah hi so we were thinking um thirty adults on the uh december twentieth at three pm",
        "um it's in fremont nine four five three eight",
        "the address is 2250 cedar avenue apartment 4",
        "my name is Victor Hugo",
        "yes that's correct",
    ], "1650.00", {"adults": 30, "slot": "15:00"}),
    ("two-chefs-for-forty", "web", {}, [
        "We need a quote for 40 adults",
        "Dec 19 at 6pm, 94538",
        "915 Hillcrest Dr",
        "Name's Paula Green, paula@example.com",
        "yes",
    ], "2200.00", {"adults": 40}),
    ("third-protein-with-kids", "web", {}, [
        "10 adults and 5 kids aged 9, third protein for everyone",
        "Dec 13 at 6pm in 94538",
        "its 62 lakeview ln",
        "I'm Nora Quinn, nora@example.com",
        "yes",
    ], "850.00", {"adults": 10, "children": 5}),   # 550 + 150 + 15 x 10
    ("known-email-customer-skips-contact", "email", {"email": "greg@example.com", "name": "Greg House"}, [
        "Hi, 16 adults on December 12 at 12pm in 94538, how much would that be?",
        "1801 Magnolia Blvd",
        "Great, please book it.",
    ], "880.00", {"adults": 16, "slot": "12:00"}),
    ("relative-date-next-saturday", "web", {}, [
        "next Saturday at 8:30pm for 12 adults, 94538",
        "345 Sycamore St",
        "I'm Hal Jordan, hal@example.com",
        "yes",
    ], "660.00", {"adults": 12, "event_date": "2026-11-07", "slot": "20:30"}),
    ("decline-then-change-then-confirm", "web", {}, [
        "book 10 adults for Dec 12 at 6pm in 94538",
        "27 Birch Ct",
        "I'm Amy Pond, amy@example.com",
        "no wait, make it 12 adults",
        "yes",
    ], "660.00", {"adults": 12}),
    ("quote-only-no-booking", "web", {}, [
        "how much for 20 adults and 5 kids aged 8?",
        "and if we add 2 orders of gyoza?",
    ], "1274.00", None),
    ("minimum-with-children-only-small", "web", {}, [
        "Just 4 adults and 3 kids aged 7, 9 and 11, what's the price?",
        "Dec 6 at 3pm, 94538",
        "5120 Juniper Way",
        "Name is Omar Ali, omar@example.com",
        "yes",
    ], "550.00", {"adults": 4, "children": 3}),   # 220 + 90 = 310, below the 550 minimum
    ("travel-oakland-by-city", "web", {}, [
        "12 adults in Oakland, Dec 12 at 6pm",
        "It's 4410 Rosewood Ct",
        "I'm Rita Moreno, rita@example.com",
        "yes",
    ], "668.00", {"adults": 12}),   # Oakland 94606 is 24 miles: (24 - 20) x $2 = $8
]


@pytest.mark.parametrize("case_id, channel, sender, turns, total, booked", CONVERSATIONS,
                         ids=[case[0] for case in CONVERSATIONS])
def test_booking_conversation_ends_with_handbook_quote(business, chat, case_id, channel, sender, turns, total,
                                                       booked):
    conversation = chat(channel=channel, external_id=sender.get("email") or sender.get("phone") or case_id,
                        name=sender.get("name", ""), email=sender.get("email"), phone=sender.get("phone"))
    for text in turns:
        conversation.say(text)
    transcript = conversation.transcript()
    print(f"--- {case_id}\n{transcript}")
    state = Conversation.objects.get(pk=conversation.last.conversation.pk).state
    assert not any(r.escalated for r in conversation.results), transcript
    if booked is None:
        assert state["last_quote"]["total"] == total, transcript
        assert not Booking.objects.exists()
        return
    booking = Booking.objects.get()
    assert conversation.last.booking == booking, transcript
    assert booking.total == Decimal(total), transcript
    assert booking.status == Booking.Status.QUOTED, transcript
    for field, value in booked.items():
        actual = getattr(booking, field)
        actual = actual.isoformat() if isinstance(actual, datetime.date) else actual
        assert actual == value, (field, transcript)
    assert f"${Decimal(total):,.0f}" in conversation.last.reply.text, transcript
    assert booking.customer == conversation.last.conversation.customer
    assert state["stage"] == "booked"
