"""ledgerbus tests (see the README's Tests section)."""
