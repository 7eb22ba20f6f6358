"""Synthetic data sets, deterministic from a seed: labelled expense traffic for evaluating the
fraud scorer (:mod:`deploy.synthetic.fraud`) and receipts with their ground truth for evaluating
receipt reading (:mod:`deploy.synthetic.receipts`). The command-line evaluations, the benchmarks
and the tests all draw from here."""
