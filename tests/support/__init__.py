"""What the tests share: in-memory stand-ins for unit tests and helpers for the real stack."""
