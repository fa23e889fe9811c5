"""Proteins, upgrades and add-ons named in a message, with how many guests or orders they are for."""

import re

from .scratch import Scratch

PROTEINS = {
    "chicken": r"chicken",
    "steak": r"(?:ny|new\s+york)\s+strip(?:\s+steaks?)?|strip\s+steaks?|sirloin|rib[\s-]?eye|steaks?|beef",
    "shrimp": r"shrimps?|prawns?",
    "salmon": r"salmon",
    "scallops": r"scallops?",
    "tofu": r"tofu|bean\s*curd",
}
UPGRADES = {
    "filet_mignon": r"(?<!salmon\s)(?<!fish\s)fill?ets?(?:\s+mignons?)?|mignon",
    "lobster_tail": r"lobsters?(?:\s+tails?)?",
    "third_protein": r"(?:third|3rd|extra|additional|another)\s+proteins?|3\s+proteins",
    "yakisoba_noodles": r"(?:yakisoba|hibachi|fried)\s+noodles|yakisoba|noodles|lo\s*mein",
}
ADDONS = {
    "gyoza": r"gyozas?|pot\s*stickers?|dumplings?",
    "edamame": r"edamames?",
}

# "no shrimp", "allergic to shrimp or scallops", "swap the steak for ...", "remove the lobster": not wanted.
_NEGATOR = re.compile(
    r"\b(?:no|not|without|except|minus|skip|hold|remove|drop|exclude|cancel|instead\s+of|rather\s+than"
    r"|allerg(?:ic|y|ies)(?:\s+to)?|(?:don'?t|doesn'?t|do\s+not|does\s+not|can'?t|cannot|won'?t)\s+(?:eat|want|like|do)"
    r"|swap|switch|change|replace|from|none|nobody|noone)\b"
)
_FILLER = {"the", "any", "our", "my", "out", "or", "and", "of", "eat", "all"}
# "swap shrimp for salmon", "no lobster, just filet": what follows these words is wanted
_NEW_CHOICE = {"for", "with", "to", "into", "instead", "but", "just", "only"}
# "filet for everyone", "lobster, everybody": within the sentence ("... a third protein. Everyone else is fine" is not).
_EVERYONE = re.compile(r"^[^\w.!?;\n]*(?:\s*\bupgrades?\b)?\s*(?:for|to)\s+(?:all|every|the\s+whole|the\s+entire"
                       r"|each)\b|^[^\w.!?;\n]*(?:\s*\bupgrades?\b)?\s*(?:for\s+)?(?:everyone|everybody)\b(?!\s+else)")
_PEOPLE = r"(?:people|persons?|ppl|guests?|adults?|kids?|children|of\s+(?:us|them|the\s+\w+)|pax)"
_COUNT_AFTER = re.compile(rf"^(?:\s*upgrades?)?\s*(?:for|x|×)\s*(\d{{1,3}})\b(?!\s*(?:pm|am|:|/|st|nd|rd|th)\b)"
                          rf"(?:\s*{_PEOPLE})?")
# "4 x lobster", "2 orders of filet", "6 lobster tails": a number right before the upgrade.
_COUNT_BEFORE = re.compile(
    r"(?:\b(\d{1,3})\s+(?:x\s+|(?:orders?|servings?|portions?|plates?)\s+of\s+)?(?:the\s+|an?\s+)?)$"
)

# Who takes an upgrade, as the subject of the sentence: "Six people on the leadership team have asked for the filet",
# "ten of the adults would like a third protein", "half of us want lobster", "everyone wants filet". Number words are
# digits by now ("a dozen" -> 12).
_WHO = (r"(?:people|persons?|ppl|folks|guests?|adults?|grown[\s-]?ups|kids?|children|guys|gals|ladies|men|women"
        r"|dudes|friends|co-?workers|colleagues|employees|members|attendees|pax|heads|eaters|diners|ones)")
_GROUP = (r"(?:\s+of\s+(?:us|them|you|y'all|those|these|whom|which"
          r"|(?:the|our|my|your|their|his|her)(?:\s+[\w'-]+){1,3}?)"
          rf"|(?:\s+[\w'-]+)?\s+{_WHO})")
