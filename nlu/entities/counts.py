"""Guest counts: adults (13+), children (6-12), children under 6, or an unsplit total ("party of 30" -> guests).

Counts need a noun ("25 adults", "3 kids under six", "a 3 year old", "party of 30", "for 12."), so ZIP codes, prices,
times and dates (blanked out before this runs) are never read as guests. Within one sentence, groups add up
("a baby and a 3 year old" -> 2 under 6); across sentences the last mention wins, which is how corrections read
("20 adults. Actually make it 25 adults" -> 25).
"""

import re

from .scratch import Scratch

_PERSON_NOUNS = (r"adults?|grown[\s-]?ups|kids?|children|child|toddlers?|babies|baby|infants?|teens?|teenagers?"
                 r"|people|persons?|ppl|guests?|pax|of\s+us")
_NOUN_AFTER = rf"(?:{_PERSON_NOUNS}|years?|yrs?|y/?o)\b"
_N = r"(?<![\d$#/:.,-])(?:\d{1,3}\s*(?:-|to|or)\s*)?(?P<n>\d{1,3})(?:\s*(?:ish|\+))?"
_DELTA = re.compile(r"\b(?:add|adding|added|drop|dropping|remove|removing|minus|lose|losing|subtract|cut|another"
                    r"|extra|additional|more)\s+(?:\w+\s+)?$")
_MONEY = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?k?|\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b"
                    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:dollars?|usd|bucks|%|percent)\b"
                    r"|\b\d+\s*(?:minutes?|mins?|hours?|hrs?|miles?|mi|days?|weeks?|months?|feet|ft|metres?|meters?)\b")

_ADULTS = re.compile(rf"{_N}\s*(?P<noun>adults?|grown[\s-]?ups|teens|teenagers)\b"
                     r"|\b(?P<noun2>adults?)\s*(?:[:=]|x)\s*(?P<n2>\d{1,3})\b")
_KID_NOUNS = (r"little\s+ones?|little\s+kids|kiddos?|kids?|children|child|toddlers?|babies|baby|infants?"
              r"|grand[\s-]?kids?|grandchildren|grandchild")
# Relatives who may be children or adults: counted only where the message gives their ages ("my two nephews, they're
# 13 and 9").
_RELATIVE_NOUNS = r"nephews?|nieces?|sons?|daughters?|grandsons?|granddaughters?|boys|girls|stepsons?|stepdaughters?"
_RELATIVE = re.compile(rf"^(?:{_RELATIVE_NOUNS})$")
_SINGULAR = re.compile(r"^(?:kid|kiddo|child|grand[\s-]?kid|grandchild|nephew|niece|son|daughter|grandson"
                       r"|granddaughter|stepson|stepdaughter)$")
_KIDS = re.compile(rf"(?:(?:{_N}|\b(?P<article>an?))\s+(?:(?:little|young|small)\s+)?)?"
                   rf"\b(?P<noun>{_KID_NOUNS}|{_RELATIVE_NOUNS})\b"
                   rf"|\b(?:kids|children)\s*[:=]\s*(?P<n2>\d{{1,3}})\b")
