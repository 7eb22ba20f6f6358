"""Merchant names as people type them and as receipts and statements print them.

The same purchase reaches the scorer as "Uber", "UBER *TRIP 8Y2K HELP.UBER.COM" or
"CARD PAYMENT TO TESCO STORES 3021 ON 14 NOV". :func:`merchant_key` strips what the payment
chain adds (processor prefixes, card words, dates, store numbers, transaction ids, city and
state, legal forms) and keeps the words; :func:`same_merchant` then knows the shapes a
statement gives a name: a shorter or longer form ("uber trip" ~ "uber"), dropped vowels and
truncation ("wholefds mkt" ~ "whole foods market"), spacing ("bluebottle" ~ "blue bottle") and
small typos. It refuses look-alikes that are other businesses: "apple" is not "applebees",
"boots" is not "booths", "subway" is not "subway tickets" (a qualifier naming another line of
business), "cafe nero" is not "cafe mocca" (a shared generic word is not a merchant).
Pure and cached: the scorer compares one merchant with a hundred recent ones per expense.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

from rapidfuzz.fuzz import ratio

from actors.fraud.merchant_words import (
    ALIASES,
    CITY_LEAD,
    DATE,
    DESCRIPTORS,
    DROP,
    GENERIC,
    GEO,
    LEADING,
    LEGAL,
    NO_VOWELS,
    NUMBERED,
    PROCESSOR,
    PUNCT,
    QUALIFIER_START,
    QUALIFIERS,
    SHORTHANDS,
    THANKS,
    TIME,
    WEB,
)

MERCHANT_KEY_MAX = 40  # the profile stores keys: bounded
SAME_MERCHANT = 0.85  # similarity from which two keys name the same merchant
GLUED_NUMBER = re.compile(r"([a-z]{3,})(\d{2,})")  # a name, then its store number


@lru_cache(maxsize=8192)
def merchant_key(name: str | None) -> str:
    """The canonical, bounded key of a merchant's name: lower-case ASCII words separated by
    single spaces, without what statements add around the name ("" when nothing is left)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode()
    text = re.sub(r"['`]", "", text)
    text = ALIASES.sub(" amazon ", WEB.sub(r" \1 ", text))
    for shorthand, merchant in SHORTHANDS:
        text = shorthand.sub(merchant, text)
    text = TIME.sub(" ", DATE.sub(" ", text))
    previous, processors = None, []
    while previous != text:  # "POS DEBIT SQ *BLUE BOTTLE": noise in front, in any order
        previous = LEADING.sub("", text.strip(" ,.:*-#"))
        text = PROCESSOR.sub("", previous)
        if text != previous:
            processors.append(previous)
    key = _key_of(text)
    while not key and processors:  # "GOOGLE *MK1AB2CD3": the processor is the merchant
        key = _key_of(processors.pop())
    return key


def _key_of(text: str) -> str:
    tokens = PUNCT.sub(" ", NUMBERED.sub(" 0 ", THANKS.sub(" ", text))).split()
    return _bounded(_words(tokens))


def _words(tokens: list[str]) -> list[str]:
    """The name's words: up to the first number after the name (a store number, a transaction
    id: what follows is its city), without a trailing city and state, legal form or lone
    letters, possessive "s" joined ("trader joe s" = "trader joes"). A store number glued to
    the name ("SPAR3100", "LIDL9192") is a number after the name."""
    if tokens and (glued := GLUED_NUMBER.fullmatch(tokens[0])) is not None:
        tokens = [glued[1], glued[2], *tokens[1:]]
    for i, token in enumerate(tokens):
        if i and any(c.isdigit() for c in token):
            tokens = tokens[:i]
            break
    tokens = [t for t in tokens if not _is_number(t)]
    for _ in range(2):  # "amazon us amazon wa": two places named
        if len(tokens) >= 2 and tokens[-1] in GEO:
            tokens.pop()
            if len(tokens) >= 2:
                tokens.pop()  # the city
                while len(tokens) >= 2 and tokens[-1] in CITY_LEAD:
                    tokens.pop()
    words: list[str] = []
    for token in tokens:
        if token in DROP or token in words or (token == "the" and not words):
            continue
        if token == "s" and words and len(words[-1]) > 1 and not words[-1].endswith("s"):
            words[-1] += "s"
        elif len(token) == 1 and words and len(words[-1]) == 1:
            words[-1] += token  # "h m" = "hm"
        else:
            words.append(token)
    while len(words) >= 2 and words[-1] in LEGAL:  # "gmbh co kg", "s a" once joined
        words.pop()
    if len(words) >= 2:
        words = [w for w in words if len(w) > 1] or words[:1]
    return words


