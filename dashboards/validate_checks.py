#!/usr/bin/python3
"""Structural and cross-file checks behind dashboards/validate.sh.

Standard library plus PyYAML only (Debian's python3-yaml; PyPI is out of reach). One subcommand per
check; each prints what it verified, one line per problem, and exits 0 (pass), 1 (fail) or
3 (skipped: a prerequisite is missing). The checks tie the files together: dashboard queries to
dashboards/metrics.txt, Prometheus targets to compose ports, k8s topics to core's Topics.java, etc.
"""
import base64
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASH = ROOT / "dashboards"
SERVICES = {"ingest": 8080, "scorer": 8081, "streams": 8082, "trainer": 8083}
SKIP = 3


def operator_created(secret):
    """A required Secret the operator makes: k8s/README.md gives its `kubectl create secret generic` line."""
    readme = ROOT / "k8s" / "README.md"
    return readme.exists() and f"kubectl create secret generic {secret}" in readme.read_text(encoding="utf-8")


try:
    import yaml
except ImportError:  # handled per subcommand: the YAML checks report a skip
    yaml = None


class Problems:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.add(msg)
        return cond

    def finish(self, verified):
        for p in self.items:
            print(f"  - {p}")
        if not self.items:
            print(f"  ok: {verified}")
        return 1 if self.items else 0


def need_yaml():
    if yaml is None:
        print("  PyYAML is not importable by this python (Debian package python3-yaml)")
        sys.exit(SKIP)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_yaml_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# ---------------------------------------------------------------- metrics

METRIC_TOKEN = re.compile(r"(?<![A-Za-z0-9_:])weightcast_[A-Za-z0-9_:]*")
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def known_metrics():
    return [line.strip() for line in (DASH / "metrics.txt").read_text().splitlines() if line.strip()]


def unknown_metric_tokens(expr, known):
    """Metric names in a PromQL expression that metrics.txt does not list (histogram series allowed)."""
    bad, used = [], set()
    for token in METRIC_TOKEN.findall(expr):
        base = token
        for suffix in HISTOGRAM_SUFFIXES:
            if token.endswith(suffix) and token[: -len(suffix)] in known:
                base = token[: -len(suffix)]
        if base in known:
            used.add(base)
        else:
            bad.append(token)
    return bad, used


def cmd_metrics():
    p = Problems()
    lines = (DASH / "metrics.txt").read_text().splitlines()
    names = [line.strip() for line in lines if line.strip()]
    for n in names:
        p.check(re.fullmatch(r"weightcast_[a-z0-9_]+", n), f"metrics.txt: '{n}' is not a weightcast_ metric name")
    p.check(len(names) == len(set(names)), "metrics.txt: duplicate names")
    p.check(len(names) > 0, "metrics.txt is empty")
    return p.finish(f"{len(names)} metric names")


# ---------------------------------------------------------------- parsing

def cmd_json():
    p = Problems()
    files = sorted(ROOT.glob("dashboards/**/*.json"))
    for f in files:
        try:
            json.loads(f.read_text(encoding="utf-8"))
        except ValueError as e:
            p.add(f"{f.relative_to(ROOT)}: {e}")
    p.check(files, "no JSON files under dashboards/")
    return p.finish(f"{len(files)} JSON files parse")


def yaml_files():
    files = sorted(ROOT.glob("dashboards/**/*.yml")) + sorted(ROOT.glob("dashboards/**/*.yaml"))
    files += sorted(ROOT.glob("k8s/**/*.yaml")) + sorted(ROOT.glob("k8s/**/*.yml"))
    return files + [ROOT / "docker-compose.yml"]


def cmd_yaml():
    need_yaml()
    p = Problems()
    docs = 0
    for f in yaml_files():
        try:
            docs += len(load_yaml_all(f))
        except (yaml.YAMLError, OSError) as e:
            p.add(f"{f.relative_to(ROOT)}: {e}")
    return p.finish(f"{len(yaml_files())} YAML files ({docs} documents) parse")


# ---------------------------------------------------------------- dashboards

GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
                    "__range_ms", "__from", "__to", "__dashboard", "__org", "__user"}
VAR_REF = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
PANEL_TYPES = {"row", "stat", "timeseries", "table", "bargauge", "gauge", "text", "barchart",
               "heatmap", "piechart", "state-timeline", "status-history", "histogram"}


def datasource_uids():
    uids = set()
    for f in (DASH / "grafana/provisioning/datasources").glob("*.y*ml"):
        for ds in (load_yaml(f) or {}).get("datasources", []):
            if ds.get("type") == "prometheus":
                uids.add(ds.get("uid"))
    return uids


def dashboard_files():
    return sorted((DASH / "grafana/dashboards").glob("*.json"))


def variable_query(var):
    q = var.get("query", "")
    return q.get("query", "") if isinstance(q, dict) else q


def iter_panels(panels):
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels", []))  # collapsed rows keep their panels inside


def balanced(expr):
    depth = {"(": 0, "[": 0, "{": 0}
    pairs = {")": "(", "]": "[", "}": "{"}
    in_str = False
    for i, ch in enumerate(expr):
        if ch == '"' and (i == 0 or expr[i - 1] != "\\"):
            in_str = not in_str
        elif not in_str and ch in depth:
            depth[ch] += 1
        elif not in_str and ch in pairs:
            depth[pairs[ch]] -= 1
            if depth[pairs[ch]] < 0:
                return False
    return not in_str and all(v == 0 for v in depth.values())


