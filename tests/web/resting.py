"""A strategy for the browser tests: one buy limit far below the market, which rests open
until someone cancels it (what the dashboard's cancel button is tested on)."""

from signaltrust.strategy import Strategy


class RestingLimit(Strategy):
    def on_bar(self, ctx, bar):
        if not ctx.open_orders() and not getattr(self, "placed", False):
            self.placed = True
            ctx.buy(bar.symbol, 1, type="limit", limit=round(bar.close * 0.5, 2))
