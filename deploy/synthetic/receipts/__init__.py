"""Synthetic receipts with their ground truth, for testing and evaluating receipt reading."""
