"""Guest counts: adults (13+), children (6-12), children under 6, or an unsplit total ("party of 30" -> guests).

Counts need a noun ("25 adults", "3 kids under six", "a 3 year old", "party of 30", "for 12."), so ZIP codes, prices,
times and dates (blanked out before this runs) are never read as guests. Within one sentence, groups add up
("a baby and a 3 year old" -> 2 under 6); across sentences the last mention wins, which is how corrections read
("20 adults. Actually make it 25 adults" -> 25).

Without a noun, a count comes only from a guest list one name a line, a party named person by person ("me, hubby, my
parents and our son (10)"), or a corrected number in a message about who comes ("make that 16, his brothers r
coming"). Kids 13 or over are adults (handbook), reported in `adults_by_age` too so the dialogue can add them to the
adults counted before.
"""

import re

from .party_lists import guest_list, party_members
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

_ADULTS = re.compile(rf"{_N}\s*(?P<noun>adults?|grown[\s-]?ups|teens|teenagers"
                     r"|(?:people|ppl|persons|guests|of\s+us)\s+(?:who|that)\s+(?:count|are\s+counted|pay|are\s+charged)"
                     r"\s+as\s+adults?)\b"
                     r"|\b(?P<noun2>adults?)\s*(?:[:=]|x)\s*(?P<n2>\d{1,3})\b")
_KID_NOUNS = (r"little\s+ones?|little\s+kids|littles|lil\s+(?:ones?|kids)|kiddos?|kids?|children|child|toddlers?"
              r"|babies|baby|infants?|grand[\s-]?kids?|grandchildren|grandchild")
# Relatives who may be children or adults: counted only where the message gives their ages ("my two nephews, they're
# 13 and 9").
_RELATIVE_NOUNS = (r"twin\s+(?:boys|girls|sons|daughters|brothers|sisters)|twins|triplets"
                   r"|(?:little|baby|younger|lil|kid)\s+(?:brothers?|sisters?|bros?|sis)"
                   r"|nephews?|nieces?|sons?|daughters?|grandsons?|granddaughters?|boys|girls|stepsons?|stepdaughters?"
                   r"|cousins")
# "my twins who are 12": two kids of that age (triplets three); counted, like relatives, only where an age is given.
_MULTIPLES = {"twin": 2, "triplet": 3}
_RELATIVE = re.compile(rf"^(?:{_RELATIVE_NOUNS})$")
_SINGULAR = re.compile(r"^(?:kid|kiddo|child|grand[\s-]?kid|grandchild|nephew|niece|son|daughter|grandson"
                       r"|granddaughter|stepson|stepdaughter"
                       r"|(?:little|baby|younger|lil|kid) (?:brother|sister|bro|sis))$")
_KIDS = re.compile(rf"(?:(?:{_N}|\b(?P<article>an?))\s+(?:(?:little|young|small)\s+)?)?"
                   rf"\b(?P<noun>{_KID_NOUNS}|{_RELATIVE_NOUNS})\b"
                   rf"|\b(?:kids|children)\s*[:=]\s*(?P<n2>\d{{1,3}})\b")
_YEAR_OLDS = re.compile(
    r"(?:(?:(?<![\d$#/:.,-])(?P<n>\d{1,3})(?:\s+(?:of\s+them\s+)?(?:are|is|who\s+are))?|\b(?P<article>an?|my|our|his|her"
    r"|their))\s+)?(?<![\d$#/:.,-])"
    r"(?P<age>\d{1,2})[\s-]*(?:(?:years?|yrs?)[\s-]*olds?|y/?o)\b"
)
_ONE_GUEST_DOES = re.compile(r"\s+(?:is|has|needs|wants|will|would|can'?t|cannot|doesn'?t|does|eats|who|that|gets"
                             r"|prefers|likes|might|may|must)\b")
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
_CORRECTION_CUE = (r"\b(?:actually|i\s+meant|we\s+meant|make\s+(?:it|that)|sorry,?|correction:?"
                   r"|not\s+\d{1,3}\s*,?\s*(?:but)?)\s*,?\s*(?<![\d$#/:.,-])(?P<n>\d{1,3})\b")
