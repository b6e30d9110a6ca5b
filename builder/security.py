"""Security headers on every response, and trusting a reverse proxy when told to.

The Content-Security-Policy allows scripts only from this origin (no inline scripts,
no eval); inline *styles* are allowed because React Flow positions nodes with them.
A view may set its own `Content-Security-Policy` (e.g. a docs page); the rest are fixed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
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


def init_app(app: Flask) -> None:
    options = proxy_fix_options(app.config.get("PROXY_FIX"))
    if options:
        app.wsgi_app = ProxyFix(app.wsgi_app, **options)  # type: ignore[method-assign]
    app.after_request(add_headers)
