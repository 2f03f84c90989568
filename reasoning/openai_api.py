"""Reasoner `openai`: any OpenAI-compatible chat-completions server (vLLM serving Qwen3-VL, Ollama,
llama.cpp's server, ...), over plain HTTP with the standard library; the `openai` package is not needed.

Settings come from the constructor, else the environment: GAMEKB_OPENAI_BASE_URL (default vLLM's
http://127.0.0.1:8000/v1), GAMEKB_OPENAI_MODEL, GAMEKB_OPENAI_API_KEY or OPENAI_API_KEY, and
GAMEKB_OPENAI_MAX_IMAGES (4; 0 for a text-only model). Keyframes go as base64 data URLs; a message
without one is plain text. The prompt and the citation parsing are shared with qwen3-vl
(reasoning.prompting). Projected embeddings cannot cross this API; the server sees images and text.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import Any, Iterator, Sequence

from kb.errors import GamekbError
from kb.models.registry import register
from reasoning.prompting import SYSTEM_PROMPT, CitationGuard, image_moments, keyframes, make_answer, user_prompt
from reasoning.protocols import Answer
from retrieval.types import Moment

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_MODEL = "Qwen/Qwen3-VL-8B-Instruct"
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class ServerUnreachable(GamekbError):
    """The server did not answer (refused, timed out, DNS) after all retries."""


def _server_answers(options: dict[str, Any], creating: bool = False) -> str | None:
    """Registry check: something listens at the server's address (a TCP connect, 0.5 s at most).
    Not when the reasoner is created: the server may start later, and the request says when it is down."""
    if creating:
        return None
    import socket
    from urllib.parse import urlparse

    base = (options.get("base_url") or os.environ.get("GAMEKB_OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    url = urlparse(base)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)),
                                      timeout=0.5):
            return None
    except OSError:
        return f"no server answers at {base}; start one (vLLM, Ollama, python -m llama_cpp.server) or set GAMEKB_OPENAI_BASE_URL"


@register("reasoner", "openai", profile="full", requires=(), install="", check=_server_answers,
          description="any OpenAI-compatible server (vLLM, Ollama, llama.cpp): evidence text + keyframes")
class OpenAIReasoner:
    """Chat completions against an OpenAI-compatible server."""

    name = "openai"
    wants_media = True  # keyframes go as images (up to max_images)
    reports_progress = False

    def __init__(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                 timeout_s: float = 120.0, retries: int = 2, backoff_s: float = 1.0, max_images: int | None = None,
                 max_tokens: int = 512, temperature: float = 0.0) -> None:
        self.base_url = (base_url or os.environ.get("GAMEKB_OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.model = model or os.environ.get("GAMEKB_OPENAI_MODEL") or DEFAULT_MODEL
        self.api_key = api_key or os.environ.get("GAMEKB_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.timeout_s = timeout_s  # per request; generation of 512 tokens by an 8B model fits easily
        self.retries = retries  # extra attempts after the first, for refused connections, 429 and 5xx
        self.backoff_s = backoff_s  # first wait; doubles each retry
        # keyframes sent a question; 0 for a server whose model reads no images (a text-only GGUF)
        self.max_images = int(os.environ.get("GAMEKB_OPENAI_MAX_IMAGES", 4)) if max_images is None else max_images
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.model_id = self.model

    # ---- request ------------------------------------------------------------------------------

    def messages(self, question: str, evidence: Sequence[Moment]) -> list[dict[str, Any]]:
        with_images = image_moments(evidence, self.max_images)
        content: list[dict[str, Any]] = []
        for jpeg in keyframes(evidence, with_images):
            url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
            content.append({"type": "image_url", "image_url": {"url": url}})
        text = user_prompt(question, evidence, with_images)
        if not content:
            # Plain text when there is no image: servers of text-only models (llama.cpp's among them)
            # fail with HTTP 500 "can only concatenate str (not "list") to str" on a list of parts.
            return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": text}]
        content.append({"type": "text", "text": text})
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}]

    def _payload(self, question: str, evidence: Sequence[Moment], stream: bool) -> dict[str, Any]:
        return {"model": self.model, "messages": self.messages(question, evidence), "max_tokens": self.max_tokens,
                "temperature": self.temperature, "stream": stream}

    def _open(self, payload: dict[str, Any]) -> Any:
        """POST /chat/completions with retries and exponential backoff; returns the open response."""
        url = f"{self.base_url}/chat/completions"
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = json.dumps(payload).encode("utf-8")
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                return urllib.request.urlopen(request, timeout=self.timeout_s)
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc)
                if exc.code not in RETRY_STATUS:
                    raise GamekbError(f"the OpenAI-compatible server at {self.base_url} refused the request "
                                      f"(HTTP {exc.code}): {detail}") from exc
                last = f"HTTP {exc.code}: {detail}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = str(reason) or type(reason).__name__
            log.warning("request to %s failed (%s), attempt %d of %d", url, last, attempt + 1, self.retries + 1)
        raise ServerUnreachable(f"cannot reach the OpenAI-compatible server at {self.base_url}: {last}; "
                                f"start it or set GAMEKB_OPENAI_BASE_URL")

    # ---- Reasoner -----------------------------------------------------------------------------

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        with self._open(self._payload(question, evidence, stream=False)) as response:
            try:
                data = json.loads(response.read().decode("utf-8"))
                text = data["choices"][0]["message"].get("content") or ""
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise GamekbError(f"the server at {self.base_url} sent a reply that is not a chat completion: "
                                  f"{exc}") from exc
        return make_answer(text, evidence, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        """The answer as it arrives, less the citations of no evidence moment (CitationGuard)."""
        return CitationGuard(evidence).filter(self._pieces(question, evidence))

    def _pieces(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        """Server-sent events: `data: {chunk}` lines until `data: [DONE]`."""
        with self._open(self._payload(question, evidence, stream=True)) as response:
            for raw in response:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue  # comments (": keep-alive"), event names, blank separators
                data = line[len("data:"):].strip()
                if data == "[DONE]":
                    return
                try:
                    chunk = json.loads(data)
                except ValueError as exc:
                    raise GamekbError(f"the server at {self.base_url} sent a malformed stream chunk: {data[:200]}") from exc
                if chunk.get("error"):
                    raise GamekbError(f"the server at {self.base_url} failed mid-answer: {chunk['error']}")
                for choice in chunk.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", "replace")
    except Exception:  # the body is only a nicety for the message
        return exc.reason or ""
    try:
        err = json.loads(body).get("error")
        return (err.get("message") if isinstance(err, dict) else str(err)) or body[:300]
    except (ValueError, AttributeError):
        return body[:300]
