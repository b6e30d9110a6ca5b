"""Security headers on every response, trusting a reverse proxy when told to, and the
public address of the site.

Links that leave the site (share links, link-preview metadata) start with
`TORCHCANVAS_PUBLIC_URL` when it is set (e.g. `https://canvas.example.org`), never with
what a client put in its `Host` header; without it they follow the request, which is
right for a server on your own machine. `TORCHCANVAS_TRUSTED_HOSTS` (a JSON list, Flask's
`TRUSTED_HOSTS`) makes requests for any other host name fail with 400.

The Content-Security-Policy allows scripts only from this origin (no inline scripts,
no eval); inline *styles* are allowed because React Flow positions nodes with them.
A view may set its own `Content-Security-Policy` (e.g. a docs page); the rest are fixed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"

PROXY_KEYS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def proxy_fix_options(setting: Any) -> dict[str, int] | None:
    """ProxyFix arguments from `TORCHCANVAS_PROXY_FIX`.

    A number N trusts N proxies for X-Forwarded-For/-Proto/-Host/-Port/-Prefix; a JSON
    object such as {"x_for": 1, "x_proto": 1} sets them one by one; 0/false/unset is off.
    """
    if setting in (None, "", False, 0, "0", "false", "off"):
        return None
    if setting is True:
        setting = 1
    if isinstance(setting, dict):
        unknown = set(setting) - set(PROXY_KEYS)
        if unknown:
            raise ValueError(f"TORCHCANVAS_PROXY_FIX: unknown keys {sorted(unknown)}")
        return {key: int(value) for key, value in setting.items()}
    hops = int(setting)
    return dict.fromkeys(PROXY_KEYS, hops)


def public_url_setting(value: Any) -> str:
    """`TORCHCANVAS_PUBLIC_URL` without its trailing slash ('' when unset)."""
    text = str(value or "").strip().rstrip("/")
    if text and not text.startswith(("http://", "https://")):
        raise ValueError(f"TORCHCANVAS_PUBLIC_URL must start with https:// or http://: {text!r}")
    return text


def public_base() -> str:
    """Where the site is, without a trailing slash: the configured URL, else the request's."""
    return str(current_app.config["PUBLIC_URL"]) or request.url_root.rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to `endpoint` that no Host header can redirect."""
    path = url_for(endpoint, **values)
    return public_base() + path[len(request.script_root) :]


def init_app(app: Flask) -> None:
    app.config["PUBLIC_URL"] = public_url_setting(app.config.get("PUBLIC_URL"))
    app.jinja_env.globals["external_url"] = external_url
    options = proxy_fix_options(app.config.get("PROXY_FIX"))
    if options:
        app.wsgi_app = ProxyFix(app.wsgi_app, **options)  # type: ignore[method-assign]
    app.after_request(add_headers)
