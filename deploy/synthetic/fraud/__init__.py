"""Synthetic expense traffic with labelled fraud patterns, for evaluating a fraud scorer."""