def _is_number(token: str) -> bool:
    """A number or a transaction id (letters and digits, four or more): never a name's word."""
    digits = sum(c.isdigit() for c in token)
    return digits == len(token) or (digits > 0 and len(token) >= 4)


def _bounded(words: list[str]) -> str:
    key = " ".join(words)
    return key if len(key) <= MERCHANT_KEY_MAX else key[:MERCHANT_KEY_MAX].rstrip()


def same_merchant(a_key: str, b_key: str) -> bool:
    """Whether two merchant keys (new or old compact ones) name the same merchant."""
    if a_key == b_key:
        return bool(a_key)
    return similarity(a_key, b_key) >= SAME_MERCHANT


@lru_cache(maxsize=65536)
def similarity(a_key: str, b_key: str) -> float:
    """How alike two merchant keys are, 0..1; from :data:`SAME_MERCHANT` they are the same
    merchant (a statement's shape of it), below it they are not or may not be."""
    if not a_key or not b_key:
        return 0.0
    if a_key == b_key:
        return 1.0
    a, b = _shape(a_key), _shape(b_key)
    if a[1] == b[1]:
        return 0.98  # spacing only: "blue bottle" = "bluebottle"
    fuzzy = ratio(a[1], b[1]) / 100
    structural = max(_subset(a, b), _subset(b, a))
    if a[1][0] != b[1][0]:  # only a name inside a longer one can start elsewhere
        return structural or min(fuzzy, 0.5)
    if _within(a[3], b[1]):
        structural = max(structural, _aligned(a, b))
    if _within(b[3], a[1]):
        structural = max(structural, _aligned(b, a))
    if structural:
        return structural
    plain = min(len(a[1]), len(b[1])) >= 7 and fuzzy >= 0.9  # a typo: "starbuks"
    return fuzzy if plain else min(fuzzy, SAME_MERCHANT - 0.01)


# The words, the compact key, where words end in it, and the head any match of it consumes: its
# first word, or for one word (an old compact key) the least that leaves descriptors only.
Shape = tuple[tuple[str, ...], str, tuple[int, ...], str]


@lru_cache(maxsize=8192)
def _shape(key: str) -> Shape:
    words = tuple(key.split())
    ends = tuple(accumulate(len(w) for w in words))
    compact = "".join(words)
    head = words[0]
    if len(words) == 1:
        heads = (compact[:p] for p in range(2, len(compact)) if _descriptors(compact[p:]))
        head = next(heads, compact)
    return words, compact, ends, head


def _within(head: str, compact: str) -> bool:
    """``head`` is a subsequence of ``compact``: a match of one in the other is possible."""
    rest = iter(compact)
    return all(c in rest for c in head)