def check_dashboard(path, ds_uids, known, p, used):
    name = path.name
    d = json.loads(path.read_text(encoding="utf-8"))
    p.check(isinstance(d.get("uid"), str) and re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d.get("uid", "")),
            f"{name}: uid must be 1-40 characters of [A-Za-z0-9_-]")
    p.check(d.get("title"), f"{name}: no title")
    p.check(isinstance(d.get("schemaVersion"), int) and 36 <= d["schemaVersion"] <= 41,
            f"{name}: schemaVersion {d.get('schemaVersion')} is not a current one (36-41)")
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    for vname, var in variables.items():
        if var.get("type") == "query":
            q = variable_query(var)
            bad, u = unknown_metric_tokens(q, known)
            used |= u
            p.check(not bad, f"{name}: variable ${vname} names metrics missing from metrics.txt: {bad}")
            p.check(u, f"{name}: variable ${vname} names no metric from metrics.txt: {q!r}")
            ds = var.get("datasource") or {}
            p.check(ds.get("uid") in ds_uids, f"{name}: variable ${vname} datasource uid {ds.get('uid')!r} is not provisioned")

    panels = list(iter_panels(d.get("panels", [])))
    p.check(panels, f"{name}: no panels")
    ids = [pl.get("id") for pl in panels]
    p.check(len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids), f"{name}: panel ids must be unique integers")
    rects = []
    exprs = []
    for pl in panels:
        title = f"{name}: panel {pl.get('id')} '{pl.get('title')}'"
        p.check(pl.get("type") in PANEL_TYPES, f"{title}: unknown type {pl.get('type')!r}")
        g = pl.get("gridPos", {})
        if p.check(all(isinstance(g.get(k), int) for k in "hwxy"), f"{title}: gridPos needs integer h, w, x, y"):
            p.check(g["w"] >= 1 and g["h"] >= 1 and g["x"] >= 0 and g["y"] >= 0 and g["x"] + g["w"] <= 24,
                    f"{title}: gridPos {g} is outside the 24-column grid")
            rects.append((title, g))
        if pl.get("type") in ("row", "text"):
            continue
        targets = pl.get("targets", [])
        p.check(targets, f"{title}: no targets")
        refs = [t.get("refId") for t in targets]
        p.check(len(refs) == len(set(refs)) and all(refs), f"{title}: refIds must be present and unique")
        if "datasource" in pl:
            p.check((pl["datasource"] or {}).get("uid") in ds_uids, f"{title}: panel datasource uid is not provisioned")
        for t in targets:
            expr = t.get("expr", "")
            ds = t.get("datasource") or {}
            p.check(ds.get("uid") in ds_uids and ds.get("type") == "prometheus",
                    f"{title} {t.get('refId')}: datasource must be the provisioned Prometheus uid {sorted(ds_uids)}")
            if not p.check(isinstance(expr, str) and expr.strip(), f"{title} {t.get('refId')}: empty expr"):
                continue
            exprs.append((title, expr))
            bad, u = unknown_metric_tokens(expr, known)
            used |= u
            p.check(not bad, f"{title}: metrics missing from metrics.txt: {bad}")
            p.check(u, f"{title}: expr names no metric from metrics.txt: {expr}")
            p.check(balanced(expr), f"{title}: unbalanced brackets or quotes: {expr}")
            for m in VAR_REF.finditer(expr):
                var = next(g for g in m.groups() if g)
                p.check(var in GRAFANA_BUILTINS or var in variables, f"{title}: undefined variable ${var}")
    for i, (t1, a) in enumerate(rects):
        for t2, b in rects[i + 1:]:
            overlap = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
            p.check(not overlap, f"{t1} overlaps {t2}")
    return exprs


def cmd_dashboards():
    need_yaml()
    p = Problems()
    known = set(known_metrics())
    ds_uids = datasource_uids()
    p.check(ds_uids, "no Prometheus datasource with a uid in grafana/provisioning/datasources")
    used, n = set(), 0
    files = dashboard_files()
    p.check(files, "no dashboards in grafana/dashboards")
    for f in files:
        n += len(check_dashboard(f, ds_uids, known, p, used))
    provider = load_yaml(DASH / "grafana/provisioning/dashboards/weightcast.yml")
    p.check(provider.get("apiVersion") == 1 and provider.get("providers"), "dashboard provider file has no providers")
    unused = sorted(known - used)
    if unused:
        print(f"  note: metrics not on any dashboard: {', '.join(unused)}")
    return p.finish(f"{len(files)} dashboard(s), {n} queries, all metrics from metrics.txt, datasource uid {sorted(ds_uids)}")


def grafana_to_promql(expr):
    """Make a dashboard query plain PromQL for promtool: fixed ranges for $__ variables, '.*' for template variables."""
    def sub(m):
        var = next(g for g in m.groups() if g)
        return {"__rate_interval": "1m", "__interval": "1m", "__range": "1h"}.get(var, ".*")
    return VAR_REF.sub(sub, expr)


def cmd_dashboard_rules(out):
    """Write the dashboards' queries as recording rules, so `promtool check rules` parses each one."""
    rules = []
    for f in dashboard_files():
        d = json.loads(f.read_text(encoding="utf-8"))
        for pl in iter_panels(d.get("panels", [])):
            for t in pl.get("targets", []):
                if t.get("expr"):
                    rules.append({"record": f"dashboard:{f.stem}:panel{pl['id']}_{t.get('refId', 'A')}".replace("-", "_"),
                                  "expr": grafana_to_promql(t["expr"])})
    Path(out).write_text(json.dumps({"groups": [{"name": "dashboard-queries", "rules": rules}]}, indent=1))
    print(f"  wrote {len(rules)} dashboard queries as recording rules")
    return 0


# ---------------------------------------------------------------- alert rules

def cmd_rules():
    need_yaml()
    p = Problems()
    known = set(known_metrics())
    doc = load_yaml(DASH / "prometheus/alerts.yml")
    n = 0
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            n += 1
            name = rule.get("alert") or rule.get("record")
            bad, _ = unknown_metric_tokens(rule.get("expr", ""), known)
            p.check(not bad, f"rule {name}: metrics missing from metrics.txt: {bad}")
            if "alert" in rule:
                p.check(rule.get("labels", {}).get("severity") in ("info", "warning", "critical"),
                        f"rule {name}: severity label must be info, warning or critical")
                p.check(rule.get("annotations", {}).get("summary"), f"rule {name}: no summary annotation")
                p.check(name.startswith("Weightcast"), f"rule {name}: alert names start with Weightcast")
    tests = load_yaml(DASH / "prometheus/alerts_test.yml")
    tested = {t["alertname"] for case in tests.get("tests", []) for t in case.get("alert_rule_test", [])}
    alerts = {r["alert"] for g in doc.get("groups", []) for r in g.get("rules", []) if "alert" in r}
    p.check(not (alerts - tested), f"alerts without a unit test in alerts_test.yml: {sorted(alerts - tested)}")
    return p.finish(f"{n} rules name only metrics from metrics.txt; every alert has a unit test")


# ---------------------------------------------------------------- topics (contract)

def contract_topics():
    """Topic suffixes from core's Topics.java (the contract), or None when core is not there."""
    src = ROOT / "core/src/main/java/io/weightcast/core/kafka/Topics.java"
    if not src.exists():
        return None
    return set(re.findall(r'return prefix \+ "([\w.-]+)";', src.read_text()))


def cmd_topics():
    p = Problems()
    topics = contract_topics()
    if topics is None:
        print("  core/src/main/java/io/weightcast/core/kafka/Topics.java not found")
        return SKIP
    script = (ROOT / "deploy/create-topics.sh").read_text()
    created = set(re.findall(r"^create\s+([\w.-]+)\s", script, re.M))
    p.check(created == topics, f"deploy/create-topics.sh creates {sorted(created)}, Topics.java has {sorted(topics)}")
    p.check(re.search(r"^create\s+models\s+1\s.*cleanup\.policy=compact", script, re.M),
            "deploy/create-topics.sh: models must be compacted with 1 partition")
    return p.finish(f"create-topics.sh creates exactly Topics.java's {len(topics)} topics")


