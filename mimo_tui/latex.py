"""TeX math in model text (`$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`) as a readable Unicode
approximation, for the screen only: copies and exports keep the TeX as the model wrote it.

`\\frac{a}{b}` reads `a⁄b` (or `(a+1)/(b)`), `x^2` reads `x²`, `\\alpha` reads `α`,
`\\sqrt{x}` reads `√x`. What has no Unicode form stays as its name, without the backslash
noise around it. Dollar signs are math only when they pair up the way Pandoc pairs them
(`$5 and $10` stays money): an opening `$` is followed by a non-space, a closing one
follows a non-space and is not followed by a digit. Code (fences and backtick spans) is
never touched.

Pure text in, text out: no Rich, no Textual (a core module, unit-tested on its own).
"""

from __future__ import annotations

import re
from functools import cache

SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
    # operators and relations
    "sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭",
    "oint": "∮", "infty": "∞", "partial": "∂", "nabla": "∇", "pm": "±", "mp": "∓",
    "times": "×", "div": "÷", "cdot": "·", "ast": "∗", "star": "⋆", "circ": "∘",
    "bullet": "•", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "sim": "∼", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝",
    "ll": "≪", "gg": "≫", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂",
    "supset": "⊃", "subseteq": "⊆", "supseteq": "⊇", "cup": "∪", "cap": "∩",
    "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "neg": "¬",
    "lnot": "¬", "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨", "oplus": "⊕",
    "otimes": "⊗", "perp": "⊥", "parallel": "∥", "mid": "∣", "angle": "∠",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔", "iff": "⇔",
    "implies": "⇒", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "dots": "…",
    "hbar": "ℏ", "ell": "ℓ", "Re": "ℜ", "Im": "ℑ", "aleph": "ℵ", "deg": "°",
    "prime": "′", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "lbrace": "{", "rbrace": "}", "{": "{", "}": "}",
    "%": "%", "$": "$", "&": "&", "#": "#", "_": "_", "|": "‖", "backslash": "\\",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", ":": " ", "!": "", " ": " ",
    "top": "⊤", "bot": "⊥", "therefore": "∴", "because": "∵", "sqcup": "⊔",
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "lim": "lim", "max": "max", "min": "min", "sup": "sup", "inf": "inf", "det": "det",
    "arg": "arg", "dim": "dim", "gcd": "gcd", "mod": "mod", "bmod": "mod",
}  # fmt: skip

BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ", "H": "ℍ"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7",
           "tilde": "\u0303", "dot": "\u0307", "ddot": "\u0308"}  # fmt: skip
SUPER = dict(
    zip(
        "0123456789+-=()niaeoxhkjlmnpstuvwyrgbcdfz",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵉᵒˣʰᵏʲˡᵐⁿᵖˢᵗᵘᵛʷʸʳᵍᵇᶜᵈᶠᶻ",
        strict=True,
    )
)
SUB = dict(zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", strict=True))
# Commands whose argument is shown as it is (fonts, text, operators by name).
PLAIN = {"text", "mathrm", "mathit", "mathbf", "mathsf", "mathtt", "textbf", "textit",
         "operatorname", "boldsymbol", "bm", "mbox", "mathcal", "mathfrak"}  # fmt: skip
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "limits", "nolimits", "displaystyle",
           "textstyle", "scriptstyle"}  # fmt: skip


class _Reader:
    """A tiny recursive reader over one formula's TeX."""

    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.at = 0

    def done(self) -> bool:
        return self.at >= len(self.tex)

    def group(self) -> str:
        """The next argument: a `{…}` group, a command or one character, converted."""
        tex = self.tex
        while not self.done() and tex[self.at] == " ":
            self.at += 1
        if self.done():
            return ""
        if tex[self.at] == "{":
            depth, start = 0, self.at
            while self.at < len(tex):
                char = tex[self.at]
                if char == "\\":
                    self.at += 2
                    continue
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                    if depth == 0:
                        self.at += 1
                        return convert_formula(tex[start + 1 : self.at - 1])
                self.at += 1
            return convert_formula(tex[start + 1 :])
        if tex[self.at] == "\\":
            return self.command()
        self.at += 1
        return tex[self.at - 1]

    def command(self) -> str:
        tex = self.tex
        match = re.compile(r"\\([A-Za-z]+|.)").match(tex, self.at)
        if match is None:
            self.at += 1
            return "\\"
        self.at = match.end()
        name = match.group(1)
        if name in IGNORED:
            return ""
        if name == "frac" or name in ("dfrac", "tfrac"):
            top, bottom = self.group(), self.group()
            return _fraction(top, bottom)
        if name == "sqrt":
            degree = ""
            if not self.done() and tex[self.at] == "[":
                end = tex.find("]", self.at)
                if end > 0:
                    degree = tex[self.at + 1 : end]
                    self.at = end + 1
            root = {"3": "∛", "4": "∜"}.get(degree, "√")
            body = self.group()
            return root + (body if len(body) == 1 else f"({body})")
        if name == "mathbb":
            body = self.group()
            return "".join(BLACKBOARD.get(c, c) for c in body)
        if name in ACCENTS:
            body = self.group()
            return body + ACCENTS[name] if len(body) == 1 else f"{body}{ACCENTS[name]}"
        if name in PLAIN:
            return self.group()
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in ("begin", "end"):
            self.group()  # the environment's name; rows and columns below read as text
            return ""
        if name == "\\":
            return "; "
        return name  # unknown: its name reads better than `\name`