_NOT_QUALIFIER = r"(?:and|but|or|so|then|we|i|you|they|he|she|it|us|also|plus|while)"
# "on the leadership team", "from accounting", "(the big eaters)", ", who are big eaters,"
_QUALIFIER = (rf"(?:\s+(?:on|in|at|from|with|who|that|which)(?:\s+(?!{_NOT_QUALIFIER}\b)[\w'\x00-]+){{1,5}}?"
              r"|\s*\([^()\n]{1,60}\)|\s*,\s*(?:who|that|which)\s[^,.;!?\n]{1,50},"
              r"|\s*,\s*(?:the|mostly|mainly|mainly\s+the|mostly\s+the|all)\s[^,.;!?\n\d]{1,30},)?")   # ", the guys mostly,"
_ADVERBS = r"(?:\s+(?:also|all|both|really|actually|probably|definitely|def|prob|just|still|each|too|do|did))*"
_WANT = (r"(?:(?:who|that)\s+)?(?:want(?:s|ed)?|wanting|got|(?:would|'d|d)\s+(?:like|love|prefer|want)|prefers?|likes?"
         r"|loves?|needs?|gets?|getting|take|taking|(?:will|'ll|are\s+going\s+to|are\s+gonna|gonna|wanna|want\s+to"
         r"|(?:would|'d)\s+(?:like|love)\s+to|plan\s+to|can|could|should|may|might)\s+(?:have|get|take|do|want|try|add"
         r"|go\s+(?:for|with)|upgrade\s+to|switch\s+to|order)"
         r"|(?:are|were|be)\s+(?:getting|having|doing|taking|going\s+(?:for|with)|interested\s+in|in\s+for|requesting"
         r"|asking\s+for|upgrading\s+to|switching\s+to|ordering)"
         r"|(?:have|has|had|'ve)\s+(?:asked\s+for|requested|ordered|chosen|picked|opted\s+for|selected|gone\s+(?:for|with))"
         r"|asked\s+for|requests?|requested|orders?|ordered|chose|picked|opted\s+for|selected|went\s+(?:for|with)"
         r"|go(?:ing)?\s+(?:for|with)|upgrad(?:e|ed|ing)\s+to|switch(?:ed|ing)?\s+to|eat|have|having)")
_FILLERS = (r"(?:\s+(?:like|maybe|also|just|probably|definitely|prob|def|um+|uh+))*"
            r"(?:\s+(?:an?\s+)?upgrade(?:d)?\s+to)?(?:\s+(?:the|a|an|some|that|those))?\s*$")
_SUBJECT = re.compile(
    r"(?:(?<![\d$#/:.,-])\b(?P<n>\d{1,3})(?![\d:/])"
    r"|\b(?P<both>both)(?=\s+of\s+(?:us|them))"
    r"|\b(?P<half>half)(?:\s+of)?(?:\s+(?P<half_of>us|them|you|everyone|everybody"
    r"|(?:the|our|my|your|their)(?:\s+[\w'-]+){1,3}?))?"
    r"|\b(?P<vague>some|a\s+few|few|several|a\s+couple|couple|a\s+handful|handful|a\s+bunch|bunch|many|most|lots|a\s+lot"
    r"|a\s+number|not\s+everyone|not\s+everybody|not\s+all|others|the\s+others|other\s+people|the\s+rest|the\s+remaining"
    r"|everyone\s+else|everybody\s+else|all\s+the\s+others|a\s+(?:small\s+)?group|a\s+(?:small\s+)?table)"
    r"|\b(?P<party_part>(?:all\s+(?:of\s+)?)?(?:the|our|my)\s+(?:adults|grown[\s-]?ups|kids|children|little\s+ones))"
    r"|\b(?P<all>(?:everyone|everybody)(?!\s+else)|all\s+of\s+(?:us|them|you)|we\s+all|they\s+all|all(?!\s+the\s+others)"
    r"|the\s+whole\s+(?:group|party|crew|team|family|table|gang)|the\s+entire\s+(?:group|party|crew|team|family|table)"
    r"|each\s+(?:guest|person|adult|of\s+us)))"
    rf"(?P<group>{_GROUP})?{_QUALIFIER}{_ADVERBS}\s+{_WANT}{_FILLERS}"
)
# "upgrade 6 people to the filet"
_UPGRADE_WHO = re.compile(rf"\bupgrade\s+(?<![\d$#/:.,-])(?P<n>\d{{1,3}})(?![\d:/])(?P<group>{_GROUP})?\s+to"
                          r"(?:\s+(?:the|a|an))?\s*$")
