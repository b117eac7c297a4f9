"""The vectorized engine, the event-driven engine, walk-forward runner and tearsheets."""
