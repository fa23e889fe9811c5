"""Event dates ("next Saturday", "Dec 5th", "tomorrow", "12/14") and times ("6pm", "noon", "8:30 pm").

Dates resolve against a reference day. A month and day already past this year mean next year; a bare weekday
("Saturday", "next Saturday") is the first such day after the reference day; "this Saturday" may be the day itself.
When a message names several dates ("move it from the 6th to the 13th") the last one wins.
"""

import re
from datetime import date, timedelta

from dateutil.easter import easter
from dateutil.relativedelta import MO, SU, TH, relativedelta

from .numbers import ORDINAL_WORD, ordinal_value
from .places import rejected
from .scratch import Scratch

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2, "thursday": 3, "thurs": 3,
    "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{ORDINAL_WORD})"
_NOT_A_COUNT = r"(?!\s*(?:people|persons?|ppl|guests?|adults?|kids?|children|pax|of\s+us)\b)"

_ISO = re.compile(r"(?<![\d/])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/])")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(?:the\s+)?({_DAY})\b{_NOT_A_COUNT}(?:,?\s*(\d{{4}})\b)?")
_DAY_MONTH = re.compile(rf"\b(?:the\s+)?({_DAY})\s+(?:of\s+)?({_MONTH})\b\.?(?:,?\s*(\d{{4}})\b)?")
_NUMERIC = re.compile(r"(?<![\d/$.:])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/%])"
                      r"|(?<![\d/$.:-])(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})(?![\d-])")
_RELATIVE = re.compile(
    r"\b(?:(?P<after>(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr))"
    r"|(?<!\bas\sof\s)(?<!\bas\sat\s)(?<!\buntil\s)(?<!\bso\sfar\s)(?P<today>today|tonight|this\s+evening)"
    r"|(?P<tomorrow>tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow)"
    r"|in\s+(?P<n>\d{1,2}|a)\s+(?P<unit>days?|weeks?)(?:\s+from\s+(?:now|today))?"
    r"|(?P<n2>\d{1,2}|a)\s+(?P<unit2>days?|weeks?)\s+from\s+(?:now|today))\b"
)
_WEEKDAY_RE = re.compile(
    rf"(?<!')\b(?:(?P<rel>this\s+coming|this|next|coming|upcoming)\s+)?(?P<day>{_WEEKDAY})\b\.?"
    rf"(?:,?\s+(?:the\s+)?(?P<dom>{_DAY})\b(?!\s*(?:/|-\d|[:.]\d|[ap]\.?m\b|of\b|{_MONTH})){_NOT_A_COUNT})?"
)
# "the 14th", "on the twelfth" (but not "the third protein" or "the 2nd chef")
_DAY_OF_MONTH = re.compile(
    rf"\b(?:the|on|for)\s+({_DAY})\b(?!\s*(?:protein|chef|time|option|one|person|guest|slot|event|party|floor|year"
    rf"|grade|birthday|bday|b-day|anniversary|order|round|course|/|:|\d))"
)
# "the Friday after Thanksgiving", "the day after Christmas", "the Saturday before Christmas", "black friday"
_AROUND_HOLIDAY = re.compile(
    rf"\b(?:the\s+)?(?P<day>day|{_WEEKDAY})\s+(?P<side>after|before)\s+(?P<holiday>thanksgiving|christmas(?:\s+eve)?|xmas"
    r"|new\s*year'?s(?:\s+eve|\s+day)?|halloween|easter(?:\s+sunday)?)\b|\b(?P<black>black\s+friday)\b"
)
_HOLIDAYS = re.compile(
    r"\b(new\s*year'?s\s+eve|nye|new\s*year'?s(?:\s+day)?|christmas\s+eve|christmas|xmas|valentine'?s(?:\s+day)?"
    r"|halloween|thanksgiving|mother'?s\s+day|father'?s\s+day|memorial\s+day|labor\s+day|easter(?:\s+sunday)?)\b"
)

_COUNT_NOUNS = (r"people|ppl|persons?|guests?|adults?|kids?|children|pax|of|minutes?|mins?|hours?|hrs?|miles?"
                r"|dollars?|days?|weeks?|years?|yrs?")
