"""SignalTrust: an AI trading platform that tells you, with evidence, how far to trust a signal."""

__version__ = "0.1.0"