_BARE_CORRECTION = re.compile(_CORRECTION_CUE + r"(?![,.]?\d|\s*(?:%|am|pm|st|nd|rd|th|:|/|[a-z]))")
# "wait make that 16 my bf just told me his brothers r coming": a corrected number with no count before it in the
# message is the head count only when the message is about who comes, and not about the time.
_CORRECTED_ALONE = re.compile(_CORRECTION_CUE + r"(?![,.]?\d|\s*(?:%|am\b|pm\b|a\.m|p\.m|o'?clock|st\b|nd\b|rd\b"
                              r"|th\b|ish\b|:|/|-\s*\d|(?:years?|yrs?|y/?o|dollars?|bucks|mins?|minutes?|hours?|hrs?"
                              r"|miles?|days?|weeks?)\b))")
_PEOPLE_COMING = re.compile(r"\b(?:coming|joining|invited|bringing|attending|show(?:ing)?\s+up"
                            r"|can'?t\s+(?:come|make\s+it)|guests?|people|ppl|heads|head\s*count|of\s+us|pax|persons)\b")
_TIME_TALK = re.compile(r"\b(?:later|earlier|time|start|starts|o'?clock|noon|morning|afternoon|evening|tonight"
                        r"|night)\b")

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

# "kids aged 8 and 10 adults": the 10 is not an age (but in "kids: Sam 12\nadults: 10" it is)
_AGE = rf"\d{{1,2}}(?!\d|[^\S\n]*(?:{_PERSON_NOUNS})\b)"
_YEARS = r"(?:\s*(?:years?|yrs?|y/?o)(?:[\s-]*old)?)?"
# What introduces the ages after the kids noun: "who are", "they're (like)", "aged", "ages", "(".
_AGE_CUE = (r"(?:(?:who|that|they|he|she)(?:'re|'s|\s+are|\s+is|\s+r)|theyre|hes|shes|whos|are|is|r|aged?|ages?)\s+"
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
# "3 kids - Maya is 8, Leo is 4 and Ethan just turned 13", "our kids: maya (8) and leo (4)": each kid named with an
# age, in this sentence or the next; taken only when there is one age per kid. The name is a word that is not one of
# the little words that can stand before a number ("and 2 adults", "maybe 3", "total 15").
_NOT_A_KID_NAME = (r"(?!(?:and|or|n|plus|with|the|a|an|of|to|for|at|on|in|by|from|but|so|then|also|only|just|about"
                   r"|around|maybe|like|roughly|approx|nearly|almost|over|under|max|min|total|is|are|was|were|be|r"
                   r"|will|turning|turned|turns|aged?|ages?|who|whos|who's|that|they|theyre|he|hes|she|shes|it|its|um+"
                   r"|uh+)\b)")
_NAMED_AGE = (rf"{_NOT_A_KID_NAME}[a-z][a-z'-]*\s*(?:\(\s*{_AGE}{_YEARS}\s*\)|(?:'s|\s+is|\s+r|\s+was"
              rf"|\s+(?:just\s+|is\s+|will\s+be\s+)?(?:turned|turning|turns)|\s+will\s+be|\s+is\s+almost|\s*,)?\s*"
              rf"(?<![a-z]){_AGE}{_YEARS})")
_NAMED_LIST = re.compile(rf"^\s*(?:[,(:;.!-]|\s)*\s*({_NAMED_AGE}(?:\s*(?:,|;|and|&|\+)\s*(?:and\s+)?{_NAMED_AGE})*)"
                         r"(?!\s*(?:am|pm|:|/|%))")

# "10 adults, 4 kids and 2 under 6": a count followed by an age bound, with no noun.
_BARE_UNDER = re.compile(rf"{_N}\s+(?:(?:of\s+them\s+|of\s+whom\s+|who\s+)?(?:are|is)\s+)?"
                         r"(?:under|below|younger\s+than)\s+(?:the\s+age\s+of\s+|age\s+)?"
                         rf"(?P<age>\d{{1,2}})\b(?!\s*(?:{_PERSON_NOUNS}|years?|yrs?)\b)")

# "the grandchildren, there's four of them": the count after the kids noun.
_THERE_ARE_N = re.compile(r"\s*[,:;-]?\s*(?:there(?:'s|s|\s+(?:is|are|r|will\s+be)|'ll\s+be)|theres)\s+"
                          r"(?<![\d$#/:.,-])(\d{1,2})\s+of\s+(?:them|em)\b")
# The ages told kid by kid after the kids noun: "4 kids. Two of them are seven, one's four, and the baby's, uh, two",
# "The baby is three, Lucas is five and Owen just turned ten". Taken only when they add up to the kids counted.
_NOT_A_NAME = (r"(?!(?:dinner|lunch|party|event|time|start|budget|price|zip|total|address|date|day|number|phone|mine"
               r"|ours|everyone|everybody|each|all|age|my|our|his|her|their|one|1)\b)")
_SPOKEN_AGE = re.compile(
    r"(?:(?<![\d$#/:.,-])(?P<n>\d{1,2})(?:\s+of\s+(?:them|em))?|the\s+other\s+(?P<n2>\d)|(?P<both>both)(?:\s+of\s+them)?"
    r"|(?:1|one|another|the\s+other)(?:\s+one)?"
    r"|the\s+(?:baby|youngest|oldest|eldest|toddler|infant|(?:older|younger|middle|little|big|last)\s+(?:one|1))"
    rf"|{_NOT_A_KID_NAME}{_NOT_A_NAME}[a-z][a-z-]*)"
    r"(?:'s|\s+(?:is|are|r|was)|\s+(?:just\s+|is\s+|will\s+be\s+)?(?:turned|turning|turns)|\s+will\s+be"
    r"|\s+is\s+almost)"
    r"(?:\s*,?\s*(?:uh+|um+|like|about|around|almost|nearly|only|just)\b)*\s*,?\s*"
    rf"(?P<age>{_AGE}){_YEARS}(?![\d\x00]|\s*(?:am|pm|:|/|%|months?|mos?|weeks?)\b)")
_SPOKEN_LEAD = re.compile(r"\s*(?:[,;.!:(-]\s*)?(?:(?:so|well|um+|uh+|like)\b\s*,?\s*)*")
_SPOKEN_SEP = re.compile(r"\s*(?:[,;.!]\s*|\s)(?:(?:and|but|then|plus|&)\s*,?\s*)?")

# "my cousin's baby who's 9 months", "a 10 month old": a baby aged in months or weeks is under 6 (read before the
# durations are blanked out).
_MONTHS_OLD = re.compile(
    r"(?:\b(?:an?|my|our|his|her|their|the|[a-z]+'s)\s+)?\b(?:baby|infant|newborn)\s*,?\s*"
    r"(?:(?:'s|who'?s|who\s+is|that'?s|that\s+is|is|aged?)\s+)?(?:(?:only|just|about|around)\s+)?"
    r"(?<![\d$#/:.,-])(?P<age>\d{1,2})\s*(?P<unit>months?|mos?|weeks?|wks?)(?:[\s-]*old)?\b"
    r"(?!\s*(?:pregnant|along|ago|away|later|from\s+now))"
    r"|\b(?:an?|one|1)\s+(?<![\d$#/:.,-])(?P<age2>\d{1,2})[\s-]*(?P<unit2>months?|mos?|weeks?|wks?)[\s-]*olds?\b")
# "ages 6 and 3" alone (an SMS after "+2 kids"): the ages of kids, one each; only ages of children, two or more, and
# nothing after them but the end of the clause ("ages 21 and up" is no party).
_BARE_AGES = re.compile(rf"(?<![\w\x00])(?:ages?|aged)\s*[:=-]?\s*({_AGE}(?:\s*(?:,|and|&)\s*{_AGE})+)" + _YEARS
                        + r"(?=\s*(?:[.!?;)\n]|$))")
# "there's five of them. Seven, eight, ten, and then the little ones are four and, uh, one": the ages told in a run of
# bare lists, each maybe after "the little ones are"; taken only when they add up to the kids counted.
_FILLER = r"(?:(?:uh+|um+|like|so|well)\b\s*,?\s*)*"
_TOLD_SEP = rf"\s*(?:,|and|&)\s*,?\s*{_FILLER}"
_TOLD_RUN = re.compile(
    rf"\s*,?\s*(?:(?:and|&)\s*,?\s*)?(?:then\s*,?\s*)?{_FILLER}(?:the\s+(?:(?:little|older|younger|big|small|oldest"
    rf"|youngest|other)\s+)?(?:ones?|kids|{_KID_NOUNS})\s+(?:are|r|is)\s+{_FILLER})?"
    rf"(?<![\d$#/:.,-])({_AGE}(?:{_TOLD_SEP}{_AGE})*)(?![\d\x00]|\s*(?:am|pm|:|/|%|years?\s+ago)\b)")
_TOLD_LEAD = re.compile(rf"\s*[.,;:-]?\s*{_FILLER}")
_TOLD_END = re.compile(r"\s*(?:[.!?;\n]|$)")

_UNDER_6_NOUNS = ("toddler", "bab", "infant", "little one", "littles", "lil one")


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
    if match := _NAMED_LIST.match(tail):
        ages = [int(re.search(r"\d{1,2}(?=\D*$)", named.group(0)).group(0))
                for named in re.finditer(_NAMED_AGE, match.group(1))]
        return "named list", ages, match.end()
    return "", [], 0


def _spoken_ages(text: str, pos: int) -> tuple[list[int], int]:
    """The ages told kid by kid from `pos` ("two of them are seven, one's four, and the baby's two" -> [7, 7, 4, 2])
    and where they end; ([], pos) when none is."""
    ages: list[int] = []
    if not (lead := _SPOKEN_LEAD.match(text, pos)) or not (match := _SPOKEN_AGE.match(text, lead.end())):
        return [], pos
    while match:
        age = int(match.group("age"))
        if age > 17:
            return [], pos  # "and mark is 40": not one of the kids
        count = 2 if match.group("both") else int(match.group("n") or match.group("n2") or 1)
        ages += [age] * count
        end = match.end()
        sep = _SPOKEN_SEP.match(text, end)
        match = _SPOKEN_AGE.match(text, sep.end()) if sep else None
    return ages, end


def _ages_told(text: str, pos: int) -> tuple[list[int], int]:
    """The ages told in bare lists from `pos` to the end of a sentence ("7, 8, 10, and then the little ones are 4 and,
    uh, 1" -> [7, 8, 10, 4, 1]) and where they end; ([], pos) when the sentence is not only ages of children."""
    ages: list[int] = []
    end = _TOLD_LEAD.match(text, pos).end()
    while match := _TOLD_RUN.match(text, end):
        ages += [int(age) for age in re.findall(r"\d{1,2}", match.group(1))]
        end = match.end()
    if not ages or max(ages) > 17 or not _TOLD_END.match(text, end):
        return [], pos
    return ages, end


def _count(match: re.Match, *names: str) -> int | None:
    for name in names:
        value = match.groupdict().get(name)
        if value is not None:
            return 1 if not value.isdigit() else int(value)
    return None


class _Tally:
    """Mentions per key: summed within a sentence ("a baby and a 3 year old"), replaced across sentences.

    Kids whose age makes them adults ("our 3 kids are 13, 8 and 4") are `by_age`: always added to the adults the
    message counts, never replacing them ("10 adults. Our 3 kids are 13, 8 and 4" -> 11 adults)."""

    def __init__(self, text: str):
        self.text = text
        self.mentions: dict[str, list[tuple[int, int, int, bool]]] = {}
        self.by_age: dict[str, int] = {}

    def add(self, key: str, start: int, end: int, value: int, *, replaces: bool = False, by_age: bool = False) -> None:
        if by_age and key == "adults":
            self.by_age[key] = self.by_age.get(key, 0) + value
        else:
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
        for key, value in self.by_age.items():
            totals[key] = totals.get(key, 0) + value
        return totals


_NOT_A_PARTY = re.compile(r"\b(?:paid|pay|paying|charged|charge|waited|wait|lasted|lasts|last|lasting)\s+$")


def _is_delta(text: str, start: int) -> bool:
    return bool(_DELTA.search(text[max(0, start - 25):start]))


def extract_counts(scratch: Scratch) -> dict[str, int]:
    tally = _Tally(scratch.text)
    for match in list(_MONTHS_OLD.finditer(scratch.text)):
        months = int(match.group("age") or match.group("age2"))
        unit = match.group("unit") or match.group("unit2")
        if not _is_delta(scratch.text, match.start()) and (months < 72 or unit.startswith("w")):
            tally.add("children_under_6", match.start(), match.end(), 1)
            scratch.consume(*match.span())
    scratch.take(_MONEY)
    text = tally.text = scratch.text
    unaged: list[list[int]] = []  # [start, end, kids not yet given an age] of "3 kids" without ages
    kid_spans: list[tuple[int, int]] = []  # where kids were counted, for "me, hubby and our son (10)"
    spoken_spans: list[tuple[int, int]] = []  # ages told kid by kid: "the baby's two" there is not one more kid
    for match in list(_KIDS.finditer(text)):
        if _is_delta(text, match.start()) or any(start <= match.start() < end for start, end in spoken_spans):
            continue
        count = _count(match, "n", "n2", "article")
        noun = re.sub(r"\s+", " ", (match.group("noun") or "kids").lower())
        kind, ages, used = _ages_after(text[match.end():match.end() + 60])
        multiple = next((size for word, size in _MULTIPLES.items() if noun.startswith(word)), None)
        if count is None and multiple:  # "my twins who are 12": 2 kids aged 12; "twins aged 4 and 9": ?
            if not ages or len(ages) not in ((1, multiple) if kind == "list" else (multiple,)):
                continue
            count = multiple
        spoken_at = match.end()
        if count is None and (them := _THERE_ARE_N.match(text, match.end())):
            count, spoken_at = int(them.group(1)), them.end()  # "the grandchildren, there's four of them"
            kind, ages, used = _ages_after(text[spoken_at:spoken_at + 60])
            used += spoken_at - match.end()
        if not kind and count:
            spoken, spoken_end = _spoken_ages(text, spoken_at)
            if spoken and len(spoken) == count:
                kind, ages, used = "list", spoken, spoken_end - match.end()
                spoken_spans.append((spoken_at, spoken_end))
            elif (told := _ages_told(text, spoken_at))[0] and len(told[0]) == count:
                kind, ages, used = "list", told[0], told[1] - match.end()
                spoken_spans.append((spoken_at, told[1]))
            elif spoken_at > match.end():
                used = spoken_at - match.end()
        if _RELATIVE.match(noun) and not ages or noun == "cousins" and kind == "list" and min(ages) > 12:
            continue  # "my 2 nephews": children or adults, nobody says; "my cousins are 30 and 32": grown-ups
        group = None
        if count is None:
            if kind not in ("list", "named list") or len(ages) < (1 if _SINGULAR.match(noun) else 2):
                continue
            count = len(ages)  # "my kids are 4 and 9", "my son is 8"
            # "9 adults 6 kids, kids r like 4, 7, 9, 10, 11 and 12": the ages of the kids counted before
            group = _aged_group(text, unaged, match.start(), count)
            if group is not None and _MORE_KIDS_BETWEEN.search(text, group[1], match.start()):
                group = None  # "3 kids 7 9 n 11 and my nephew whos 3": one more kid
        if kind in ("bare list", "named list"):
            kind, ages, used = ("list", ages, used) if len(ages) == count else ("", [], 0)
        end = match.end() + used
        if group is not None and kind == "list":
            group[2] -= count
            tally.add("children", group[0], group[1], -count)
            for age in ages:
                tally.add(_key_for_age(age), group[0], group[1], 1, by_age=True)
        elif kind == "list" and len(ages) == count or kind == "list" and len(ages) < count and len(
                {_key_for_age(age) for age in ages}) > 1:
            for age in ages:  # "3 kids ages 4 and 8": the third kid's age is not given, so 6-12 as "kids" reads
                tally.add(_key_for_age(age), match.start(), end, 1, by_age=True)
            if count > len(ages):
                tally.add("children", match.start(), end, count - len(ages))
        elif ages:
            keys = {_key_for_age(age) for age in ages}
            tally.add(keys.pop() if len(keys) == 1 else "children", match.start(), end, count, by_age=True)
        elif noun.startswith(_UNDER_6_NOUNS):
            tally.add("children_under_6", match.start(), end, count)
        else:
            tally.add("children", match.start(), end, count)
            unaged.append([match.start(), end, count])
        scratch.consume(match.start(), end)
        kid_spans.append((match.start(), end))
    for match in list(_BARE_AGES.finditer(scratch.text)):
        ages = [int(age) for age in re.findall(r"\d{1,2}", match.group(1))]
        if max(ages) > 17 or _is_delta(scratch.text, match.start()):
            continue
        if (group := _aged_group(scratch.text, unaged, match.end(), len(ages))) is not None:
            group[2] -= len(ages)  # "3 kids. ages 4 and 8": the ages of two of them
            tally.add("children", group[0], group[1], -len(ages))
            start, end = group[0], group[1]
        else:
            start, end = match.span()
        for age in ages:
            tally.add(_key_for_age(age), start, end, 1, by_age=True)
        scratch.consume(*match.span())
        kid_spans.append(match.span())
    for match in list(_YEAR_OLDS.finditer(scratch.text)):
        if _is_delta(scratch.text, match.start()):
            continue
        key, count = _key_for_age(int(match.group("age"))), _count(match, "n") or 1
        if (group := _aged_group(scratch.text, unaged, match.start(), count)) is not None:
            # "3 kids, 2 are 4 years old": the ages split the kids counted before, they are not more kids
            group[2] -= count
            tally.add("children", group[0], group[1], -count)
            tally.add(key, group[0], group[1], count, by_age=True)
        else:
            tally.add(key, match.start(), match.end(), count, by_age=True)
        scratch.consume(*match.span())
        kid_spans.append(match.span())
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
    # (start, end, guests, a list of everyone: it counts the kids it names)
    guest_mentions: list[tuple[int, int, int | None, bool]] = []
    if listed := guest_list(scratch):
        guest_mentions.append((*listed, True))
    for match in list(_GUESTS.finditer(scratch.text)):
        if _is_delta(scratch.text, match.start()) or (
                match.group("n4") and _NOT_A_PARTY.search(scratch.text[max(0, match.start() - 12):match.start()])):
            continue  # "we paid for 90" (minutes)
        if _count(match, "n", "n2", "n3", "n4") == 1 and _ONE_GUEST_DOES.match(scratch.text, match.end()):
            continue  # "one guest is allergic to shellfish": about a guest, not the party's size
        guest_mentions.append((match.start(), match.end(), _count(match, "n", "n2", "n3", "n4"), False))
        scratch.consume(*match.span())
    guest_mentions.sort()
    if "adults" not in tally.mentions and not guest_mentions and (members := party_members(scratch.text, kid_spans)):
        tally.add("adults", *members)

    for match in list(_BARE_CORRECTION.finditer(scratch.text)):
        earlier = [(end, key) for key, mentions in tally.mentions.items() for _, end, _, _ in mentions
                   if end <= match.start()]
        earlier += [(end, "guests") for _, end, _, _ in guest_mentions if end <= match.start()]
        if earlier:
            key = max(earlier)[1]
            if key == "guests":
                guest_mentions.append((match.start(), match.end(), int(match.group("n")), False))
            else:
                tally.add(key, match.start(), match.end(), int(match.group("n")), replaces=True)
    if not (tally.mentions or tally.by_age or guest_mentions) and _PEOPLE_COMING.search(scratch.text) and not (
            _TIME_TALK.search(scratch.text)) and (match := _CORRECTED_ALONE.search(scratch.text)):
        if 0 < int(match.group("n")) <= 300:  # "make that 16, his brothers r coming": the head count said before
            guest_mentions.append((match.start(), match.end(), int(match.group("n")), False))

    counts = {key: value for key, value in tally.totals().items() if value >= 0}
    if _NO_KIDS.search(text) and "children" not in counts:
        counts["children"] = 0
    kids_included = bool(_KIDS_INCLUDED.search(text))
    by_age = tally.by_age.get("adults", 0)  # kids 13 or over, among the adults
    if guest_mentions:
        start, end, guests, listed = guest_mentions[-1]
        kids = counts.get("children", 0) + counts.get("children_under_6", 0)
        if not counts:
            counts["guests"] = guests
            if kids_included:
                counts["guests_includes_children"] = True
        elif "adults" not in tally.mentions:
            listed = listed and any(start <= kid_start < end for kid_start, _ in kid_spans)  # "4. baby Mia"
            inclusive = (kids_included or listed or _INCLUSIVE.search(text[start:])) and guests > kids + by_age
            counts["adults"] = (guests - kids - by_age if inclusive else guests) + by_age
            if inclusive and kids + by_age:
                counts.update(guests=guests, guests_includes_children=True)
    elif kids_included and _EVERYONE.search(text) and "adults" not in tally.mentions:
        counts["guests_includes_children"] = True  # "for everybody, kids included": the total given before
    if by_age and counts.get("adults"):
        counts["adults_by_age"] = by_age
    return {key: value for key, value in counts.items() if value is not None}


_MORE_KIDS_BETWEEN = re.compile(r"\b(?:and|plus|also|with|n)\b|[+&]")
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