_MERIDIEM = r"(?P<ampm>a\.?\s?m\b\.?|p\.?\s?m\b\.?)"
_TIME_RANGE = re.compile(  # "6-8pm": the start
    rf"(?<![\d:/$])(?P<h>\d{{1,2}})(?::(?P<m>[0-5]\d))?\s*(?:-|to)\s*\d{{1,2}}(?::[0-5]\d)?\s*{_MERIDIEM}"
)
_TIME_MERIDIEM = re.compile(  # "6pm", "8:30 p.m.", "6 30 pm" (from "six thirty pm"), "830pm", but not "20 10pm"
    rf"(?<![\d:/$.])(?P<h>\d{{1,2}})(?:(?:[:.]|\s(?=(?:00|15|30|45)\b)|(?=[0-5]\d\s*[ap]\.?\s?m\b))(?P<m>[0-5]\d))?"
    rf"\s*{_MERIDIEM}"
)
# "8 30 at night", "6 in the evening", "11 in the morning": the part of the day says am or pm
_TIME_PART_OF_DAY = re.compile(
    r"(?<![\d:/$.])(?P<h>\d{1,2})(?:[:.\s-](?P<m>[0-5]\d))?\s*(?:o'?\s?clock\s+)?"
    r"(?P<part>at\s+night|tonight|in\s+the\s+(?:evening|afternoon|night|morning))\b"
)
# "the 8-30 slot" (from "the eight-thirty slot"), "the 6 o'clock one": a start time named as a slot
_TIME_SLOT_WORD = re.compile(r"(?<![\d:/$.])(?P<h>\d{1,2})[:.\s-](?P<m>[0-5]\d)\s+(?:slot|start|seating|one)\b")
# "the latest one, the 8-30" (from "the eight-thirty"): a start time named on its own
_THE_TIME = re.compile(r"\bthe\s+(?P<h>\d{1,2})[.\s-](?P<m>00|15|30|45)\b(?!\s*(?:" + _COUNT_NOUNS + r")\b)")
# "Sat Dec 5 around 3", "a late lunch around 3": "around N" is a time right after a day or a meal
_TIME_AROUND = re.compile(r"\b(?:around|about|by)\s+(?P<h>\d{1,2})(?:\s*ish\b|\b)(?![:/.%]\d|\s*(?:" + _COUNT_NOUNS + r")\b)")
_DAY_OR_MEAL_BEFORE = re.compile(rf"(?:\b(?:{_MONTH}|{_WEEKDAY}|tomorrow|tonight|lunch|dinner|brunch|party|event)\b\.?"
                                 r"|\d(?:st|nd|rd|th)?|\x00)\W*$")
