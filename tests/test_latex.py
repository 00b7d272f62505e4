"""TeX math shown as a readable Unicode approximation; money, code and prose untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mimo_tui.latex import convert_formula, math_to_unicode


def test_common_formulas_read_as_unicode():
    assert convert_formula(r"x^2 + y^2 = z^2") == "x² + y² = z²"
    assert convert_formula(r"\frac{1}{2}") == "¹⁄₂"
    assert convert_formula(r"\frac{-b \pm \sqrt{b^2 - 4ac}}{2a}") == "(-b ± √(b² - 4ac))/(2a)"
    assert convert_formula(r"\sum_{i=1}^{n} i") == "∑ᵢ₌₁ⁿ i"
    assert convert_formula(r"\alpha \in \mathbb{R}") == "α ∈ ℝ"
    assert convert_formula(r"\lim_{x \to 0} \frac{\sin x}{x} = 1") == "lim_(x → 0) (sin x)/x = 1"
    assert convert_formula(r"\text{area} = \pi r^2") == "area = π r²"
    assert convert_formula(r"\unknowncommand{x}") == "unknowncommandx"  # never a crash


def test_inline_and_display_math_in_prose():
    assert math_to_unicode("Euler: $e^{i\\pi} + 1 = 0$.") == "Euler: *e^(iπ) + 1 = 0*."
    out = math_to_unicode("Roots:\n$$x = \\frac{a}{b}$$\nDone.")
    assert "*x = a/b*" in out and "$" not in out
    assert math_to_unicode("Also \\(a_1\\) and \\[b^2\\]") == "Also *a₁* and *b²*"


def test_money_code_and_escaped_dollars_are_not_math():
    for text in ("It costs $5 and $10.", "Use `$x$` literally.", "A lone $ sign", "\\$5 \\$6"):
        assert math_to_unicode(text) == text


def test_converted_math_cannot_become_markdown():
    assert math_to_unicode("$a*b*c$") == "*a\\*b\\*c*"
    assert math_to_unicode("$[x](y)$") == "*\\[x\\](y)*"


@given(st.text(max_size=80))
def test_any_text_converts_without_error_and_text_without_math_is_unchanged(text):
    out = math_to_unicode(text)
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        assert out == text
