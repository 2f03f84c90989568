"""`gamekb serve`: a JSON API and one page over the same library functions as the CLI (issue 7).

app.py       the FastAPI app: /api/search, /api/events, /api/videos, /api/ask, keyframes, video bytes
             with HTTP range requests, the page; token auth and the loopback-only default
timeline.py  one video's events and HUD curves, as data for the page and as a PNG (matplotlib)
static/      the page: plain HTML, JS and CSS written for gamekb; nothing is loaded from a CDN

It lives under reasoning/ because it serves both search (retrieval/) and ask (reasoning/).
"""