_YEAR_OLDS = re.compile(
    r"(?:(?:(?<![\d$#/:.,-])(?P<n>\d{1,3})(?:\s+(?:of\s+them\s+)?(?:are|is|who\s+are))?|\b(?P<article>an?|my|our|his|her"
    r"|their))\s+)?(?<![\d$#/:.,-])"
    r"(?P<age>\d{1,2})[\s-]*(?:(?:years?|yrs?)[\s-]*olds?|y/?o)\b"
)
_GUESTS = re.compile(
    rf"{_N}[\s-]*(?:people|persons?|person\s+(?:party|event|group)|ppl|pax|guests?|folks|heads|attendees|employees"
    r"|coworkers|co-workers|friends|dudes|guys|members|total|in\s+total"
    r"|of\s+us(?!\s+(?:is|are|want|wants|doesn'?t|don'?t|does|do|can'?t|cannot|need|needs|eats?|has|have|prefers?"
    r"|likes?|gets?|would)\b))\b"  # "12 of us", but not "one of us doesn't eat eggs"
    r"|\b(?:party|group|family|team|crew|gathering|event|table|dinner|celebration|total|headcount)\s+(?:of|for)\s+"
    r"(?:about|around|approximately|approx|roughly|like|maybe|~)?\s*(?P<n2>\d{1,3})\b(?!\s*" + _NOUN_AFTER + ")"
    r"|\b(?:guest\s*count|head\s*count|number\s+of\s+(?:guests|people))[^.!?\d\x00]{0,25}?(?<![\d$#/:.,-])(?P<n3>\d{1,3})\b"
    r"(?!\s*" + _NOUN_AFTER + ")"
    r"|\bfor\s+(?:about|around|approximately|approx|roughly|like|maybe|~)?\s*(?<![\d$#/:.,-])(?P<n4>\d{1,3})(?:ish)?"
    r"(?=\s*(?:[,.!?)]|$|\x00|on\b|at\b|in\b|this\b|next\b|tomorrow\b|tmrw\b|please\b|pls\b|plz\b|thanks\b|and\b))"
)
# "20 adults, actually 22": a bare number right after a correction cue updates the count mentioned before it.
_BARE_CORRECTION = re.compile(
    r"\b(?:actually|i\s+meant|we\s+meant|make\s+(?:it|that)|sorry,?|correction:?|not\s+\d{1,3}\s*,?\s*(?:but)?)"
    r"\s*,?\s*(?<![\d$#/:.,-])(?P<n>\d{1,3})\b(?![,.]?\d|\s*(?:%|am|pm|st|nd|rd|th|:|/|[a-z]))"
)
_NO_KIDS = re.compile(r"\b(?:no|zero)\s+(?:kids|children)\b|\badults?\s+only\b|\b(?:just|only)\s+adults\b"
                      r"|\b(?:all|everyone|everybody)(?:'s|\s+(?:is|are|will\s+be))?\s+(?:an?\s+)?(?:adults?|grown[\s-]?ups)\b")
# "14 people, kids included", "for everybody including the kids": a total that counts the children.
_KIDS_INCLUDED = re.compile(
    r"\b(?:kids?|children|little\s+ones|the\s+little\s+ones)\s+(?:are\s+)?(?:included|incl\b\.?|inclusive|counted"
    r"|too|as\s+well)\b|(?:\b(?:including|incl\b\.?|inc\b\.?|counting|with|that\s+includes|includes)|\bw/)\s*(?:the\s+|our\s+"
    r"|all\s+the\s+|my\s+)?(?:kids|children|little\s+ones)\b(?!\s*\d)|\bkids\s+and\s+all\b")
_EVERYONE = re.compile(r"\b(?:everybody|everyone|all\s+of\s+us|the\s+whole\s+(?:group|party|family|crew)|in\s+total"
                       r"|total|altogether|all\s+together|headcount|head\s+count)\b")
_INCLUSIVE = re.compile(r"\b(?:including|incl|inc|of\s+(?:them|which|whom)|among\s+(?:them|whom)|out\s+of|with)\b|\bw/")

_AGE = rf"\d{{1,2}}(?!\d|\s*(?:{_PERSON_NOUNS})\b)"  # "kids aged 8 and 10 adults": the 10 is not an age
_YEARS = r"(?:\s*(?:years?|yrs?|y/?o)(?:[\s-]*old)?)?"
# What introduces the ages after the kids noun: "who are", "they're (like)", "aged", "ages", "(".
_AGE_CUE = (r"(?:(?:who|that|they|he|she)(?:'re|'s|\s+are|\s+is|\s+r)|theyre|hes|shes|are|is|aged?|ages?)\s+"
            r"(?:(?:like|about|around|roughly|approx(?:imately)?|um+|uh+|aged?|ages?|turning)\s+)*")
