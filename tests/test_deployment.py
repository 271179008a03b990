"""The deployment files: Dockerfile, .dockerignore, compose.yaml, deploy/.

No container image can be built or run on the machines this project is
developed and tested on, so these tests check what can be checked without
one:

- hadolint finds nothing in the Dockerfile, and does find a broken copy's faults;
- .dockerignore sends the image what it copies, and no secret, test or venv;
- compose.yaml and the Kubernetes manifests say what matters for a safe run;
- the image's own install and start steps, read from the Dockerfile, run for
  real outside a container: the builder stage's COPY and RUN lines into a
  temporary folder, then the final stage's CMD as the image's non-root user,
  in folders that user cannot write to. This one is slow (see its docstring).
"""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.required import need
from tests.server import HOST, free_port

PROJECT = Path(__file__).parent.parent
DOCKERFILE = PROJECT / "Dockerfile"
KUBERNETES = PROJECT / "deploy" / "kubernetes"
HADOLINT = Path(sys.executable).parent / "hadolint"
CATALOGUE = PROJECT / "questionnaire" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
# What a container's PATH is before the image's ENV adds to it.
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The folders the builder stage makes. The install test keeps each under its
# own temporary root, at the same path (/opt/venv is <root>/opt/venv).
IMAGE_PATHS = ("/opt/venv", "/build", "/app")
PROBE_PATH = "/healthz"
# The one host name the started app answers to, as compose.yaml sets it up.
SITE = "selfcheck.clinic.example"


# ---- reading the Dockerfile ------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [arguments for key, arguments in self.instructions if key == keyword]

    def env(self, before: Mapping[str, str]) -> dict[str, str]:
        env = dict(before)
        for arguments in self.arguments("ENV"):
            env.update(parse_env(arguments, env))
        return env


def logical_lines(text: str) -> Iterator[str]:
    """Instructions one per line: comments dropped, continuation lines joined."""
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or not line:
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        yield current + line
        current = ""
    assert not current, "the Dockerfile ends in the middle of an instruction"


def read_dockerfile(text: str | None = None) -> list[Stage]:
    stages: list[Stage] = []
    for line in logical_lines(DOCKERFILE.read_text() if text is None else text):
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"Dockerfile: {keyword} before any FROM"
            stages[-1].instructions.append((keyword, arguments))
    return stages


def expand(value: str, env: Mapping[str, str]) -> str:
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m[1] or m[2], ""), value)


def parse_env(arguments: str, env: Mapping[str, str]) -> dict[str, str]:
    """``ENV A=1 B=$A``: like Docker, values see the variables set before this line."""
    values = {}
    for token in shlex.split(arguments):
        name, equals, value = token.partition("=")
        assert equals, f"ENV {arguments!r}: write NAME=value"
        values[name] = expand(value, env)
    return values


def exec_form(arguments: str, what: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list) and all(isinstance(word, str) for word in command), (
        f"{what} must be in exec form, a JSON list of strings: {arguments}"
    )
    return command


def healthcheck_command(stage: Stage) -> list[str]:
    (arguments,) = stage.arguments("HEALTHCHECK")
    match = re.fullmatch(r"(?:--\S+\s+)*CMD\s+(\[.*\])", arguments)
    assert match, f"HEALTHCHECK should be options then CMD [...]: {arguments}"
    return exec_form(match[1], "HEALTHCHECK CMD")


def numeric_user(stage: Stage) -> tuple[int, int]:
    users = stage.arguments("USER")
    assert users, "the final stage sets no USER, so the app would run as root"
    match = re.fullmatch(r"(\d+):(\d+)", users[-1])
    assert match, f"USER {users[-1]}: use numeric UID:GID (Kubernetes checks runAsNonRoot on it)"
    uid, gid = int(match[1]), int(match[2])
    assert uid != 0 and gid != 0, f"USER {users[-1]} is root"
    return uid, gid


# ---- reading .dockerignore -------------------------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in (PROJECT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keep = line.startswith("!")
            rules.append((keep, glob_regex(line.removeprefix("!").strip().strip("/"))))
    return rules


