#!/usr/bin/env bash
# Runs BoringSSL's TLS test suite (BoGo) against the sanstls shim.
#
#   bogo/run.sh BORINGSSL_DIR [RUNNER_FLAGS...]
#
# BORINGSSL_DIR is a checkout of the runner's tree (the commit in
# bogo/RESULTS.md; only go.mod, go.sum, ssl/test and util/testresult are
# read). The runner is built offline with Debian's Go 1.19 (golang-1.19-go)
# and Debian's golang.org/x packages (golang-golang-x-{crypto,net,sys,term}-dev),
# pointed at by `replace` lines added to the checkout's go.mod. Extra flags
# go to the runner, e.g. `-test 'Basic-*'` to run some tests only.
#
# The tests bogo/config.json disables (TLS 1.3, DTLS, QUIC, refusals, ...)
# are not run; the shim exits 89 for a flag it does not implement, which the
# runner counts as skipped (-allow-unimplemented). Prints
# "N passed, N failed, N skipped" last and exits non-zero on a failure.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BORINGSSL_DIR [RUNNER_FLAGS...]" >&2
    exit 2
fi
bssl=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
go=${GO:-/usr/lib/go-1.19/bin/go}
gocode=${GOCODE:-/usr/share/gocode/src}
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOMAXPROCS=${GOMAXPROCS:-2}
target=${CARGO_TARGET_DIR:-$root/target}
out=$target/bogo
mkdir -p "$out"

# The shim, built as the tests build it.
(cd "$root" && cargo build -j2 -p sanstls-bogo)
shim=$target/debug/bogo_shim

# The runner, with no module downloads.
(
    cd "$bssl"
    for m in crypto net sys term text; do
        if [ -d "$gocode/golang.org/x/$m" ]; then
            "$go" mod edit -replace "golang.org/x/$m=$gocode/golang.org/x/$m"
        fi
    done
    cd ssl/test/runner
    "$go" test -c -p 1 -o "$out/runner.test" .
)

# The runner reads its certificates and keys from its own folder.
status=0
rm -f "$out/unimplemented.log"
export BOGO_SHIM_UNIMPLEMENTED_LOG=$out/unimplemented.log
(
    cd "$bssl/ssl/test/runner"
    "$out/runner.test" -test.timeout 0 \
        -shim-path "$shim" \
        -shim-config "$here/config.json" \
        -num-workers 2 \
        -loose-errors \
        -allow-unimplemented \
        -pipe \
        -json-output "$out/results.json" \
        "$@"
) > "$out/runner.log" 2>&1 || status=$?

grep -E '^FAILED' "$out/runner.log" | sed 's/^FAILED (\(.*\))$/failed: \1/' || true
if [ -s "$out/unimplemented.log" ]; then
    echo "skipped by the shim (exit 89), by reason:"
    sort "$out/unimplemented.log" | uniq -c | sort -rn | head -40
fi
python3 - "$out/results.json" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
count = {}
for r in tests.values():
    count[r["actual"]] = count.get(r["actual"], 0) + 1
print(f"{count.get('PASS', 0)} passed, {count.get('FAIL', 0)} failed, {count.get('SKIP', 0)} skipped")
PY
echo "runner log: $out/runner.log"
exit "$status"
