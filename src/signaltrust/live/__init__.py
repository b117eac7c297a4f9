"""Paper and live trading: the trading node, venue adapters, the journal, reconciliation."""