# "we're 12 adults who want filet", "a quote for 10 people who want lobster", "10 adults and 3 kids who want noodles",
# "we have 2 kids who want noodles": the number also gives the party (or the children), so it is left for the party
# rules to read.
_PARTY_BEFORE = re.compile(r"(?:\bfor|\bwe\s+are|\bwe're|\bwe'll\s+be|\bwe\s+will\s+be|\bthere\s+will\s+be"
                           r"|\bthere'll\s+be|\bparty\s+of|\btotal\s+of)\s+(?:about|around|like|maybe|roughly"
                           r"|approximately|~)?\s*$")
_KIDS_GIVEN = re.compile(r"(?:\b\d{1,3}\s+(?:adults?|grown[\s-]?ups)\s*(?:,|and|&|\+|plus|with)\s*(?:and\s+|plus\s+)?"
                         r"|\b(?:we\s+(?:have|got)|we've\s+got|with|plus)\s+)$")
# "everyone but 2 want filet": a number we do not know.
_ALL_BUT = re.compile(r"\b(?:but|except|other\s+than|besides|apart\s+from|minus|not)\s*$")
# "lobster for half of us", "noodles for the kids", "filet for some of the guys", "noodles for the rest": a share of
# the party or an unknown number.
_SHARE_AFTER = re.compile(
    r"^(?:\s*upgrades?)?\s*for\s+(?:(?P<half>half)(?:\s+of)?(?:\s+(?P<half_of>us|them|you|everyone|everybody"
    r"|(?:the|our|my|your|their)(?:\s+[\w'-]+){1,3}?))?"
    r"|(?P<party_part>(?:all\s+(?:of\s+)?)?(?:the|our|my)\s+(?:adults|grown[\s-]?ups|kids|children|little\s+ones))"
    r"|(?P<vague>some|a\s+few|few|several|a\s+couple|couple|a\s+handful|handful|a\s+bunch|many|most|others|the\s+others"
    r"|the\s+rest|the\s+remaining|everyone\s+else|everybody\s+else|not\s+everyone|not\s+all))\b"
)
# Upgrades listed together share the number: "6 want filet and lobster", "filet and lobster for 6".
_LIST_GAP = re.compile(r"^\s*(?:,|and|&|\+|plus|as\s+well\s+as)?\s*(?:,\s*)?(?:and\s+)?(?:the\s+|an?\s+|some\s+)?$")
_ORDER_COUNT_BEFORE = re.compile(
    r"(?:\b(\d{1,2}|an?|one|couple(?:\s+of)?|double)\s+(?:x\s+)?(?:(?:orders?|servings?|plates?|portions?|sides?|bowls?"
    r"|trays?)\s+(?:of\s+)?)?(?:the\s+)?(?:extra\s+)?)$"
)
_ORDER_COUNT_AFTER = re.compile(r"^\s*(?:x|×)\s*(\d{1,2})\b|^\s*\(\s*(\d{1,2})\s*\)(?!\s*(?:pieces|pcs))")


def _negated(text: str, start: int) -> bool:
    clause = re.split(r"[.!?;\n\x00]", text[max(0, start - 45):start])[-1]
    negators = list(_NEGATOR.finditer(clause))
    if not negators:
        return False
    words = re.findall(r"[a-z0-9']+", clause[negators[-1].end():])
    if _NEW_CHOICE.intersection(words):
        return False
    if negators[-1].group() == "from" and re.search(rf"\b{_WHO}\s*$", clause[:negators[-1].start()]):
        return False  # "3 colleagues from accounting want the lobster": where they are from
    return len([word for word in words if word not in _FILLER]) <= 2


