"""Paper trading nodes: list them and read their orders, fills, positions, P&L, equity
history and log (viewer); start, stop, pause, resume, cancel, close (every position or one
symbol's) and reconcile (trader); acknowledge risk differences (admin). Every action is
audited with its actor and queued for the node, which answers within a fraction of a second
while it runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.errors import ErrorBody
from signaltrust.api.routers.backtests import DATA, ParamValue, Strategy
from signaltrust.api.security import Principal, require_role
from signaltrust.api.services.nodes import check_node_name
from signaltrust.api.services.state import nodes_of
from signaltrust.core.errors import ValidationError

router = APIRouter(prefix="/nodes", tags=["nodes"])
NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$"
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a value is not valid or no such node"},
}
NodeName = Annotated[str, Path(pattern=NAME, description="the node's name")]


class AccountFigures(BaseModel):
    account: str = Field(examples=["main"])
    broker: str = Field(examples=["paper"])
    cash: float
    equity: float
    positions: dict[str, float] = Field(examples=[{"goog": 668.6}])
    fills: int
    risk_state: str = Field(examples=["ACTIVE"])
    paused: bool = False


class PnL(BaseModel):
    account: str = Field(examples=["main"])
    equity: float = Field(examples=[104_512.3])
    cash: float
    start_cash: float | None = Field(examples=[100_000.0])
    pnl: float | None = Field(description="equity - starting cash", examples=[4_512.3])


class NodeAnswer(BaseModel):
    name: str = Field(examples=["demo"])
    mode: str = Field(examples=["paper"])
    status: str = Field(description="starting, running, stopped, finished, crashed or down "
                        "(its process ended without stopping)", examples=["running"])
    pid: int | None = None
    heartbeat: str | None = Field(examples=["2026-12-07T15:00:00+00:00"])
    steps: int | None = Field(examples=[1200])
    last_bar: str | None = Field(examples=["2009-05-01T00:00:00+00:00"])
    data: list[str] = Field(examples=[["goog"]])
    accounts: list[AccountFigures]
    pnl: list[PnL]


class StartRequest(BaseModel):
    name: str = Field(pattern=NAME, examples=["demo"])
    data: str = Field(pattern=DATA, examples=["goog"])
    strategy: Strategy = Field(examples=["sma_cross"])
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=32)
    speed: str = Field(default="max", pattern=r"^(max|[0-9]{1,9}(\.[0-9]{1,6})?)$",
                       description="max, or a factor of real time (86400: a day a second)",
                       examples=["86400"])
    cash: float | None = Field(default=None, gt=0, le=1e12)


class StartAnswer(BaseModel):
    name: str
    pid: int
    status: str = Field(examples=["starting"])
    command: list[str]


class CommandRequest(BaseModel):
    wait: float = Field(default=2.0, ge=0, le=10, description="seconds to wait for the answer")
    note: str | None = Field(default=None, max_length=500, description="why (journalled)")


class CancelRequest(CommandRequest):
    client_order_id: str | None = Field(default=None, max_length=128,
                                        description="one order (default: every open order)")


class CommandAnswer(BaseModel):
    node: str
    command: str
    id: int
    answered: bool
    answer: str = Field(examples=["stopping"])


class JournalRow(BaseModel):
    model_config = {"extra": "allow"}

    seq: int = Field(description="the journal's number: ask again with after=seq")
    ts: str | None
    kind: str = Field(examples=["fill"])


class Position(BaseModel):
    account: str
    symbol: str
    quantity: float


class CloseRequest(CommandRequest):
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/^=-]{0,63}$",
                               description="one symbol's position (default: every position)",
                               examples=["goog"])


class EquityPoint(BaseModel):
    time: str = Field(description="the bar's end (UTC)", examples=["2009-05-01T00:00:00+00:00"])
    equity: dict[str, float] = Field(description="each account's equity after that bar",
                                     examples=[{"main": 104_512.3}])
    total: float = Field(examples=[104_512.3])


class LogLine(BaseModel):
    model_config = {"extra": "allow"}

    seq: int | None = Field(description="the journal's number (none: a process line)")
    ts: str | None
    kind: str = Field(description="command, state, reconcile (journal) or process",
                      examples=["command"])
    source: str = Field(examples=["journal"])
    message: str = Field(examples=["ada: close (symbol goog)"])


@router.get("", response_model=list[NodeAnswer], summary="Every node with its figures")
def list_nodes(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))]
               ) -> Any:
    return nodes_of(request.app).list()


@router.post("", response_model=StartAnswer, status_code=202, responses=ERRORS,
             summary="Start a paper node (a background process)")
def start(request: Request, body: StartRequest,
          principal: Annotated[Principal, Depends(require_role("trader"))]) -> Any:
    """Runs ``signaltrust paper --data D --strategy S --name N --speed X`` on this
    installation's database; started again under a name it resumes from its journal."""
    answer = nodes_of(request.app).start(body.name, data=body.data, strategy=body.strategy,
                                         params=body.params, speed=body.speed, cash=body.cash)
    audit(request, "nodes.start", body.name, body.model_dump(exclude_none=True))
    return answer


@router.get("/{name}", response_model=NodeAnswer, responses=ERRORS, summary="One node")
def get_node(request: Request, name: NodeName,
             _: Annotated[Principal, Depends(require_role("viewer"))]) -> Any:
    return nodes_of(request.app).get(name)


@router.get("/{name}/orders", response_model=list[JournalRow], responses=ERRORS,
            summary="The node's order events (or its open orders)")
