"""The SignalTrust API (FastAPI): :func:`signaltrust.api.app.create_app` builds it and
``signaltrust api`` serves it on uvicorn.

Nothing is imported here, so that ``signaltrust.api.security`` and the routers load alone.
"""
