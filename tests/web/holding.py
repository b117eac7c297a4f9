"""A strategy for the tests of closing one position: it buys 10 of each symbol it sees once,
then holds (a position closed by an operator stays closed)."""

from signaltrust.strategy import Strategy


class HoldsEach(Strategy):
    def on_bar(self, ctx, bar):
        bought = self.__dict__.setdefault("bought", set())
        if bar.symbol not in bought:
            bought.add(bar.symbol)
            ctx.buy(bar.symbol, 10)