def _fraction(top: str, bottom: str) -> str:
    def wrap(part: str) -> str:
        return part if len(part) <= 1 or part.isdigit() or part.isalpha() else f"({part})"

    if top.isdigit() and bottom.isdigit() and len(top + bottom) <= 4:
        return "".join(SUPER[c] for c in top) + "⁄" + "".join(SUB[c] for c in bottom)
    return f"{wrap(top)}/{wrap(bottom)}"


def _script(body: str, table: dict[str, str], mark: str) -> str:
    if body and all(c in table for c in body):
        return "".join(table[c] for c in body)
    return f"{mark}{body}" if len(body) == 1 else f"{mark}({body})"


def convert_formula(tex: str) -> str:
    """One formula's TeX (without its delimiters) as Unicode text."""
    reader = _Reader(tex)
    out: list[str] = []
    while not reader.done():
        char = tex[reader.at]
        if char == "\\":
            out.append(reader.command())
        elif char in "^_":
            reader.at += 1
            body = reader.group()
            out.append(_script(body, SUPER if char == "^" else SUB, char))
        elif char == "{" or char == "}":
            out.append(reader.group() if char == "{" else "")
            if char == "}":
                reader.at += 1
        elif char == "&" or char == "~":
            out.append(" ")
            reader.at += 1
        else:
            out.append(char)
            reader.at += 1
    return re.sub(r"[ \t]{2,}(?=\S)", lambda m: m.group(0)[:2], "".join(out)).strip()


@cache
def _math_re() -> re.Pattern[str]:
    return re.compile(
        r"(?P<code>`+)"  # a code span opens: skipped to its closing run below
        r"|\$\$(?P<display>.+?)\$\$"
        r"|\\\[(?P<bracket>.+?)\\\]"
        r"|\\\((?P<paren>.+?)\\\)"
        r"|(?<![\\$\w])\$(?P<inline>[^\s$](?:[^$\n]*?[^\s\\$])?)\$(?![\d$])",
        re.S,
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _escape(text: str) -> str:
    """Converted math is shown as text: Markdown's punctuation in it is escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def has_math(text: str) -> bool:
    """Whether `text` may hold math (a cheap test before the full scan)."""
    return "$" in text or "\\(" in text or "\\[" in text


def math_to_unicode(markdown: str) -> str:
    """Markdown prose (no fenced code: see text.split_code) with its math as Unicode.

    Display math (`$$…$$`, `\\[…\\]`) becomes its own paragraph, shown in italics.
    """
    if not has_math(markdown):
        return markdown
    out: list[str] = []
    at = 0
    pattern = _math_re()
    while True:
        match = pattern.search(markdown, at)
        if match is None:
            break
        out.append(markdown[at : match.start()])
        if match.group("code"):
            run = match.group("code")
            close = markdown.find(run, match.end())
            end = match.end() if close < 0 else close + len(run)
            out.append(markdown[match.start() : end])
            at = end
            continue
        display = match.group("display") or match.group("bracket")
        if display is not None:
            formula = _escape(convert_formula(display.strip()))
            line_start = match.start() == 0 or markdown[match.start() - 1] == "\n"
            line_end = markdown[match.end() : match.end() + 1] in ("", "\n")
            alone = line_start and line_end  # on lines of its own: a paragraph of its own
            out.append(f"\n\n*{formula}*\n\n" if alone and formula else f"*{formula}*")
        else:
            formula = match.group("paren") or match.group("inline") or ""
            out.append(f"*{_escape(convert_formula(formula))}*")
        at = match.end()
    out.append(markdown[at:])
    return "".join(out)