_TIME_CLOCK = re.compile(r"(?<![\d:/$.])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
_TIME_AT = re.compile(
    r"(?:\bat|@)\s*(?P<h>\d{1,2})(?:\s*o'?\s?clock|\s*ish)?\b(?![:/.%]\d|\s*(?:st|nd|rd|th|people|ppl|persons?"
    r"|guests?|adults?|kids?|children|pax|of|minutes?|mins?|hours?|hrs?|miles?|dollars?|days?|weeks?)\b)"
)
_TIME_OCLOCK = re.compile(r"(?<![\d:/$.])(?P<h>\d{1,2})\s*o'?\s?clock\b")
_TIME_HALF_PAST = re.compile(r"\bhalf\s+past\s+(?P<h>\d{1,2})\b")
_TIME_WORD = re.compile(r"\b(?:(?P<twelve>12)\s+)?(noon|midday|midnight)\b")
# "dec 12 noon", "Saturday the 12 noon": the 12 before "noon" is the day of the month, not the hour.
_DAY_BEFORE_TIME_WORD = re.compile(rf"\b(?:{_MONTH}|{_WEEKDAY})\.?,?\s+(?:the\s+)?$")


def _year_for(today: date, month: int, day: int) -> int | None:
    """This year, or next year when the month and day are already past; None for an impossible date."""
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return year
    return None


def _resolve(today: date, month: int, day: int, year: str | None) -> date | None:
    if year:
        full = int(year) if len(year) == 4 else 2000 + int(year)
        try:
            return date(full, month, day)
        except ValueError:
            return None
    resolved_year = _year_for(today, month, day)
    return date(resolved_year, month, day) if resolved_year else None


def _day_of_month(today: date, day: int) -> date | None:
    """The next date (today included) whose day of the month is `day`."""
    for months_ahead in range(0, 3):
        first = (today.replace(day=1) + relativedelta(months=months_ahead))
        try:
            candidate = first.replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _weekday_and_day(today: date, weekday: int, day: int) -> date | None:
    """"Saturday the 12th": the next 12th that is a Saturday (within a year), else just the next 12th."""
    for months_ahead in range(0, 13):
        first = today.replace(day=1) + relativedelta(months=months_ahead)
        try:
            candidate = first.replace(day=day)
        except ValueError:
            continue
        if candidate >= today and candidate.weekday() == weekday:
            return candidate
    return _day_of_month(today, day)


def _weekday(today: date, weekday: int, relation: str | None) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not (relation or "").startswith("this"):
        ahead = 7
    return today + timedelta(days=ahead)


def _holiday(today: date, name: str) -> date | None:
    name = re.sub(r"\s+", " ", name.replace("'", ""))
    fixed = {"christmas eve": (12, 24), "christmas": (12, 25), "xmas": (12, 25), "halloween": (10, 31),
             "new years eve": (12, 31), "newyears eve": (12, 31), "nye": (12, 31)}
    if name in fixed:
        return _resolve(today, *fixed[name], None)
    if name.startswith("new") and "year" in name:
        return _resolve(today, 1, 1, None)
    if name.startswith("valentine"):
        return _resolve(today, 2, 14, None)
    rules = {
        "thanksgiving": lambda y: date(y, 11, 1) + relativedelta(weekday=TH(+4)),
        "mothers day": lambda y: date(y, 5, 1) + relativedelta(weekday=SU(+2)),
        "fathers day": lambda y: date(y, 6, 1) + relativedelta(weekday=SU(+3)),
        "memorial day": lambda y: date(y, 5, 31) + relativedelta(weekday=MO(-1)),
        "labor day": lambda y: date(y, 9, 1) + relativedelta(weekday=MO(+1)),
        "easter": easter, "easter sunday": easter,
    }
    rule = rules.get(name)
    if rule is None:
        return None
    this_year = rule(today.year)
    return this_year if this_year >= today else rule(today.year + 1)


def _around_holiday(today: date, match: re.Match) -> date | None:
    """"the Friday after Thanksgiving" -> the first Friday after it; "the day before Christmas" -> Dec 24."""
    if match.group("black"):
        holiday = _holiday(today, "thanksgiving")
        return holiday + timedelta(days=1) if holiday else None
    holiday = _holiday(today, match.group("holiday"))
    if holiday is None:
        return None
    step = 1 if match.group("side") == "after" else -1
    if match.group("day") == "day":
        return holiday + timedelta(days=step)
    candidate = holiday + timedelta(days=step)
    while candidate.weekday() != WEEKDAYS[match.group("day")]:
        candidate += timedelta(days=step)
    return candidate if candidate >= today else None


def extract_date(scratch: Scratch, today: date) -> str | None:
    """The last date the message names, as YYYY-MM-DD."""
    found: list[tuple[int, int, date]] = []
    calendar_dates: list[tuple[int, int]] = []  # spans of dates with a day number, which a weekday beside restates

    def add(match: re.Match, value: date | None, group: int = 0):
        if value is not None and not rejected(scratch.text, match.start(group)):   # "December 19, not the 12th"
            found.append((match.start(group), match.end(group), value))
        scratch.consume(*match.span(group))

    def next_to_a_date(match: re.Match) -> bool:
        """"Saturday, October 3rd" / "Oct 3 (Saturday)": the weekday only restates the date beside it."""
        text = scratch.text
        return any(re.fullmatch(r"[\s,()]*(?:the\s+)?", text[match.end():start])
                   or re.fullmatch(r"[\s,()]*", text[end:match.start()])
                   for start, end in calendar_dates if end <= match.start() or start >= match.end())

    for match in list(_ISO.finditer(scratch.text)):
        try:
            add(match, date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    for match in list(_MONTH_DAY.finditer(scratch.text)):
        month_word, day_word = match.group(1), match.group(2)
        day = ordinal_value(day_word)
        if day and 1 <= day <= 31:
            add(match, _resolve(today, MONTHS[month_word], day, match.group(3)))
    for match in list(_DAY_MONTH.finditer(scratch.text)):
        if match.group(2) == "may" and match.group(1).isdigit() and " of " not in match.group(0):
            continue  # "we are 12 may be 15"
        day = ordinal_value(match.group(1))
        if day and 1 <= day <= 31:
            add(match, _resolve(today, MONTHS[match.group(2)], day, match.group(3)))
    for match in list(_NUMERIC.finditer(scratch.text)):
        month, day, year = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
            match.group(4), match.group(5), match.group(6))
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            add(match, _resolve(today, int(month), int(day), year))
    calendar_dates.extend((start, end) for start, end, _ in found)
    for match in list(_AROUND_HOLIDAY.finditer(scratch.text)):
        add(match, _around_holiday(today, match))
    for match in list(_HOLIDAYS.finditer(scratch.text)):
        add(match, _holiday(today, match.group(1)))
    for match in list(_RELATIVE.finditer(scratch.text)):
        if match.group("after"):
            add(match, today + timedelta(days=2))
        elif match.group("today"):
            add(match, today)
        elif match.group("tomorrow"):
            add(match, today + timedelta(days=1))
        else:
            amount, unit = (match.group("n"), match.group("unit")) if match.group("n") else (
                match.group("n2"), match.group("unit2"))
            amount = 1 if amount == "a" else int(amount)
            if unit.startswith("day") and amount < 2:
                continue  # "how many events in one day" is not tomorrow
            add(match, today + timedelta(days=amount * (7 if unit.startswith("week") else 1)))
    for match in list(_WEEKDAY_RE.finditer(scratch.text)):
        if match.group("day") == "sat" and re.match(r"\s+(?:down|up|there|with|on|in|at\s+the)\b",
                                                    scratch.text[match.end("day"):]):
            continue
        if match.group("day") == "wed" and not match.group("rel") and not match.group("dom"):
            continue
        if not match.group("rel") and re.search(r"\b(?:any|every|a|some|which|what|other|another|one|happy)\s+$",
                                                scratch.text[max(0, match.start() - 10):match.start()]):
            continue  # "any Saturday in March", "happy Friday": no particular day
        if match.group("dom"):
            day = ordinal_value(match.group("dom"))
            weekday = WEEKDAYS[match.group("day")]
            add(match, _weekday_and_day(today, weekday, day) if day and 1 <= day <= 31 else None)
        elif next_to_a_date(match):
            scratch.consume(*match.span())
        else:
            add(match, _weekday(today, WEEKDAYS[match.group("day")], match.group("rel")))
    for match in list(_DAY_OF_MONTH.finditer(scratch.text)):
        day = ordinal_value(match.group(1))
        if day and 1 <= day <= 31 and (re.search(r"(?:st|nd|rd|th)$", match.group(1)) or not match.group(1).isdigit()):
            add(match, _day_of_month(today, day), 1)
    if not found:
        return None
    return max(found, key=lambda item: item[0])[2].isoformat()


def _to_24h(hour: int, minute: int, meridiem: str | None) -> str | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        if meridiem.startswith("p"):
            hour = hour % 12 + 12
        else:
            hour = hour % 12
    elif 1 <= hour <= 9:
        hour += 12  # "at 6", "the 8:30 slot": events are afternoons and evenings
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def extract_time(scratch: Scratch) -> str | None:
    """The last time of day the message names, as HH:MM (24h)."""
    found: list[tuple[int, str]] = []

    def add(match: re.Match, value: str | None):
        if value and not rejected(scratch.text, match.start()):   # "the 3 pm slot instead of noon"
            found.append((match.start(), value))
        scratch.consume(*match.span())

    for pattern in (_TIME_RANGE, _TIME_MERIDIEM):
        for match in list(pattern.finditer(scratch.text)):
            add(match, _to_24h(int(match.group("h")), int(match.group("m") or 0), match.group("ampm")))
    for match in list(_TIME_PART_OF_DAY.finditer(scratch.text)):
        if not (match.group("m") or "clock" in match.group(0) or re.search(
                r"\b(?:at|around|about|by|like|say|@)\s*$", scratch.text[max(0, match.start() - 8):match.start()])):
            continue   # "party of 12 in the afternoon": a count, not a time
        add(match, _to_24h(int(match.group("h")), int(match.group("m") or 0),
                           "am" if match.group("part").endswith("morning") else "pm"))
    for match in list(_TIME_SLOT_WORD.finditer(scratch.text)):
        add(match, _to_24h(int(match.group("h")), int(match.group("m")), None))
    for match in list(_THE_TIME.finditer(scratch.text)):
        if 1 <= int(match.group("h")) <= 12:
            add(match, _to_24h(int(match.group("h")), int(match.group("m")), None))
    for match in list(_TIME_AROUND.finditer(scratch.text)):
        if 1 <= int(match.group("h")) <= 12 and _DAY_OR_MEAL_BEFORE.search(
                scratch.text[max(0, match.start() - 25):match.start()]):
            add(match, _to_24h(int(match.group("h")), 0, None))
    for match in list(_TIME_CLOCK.finditer(scratch.text)):
        add(match, _to_24h(int(match.group("h")), int(match.group("m")), None))
    for match in list(_TIME_HALF_PAST.finditer(scratch.text)):
        add(match, _to_24h(int(match.group("h")), 30, None))
    for pattern in (_TIME_OCLOCK, _TIME_AT):
        for match in list(pattern.finditer(scratch.text)):
            hour = int(match.group("h"))
            if 1 <= hour <= 12:
                add(match, _to_24h(hour, 0, None))
    for match in list(_TIME_WORD.finditer(scratch.text)):
        value = "00:00" if match.group(2) == "midnight" else "12:00"
        before = scratch.text[max(0, match.start() - 20):match.start()]
        if match.group("twelve") and _DAY_BEFORE_TIME_WORD.search(before):
            found.append((match.start(2), value))  # leave the 12 to the date rules
            scratch.consume(*match.span(2))
        else:
            add(match, value)
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]


