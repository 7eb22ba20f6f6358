"""Contracts and plumbing shared by every ledgerbus process (imports nothing of ours)."""
