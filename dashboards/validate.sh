#!/usr/bin/env bash
# Offline validation of the deploy and observability files: dashboards/, docker-compose.yml,
# deploy/ and k8s/. Runs every check the machine has tools for, says which it could not, and exits
# non-zero if any check failed (a skipped check is not a failure, except with --strict).
#
#   dashboards/validate.sh             use the tools that are installed
#   dashboards/validate.sh --install   also install missing tools (apt: prometheus for promtool,
#                                      python3-yaml, shellcheck; npm: dockerfile-utils). Implied when
#                                      running as root with CI=true. scripts/setup installs them too.
#   dashboards/validate.sh --strict    a check skipped for a missing tool fails (./weightcast test
#                                      runs this; also VALIDATE_STRICT=1). What no machine of the
#                                      project can do (a Docker engine's build, the compose plugin,
#                                      k8s schemas fetched online) is listed as not possible, not skipped.
#
# Tools: /usr/bin/python3 (+ python3-yaml) for parsing and cross-file checks (validate_checks.py),
# promtool for Prometheus config, rules, rule unit tests and every dashboard query's PromQL,
# `docker compose config` when a compose plugin is there, `kubectl kustomize` for k8s/,
# dockerfile-utils to lint deploy/Dockerfile, shellcheck for the shell scripts.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DASH=$ROOT/dashboards
CHECKS=$DASH/validate_checks.py
TOOLS_DIR=${WEIGHTCAST_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/weightcast-tools}
DOCKERFILE_UTILS_VERSION=0.16.3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

install=0
strict=0
[[ ${VALIDATE_STRICT:-0} == 1 ]] && strict=1
for arg in "$@"; do
  case $arg in
    --install) install=1 ;;
    --strict) strict=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 && ${CI:-} == true ]] && install=1

passed=() failed=() skipped=() impossible=()
pass() { passed+=("$1"); echo "PASS  $1"; }
fail() { failed+=("$1"); echo "FAIL  $1"; }
# A check not run for a missing tool or package: a failure with --strict.
skip() {
  if ((strict)); then failed+=("$1 (skipped, --strict): $2"); echo "FAIL  $1: skipped (--strict): $2"
  else skipped+=("$1: $2"); echo "SKIP  $1: $2"; fi
}
# A check that needs what no machine of this project has (a Docker engine, the network): never run here.
impossible() { impossible+=("$1: $2"); echo "N/A   $1: $2"; }

# run NAME CMD...: PASS on exit 0, SKIP on exit 3 (prerequisite missing), FAIL otherwise.
run() {
  local name=$1 out rc
  shift
  out=$("$@" 2>&1)
  rc=$?
  [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/      /'
  case $rc in
    0) pass "$name" ;;
    3) skip "$name" "prerequisite missing (see above)" ;;
    *) fail "$name" ;;
  esac
}

# The unit tests name alerts.yml relative to their own directory.
rule_unit_tests() { (cd "$DASH/prometheus" && promtool test rules alerts_test.yml); }
shell_syntax() { bash -n "$ROOT/deploy/create-topics.sh" && bash -n "$DASH/validate.sh"; }

apt_updated=0
apt_install() {
  ((install)) || return 1
  [[ $(id -u) == 0 ]] || { echo "      (not root: cannot apt-get install $*)"; return 1; }
  if ((apt_updated == 0)); then
    apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  echo "      installing $* (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# ---------------------------------------------------------------- python and PyYAML
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3 || true)
if [[ -z $PY ]]; then
  apt_install python3 python3-yaml && PY=/usr/bin/python3
fi
if [[ -z $PY ]]; then
  fail "python3 (needed for every structural check) is not installed"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! "$PY" -c 'import yaml' 2>/dev/null; then
  apt_install python3-yaml || echo "      python3-yaml missing: YAML checks will be skipped (use --install)"
fi

echo "== files parse, metrics.txt"
run "metrics.txt lists weightcast_ metric names" "$PY" "$CHECKS" metrics
run "every JSON file parses" "$PY" "$CHECKS" json
run "every YAML file parses" "$PY" "$CHECKS" yaml

echo "== Grafana"
run "dashboards: structure, datasource uid, layout, metrics in metrics.txt" "$PY" "$CHECKS" dashboards

echo "== Prometheus"
run "alert rules: metrics in metrics.txt, severities, each alert unit-tested" "$PY" "$CHECKS" rules
if ! command -v promtool >/dev/null; then
  apt_install prometheus || true
fi
if command -v promtool >/dev/null; then
  echo "      $(promtool --version 2>&1 | head -1)"
  run "promtool check config prometheus.yml (and its rule files)" promtool check config "$DASH/prometheus/prometheus.yml"
  run "promtool check rules alerts.yml" promtool check rules "$DASH/prometheus/alerts.yml"
  run "promtool test rules alerts_test.yml (alerts fire and stay quiet as intended)" rule_unit_tests
  if "$PY" "$CHECKS" dashboard-rules "$WORK/dashboard-queries.json" >/dev/null; then
    run "promtool parses every dashboard query as PromQL" promtool check rules "$WORK/dashboard-queries.json"
  else
    fail "could not extract dashboard queries for promtool"
  fi
