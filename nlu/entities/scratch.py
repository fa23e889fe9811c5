"""The message as the entity rules see it: lower-cased, and blanked out wherever a rule has already used it."""

import re

MASK = "\x00"  # not a word character and not whitespace: `\b` still works and `\s+` cannot jump over a used span
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                         "\u00a0": " "})


class Scratch:
    def __init__(self, text: str):
        self.text = text.translate(QUOTES).lower()

    def consume(self, start: int, end: int) -> None:
        self.text = self.text[:start] + MASK * (end - start) + self.text[end:]

    def take(self, pattern: re.Pattern) -> list[re.Match]:
        """Every match of `pattern`, each blanked out so that later rules do not read it again."""
        matches = list(pattern.finditer(self.text))
        for match in matches:
            self.consume(*match.span())
        return matches

    def rewrite(self, function) -> None:
        """Replace the text wholesale (positions change, so only before any rule keeps positions)."""
        self.text = function(self.text)
