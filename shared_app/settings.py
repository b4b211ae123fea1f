"""Settings read from the environment, as a twelve-factor app does."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./app.db"
    upstream_url: str = "http://127.0.0.1:8001"
    api_token: str = "change-me"
    create_schema: bool = True  # the lifespan runs `create_all`; migrations come later

    @classmethod
    def from_env(cls) -> Settings:
        default = cls()
        return cls(
            database_url=os.environ.get("DATABASE_URL", default.database_url),
            upstream_url=os.environ.get("UPSTREAM_URL", default.upstream_url),
            api_token=os.environ.get("API_TOKEN", default.api_token),
            create_schema=os.environ.get("CREATE_SCHEMA", "1") not in ("0", "false", "no"),
        )
