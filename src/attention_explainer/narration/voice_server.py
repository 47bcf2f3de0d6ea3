"""The render's voice server: one process with a voice loaded once (any voice whose clips are
made, not recorded: neural, kokoro, espeak, cmd), which makes spoken lines into its clip cache:
ahead of time (lines handed over by production) and on request (scene processes, over a Unix
socket). It knows nothing of scenes, scripts or traces: it is given spoken lines only.
Run as `python -m attention_explainer.narration.voice_server SOCKET CACHE SPEC`; it stops when its
parent does, or on SIGTERM.

Protocol: one JSON object per line. {"spoken": "..."} -> {"ok": true} once the clip is in the
cache (or {"error": "one line"}); {"ahead": ["...", ...]} queues lines to make in the background.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from attention_explainer.narration.clips import ahead, request  # noqa: F401 - the client side, here for callers
from attention_explainer.narration.voice import VoiceError, make_voice



def served(voice: Any) -> Any:
    """The part of `voice` a server can make clips for (itself, or the voice after a `+` of
    recordings), or None (recordings only, a plug-in voice, no voice)."""
    voice = getattr(voice, "fallback", voice)
    return voice if all(hasattr(voice, a) for a in ("make", "cached", "spec", "cache_dir")) else None


class Server:
    """Parent side: start the server process, and stop it."""

    def __init__(self, socket_path: Path, cache_dir: Path, spec: str = "neural") -> None:
        self.cache_dir = Path(cache_dir)
        self.socket_path = Path(socket_path)
        self.socket_path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "attention_explainer.narration.voice_server", str(self.socket_path),
             str(cache_dir), spec], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for tmp in self.cache_dir.glob(f"**/.*.{self.proc.pid}.tmp"):  # a clip cut off mid-write
            tmp.unlink(missing_ok=True)
        self.socket_path.unlink(missing_ok=True)
        try:
            self.socket_path.parent.rmdir()
        except OSError:
            pass


@contextmanager
def voice_server(voice: Any, lines: Sequence[str] = ()) -> Iterator[Optional[str]]:
    """While the block runs, one server for `voice` (if it makes its clips; see `served`), which
    makes `lines` (spoken forms, in the order needed) ahead in idle CPU time; yields its socket
    path for the scene processes (set it as their voice's `server`), or None."""
    voice = served(voice)
    if voice is None:
        yield None
        return
    # a short path: Unix socket paths are limited to ~100 bytes
    server = Server(Path(tempfile.mkdtemp(prefix="ae-voice-")) / "s", voice.cache_dir, voice.spec)
    socket_path = str(server.socket_path.resolve())
    try:
        if lines:
            threading.Thread(target=ahead, args=(socket_path, list(lines)), daemon=True).start()
        yield socket_path
    finally:
        server.stop()


def _serve(socket_path: str, cache_dir: str, spec: str) -> None:
    voice = served(make_voice(spec, Path(cache_dir)))
    if voice is None:
        raise VoiceError(f"voice server: '{spec}' makes no clips")
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
                    voice.make(str(message["spoken"]))
                    reply = {"ok": True}
            except Exception as e:  # noqa: BLE001 - reported to the scene, which fails in one line
                reply = {"error": f"{voice.label} voice: {e}"}
            self.wfile.write(json.dumps(reply).encode("utf-8") + b"\n")

    def background() -> None:
        # Made ahead at normal priority: a low-priority thread would hold the GIL (and a clip's
        # lock) while starved, stalling the scenes' own requests (measured: 1.76x a silent render).
        warm = getattr(voice, "warm", None)
        if callable(warm):
            warm()  # load the model while the scenes start
        while True:
            line = todo.get()
            try:
                voice.make(line)
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
    _serve(args[0], args[1], args[2] if len(args) > 2 else "neural")


if __name__ == "__main__":
    main()
