"""The correction memory's second look: two messages near each other in meaning may still ask different questions.

MiniLM puts "Are you available on December 12?" and "... December 19?" at 0.895, "What's the earliest start time?"
and "... latest ...?" at 0.752, closer than most rewordings of one question ("what do you charge for each grown-up?"
is 0.599 from "How much does it cost per adult?"). A single cosine threshold low enough for the rewordings lets those
through. So a message is also read for what it asks ABOUT, in a few groups whose values make different questions:

    who      adult, child, under-6            ("per adult" / "per child")
    when     a date, weekday, holiday, time   ("December 12" / "December 19", "to 6pm" / "to Sunday")
    where    a city                           ("Oakland" / "Los Angeles")
    extreme  min / max                        ("earliest" / "latest", "minimum" / "maximum")
    dish     proteins, sides, add-ons         ("add lobster" / "remove shrimp")
    diet     vegan, vegetarian, gluten, ...   ("gluten free" / "dairy free")
    asks     price / other                    ("how much is travel to X" / "do you travel to X"); always named
    money    deposit, balance, tip, tax, refund
    payment  card, cash, check, app
    occasion wedding, birthday, corporate, funeral, ...
    count    party size ranges                (only "how many" wording, see below)

and an exemplar matches only where, in every group both messages name something, they name the same things
(`terms_agree`). A group only one of them names does not count against it: rewordings often leave a word out ("how
many guests can one chef handle?" / "what's the max party size for one chef?"). Party sizes and prices are NOT
compared: "How much for 20 adults?" and "... for 30 adults?" are one question, and the reply's figures are re-filled
from the conversation being answered (`learning.exemplar_templates`), never copied. What is compared is what the
template cannot re-fill: which day, which place, which dish, which fee.

The words are lower-cased, numbers and greetings do not matter, and the cost is one pass of a few compiled regular
expressions per message (microseconds), so the lookup stays one HNSW scan plus this.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlu.entities.places import CITIES

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# (group, canonical value, pattern); patterns run on the lower-cased text, in order, and each match is blanked out
# so that a later, shorter pattern does not read it again ("kids under 6" is under_6, not also child).
_TERMS: list[tuple[str, str, str]] = [
    ("who", "under_6", (r"(?:kids?|children|child)\s+(?:under|below)\s+(?:6|six|5|five)|under\s*(?:6|six)s?"
                       r"|(?:5|five)\s+and\s+under|toddlers?|bab(?:y|ies)|infants?")),
    ("who", "child", r"kids?|kds|kiddos?|child(?:ren)?|(?:6|six)\s*(?:-|to)\s*(?:12|twelve)"),
    ("who", "adult", r"adults?|adlts?|grown[\s-]?ups?|13\s+and\s+(?:over|up)"),
    ("extreme", "min", r"min(?:imum)?|earliest|smallest|fewest|least"),
    ("extreme", "max", r"max(?:imum)?|latest|largest|biggest|most"),
    ("money", "refund", r"refund(?:able|ed|s)?|(?<=deposit\s)back|money\s+back|get\s+(?:it|that)\s+back"),
    ("money", "deposit", r"deposits?"),
    ("money", "balance", r"balance|remaining\s+amount"),
    ("money", "tip", r"tips?|tipping|gratuity"),
    ("money", "tax", r"tax(?:es)?"),
    ("payment", "card", r"(?:credit|debit)(?:\s+cards?)?|cards?|visa|mastercard|amex"),
    ("payment", "cash", r"cash"),
    ("payment", "check", r"checks?|cheques?"),
    ("payment", "app", r"venmo|zelle|paypal|cash\s*app|apple\s+pay"),
    ("diet", "vegan", r"vegans?"),
    ("diet", "vegetarian", r"vegetarians?|veggie\s+only|no\s+meat"),
    ("diet", "gluten", r"gluten(?:[\s-]?free)?|celiac|coeliac"),
    ("diet", "dairy", r"dairy(?:[\s-]?free)?|lactose"),
    ("diet", "halal", r"halal"),
    ("diet", "kosher", r"kosher"),
    ("diet", "nut", r"(?:pea)?nuts?|tree\s+nuts?"),
    ("diet", "shellfish", r"shellfish"),
    ("diet", "soy", r"soy(?:\s+sauce)?"),
    ("dish", "lobster", r"lobsters?(?:\s+tails?)?"),
    ("dish", "shrimp", r"shrimps?|prawns?"),
    ("dish", "filet", r"filet(?:\s+mignon)?|fillet"),
    ("dish", "steak", r"steaks?|ny\s+strip|sirloin|rib\s*eye"),
    ("dish", "chicken", r"chicken"),
    ("dish", "salmon", r"salmon"),
    ("dish", "scallops", r"scallops?"),
    ("dish", "tofu", r"tofu"),
    ("dish", "noodles", r"noodles?|yakisoba|lo\s+mein"),
    ("dish", "fried_rice", r"fried\s+rice"),
    ("dish", "edamame", r"edamame"),
    ("dish", "gyoza", r"gyoza|dumplings?|potstickers?"),
    ("dish", "dessert", r"desserts?|sweets?|cake"),
    ("dish", "drinks", r"drinks?|beverages?|sake|alcohol(?:ic)?|beer|wine|liquor"),
    ("gear", "grill", r"grills?|teppanyaki|griddle"),
    ("gear", "propane", r"propane|gas\s+tanks?|fuel"),
    ("gear", "tableware", r"plates?|utensils?|forks?|chopsticks|napkins?|cutlery|silverware|dishes"),
    ("gear", "furniture", r"tables?|chairs?|tents?|canopy"),
    ("occasion", "wedding", r"weddings?|bridal|rehearsal\s+dinner"),
    ("occasion", "birthday", r"birthdays?|bday"),
    ("occasion", "corporate", r"corporate|company|office|work\s+party|team\s+(?:event|building)"),
    ("occasion", "funeral", r"funerals?|memorial|wake"),
    ("occasion", "graduation", r"graduation|grad\s+party"),
    ("occasion", "anniversary", r"anniversary"),
    ("occasion", "shower", r"(?:baby|bridal)\s+shower"),
    ("when", "holiday", (r"holidays?|christmas(?:\s+eve)?|xmas|thanksgiving|new\s+year'?s?(?:\s+eve)?|easter"
                        r"|fourth\s+of\s+july|july\s+4(?:th)?|4th\s+of\s+july|memorial\s+day|labor\s+day")),
    ("when", "today", r"today|tonight|this\s+evening"),
    ("when", "tomorrow", r"tomorrow|tmrw?"),
    ("when", "weekend", r"weekends?"),
    ("when", "weekday", r"weekdays?|week\s*nights?"),
]
_WHEN_DATES = (re.compile(rf"\b{_MONTH}\s+{_DAY}\b"), re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b"),
               re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})\b"))
_WHEN_ORDINAL = re.compile(r"\b(?:the|on)\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:chef|time|protein|order|guest|kid|child))")
_WHEN_MONTH = re.compile(rf"\b(?:in|of|for|during|this|next)\s+{_MONTH}(?![\w'-])")
_DURATION = re.compile(r"\b(?P<n>\d{1,3}(?:\.\d)?|an?|one|two|three|four|half\s+an?)\s*(?P<unit>hours?|hrs?|h|minutes?|mins?)\b")
_WHEN_WEEKDAY = re.compile(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?\b")
_WHEN_TIME = re.compile(r"\b(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)|\b(?P<word>noon|midnight)\b"
                        r"|(?<![\d:$])(?P<h24>\d{1,2}):(?P<min24>\d{2})(?![\d:])")
_AGES = re.compile(r"\b(?:aged?|ages)\s+(?P<ages>\d{1,2}(?:\s*(?:,|and|&|-|to)\s*\d{1,2})*)"
                   r"|\b(?P<age>\d{1,2})\s*(?:years?\s+old|yrs?\s+old|y/?o)\b")
# Asking what something costs, as against whether or how ("how much is travel to X" / "do you travel to X").
_ASKS_PRICE = re.compile(r"\bhow\s+much\b(?!\s+(?:time|space|room|notice|area|advance|longer|earlier|food|rice|of))"
                         r"|\b(?:price[sd]?|pricing|cost(?:s|ing)?|charges?|fees?|rates?|upcharge|extra\s+for|quote|estimate"
                         r"|total|bill|budget|afford)\b|\$|\bwhat\s+(?:would|will|do)\s+(?:we|i)\s+pay\b")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_WHEN_RELATIVE = re.compile(r"\bin\s+(?P<n>a|an|one|two|three|four|five|six|\d{1,2})\s+(?P<unit>day|week|month)s?\b"
                            r"|\bnext\s+(?P<unit2>week|month|year)\b")
_CITY_ALIASES = {alias: city for city, aliases in CITIES.items() for alias in aliases if len(alias) > 3}
_CITY = re.compile(r"(?<![\w'-])(" + "|".join(re.escape(a) for a in sorted(_CITY_ALIASES, key=len, reverse=True))
                   + r")(?![\w'-])")
_COMPILED = [(group, value, re.compile(rf"(?<![\w'-])(?:{pattern})(?![\w'-])")) for group, value, pattern in _TERMS]


def _blank(text: str, match: re.Match) -> str:
    return text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _when(text: str) -> tuple[str, set[str]]:
    """The dates, weekdays and times a message names, canonical ("12-19", "saturday", "18:00"), blanked out."""
    found: set[str] = set()
    for match in [match for pattern in _WHEN_DATES for match in pattern.finditer(text)]:
        if "m" in match.groupdict():
            month, day = int(match.group("m")), int(match.group("d"))
        else:
            month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(match.group("month")[:3]))
            day = int(match.group("day"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.add(f"{month:02d}-{day:02d}")
            text = _blank(text, match)
    for match in list(_WHEN_TIME.finditer(text)):
        if match.group("word"):
            found.add({"noon": "12:00", "midnight": "00:00"}[match.group("word")])
        elif match.group("h24"):   # "5:30" without am/pm: as written
            found.add(f"{int(match.group('h24')):02d}:{match.group('min24')}")
        else:
            hour = int(match.group("h")) % 12 + (12 if match.group("ampm").startswith("p") else 0)
            found.add(f"{hour:02d}:{match.group('min') or '00'}")
        text = _blank(text, match)
    for match in list(_WHEN_ORDINAL.finditer(text)):
        found.add(f"day {int(match.group(1)):02d}")
        text = _blank(text, match)
    for match in list(_WHEN_MONTH.finditer(text)):
        found.add(f"month {next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(match.group('month')[:3])):02d}")
        text = _blank(text, match)
    for match in list(_WHEN_WEEKDAY.finditer(text)):
        found.add(next(day for day in _WEEKDAYS if day.startswith(match.group(1)[:3])))
        text = _blank(text, match)
    for match in list(_WHEN_RELATIVE.finditer(text)):
        found.add(f"in {match.group('n') or 'next'} {match.group('unit') or match.group('unit2')}")
        text = _blank(text, match)
    return text, found


def _durations(text: str) -> tuple[str, set[str]]:
    """How long, in minutes ("2 hrs" -> "120 min"), blanked out (so that "90 min" is not read as "minimum")."""
    found: set[str] = set()
    for match in list(_DURATION.finditer(text)):
        number = match.group("n")
        value = 0.5 if number.startswith("half") else _NUMBER_WORDS.get(number) or float(number)
        minutes = value * (1 if match.group("unit").startswith("m") else 60)
        found.add(f"{minutes:g} min")
        text = _blank(text, match)
    return text, found


@lru_cache(maxsize=4096)
def question_terms(text: str) -> dict[str, frozenset[str]]:
    """What a customer message asks about, by group: {"who": {"adult"}, "when": {"12-19"}, ...} (groups it names)."""
    text = " " + (text or "").lower().replace("’", "'") + " "
    terms: dict[str, set[str]] = {}
    text, when = _when(text)
    if when:
        terms["when"] = when
    for match in list(_AGES.finditer(text)):   # "kids aged 2, 8 and 12": who is in the party, by the price bands
        for age in map(int, re.findall(r"\d{1,2}", match.group(0))):
            terms.setdefault("who", set()).add("under_6" if age < 6 else "child" if age <= 12 else "adult")
        text = _blank(text, match)
    terms["asks"] = {"price" if _ASKS_PRICE.search(text) else "other"}
    text, durations = _durations(text)
    if durations:
        terms["duration"] = durations
    for match in list(_CITY.finditer(text)):
        terms.setdefault("where", set()).add(_CITY_ALIASES[match.group(1)])
        text = _blank(text, match)
    for group, value, pattern in _COMPILED:
        for match in list(pattern.finditer(text)):
            terms.setdefault(group, set()).add(value)
            text = _blank(text, match)
    return {group: frozenset(values) for group, values in terms.items()}


def terms_agree(first: dict[str, frozenset[str]], second: dict[str, frozenset[str]]) -> bool:
    """True unless, in a group both name something, they name different things: then they ask different questions."""
    return all(first[group] == second[group] for group in first.keys() & second.keys())


def same_question(first: str, second: str) -> bool:
    return terms_agree(question_terms(first), question_terms(second))
