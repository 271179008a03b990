"""What the deployment files promise an operator, read from the files.

Compose, Caddy and Kubernetes cannot run where these tests run, so they read
compose.yaml, deploy/Caddyfile, deploy/kubernetes/ and DEPLOY.md: every
setting the app reads reaches it, the clinics file is checked before the app
starts with it, secrets are files, and the documented advice is safe.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).parent.parent
KUBERNETES = PROJECT / "deploy" / "kubernetes"
DEPLOY = (PROJECT / "DEPLOY.md").read_text()
NAMESPACE = "opioid-signs-self-check"
# The one command line the documents give to check a clinics file.
CHECK_CONFIG = "flask --app app check-config"
# App settings (app.py DEFAULTS) that are the code's own, not an operator's.
INTERNAL = {
    "DEVELOPMENT",  # a developer's computer only; never on a server
    "CONTENT_DIR",
    "BABEL_DEFAULT_LOCALE",
    "MAX_CONTENT_LENGTH",
}
INTERNAL_PREFIXES = ("SESSION_", "WTF_", "COMPRESS_")


def app_settings() -> set[str]:
    """SELFCHECK_<KEY> for each key of app.py's DEFAULTS an operator may set."""
    tree = ast.parse((PROJECT / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "DEFAULTS" for t in targets):
                assert isinstance(node.value, ast.Dict)
                keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
                break
    else:
        raise AssertionError("app.py has no DEFAULTS; update this test")
    keys = {k for k in keys if k not in INTERNAL and not k.startswith(INTERNAL_PREFIXES)}
    # Not in DEFAULTS (it has none), read all the same.
    return {f"SELFCHECK_{key}" for key in keys | {"SECRET_KEY"}}


def server_settings() -> set[str]:
    """The environment variables gunicorn.conf.py reads, and gunicorn's own."""
    text = (PROJECT / "gunicorn.conf.py").read_text()
    names = set(re.findall(r"environ(?:\.get\(|\[)\s*['\"](\w+)['\"]", text))
    names |= set(re.findall(r"_flag\(\s*['\"](\w+)['\"]", text))
    assert {"PORT", "WEB_CONCURRENCY"} <= names, names
    return names | {"GUNICORN_CMD_ARGS"}


def operator_settings() -> set[str]:
    return app_settings() | server_settings()


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROJECT / "compose.yaml").read_text())
    return loaded


def deployment() -> dict[str, Any]:
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == "Deployment":
                return dict(document)
    raise AssertionError("no Deployment")