_LEAD = rf"^\s*[,(:-]?\s*(?:{_AGE_CUE})?"
_UNDER = re.compile(_LEAD + r"(?:under|below|younger\s+than|less\s+than)\s+(?:the\s+age\s+of\s+|age\s+)?(\d{1,2})")
_AND_UNDER = re.compile(_LEAD + r"(\d{1,2})" + _YEARS + r"\s*(?:and|or|&)\s*(?:under|younger|below)")
_RANGE = re.compile(_LEAD + r"(?:between\s+(?:the\s+ages\s+of\s+)?(\d{1,2})\s+and\s+(\d{1,2})"
                    r"|(\d{1,2})\s*(?:-|to)\s*(\d{1,2}))" + _YEARS + r"\)?")
# After a cue the ages may be separated by spaces alone ("ages 4 8 and 11", "they're like 5 7 and 9").
_LIST = re.compile(rf"^\s*[,(:-]?\s*(?:{_AGE_CUE}|\(\s*)"
                   rf"({_AGE}(?:\s*(?:,|and|&)\s*{_AGE}|\s+{_AGE})*)" + _YEARS + r"\)?")
# "2 kids, 5 and 8": ages with no word before them, taken only when there is one age per kid.
_BARE_LIST = re.compile(rf"^\s*[,(:-]?\s*({_AGE}(?:\s*(?:,|and|&)\s*{_AGE})+)" + _YEARS + r"\)?(?!\s*(?:am|pm|:|/))")

# "10 adults, 4 kids and 2 under 6": a count followed by an age bound, with no noun.
_BARE_UNDER = re.compile(rf"{_N}\s+(?:(?:of\s+them\s+|of\s+whom\s+|who\s+)?(?:are|is)\s+)?(?:under|below|younger\s+than)\s+(?:the\s+age\s+of\s+|age\s+)?"
                         rf"(?P<age>\d{{1,2}})\b(?!\s*(?:{_PERSON_NOUNS}|years?|yrs?)\b)")

_UNDER_6_NOUNS = ("toddler", "bab", "infant", "little one")


def _key_for_age(age: int) -> str:
    return "children_under_6" if age < 6 else "children" if age <= 12 else "adults"


def _ages_after(tail: str) -> tuple[str, list[int], int]:
    """How the ages after a kids noun are given ("list": "aged 8", "(3 and 7)"; "range": "ages 6-12";
    "under": "under 6", "5 and under"), the ages (a range or bound as its ends) and how much text they use."""
    if match := _UNDER.match(tail):
        return "under", [int(match.group(1)) - 1], match.end()
    if match := _AND_UNDER.match(tail):
        return "under", [int(match.group(1))], match.end()
    if match := _RANGE.match(tail):
        low, high = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        return "range", [int(low), int(high)], match.end()
    if match := _LIST.match(tail):
        return "list", [int(age) for age in re.findall(r"\d{1,2}", match.group(1))], match.end()
    if match := _BARE_LIST.match(tail):
        return "bare list", [int(age) for age in re.findall(r"\d{1,2}", match.group(1))], match.end()
    return "", [], 0


def _count(match: re.Match, *names: str) -> int | None:
    for name in names:
        value = match.groupdict().get(name)
        if value is not None:
            return 1 if not value.isdigit() else int(value)
    return None


class _Tally:
    """Mentions per key: summed within a sentence ("a baby and a 3 year old"), replaced across sentences."""

    def __init__(self, text: str):
        self.text = text
        self.mentions: dict[str, list[tuple[int, int, int, bool]]] = {}

    def add(self, key: str, start: int, end: int, value: int, *, replaces: bool = False) -> None:
        self.mentions.setdefault(key, []).append((start, end, value, replaces))

    def totals(self) -> dict[str, int]:
        totals = {}
        for key, mentions in self.mentions.items():
            mentions.sort()
            total, previous_end = 0, None
            for start, end, value, replaces in mentions:
                gap = self.text[previous_end:start] if previous_end is not None else ""
                same_sentence = (previous_end is not None and not replaces
                                 and not re.search(r"[.!?;\n]|\b(?:actually|meant|sorry)\b", gap))
                total = total + value if same_sentence else value
                previous_end = end
            totals[key] = total
        return totals


