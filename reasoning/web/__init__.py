"""`gamekb serve`: a JSON API and one page, a face beside cli.py (issue 7; issue 15 part 4).

app.py       the FastAPI app: parses requests, calls reasoning.usecases (the use cases the CLI calls
             too) and reasoning.timeline, and sends their rows with the ids and links the page
             needs; plus video bytes with HTTP range requests, token auth and the loopback-only default
guard.py     request body cap and security headers
ranges.py    HTTP range requests over a file
static/      the page: plain HTML, JS and CSS written for gamekb; nothing is loaded from a CDN

It holds no reasoning and no queries of its own. Its place under reasoning/ is only because the
product fixes the top level (cli.py is the other face); it may import reasoning, retrieval and kb.
"""