def left_out(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """As Docker decides: a rule matches a path or a folder above it; the last match wins."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for keep, regex in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = not keep
    return excluded


# ---- hadolint ----------------------------------------------------------------


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    need(HADOLINT.exists(), f"hadolint is not installed next to {sys.executable}")
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT,
    )


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_hadolint_does_fail_on_a_broken_dockerfile(tmp_path):
    text = DOCKERFILE.read_text()
    stages = read_dockerfile(text)
    broken = text.replace(f"FROM {stages[-1].base}", "FROM python:latest")
    broken = re.sub(r"(?m)^USER .*$", "USER root", broken)
    assert broken != text and "USER root" in broken, (
        "the Dockerfile changed shape; update this test"
    )
    (tmp_path / "Dockerfile").write_text(broken)
    result = hadolint(tmp_path / "Dockerfile")
    assert result.returncode != 0, f"hadolint passed a Dockerfile using :latest as root:\n{broken}"
    for rule in ("DL3007", "DL3002"):
        assert rule in result.stdout, f"hadolint did not report {rule}:\n{result.stdout}"


# ---- what the Dockerfile says ------------------------------------------------


def test_the_image_is_built_in_two_stages_and_runs_as_a_numeric_non_root_user():
    builder, final = read_dockerfile()
    assert builder.name, "the first stage needs a name for the final stage to copy from"
    assert builder.base == final.base, "both stages need the same Python, for the venv's links"
    # A digest may pin the tag: python:3.11-slim-bookworm@sha256:...
    assert re.fullmatch(r"python:3\.11[\w.-]*-slim-\w+(@sha256:[0-9a-f]{64})?", final.base), (
        final.base
    )
    numeric_user(final)
    for arguments in final.arguments("COPY"):
        words = shlex.split(arguments)
        assert words[0] == f"--from={builder.name}", (
            f"COPY {arguments}: the final stage takes only what the builder made"
        )
        source, destination = words[1:]
        # The venv's scripts name their Python by its absolute path.
        assert source == destination, f"COPY {arguments}: keep the builder's paths"
    env = final.env({"PATH": CONTAINER_PATH})
    assert env.get("SELFCHECK_HOST") == "0.0.0.0", "a container must listen on all interfaces"
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1", "the root file system is read-only"
    assert final.arguments("EXPOSE") == [env.get("PORT", "8000")]
    # The slim image has no curl: the health check is Python's standard library.
    assert healthcheck_command(final)[0] == "python", healthcheck_command(final)
    (cmd,) = final.arguments("CMD")
    assert exec_form(cmd, "CMD")[:3] == ["gunicorn", "-c", "gunicorn.conf.py"]


def test_dockerignore_sends_what_the_image_copies_and_nothing_private():
    rules = dockerignore()
    builder = read_dockerfile()[0]
    for arguments in builder.arguments("COPY"):
        *sources, _ = shlex.split(arguments)
        for source in sources:
            assert (PROJECT / source).exists(), f"COPY {arguments}: {source} is not in the project"
            assert not left_out(source, rules), (
                f".dockerignore leaves out {source}, which is copied"
            )
    for private in [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "tests/test_deployment.py",
        "screenshots/start.png",
        "questionnaire/translations/es/LC_MESSAGES/messages.mo",
        "questionnaire/__pycache__/flow.cpython-311.pyc",
    ]:
        assert left_out(private, rules), f".dockerignore sends {private} to the build"


# ---- compose ---------------------------------------------------------------


def test_compose_runs_the_app_read_only_behind_a_proxy_that_alone_publishes_ports():
    compose = yaml.safe_load((PROJECT / "compose.yaml").read_text())
    services = compose["services"]
    apps = [name for name, service in services.items() if "build" in service]
    assert len(apps) == 1, f"one service should build this project's image: {list(services)}"
    app = services[apps[0]]
    # The one-shot check of the clinics file runs the same image, and publishes nothing.
    users = [service for service in services.values() if service.get("image") == app["image"]]
    assert all(read_only_and_unpublished(service) for service in users)
    assert app.get("read_only") is True, "the app's root file system should be read-only"
    assert "/tmp" in app.get("tmpfs", []), "the app needs a /tmp in memory"
    assert "ports" not in app, "only the proxy publishes ports; the app must not face clients"
    env = app["environment"]
    assert isinstance(env, dict), "write the app's environment as a mapping"
    assert str(env.get("SELFCHECK_PROXY_COUNT")) == "1", "the app is behind one proxy"
    # The key is a Compose secret, a file compose refuses to start without.
    key_file = env["SELFCHECK_SECRET_KEY_FILE"]
    assert key_file.startswith("/run/secrets/") and "SELFCHECK_SECRET_KEY" not in env
    assert "SELFCHECK_HOST" not in env, "the image already listens on all interfaces"
    assert app.get("healthcheck", {}).get("test"), "the app needs a health check"

    proxies = [service for name, service in services.items() if service.get("ports")]
    assert len(proxies) == 1, "exactly one service, the proxy, should publish ports"
    (proxy,) = proxies
    published = [str(port).split(":")[-2] for port in proxy["ports"]]
    assert "443" in published and "80" in published, proxy["ports"]
    assert apps[0] in proxy.get("depends_on", {}), "the proxy should wait for the app"

    mounts = [volume.split(":") for volume in proxy["volumes"] if volume.startswith("./")]
    (caddyfile,) = [
        PROJECT / source for source, target, *_ in mounts if target.endswith("Caddyfile")
    ]
    config = caddyfile.read_text()
    port = read_dockerfile()[-1].env({}).get("PORT", "8000")
    assert re.search(rf"(?m)^\s*reverse_proxy\s+{apps[0]}:{port}\b", config), (
        f"{caddyfile.name} should proxy to {apps[0]}:{port}"
    )
    for setting in ("request_buffers", "read_header", "read_body"):
        assert re.search(rf"(?m)^\s*{setting}\s+\S+", config), (
            f"{caddyfile.name} should set {setting}: slow clients must wait on the proxy"
        )


def read_only_and_unpublished(service: dict[str, Any]) -> bool:
    return service.get("read_only") is True and "ports" not in service


# ---- Kubernetes --------------------------------------------------------------


def manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name == "kustomization.yaml":  # kustomize's, not the cluster's
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                assert document["kind"] not in found, f"two {document['kind']}s in {KUBERNETES}"
                found[document["kind"]] = document
    return found


def test_the_deployment_runs_locked_down_with_probes_resources_and_a_secret_key():
    deployment = manifests()["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == PROBE_PATH, f"{probe} should ask {PROBE_PATH}"
        assert check["port"] in ports or check["port"] in ports.values(), f"{probe}: {check}"

    uid, gid = numeric_user(read_dockerfile()[-1])
    for context in (pod["securityContext"], container["securityContext"]):
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == uid, "run as the image's own user"
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    locked = container["securityContext"]
    assert locked["readOnlyRootFilesystem"] is True
    assert locked["allowPrivilegeEscalation"] is False
    assert locked["capabilities"]["drop"] == ["ALL"]
    assert pod.get("automountServiceAccountToken") is False, "the app never talks to the API"

    env = {variable["name"]: variable for variable in container["env"]}
    assert "SELFCHECK_SECRET_KEY" not in env, "the key is a file from a Secret"
    key_file = env["SELFCHECK_SECRET_KEY_FILE"]["value"]
    (secrets,) = [
        mount for mount in container["volumeMounts"] if key_file.startswith(mount["mountPath"])
    ]
    (volume,) = [volume for volume in pod["volumes"] if volume["name"] == secrets["name"]]
    assert volume["secret"]["secretName"], "the secret key comes from a Secret"
    assert env["SELFCHECK_PROXY_COUNT"]["value"] == "1", "the ingress controller is the proxy"
    for variable in env.values():
        assert "value" not in variable or isinstance(variable["value"], str), (
            f"{variable['name']}: Kubernetes wants environment values as strings"
        )

    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), f"resources.{kind}"
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (tmp,) = [name for name, path in mounts.items() if path == "/tmp"]
    assert "emptyDir" in volumes[tmp], "/tmp should be an emptyDir"


def test_service_hpa_pdb_and_ingress_all_point_at_the_deployment():
    found = manifests()
    deployment, service = found["Deployment"], found["Service"]
    name = deployment["metadata"]["name"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items(), "the Deployment must select its own pods"

    assert service["spec"]["selector"] == selector, "the Service should select the pods"
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port_names = {port["name"] for port in container["ports"]}
    assert all(port["targetPort"] in port_names for port in service["spec"]["ports"])

    hpa = found["HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", name)
    assert hpa["spec"]["minReplicas"] >= 2, "one pod alone cannot be moved without an outage"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and "cpu" in container["resources"]["requests"]
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"

    pdb = found["PodDisruptionBudget"]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"]["matchLabels"] == selector, "the PDB should cover the pods"

    ingress = found["Ingress"]
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"]["name"] in service_ports


# ---- the image's steps, run for real ----------------------------------------


def image_path_regex() -> re.Pattern[str]:
    paths = "|".join(re.escape(path) for path in sorted(IMAGE_PATHS, key=len, reverse=True))
    return re.compile(rf"(?<![\w./-])({paths})(?![\w.-])")


def localise(text: str, root: Path) -> str:
    """The same text with the image's folders moved under root."""
    return image_path_regex().sub(lambda m: str(root) + m[1], text)


def local_path(path: str, workdir: Path | None, root: Path) -> Path:
    if path.startswith("/"):
        assert image_path_regex().match(path), f"{path}: not one of {IMAGE_PATHS}; add it there"
        return Path(localise(path, root))
    assert workdir is not None, f"{path}: relative, before any WORKDIR"
    return workdir / path


def copy_from_project(arguments: str, workdir: Path | None, root: Path) -> None:
    """COPY from the build context, leaving out what .dockerignore leaves out."""
    rules = dockerignore()
    *sources, destination = shlex.split(arguments)
    assert not sources[0].startswith("--"), f"COPY {arguments}: the test knows no options here"
    target = local_path(destination, workdir, root)
    for source in sources:
        path = PROJECT / source
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(PROJECT).as_posix()
                if file.is_file() and not left_out(relative, rules):
                    copy = target / file.relative_to(path)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, copy)
        else:
            into_folder = destination.endswith("/") or len(sources) > 1
            copy = target / path.name if into_folder else target
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)


