"""Column layouts and codes shared by the simulation kernels (compile-time integer constants)."""

from __future__ import annotations

# per-asset state: a float64 array shaped (assets, STATE_FIELDS)
POS = 0  # signed units held
AVG = 1  # average entry fill price of the open position
EFEES = 2  # entry fees not yet charged to a closed trade
EBAR = 3  # bar of the first entry of the open position
PEAK = 4  # highest high (long) / lowest low (short) since entry, for trailing stops
LAST = 5  # valuation price: the latest valid open or close
PEND = 6  # pending desired direction (+1 long, -1 short, 0 flat) or pending target; NaN = none
STATE_FIELDS = 7

# an order whose notional (an entry: whose allocation, fees included) is at most this share of
# equity is not placed: float noise of an account already all in, or of a rebalance
MIN_ORDER_SHARE = 1e-9

# trade records: float64 array shaped (trades, TRADE_FIELDS)
T_ASSET = 0
T_DIR = 1
T_EBAR = 2
T_XBAR = 3  # -1 while open
T_EPRICE = 4
T_XPRICE = 5
T_SIZE = 6
T_PNL = 7
T_FEES = 8
T_REASON = 9
TRADE_FIELDS = 10

# order records: float64 array shaped (orders, ORDER_FIELDS)
O_BAR = 0
O_ASSET = 1
O_SIDE = 2  # +1 buy, -1 sell
O_SIZE = 3  # positive units
O_PRICE = 4  # fill price, slippage included
O_FEES = 5
O_REASON = 6
ORDER_FIELDS = 7

# exit reasons (also the reason of an order)
R_OPEN = 0
R_SIGNAL = 1
R_STOP_LOSS = 2
R_TAKE_PROFIT = 3
R_TRAILING_STOP = 4
R_REVERSE = 5
EXIT_REASONS = ("open", "signal", "stop_loss", "take_profit", "trailing_stop", "reverse")

# running statistics: float64 array of ACC_FIELDS
A_CLOSED = 0  # closed trades
A_WINS = 1  # closed trades with pnl > 0
A_GROSS_PROFIT = 2
A_GROSS_LOSS = 3  # sum of losing pnl (<= 0)
A_ORDERS = 4
A_FEES = 5
ACC_FIELDS = 6

# size types
SIZE_PERCENT = 0
SIZE_UNITS = 1
SIZE_VALUE = 2
SIZE_TYPES = ("percent", "units", "value")

# target types
TARGET_WEIGHT = 0
TARGET_UNITS = 1
TARGET_TYPES = ("weight", "units")

# the stats-only kernel's output vector (names as in signaltrust.metrics.performance_summary)
S_FINAL_EQUITY = 0
S_TOTAL_RETURN = 1  # final equity / starting cash - 1
S_SHARPE = 2
S_MAX_DRAWDOWN = 3
S_TRADES = 4  # closed trades
S_OPEN_TRADES = 5
S_WIN_RATE = 6
S_PROFIT_FACTOR = 7
S_ORDERS = 8
S_FEES = 9
S_ANNUAL_VOLATILITY = 10
STAT_FIELDS = 11
STAT_NAMES = (
    "final_equity",
    "total_return",
    "sharpe_ratio",
    "max_drawdown",
    "trades",
    "open_trades",
    "win_rate",
    "profit_factor",
    "orders",
    "fees_paid",
    "annual_volatility",
)