_NOT_A_PARTY = re.compile(r"\b(?:paid|pay|paying|charged|charge|waited|wait|lasted|lasts|last|lasting)\s+$")


def _is_delta(text: str, start: int) -> bool:
    return bool(_DELTA.search(text[max(0, start - 25):start]))


def extract_counts(scratch: Scratch) -> dict[str, int]:
    scratch.take(_MONEY)
    text = scratch.text
    tally = _Tally(text)
    unaged: list[list[int]] = []  # [start, end, kids not yet given an age] of "3 kids" without ages
    for match in list(_KIDS.finditer(text)):
        if _is_delta(text, match.start()):
            continue
        count = _count(match, "n", "n2", "article")
        noun = re.sub(r"\s+", " ", (match.group("noun") or "kids").lower())
        kind, ages, used = _ages_after(text[match.end():match.end() + 60])
        if _RELATIVE.match(noun) and not ages:
            continue  # "my 2 nephews": children or adults, nobody says
        if count is None:
            if kind != "list" or len(ages) < (1 if _SINGULAR.match(noun) else 2):
                continue
            count = len(ages)  # "my kids are 4 and 9", "my son is 8"
        if kind == "bare list":
            kind, ages, used = ("list", ages, used) if len(ages) == count else ("", [], 0)
        end = match.end() + used
        if kind == "list" and len(ages) == count or kind == "list" and len(ages) < count and len(
                {_key_for_age(age) for age in ages}) > 1:
            for age in ages:  # "3 kids ages 4 and 8": the third kid's age is not given, so 6-12 as "kids" reads
                tally.add(_key_for_age(age), match.start(), end, 1)
            if count > len(ages):
                tally.add("children", match.start(), end, count - len(ages))
        elif ages:
            keys = {_key_for_age(age) for age in ages}
            tally.add(keys.pop() if len(keys) == 1 else "children", match.start(), end, count)
        elif noun.startswith(_UNDER_6_NOUNS):
            tally.add("children_under_6", match.start(), end, count)
        else:
            tally.add("children", match.start(), end, count)
            unaged.append([match.start(), end, count])
        scratch.consume(match.start(), end)
    for match in list(_YEAR_OLDS.finditer(scratch.text)):
        if _is_delta(scratch.text, match.start()):
            continue
        key, count = _key_for_age(int(match.group("age"))), _count(match, "n") or 1
        if (group := _aged_group(scratch.text, unaged, match.start(), count)) is not None:
            # "3 kids, 2 are 4 years old": the ages split the kids counted before, they are not more kids
            group[2] -= count
            tally.add("children", group[0], group[1], -count)
            tally.add(key, group[0], group[1], count)
        else:
            tally.add(key, match.start(), match.end(), count)
        scratch.consume(*match.span())
    for match in list(_BARE_UNDER.finditer(scratch.text)):
        bound = int(match.group("age"))
        if _is_delta(scratch.text, match.start()) or not 1 < bound <= 13:
            continue
        key, count = _key_for_age(bound - 1), _count(match, "n")
        if (group := _aged_group(scratch.text, unaged, match.start(), count)) is not None:
            group[2] -= count  # "4 kids: 2 are under 6" splits the 4, it does not add 2
            tally.add("children", group[0], group[1], -count)
            tally.add(key, group[0], group[1], count)
        else:
            tally.add(key, match.start(), match.end(), count)
        scratch.consume(*match.span())
    for match in list(_ADULTS.finditer(scratch.text)):
        if _is_delta(scratch.text, match.start()):
            continue
        tally.add("adults", match.start(), match.end(), _count(match, "n", "n2"))
        scratch.consume(*match.span())
    guest_mentions = []
    for match in list(_GUESTS.finditer(scratch.text)):
        if _is_delta(scratch.text, match.start()) or (
                match.group("n4") and _NOT_A_PARTY.search(scratch.text[max(0, match.start() - 12):match.start()])):
            continue  # "we paid for 90" (minutes)
        guest_mentions.append((match.start(), match.end(), _count(match, "n", "n2", "n3", "n4")))
        scratch.consume(*match.span())

    for match in list(_BARE_CORRECTION.finditer(scratch.text)):
        earlier = [(end, key) for key, mentions in tally.mentions.items() for _, end, _, _ in mentions
                   if end <= match.start()]
        earlier += [(end, "guests") for _, end, _ in guest_mentions if end <= match.start()]
        if earlier:
            key = max(earlier)[1]
            if key == "guests":
                guest_mentions.append((match.start(), match.end(), int(match.group("n"))))
            else:
                tally.add(key, match.start(), match.end(), int(match.group("n")), replaces=True)

    counts = {key: value for key, value in tally.totals().items() if value >= 0}
    if _NO_KIDS.search(text) and "children" not in counts:
        counts["children"] = 0
    kids_included = bool(_KIDS_INCLUDED.search(text))
    if guest_mentions:
        start, _, guests = guest_mentions[-1]
        kids = counts.get("children", 0) + counts.get("children_under_6", 0)
        if not counts:
            counts["guests"] = guests
            if kids_included:
                counts["guests_includes_children"] = True
        elif "adults" not in counts:
            inclusive = (kids_included or _INCLUSIVE.search(text[start:])) and guests > kids
            counts["adults"] = guests - kids if inclusive else guests
            if inclusive and kids:
                counts.update(guests=guests, guests_includes_children=True)
    elif kids_included and _EVERYONE.search(text) and "adults" not in counts:
        counts["guests_includes_children"] = True  # "for everybody, kids included": the total given before
    return {key: value for key, value in counts.items() if value is not None}


