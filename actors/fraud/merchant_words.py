"""The words and shapes card statements, receipts and payment processors add around a merchant's
name, for ``actors.fraud.merchants`` to strip or to weigh: dates and times, web addresses,
processor prefixes ("SQ *", "TST*"), card words ("POS DEBIT", "KARTENZAHLUNG"), store and
phone numbers, places, legal forms, generic words and words naming another line of business."""

from __future__ import annotations

import re

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
DATE = re.compile(
    rf"\b(?:on\s+)?(?:\d{{4}}-\d\d-\d\d(?:t[\d:.]+z?)?|\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?"
    rf"|\d{{1,2}}\s?{MONTH}(?:\s?\d{{2,4}})?|{MONTH}\s?\d{{1,2}}(?!\d))\b"
)
TIME = re.compile(
    r"\b(?:(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day)?\s+)?(?:\d{1,2}[:h]\d\d(?::\d\d)?(?:\s?[ap]m)?"
    r"|\d{1,2}\s?[ap]m)\b"
)
WEB = re.compile(
    r"(?:https?://)?(?:www\.)?(?:[a-z0-9-]+\.)*?([a-z0-9-]+)"
    r"\.(?:co\.uk|com|net|org|co|uk|de|fr|nl|ie|es|it|eu|io|se|ch|at|be)\b(?:/[a-z0-9/._-]*)?"
)
ALIASES = re.compile(r"\b(?:amzn|amazon)\s*(?:mktp|mktplace|marketplace|mkt)\b|\bamzn\b")
# Statement prefixes that name the merchant itself, not a processor in front of it.
SHORTHANDS = ((re.compile(r"^\s*eb\s*\*"), " eventbrite "),)
PROCESSOR = re.compile(
    r"^(?:sq|tst|sp|paypal|pp|ppl|pypl|iz|izettle|sumup|zettle|dd|google|goog|crv|ls|wpy|bb|"
    r"cke|fs|ctlp|pos|sq\s?u)\s*[*_]+\s*"
)
LEADING = re.compile(
    r"^(?:(?:pos|point of sale)(?:\s+(?:debit|purchase|transaction|trans))?|checkcard|check card"
    r"|dbt crd|debit(?:\s+card)?(?:\s+purchase)?|credit card purchase|card (?:payment|purchase)"
    r"(?:\s+to)?|payment to|bill payment|recurring(?:\s+payment)?|contactless(?:\s+payment)?"
    r"|purchase(?:\s+authori[sz]ed)?(?:\s+on)?|(?:visa|mastercard|maestro|amex)(?:\s+debit)?"
    r"(?:\s+card)?(?:\s+[x*]*\d{2,4})?|kartenzahlung|girocard|lastschrift|sepa|ec\s+\d+"
    r"|(?:achat|paiement)(?:\s+par)?(?:\s+(?:cb|carte))?(?:\s+x?\d+)?|cb(?:\s+x?\d+)?|prlv(?:\s+sepa)?"
    r"|bea|betaalpas|compra(?:\s+tarj(?:eta)?)?|pago|pagamento(?:\s+pos)?)\b[\s,.:*]*"
)
THANKS = re.compile(r"\b(?:sagt danke|dankt|vielen dank|thank you|merci|folgenr|verfalld)\b")
NUMBERED = re.compile(  # a store or terminal number, a phone number: one number stays
    r"\b(?:store|stores|str|unit|branch|terminal|term|tid|loc|no|nr|num)\.?\s*#?\s*\d+\b"
    r"|\+?\d[\d ().-]{7,}\d"
)
PUNCT = re.compile(r"[^a-z0-9]+")


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


GEO = word_set(
    "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm "
    "ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc us usa gb gbr uk deu fr fra nl "
    "nld ie irl es esp it ita be bel at aut ch che se swe dk dnk fi fin pl pol pt prt lu lux"
)
CITY_LEAD = word_set(
    "new san los las st saint santa fort ft el la salt lake palo long north south east west "
    "mount mt port grand baton kansas jersey"
)
LEGAL = word_set(
    "inc llc ltd limited plc gmbh ag kg co corp corporation sa sarl srl spa bv nv ab oy as ek "
    "ohg ug sas sl lda pty pvt lp llp pllc"
)
DROP = frozenset({"and", "und", "et"})
# A word that alone names no merchant: sharing it says nothing.
GENERIC = word_set(
    "cafe coffee restaurant bar pub market supermarket shop store stores bakery pizza pizzeria "
    "grill kitchen deli hotel taxi parking station gas fuel pharmacy food foods burger sushi "
    "bistro brasserie kiosk local express mini tea star"
)
# Appended to a merchant's name, a word naming another line of business: "subway tickets"
# (a transit fare) is not "subway" (sandwiches), "tesco bank" is not "tesco".
QUALIFIERS = word_set(
    "tickets ticket bank banking banque banca insurance assurance versicherung seguros energy "
    "energie airways airlines mobile media broadband rail railway trains finance loans"
)
QUALIFIER_START = tuple(QUALIFIERS)
# What an old compact key may carry after the name ("wholefoodsmarket" ~ "whole foods").
DESCRIPTORS = tuple(
    word_set(
        "supermarket superstore market mkts mkt stores store coffee cafe trip restaurant grill "
        "kitchen local express metro extra games cinemas cinema inc llc ltd gmbh plc co us uk s"
    )
)
NO_VOWELS = str.maketrans("", "", "aeiouy")
