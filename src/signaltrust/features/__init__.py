"""Feature sets, labels (forward returns, triple barrier) and the feature store."""
