"""The widget's script and the two pages that use it: the demo product page on `/` (the first
active workspace's widget, live on a fresh install) and the hosted chat page `/chat/{public_key}`
(the same conversation, full page, for links and QR codes)."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from storage import widget_queries
from storage.workspaces import active_workspace_by_public_key

HERE = Path(__file__).parent
router = APIRouter(tags=["widget"])
_templates = Environment(loader=FileSystemLoader(HERE / "widget_templates"),
                         autoescape=select_autoescape(["html"]), auto_reload=False)


@dataclass(frozen=True)
class Script:
    body: bytes
    gzipped: bytes
    etag: str


@cache
def widget_script() -> Script:
    body = (HERE / "widget_static" / "widget.js").read_bytes()
    return Script(body, gzip.compress(body, 9, mtime=0), '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


@router.get("/widget.js", include_in_schema=False)
def widget_js(request: Request) -> Response:
    js = widget_script()
    headers = {"ETag": js.etag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding",
               "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == js.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(js.gzipped, media_type="text/javascript; charset=utf-8",
                        headers=headers | {"Content-Encoding": "gzip"})
    return Response(js.body, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page(request: Request) -> HTMLResponse:
    with request.app.state.runtime.sessions() as s:
        ws = widget_queries.first_active_workspace(s)
        public_key, name = (ws.public_key, ws.name) if ws else (None, None)
    base = str(request.base_url).rstrip("/")
    html = _templates.get_template("demo.html").render(public_key=public_key, workspace_name=name, base_url=base)
    return HTMLResponse(html)


@router.get("/chat/{public_key}", response_class=HTMLResponse, include_in_schema=False)
def hosted_page(request: Request, public_key: str) -> HTMLResponse:
    with request.app.state.runtime.sessions() as s:
        ws = active_workspace_by_public_key(s, public_key)
        name = ws.name if ws is not None else None
    if name is None:
        html = _templates.get_template("not_found.html").render(public_key=public_key)
        return HTMLResponse(html, status_code=404)
    return HTMLResponse(_templates.get_template("hosted.html").render(public_key=public_key, workspace_name=name))
