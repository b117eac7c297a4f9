"""Bundled real datasets, importers, the bar store, quality checks and resampling."""
