"""Hostile input through the command line: any sentence, odd arguments, a closed pipe, a full disk,
an unexpected bug. Each ends in success or one line on stderr (exit 2; 1 for a bug), never a
traceback, never a second line. In-process main() for breadth, a few real processes for the
exit-code contract."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attention_explainer.cli import export as export_module
from attention_explainer.cli import cli, main
from attention_explainer.config import MAX_DIM, MAX_SENTENCE_CHARS, MAX_TOKENS
from attention_explainer.system.doctor import Check
from attention_explainer.core.tokens import tokenize

HOSTILE = [
    "",
    "   \t\n  ",
    "word",
    " ".join(f"w{i}" for i in range(45)),  # 40+ tokens
    "x" * 60,  # one 60-character word
    "café naïve Straße Привет Γειά हिन्दी ไทย",
    "日本語のテキスト 中文 한국어",
    "مرحبا بالعالم שלום",  # right to left
    "I ❤️ it 👍🏽 👨\u200d👩\u200d👧 🇫🇷",
    r"& % $ # _ { } ~ ^ \ \input{/etc/hostname} \write18{touch /tmp/x}",
    "<b>x</b> &amp; &lt;i&gt; <span foreground='red'>r</span>",
    "\"double\" 'single' “curly” ‘single’ «guillemets»",
    "tab\there\nnew line\r\nwindows",
    "'; DROP TABLE tokens; --",
    "$(touch /tmp/x) `touch /tmp/x` ${HOME} %s %n {0} {beat}",
]


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main() in this process: (exit code, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_success_or_one_line(code: int, out: str, err: str) -> None:
    if code == 0:
        assert err == ""
        return
    assert code == 2, (code, err)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1 and err.startswith("error: "), repr(err)
    assert "Traceback" not in err
    assert all(unicodedata.category(ch) not in {"Cc", "Cs"} for ch in err[:-1]), repr(err)


def config_file(tmp_path: Path, sentence: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"sentence": sentence}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("sentence", HOSTILE)
def test_export_of_hostile_sentences_keeps_the_text_exactly(tmp_path: Path, capsys, sentence: str) -> None:
    code, out, err = run_main(["export", "-c", str(config_file(tmp_path, sentence))], capsys)
    assert_success_or_one_line(code, out, err)
    if not tokenize(sentence):
        assert code == 2 and "sentence: has no tokens; write at least one word" in err
        return
    assert code == 0
    data = json.loads(out)
    assert data["tokens"] == tokenize(sentence)  # exactly as typed: no escaping, no normalising
    assert "".join(data["tokens"]) == "".join(sentence.split())


def test_the_csv_export_quotes_hostile_tokens(tmp_path: Path, capsys) -> None:
    import csv
    import io

    from attention_explainer.core.labels import distinct_labels

    sentence = 'a "b" ,c, \\n =1+1 @x'
    code, out, err = run_main(["export", "--format", "csv", "-c", str(config_file(tmp_path, sentence))], capsys)
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    labels = [r[3] for r in rows[1:] if r[0] == "X"][::4]  # d_model 4: one label per 4 entries
    assert labels == distinct_labels(tokenize(sentence))  # repeated tokens get " (2)"


# Any text up to the length limit: letters, marks, symbols, spaces, emoji, controls included.
SENTENCES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("\t\n\x1b\x00\u202e\u200d "),
    max_size=MAX_SENTENCE_CHARS + 20,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=SENTENCES)
def test_export_never_crashes_on_any_sentence(tmp_path: Path, capsys, sentence: str) -> None:
    code, out, err = run_main(["export", "-c", str(config_file(tmp_path, sentence))], capsys)
    assert_success_or_one_line(code, out, err)
    if code == 0:
        assert json.loads(out)["tokens"] == tokenize(sentence)
        assert 1 <= len(tokenize(sentence)) <= MAX_TOKENS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_export_never_crashes_on_a_sentence_pasted_into_yaml_unquoted(tmp_path: Path, capsys, sentence: str) -> None:
    # As a user pastes it: `sentence: <text>` with no quoting, so YAML syntax is random too.
    path = tmp_path / "raw.yaml"
    path.write_text(f"sentence: {sentence}\n", encoding="utf-8")
    code, out, err = run_main(["export", "--format", "csv", "-c", str(path)], capsys)
    assert_success_or_one_line(code, out, err)


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "x\x1b[2Jy"],
        ["scene", "heat\nmap"],
        ["frob\x07nicate"],
        ["export", "--bogus\u202e"],
    ],
)
def test_click_errors_with_control_characters_stay_one_line(capsys, args: list[str]) -> None:
    code, out, err = run_main(args, capsys)
    assert_success_or_one_line(code, out, err)
    assert code == 2


# -------------------------------------------------------------------------- the system fails


def test_an_unexpected_bug_is_one_line_exit_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def broken(config: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(export_module, "compute_trace", broken)
    code, out, err = run_main(["export"], capsys)
    assert code == 1 and out == ""
    assert err == ("error: internal error: RuntimeError: boom\\nsecond line (run again with --debug for the "
                   "traceback, and please report it)\n")
    with pytest.raises(RuntimeError):
        main(["--debug", "export"])


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (OSError(28, "No space left on device", "/m/x.mp4"),
         "error: /m/x.mp4: the disk is full (No space left on device); free some space and run again\n"),
        (OSError(30, "Read-only file system", "/ro/out"),
         "error: /ro: the folder is read-only; choose another (--media-dir, -o)\n"),
        (PermissionError(13, "Permission denied", "/root/x"), "error: /root/x: Permission denied\n"),
    ],
)
def test_os_errors_are_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, capsys, error: OSError, line: str) -> None:
    def failing(config: object) -> None:
        raise error

    monkeypatch.setattr(export_module, "compute_trace", failing)
    code, out, err = run_main(["export"], capsys)
    assert (code, out, err) == (2, "", line)


def test_doctor_reports_missing_script_fonts_as_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    import attention_explainer.system.doctor as doctor

    checks = [Check("latex", True, "/usr/bin/latex", "x"),
              Check("fonts for other scripts", False, "no glyphs for emoji (shown as boxes)",
                    "apt-get install -y fonts-symbola", optional=True)]
    monkeypatch.setattr(doctor, "run_checks", lambda: checks)
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "MISSING" not in result.output
    assert "optional fonts for other scripts: no glyphs for emoji" in result.output
    assert "recommended: apt-get install -y fonts-symbola" in result.output
    monkeypatch.setattr(doctor, "run_checks", lambda: checks + [Check("dvisvgm", False, "not on PATH", "apt")])
    assert CliRunner().invoke(cli, ["doctor"]).exit_code == 1


def test_doctor_script_font_check_names_each_script(monkeypatch: pytest.MonkeyPatch) -> None:
    import attention_explainer.system.doctor as doctor

    class Done:
        def __init__(self, stdout: str) -> None:
            self.stdout = stdout

    # fc-list answers only for Latin-only fonts: every sample letter is missing.
    monkeypatch.setattr(doctor.subprocess, "run", lambda *a, **k: Done(""))
    monkeypatch.setattr(doctor.shutil, "which", lambda name: f"/usr/bin/{name}")
    check = doctor._script_fonts()
    assert check.optional and not check.ok
    assert check.detail == "no glyphs for Chinese/Japanese, Korean, Arabic, Devanagari, Thai, emoji (shown as boxes)"
    assert check.fix == "apt-get install -y fonts-noto-core fonts-symbola fonts-wqy-microhei"


# ------------------------------------------------------------------ real processes (the contract)


def run(*args: str, stdout: int | None = subprocess.PIPE, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attention_explainer", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8", timeout=timeout, **kw)


def test_process_hostile_sentence_round_trips(tmp_path: Path) -> None:
    sentence = "مرحبا <b>x</b> \\write18{touch /tmp/x} 日本 🐈 \"q\"\ttab"
    result = run("export", "-c", str(config_file(tmp_path, sentence)))
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["tokens"] == tokenize(sentence)


def test_process_control_character_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "esc.yaml"
    path.write_text('sentence: "clear \\e[2J screen"\n')
    result = run("export", "-c", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {path}: sentence: contains the control character U+001B at position 7; remove it\n"


def test_process_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `export | head -c 100`: the reader leaves early; no BrokenPipeError traceback.
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump({"sentence": " ".join(["w"] * MAX_TOKENS),
                                    "model": {"d_model": MAX_DIM, "d_k": MAX_DIM}}))
    proc = subprocess.Popen([sys.executable, "-m", "attention_explainer", "export", "--format", "csv", "-c", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert err == ""  # no "BrokenPipeError" traceback, no "Exception ignored" note
    assert proc.returncode in (0, 141)  # click ends quietly with 0; main() itself would say 141


@pytest.fixture
def full_disk(tmpfs) -> Path:  # type: ignore[no-untyped-def]  # tmpfs: conftest.py
    """A 64 KB tmpfs, already full (needs root; skipped elsewhere)."""
    mount = tmpfs("size=64k")
    with open(mount / "fill", "wb") as f:
        try:
            f.write(b"\0" * 128 * 1024)
        except OSError:
            pass
    return mount


def test_process_export_to_a_full_disk_is_one_line(full_disk: Path, tmp_path: Path) -> None:
    with open(full_disk / "out.json", "w") as out:
        result = run("export", "-c", str(config_file(tmp_path, "The cat sat")), stdout=out)
    assert result.returncode == 2
    assert result.stderr == "error: the disk is full (No space left on device); free some space and run again\n"