def extract_proteins(scratch: Scratch) -> list[str]:
    """Protein codes in the order mentioned, leaving out the ones the message rules out."""
    mentions = []
    for code, pattern in PROTEINS.items():
        for match in re.finditer(rf"\b(?:{pattern})\b", scratch.text):
            if not _negated(scratch.text, match.start()):
                mentions.append((match.start(), code))
    return list(dict.fromkeys(code for _, code in sorted(mentions)))


# A share of the party, counted once the party is known (`upgrade_guests`): (the groups it is taken from, divisor).
SHARES = {"half": (("adults", "children"), 2), "half_adults": (("adults",), 2), "half_children": (("children",), 2),
          "adults": (("adults",), 1), "children": (("children",), 1)}
_ADULT_WORDS = re.compile(r"\b(?:adults?|grown[\s-]?ups|grownups)\b")
_KID_WORDS = re.compile(r"\b(?:kids?|children|little\s+ones)\b")
_UNKNOWN = "unknown"  # "some of us want lobster": wanted, by a number of guests the message does not give
_UNSAID = "unsaid"  # no number at all: every guest unless an upgrade listed with it gives one


def _share(found: re.Match) -> str:
    """"half", "half_adults", "half_children", "adults" or "children" (see SHARES)."""
    if found.groupdict().get("half"):
        of = found.group("half_of") or ""
        return "half_adults" if _ADULT_WORDS.search(of) else "half_children" if _KID_WORDS.search(of) else "half"
    return "adults" if _ADULT_WORDS.search(found.group("party_part")) else "children"


def _count_of(found: re.Match) -> int | str | None:
    """What a matched subject or "for ..." phrase says: a number, a share of the party (SHARES), None for
    everyone, or _UNKNOWN ("some", "a few", "the rest": a number we do not guess)."""
    groups = found.groupdict()
    if groups.get("n"):
        return int(groups["n"]) or _UNKNOWN
    if groups.get("both"):
        return 2
    if groups.get("half") or groups.get("party_part"):
        return _share(found)
    if groups.get("vague"):
        return _UNKNOWN
    return None


def _clause_before(text: str, start: int, width: int = 110) -> str:
    """The text of the sentence (and clause after a semicolon) before `start`, at most `width` characters."""
    return re.split(r"[.!?;\n]", text[max(0, start - width):start])[-1]


def _upgrade_count(text: str, code: str, start: int, end: int) -> tuple[int | str | None, list[int], str]:
    """The guests the upgrade mentioned at text[start:end] is for, the span that says so, and where it was said:
    "after" ("filet for 6"), "subject" ("6 of us want filet") or "" (nothing said: _UNSAID)."""
    after = text[end:end + 40]
    before = _clause_before(text, start)
    if found := _SHARE_AFTER.search(after):
        return _count_of(found), [start, end + found.end()], "after"
    if _EVERYONE.search(after):
        return None, [start, end], "after"
    if found := _COUNT_AFTER.search(after):
        return int(found.group(1)) or _UNKNOWN, [start, end + found.end()], "after"
    if (found := _SUBJECT.search(before) or _UPGRADE_WHO.search(before)) is not None:
        first, number = start - len(before) + found.start(), found.groupdict().get("n")
        if number and _ALL_BUT.search(text[max(0, first - 15):first]):
            return _UNKNOWN, [first, end], "subject"
        if number and (_PARTY_BEFORE.search(text[max(0, first - 30):first]) or (
                _KID_WORDS.search(found.group("group") or "") and _KIDS_GIVEN.search(text[max(0, first - 30):first]))):
            return _count_of(found), [start, end], "subject"
        return _count_of(found), [first, end], "subject"
    if (found := _COUNT_BEFORE.search(text[max(0, start - 40):start])) and found.group(1) and code != "third_protein":
        return int(found.group(1)) or _UNKNOWN, [start - len(text[max(0, start - 40):start]) + found.start(), end], ""
    return _UNSAID, [start, end], ""


