"""Helpers of the fraud unit tests (the data set generators are :mod:`deploy.synthetic.fraud`)."""
