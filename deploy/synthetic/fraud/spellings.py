"""Other spellings of a merchant's name, as someone typing it again by hand writes it."""

from __future__ import annotations

import random
import re

_NUMBERED = re.compile(r"^(?P<name>.*?)\s*(?:#|Store\s)?\s*(?P<number>\d{3,5})$")


def _spellings(rng: random.Random, name: str) -> list[str]:
    """Every other way to write ``name`` that one edit gives (case, spaces, store number,
    punctuation)."""
    found = [name.upper() if name.upper() != name else name.lower()]
    words = name.split(" ")
    if len(words) > 1:
        at = rng.randrange(len(words) - 1)
        found.append(" ".join([*words[:at], words[at] + words[at + 1], *words[at + 2 :]]))
        found.append(name.replace(" ", "  ", 1))
    numbered = _NUMBERED.match(name)
    if numbered is not None:
        base, number = numbered["name"], numbered["number"]
        found += [base, f"{base} {number}", f"{base} #{number}", f"{base} Store {number}"]
    else:
        found += [f"{name} #{rng.randint(100, 9999)}", f"{name} {rng.randint(1000, 9999)}"]
    found.append(re.sub(r"[^\w\s]", "", name))
    return [v for v in found if v != name and v.strip() == v and v]


def merchant_variant(rng: random.Random, name: str) -> str:
    """Another spelling of the same merchant, as typed again by hand: other case ("STARBUCKS"),
    a space more or less, a store number added, dropped or written another way ("#1023" ->
    "1023", "Store 1023", ""), punctuation left out ("Trader Joes"); sometimes two of these."""
    variant = rng.choice(_spellings(rng, name))
    if rng.random() < 0.25:
        again = [v for v in _spellings(rng, variant) if v != name]
        if again:
            variant = rng.choice(again)
    return variant
