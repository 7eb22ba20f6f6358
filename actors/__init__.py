"""Actors: one per domain, meeting the rest of the system only on the bus."""
