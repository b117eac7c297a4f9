"""The dashboard at ``/``: the built bundle of ``web/`` (package data in
``signaltrust.web_dist``), served by the API itself, so a pip install needs no Node.js.

Mounted last, so every API route answers first. ``/`` and ``/index.html`` are the page (never
cached: a new release is seen at once), ``/assets/...`` the hashed files (cached for a year);
any other path is the API's JSON 404. Without a built bundle nothing is mounted.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

PAGE_PATHS = ("/", "/index.html")
TOP_FILES = ("favicon.svg", "manifest.json")


def bundle_dir() -> Path:
    """Where the built dashboard lies (inside the installed package)."""
    return Path(str(resources.files("signaltrust.web_dist")))


class Dashboard:
    """An ASGI app serving the bundle in ``root``; other paths raise the API's 404."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.assets = StaticFiles(directory=root / "assets", check_dir=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise HTTPException(404)
        path = scope.get("path", "/")
        if path in PAGE_PATHS:
            response = FileResponse(self.root / "index.html",
                                    headers={"Cache-Control": "no-cache"})
        elif path.lstrip("/") in TOP_FILES:
            response = FileResponse(self.root / path.lstrip("/"))
        elif path.startswith("/assets/"):
            sub = {**scope, "path": path[len("/assets"):], "root_path": ""}

            async def cached(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start" and message["status"] == 200:
                    message["headers"] = [*message.get("headers", []), (
                        b"cache-control", b"public, max-age=31536000, immutable")]
                await send(message)

            await self.assets(sub, receive, cached)
            return
        else:
            raise HTTPException(404, "Not Found")
        await response(scope, receive, send)


def mount_dashboard(app: Any, root: Path | None = None) -> bool:
    """Serve the dashboard at ``/`` when a bundle is built; whether it was mounted."""
    root = root or bundle_dir()
    if not (root / "index.html").is_file():
        return False
    app.mount("/", Dashboard(root), name="dashboard")
    return True


__all__ = ["Dashboard", "bundle_dir", "mount_dashboard"]
