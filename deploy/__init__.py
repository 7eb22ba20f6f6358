"""How ledgerbus runs: the command line, the embedded stack and process supervision."""
