#!/usr/bin/env bash
# Fetch, here, the wheels bench/gpu_check.sh needs on the GPU machine beyond its image (python
# 3.12 with a CUDA torch, scikit-learn, pandas, safetensors and pytest; nothing can be fetched
# there). They land in .whl/ (ignored by git; carry it to the machine). Versions: this venv's.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
packages=(skops pydantic pydantic_core annotated-types typing-inspection typing_extensions
          prettytable wcwidth)
specs=()
for name in "${packages[@]}"; do
  specs+=("$name==$(python -c "import importlib.metadata as m; print(m.version('$name'))")")
done
rm -rf .whl && mkdir .whl
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .whl "${specs[@]}"
ls .whl
