"""City (canonical name) and ZIP code."""

import csv
import re

from .scratch import MASK, Scratch

# Canonical name -> other ways customers write it. The service area (Sacramento, the Bay Area, San Jose) plus the
# places just outside it that people ask about, so that the assistant can say they are outside the area.
CITIES = {
    "San Jose": ["san jose", "san josé", "sanjose", "sj"],
    "San Francisco": ["san francisco", "san fran", "sf"],
    "South San Francisco": ["south san francisco", "south sf", "ssf"],
    "Sacramento": ["sacramento", "sacto", "sac"],
    "West Sacramento": ["west sacramento", "west sac"],
    "Oakland": ["oakland"], "Fremont": ["fremont"], "Berkeley": ["berkeley", "berkley"],
    "Palo Alto": ["palo alto"], "Mountain View": ["mountain view", "mtn view"], "Sunnyvale": ["sunnyvale"],
    "Santa Clara": ["santa clara"], "Cupertino": ["cupertino"], "Milpitas": ["milpitas"], "Hayward": ["hayward"],
    "Union City": ["union city"], "Newark": ["newark"], "Pleasanton": ["pleasanton"], "Livermore": ["livermore"],
    "Dublin": ["dublin"], "San Ramon": ["san ramon"], "Danville": ["danville"], "Walnut Creek": ["walnut creek"],
    "Concord": ["concord"], "Lafayette": ["lafayette"], "Orinda": ["orinda"], "Moraga": ["moraga"],
    "Martinez": ["martinez"], "Pittsburg": ["pittsburg"], "Antioch": ["antioch"], "Brentwood": ["brentwood"],
    "Richmond": ["richmond"], "El Cerrito": ["el cerrito"], "Albany": ["albany"], "Emeryville": ["emeryville"],
    "Alameda": ["alameda"], "San Leandro": ["san leandro"], "Castro Valley": ["castro valley"],
    "Redwood City": ["redwood city"], "San Mateo": ["san mateo"], "Daly City": ["daly city"],
    "San Bruno": ["san bruno"], "Millbrae": ["millbrae"], "Burlingame": ["burlingame"], "Belmont": ["belmont"],
    "San Carlos": ["san carlos"], "Foster City": ["foster city"], "Menlo Park": ["menlo park"],
    "Atherton": ["atherton"], "Woodside": ["woodside"], "Half Moon Bay": ["half moon bay"],
    "Los Altos": ["los altos"], "Los Gatos": ["los gatos"], "Campbell": ["campbell"], "Saratoga": ["saratoga"],
    "Morgan Hill": ["morgan hill"], "Gilroy": ["gilroy"], "Elk Grove": ["elk grove"], "Roseville": ["roseville"],
    "Folsom": ["folsom"], "Davis": ["davis"], "Rancho Cordova": ["rancho cordova"],
    "Citrus Heights": ["citrus heights"], "Rocklin": ["rocklin"], "Vallejo": ["vallejo"], "Napa": ["napa"],
    "Santa Rosa": ["santa rosa"], "Petaluma": ["petaluma"], "San Rafael": ["san rafael"], "Novato": ["novato"],
    "Santa Cruz": ["santa cruz"], "Stockton": ["stockton"], "Modesto": ["modesto"], "Tracy": ["tracy"],
    "Lodi": ["lodi"], "Fresno": ["fresno"], "Lake Tahoe": ["lake tahoe", "south lake tahoe", "tahoe"],
    "Reno": ["reno"], "Monterey": ["monterey"], "Los Angeles": ["los angeles", "la"], "San Diego": ["san diego"],
}
# Words that are also surnames, first names or abbreviations: taken only after "in", "to", "from", ... or before ", CA".
_AMBIGUOUS = {"sj", "sf", "ssf", "sac", "la", "davis", "campbell", "tracy", "dublin", "newark", "concord", "albany",
              "richmond", "martinez", "belmont", "brentwood", "reno", "napa", "alameda", "atherton", "lafayette"}
# Every other city of the service area's ZIP table (bookings/data/service_area_zips.csv: "Mill Valley", "Sonoma",
# "El Dorado Hills"). One-word names, and the few of several words that are also ordinary words or a person's name,
# count only where the text places them, like the surnames above.
_TABLE_AMBIGUOUS = {"glen ellen", "deer park", "walnut grove", "fair oaks", "pilot hill", "birds landing",
                    "valley ford", "travis afb", "san martin", "pope valley", "monte rio"}


def _table_cities() -> set[str]:
    # the ZIP table is bookings' data: the cities read here are exactly the ones a quote can price
    from bookings.service_area import ZIP_TABLE

    with ZIP_TABLE.open(newline="", encoding="utf-8") as handle:
        return {row["city"].strip() for row in csv.DictReader(handle) if row.get("city")}


for _city in sorted(_table_cities() - set(CITIES)):
    _alias = _city.lower()
    if _alias not in {alias for aliases in CITIES.values() for alias in aliases}:
        CITIES[_city] = [_alias]
        if " " not in _alias or _alias in _TABLE_AMBIGUOUS:
            _AMBIGUOUS.add(_alias)
# Right after a street address (blanked out by the address rule): "2250 Santa Clara Ave, Alameda".
_AFTER_STREET = re.compile(MASK + r"[ \t.]*,?[ \t\n]*$")
_PLACE_CUE = re.compile(r"(?:\b(?:in|at|to|from|near|around|of|out|serve|serving|cover|covering|visit)\s+(?:the\s+)?)$")
_STATE_AFTER = re.compile(r"^\s*,?\s*(?:ca\b|california\b|\d{5}\b)")