# ---------------------------------------------------------------- docker-compose

INTERPOLATION = re.compile(r"\$(\$|\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)")
DURATION = re.compile(r"(\d+(\.\d+)?(us|ms|s|m|h))+")


def strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def interpolate(value):
    """Compose's ${VAR:-default} with the defaults taken (the environment is not read)."""
    return re.sub(r"\$\{[A-Za-z_]\w*(?::?-([^}]*))?\}", lambda m: m.group(1) or "", str(value))


def host_port(url):
    m = re.match(r"(?:\w+://)?([^:/]+):(\d+)", url)
    return (m.group(1), int(m.group(2))) if m else (None, None)


def cmd_compose():
    need_yaml()
    p = Problems()
    c = load_yaml(ROOT / "docker-compose.yml")
    services = c.get("services", {})
    volumes = set((c.get("volumes") or {}).keys())
    for s in strings(c):
        rest = INTERPOLATION.sub("", s)
        p.check("$" not in rest, f"bad variable interpolation in {s!r} (use $$ for a literal $)")
    for name in ("kafka", "prometheus", "grafana", *SERVICES):
        p.check(name in services, f"service {name} missing")
    for name, svc in services.items():
        p.check("image" in svc or "build" in svc, f"{name}: needs image or build")
        build = svc.get("build")
        if isinstance(build, dict):
            ctx = ROOT / build.get("context", ".")
            p.check((ctx / build.get("dockerfile", "Dockerfile")).is_file(), f"{name}: Dockerfile {build.get('dockerfile')} not found")
        for dep, cond in (svc.get("depends_on") or {}).items():
            p.check(dep in services, f"{name}: depends on unknown service {dep}")
            cond = (cond or {}).get("condition", "service_started")
            p.check(cond in ("service_started", "service_healthy", "service_completed_successfully"), f"{name}: bad condition {cond}")
            if cond == "service_healthy":
                p.check("healthcheck" in services.get(dep, {}), f"{name}: waits for {dep} to be healthy, which has no healthcheck")
        for v in svc.get("volumes", []):
            src = str(v).split(":")[0]
            if src.startswith("."):
                p.check((ROOT / src).exists(), f"{name}: bind mount source {src} does not exist")
            else:
                p.check(src in volumes, f"{name}: named volume {src} is not declared under volumes:")
        hc = svc.get("healthcheck")
        if hc:
            p.check(isinstance(hc.get("test"), list) and hc["test"][0] in ("CMD", "CMD-SHELL", "NONE"),
                    f"{name}: healthcheck.test must be a CMD list")
            for k in ("interval", "timeout", "start_period"):
                if k in hc:
                    p.check(DURATION.fullmatch(str(hc[k])), f"{name}: healthcheck {k} {hc[k]!r} is not a duration")
        for port in svc.get("ports", []):
            p.check(re.fullmatch(r"(\d+:)?\d+", str(port)), f"{name}: port {port!r} is not HOST:CONTAINER")

    kafka = services.get("kafka", {})
    kenv = {k: str(v) for k, v in (kafka.get("environment") or {}).items()}
    p.check(str(kafka.get("image", "")).startswith("apache/kafka:4.1."), "kafka: image must be apache/kafka:4.1.x")
    p.check(set(kenv.get("KAFKA_PROCESS_ROLES", "").split(",")) == {"broker", "controller"},
            "kafka: KRaft combined mode needs KAFKA_PROCESS_ROLES=broker,controller")
    for key in ("KAFKA_NODE_ID", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_CONTROLLER_LISTENER_NAMES",
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_CONTROLLER_QUORUM_VOTERS", "CLUSTER_ID"):
        p.check(key in kenv, f"kafka: {key} missing")
    listeners = dict(re.findall(r"(\w+)://[^:,]*:(\d+)", kenv.get("KAFKA_LISTENERS", "")))
    voters = re.fullmatch(r"(\d+)@([\w.-]+):(\d+)", kenv.get("KAFKA_CONTROLLER_QUORUM_VOTERS", ""))
    ctrl = kenv.get("KAFKA_CONTROLLER_LISTENER_NAMES", "")
    if p.check(voters, "kafka: KAFKA_CONTROLLER_QUORUM_VOTERS must be id@host:port"):
        p.check(voters.group(1) == kenv.get("KAFKA_NODE_ID"), "kafka: the quorum voter id must be KAFKA_NODE_ID")
        p.check(listeners.get(ctrl) == voters.group(3), "kafka: the quorum voter port must be the controller listener's")
    protocols = dict(x.split(":") for x in kenv.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",") if ":" in x)
    p.check(set(listeners) <= set(protocols), "kafka: every listener needs a security protocol")
    try:
        raw = base64.urlsafe_b64decode(kenv.get("CLUSTER_ID", "") + "==")
        p.check(len(raw) == 16 and len(kenv["CLUSTER_ID"]) == 22, "kafka: CLUSTER_ID must be a 22-character base64url UUID")
    except (ValueError, KeyError):
        p.add("kafka: CLUSTER_ID is not base64url")

    images = set()
    for svc_name, default_port in SERVICES.items():
        svc = services.get(svc_name, {})
        env = {k: interpolate(v) for k, v in (svc.get("environment") or {}).items()}
        up = svc_name.upper()
        port = int(env.get(f"WEIGHTCAST_{up}_PORT", default_port))
        images.add((svc.get("image"), json.dumps(svc.get("build"), sort_keys=True)))
        p.check(svc.get("command") == [svc_name], f"{svc_name}: command must be [{svc_name}]")
        p.check(env.get(f"WEIGHTCAST_{up}_HOST") == "0.0.0.0", f"{svc_name}: WEIGHTCAST_{up}_HOST must be 0.0.0.0 in a container")
        test = " ".join(map(str, (svc.get("healthcheck") or {}).get("test", [])))
        p.check(f"localhost:{port}/ready" in test, f"{svc_name}: healthcheck must probe localhost:{port}/ready")
        host, bport = host_port(env.get("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", ""))
        p.check(host == "kafka" and str(bport) in kenv.get("KAFKA_ADVERTISED_LISTENERS", ""),
                f"{svc_name}: WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS must name an advertised kafka listener")
        p.check((svc.get("depends_on") or {}).get("kafka", {}).get("condition") == "service_healthy",
                f"{svc_name}: must wait for a healthy kafka")
        if kenv.get("KAFKA_AUTHORIZER_CLASS_NAME"):  # SASL + ACLs: each service logs in as its own principal
            p.check(env.get("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "").startswith("SASL_"),
                    f"{svc_name}: WEIGHTCAST_KAFKA_SECURITY_PROTOCOL must be SASL_* when the broker authorizes")
            p.check(f"java.security.auth.login.config=/keys/kafka/weightcast-{svc_name}.jaas" in env.get("JAVA_TOOL_OPTIONS", ""),
                    f"{svc_name}: must log in with its own JAAS file /keys/kafka/weightcast-{svc_name}.jaas")
            p.check(any(str(v).startswith("weightcast-keys:/keys") for v in svc.get("volumes", [])),
                    f"{svc_name}: must mount the weightcast-keys volume for its Kafka login")
    p.check(len(images) == 1, "the four services must share one image and build")
    if kenv.get("KAFKA_AUTHORIZER_CLASS_NAME"):
        p.check(all(protocols.get(name, "").startswith("SASL_") for name in listeners if name != ctrl),
                "kafka: with an authorizer, every client listener must authenticate (SASL_*)")
        creds = (ROOT / "deploy" / "kafka-credentials.sh").read_text(encoding="utf-8")
        users_line = re.search(r"^users=\(([^)]*)\)", creds, re.M)
        acl_users = set(re.findall(r"^allow (\S+) ", (ROOT / "deploy" / "kafka-acls.sh").read_text(encoding="utf-8"), re.M))
        if p.check(users_line, "deploy/kafka-credentials.sh: no users=(...) line"):
            p.check(set(users_line.group(1).split()) == acl_users | {"admin"},
                    f"deploy/kafka-credentials.sh makes logins for {users_line.group(1).split()}, deploy/kafka-acls.sh grants "
                    f"{sorted(acl_users)} (plus admin)")
        p.check("User:admin" in kenv.get("KAFKA_SUPER_USERS", ""), "kafka: the topics/ACLs job's admin must be a super user")

    # Prometheus scrapes every service on the port it listens on.
    prom = load_yaml(DASH / "prometheus/prometheus.yml")
    ports = {n: int(interpolate((services.get(n, {}).get("environment") or {}).get(f"WEIGHTCAST_{n.upper()}_PORT", d)))
             for n, d in SERVICES.items()}
    scraped = set()
    for job in prom.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for target in sc.get("targets", []):
                host, port = host_port(target)
                if host in SERVICES:
                    scraped.add(host)
                    p.check(port == ports[host], f"prometheus: target {target} but {host} listens on {ports[host]}")
                elif host != "localhost":
                    p.check(host in services, f"prometheus: target {target} is no compose service")
    p.check(scraped == set(SERVICES), f"prometheus scrapes {sorted(scraped)}, not all four services")
    pvols = [str(v) for v in services.get("prometheus", {}).get("volumes", [])]
    cfg = next((a.split("=", 1)[1] for a in services.get("prometheus", {}).get("command", []) if a.startswith("--config.file=")),
               "/etc/prometheus/prometheus.yml")
    p.check(any(v.startswith("./dashboards/prometheus:") and v.split(":")[1] == str(Path(cfg).parent) for v in pvols),
            f"prometheus: ./dashboards/prometheus must be mounted at {Path(cfg).parent}")

    # Grafana reads the provisioning and dashboards this repository holds, where the provider looks.
    gvols = {str(v).split(":")[0]: str(v).split(":")[1] for v in services.get("grafana", {}).get("volumes", [])}
    provider_path = load_yaml(DASH / "grafana/provisioning/dashboards/weightcast.yml")["providers"][0]["options"]["path"]
    p.check(gvols.get("./dashboards/grafana/provisioning") == "/etc/grafana/provisioning",
            "grafana: provisioning must be mounted at /etc/grafana/provisioning")
    p.check(gvols.get("./dashboards/grafana/dashboards") == provider_path,
            f"grafana: dashboards must be mounted where the provider reads ({provider_path})")
    home = (services.get("grafana", {}).get("environment") or {}).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        p.check(home.startswith(provider_path + "/") and (DASH / "grafana/dashboards" / Path(home).name).is_file(),
                f"grafana: home dashboard {home} is not a mounted file")
    for f in (DASH / "grafana/provisioning/datasources").glob("*.y*ml"):
        for ds in load_yaml(f).get("datasources", []):
            host, port = host_port(ds.get("url", ""))
            p.check(host in services, f"grafana datasource {ds.get('name')}: {ds.get('url')} is no compose service")

    topics = services.get("topics")
    if topics:
        mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in topics.get("volumes", [])}
        p.check(mounts.get("./deploy/create-topics.sh") in " ".join(map(str, topics.get("entrypoint", []))),
                "topics: must run the mounted create-topics.sh")
    return p.finish(f"{len(services)} services: dependencies, mounts, healthchecks, ports, KRaft settings, "
                    "Prometheus and Grafana wiring agree")