def kubernetes_objects() -> list[tuple[Path, dict[str, Any]]]:
    """Every object, in deploy/kubernetes/ and in the folders its kustomization includes."""
    found = []
    for path in sorted([*KUBERNETES.glob("*.yaml"), *KUBERNETES.glob("*/*.yaml")]):
        if path.name == "kustomization.yaml":
            continue
        found += [(path, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def kubernetes_object(kind: str, name: str) -> dict[str, Any]:
    (found,) = [
        d for _, d in kubernetes_objects() if d["kind"] == kind and d["metadata"]["name"] == name
    ]
    return found


def app_policy() -> dict[str, Any]:
    """The NetworkPolicy of the app's pods."""
    selector = deployment()["spec"]["selector"]["matchLabels"]
    (policy,) = [
        d
        for _, d in kubernetes_objects()
        if d["kind"] == "NetworkPolicy" and d["spec"]["podSelector"]["matchLabels"] == selector
    ]
    return policy


def settings_env() -> tuple[dict[str, str], set[str]]:
    """settings.env: what it sets, and what it names in a comment (``# NAME=``)."""
    values, named = {}, set()
    for line in (KUBERNETES / "settings.env").read_text().splitlines():
        line = line.strip()
        if match := re.fullmatch(r"#\s*([A-Z_]+)=.*", line):
            named.add(match[1])
        elif line and not line.startswith("#"):
            name, equals, value = line.partition("=")
            assert equals and value, f"settings.env: {line!r} (an empty value is not unset)"
            values[name] = value
    return values, named


# ---- Compose ---------------------------------------------------------------


def test_every_setting_in_dot_env_reaches_the_app_and_checker_as_written():
    services = compose()["services"]
    for name in ("app", "check-config"):
        service = services[name]
        # env_file passes each line of .env as written, and nothing that is not there:
        # `${X:-}` would pass an empty value, which is not the same as unset.
        assert service.get("env_file") in (".env", [".env"]), f"{name}: env_file .env"
        environment = service["environment"]
        assert isinstance(environment, dict)
        for key, value in environment.items():
            assert "${" not in str(value) or ":?" in str(value), (
                f"{name}: {key}={value} passes a value the operator did not set"
            )
        # What compose sets itself, over .env: only these, on purpose.
        assert set(environment) <= {
            "SELFCHECK_SECRET_KEY_FILE",
            "SELFCHECK_SECRET_KEY_FALLBACKS_FILE",
            "SELFCHECK_TOTALS_URL_FILE",
            "SELFCHECK_PROXY_COUNT",
            "SELFCHECK_TRUSTED_HOSTS",
        }, sorted(environment)
    assert operator_settings() >= {"SELFCHECK_CONFIG", "SELFCHECK_EXIT_URL", "SELFCHECK_LOG_LEVEL"}


def test_compose_gives_the_secret_key_as_a_file_never_in_the_environment():
    loaded = compose()
    app = loaded["services"]["app"]
    environment = app["environment"]
    assert "SELFCHECK_SECRET_KEY" not in environment
    assert "SELFCHECK_SECRET_KEY_FALLBACKS" not in environment
    for setting, secret in [
        ("SELFCHECK_SECRET_KEY_FILE", "secret_key"),
        ("SELFCHECK_SECRET_KEY_FALLBACKS_FILE", "secret_key_fallbacks"),
    ]:
        assert environment[setting] == f"/run/secrets/{secret}"
        assert secret in app["secrets"]
        assert loaded["secrets"][secret]["file"].startswith("./secrets/")
    header = (PROJECT / "compose.yaml").read_text().split("\nname:")[0]
    assert "secrets.token_hex(32)" in header and "SELFCHECK_SECRET_KEY=" not in header


def test_compose_mounts_the_clinics_folder_read_only_where_the_docs_say():
    app = compose()["services"]["app"]
    (mount,) = [v for v in app["volumes"] if v.startswith("./clinics:")]
    source, target, mode = mount.split(":")
    assert mode == "ro"
    # Logo paths are relative to the clinics file: the file and logos share a folder.
    assert f"SELFCHECK_CONFIG={target}/clinics.toml" in DEPLOY


def test_compose_checks_the_clinics_file_before_the_app_starts():
    services = compose()["services"]
    checker, app = services["check-config"], services["app"]
    assert app["depends_on"]["check-config"]["condition"] == "service_completed_successfully"
    assert checker["image"] == app["image"] and checker.get("pull_policy") == "never"
    assert checker["restart"] == "no"
    assert CHECK_CONFIG in " ".join(checker["command"])
    assert checker["volumes"] == app["volumes"]
    # The proxy waits for a healthy app, never for the one-shot check.
    assert "check-config" not in services["proxy"]["depends_on"]


def test_compose_rotates_logs_limits_memory_and_locks_down_caddy():
    services = compose()["services"]
    for name, service in services.items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", f"{name}: no log rotation"
        assert {"max-size", "max-file"} <= set(logging.get("options", {})), name
        assert service.get("mem_limit") and service.get("pids_limit"), f"{name}: no limits"
        assert service.get("read_only") is True, f"{name}: root file system writable"
        assert service.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
    proxy = services["proxy"]
    assert proxy.get("cap_add") == ["NET_BIND_SERVICE"], "Caddy needs only to bind 80 and 443"
    mounted = {volume.split(":")[1] for volume in proxy["volumes"]}
    assert {"/data", "/config"} <= mounted, "Caddy writes its certificates there"


def test_caddy_holds_requests_while_the_app_restarts_instead_of_answering_502():
    config = (PROJECT / "deploy" / "Caddyfile").read_text()
    block = config[config.index("reverse_proxy") :]

    def seconds(name: str, text: str = block) -> float:
        match = re.search(rf"(?m)^\s*{name}\s+(\d+)(ms|s|m)\s*$", text)
        assert match, f"Caddyfile: no {name}"
        return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60}[match[2]]

    assert seconds("lb_try_duration") >= 30
    assert seconds("lb_try_interval") <= 2
    # The wait counts against the server's write timeout.
    assert seconds("write", config) > seconds("lb_try_duration") + 30
    assert re.search(r"(?m)^\s*health_uri\s+/healthz\s*$", block)
    # The app answers only its own host name.
    assert re.search(r"health_headers\s*\{\s*Host\s+\{\$SELFCHECK_DOMAIN\}", block)


# ---- Kubernetes --------------------------------------------------------------


def test_every_setting_reaches_the_pods_through_settings_env_or_the_deployment():
    pod = deployment()["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (init,) = pod["initContainers"]
    generated = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    maps = {entry["name"]: entry for entry in generated["configMapGenerator"]}
    for each in (container, init):
        (source,) = each["envFrom"]
        settings = maps[source["configMapRef"]["name"]]
        assert settings["envs"] == ["settings.env"]
    fixed = {variable["name"] for variable in container["env"]}
    image_env = {"SELFCHECK_HOST", "PORT"}  # the Dockerfile's ENV
    values, named = settings_env()
    missing = operator_settings() - fixed - image_env - set(values) - named
    # The key and the totals' address are the Secrets' files: never values in the manifest.
    missing -= {"SELFCHECK_SECRET_KEY", "SELFCHECK_SECRET_KEY_FALLBACKS", "SELFCHECK_TOTALS_URL"}
    assert not missing, f"not in settings.env nor deployment.yaml: {sorted(missing)}"
    assert not (set(values) & fixed), "settings.env sets what the Deployment fixes"
    assert not {n for n in values | dict.fromkeys(named) if "SECRET_KEY" in n}


def test_secrets_are_files_and_the_clinics_file_a_configmap_checked_before_start():
    pod = deployment()["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (init,) = pod["initContainers"]
    env = {variable["name"]: variable for variable in container["env"]}
    # Nothing from a Secret as a variable: the key and the totals' address are files.
    assert not [v for v in container["env"] if "secretKeyRef" in v.get("valueFrom", {})]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    for setting in ("SELFCHECK_SECRET_KEY_FILE", "SELFCHECK_SECRET_KEY_FALLBACKS_FILE"):
        folder = env[setting]["value"].rsplit("/", 1)[0]
        secret = volumes[mounts[folder]["name"]]["secret"]
        assert secret["secretName"] == "opioid-signs-self-check"
        assert secret["defaultMode"] == 0o440 and pod["securityContext"]["fsGroup"] == 10001

    values, _ = settings_env()
    config = values["SELFCHECK_CONFIG"]
    for each in (container, init):
        mount = {m["mountPath"]: m for m in each["volumeMounts"]}[config]
        assert mount["readOnly"] is True and mount["subPath"] == "clinics.toml"
        assert "configMap" in volumes[mount["name"]]
    generated = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    (clinics,) = [m for m in generated["configMapGenerator"] if "files" in m]
    assert clinics["files"] == ["clinics.toml=clinics/clinics.toml"]
    assert volumes["clinics"]["configMap"]["name"] == clinics["name"]

    assert CHECK_CONFIG in " ".join(init["command"])
    assert init["image"] == container["image"]
    assert init["securityContext"] == container["securityContext"]
    assert {"requests", "limits"} <= set(init["resources"])


def test_every_object_has_the_namespace_and_images_are_pinned_by_digest():
    objects = kubernetes_objects()
    kinds = {document["kind"] for _, document in objects}
    assert {"Namespace", "NetworkPolicy"} <= kinds
    for path, document in objects:
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == NAMESPACE, path.name
    generated = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = set()
    for resource in generated["resources"]:
        if (KUBERNETES / resource).is_dir():
            # A folder of its own, with its own kustomization.yaml listing its files.
            own = yaml.safe_load((KUBERNETES / resource / "kustomization.yaml").read_text())
            listed |= {f"{resource}/{name}" for name in own["resources"]}
        else:
            listed.add(resource)
    files = {path.relative_to(KUBERNETES).as_posix() for path, _ in objects}
    assert listed == files, "kustomization.yaml lists every file"
    for entry in generated["configMapGenerator"]:
        assert entry["namespace"] == NAMESPACE
    pod = deployment()["spec"]["template"]["spec"]
    for container in pod["containers"] + pod["initContainers"]:
        assert re.fullmatch(r"[\w./-]+@sha256:[0-9a-f]{64}", container["image"]), container
        assert container["imagePullPolicy"] == "Always"


def test_only_the_ingress_controller_reaches_the_pods():
    policy = app_policy()
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    # Both in one entry: pods of the controller, in the controller's namespace.
    assert source["namespaceSelector"]["matchLabels"] and source["podSelector"]["matchLabels"]
    assert [port["port"] for port in rule["ports"]] == ["http"]


def test_the_liveness_probe_is_patient_with_a_busy_pod():
    (container,) = deployment()["spec"]["template"]["spec"]["containers"]
    live = container["livenessProbe"]
    waited = live["periodSeconds"] * live["failureThreshold"]
    assert live["timeoutSeconds"] >= 10 and waited >= 120, live
    start = container["startupProbe"]
    assert start["periodSeconds"] * start["failureThreshold"] >= 120, start


def test_the_logos_image_adds_logos_next_to_the_configmaps_clinics_file():
    dockerfile = (KUBERNETES / "clinics" / "Dockerfile").read_text()
    values, _ = settings_env()
    folder = values["SELFCHECK_CONFIG"].rsplit("/", 1)[0]
    assert re.search(rf"(?m)^COPY logos/ {re.escape(folder)}/logos/$", dockerfile)
    assert re.search(r"(?m)^FROM \$\{APP_IMAGE\}$", dockerfile)


# ---- DEPLOY.md ------------------------------------------------------------------


def test_deploy_md_gives_one_check_config_command_and_random_keys_only():
    for line in DEPLOY.splitlines():
        if re.search(r"\bflask\b.*check-config", line):
            assert CHECK_CONFIG in line, f"DEPLOY.md: {line.strip()}"
    for needed in (
        f"docker compose run --rm app {CHECK_CONFIG}",
        f"-- {CHECK_CONFIG}",
    ):
        assert needed in DEPLOY, f"DEPLOY.md should show: {needed}"
    for weak in re.findall(r"SELFCHECK_SECRET_KEY(?:_FALLBACKS)?=([^\s\\`'\"]+)", DEPLOY):
        assert weak.startswith(("$(", "<", "...")), f"DEPLOY.md shows a key: {weak}"


def test_deploy_md_has_the_security_advice():
    assert "fine for a test, or behind a proxy that passes TLS through" not in DEPLOY
    assert "never for anything the\ninternet or other machines can reach" in DEPLOY
    assert "proxy_set_header Host $http_host;" in DEPLOY
    assert "proxy_set_header Host $host;" not in DEPLOY
    for words in ("SELFCHECK_HSTS_INCLUDE_SUBDOMAINS", "includeSubDomains"):
        assert words in DEPLOY
    backup = DEPLOY[DEPLOY.index("## What to back up") :]
    backup = backup[: backup.index("\n## ", 4)]
    for thing in ("key", "clinics file", "logos"):
        assert thing in backup
    assert "liveness" in DEPLOY and "kill -HUP" in DEPLOY


def test_deploy_md_documents_every_setting():
    table = {m for m in re.findall(r"(?m)^\| `(\w+)` \|", DEPLOY)}
    missing = operator_settings() - table
    assert not missing, f"DEPLOY.md's settings table lacks {sorted(missing)}"


# ---- totals for clinics: the instance folder and PostgreSQL ---------------------

# The app's instance folder in the image: app.py is in /app (Flask's instance_path).
INSTANCE = "/app/instance"
# The image's user, as the Dockerfile names it.
APP_USER = "10001:10001"
TOTALS_SECRET = "opioid-signs-self-check-postgres"


def test_the_image_makes_the_instance_folder_a_volume_of_the_apps_user():
    text = (PROJECT / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM ") :]
    assert f"\nWORKDIR {INSTANCE.rsplit('/', 1)[0]}\n" in final
    made = re.search(rf"(?m)^RUN mkdir -p {INSTANCE} && chown {APP_USER} {INSTANCE}\b", final)
    user = final.index(f"\nUSER {APP_USER}\n")
    assert made and made.start() < user, "the folder is made, and made the app's, as root"
    assert re.search(rf'(?m)^VOLUME \["{INSTANCE}"\]$', final)


def test_compose_keeps_the_instance_folder_in_a_named_volume():
    loaded = compose()
    services = loaded["services"]
    for name in ("app", "check-config"):
        (mount,) = [v for v in services[name]["volumes"] if v.endswith(f":{INSTANCE}")]
        volume = mount.split(":")[0]
        assert volume in loaded["volumes"], f"{name}: {volume} is not a named volume"
    # Read from a secret file (it may hold a password): never a value in compose.yaml.
    environment = services["app"]["environment"]
    assert "SELFCHECK_TOTALS_URL" not in environment
    secret = environment["SELFCHECK_TOTALS_URL_FILE"].removeprefix("/run/secrets/")
    assert secret in services["app"]["secrets"]
    assert loaded["secrets"][secret]["file"] == "./secrets/totals_url"


def test_compose_postgres_is_optional_unpublished_and_reached_by_the_app_alone():
    loaded = compose()
    services = loaded["services"]
    postgres, app = services["postgres"], services["app"]
    assert postgres["profiles"] == ["postgres"], "started only when the operator asks for it"
    assert re.fullmatch(r"postgres:\d+(\.\d+)?-\w+", postgres["image"]), "a pinned major version"
    assert "ports" not in postgres and "expose" not in postgres
    # Its password is a Compose secret, a file, never a value in the file or the environment.
    environment = postgres["environment"]
    assert "POSTGRES_PASSWORD" not in environment
    (secret,) = postgres["secrets"]
    assert environment["POSTGRES_PASSWORD_FILE"] == f"/run/secrets/{secret}"
    assert loaded["secrets"][secret]["file"].startswith("./secrets/")
    assert secret not in app["secrets"], "the app has the address in its own file"
    (data,) = postgres["volumes"]
    assert data.split(":")[0] in loaded["volumes"], "its data is in a named volume"
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert str(postgres.get("user", "")).split(":")[0] not in {"", "0", "root"}
    # On a network of its own with the app: not the proxy's, and without a way out.
    (network,) = postgres["networks"]
    assert loaded["networks"][network]["internal"] is True
    assert network in app["networks"]
    assert network not in services["proxy"].get("networks", ["default"])
    # The app waits for it when it runs, and starts without it when it does not.
    waits = app["depends_on"]["postgres"]
    assert waits == {"condition": "service_healthy", "required": False}


def test_compose_header_documents_both_places_for_the_totals():
    header = (PROJECT / "compose.yaml").read_text().split("\nname:")[0]
    assert "COMPOSE_PROFILES=postgres" in header
    assert "'postgresql+psycopg://selfcheck:%s@postgres:5432/selfcheck" in header
    assert ": > secrets/totals_url" in header and "echo off > secrets/totals_url" in header
    assert "secrets/postgres_password" in header


def test_kubernetes_pods_get_the_totals_address_from_the_postgres_secret():
    pod = deployment()["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {v["name"]: v for v in container["env"]}
    assert "SELFCHECK_TOTALS_URL" not in env
    path = env["SELFCHECK_TOTALS_URL_FILE"]["value"]
    folder, name = path.rsplit("/", 1)
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    secret = volumes[mounts[folder]["name"]]["secret"]
    assert secret["secretName"] == TOTALS_SECRET
    assert secret["items"] == [{"key": "url", "path": name}]
    assert secret["defaultMode"] == 0o440
    values, named = settings_env()
    assert "SELFCHECK_TOTALS_URL" not in values | dict.fromkeys(named), (
        "the address holds a password: a Secret, not settings.env"
    )
    service = kubernetes_object("Service", TOTALS_SECRET)
    (port,) = service["spec"]["ports"]
    readme = (KUBERNETES / "README.md").read_text()
    assert f"@{service['metadata']['name']}:{port['port']}/selfcheck" in readme
    assert f"kubectl create secret generic {TOTALS_SECRET}" in readme


def test_kubernetes_postgres_keeps_its_data_and_runs_locked_down():
    statefulset = kubernetes_object("StatefulSet", TOTALS_SECRET)
    service = kubernetes_object("Service", TOTALS_SECRET)
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    selector = statefulset["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert service["spec"]["selector"] == selector
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
    # Not the app's pods: the app's Service, PDB and policy must not select it.
    assert selector != deployment()["spec"]["selector"]["matchLabels"]
    assert not deployment()["spec"]["selector"]["matchLabels"].items() <= labels.items()

    pod = statefulset["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert re.fullmatch(
        r"[\w./-]*postgres:\d+(\.\d+)?-\w+(@sha256:[0-9a-f]{64})?", container["image"]
    )
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    data = mounts[claim["metadata"]["name"]]["mountPath"]
    env = {v["name"]: v.get("value") for v in container["env"]}
    assert env["PGDATA"].startswith(data + "/"), "a folder in the volume, not its root"
    # The password as a file from the Secret: only its "password", not the app's address.
    password = env["POSTGRES_PASSWORD_FILE"]
    folder, name = password.rsplit("/", 1)
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == TOTALS_SECRET
    assert volume["secret"]["items"] == [{"key": "password", "path": name}]
    # The namespace's "restricted" Pod Security Standard.
    context = container["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert pod["automountServiceAccountToken"] is False
    assert {"requests", "limits"} <= set(container["resources"])
    assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"


def test_the_network_policies_let_the_app_reach_postgres_and_nothing_else_reach_it():
    app_selector = deployment()["spec"]["selector"]["matchLabels"]
    postgres_selector = kubernetes_object("StatefulSet", TOTALS_SECRET)["spec"]["selector"][
        "matchLabels"
    ]
    # The app: out to PostgreSQL on 5432, and to the cluster's DNS for its address; nothing else.
    database, dns = app_policy()["spec"]["egress"]
    (to,) = database["to"]
    assert to == {"podSelector": {"matchLabels": postgres_selector}}
    assert [(p["port"], p["protocol"]) for p in database["ports"]] == [(5432, "TCP")]
    (to,) = dns["to"]
    assert to["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert to["podSelector"]["matchLabels"]
    assert {p["port"] for p in dns["ports"]} == {53}
    # PostgreSQL: in from the app's pods of this namespace alone, out to nothing.
    (policy,) = [
        d
        for _, d in kubernetes_objects()
        if d["kind"] == "NetworkPolicy"
        and d["spec"]["podSelector"]["matchLabels"] == postgres_selector
    ]
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["spec"]["egress"] == []
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": app_selector}}]
    (container,) = kubernetes_object("StatefulSet", TOTALS_SECRET)["spec"]["template"]["spec"][
        "containers"
    ]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert [ports.get(p["port"], p["port"]) for p in rule["ports"]] == [5432]


def test_deploy_md_says_where_the_totals_live_how_they_change_and_how_to_back_them_up():
    totals = DEPLOY[DEPLOY.index("\n## Totals\n") :]
    totals = totals[: totals.index("\n## ", 4)]
    for words in (
        "SQLite",
        "PostgreSQL",
        "`off`",
        "CREATE TABLE IF NOT EXISTS",
        "a table of a new name",
        "older release",
        "pg_dump",
        "clinic, language, UTC day",
    ):
        assert words in totals, f"DEPLOY.md, Totals: no {words!r}"
    backup = DEPLOY[DEPLOY.index("## What to back up") :]
    backup = backup[: backup.index("\n## ", 4)]
    assert "totals" in backup
    several = DEPLOY[DEPLOY.index("## Several instances") :]
    assert "SELFCHECK_TOTALS_URL" in several[: several.index("\n## ", 4)]
