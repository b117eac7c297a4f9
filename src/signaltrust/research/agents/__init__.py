"""The agents' actions on the trading domain (application layer): the compliance veto as a
pre-trade check, the risk manager's requests through the audited risk engine, the portfolio
agent's target weights, and the explained signal wired to the breakout score."""
