"""Sphinx extension that keeps the course site whole without internet.

The site must work in a room with no network, served from the laptop
itself, so no page may ask another host for anything. MathJax is served from
the site by ``sphinx-mathjax-offline``; this extension removes what is left:

- sphinx-thebe's scripts, which Jupyter Book always adds (twice: the second
  copy of the inline script fails with "Identifier 'THEBE_JS_URL' has already
  been declared") and which would fetch thebe from unpkg.com. Live code cells
  are off (``launch_buttons: thebe: false``); Colab and Binder are links.
- any other script listed twice on a page.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

__all__ = ["setup"]


def _thebe_enabled(app: Sphinx) -> bool:
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    return bool(launch.get("thebe")) or bool((app.config.thebe_config or {}).get("always_load"))


def _key(script: Any) -> tuple[str, str]:
    filename = getattr(script, "filename", script) or ""
    body = (getattr(script, "attributes", None) or {}).get("body", "")
    return str(filename), str(body)


def _is_thebe(script: Any) -> bool:
    filename, body = _key(script)
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "unpkg.com/thebe" in filename


def _prune_scripts(app: Sphinx, pagename: str, templatename: str, context: dict,
                   doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    drop_thebe = not _thebe_enabled(app)
    seen: set[tuple[str, str]] = set()
    kept = []
    for script in scripts:
        key = _key(script)
        if key in seen or (drop_thebe and _is_thebe(script)):
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept
    context["css_files"] = [
        css for css in context.get("css_files", [])
        if not (drop_thebe and "sphinx-thebe" in str(getattr(css, "filename", css)))
    ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _prune_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
