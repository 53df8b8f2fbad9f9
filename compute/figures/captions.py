"""Caption-style panel titles: "(a) L2, λ = 0.2", wrapped at spaces outside formulas."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from compute.figures.panels import Panel


def visible_length(text: str) -> int:
    """Characters a title shows: mathtext's dollars, braces and commands (``\\lambda``) count
    as one character or none."""
    text = re.sub(r"\\[a-zA-Z]+", "x", text)
    return len(re.sub(r"[${}^_]", "", text))


OPERATORS = frozenset("−-+=≤≥<>≠≈×·÷/→←↦∈∉⊂±∓∼~|")
"""Characters of a formula's operators: a word made of them only ("−", "=", "≤") is glued to
the words on both sides, so "(1 − uv)²" and "φ = relu" never break (nor does mathtext)."""


def is_operator(word: str) -> bool:
    """``word`` is an operator of a formula written in Unicode ("−", "≤", "->")."""
    return bool(word) and all(c in OPERATORS for c in word)


def wrap(text: str, chars: int) -> list[str]:
    """``text`` broken at spaces outside formulas (mathtext, and Unicode around an operator)
    into lines of about ``chars`` characters."""
    words: list[str] = []
    for i, piece in enumerate(text.split("$")):
        inside = i % 2 == 1
        if inside:  # a formula stays one word, glued to what precedes it without a space
            words.append(
                ("" if not words or text.split("$")[i - 1].endswith(" ") else words.pop())
                + f"${piece}$"
            )
        else:
            head, *rest = piece.split(" ")
            if words and head:
                words[-1] += head
            elif head:
                words.append(head)
            words += [w for w in rest if w]
    glued: list[str] = []
    for i, word in enumerate(words):
        if glued and (is_operator(word) or is_operator(words[i - 1])):
            glued[-1] += " " + word
        else:
            glued.append(word)
    lines: list[str] = []
    for word in glued:
        if lines and visible_length(lines[-1]) + 1 + visible_length(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def titles(panels: Sequence[Panel], labels: bool, chars: int) -> list[str]:
    """Caption-style titles: the mode in words ("plain", "L2, λ = 0.2"), preceded by the
    scenario in words where panels show different scenarios (or there is one panel, or the
    modes alone would not tell the panels apart), wrapped
    to ``chars`` characters, labelled (a), (b), … when ``labels``."""
    subjects = {p.subject for p in panels if p.subject}
    same_titles = len({p.title for p in panels}) == 1
    show_subject = len(panels) == 1 or len(subjects) > 1 or same_titles
    out = []
    for i, p in enumerate(panels):
        parts = [p.subject] if show_subject and p.subject else []
        if p.title and (p.title != "plain" or not parts):
            parts.append(p.title)
        text = ", ".join(parts)
        if labels:
            text = f"({string.ascii_lowercase[i]}) {text}".rstrip()
        out.append("\n".join(wrap(text, chars)))
    return out
