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
    r"|swap|switch|change|replace|from)\b"
)
_FILLER = {"the", "any", "our", "my", "out", "or", "and", "of", "eat", "all"}
# "swap shrimp for salmon", "no lobster, just filet": what follows these words is wanted
_NEW_CHOICE = {"for", "with", "to", "into", "instead", "but", "just", "only"}
_EVERYONE = re.compile(r"^\W*(?:\s*\bupgrades?\b)?\s*(?:for|to)\s+(?:all|every|the\s+whole|the\s+entire|each)\b"
                       r"|^\W*(?:\s*\bupgrades?\b)?\s*(?:for\s+)?(?:everyone|everybody)\b")
_PEOPLE = r"(?:people|persons?|ppl|guests?|adults?|kids?|children|of\s+(?:us|them|the\s+\w+)|pax)"
_COUNT_AFTER = re.compile(rf"^(?:\s*upgrades?)?\s*(?:for|x|×)\s*(\d{{1,3}})\b(?!\s*(?:pm|am|:|/|st|nd|rd|th)\b)"
                          rf"(?:\s*{_PEOPLE})?")
# "8 of us want filet", "5 would like the lobster tail", "4 x lobster": the guests an upgrade is for.
_COUNT_BEFORE = re.compile(
    rf"(?:\b(\d{{1,3}})\s+(?:(?:{_PEOPLE}\s+)?(?:want|wants|would\s+like|will\s+have|will\s+get|are\s+getting|get"
    rf"|getting|need)\s+|x\s+|(?:orders?|servings?|portions?|plates?)\s+of\s+)?(?:the\s+|an?\s+)?)$"
)
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
    return len([word for word in words if word not in _FILLER]) <= 2


def extract_proteins(scratch: Scratch) -> list[str]:
    """Protein codes in the order mentioned, leaving out the ones the message rules out."""
    mentions = []
    for code, pattern in PROTEINS.items():
        for match in re.finditer(rf"\b(?:{pattern})\b", scratch.text):
            if not _negated(scratch.text, match.start()):
                mentions.append((match.start(), code))
    return list(dict.fromkeys(code for _, code in sorted(mentions)))


def extract_upgrades(scratch: Scratch) -> dict[str, int | None]:
    """Upgrade code -> guests it is for (None: every guest). Consumes the counts so they are not read as guests."""
    upgrades: dict[str, int | None] = {}
    for code, pattern in UPGRADES.items():
        for match in list(re.finditer(rf"\b(?:{pattern})\b", scratch.text)):
            if _negated(scratch.text, match.start()):
                continue
            count, span = None, [match.start(), match.end()]
            after = scratch.text[match.end():match.end() + 40]
            before = scratch.text[max(0, match.start() - 40):match.start()]
            if _EVERYONE.search(after):
                count = None
            elif found := _COUNT_AFTER.search(after):
                count, span[1] = int(found.group(1)), match.end() + found.end()
            elif (found := _COUNT_BEFORE.search(before)) and found.group(1) and code != "third_protein":
                count, span[0] = int(found.group(1)), match.start() - len(before) + found.start()
            upgrades[code] = count if count else None
            scratch.consume(*span)
    return upgrades


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