def build_like_the_image(builder: Stage, root: Path, python: str) -> Path:
    """The builder stage's WORKDIR, ENV, COPY and RUN lines, as root, under root."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "SELFCHECK_", "GUNICORN_")) and name != "VIRTUAL_ENV"
    }
    workdir: Path | None = None
    for keyword, arguments in builder.instructions:
        if keyword == "ENV":
            env.update({k: localise(v, root) for k, v in parse_env(arguments, env).items()})
        elif keyword == "WORKDIR":
            workdir = local_path(arguments, workdir, root)
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            copy_from_project(arguments, workdir, root)
        elif keyword == "RUN":
            # The image's python3; here, one the app's user may run.
            started = time.monotonic()
            result = subprocess.run(
                ["sh", "-c", localise(arguments, root)],
                cwd=workdir,
                env={**env, "PYTHON": python},
                capture_output=True,
                text=True,
                timeout=150,
            )
            assert result.returncode == 0, (
                f"RUN {arguments} failed after {time.monotonic() - started:.0f} s:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        else:
            assert keyword in {"ARG", "LABEL"}, f"the test cannot run {keyword} {arguments}"
    assert workdir is not None
    return workdir


def python_for(user: list[str], version: str) -> str | None:
    """A Python of the image's version, that the image's user may run, with venv and pip."""
    candidates = [sys._base_executable, f"/usr/local/bin/python{version}"]
    candidates += [f"/usr/bin/python{version}", shutil.which(f"python{version}")]
    check = f"import ensurepip, venv, sys; assert sys.version.startswith('{version}.')"
    for candidate in dict.fromkeys(candidates):
        if not candidate or not Path(candidate).exists():
            continue
        # Whether the user may reach the file at all (under /root, say, it may not).
        reachable = subprocess.run([*user, "test", "-x", candidate], capture_output=True)
        result = subprocess.run([*user, candidate, "-c", check], capture_output=True)
        if reachable.returncode == 0 and result.returncode == 0:
            return candidate
    return None


def get(
    port: int, path: str, host: str = SITE, **headers: str
) -> tuple[int, http.client.HTTPMessage, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **headers})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8")
    finally:
        connection.close()


@contextmanager
def read_only(root: Path) -> Iterator[None]:
    """No write bit anywhere under root (root itself still ignores them)."""
    paths = [root, *root.rglob("*")]
    for path in paths:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    try:
        yield
    finally:
        for path in paths:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)


@contextmanager
def serving(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Iterator[int]:
    """Start the command on a free port; its port; stop it (SIGTERM) afterwards."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**env, "PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"gunicorn stopped at start-up:\n{log.read_text()}"
            try:
                if get(port, PROBE_PATH)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer in 30 s:\n{log.read_text()}"
            time.sleep(0.2)
        yield port
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, f"gunicorn did not stop cleanly:\n{log.read_text()}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def spanish_interface_strings(english_page: str) -> dict[str, str]:
    """The catalogue's translations of the interface strings shown on an English page."""
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    return {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and message.string not in {"", message.id}
        and "%(" not in message.id
        and message.id in english_page
    }


