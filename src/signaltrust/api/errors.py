"""Errors as JSON with the shape of ``core.errors``: ``error``, ``message``, ``field``,
``value`` and ``fix`` (and ``errors`` listing every bad field of a request), never a
traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from signaltrust.core.errors import SignalTrustError
from signaltrust.core.serialize import to_plain

logger = logging.getLogger("signaltrust.api")


class ErrorBody(BaseModel):
    """What every error answer holds."""

    error: str = Field(examples=["ValidationError"])
    message: str = Field(examples=["the field start is not a date"])
    field: str | None = Field(default=None, examples=["start"])
    value: str | None = Field(default=None, examples=["2024-13-01"])
    fix: str | None = Field(default=None, examples=["write a date as YYYY-MM-DD"])
    errors: list[dict[str, Any]] | None = None


class ApiError(Exception):
    """An HTTP answer other than success, with the fields of :class:`ErrorBody`."""

    def __init__(self, status: int, error: str, message: str, *, field: str | None = None,
                 value: Any = None, fix: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "message": message, "field": field,
                     "value": None if value is None else str(value), "fix": fix}
        self.headers = headers


def status_of(exc: SignalTrustError) -> int:
    """404 for something named that does not exist (the library's ``KeyError`` errors: a
    dataset, a model, an order), the error's own ``http_status`` (401, 429) or 400."""
    if isinstance(exc, KeyError):
        return 404
    return int(getattr(exc, "http_status", 400))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as :class:`ErrorBody` JSON."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(SignalTrustError)
    async def library_error(request: Request, exc: SignalTrustError) -> JSONResponse:
        headers = None
        retry = getattr(exc, "retry_after_s", None)
        if retry:
            headers = {"Retry-After": str(retry)}
        return JSONResponse(exc.to_dict(), status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "value": None, "fix": None,
                                          "message": "the request is not valid"}
        body = {"error": "ValidationError",
                "message": f"{first['field']}: {first['message']}" if first["field"]
                else first["message"],
                "field": first["field"], "value": first["value"], "fix": first["fix"],
                "errors": errors}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = {"error": _phrase(exc.status_code), "message": message, "field": None,
                "value": None, "fix": None}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None)
        logger.exception("unhandled error in %s %s (request %s)", request.method,
                         request.url.path, request_id)
        body = {"error": "InternalError",
                "message": f"an internal error ({type(exc).__name__}); this is a bug",
                "field": None, "value": request_id,
                "fix": "report it with the request id (the value)"}
        return JSONResponse(body, status_code=500)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header",
                                                               "cookie")]
    value = error.get("input")
    if isinstance(value, dict | list):
        value = None if error.get("type") == "missing" else to_plain(value)
    msg = str(error.get("msg", "invalid"))
    fix = "give this field" if error.get("type") == "missing" else msg.replace(
        "Input should be", "send").replace("Value error, ", "")
    return {"field": ".".join(loc) or None, "value": None if value is None else str(value),
            "message": msg, "fix": fix}


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        return "HTTPError"


__all__ = ["ApiError", "ErrorBody", "install", "status_of"]