# ---------------------------------------------------------------- Dockerfile

def dockerfile_instructions(text):
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def cmd_dockerfile():
    p = Problems()
    ins = dockerfile_instructions((ROOT / "deploy/Dockerfile").read_text())
    args, stages = {}, []
    for word, rest in ins:
        if word == "ARG" and not stages:
            k, _, v = rest.partition("=")
            args[k] = v
        elif word == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), rest.split()[0])
            alias = rest.split()[2] if len(rest.split()) >= 3 and rest.split()[1].upper() == "AS" else None
            stages.append({"image": image, "alias": alias, "ins": []})
        elif stages:
            stages[-1]["ins"].append((word, rest))
    if not p.check(len(stages) >= 2, "Dockerfile must be multi-stage (build, runtime)"):
        return p.finish("")
    build, final = stages[0], stages[-1]
    p.check(build["image"] == "maven:3.9-eclipse-temurin-17", f"build stage is {build['image']}, want maven:3.9-eclipse-temurin-17")
    p.check(final["image"] == "eclipse-temurin:17-jre", f"runtime stage is {final['image']}, want eclipse-temurin:17-jre")
    p.check(any(w == "RUN" and "app/target/weightcast.jar" in r and "mvn" in r for w, r in build["ins"]),
            "build stage must run mvn and take app/target/weightcast.jar")
    aliases = {s["alias"] for s in stages if s["alias"]}
    for w, r in final["ins"]:
        m = re.search(r"--from=(\S+)", r) if w == "COPY" else None
        if m:
            p.check(m.group(1) in aliases, f"COPY --from={m.group(1)} names no stage")
    p.check(any(w == "RUN" and "libgomp1" in r for w, r in final["ins"]), "runtime stage must install libgomp1 (LightGBM)")
    users = [r for w, r in final["ins"] if w == "USER"]
    p.check(users and users[-1].split(":")[0] not in ("root", "0"), "runtime must switch to a non-root USER")
    entry = [r for w, r in final["ins"] if w == "ENTRYPOINT"]
    p.check(entry and json.loads(entry[-1]) == ["java", "-Dlogback.configurationFile=logback-container.xml",
                                                "-jar", "/app/weightcast.jar"],
            "ENTRYPOINT must be [java, -Dlogback.configurationFile=logback-container.xml, -jar, /app/weightcast.jar]")
    # Containers log to stdout: the config the entrypoint names exists and writes to System.out, and no file.
    logback = ROOT / "app/src/main/resources/logback-container.xml"
    if p.check(logback.exists(), "app/src/main/resources/logback-container.xml (the image's logging) is missing"):
        text = logback.read_text()
        p.check("<target>System.out</target>" in text and "FileAppender" not in text,
                "logback-container.xml must log to System.out and to no file")
    # The jar is thin: weightcast.jar and lib/ (its manifest's Class-Path) must land together in /app.
    p.check(any(w == "COPY" and r.split()[-1] in ("/app/", "/app") for w, r in final["ins"]),
            "weightcast.jar and its lib/ must land in /app/")
    exposed = {int(x) for w, r in final["ins"] if w == "EXPOSE" for x in r.split()}
    p.check(set(SERVICES.values()) <= exposed, f"EXPOSE must list {sorted(SERVICES.values())}")

    # The build context must still hold every Maven module.
    ignore = (ROOT / ".dockerignore").read_text().splitlines() if (ROOT / ".dockerignore").exists() else []
    ignored = [line.strip().rstrip("/").lstrip("/") for line in ignore if line.strip() and not line.startswith("#")]
    modules = re.findall(r"<module>([^<]+)</module>", (ROOT / "pom.xml").read_text())
    for mod in modules + ["pom.xml"]:
        p.check(not any(mod == i or mod.startswith(i + "/") for i in ignored), f".dockerignore excludes Maven module {mod}")
    p.check(any("target" in i for i in ignored), ".dockerignore should exclude target/")
    return p.finish(f"{len(stages)} stages; runtime {final['image']} non-root with libgomp1; context keeps {len(modules)} modules")


