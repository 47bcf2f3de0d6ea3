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
        except (OSError, ValueError):
            return  # the server went away mid-answer: the caller synthesises itself
    if "error" in reply:
        raise VoiceError(str(reply["error"]))


def ahead(socket_path: str, lines: Sequence[str]) -> None:
    """Queue lines (spoken forms) for the server to make in idle CPU time (best effort)."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(socket_path)
                sock.sendall(json.dumps({"ahead": list(lines)}).encode("utf-8") + b"\n")
                sock.makefile("rb").readline()
            return
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.1)
        except OSError:
            return


def script_lines(cfg: Any, scene_ids: Sequence[str]) -> list[str]:
    """The spoken forms of the scenes' script lines that the config and trace alone fill (the
    others need values only their scene computes), in the order they are needed: the scenes'
    first lines first (round robin in render order), each scene's in its own order."""
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.narration.script import GLOBAL_FIELDS, context_for, script_for
    from attention_explainer.narration.spoken import to_spoken

    ctx = context_for(cfg, compute_trace(cfg))  # (makes the config's language the one in use)
    script = script_for(cfg.video.narration)
    per_scene: list[list[str]] = []
    for scene_id in scene_ids:
        said = []
        for line_id in script.ids(scene_id):
            if any(k not in GLOBAL_FIELDS for k in script.entries[line_id].fields):
                continue
            line = script.line(line_id, ctx)
            said.append(line.spoken if line.spoken is not None else to_spoken(line.text))
        per_scene.append(said)
    out = [lines[k] for k in range(max(map(len, per_scene), default=0)) for lines in per_scene if k < len(lines)]
    return [s for s in out if s.strip()]


class Server:
    """Parent side: start the server process, and stop it."""

    def __init__(self, socket_path: Path, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
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
        for tmp in (self.cache_dir / "neural").glob(f".*.{self.proc.pid}.tmp"):  # a clip cut off mid-write
            tmp.unlink(missing_ok=True)
        self.socket_path.unlink(missing_ok=True)
        try:
            self.socket_path.parent.rmdir()
        except OSError:
            pass


@contextmanager
def voice_server(voice: Any, jobs: Sequence[Any], work: Path, cfg: Any = None) -> Iterator[None]:
    """While rendering `jobs` (render._Job, env is passed to the scene processes) with the
    neural voice, run one server for all of them, and have it make the script lines of those
    scenes ahead in idle CPU time (`cfg`: the effective config); otherwise do nothing."""
    from attention_explainer.narration.neural_voice import SERVER_ENV, NeuralVoice

    if not isinstance(voice, NeuralVoice) or not jobs or any(j.still for j in jobs):
        yield
        return
    # a short path: Unix socket paths are limited to ~100 bytes
    server = Server(Path(tempfile.mkdtemp(prefix="ae-voice-")) / "s", voice.cache_dir)
    for job in jobs:
        job.env[SERVER_ENV] = str(server.socket_path.resolve())
    try:
        if cfg is not None:
            try:
                lines = script_lines(cfg, [j.info.id for j in jobs if _is_catalog_scene(j.info)])
            except Exception:  # noqa: BLE001 - ahead is an optimisation; scenes ask for what they need
                lines = []
            if lines:
                threading.Thread(target=ahead, args=(str(server.socket_path), lines), daemon=True).start()
        yield
    finally:
        server.stop()


def _is_catalog_scene(info: Any) -> bool:
    """The project's own scene for that id (or a copy of it), whose lines are the script's."""
    from attention_explainer.production.catalog import scene_by_id

    try:
        return bool(scene_by_id(info.id).cls == info.cls)
    except Exception:  # noqa: BLE001 - an id outside the catalog
        return False


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
        # Made ahead at normal priority: a low-priority thread would hold the GIL (and a clip's
        # lock) while starved, stalling the scenes' own requests (measured: 1.76x a silent render).
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
