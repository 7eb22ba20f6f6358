"""The notifications actor: an inbox item, a mail and a push for what concerns a person, each
delivered exactly once per (event, recipient, channel)."""
