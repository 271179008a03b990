"""The benchmark's yardstick: the smallest Flask app that serves a short HTML page.

It runs under the same gunicorn, with the same settings (workers, TLS, logger),
as the self-check, so the ratio of the two says how much the self-check's own
work costs on this machine, whatever the machine is.
"""

from __future__ import annotations

from flask import Flask

PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8>"
    "<title>Baseline</title><h1>Baseline</h1><p>A short page.</p>"
)

app = Flask(__name__)


@app.get("/")
def page() -> str:
    return PAGE


@app.get("/healthz")
def healthz() -> str:
    return "ok\n"