_MORE_KIDS = re.compile(r"^[\s,]*(?:and|\+|plus|&|also|with|n)\b|^[\s,]*\+")
_AGES_OF_THE_KIDS = re.compile(r"^\W*(?:they(?:'re|\s+are)|the\s+kids|the\s+children|kids|children|ages?|aged|one|two"
                               r"|the\s+(?:older|younger|oldest|youngest|eldest|little)|\d)\b")


def _aged_group(text: str, unaged: list[list[int]], start: int, count: int) -> list[int] | None:
    """The "N kids" these ages describe: the last one before them in the same sentence, or in the sentence just
    before when this one is about the kids ("We have 3 kids. The youngest is a 4 year old"); None when the ages are
    more children than are left to describe."""
    for group in reversed(unaged):
        if group[1] > start or group[2] < count:
            continue
        gap = text[group[1]:start]
        if _MORE_KIDS.match(gap):
            return None  # "4 kids and 2 under 6", "3 kids + a 4 year old": more children, not the ages of these
        sentences = re.split(r"[.!?;\n]", gap)
        if len(sentences) == 1 or (len(sentences) == 2 and _AGES_OF_THE_KIDS.match(sentences[1])):
            return group
        return None
    return None


_BARE_NUMBER = re.compile(r"(?<![\d\x00$#/:.,-])\d{1,3}(?![\d\x00%]|\s*(?:am|pm|st|nd|rd|th)\b)")


def answered_count(scratch: Scratch, counts: dict[str, int]) -> dict[str, int]:
    """A bare number answering the guest question: "12" -> 12 guests; "10 and 2 kids" -> 10 adults, 2 children."""
    if "adults" in counts or "guests" in counts:
        return counts
    numbers = _BARE_NUMBER.findall(scratch.text)
    if len(numbers) != 1 or not 0 < int(numbers[0]) <= 300:
        return counts
    kids = "children" in counts or "children_under_6" in counts
    return {**counts, ("adults" if kids else "guests"): int(numbers[0])}
