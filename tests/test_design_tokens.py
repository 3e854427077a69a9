"""The colour tokens of static/css/site.css: every text colour on its background reads at WCAG AA (4.5:1)."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "site.css"
# (text, background) pairs the components use.
PAIRS = [
    ("--fg", "--bg"),
    ("--fg", "--card"),
    ("--muted", "--bg"),
    ("--muted", "--card"),
    ("--accent", "--card"),
    ("--accent", "--bg"),
    ("--accent-hover", "--card"),
    ("--accent-fg", "--accent"),
    ("--accent-fg", "--accent-hover"),
    ("--accent-soft-fg", "--accent-soft"),
    ("--ok", "--ok-soft"),
    ("--warn", "--warn-soft"),
    ("--danger", "--danger-soft"),
    ("--danger", "--card"),
    ("--header-fg", "--header-bg"),
    ("--header-muted", "--header-bg"),
    ("--header-bg", "--focus"),
]


def _tokens():
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(encoding="utf-8"), re.S).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\b", root))


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_read_on_their_backgrounds(text, background):
    tokens = _tokens()
    ratio = contrast(tokens[text], tokens[background])
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"


def test_form_field_borders_stand_out_from_the_card():
    tokens = _tokens()
    assert contrast(tokens["--field-line"], tokens["--card"]) >= 3.0
