"""City (canonical name) and ZIP code."""

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
                    or _AFTER_STREET.search(before)):
                continue
        found = _ALIASES[alias]
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
