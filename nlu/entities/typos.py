"""Misspelt party nouns after a count ("14 adlts", "3 chidlren", "20 peopel") written correctly, so that the count
rules, which need the noun, read them.

Only a word right after a number is corrected: there the customer is counting people, so a near miss of a party noun
means that noun, while elsewhere it may be another word ("guess", "kits"). Long nouns take one edit (a letter
missing, added, changed, or two letters swapped); "kids", too short for that, only a swap or a doubled letter.
"""

import re

_LONG_NOUNS = ("adult", "adults", "child", "children", "guest", "guests", "people", "person", "persons")
_SHORT_NOUNS = ("kids",)
_REAL_WORDS = {"chili", "chile", "chill", "quest", "quests", "pupils"}  # one edit from a party noun, but words
_AFTER_A_COUNT = re.compile(r"(?<![\w$.,:/-])(\d{1,3}\+?\s+)([a-z]{3,10})\b")


def one_edit_apart(word: str, noun: str) -> bool:
    """Damerau-Levenshtein distance 1: one letter missing, added or changed, or two neighbours swapped."""
    if abs(len(word) - len(noun)) > 1 or word == noun:
        return False
    if len(word) == len(noun):
        diffs = [i for i, (a, b) in enumerate(zip(word, noun, strict=True)) if a != b]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and word[diffs[0]] == noun[diffs[1]] and word[diffs[1]] == noun[diffs[0]])
    shorter, longer = sorted((word, noun), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _swapped_or_doubled(word: str, noun: str) -> bool:
    swapped = any(noun[:i] + noun[i + 1] + noun[i] + noun[i + 2:] == word for i in range(len(noun) - 1))
    doubled = any(noun[:i + 1] + noun[i:] == word for i in range(len(noun)))
    return swapped or doubled


def party_noun(word: str) -> str | None:
    """The party noun `word` misspells, or None when it is one already or is not close to one."""
    if word in _LONG_NOUNS or word in _SHORT_NOUNS or word in _REAL_WORDS:
        return None
    if len(word) >= 4:
        close = [noun for noun in _LONG_NOUNS if one_edit_apart(word, noun)]
        if close:
            return min(close, key=lambda noun: abs(len(noun) - len(word)))
    return next((noun for noun in _SHORT_NOUNS if _swapped_or_doubled(word, noun)), None)


def _fix(match: re.Match) -> str:
    return match.group(1) + (party_noun(match.group(2)) or match.group(2))


def fix_party_typos(text: str) -> str:
    """Lower-case `text` with the party nouns after a count spelt right ("14 adlts" -> "14 adults")."""
    return _AFTER_A_COUNT.sub(_fix, text)