# The handbook's event slots; a part of the day names a time only when exactly one slot falls in it.
EVENT_SLOTS = ("12:00", "15:00", "18:00", "20:30")
_PART_OF_DAY = re.compile(
    r"(?<!\bgood\s)\b(?:(?P<when>early|late|mid)[\s-]+)?"
    r"(?P<part>lunch\s*time|lunch|midday|afternoon|evening|dinner\s*time|supper\s*time|(?<=late\s)night)\b"
    r"|\b(?P<late>late)\s+(?:slot|one|start|seating|show)\b"
)
# What places a part of the day on the event ("saturday afternoon", "in the evening", "for lunch"), unlike "last
# night" or "a great evening"; a date already read is blanked (\x00) and counts as such a word.
_PART_OF_DAY_CUE = re.compile(r"(?:\b(?:in\s+the|the|for|around|at|by|an?|this|tomorrow|tmrw|today|prefer|do|maybe"
                              r"|or|like|(?:mon|tues|wednes|thurs|fri|satur|sun)day|sat|sun|fri)|\x00)\s*$")
_PARTS = {
    ("", "lunch"): ("12:00",), ("", "midday"): ("12:00",), ("early", "afternoon"): ("12:00", "15:00"),
    ("", "afternoon"): ("15:00",), ("mid", "afternoon"): ("15:00",), ("late", "afternoon"): ("15:00",),
    ("early", "evening"): ("18:00",), ("", "evening"): ("18:00", "20:30"), ("late", "evening"): ("20:30",),
    ("", "dinner"): ("18:00", "20:30"), ("", "supper"): ("18:00", "20:30"), ("", "night"): ("18:00", "20:30"),
    ("late", "night"): ("20:30",), ("late", "late"): ("20:30",),
}