def installed_distributions(venv: Path) -> dict[str, str]:
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-I",  # not the folder it runs in: only what is installed
            "-c",
            "import importlib.metadata as m\n"
            "for d in m.distributions(): print(d.metadata['Name'], d.version)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        canonicalize_name(name): version for name, version in map(str.split, listing.splitlines())
    }


def project_name() -> str:
    with (PROJECT / "pyproject.toml").open("rb") as file:
        name: str = tomllib.load(file)["project"]["name"]
    return name


def documented_check_config() -> list[str]:
    """The command DEPLOY.md gives to check a clinics file, the same for Compose and Kubernetes."""
    text = (PROJECT / "DEPLOY.md").read_text()
    compose = re.findall(r"docker compose run --rm app (flask [^`&\n]*?)\s*(?:&&|`|$)", text, re.M)
    kubectl = re.findall(r"kubectl exec [^`\n]* -- (flask [^`\n]*?)`", text)
    assert compose and kubectl, "DEPLOY.md gives no check-config command for Compose and kubectl"
    assert set(compose) == set(kubectl) and len(set(compose)) == 1, (compose, kubectl)
    return shlex.split(compose[0])


def deploy_path_checks() -> dict[str, list[str]]:
    """The clinics check that runs before the app: Compose's one-shot, the initContainer."""
    compose = yaml.safe_load((PROJECT / "compose.yaml").read_text())
    # Compose writes $$ for a $ that it must not fill in itself.
    one_shot = [word.replace("$$", "$") for word in compose["services"]["check-config"]["command"]]
    (init,) = manifests()["Deployment"]["spec"]["template"]["spec"]["initContainers"]
    return {"compose": one_shot, "kubernetes": init["command"]}