_ALIASES = {alias: city for city, aliases in CITIES.items() for alias in aliases}
_CITY = re.compile(r"(?<![\w'-])(" + "|".join(re.escape(a) for a in sorted(_ALIASES, key=len, reverse=True)) +
                   r")(?![\w'-])")

# "the zip is 94611, not 94538", "in Oakland not Fremont", "not 94538 but 94611": the value right after "not" (or
# "instead of", "rather than") is the one being corrected away, whichever side of it the right one stands.
REJECTED = re.compile(r"\b(?:not|instead\s+of|rather\s+than)\s+(?:in\s+|the\s+)?(?:zip\s*(?:code)?\s+)?$")


def rejected(text: str, start: int) -> bool:
    """Whether the value at `start` is named only to say it is wrong ("..., not 94538")."""
    return bool(REJECTED.search(text[max(0, start - 25):start]))


_ZIP_CUE = re.compile(r"(?:zip(?:\s*code)?|postal(?:\s*code)?|\bca|california)\W{0,3}$")
_ZIP = re.compile(r"(?<![\d$.,/:-])(\d{5})(?:-\d{4})?(?!\d|[,.]\d|\s*(?:dollars?|usd|bucks)\b)")


def extract_city(scratch: Scratch, *, expected: str | None = None) -> str | None:
    """The last city named; ambiguous words ("davis", "sf") count only where the text places them, or as the answer
    to the location question."""
    found = None
    text = scratch.text
    for match in _CITY.finditer(text):
        alias = match.group(1)
        if rejected(text, match.start()):
            continue
        if alias in _AMBIGUOUS:
            before, after = text[max(0, match.start() - 20):match.start()], text[match.end():match.end() + 15]
            if not (_PLACE_CUE.search(before) or _STATE_AFTER.match(after) or expected == "location"
                    or _AFTER_STREET.search(before) or _LEADS_A_LIST.match(text[match.start():])):
                continue
        found = _ALIASES[alias]
    return found or _misspelt_city(text, expected=expected)


# "Dublin, saturday dec 12 at noon": a place word opening a message of booking details, before a comma.
_LEADS_A_LIST = re.compile(r"(?<![\s\S])[a-z]+\s*,\s*\S")
_WORDS = re.compile(r"[a-z]+")
_FUZZY_SINGLE = sorted(alias for alias in _ALIASES if " " not in alias and len(alias) >= 8)
_MULTI_BY_WORD: dict[str, list[tuple[str, int]]] = {}
for _alias in sorted(alias for alias in _ALIASES if " " in alias):
    for _position, _word in enumerate(_alias.split()):
        _MULTI_BY_WORD.setdefault(_word, []).append((_alias, _position))


def _misspelt_city(text: str, *, expected: str | None) -> str | None:
    """A city written with one typo. A name of several words ("castro vally", "walnut creak") needs one word spelt
    right and the other one edit away (a letter missing, added, changed or two swapped); a long one-word name
    ("sacremento", "pleasonton") only where the text places it ("in", "at", ...) or answers the location question."""
    from .typos import one_edit_apart

    words = [(match.group(), match.start()) for match in _WORDS.finditer(text)]
    found = None
    for index, (word, start) in enumerate(words):
        for alias, position in _MULTI_BY_WORD.get(word, ()):   # a name with this word spelt right
            parts = alias.split()
            begin = index - position
            window = [w for w, _ in words[max(begin, 0):begin + len(parts)]]
            if begin < 0 or len(window) != len(parts) or window == parts:
                continue
            typos = [(w, p) for w, p in zip(window, parts, strict=True) if w != p]
            if (len(typos) == 1 and len(typos[0][1]) >= 4 and one_edit_apart(*typos[0])
                    and typos[0][0] != typos[0][1] + "s" and not rejected(text, words[begin][1])):   # "mountain views"
                found = _ALIASES[alias]
        if len(word) >= 7 and (expected == "location" or _PLACE_CUE.search(text[max(0, start - 20):start])):
            close = [alias for alias in _FUZZY_SINGLE if one_edit_apart(word, alias)]
            if len(close) == 1 and not rejected(text, start):
                found = _ALIASES[close[0]]
    return found


# A ZIP read out digit by digit in a voice transcript ("nine four five three eight" -> "9 4 5 3 8"): exactly five
# single digits, not part of a longer run (a phone number).
_SPOKEN_ZIP = re.compile(r"(?<!\d)(?<!\d\s)(\d)[\s,-]+(\d)[\s,-]+(\d)[\s,-]+(\d)[\s,-]+(\d)(?![\s,-]*\d)")


def extract_zip(scratch: Scratch, *, expected: str | None = None) -> str | None:
    """The last ZIP: a 5-digit Californian code (90000-96199), or any 5 digits right after "zip" or "CA" or as the
    answer to the location question; also read out digit by digit ("9 4 5 3 8")."""
    spoken = None
    for match in list(_SPOKEN_ZIP.finditer(scratch.text)):
        code = "".join(match.groups())
        if 90000 <= int(code) <= 96199:
            spoken = spoken if rejected(scratch.text, match.start()) else code
            scratch.consume(*match.span())
    return _last_written_zip(scratch, expected=expected) or spoken


def _last_written_zip(scratch: Scratch, *, expected: str | None) -> str | None:
    found = None
    for match in list(_ZIP.finditer(scratch.text)):
        code = match.group(1)
        cued = expected == "location" or _ZIP_CUE.search(scratch.text[max(0, match.start() - 15):match.start()])
        if cued or 90000 <= int(code) <= 96199:
            found = found if rejected(scratch.text, match.start()) else code
            scratch.consume(*match.span())
    return found