def extract_upgrades(scratch: Scratch) -> dict[str, int | str | None]:
    """Upgrade code -> guests it is for: a number, None for every guest, or a share of the party still to be counted
    ("half" of the paying guests, "half_adults", "half_children", "adults", "children": see SHARES and
    `upgrade_guests`). An upgrade wanted by a number of guests the message does not give ("some of us want lobster",
    "the rest") is left out rather than guessed. Consumes the counts so they are not read as the party ("Six people
    on the leadership team want filet" is not a party of 6)."""
    mentions = []
    for code, pattern in UPGRADES.items():
        for match in re.finditer(rf"\b(?:{pattern})\b", scratch.text):
            if not _negated(scratch.text, match.start()):
                mentions.append([match.start(), match.end(), code])
    mentions.sort()
    said = []
    for start, end, code in mentions:
        count, span, where = _upgrade_count(scratch.text, code, start, end)
        said.append([code, count, where])
        scratch.consume(*span)
    # Upgrades listed together share the number said before or after the list: "6 of us want filet and lobster",
    # "filet and lobster for 6 people".
    for index in range(1, len(said)):
        if said[index][1] == _UNSAID and said[index - 1][2] == "subject" and _listed(scratch, mentions, index - 1):
            said[index][1:] = said[index - 1][1:]
    for index in range(len(said) - 2, -1, -1):
        if said[index][1] == _UNSAID and said[index + 1][2] == "after" and _listed(scratch, mentions, index):
            said[index][1:] = said[index + 1][1:]
    # The last number said for an upgrade wins; naming it again without one ("what does the filet add per person?")
    # keeps that number. Named only without a number, it is for everyone.
    counts: dict[str, int | str | None] = {}
    for code, count, _ in said:
        if count != _UNSAID or code not in counts:
            counts[code] = count
    return {code: None if count == _UNSAID else count for code, count in counts.items() if count != _UNKNOWN}


def _listed(scratch: Scratch, mentions: list, index: int) -> bool:
    """Whether mention `index` and the next one are listed together ("filet and lobster")."""
    return bool(_LIST_GAP.match(scratch.text[mentions[index][1]:mentions[index + 1][0]]))


def upgrade_guests(upgrades: dict, *, adults: int, children: int) -> dict[str, int | None]:
    """`upgrades` as `extract_upgrades` gives them, with a share of the party as a number of guests (half of an odd
    number rounded up); a share of a party not known yet is left out (nothing to count it from)."""
    party = {"adults": adults or 0, "children": children or 0}
    guests: dict[str, int | None] = {}
    for code, count in upgrades.items():
        if isinstance(count, str):
            groups, divisor = SHARES.get(count, ((), 1))
            if share := (sum(party[key] for key in groups) + divisor - 1) // divisor:
                guests[code] = share
        else:
            guests[code] = count
    return guests


def extract_addons(scratch: Scratch) -> dict[str, int]:
    """Add-on code -> number of orders ("2 orders of gyoza" -> 2; no number -> 1)."""
    addons: dict[str, int] = {}
    for code, pattern in ADDONS.items():
        for match in list(re.finditer(rf"\b(?:{pattern})\b", scratch.text)):
            if _negated(scratch.text, match.start()):
                continue
            quantity, span = 1, [match.start(), match.end()]
            before = scratch.text[max(0, match.start() - 40):match.start()]
            after = scratch.text[match.end():match.end() + 12]
            if found := _ORDER_COUNT_AFTER.search(after):
                quantity, span[1] = int(found.group(1) or found.group(2)), match.end() + found.end()
            elif (found := _ORDER_COUNT_BEFORE.search(before)) and found.group(1):
                word = found.group(1)
                quantity = int(word) if word.isdigit() else 2 if word.startswith(("couple", "double")) else 1
                span[0] = match.start() - len(before) + found.start()
            addons[code] = max(quantity, 1)
            scratch.consume(*span)
    return addons
