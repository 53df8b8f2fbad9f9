"""Captions in words: a session's modes, parameters and optimizers as a paper would write them.

Each function returns ``Words(text, math)``: ``text`` in Unicode for sidecars and legends of
other tools, ``math`` with matplotlib mathtext for figures (``$\\lambda = 0.2$``), never an
internal id (``shamir (eps=1) · L2 λ=0.2``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compute.dynamics.optimizers import RunConfig
from compute.objectives.modes import Ball, Box, Modes

PARAM_SYMBOLS = {
    # parameter name: (unicode, mathtext)
    "eps": ("ε", r"\varepsilon"),
    "hidden": ("h", "h"),
    "dim": ("d", "d"),
    "depth": ("l", "l"),
    "samples": ("N", "N"),
    "noise": ("σ", r"\sigma"),
    "teacher_norm": ("‖W*‖", r"\|W^*\|"),
    "init_norm": ("‖W₀‖", r"\|W_0\|"),
    "m11": ("M₁₁", "M_{11}"),
    "m12": ("M₁₂", "M_{12}"),
    "m22": ("M₂₂", "M_{22}"),
    "phi": ("φ", r"\varphi"),
}
OPTIMIZER_NAMES = {
    "gd": "GD",
    "momentum": "heavy ball",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "newton": "Newton",
}


@dataclass(frozen=True)
class Words:
    """The same caption as Unicode ``text`` and as matplotlib mathtext ``math``."""

    text: str
    math: str

    def __add__(self, other: Words) -> Words:
        if not self.text:
            return other
        if not other.text:
            return self
        return Words(f"{self.text}, {other.text}", f"{self.math}, {other.math}")


def _num(value: float) -> str:
    return f"{value:g}"


def mode_words(modes: Modes) -> Words:
    """ "plain", "L2, λ = 0.2", "ball ‖θ‖ ≤ 2", "box |θᵢ| ≤ 1.5", "ball ‖(w, v)‖ ≤ 1" (a
    constraint on parameter blocks), or L2 and a constraint joined by "; "."""
    parts: list[Words] = []
    if modes.l2:
        lam = _num(modes.l2)
        parts.append(Words(f"L2, λ = {lam}", rf"$L_2$, $\lambda = {lam}$"))
    c = modes.constraint
    if isinstance(c, Ball | Box):
        r = _num(c.radius)
        # a block constraint (Theorem 4: ball:R@w,v) names the blocks it acts on
        text, tex = ("θ", r"\theta") if not c.blocks else _block_names(c.blocks)
        if isinstance(c, Ball):
            parts.append(Words(f"ball ‖{text}‖ ≤ {r}", rf"ball $\|{tex}\| \leq {r}$"))
        else:
            parts.append(Words(f"box |{text}ᵢ| ≤ {r}", rf"box $|{tex}_i| \leq {r}$"))
    if not parts:
        return Words("plain", "plain")
    return Words("; ".join(p.text for p in parts), "; ".join(p.math for p in parts))


def _block_names(blocks: tuple[str, ...]) -> tuple[str, str]:
    """``("w", "v")`` → ("(w, v)", "(w, v)") in text and mathtext (one name: no parentheses)."""
    joined = ", ".join(blocks)
    return (joined, joined) if len(blocks) == 1 else (f"({joined})", f"({joined})")


def param_words(params: Mapping[str, object], names: tuple[str, ...] | None = None) -> Words:
    """``ε = 1, h = 4`` for the parameters ``names`` (default: all) of ``params``."""
    texts, maths = [], []
    for name in names if names is not None else tuple(params):
        value = params[name]
        shown = _num(float(value)) if isinstance(value, int | float) else str(value)
        uni, tex = PARAM_SYMBOLS.get(name, (name.replace("_", " "), name.replace("_", r"\_")))
        if name == "seed":
            texts.append(f"seed {shown}")
            maths.append(f"seed {shown}")
            continue
        texts.append(f"{uni} = {shown}")
        maths.append(
            f"${tex} = {shown}$" if isinstance(value, int | float) else f"${tex}$ = {shown}"
        )
    return Words(", ".join(texts), ", ".join(maths))


TEX_SYMBOLS = {
    # mathtext command (without its backslash) → Unicode
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "eta": "η",
    "theta": "θ",
    "mu": "μ",
    "sigma": "σ",
    "tau": "τ",
    "varepsilon": "ε",
    "epsilon": "ε",
    "varphi": "φ",
    "phi": "φ",
    "lambda": "λ",
    "Delta": "Δ",
    "nabla": "∇",
    "partial": "∂",
    "|": "‖",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "times": "×",
    "cdot": "·",
    "pm": "±",
    "to": "→",
    "in": "∈",
    "infty": "∞",
    "sqrt": "√",
    ",": " ",
    ";": " ",
    "!": "",
}
"""What ``plain_text`` writes for a mathtext command; a command not listed loses its backslash
(``\\log`` → log, ``\\min`` → min)."""
SCRIPTS = {
    "^": ("0123456789+-−=()nT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿᵀ"),
    "_": ("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎"),
}
"""Characters with a Unicode superscript (^) and subscript (_) form."""


def _script(mark: str, body: str) -> str:
    """``^2`` → ², ``_{10}`` → ₁₀, ``^*`` → *; what has no Unicode form keeps its mark
    (``_F``, ``_min``)."""
    plain, raised = SCRIPTS[mark]
    if body == "*" and mark == "^":
        return "*"
    if body and all(c in plain for c in body):
        return body.translate(str.maketrans(plain, raised))
    return mark + body


def plain_text(text: str) -> str:
    """``text`` with its mathtext (``$...$``) written in Unicode, for places that show no
    mathtext (file metadata, provenance): ``$\\lambda = 0.2$`` → "λ = 0.2",
    ``$\\log_{10}\\,(F - \\min F)$`` → "log₁₀ (F − min F)"."""
    out = []
    for i, piece in enumerate(text.split("$")):
        if i % 2 == 0:
            out.append(piece)
            continue
        piece = re.sub(r"\\(?:mathrm|mathbf|mathit|operatorname)\{([^{}]*)\}", r"\1", piece)
        piece = re.sub(r"\\([A-Za-z]+|.)", lambda m: TEX_SYMBOLS.get(m[1], m[1]), piece)
        piece = piece.replace("-", "−")
        piece = re.sub(
            r"([_^])(?:\{([^{}]*)\}|(.))", lambda m: _script(m[1], m[2] or m[3] or ""), piece
        )
        out.append(piece.replace("{", "").replace("}", ""))
    return "".join(out)


def axis_math(name: str) -> str:
    """An axis name as every panel writes it: one italic letter with its index as a subscript
    ("w" → ``$w$``, "u1" → ``$u_{1}$``, "w12" → ``$w_{12}$``); a network coordinate
    ("W1[2,3]") stays plain text."""
    found = re.fullmatch(r"([A-Za-z])(\d*)", name)
    if found is None:
        return name
    letter, index = found.groups()
    return f"${letter}_{{{index}}}$" if index else f"${letter}$"


def optimizer_words(config: RunConfig) -> Words:
    """ "GD, η = 0.1", "heavy ball, β = 0.9, η = 0.05", "Adam, η = 0.01", "Newton, η = 1"
    (+ ", batch 32" on minibatches)."""
    name = OPTIMIZER_NAMES.get(config.optimizer, config.optimizer)
    lr = _num(config.lr)
    text, math = f"{name}, η = {lr}", rf"{name}, $\eta = {lr}$"
    if config.optimizer in ("momentum", "nesterov"):
        beta = _num(config.momentum)
        text, math = f"{name}, β = {beta}, η = {lr}", rf"{name}, $\beta = {beta}$, $\eta = {lr}$"
    if config.batch_size:
        text, math = f"{text}, batch {config.batch_size}", f"{math}, batch {config.batch_size}"
    return Words(text, math)
