"""The deployment docs cannot drift from the code: every configuration block of
docs/deployment.md is a file under deploy/ (and every such file is in the docs), and each is
checked by the program that reads it: the TOML files by Aube's settings loader, the
secrets files against the settings' environment names, the systemd units by
``systemd-analyze verify`` (and their aube and ray command lines by those programs' own
parsers), the nginx site by ``nginx -t``, the compose file by a YAML parser and against the
replicas the cluster's settings list."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import typer.main
import yaml
from support import REPO

from aube.cli import app
from aube.config import ENV_PREFIX, Settings, _nested_fields, load_settings

DOC = REPO / "docs" / "deployment.md"
DEPLOY = REPO / "deploy"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _blocks() -> dict[str, tuple[str, str]]:
    """The doc's configuration blocks by the file their first line names."""
    found = {}
    for lang, body in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        first = body.splitlines()[0] if body.strip() else ""
        named = re.match(r"#\s+(deploy/\S+)", first)
        if named:
            found[named.group(1)] = (lang, body)
    return found


def _files(pattern: str) -> list[Path]:
    return sorted(DEPLOY.glob(pattern))


def test_every_block_is_its_file_and_every_file_is_in_the_docs() -> None:
    blocks = _blocks()
    files = {str(p.relative_to(REPO)) for p in DEPLOY.rglob("*") if p.is_file()}
    assert set(blocks) == files, (
        f"only in the docs: {sorted(set(blocks) - files)}; "
        f"only under deploy/: {sorted(files - set(blocks))}"
    )
    for name, (_lang, body) in blocks.items():
        assert (REPO / name).read_text(encoding="utf-8") == body, (
            f"docs/deployment.md's block for {name} differs from the file"
        )
    langs = {name: lang for name, (lang, _) in blocks.items()}
    assert {langs[n] for n in langs if n.endswith(".toml")} == {"toml"}
    assert {langs[n] for n in langs if n.endswith(".service")} == {"ini"}


def _env_names() -> set[str]:
    names = set()
    nested = _nested_fields(Settings)
    for name in Settings.model_fields:
        if name in nested:
            names |= {f"{ENV_PREFIX}{name.upper()}__{s.upper()}" for s in nested[name].model_fields}
        else:
            names.add(f"{ENV_PREFIX}{name.upper()}")
    return names


def _env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path}: {line!r} is not KEY=VALUE"
            values[key] = value
    return values


@pytest.mark.parametrize("path", _files("*/aube.toml"), ids=lambda p: p.parent.name)
def test_each_aube_toml_loads_through_the_settings_loader(path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUBE_CONFIG", str(path))
    secrets = path.parent / "secrets.env"
    env = _env_file(secrets) if secrets.exists() else {}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    if path.parent.name == "laptop":
        assert settings.db_url.startswith("sqlite:") and settings.web_host == "127.0.0.1"
    if path.parent.name == "server":
        assert settings.db_url.startswith("postgresql+psycopg://")
        assert settings.public_url.startswith("https://") and settings.web_secure_cookies
        assert settings.smtp_password.get_secret_value() == env["AUBE_SMTP_PASSWORD"]
    if path.parent.name == "cluster":
        assert settings.database_url == env["AUBE_DATABASE_URL"]
        assert settings.llm_backend == "openai" and settings.summary_backend == "llm"
        assert len(settings.llm_serving.replicas) == 3
        from aube.llm.openai_compat import _replica_list

        urls = [settings.openai_base_url] + [
            (r.url, r.concurrency) for r in settings.llm_serving.replicas
        ]
        assert len(_replica_list(urls, settings.openai_concurrency)) == 4


@pytest.mark.parametrize("path", _files("*/secrets.env"), ids=lambda p: p.parent.name)
def test_secrets_files_name_only_real_settings(path: Path) -> None:
    unknown = sorted(set(_env_file(path)) - _env_names())
    assert not unknown, f"{path}: not settings: {unknown}"


def _exec_lines(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1].replace("%i", "0"))
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.startswith(("ExecStart=", "ExecStop="))
    ]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("unit", _files("*/*.service"), ids=lambda p: p.name)