def orders(request: Request, name: NodeName,
           _: Annotated[Principal, Depends(require_role("viewer"))],
           open_only: Annotated[bool, Query(alias="open")] = False,
           after: Annotated[int, Query(ge=0)] = 0,
           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    service = nodes_of(request.app)
    if open_only:
        return [{"ts": o.get("time"), "kind": "order", **o}
                for o in service.open_orders(name)][:limit]
    return service.orders(name, after=after, limit=limit)


@router.get("/{name}/fills", response_model=list[JournalRow], responses=ERRORS,
            summary="The node's fills")
def fills(request: Request, name: NodeName,
          _: Annotated[Principal, Depends(require_role("viewer"))],
          after: Annotated[int, Query(ge=0)] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    return nodes_of(request.app).fills(name, after=after, limit=limit)


@router.get("/{name}/positions", response_model=list[Position], responses=ERRORS,
            summary="The node's open positions (its latest heartbeat)")
def positions(request: Request, name: NodeName,
              _: Annotated[Principal, Depends(require_role("viewer"))]) -> Any:
    return nodes_of(request.app).positions(name)


@router.get("/{name}/pnl", response_model=list[PnL], responses=ERRORS,
            summary="Each account's equity and P&L (its latest heartbeat)")
def pnl(request: Request, name: NodeName,
        _: Annotated[Principal, Depends(require_role("viewer"))]) -> Any:
    return nodes_of(request.app).pnl(name)


@router.get("/{name}/equity", response_model=list[EquityPoint], responses=ERRORS,
            summary="The node's equity after each bar, from its journal")
def equity(request: Request, name: NodeName,
           _: Annotated[Principal, Depends(require_role("viewer"))],
           limit: Annotated[int, Query(ge=2, le=20_000)] = 2000) -> Any:
    """Each account's journalled cash plus its journalled positions marked at the latest
    journalled close, after every bar step since the node first started (at most ``limit``
    points, evenly spaced; the first and the latest kept)."""
    service = nodes_of(request.app)
    record = service.registry.require(check_node_name(name))
    start_cash = {a.get("name", "main"): float(a.get("cash") or 0.0)
                  for a in record.config.get("accounts", [])}
    return service.equity(name, start_cash, limit)


@router.get("/{name}/logs", response_model=list[LogLine], responses=ERRORS,
            summary="The node's recent log: operators' commands, risk states, its output")
def logs(request: Request, name: NodeName,
         _: Annotated[Principal, Depends(require_role("viewer"))],
         limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    """The latest ``limit`` journal entries that say what happened to the node (each
    operator's command with its actor, risk state changes, reconciliations; the WebSocket's
    ``logs`` channel sends the next ones as they are journalled), then the last ``limit``
    lines its process wrote (nodes the API started: their output file)."""
    from signaltrust.live.history import journal_log, process_log

    service = nodes_of(request.app)
    service.registry.require(check_node_name(name))
    return [*journal_log(service.database, name, limit=limit),
            *process_log(service.log_dir / f"{name}.log", limit=limit)]


def _command(request: Request, name: str, command: str, body: CommandRequest,
             principal: Principal, args: dict[str, Any] | None = None) -> Any:
    args = {**(args or {}), **({"note": body.note} if body.note else {})}
    answer = nodes_of(request.app).command(name, command, args, actor=principal.name,
                                           wait=body.wait)
    audit(request, f"nodes.{command}", name, {"command_id": answer["id"], **args})
    return answer


@router.post("/{name}/cancel", response_model=CommandAnswer, responses=ERRORS,
             summary="Cancel one open order or every open order (trader)")
def cancel(request: Request, name: NodeName, body: CancelRequest,
           principal: Annotated[Principal, Depends(require_role("trader"))]) -> Any:
    args = {"client_order_id": body.client_order_id} if body.client_order_id else {}
    return _command(request, name, "cancel", body, principal, args)


@router.post("/{name}/acknowledge", response_model=CommandAnswer, responses=ERRORS,
             summary="Acknowledge the differences that put the node in REDUCING or HALTED")
def acknowledge(request: Request, name: NodeName, body: CommandRequest,
                principal: Annotated[Principal, Depends(require_role("admin"))]) -> Any:
    return _command(request, name, "ack", body, principal)


@router.post("/{name}/close", response_model=CommandAnswer, responses=ERRORS,
             summary="Close every position, or one symbol's, with market orders (trader)")
def close(request: Request, name: NodeName,
          principal: Annotated[Principal, Depends(require_role("trader"))],
          body: CloseRequest | None = None) -> Any:
    """Market orders that close every position of every account, or only the positions in
    ``symbol`` (the node answers ``nothing to close`` when it holds none there)."""
    body = body or CloseRequest()
    if body.symbol is not None:
        known = {p["symbol"] for p in nodes_of(request.app).positions(name)}
        known |= set(nodes_of(request.app).get(name)["data"])
        if body.symbol not in known:
            raise ValidationError(
                f"the node {name} neither holds nor trades {body.symbol}", field="symbol",
                value=body.symbol, fix=f"GET /api/v1/nodes/{name}/positions lists what it "
                "holds; leave symbol out to close every position")
    args = {"symbol": body.symbol} if body.symbol is not None else {}
    return _command(request, name, "close", body, principal, args)


# after /cancel, /acknowledge and /close: the path parameter would match them first
Action = Literal["stop", "pause", "resume", "reconcile"]


@router.post("/{name}/{action}", response_model=CommandAnswer, responses=ERRORS,
             summary="Stop, pause, resume or reconcile (trader)")
def act(request: Request, name: NodeName, action: Annotated[Action, Path()],
        principal: Annotated[Principal, Depends(require_role("trader"))],
        body: CommandRequest | None = None) -> Any:
    """``stop`` after the current step (it snapshots); ``pause`` denies new orders until
    ``resume``; ``reconcile`` compares with the brokers (``/close`` closes positions)."""
    return _command(request, name, action, body or CommandRequest(), principal)
