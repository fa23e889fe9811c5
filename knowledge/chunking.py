"""Split Markdown into heading-scoped chunks of about 500-800 characters with a small overlap."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    heading: str
    text: str


def _sections(markdown: str) -> list[tuple[str, list[str]]]:
    """(heading path, paragraphs) for each section; text before the first heading has an empty heading."""
    sections: list[tuple[str, list[str]]] = []
    path: list[str] = []
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush_paragraph():
        if buffer:
            paragraphs.append("\n".join(buffer).strip())
            buffer.clear()

    def flush_section():
        flush_paragraph()
        if any(paragraphs):
            sections.append((" > ".join(path), [p for p in paragraphs if p]))
        paragraphs.clear()

    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match:
            flush_section()
            level = len(match.group(1))
            path[:] = path[: level - 1] + [match.group(2)]
        elif not line.strip():
            flush_paragraph()
        else:
            buffer.append(line.rstrip())
    flush_section()
    return sections


def _split_long(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    pieces, current = [], ""
    for sentence in _SENTENCE_END.split(paragraph) if "\n" not in paragraph else paragraph.split("\n"):
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip() if "\n" not in paragraph else f"{current}\n{sentence}".strip()
    if current:
        pieces.append(current)
    return [p[i : i + limit] for p in pieces for i in range(0, len(p), limit)]


def _tail(text: str, overlap: int) -> str:
    """The last sentence(s) of `text`, at most `overlap` characters, to repeat at the start of the next chunk."""
    if overlap <= 0:
        return ""
    sentences = _SENTENCE_END.split(text.replace("\n", " "))
    tail = ""
    for sentence in reversed(sentences):
        candidate = f"{sentence} {tail}".strip()
        if len(candidate) > overlap:
            break
        tail = candidate
    return tail


def chunk_markdown(markdown: str, *, max_chars: int = 700, overlap: int = 100) -> list[Chunk]:
    """Chunks never cross a heading; paragraphs are packed up to `max_chars`; a following chunk of the same section
    starts with the last sentence of the previous one when it is shorter than `overlap`."""
    chunks: list[Chunk] = []
    for heading, paragraphs in _sections(markdown):
        pieces = [piece for paragraph in paragraphs for piece in _split_long(paragraph, max_chars)]
        current = ""
        for piece in pieces:
            if current and len(current) + 2 + len(piece) > max_chars:
                chunks.append(Chunk(heading, current))
                tail = _tail(current, overlap)
                current = f"{tail}\n\n{piece}" if tail and len(tail) + 2 + len(piece) <= max_chars else piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
        if current:
            chunks.append(Chunk(heading, current))
    return chunks