def extract_time_of_day(scratch: Scratch, *, answer: bool = False) -> tuple[str, ...]:
    """The slots a part of the day allows ("noon" is a clock time, see `extract_time`): "lunch" -> 12:00,
    "afternoon" -> 15:00, "late evening" -> 20:30, "evening" -> 18:00 or 20:30 (the customer has to choose).
    Only where a word places it on the event ("saturday afternoon"), or anywhere in an `answer` to the slot question."""
    found: tuple[str, ...] = ()
    for match in list(_PART_OF_DAY.finditer(scratch.text)):
        before = scratch.text[max(0, match.start() - 20):match.start()]
        if not (answer or match.start() == 0 or _PART_OF_DAY_CUE.search(before)):
            continue
        part = "late" if match.group("late") else re.sub(r"\s*time$", "", match.group("part"))
        when = "late" if match.group("late") else (match.group("when") or "")
        found = _PARTS.get((when, part)) or _PARTS.get(("", part), ())
        scratch.consume(*match.span())
    return found


_BARE_HOUR = re.compile(r"^\W*(?:at\s+|around\s+|about\s+|maybe\s+|say\s+|@\s*)?(?P<h>\d{1,2})(?:[\s:.](?P<m>[0-5]\d))?"
                        r"(?:\s*(?:ish|o'?\s?clock))?(?:\s+(?:works|is\s+good|please|pls|plz|thanks|thx))?\W*$")
_BARE_DAY = re.compile(r"^\W*(?:on\s+|the\s+|on\s+the\s+)*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+(?:works|is\s+good|please|pls))?"
                       r"\W*$")


def answered_time(scratch: Scratch) -> str | None:
    """A bare hour answering the start-time question: "6" -> 18:00, "8 30" -> 20:30, "12" -> 12:00."""
    if match := _BARE_HOUR.match(scratch.text):
        hour = int(match.group("h"))
        if 1 <= hour <= 12:
            scratch.consume(*match.span())
            return _to_24h(hour, int(match.group("m") or 0), None)
    return None


def answered_date(scratch: Scratch, today: date) -> str | None:
    """A bare day of the month answering the date question: "20", "the 20th"."""
    if match := _BARE_DAY.match(scratch.text):
        day = int(match.group("d"))
        if 1 <= day <= 31 and (found := _day_of_month(today, day)):
            scratch.consume(*match.span())
            return found.isoformat()
    return None