def _aligned(short: Shape, full: Shape) -> float:
    """``short`` as a statement's spelling of ``full``: each of full's leading words gives a
    piece of short (the word, its first letters, or its first letter and some of the rest),
    and what is left on one side only is not another line of business."""
    x, words = short[1], full[0]
    legacy = len(short[0]) == 1  # one word: maybe an old compact key with no spaces
    seen: dict[tuple[int, int, bool, int], float] = {}  # bounds the work on crafted names

    def walk(p: int, k: int, exact: bool, strict: int) -> float:
        state = (p, k, exact, strict)
        if state not in seen:
            seen[state] = step(p, k, exact, strict)
        return seen[state]

    def step(p: int, k: int, exact: bool, strict: int) -> float:
        done = p == len(x) or k == len(words)
        end = done or p in short[2]
        if strict and not (p == len(x) and k == len(words) >= strict):
            end = False  # a plural or a weak piece ends a match that uses every word
        best = _accept(short, full, p, k, exact, legacy) if end else 0.0
        if done or x[p] != words[k][0]:
            return best
        word, i, q, ends = words[k], 0, p, []
        while q < len(x) and i < len(word):  # grow the piece while it is a subsequence of word
            i = word.find(x[q], i) + 1
            if not i:
                break
            q += 1
            ends.append(q)
        for q in reversed(ends):  # the longest piece first: the whole word, most often
            kind = _piece(x[p:q], word, first=k == 0, last=q == len(x))
            if kind:
                best = max(best, walk(q, k + 1, exact and kind in (2, 3), max(strict, kind - 2)))
                if best >= SAME_MERCHANT:
                    break
        return best

    return walk(0, 0, True, 0) if x and words else 0.0


def _piece(piece: str, word: str, first: bool, last: bool) -> int:
    """2: the word; 3: it without its final "s" (the last piece of a whole match: "trader joe",
    not "curry house" for "currys"); 1: a statement's abbreviation of it; 4: a weak one (the
    first of several words, all used); 0: not one. The first word may not be cut short ("apple"
    is not "applebees") and losing a consonant makes it weak ("intl" for "international", but
    "penny" is not "penneys"); the others may ("mkt" = "market")."""
    if piece == word:
        return 2
    if piece + "s" == word and len(piece) >= 3:
        return 3
    if word.startswith(piece):  # cut short: only at the end of the statement's field
        if not last or len(piece) < 2:
            return 0
        if not first or _descriptors(word[len(piece) :]):
            return 1  # "trader jo", or an old key's "wholefoods|market"
        return 1 if len(piece) >= 7 and not word[len(piece) :].startswith(QUALIFIER_START) else 0
    if len(piece) < 2:
        return 0
    if first:
        same_consonants = len(word.translate(NO_VOWELS)) == len(piece.translate(NO_VOWELS))
        return 1 if same_consonants else 4 if len(piece) >= 3 else 0
    return 1


def _accept(short: Shape, full: Shape, p: int, k: int, exact: bool, legacy: bool) -> float:
    x, words = short[1], full[0]
    if k == 0 or all(w in GENERIC for w in words[:k]) or p < (2 if exact else 4):
        return 0.0
    if p == len(x):
        rest = words[k:]
    elif k == len(words) and legacy:
        return 0.9 if _descriptors(x[p:]) else 0.0
    elif k == len(words) and p in short[2]:
        rest = short[0][short[2].index(p) + 1 :]
    else:
        return 0.0
    if any(w in QUALIFIERS for w in rest):
        return 0.0
    return (0.95 if exact else 0.92) - (0.04 if rest else 0.0)


@lru_cache(maxsize=4096)
def _descriptors(rest: str) -> bool:
    """``rest`` is made of descriptor words only ("market", "storesltd")."""
    return not rest or any(rest.startswith(d) and _descriptors(rest[len(d) :]) for d in DESCRIPTORS)


def _subset(short: Shape, full: Shape) -> float:
    """Every word of ``short`` in ``full``, in order, though not at its start ("mcdonalds" in
    "doordash mcdonalds"): a long or two-word name, the rest no other business."""
    if len(short[0]) >= len(full[0]) or (len(short[0]) < 2 and len(short[1]) < 6):
        return 0.0
    if all(w in GENERIC for w in short[0]):
        return 0.0
    it = iter(full[0])
    if not all(any(w == f for f in it) for w in short[0]):
        return 0.0
    rest = set(full[0]) - set(short[0])
    return 0.0 if rest & QUALIFIERS else 0.87
