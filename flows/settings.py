"""pln's configuration from the environment, and credentials from the environment or Prefect Secret blocks."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from flows.errors import UsageError

# Prefect Secret block names a deployment can hold credentials in (`prefect block create secret`).
X_TOKEN_BLOCK = "pln-x-bearer-token"
REDDIT_BLOCK = "pln-reddit-credentials"


@dataclass(frozen=True)
class Settings:
    """What a run may do: how many X reads it may spend, whether NSFW subreddits count, which praw.ini site to use."""

    x_reads_per_run: int = 500
    x_reads_per_month: int = 10_000
    reddit_include_nsfw: bool = False
    reddit_site: str | None = None


def from_environment(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from PLN_* variables; unset ones keep their defaults, bad ones are named."""
    env = os.environ if env is None else env
    defaults = Settings()
    return Settings(
        x_reads_per_run=_count(env, "PLN_X_READS_PER_RUN", defaults.x_reads_per_run),
        x_reads_per_month=_count(env, "PLN_X_READS_PER_MONTH", defaults.x_reads_per_month),
        reddit_include_nsfw=_flag(env, "PLN_REDDIT_INCLUDE_NSFW", defaults.reddit_include_nsfw),
        reddit_site=env.get("PLN_REDDIT_SITE") or defaults.reddit_site,
    )


def x_bearer_token(use_blocks: bool) -> str | None:
    """PLN_X_BEARER_TOKEN, else (when `use_blocks`) the Prefect Secret block pln-x-bearer-token, else None."""
    token = os.environ.get("PLN_X_BEARER_TOKEN", "").strip()
    if token or not use_blocks:
        return token or None
    value = _secret(X_TOKEN_BLOCK)
    return value.strip() if isinstance(value, str) and value.strip() else None


def reddit_credentials(use_blocks: bool) -> dict[str, str] | None:
    """App credentials from the Prefect Secret block pln-reddit-credentials (JSON with client_id, client_secret,
    user_agent) when `use_blocks`; None means praw's own configuration (praw.ini or praw_* variables) decides."""
    if not use_blocks:
        return None
    value = _secret(REDDIT_BLOCK)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UsageError(f"Prefect Secret block {REDDIT_BLOCK}: not JSON with client_id, client_secret, "
                             "user_agent") from None
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else None


def blocks_reachable() -> bool:
    """Whether a Prefect API is configured, so loading a block costs a request rather than starting a server."""
    return bool(os.environ.get("PREFECT_API_URL"))


def _secret(name: str) -> object:
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get()
    except ValueError:  # no block by that name: the source is simply not configured
        return None


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise UsageError(f"{name}={raw!r}: not a whole number of reads")
    return int(raw)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("1", "true", "yes", "0", "false", "no"):
        raise UsageError(f"{name}={raw!r}: use true or false")
    return raw in ("1", "true", "yes")