# ---------------------------------------------------------------- Kubernetes

KNOWN_KINDS = {
    ("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "Secret"),
    ("policy/v1", "PodDisruptionBudget"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("kafka.strimzi.io/v1beta2", "Kafka"), ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"), ("kafka.strimzi.io/v1", "Kafka"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"), ("kafka.strimzi.io/v1", "KafkaTopic"),
    ("kafka.strimzi.io/v1beta2", "KafkaUser"), ("kafka.strimzi.io/v1", "KafkaUser"),
    ("networking.k8s.io/v1", "NetworkPolicy"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("apps/v1", "StatefulSet"), ("keda.sh/v1alpha1", "ScaledObject"),
}
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def label_selects(selector, labels):
    """A LabelSelector (matchLabels and matchExpressions with In/NotIn/Exists/DoesNotExist) against labels."""
    if not selector:
        return False
    ok = all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        ok = ok and {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
                     "Exists": key in labels, "DoesNotExist": key not in labels}.get(op, False)
    return ok


def cmd_k8s(rendered):
    need_yaml()
    p = Problems()
    raw = rendered == "--raw"
    if raw:  # no kustomize: the files as written (generators not applied)
        docs = [d for f in sorted((ROOT / "k8s").glob("*.yaml")) if f.name != "kustomization.yaml" for d in load_yaml_all(f)]
    else:
        docs = load_yaml_all(rendered)
    by_kind = {}
    seen = set()
    for d in docs:
        kind, api, name = d.get("kind"), d.get("apiVersion"), (d.get("metadata") or {}).get("name")
        if not p.check(kind and api and name, f"resource without apiVersion/kind/metadata.name: {str(d)[:80]}"):
            continue
        p.check((api, kind) in KNOWN_KINDS, f"{kind}/{name}: unexpected apiVersion {api}")
        p.check(DNS_SUBDOMAIN.fullmatch(name), f"{kind}/{name}: name is not a DNS-1123 subdomain")
        if kind in ("Service", "Deployment", "StatefulSet"):
            p.check(DNS_LABEL.fullmatch(name), f"{kind}/{name}: name must be a DNS-1123 label")
        p.check((kind, name) not in seen, f"{kind}/{name} defined twice")
        seen.add((kind, name))
        by_kind.setdefault(kind, {})[name] = d

    # The workloads: Deployments and StatefulSets (streams keeps its state on a claim per pod), checked alike.
    deployments = {**by_kind.get("Deployment", {}), **by_kind.get("StatefulSet", {})}
    configmaps = by_kind.get("ConfigMap", {})
    cm_env = {}
    for cm in configmaps.values():
        cm_env.update(cm.get("data") or {})
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind.get("HorizontalPodAutoscaler", {}).values()}
    scaled_objects = {o["spec"]["scaleTargetRef"]["name"]: o for o in by_kind.get("ScaledObject", {}).values()}
    for target in set(hpas) & set(scaled_objects):
        p.check(False, f"{target}: both a HorizontalPodAutoscaler and a KEDA ScaledObject (which makes its own HPA) scale it")
    pod_labels = {n: d["spec"]["template"]["metadata"].get("labels", {}) for n, d in deployments.items()}
    ports_of = {n: {pt.get("name"): pt.get("containerPort")
                    for c in d["spec"]["template"]["spec"]["containers"] for pt in c.get("ports", [])}
                for n, d in deployments.items()}

    commands = set()
    for name, d in deployments.items():
        spec = d["spec"]
        p.check(selects(spec["selector"].get("matchLabels"), pod_labels[name]),
                f"Deployment/{name}: selector does not match its pod labels")
        if name in hpas or name in scaled_objects:
            p.check("replicas" not in spec, f"{d['kind']}/{name}: spec.replicas fights its autoscaler")
        pod = spec["template"]["spec"]
        volumes = {v["name"] for v in pod.get("volumes", [])}
        if d["kind"] == "StatefulSet":
            check_statefulset(p, d, by_kind.get("Service", {}), cm_env, raw)
            volumes |= {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
        for v in pod.get("volumes", []):
            if "secret" in v:
                secret = v["secret"].get("secretName")
                p.check(v["secret"].get("optional") is True or secret in by_kind.get("Secret", {}) or operator_created(secret),
                        f"Deployment/{name} volume {v['name']}: Secret {secret} is neither defined, optional nor created by "
                        f"the operator as k8s/README.md says")
        p.check((pod.get("securityContext") or {}).get("runAsNonRoot") is True, f"Deployment/{name}: runAsNonRoot must be true")
        for c in pod["containers"]:
            cname = f"Deployment/{name} container {c.get('name')}"
            p.check(c.get("image"), f"{cname}: no image")
            cmd = (c.get("args") or [None])[0]
            commands.add(cmd)
            p.check(cmd in SERVICES, f"{cname}: args[0] must be a service command, is {cmd!r}")
            for ef in c.get("envFrom", []):
                if "configMapRef" in ef and not raw:
                    p.check(ef["configMapRef"]["name"] in configmaps,
                            f"{cname}: ConfigMap {ef['configMapRef']['name']} is not in the output")
                if "secretRef" in ef:
                    secret = ef["secretRef"]["name"]
                    p.check(ef["secretRef"].get("optional") is True or secret in by_kind.get("Secret", {})
                            or operator_created(secret),
                            f"{cname}: Secret {secret} is neither defined, optional nor created by the operator as "
                            f"k8s/README.md says")
            for e in c.get("env", []):
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    secret = ref.get("name")
                    p.check(ref.get("optional") is True or secret in by_kind.get("Secret", {}) or secret in by_kind.get("KafkaUser", {})
                            or operator_created(secret),
                            f"{cname}: env {e.get('name')} reads Secret {secret}, which is neither defined, optional, a KafkaUser's "
                            f"(Strimzi's User Operator makes those) nor created by the operator as k8s/README.md says")
            ports = {pt.get("name"): pt.get("containerPort") for pt in c.get("ports", [])}
            if cmd in SERVICES:
                want = int(cm_env.get(f"WEIGHTCAST_{cmd.upper()}_PORT", SERVICES[cmd]))
                p.check(want in ports.values(), f"{cname}: containerPort must be {want} (WEIGHTCAST_{cmd.upper()}_PORT)")
                if not raw:
                    p.check(cm_env.get(f"WEIGHTCAST_{cmd.upper()}_HOST") == "0.0.0.0",
                            f"{cname}: WEIGHTCAST_{cmd.upper()}_HOST must be 0.0.0.0")
            for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready"), ("startupProbe", "/health")):
                get = (c.get(probe) or {}).get("httpGet") or {}
                p.check(get.get("path") == path, f"{cname}: {probe} must GET {path}")
                p.check(get.get("port") in ports or get.get("port") in ports.values(),
                        f"{cname}: {probe} port {get.get('port')} is not a container port")
            res = c.get("resources") or {}
            p.check({"cpu", "memory"} <= set((res.get("requests") or {})) and "memory" in (res.get("limits") or {}),
                    f"{cname}: needs cpu and memory requests and a memory limit")
            for m in c.get("volumeMounts", []):
                p.check(m["name"] in volumes, f"{cname}: volumeMount {m['name']} has no volume")
    p.check(commands >= set(SERVICES), f"Deployments run {sorted(c for c in commands if c)}, need all of {sorted(SERVICES)}")

    for name, s in by_kind.get("Service", {}).items():
        targets = [n for n, labels in pod_labels.items() if selects(s["spec"].get("selector"), labels)]
        if p.check(targets, f"Service/{name}: selector matches no Deployment"):
            for pt in s["spec"].get("ports", []):
                tp = pt.get("targetPort", pt.get("port"))
                p.check(tp in ports_of[targets[0]] or tp in ports_of[targets[0]].values(),
                        f"Service/{name}: targetPort {tp} is not a container port")
    # Prometheus Operator: the ServiceMonitors scrape /metrics of every service's Service, by a port name it has.
    services = by_kind.get("Service", {})
    scraped = set()
    for name, sm in by_kind.get("ServiceMonitor", {}).items():
        spec = sm["spec"]
        selected = [n for n, s in services.items() if label_selects(spec.get("selector") or {}, s["metadata"].get("labels", {}))]
        p.check(selected, f"ServiceMonitor/{name}: selector matches no Service")
        for ep in spec.get("endpoints", []):
            p.check(ep.get("path", "/metrics") == "/metrics", f"ServiceMonitor/{name}: endpoint path must be /metrics")
            has = [n for n in selected if any(pt.get("name") == ep.get("port") for pt in services[n]["spec"].get("ports", []))]
            p.check(has, f"ServiceMonitor/{name}: no selected Service has a port named {ep.get('port')}")
            scraped |= set(has)
    if by_kind.get("ServiceMonitor"):
        want = {f"weightcast-{s}" for s in SERVICES}
        p.check(want <= scraped, f"ServiceMonitors scrape {sorted(scraped)}, need all of {sorted(want)}")
    for name, np in by_kind.get("NetworkPolicy", {}).items():
        targets = [n for n, labels in pod_labels.items() if label_selects(np["spec"].get("podSelector") or {}, labels)]
        p.check(targets, f"NetworkPolicy/{name}: podSelector matches no Deployment")
        for rule in np["spec"].get("ingress", []):
            for pt in rule.get("ports", []):
                p.check(any(pt.get("port") in ports_of[t].values() or pt.get("port") in ports_of[t] for t in targets),
                        f"NetworkPolicy/{name}: port {pt.get('port')} is no container port of {targets}")
    if by_kind.get("NetworkPolicy"):
        for n, labels in pod_labels.items():
            allowed = [name for name, np in by_kind["NetworkPolicy"].items()
                       if label_selects(np["spec"].get("podSelector") or {}, labels) and np["spec"].get("ingress")]
            p.check(allowed, f"Deployment/{n}: NetworkPolicies let nothing reach it (its probes' port must stay reachable)")
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        spec = pdb["spec"]
        targets = [n for n, labels in pod_labels.items() if selects(spec["selector"].get("matchLabels"), labels)]
        p.check(targets, f"PodDisruptionBudget/{name}: selector matches no Deployment")
        p.check(("minAvailable" in spec) != ("maxUnavailable" in spec),
                f"PodDisruptionBudget/{name}: set exactly one of minAvailable, maxUnavailable")
        for t in targets:
            replicas = (hpas[t]["spec"].get("minReplicas", 1) if t in hpas
                        else scaled_objects[t]["spec"].get("minReplicaCount", 0) if t in scaled_objects
                        else deployments[t]["spec"].get("replicas", 1))
            if isinstance(spec.get("minAvailable"), int):
                p.check(replicas > spec["minAvailable"],
                        f"PodDisruptionBudget/{name}: minAvailable {spec['minAvailable']} with {replicas} replicas blocks every drain")

    # Strimzi: pools, cluster and topics belong together, and match the contract and the ConfigMap.
    kafkas = by_kind.get("Kafka", {})
    if p.check(len(kafkas) == 1, "need exactly one Strimzi Kafka"):
        kname, kafka = next(iter(kafkas.items()))
        pools = by_kind.get("KafkaNodePool", {})
        roles, brokers = set(), 0
        for pname, pool in pools.items():
            p.check(pool["metadata"].get("labels", {}).get("strimzi.io/cluster") == kname,
                    f"KafkaNodePool/{pname}: strimzi.io/cluster must be {kname}")
            roles |= set(pool["spec"].get("roles", []))
            brokers += pool["spec"]["replicas"] if "broker" in pool["spec"].get("roles", []) else 0
            vols = pool["spec"].get("storage", {}).get("volumes", [pool["spec"].get("storage", {})])
            p.check(any(v.get("kraftMetadata") == "shared" for v in vols) or pool["spec"].get("storage", {}).get("type") != "jbod",
                    f"KafkaNodePool/{pname}: one JBOD volume needs kraftMetadata: shared")
        p.check(roles == {"broker", "controller"}, "KRaft needs node pools with broker and controller roles")
        p.check("zookeeper" not in kafka["spec"], f"Kafka/{kname}: KRaft only, no zookeeper")
        users = by_kind.get("KafkaUser", {})
        if users:
            p.check((kafka["spec"]["kafka"].get("authorization") or {}).get("type") == "simple",
                    f"Kafka/{kname}: KafkaUsers with ACLs need authorization: simple")
            for lst in kafka["spec"]["kafka"].get("listeners", []):
                p.check((lst.get("authentication") or {}).get("type") in ("scram-sha-512", "tls"),
                        f"Kafka/{kname} listener {lst.get('name')}: needs authentication (scram-sha-512 or tls)")
            for uname, u in users.items():
                p.check(u["metadata"].get("labels", {}).get("strimzi.io/cluster") == kname,
                        f"KafkaUser/{uname}: strimzi.io/cluster must be {kname}")
            for svc in SERVICES:
                p.check(f"weightcast-{svc}" in users, f"no KafkaUser weightcast-{svc} for the {svc} service")
            writers = sorted({uname for uname, u in users.items() for acl in (u["spec"].get("authorization") or {}).get("acls", [])
                             if acl["resource"].get("type") == "topic" and acl["resource"].get("name", "").endswith(("models", "encoders"))
                             and {"Write", "All"} & set(acl.get("operations", []))})
            p.check(set(writers) <= {"weightcast-trainer"}, f"only the trainer may write models/encoders, also: {writers}")
        plain = [lst for lst in kafka["spec"]["kafka"].get("listeners", []) if not lst.get("tls")]
        max_bytes = int(kafka["spec"]["kafka"].get("config", {}).get("message.max.bytes", 1048588))
        if not raw and p.check(plain, f"Kafka/{kname}: needs a plaintext listener for the services"):
            want = f"{kname}-kafka-bootstrap:{plain[0]['port']}"
            p.check(cm_env.get("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS") == want,
                    f"ConfigMap: WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS must be {want}")
        prefix = cm_env.get("WEIGHTCAST_TOPIC_PREFIX", "weightcast.")
        names, partitions = set(), {}
        for tname, t in by_kind.get("KafkaTopic", {}).items():
            spec = t["spec"]
            topic = spec.get("topicName", tname)
            p.check(t["metadata"].get("labels", {}).get("strimzi.io/cluster") == kname,
                    f"KafkaTopic/{tname}: strimzi.io/cluster must be {kname}")
            p.check(spec.get("replicas", 1) <= brokers, f"KafkaTopic/{tname}: {spec.get('replicas')} replicas on {brokers} brokers")
            cfg = spec.get("config", {})
            p.check(int(cfg.get("min.insync.replicas", 1)) < spec.get("replicas", 1) or spec.get("replicas", 1) == 1,
                    f"KafkaTopic/{tname}: min.insync.replicas must be below replicas, or a broker loss stops writes")
            p.check(int(cfg.get("max.message.bytes", 0)) <= max_bytes,
                    f"KafkaTopic/{tname}: max.message.bytes above the broker's message.max.bytes")
            p.check(topic.startswith(prefix), f"KafkaTopic/{tname}: {topic} lacks prefix {prefix}")
            suffix = topic[len(prefix):]
            names.add(suffix)
            partitions[suffix] = spec.get("partitions", 1)
            if suffix in ("models", "encoders"):
                p.check(cfg.get("cleanup.policy") == "compact" and spec.get("partitions") == 1,
                        f"KafkaTopic/{tname}: {suffix} must be compacted, 1 partition")
        contract = contract_topics()
        if contract is not None:
            p.check(names == contract, f"KafkaTopics {sorted(names)} differ from Topics.java {sorted(contract)}")
        scaled = [n for s, n in partitions.items() if s not in ("models", "encoders")]  # single-partition, compacted
        for target, hpa in hpas.items():
            spec = hpa["spec"]
            p.check(target in deployments, f"HorizontalPodAutoscaler/{hpa['metadata']['name']}: no Deployment {target}")
            p.check(1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"],
                    f"HorizontalPodAutoscaler/{target}: minReplicas above maxReplicas")
            if scaled:
                p.check(spec["maxReplicas"] <= min(scaled),
                        f"HorizontalPodAutoscaler/{target}: maxReplicas {spec['maxReplicas']} above the partition count {min(scaled)}")
        for target, so in scaled_objects.items():
            check_scaled_object(p, so, deployments, scaled, prefix, names)
    kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
    return p.finish(f"{len(docs)} resources ({kinds}) reference each other consistently"
                    + (" [raw files, generators not applied]" if raw else ""))


def check_statefulset(p, d, services, cm_env, raw):
    """A StatefulSet: its governing Service is headless and selects its pods; each claim template is mounted, and the
    streams pod's state claim holds WEIGHTCAST_DATA_DIR (where <service>-state, the Kafka Streams state dir, lives)."""
    name, spec = d["metadata"]["name"], d["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    governing = services.get(spec.get("serviceName"))
    if p.check(governing, f"StatefulSet/{name}: serviceName {spec.get('serviceName')!r} is no Service"):
        p.check(governing["spec"].get("clusterIP") == "None", f"StatefulSet/{name}: its Service {spec['serviceName']} must be headless")
        p.check(selects(governing["spec"].get("selector"), labels), f"StatefulSet/{name}: its Service does not select its pods")
    p.check("strategy" not in spec, f"StatefulSet/{name}: strategy is a Deployment field (updateStrategy here)")
    claims = {t["metadata"]["name"]: t for t in spec.get("volumeClaimTemplates", [])}
    p.check(claims, f"StatefulSet/{name}: no volumeClaimTemplates (a Deployment would do)")
    mounts = {m["name"]: m["mountPath"] for c in spec["template"]["spec"]["containers"] for m in c.get("volumeMounts", [])}
    for cname, claim in claims.items():
        p.check(cname in mounts, f"StatefulSet/{name}: claim {cname} is mounted by no container")
        p.check((claim["spec"].get("resources") or {}).get("requests", {}).get("storage"),
                f"StatefulSet/{name}: claim {cname} requests no storage")
        p.check(claim["spec"].get("accessModes"), f"StatefulSet/{name}: claim {cname} has no accessModes")
    if not raw and "state" in claims:
        p.check(mounts.get("state") == cm_env.get("WEIGHTCAST_DATA_DIR"),
                f"StatefulSet/{name}: the state claim is mounted at {mounts.get('state')}, but the state dirs are under "
                f"WEIGHTCAST_DATA_DIR={cm_env.get('WEIGHTCAST_DATA_DIR')}")


def check_scaled_object(p, so, workloads, scaled, prefix, topics):
    """A KEDA ScaledObject: its target exists (kind too) without spec.replicas, 1 <= min <= max <= the partition count,
    and a Prometheus trigger asks for known metrics of this deployment's group and topics, with a numeric threshold."""
    name, spec = so["metadata"]["name"], so["spec"]
    ref = spec["scaleTargetRef"]
    target = workloads.get(ref["name"])
    if p.check(target, f"ScaledObject/{name}: no workload {ref['name']}"):
        p.check(ref.get("kind", "Deployment") == target["kind"] and ref.get("apiVersion", "apps/v1") == target["apiVersion"],
                f"ScaledObject/{name}: scaleTargetRef is a {ref.get('kind', 'Deployment')}, {ref['name']} is a {target['kind']}")
    lo, hi = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    p.check(1 <= lo <= hi, f"ScaledObject/{name}: need 1 <= minReplicaCount <= maxReplicaCount (0 would stop the service)")
    if scaled:
        p.check(hi <= min(scaled), f"ScaledObject/{name}: maxReplicaCount {hi} above the partition count {min(scaled)}")
    known = known_metrics()
    triggers = spec.get("triggers", [])
    p.check(any(t.get("type") in ("prometheus", "kafka") for t in triggers), f"ScaledObject/{name}: no lag trigger (prometheus or kafka)")
    for t in triggers:
        meta = t.get("metadata") or {}
        if t.get("type") == "prometheus":
            query = meta.get("query", "")
            bad, _ = unknown_metric_tokens(query, known)
            p.check(not bad, f"ScaledObject/{name}: query uses metrics not in metrics.txt: {bad}")
            p.check("weightcast_consumer_lag_records" in query, f"ScaledObject/{name}: the Prometheus trigger should scale on lag")
            p.check(re.match(r"https?://", meta.get("serverAddress", "")), f"ScaledObject/{name}: serverAddress must be an http(s) URL")
            p.check(balanced(query), f"ScaledObject/{name}: unbalanced query")
            group = re.search(r'group="([^"]+)"', query)
            p.check(group and group.group(1) == prefix + name.removeprefix("weightcast-"),
                    f"ScaledObject/{name}: the lag query's group must be {prefix}{name.removeprefix('weightcast-')} (its application id)")
            topic = re.search(r'topic="([^"]+)"', query)
            p.check(topic and topic.group(1).startswith(prefix) and topic.group(1)[len(prefix):] in topics,
                    f"ScaledObject/{name}: the lag query's topic is not a contract topic with prefix {prefix}")
            p.check(re.fullmatch(r"\d+(\.\d+)?", str(meta.get("threshold", ""))), f"ScaledObject/{name}: threshold must be a number")
        elif t.get("type") == "cpu":
            p.check(t.get("metricType") in ("Utilization", "AverageValue") and str(meta.get("value", "")).isdigit(),
                    f"ScaledObject/{name}: cpu trigger needs metricType and a numeric value")


KUSTOMIZE_FIELDS = {"apiVersion", "kind", "labels", "resources", "configMapGenerator", "images"}


def cmd_kustomize(out):
    """Renders k8s/ as `kubectl kustomize k8s` does, for the Kustomize fields kustomization.yaml uses
    (resources, labels without selectors, configMapGenerator from env files, images), when no kubectl is
    installed. Any other field, or an option of these it does not implement, fails: it never renders a
    kustomization it does not understand. The generated ConfigMap gets a content-hash suffix of its own
    (not Kustomize's exact hash) and every reference to it is renamed, as Kustomize does."""
    need_yaml()
    import hashlib
    k8s = ROOT / "k8s"
    p = Problems()
    k = load_yaml(k8s / "kustomization.yaml")
    unknown = sorted(set(k) - KUSTOMIZE_FIELDS)
    if not p.check(not unknown, f"kustomization.yaml: fields {unknown} are not implemented here (install kubectl)"):
        return p.finish("")
    docs = [d for r in k.get("resources", []) for d in load_yaml_all(k8s / r)]
    renamed = {}
    for gen in k.get("configMapGenerator", []):
        if not p.check(set(gen) <= {"name", "envs"}, f"configMapGenerator {gen.get('name')}: only name and envs are implemented"):
            continue
        data = {}
        for env in gen.get("envs", []):
            for line in (k8s / env).read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    key, sep, value = line.partition("=")
                    p.check(sep, f"{env}: not KEY=VALUE: {line}")
                    data[key.strip()] = value
        digest = hashlib.sha256(json.dumps({"data": data, "name": gen["name"]}, sort_keys=True).encode()).hexdigest()[:10]
        renamed[gen["name"]] = f"{gen['name']}-{digest}"
        docs.insert(0, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": renamed[gen["name"]]}, "data": data})
    for spec in k.get("labels", []):
        if not p.check(set(spec) <= {"pairs", "includeSelectors"} and not spec.get("includeSelectors"),
                       "labels: only pairs with includeSelectors false are implemented"):
            continue
        for d in docs:
            d.setdefault("metadata", {}).setdefault("labels", {}).update(spec["pairs"])
    images = {i["name"]: i for i in k.get("images", [])}
    for d in docs:
        pod = ((d.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            name = re.split(r"[:@]", c.get("image", ""), maxsplit=1)[0]
            if name in images:
                i = images[name]
                tag = i.get("newTag") or (c["image"][len(name) + 1:] if ":" in c["image"] else "")
                c["image"] = i.get("newName", name) + (f":{tag}" if tag else "")
            for ef in c.get("envFrom", []):
                ref = ef.get("configMapRef") or {}
                if ref.get("name") in renamed:
                    ref["name"] = renamed[ref["name"]]
        for v in pod.get("volumes", []):
            if (v.get("configMap") or {}).get("name") in renamed:
                v["configMap"]["name"] = renamed[v["configMap"]["name"]]
    with open(out, "w", encoding="utf-8") as f:
        yaml.safe_dump_all(docs, f, sort_keys=True)
    return p.finish(f"rendered {len(docs)} resources from {len(k.get('resources', []))} files "
                    f"(validate_checks.py's Kustomize subset: resources, labels, configMapGenerator envs, images)")


def main(argv):
    commands = {
        "metrics": cmd_metrics, "json": cmd_json, "yaml": cmd_yaml, "dashboards": cmd_dashboards,
        "dashboard-rules": cmd_dashboard_rules, "rules": cmd_rules, "topics": cmd_topics,
        "compose": cmd_compose, "dockerfile": cmd_dockerfile, "k8s": cmd_k8s, "kustomize": cmd_kustomize,
    }
    if not argv or argv[0] not in commands:
        print(f"usage: {Path(sys.argv[0]).name} {{{','.join(commands)}}} [arg]", file=sys.stderr)
        return 2
    try:
        return commands[argv[0]](*argv[1:])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        # A missing or mistyped key in a file under check is a failure of that file, reported as such.
        print(f"  - structure error: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
