"""Alembic migrations of the application-state database (run by ``Database.upgrade``)."""