def assert_only_pinned_runtime_dependencies(venv: Path) -> None:
    installed = installed_distributions(venv)
    pins = {}
    for line in (PROJECT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, pinned = line.split("==")
            pins[canonicalize_name(name)] = pinned.strip()
    for name, version in installed.items():
        # The project itself, installed for its flask commands (compile-app.sh).
        if name not in {"pip", "setuptools", "wheel", canonicalize_name(project_name())}:
            assert pins.get(name) == version, (
                f"{name} {version} is installed, but constraints.txt pins {pins.get(name)}"
            )
    dev = re.search(r"(?ms)^dev = \[(.*?)^\]", (PROJECT / "pyproject.toml").read_text())
    assert dev, "pyproject.toml has no dev extra; update this test"
    for requirement in re.findall(r'^\s*"([^"]+)"', dev[1], flags=re.M):
        name = canonicalize_name(Requirement(requirement).name)
        assert name not in installed, f"{name}, a development tool, is in the image"


@pytest.mark.slow
def test_the_image_install_and_start_steps_work_as_a_non_root_user_on_a_read_only_tree():
    """Slow: runs the Dockerfile's own steps outside a container.

    The builder stage's COPY and RUN lines build a fresh virtual environment
    (from the package registry) and compile the app into a temporary root;
    then the final stage's CMD starts gunicorn there as the image's USER, with
    the image's ENV, in folders that user cannot write to.
    """
    builder, final = read_dockerfile()
    uid, gid = numeric_user(final)
    if os.geteuid() == 0:
        need(shutil.which("setpriv") is not None, "setpriv (util-linux) is needed to change user")
        user = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs"]
    else:
        user = []  # already not root: run as this user, in folders without write bits
    python_version = re.match(r"python:(\d+\.\d+)", final.base)
    assert python_version, final.base
    python = python_for(user, python_version[1])
    need(python is not None, f"no Python {python_version[1]} with venv that uid {uid} may run")
    assert python is not None

    # Under /tmp, which the app's user may enter (pytest's own folders are root's alone).
    with tempfile.TemporaryDirectory(prefix="selfcheck-image-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        app = build_like_the_image(builder, root, python)
        venv = Path(localise("/opt/venv", root))

        assert_only_pinned_runtime_dependencies(venv)
        compiled = app / CATALOGUE.relative_to(PROJECT).with_suffix(".mo")
        assert compiled.is_file(), f"the builder stage made no {compiled.relative_to(root)}"

        env = final.env({"PATH": CONTAINER_PATH, "HOME": "/nonexistent"})
        env = {name: localise(value, root) for name, value in env.items()}
        # Only on 127.0.0.1 here: never all interfaces in a test.
        env.update({"SELFCHECK_SECRET_KEY": secrets.token_hex(32), "SELFCHECK_HOST": HOST})
        # As compose.yaml runs it; the health check must then name the site.
        env["SELFCHECK_TRUSTED_HOSTS"] = SITE
        (cmd,) = final.arguments("CMD")
        command = [localise(word, root) for word in exec_form(cmd, "CMD")]
        workdir = local_path(final.arguments("WORKDIR")[-1], None, root)
        healthcheck = [localise(word, root) for word in healthcheck_command(final)]

        def check_health() -> subprocess.CompletedProcess[str]:
            """The image's HEALTHCHECK, run as the image's user."""
            return subprocess.run(
                [*user, *healthcheck],
                cwd=workdir,
                env={**env, "PORT": str(port)},
                capture_output=True,
                text=True,
                timeout=30,
            )

        # A good clinics file (the Kubernetes example) and one with a mistake.
        clinics = root / "etc" / "selfcheck"
        clinics.mkdir(parents=True)
        good, bad = clinics / "clinics.toml", clinics / "bad.toml"
        example = (KUBERNETES / "clinics" / "clinics.toml").read_text()
        good.write_text(example)
        bad.write_text(re.sub(r'brand_color = "#\w+"', 'brand_color = "#ffffff"', example))
        assert bad.read_text() != example

        with tempfile.TemporaryDirectory(prefix="selfcheck-log-") as logs, read_only(root):
            log = Path(logs) / "gunicorn.log"
            for where in (workdir, venv):
                probe = subprocess.run(
                    [*user, python, "-c", "open('write-probe', 'w')"],
                    cwd=where,
                    capture_output=True,
                )
                assert probe.returncode != 0, f"the app's user could write into {where}"

            with serving([*user, *command], workdir, env, log) as port:
                status, headers, _ = get(port, PROBE_PATH)
                assert status == 200 and headers.get("Set-Cookie") is None, (status, headers)
                status, _, english = get(port, "/", **{"Accept-Language": "en"})
                assert status == 200, english
                status, _, spanish = get(port, "/", **{"Accept-Language": "es"})
                assert status == 200, spanish
                english, spanish = html.unescape(english), html.unescape(spanish)
                translated = spanish_interface_strings(english)
                assert len(translated) >= 3, f"too few interface strings found: {translated}"
                for source, translation in translated.items():
                    assert translation in spanish, f"{source!r} is not {translation!r}"

                health = check_health()
                assert health.returncode == 0, f"HEALTHCHECK failed: {health.stderr}"

                lines = log.read_text().splitlines()
                assert not [line for line in lines if "Traceback" in line or "ERROR" in line], (
                    "\n".join(lines)
                )
                status, _, _ = get(port, PROBE_PATH, host=f"{HOST}:{port}")
                assert status == 400, "SELFCHECK_TRUSTED_HOSTS did not reach the app"

            health = check_health()
            assert health.returncode == 1, "HEALTHCHECK passed with the server stopped"

            def run(command: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
                """A command in the image, as its user, without the server's key or port."""
                plain = {k: v for k, v in env.items() if not k.startswith("SELFCHECK_SECRET")}
                return subprocess.run(
                    [*user, *command],
                    cwd=workdir,
                    env={**plain, **settings},
                    capture_output=True,
                    text=True,
                    timeout=120,
                )

            # DEPLOY.md's command, word for word, on the file it will read.
            command = documented_check_config()
            for name, clinics in (("good", good), ("bad", bad)):
                checked = run(command, SELFCHECK_CONFIG=str(clinics))
                assert (checked.returncode == 0) == (name == "good"), (
                    f"{' '.join(command)} on the {name} file: {checked.returncode}\n"
                    f"{checked.stdout}{checked.stderr}"
                )
            assert "riverside" in run(command, SELFCHECK_CONFIG=str(good)).stdout
            assert "brand_color" in run(command, SELFCHECK_CONFIG=str(bad)).stderr
            # The checks in the deploy path: a bad file stops them; no file is no clinics.
            for where, check in deploy_path_checks().items():
                assert command == shlex.split(check[-1].split("exec ", 1)[1].split(";")[0])
                assert run(check, SELFCHECK_CONFIG=str(good)).returncode == 0, where
                assert run(check, SELFCHECK_CONFIG=str(bad)).returncode != 0, where
                assert run(check).returncode == 0, f"{where}: no clinics file is no error"

        assert any(line.startswith(f"GET {PROBE_PATH} 200 ") for line in lines), (
            "no access log line for the health check:\n" + "\n".join(lines)
        )
