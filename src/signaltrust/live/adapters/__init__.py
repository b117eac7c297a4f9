"""Venue adapters: Alpaca, CCXT exchanges, OANDA and Robinhood crypto behind one contract
(:mod:`signaltrust.live.contract`), opened by name with :func:`open_venue`."""
