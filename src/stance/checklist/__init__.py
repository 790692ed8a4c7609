"""CheckList-style behavioural tests of a fitted stance classifier (see suite.py)."""
