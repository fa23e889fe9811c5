"""Number words to digits ("twenty five adults" -> "25 adults"), so the other rules only deal with digits."""

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
ORDINAL_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30}

_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_TEN = "|".join(sorted(TENS, key=len, reverse=True))
_UNIT_1_9 = "one|two|three|four|five|six|seven|eight|nine"
_BELOW_100 = rf"(?:(?:{_TEN})(?:[\s-]+(?:{_UNIT_1_9}))?|(?:{_UNIT}))"
_NUMBER = re.compile(
    rf"\b(?:(?P<hundreds>{_BELOW_100}|a)\s+hundred(?:\s+(?:and\s+)?(?P<rest>{_BELOW_100}))?|(?P<small>{_BELOW_100}))\b"
    r"(?![\s-]+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b)"  # "twenty-first" is a date
)
_DOZEN = re.compile(r"\b(?:(?P<n>\d{1,2})|a|one)\s+dozen\b|\bhalf\s+(?:a\s+)?dozen\b")

_ORD_UNIT = "|".join(sorted(ORDINAL_UNITS, key=len, reverse=True))
# "fifth", "twenty-first", "thirtieth": the day of a month written out.
ORDINAL_WORD = (rf"(?:(?:twenty|thirty)[\s-]+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                rf"|twentieth|thirtieth|{_ORD_UNIT})")


def _below_100(words: str) -> int:
    parts = re.split(r"[\s-]+", words.strip())
    value = 0
    for part in parts:
        value += TENS.get(part, UNITS.get(part, 0))
    return value


def _replace(match: re.Match) -> str:
    if match.group("small") is not None:
        return str(_below_100(match.group("small")))
    hundreds = match.group("hundreds")
    value = (1 if hundreds == "a" else _below_100(hundreds)) * 100
    if match.group("rest"):
        value += _below_100(match.group("rest"))
    return str(value)


def _replace_dozen(match: re.Match) -> str:
    if match.group(0).startswith("half"):
        return "6"
    return str(int(match.group("n") or 1) * 12)


def words_to_digits(text: str) -> str:
    """Lower-case text with cardinal number words written as digits; ordinals are left for the date rules."""
    return _DOZEN.sub(_replace_dozen, _NUMBER.sub(_replace, text))


def ordinal_value(word: str) -> int | None:
    """1-31 for "5th", "5", "fifth", "twenty-first"; None otherwise."""
    word = word.strip().lower()
    digits = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word)
    if digits:
        return int(digits.group(1))
    parts = re.split(r"[\s-]+", word)
    if len(parts) == 1:
        return ORDINAL_UNITS.get(parts[0], ORDINAL_TENS.get(parts[0]))
    if len(parts) == 2 and parts[0] in TENS and parts[1] in ORDINAL_UNITS:
        return TENS[parts[0]] + ORDINAL_UNITS[parts[1]]
    return None


# A number word of a house number said aloud: "seventy seven fourteen" (77|14), "twenty nine oh five" (29|05).
NUMBER_WORD = rf"(?:{_TEN}|{_UNIT})"
_DIGIT_1_9 = {word: str(value) for word, value in UNITS.items() if 1 <= value <= 9}


def _one_group(words: list[str]) -> int | None:
    """1-99 from one spoken group ("seventy seven", "fourteen", "four"); None when it is not one group."""
    if len(words) == 1 and (words[0] in TENS or words[0] in UNITS):
        return TENS.get(words[0], UNITS.get(words[0]))
    if len(words) == 2 and words[0] in TENS and words[1] in _DIGIT_1_9:
        return TENS[words[0]] + UNITS[words[1]]
    return None


def spoken_house_number(words: str) -> str | None:
    """The digits of a house number said aloud, None when the words are no such number.

    It is said in groups that are written one after the other: "seventy seven fourteen" 7714, "twenty nine oh five"
    2905, "four fifty two" 452, "nineteen oh one" 1901, "four four one zero" 4410; or with hundreds and thousands:
    "twelve hundred" 1200, "five hundred and twelve" 512, "three thousand one" 3001."""
    tokens = [token for token in re.split(r"[\s-]+", words.strip().lower()) if token]
    if not tokens:
        return None
    if "thousand" in tokens or "hundred" in tokens:
        value = 0
        for scale, size in (("thousand", 1000), ("hundred", 100)):
            if scale not in tokens:
                continue
            at = tokens.index(scale)
            head = _one_group(tokens[:at]) if tokens[:at] != ["a"] else 1
            if not head or tokens.count(scale) > 1:
                return None
            value += head * size
            tokens = tokens[at + 1:]
            if tokens[:1] == ["and"]:
                tokens = tokens[1:]
        if tokens:
            rest = _one_group(tokens)
            if rest is None:
                return None
            value += rest
        return str(value)
    digits, at = "", 0
    while at < len(tokens):
        token, following = tokens[at], tokens[at + 1] if at + 1 < len(tokens) else None
        if token in TENS:
            if following in _DIGIT_1_9:
                digits, at = digits + str(TENS[token] + UNITS[following]), at + 2
            else:
                digits, at = digits + str(TENS[token]), at + 1
        elif token in UNITS and (digits or token != "zero"):
            digits, at = digits + str(UNITS[token]), at + 1
        elif token in ("oh", "o") and digits and following in _DIGIT_1_9:   # "nineteen oh one": 19|01
            digits, at = digits + "0" + _DIGIT_1_9[following], at + 2
        else:
            return None
    return digits if 1 <= len(digits) <= 6 else None
