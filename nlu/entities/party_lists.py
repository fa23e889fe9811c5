"""A party given without counts: a guest list one name a line ("1. Alicia Gomez ... 14. me"), or a party named person
by person ("it's just me, hubby, my parents and our son (10)"). Used by `counts.extract_counts`."""

import re

from .scratch import Scratch

# A guest list: "here's the guest list:\n1. Alicia Gomez\n2. ...\n14. me" is 14 guests, one a line.
_GUEST_LIST_CUE = re.compile(
    r"\b(?:guest|invite|invitation|rsvp|attendee|people)s?\s*list\b|\blist\s+of\s+(?:guests|people|attendees|names)\b"
    r"|\b(?:who'?s|whos|who\s+is|everyone|everybody|people)\s+(?:coming|attending)\b|\battendees\b|\bguests\s*:")
_LIST_ITEM = re.compile(r"^[ \t]*(?:(?P<n>\d{1,3})[.)]|[-*\u2022])[ \t]+(?P<item>[^\n]*\S)", re.M)
# An item that is more than one person ("Bob & Sue", "the Lees + 2", "Ann and family") makes the list no count.
_GROUP_ITEM = re.compile(r"&|\+|\b(?:and|n|plus|family|families|couple|kids|children|group)\b|\d")
# "...\n3. Cy\n+ a few maybe": more people than the list names.
_MORE_AFTER_LIST = re.compile(r"\s*(?:\+|plus\b|&|also\b|and\s+(?:a\s+few|some|maybe|more|others)\b)(?!\s*\x00)")

# The party named person by person: "me, hubby, my parents and our son (10)" -> 4 adults (the son is counted as a
# kid before); "it's just me and my wife". Every item must be one of these, else the party is not guessed.
_POSSESSIVE = r"(?:(?:my|our|his|her|the|a)\s+)?"
_ONE_ADULT = (r"me|myself|i|hubby|husband|wife|wifey|partner|spouse|bf|gf|boyfriend|girlfriend|fianc[e\u00e9]e?"
              r"|mom|mum|mommy|mother|mama|dad|daddy|father|papa|sister|brother|sis|bro|grandma|grandpa|grandmother"
              r"|grandfather|aunt|auntie|uncle|(?:mother|father|sister|brother)[\s-]in[\s-]law|best\s+friend|bff|friend"
              r"|roommate|boss")
_TWO_ADULTS = r"parents|grandparents|in[\s-]?laws"
_MEMBER = rf"{_POSSESSIVE}(?:(?:{_ONE_ADULT}|{_TWO_ADULTS})\b|\x00+)"
_MEMBER_SEP = r"\s*(?:,\s*(?:(?:and|n|plus)\s+|[&+]\s*)?|\s(?:and|n|plus)\s+|[&+]\s*)"
_MEMBERS = re.compile(rf"(?<![\w\x00']){_MEMBER}(?:{_MEMBER_SEP}{_MEMBER})+(?![\w\x00'])")
_MEMBERS_CUE_BEFORE = re.compile(
    r"(?:\b(?:party|group|guests?|head\s*count|count|coming|attending|it'?s|its|it\s+is|it'?ll\s+be|it\s+will\s+be"
    r"|we'?re|we\s+are|we'?ll\s+be|we\s+will\s+be|just|only|for|of)\b|[:-])"
    r"(?:[^\w\x00]|\b(?:lol|haha+|lmao|like|basically|just|only|gonna\s+be|going\s+to\s+be|will\s+be|be|is|it'?s|its"
    r"|really|literally)\b)*$")
_MEMBERS_CUE_AFTER = re.compile(r"^\s*(?:will\s+be|'ll\s+be|are|r)\s+(?:coming|there|attending|joining|eating)\b"
                                r"(?=\s*(?:[.!?;)\n]|$|(?:lol|haha+|lmao)\b))")
# What may follow the party: the end of the clause, or words that do not name more people ("me and my wife on Dec 12").
_MEMBERS_END = re.compile(r"^\s*(?:[.!?;,:)\n\x00]|$|(?:lol|haha+|lmao|on|at|in|this|next|will|are|r|coming|only"
                          r"|total|please|pls|plz|thanks|thx|so)\b)")
_MORE_MEMBERS = re.compile(r"^\s*(?:,\s*)?(?:and|n|plus|with|w/|[&+])(?!\w)|^\s*,\s*\w")
_LEADING_SEP = re.compile(r"(?:,|\band|\bn|\bplus|\bwith|&|\+)\s*$")


def guest_list(scratch: Scratch) -> tuple[int, int, int] | None:
    """(start, end, guests) of a list of the guests one a line, numbered 1, 2, 3... or bulleted, after a cue that it
    is the guest list; None when an item is more than one person."""
    text = scratch.text
    if not (cue := _GUEST_LIST_CUE.search(text)):
        return None
    items = list(_LIST_ITEM.finditer(text, cue.end()))
    numbered = [item for item in items if item.group("n")]
    if numbered:
        run = []
        for item in numbered:
            if run and int(item.group("n")) == 1:
                break  # another list after the guests
            if int(item.group("n")) != len(run) + 1:
                return None  # "1. Ann 2. Bob 4. Cy": which is it?
            run.append(item)
        items = run
    if len(items) < 2 or any(_GROUP_ITEM.search(item.group("item")) for item in items) or (
            _MORE_AFTER_LIST.match(text, items[-1].end())):
        return None
    for item in items:
        scratch.consume(item.start(), item.start("item"))
    return items[0].start(), items[-1].end(), len(items)


def party_members(text: str, kid_spans: list[tuple[int, int]]) -> tuple[int, int, int] | None:
    """(start, end, adults) of a party named person by person ("it's just me, hubby and my parents"), where every
    item is a grown-up the rules know (me, a partner, a parent, a sibling...: one each; "my parents": two) or kids
    counted before ("our son (10)"); None when the party is not named so, or an item is not one of these."""
    for match in _MEMBERS.finditer(text):
        before = re.split(r"[.!?;\n]", text[:match.start()])[-1]
        after = text[match.end():]
        if _LEADING_SEP.search(before) or _MORE_MEMBERS.match(after) or not _MEMBERS_END.match(after) or not (
                _MEMBERS_CUE_BEFORE.search(before) or _MEMBERS_CUE_AFTER.match(after)):
            continue
        adults, me, valid = 0, False, True
        for item in re.finditer(_MEMBER, match.group(0)):
            word = re.sub(rf"^{_POSSESSIVE}", "", item.group(0))
            if word.startswith("\x00"):
                start = match.start() + item.start() + (len(item.group(0)) - len(word))
                valid = valid and any(s <= start and start + len(word) <= e for s, e in kid_spans)
            elif re.fullmatch(_TWO_ADULTS, word):
                adults += 2
            elif re.fullmatch(r"me|myself|i", word):
                adults, me = adults + (not me), True
            else:
                adults += 1
        if valid and adults:
            return match.start(), match.end(), adults
    return None
