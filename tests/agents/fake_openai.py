"""A fake OpenAI-compatible chat server on loopback: scripted answers, tool calls, streaming.

``FakeOpenAI(script)`` serves ``POST /v1/chat/completions``. Each request takes the next step
of the script: ``("tool", name, args)`` calls a tool of the request, ``("final", args)`` calls
the request's output tool (the structured answer), ``("text", content)`` answers in prose,
``("sleep", seconds)`` waits before the next step, ``("error", status)`` answers that HTTP
error. A request with ``"stream": true`` gets the
same answer as server-sent event chunks. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self, script: list[tuple], *, delay_s: float = 0.0, repeat_last: bool = True,
                 usage: tuple[int, int] = (120, 30)) -> None:
        self.script = list(script)
        self.delay_s = delay_s
        self.repeat_last = repeat_last
        self.usage = usage
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._step = 0

    def next_step(self) -> tuple:
        with self._lock:
            while True:
                if self._step < len(self.script):
                    step = self.script[self._step]
                    self._step += 1
                else:
                    step = self.script[-1]
                if step[0] == "sleep":
                    time.sleep(step[1])
                    continue
                return step

    def peek_error(self) -> bool:
        with self._lock:
            return self._step < len(self.script) and self.script[self._step][0] == "error"

    def answer(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The assistant message of the next step, and its finish reason."""
        step = self.next_step()
        if step[0] == "text":
            return {"role": "assistant", "content": step[1]}, "stop"
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        if step[0] == "final":
            name = next(n for n in tools if n.startswith("final_result"))
            args = step[1]
        else:
            name, args = step[1], step[2]
        call = {"id": f"call_{len(self.requests)}", "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                step = fake.next_step() if fake.peek_error() else None
                if step is not None:
                    payload = json.dumps({"error": {"message": "overloaded"}}).encode()
                    self.send_response(step[1])
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                message, finish = fake.answer(body)
                usage = {"prompt_tokens": fake.usage[0], "completion_tokens": fake.usage[1],
                         "total_tokens": sum(fake.usage)}
                base = {"id": "chatcmpl-fake", "created": 0, "model": body.get("model", "fake")}
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for chunk in _chunks(message, finish, usage):
                        data = json.dumps({**base, "object": "chat.completion.chunk", **chunk})
                        self.wfile.write(f"data: {data}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                payload = json.dumps({**base, "object": "chat.completion", "choices": [
                    {"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)  # the client may have timed out

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _chunks(message: dict[str, Any], finish: str, usage: dict[str, int]) -> list[dict[str, Any]]:
    """The streamed form of a message: the role, then the content or the tool call's
    arguments in pieces, then the finish reason, then the usage."""
    out: list[dict[str, Any]] = [{"choices": [{"index": 0, "delta": {"role": "assistant"},
                                               "finish_reason": None}]}]
    if message.get("content"):
        text = message["content"]
        for i in range(0, len(text), 16):
            out.append({"choices": [{"index": 0, "delta": {"content": text[i:i + 16]},
                                     "finish_reason": None}]})
    for call in message.get("tool_calls", []):
        args = call["function"]["arguments"]
        out.append({"choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": 0, "id": call["id"], "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""}}]},
            "finish_reason": None}]})
        for i in range(0, len(args), 10):
            out.append({"choices": [{"index": 0, "delta": {"tool_calls": [{
                "index": 0, "function": {"arguments": args[i:i + 10]}}]},
                "finish_reason": None}]})
    out.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    out.append({"choices": [], "usage": usage})
    return out