def test_systemd_units_pass_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    # A root with systemd's own units (the targets the unit orders itself against) and the
    # programs it starts, at the paths the unit names.
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    target = root / "etc/systemd/system"
    target.mkdir(parents=True)
    shutil.copy(unit, target / unit.name)
    for argv in _exec_lines(unit):
        assert argv[0].startswith("/"), f"{unit.name}: {argv[0]} is not an absolute path"
        program = root / argv[0].lstrip("/")
        program.parent.mkdir(parents=True, exist_ok=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    name = unit.name.replace("@.service", "@0.service")
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", f"/etc/systemd/system/{name}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and not said, f"{unit.name}: {said}"


def _rest(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    """What a group left for its sub-command (click keeps the name apart from the rest)."""
    return [*getattr(ctx, "_protected_args", []), *ctx.args]


def _parse(group, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Parse ``argv`` with a click group and its sub-commands, as the program would."""
    ctx = group.make_context(group.name or "prog", list(argv))
    rest = _rest(ctx)
    while rest:
        sub = group.get_command(ctx, rest[0])
        assert sub is not None, f"no command {rest[0]!r}"
        ctx = sub.make_context(rest[0], rest[1:], parent=ctx)
        if not hasattr(sub, "get_command"):
            assert not ctx.args, f"{rest[0]}: unexpected arguments {ctx.args}"
            break
        group, rest = sub, _rest(ctx)


@pytest.mark.parametrize("unit", _files("*/*.service"), ids=lambda p: p.name)
def test_the_units_command_lines_parse_with_their_programs(unit: Path) -> None:
    for argv in _exec_lines(unit):
        program = Path(argv[0]).name
        if program == "aube":
            _parse(typer.main.get_command(app), argv[1:])
        elif program == "ray":
            from ray.scripts.scripts import cli

            _parse(cli, argv[1:])
        else:
            assert program == "vllm", f"{unit.name}: an unchecked program {argv[0]}"


def test_a_wrong_command_line_would_be_caught() -> None:
    # (typer carries its own click: its usage errors are matched by their words)
    with pytest.raises(Exception, match="No such option: --no-such-option"):
        _parse(typer.main.get_command(app), ["serve", "--no-such-option"])
    with pytest.raises(AssertionError, match="no command 'srve'"):
        _parse(typer.main.get_command(app), ["srve"])


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
@pytest.mark.parametrize("site", _files("*/nginx-*.conf"), ids=lambda p: p.name)
def test_the_nginx_site_passes_nginx_t(site: Path, tmp_path: Path) -> None:
    from deliver.helpers import self_signed

    made = self_signed(tmp_path)
    assert made is not None, "openssl is needed to make the test certificate"
    cert, key = made
    text = site.read_text(encoding="utf-8")
    # Only the certificate paths change: Let's Encrypt's files do not exist here.
    text, n_cert = re.subn(r"ssl_certificate \S+;", f"ssl_certificate {cert};", text)
    text, n_key = re.subn(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", text)
    assert n_cert == n_key == 1
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr, done.stderr


def test_the_compose_file_serves_the_replicas_the_cluster_lists(monkeypatch) -> None:
    compose = yaml.safe_load((DEPLOY / "cluster" / "compose.yaml").read_text(encoding="utf-8"))
    monkeypatch.setenv("AUBE_CONFIG", str(DEPLOY / "cluster" / "aube.toml"))
    settings = load_settings()
    listed = {urlsplit(settings.openai_base_url).port} | {
        urlsplit(r.url).port for r in settings.llm_serving.replicas
    }
    gpus = set()
    for name, service in compose["services"].items():
        assert re.fullmatch(r"vllm/vllm-openai:v[\d.]+", service["image"]), name
        assert f"--served-model-name {settings.openai_model}" in service["command"], name
        [mapping] = service["ports"]
        host, container = (int(p) for p in mapping.split(":"))
        assert host in listed and container == 8000, name
        [device] = service["deploy"]["resources"]["reservations"]["devices"]
        gpus |= set(device["device_ids"])
        assert "VLLM_API_KEY" in service["environment"], name
    assert len(gpus) == len(compose["services"])  # one GPU each
