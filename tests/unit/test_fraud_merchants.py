"""Merchant keys and matching: statement, receipt and typed spellings of one merchant match;
different merchants that look alike do not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.fraud.merchants import MERCHANT_KEY_MAX, merchant_key, same_merchant, similarity

# (as a bank or card statement or a receipt prints it, as a person types it)
STATEMENT_MATCHES = [
    # US card statements
    ("WHOLE FOODS MARKET #10245", "Whole Foods"),
    ("Whole Foods Market Receipt #10245 Austin TX", "Whole Foods"),
    ("WHOLEFDS MKT 10245", "Whole Foods Market"),
    ("WHOLEFDS MKT 10245", "Whole Foods"),
    ("UBER *TRIP 8Y2K", "Uber"),
    ("UBER *TRIP HELP.UBER.COM CA", "Uber"),
    ("UBER *EATS PENDING", "Uber Eats"),
    ("SQ *BLUE BOTTLE COFFEE", "Blue Bottle Coffee"),
    ("SQ *BLUE BOTTLE COFFEE 0123 OAKLAND CA", "Blue Bottle"),
    ("SQ *BLUEBOTTLE", "Blue Bottle Coffee"),
    ("AMZN Mktp US*2K4LL1RT2", "Amazon"),
    ("AMAZON.COM*MK1AB2CD3 AMZN.COM/BILL WA", "Amazon"),
    ("Amazon Prime*2K4LL1RT2", "Amazon"),
    ("PAYPAL *SPOTIFY", "Spotify"),
    ("SPOTIFY P1A2B3C4D5 STOCKHOLM SE", "Spotify"),
    ("TST* SHAKE SHACK 1234 NEW YORK NY", "Shake Shack"),
    ("STARBUCKS STORE 12345 SEATTLE WA", "Starbucks"),
    ("STARBUCKS STORE 12345 SEATTLE WA", "Starbucks Coffee"),
    ("TRADER JOE S #552 QPS", "Trader Joe's"),
    ("TRADER JOES #552", "trader joes"),
    ("APPLE.COM/BILL 866-712-7753 CA", "Apple"),
    ("NETFLIX.COM 866-579-7172 CA", "Netflix"),
    ("GOOGLE *YouTube Premium g.co/helppay#", "YouTube"),
    ("DD *DOORDASH MCDONALDS", "McDonald's"),
    ("MCDONALD'S F12345 CHICAGO IL", "McDonalds"),
    ("CHIPOTLE 1234 SAN FRANCISCO CA", "Chipotle Mexican Grill"),
    ("TARGET T-1234 MINNEAPOLIS MN", "Target"),
    ("TARGET        00012345", "Target"),
    ("CVS/PHARMACY #01234 BOSTON MA", "CVS"),
    ("COSTCO WHSE #0123 ISSAQUAH WA", "Costco"),
    ("WAL-MART #1234 BENTONVILLE AR", "Walmart"),
    ("WM SUPERCENTER #1234", "WM Supercenter"),
    ("THE HOME DEPOT #0123 ATLANTA GA", "Home Depot"),
    ("LYFT *RIDE THU 8PM", "Lyft"),
    ("CHECKCARD 1114 PANERA BREAD #601234 BOSTON MA", "Panera Bread"),
    ("POS DEBIT SQ *BLUE BOTTLE", "Blue Bottle Coffee"),
    ("PURCHASE AUTHORIZED ON 11/14 SAFEWAY #1234 PORTLAND OR", "Safeway"),
    ("DEBIT CARD PURCHASE DUNKIN #345678 Q35 BOSTON MA", "Dunkin'"),
    ("SP * ALLBIRDS", "Allbirds"),
    ("CRV*HARRYS", "Harry's"),
    ("WHOLE FOODS MKT", "Whole Foods Market"),
    ("SAFEWAY STORE 1234", "Safeway"),
    ("PANERA BREAD #601234", "panera"),
    ("INTL HOUSE OF PANCAKES", "International House of Pancakes"),
    # UK statements
    ("CARD PAYMENT TO TESCO STORES 3021", "Tesco"),
    ("CARD PAYMENT TO TESCO STORES 3021 ON 14 NOV", "Tesco"),
    ("TESCO STORES 3021 LONDON GB", "Tesco Express"),
    ("SAINSBURYS S/MKTS", "Sainsbury's"),
    ("J SAINSBURY PLC", "Sainsbury's"),
    ("CONTACTLESS PAYMENT PRET A MANGER", "Pret A Manger"),
    ("IZ *CAFE NERO", "Caffe Nero"),
    ("IZ *CAFE NERO", "Cafe Nero"),
    ("COSTA COFFEE 43012 LONDON", "Costa"),
    ("MARKS&SPENCER PLC SACAT 1234", "Marks and Spencer"),
    ("BOOTS 1234 MANCHESTER", "Boots"),
    ("WAITROSE 123", "Waitrose & Partners"),
    ("GREGGS PLC", "Gregg's"),
    ("DELIVEROO.CO.UK", "Deliveroo"),
    ("TFL TRAVEL CH", "TfL Travel"),
    ("WWW.BOOKING.COM", "Booking.com"),
    ("H&M 0123 LONDON", "H&M"),
    ("MORRISONS 0456 LEEDS", "Morrisons"),
    # European statements
    ("VISA 4421 LIDL SAGT DANKE", "Lidl"),
    ("SumUp *Cafe Mocca", "Café Mocca"),
    ("zettle_*Pop Up Bar", "Pop-Up Bar"),
    ("REWE Markt GmbH//Berlin/DE 2024-11-14T18:32:11 Folgenr. 002", "Rewe"),
    ("Kartenzahlung EDEKA CENTER 1234", "Edeka"),
    ("BEA, Betaalpas ALBERT HEIJN 1234,PAS123 NR:ABC123 14.11.24/18:32 AMSTERDAM", "Albert Heijn"),
    ("CB CARREFOUR 14/11", "Carrefour"),
    ("PAIEMENT PAR CARTE X1234 MONOPRIX 14/11", "Monoprix"),
    ("COMPRA TARJ. 1234 MERCADONA VALENCIA", "Mercadona"),
    ("PAGAMENTO POS ESSELUNGA 1234", "Esselunga"),
    ("ALDI SUED 1234", "Aldi Süd"),
    ("DM-DROGERIE MARKT 1234", "dm drogerie markt"),
    ("Café Névé GmbH & Co. KG", "cafe neve"),
    # a store number glued to the name
    ("SPAR3100", "Spar"),
    ("LIDL9192 BERLIN", "Lidl"),
    ("Decathlon8619", "Decathlon"),
    ("FOREVER21 #0455", "Forever 21"),
    # receipts and typos
    ("STARBUCKS", "starbuks"),
    ("WHOLE FOODS", "Whole Fods"),
    ("PAYPAL *JACKINTHEBOX", "Jack in the Box"),
]
# (an old compact key still in a profile, a key of today)
KEY_MATCHES = [
    ("wholefoodsmarket", "whole foods"),
    ("wholefoods", "whole foods market"),
    ("traderjoes", "trader joes"),
    ("bluebottlecoffee", "blue bottle"),
    ("uber", "uber trip"),
    ("wholefdsmkt", "whole foods market"),
    ("sainsburys", "sainsbury"),
]
# Different merchants that share letters, words or a prefix.
NON_MATCHES = [
    ("SHELL OIL 57442", "Shake Shack"),
    ("SHELL 1234 LONDON", "TST* SHAKE SHACK 1234 NEW YORK NY"),
    ("TARGET T-1234", "Tesco"),
    ("CARD PAYMENT TO TESCO STORES 3021", "Target"),
    ("CVS/PHARMACY #01234", "Costco"),
    ("COSTCO WHSE #0123", "CVS"),
    ("VISA 4421 LIDL SAGT DANKE", "Lyft"),
    ("LYFT *RIDE THU 8PM", "Lidl"),
    ("AMZN Mktp US*2K4LL1RT2", "AMC"),
    ("AMC 1234 ONLINE", "Amazon"),
    ("APPLE.COM/BILL", "Applebee's"),
    ("APPLEBEES #1234 DALLAS TX", "Apple"),
    ("WHOLE FOODS MARKET #10245", "Whole Earth Bakery"),
    ("WHOLEFDS MKT 10245", "Whole Earth Bakery"),
    ("UBER *TRIP 8Y2K", "Uniqlo"),
    ("UNIQLO 1234", "Uber"),
    ("ALDI SUED 1234", "Audi"),
    ("SPAR3100", "Sparkasse"),
    ("LIDL9192", "Lids"),
    ("AUDI ZENTRUM 1234", "Aldi"),
    ("BOOTS 1234 MANCHESTER", "Booking.com"),
    ("BOOKING.COM HOTEL", "Boots"),
    ("BOOTHS 123 PRESTON", "Boots"),
    ("STARBUCKS STORE 12345 SEATTLE WA", "Star Market"),
    ("STAR MARKET 1234 BOSTON MA", "Starbucks"),
    ("SUBWAY 12345", "Subway Tickets"),
    ("IZ *CAFE NERO", "Cafe Mocca"),
    ("SumUp *Cafe Mocca", "Caffe Nero"),
    ("CARD PAYMENT TO TESCO STORES 3021", "Tesco Bank"),
    ("SHELL 1234", "Shell Energy"),
    ("PENNY MARKT 1234", "Penneys"),
    ("COSTA COFFEE 43012", "Costco"),
    ("NETFLIX.COM", "Netto"),
    ("ASDA STORES 4567", "Aldi"),
    ("SPAR 1234", "Sparkasse"),
    ("ZARA 1234", "Zalando"),
    ("PRIMARK 1234", "Pret A Manger"),
    ("MONOPRIX 14/11", "Monop'"),
    ("BURGER KING 1234", "Burger Fuel"),
    ("DUNKIN #345678", "Dunelm"),
    ("WAITROSE 123", "Wagamama"),
    ("SAFEWAY #1234", "Subway"),
    ("SQ *BLUE BOTTLE COFFEE", "Blue Apron"),
    ("GREGGS PLC", "Greggs Bakery Tickets"),
    ("H&M 0123 LONDON", "HMV"),
    ("MARKS&SPENCER PLC", "Marks Electrical"),
    ("CARREFOUR 1234", "Carrefour Banque"),
    ("PANERA BREAD #601234", "Panda Express"),
    ("TRADER JOE S #552", "Trader Vic's"),
    ("LIDL 1234", "Lids"),
    ("EDEKA 1234", "Eden Cafe"),
    ("CHIPOTLE 1234", "Chick-fil-A"),
    ("PAYPAL *SPOTIFY", "Spar"),
    ("DELIVEROO.CO.UK", "Dell"),
    ("UBER *EATS", "Ubisoft"),
]
KEY_NON_MATCHES = [
    ("applebees", "apple"),
    ("subwaytickets", "subway"),
    ("starmarket", "starbucks"),
    ("wholeearthbakery", "whole foods"),
    ("cafenero", "cafe mocca"),
]


def test_the_tables_are_large_enough() -> None:
    assert len(STATEMENT_MATCHES) >= 60
    assert len(NON_MATCHES) >= 40


@pytest.mark.parametrize(("printed", "typed"), STATEMENT_MATCHES)
def test_a_statement_spelling_matches_the_typed_name(printed: str, typed: str) -> None:
    a, b = merchant_key(printed), merchant_key(typed)
    assert a
    assert b
    assert same_merchant(a, b), (a, b, similarity(a, b))
    assert same_merchant(b, a)


@pytest.mark.parametrize(("old", "new"), KEY_MATCHES)
def test_an_old_compact_key_matches_a_key_of_today(old: str, new: str) -> None:
    assert same_merchant(old, new), similarity(old, new)
    assert same_merchant(new, old)


@pytest.mark.parametrize(("one", "other"), NON_MATCHES)
def test_look_alike_merchants_do_not_match(one: str, other: str) -> None:
    a, b = merchant_key(one), merchant_key(other)
    assert a
    assert b
    assert not same_merchant(a, b), (a, b, similarity(a, b))
    assert not same_merchant(b, a)


@pytest.mark.parametrize(("one", "other"), KEY_NON_MATCHES)
def test_an_old_compact_key_does_not_match_a_look_alike(one: str, other: str) -> None:
    assert not same_merchant(one, other)
    assert not same_merchant(other, one)


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        # A transit fare is not a sandwich: "tickets" names another line of business.
        ("SUBWAY 12345", "Subway Tickets", False),
        ("Subway", "SUBWAY 00123 NEW YORK NY", True),
        # One company, and a duplicate also needs the same amount on the same days.
        ("UBER *EATS", "Uber", True),
        ("Zara", "ZARA HOME 1234", True),
        # A delivery platform's line names the restaurant too: both match it.
        ("DD *DOORDASH MCDONALDS", "DoorDash", True),
        # Another business under the same name.
        ("Sainsbury's", "SAINSBURYS BANK", False),
        ("Virgin Media", "VIRGIN ATLANTIC", False),
    ],
)
def test_decided_ambiguous_pairs(one: str, other: str, same: bool) -> None:
    assert same == same_merchant(merchant_key(one), merchant_key(other))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Whole Foods", "whole foods"),
        ("Café Névé", "cafe neve"),
        ("Trader Joe's", "trader joes"),
        ("TRADER JOE S #552 QPS", "trader joes"),
        ("UBER *TRIP 8Y2K", "uber trip"),
        ("UBER   *TRIP HELP.UBER.COM", "uber trip"),
        ("AMZN Mktp US*2K4LL1RT2", "amazon"),
        ("APPLE.COM/BILL 866-712-7753 CA", "apple"),
        ("PAYPAL *SPOTIFY", "spotify"),
        ("PP*SPOTIFY", "spotify"),
        ("SQ *BLUE BOTTLE COFFEE", "blue bottle coffee"),
        ("TST* SHAKE SHACK 1234 NEW YORK NY", "shake shack"),
        ("SP * ALLBIRDS", "allbirds"),
        ("IZ *CAFE NERO", "cafe nero"),
        ("SumUp *Cafe Mocca", "cafe mocca"),
        ("zettle_*Pop Up Bar", "pop up bar"),
        ("CRV*HARRYS", "harrys"),
        ("GOOGLE *YouTube", "youtube"),
        ("POS DEBIT SQ *BLUE BOTTLE", "blue bottle"),
        ("CARD PAYMENT TO TESCO STORES 3021 ON 14 NOV", "tesco"),
        ("CONTACTLESS PAYMENT PRET A MANGER", "pret manger"),
        ("VISA 4421 LIDL SAGT DANKE", "lidl"),
        ("DEBIT CARD PURCHASE DUNKIN #345678", "dunkin"),
        ("PURCHASE AUTHORIZED ON 11/14 SAFEWAY", "safeway"),
        ("STARBUCKS STORE 12345 SEATTLE WA", "starbucks"),
        ("STARBUCKS 14:32 14/11/2026", "starbucks"),
        ("LYFT *RIDE THU 8PM", "lyft ride"),
        ("NETFLIX.COM +1 866-579-7172", "netflix"),
        ("CHIPOTLE 1234 SAN FRANCISCO CA", "chipotle"),
        ("STARBUCKS SALT LAKE CITY UT", "starbucks"),
        ("Acme Widgets GmbH & Co. KG", "acme widgets"),
        ("Acme Widgets, Inc.", "acme widgets"),
        ("Acme Widgets LLC", "acme widgets"),
        ("ACME WIDGETS LTD", "acme widgets"),
        ("Acme Widgets S.A.", "acme widgets"),
        ("H&M", "hm"),
        ("Marks & Spencer", "marks spencer"),
        ("The Home Depot", "home depot"),
        ("O2 UK", "o2"),
        ("Straße Café", "strasse cafe"),
        ("GOOGLE *MK1AB2CD3", "google"),
        ("MASTERCARD X1234 ARGOS 14NOV26", "argos"),
        ("CONTACTLESS MONOPRIX 14:32", "monoprix"),
        ("VISA 4421 DECATHLON 27/11", "decathlon"),
        ("MAYFAIR CAFE MON 8PM", "mayfair cafe"),
        ("Jack in the Box", "jack in the box"),
    ],
)
def test_merchant_key_removes_statement_noise(name: str, key: str) -> None:
    assert key == merchant_key(name)


@pytest.mark.parametrize("name", [None, "", "   ", "#1234", "14/11/2026", "8Y2K 2K4LL1RT2", "***"])
def test_merchant_key_is_empty_when_nothing_is_left(name: str | None) -> None:
    assert merchant_key(name) == ""


def test_empty_keys_match_nothing() -> None:
    assert not same_merchant("", "")
    assert not same_merchant("", "uber")
    assert similarity("", "uber") == 0.0


def test_exact_and_spacing_only_differences() -> None:
    assert same_merchant("uber", "uber")
    assert similarity("uber", "uber") == 1.0
    assert same_merchant("blue bottle", "bluebottle")


def test_a_long_name_is_cut_to_the_bound() -> None:
    key = merchant_key("The Very Long Name Of A Neighbourhood Bakery And Coffee Roastery")
    assert len(key) <= MERCHANT_KEY_MAX
    assert key.startswith("very long name of")
    assert not key.endswith(" ")


@given(st.text(max_size=120))
def test_merchant_key_is_bounded_plain_words(name: str) -> None:
    key = merchant_key(name)
    assert len(key) <= MERCHANT_KEY_MAX
    assert key == key.strip()
    assert "  " not in key
    assert set(key) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_a_symmetric_fraction(a: str, b: str) -> None:
    ka, kb = merchant_key(a), merchant_key(b)
    assert 0.0 <= similarity(ka, kb) <= 1.0
    assert same_merchant(ka, kb) == same_merchant(kb, ka)
