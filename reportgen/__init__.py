"""reportgen: worked machine-learning homework -> verified, typeset PDF reports."""

__version__ = "0.1.0"
