"""The render's voice server: one process with the neural model loaded once, which the scene
processes ask for clips over a Unix socket while they render (and which can be handed lines to
make ahead of time). Run as `python -m attention_explainer.narration.voice_server SOCKET CACHE`;
it stops when its parent does, or on SIGTERM.

Protocol: one JSON object per line. {"spoken": "..."} -> {"ok": true} once the clip is in the
cache (or {"error": "one line"}); {"ahead": ["...", ...]} queues lines to make in the background.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from attention_explainer.narration.voice import VoiceError

CONNECT_SECONDS = 60.0  # a scene waits this long for the server's socket to appear


def request(socket_path: str, spoken: str) -> None:
    """Ask the server for the clip of `spoken`; returns once it is in the cache."""
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(socket_path)
                sock.sendall(json.dumps({"spoken": spoken}).encode("utf-8") + b"\n")
                reply = json.loads(sock.makefile("rb").readline() or b"{}")
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                return  # no server after all: the caller synthesises itself
            time.sleep(0.1)
    if "error" in reply:
        raise VoiceError(str(reply["error"]))


def ahead(socket_path: str, lines: Sequence[str]) -> None:
    """Queue lines for the server to make while scenes render (best effort)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(socket_path)
            sock.sendall(json.dumps({"ahead": list(lines)}).encode("utf-8") + b"\n")
            sock.makefile("rb").readline()
    except OSError:
        pass


class Server:
    """Parent side: start the server process, and stop it."""

    def __init__(self, socket_path: Path, cache_dir: Path) -> None:
        self.socket_path = Path(socket_path)
        self.socket_path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "attention_explainer.narration.voice_server", str(self.socket_path),
             str(cache_dir)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.socket_path.unlink(missing_ok=True)
        try:
            self.socket_path.parent.rmdir()
        except OSError:
            pass


@contextmanager
def voice_server(voice: Any, jobs: Sequence[Any], work: Path) -> Iterator[None]:
    """While rendering `jobs` (render._Job, env is passed to the scene processes) with the
    neural voice, run one server for all of them; otherwise do nothing."""
    from attention_explainer.narration.neural_voice import SERVER_ENV, NeuralVoice

    if not isinstance(voice, NeuralVoice) or not jobs or any(j.still for j in jobs):
        yield
        return
    # a short path: Unix socket paths are limited to ~100 bytes
    server = Server(Path(tempfile.mkdtemp(prefix="ae-voice-")) / "s", voice.cache_dir)
    for job in jobs:
        job.env[SERVER_ENV] = str(server.socket_path.resolve())
    try:
        yield
    finally:
        server.stop()


def _serve(socket_path: str, cache_dir: str) -> None:
    from attention_explainer.narration.neural import shared_engine
    from attention_explainer.narration.neural_voice import synthesise_cached

    cache = Path(cache_dir)
    todo: "queue.Queue[str]" = queue.Queue()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            try:
                message = json.loads(self.rfile.readline() or b"{}")
                if "ahead" in message:
                    for line in message["ahead"]:
                        todo.put(str(line))
                    reply: dict[str, object] = {"ok": True}
                else:
                    synthesise_cached(cache, str(message["spoken"]))
                    reply = {"ok": True}
            except Exception as e:  # noqa: BLE001 - reported to the scene, which fails in one line
                reply = {"error": f"neural voice: {e}"}
            self.wfile.write(json.dumps(reply).encode("utf-8") + b"\n")

    def background() -> None:
        shared_engine()  # load the model while the scenes start
        while True:
            line = todo.get()
            try:
                synthesise_cached(cache, line)
            except Exception:  # noqa: BLE001 - a scene asking for it gets the error
                pass

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=background, daemon=True).start()
    threading.Thread(target=watch, daemon=True).start()
    socketserver.ThreadingUnixStreamServer.daemon_threads = True
    with socketserver.ThreadingUnixStreamServer(socket_path, Handler) as server:
        server.serve_forever()


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    _serve(args[0], args[1])


if __name__ == "__main__":
    main()