else
  for what in "check config" "check rules" "test rules" "PromQL of dashboard queries"; do
    skip "promtool $what" "promtool not installed (Debian package prometheus; rerun with --install as root)"
  done
fi

echo "== docker-compose.yml"
run "compose: services, dependencies, mounts, healthchecks on /ready, KRaft, scrape targets" "$PY" "$CHECKS" compose
if docker compose version >/dev/null 2>&1; then
  run "docker compose config -q" docker compose -f "$ROOT/docker-compose.yml" --project-directory "$ROOT" config -q
else
  impossible "docker compose config" "no docker compose plugin here (docker client: $(docker --version 2>/dev/null || echo none)); checked with YAML parse and the structure check above"
fi

echo "== deploy/"
run "Dockerfile: stages, libgomp1, non-root user, entrypoint, build context keeps every module" "$PY" "$CHECKS" dockerfile
dfu=$(command -v dockerfile-utils || true)
[[ -z $dfu && -x $TOOLS_DIR/node_modules/.bin/dockerfile-utils ]] && dfu=$TOOLS_DIR/node_modules/.bin/dockerfile-utils
if [[ -z $dfu ]] && ((install)) && command -v npm >/dev/null; then
  echo "      installing dockerfile-utils@$DOCKERFILE_UTILS_VERSION (npm) into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR" &&
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" >/dev/null 2>&1 &&
    dfu=$TOOLS_DIR/node_modules/.bin/dockerfile-utils
fi
if [[ -n $dfu && -x $dfu ]]; then
  run "dockerfile-utils lint deploy/Dockerfile" "$dfu" lint "$ROOT/deploy/Dockerfile"
else
  skip "Dockerfile lint" "dockerfile-utils not installed (npm; rerun with --install)"
fi
impossible "docker build" "no Docker engine runs on this machine"
run "bash -n deploy/create-topics.sh dashboards/validate.sh" shell_syntax
command -v shellcheck >/dev/null || apt_install shellcheck || true
command -v kubectl >/dev/null || apt_install kubectl || true
if command -v shellcheck >/dev/null; then
  run "shellcheck deploy/create-topics.sh dashboards/validate.sh" shellcheck "$ROOT/deploy/create-topics.sh" "$DASH/validate.sh"
else
  skip "shellcheck" "not installed (Debian package shellcheck; rerun with --install)"
fi
run "topics: create-topics.sh creates exactly core's Topics.java topics" "$PY" "$CHECKS" topics

echo "== k8s/"
if command -v kubectl >/dev/null && kubectl kustomize "$ROOT/k8s" >"$WORK/k8s.yaml" 2>"$WORK/kustomize.err"; then
  pass "kubectl kustomize k8s ($(kubectl version --client 2>/dev/null | grep -i kustomize | tr -d '\n'))"
  run "k8s: every resource has apiVersion/kind/name; probes, ports, selectors, HPA, PDB, Strimzi topics consistent" "$PY" "$CHECKS" k8s "$WORK/k8s.yaml"
elif command -v kubectl >/dev/null; then
  sed 's/^/      /' "$WORK/kustomize.err"
  fail "kubectl kustomize k8s"
else
  # No kubectl (Debian's kubernetes-client is 1.20, whose Kustomize cannot read this kustomization):
  # render it with validate_checks.py's implementation of the Kustomize fields it uses, which refuses
  # any other field, and check that output in full.
  run "kustomize k8s (no kubectl: validate_checks.py's Kustomize subset)" "$PY" "$CHECKS" kustomize "$WORK/k8s.yaml"
  if [[ -s $WORK/k8s.yaml ]]; then
    run "k8s: every resource has apiVersion/kind/name; probes, ports, selectors, HPA, PDB, Strimzi topics consistent" "$PY" "$CHECKS" k8s "$WORK/k8s.yaml"
  fi
fi
impossible "k8s schema validation" "no OpenAPI/CRD schemas offline (kubeconform needs them downloaded; no cluster for a server dry-run)"

echo
echo "Exercised:"
for c in "${passed[@]}" "${failed[@]}"; do echo "  - $c"; done
echo "Not exercised here:"
if ((${#skipped[@]})); then for s in "${skipped[@]}"; do echo "  - $s"; done; else echo "  - (nothing)"; fi
echo "Not possible on this machine:"
for s in "${impossible[@]}"; do echo "  - $s"; done
if ((${#failed[@]})); then
  echo "Failed:"
  for c in "${failed[@]}"; do echo "  - $c"; done
fi
echo "validate: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped, ${#impossible[@]} not possible here$( ((strict)) && echo " (strict)")"
((${#failed[@]} == 0))
