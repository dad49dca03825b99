"""The admin console (bot/console)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class ConsoleSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    console: bool = Field(True, description="Serve the admin console at /console.")
    console_admin_user: str = Field(
        "",
        description="User name of the first console admin; created at the first visit of "
        "/console if no account has this name (later admins are added in the console).",
    )
    console_admin_password: str = Field(
        "",
        description="Password of that first admin (10+ characters); only used to create the "
        "account: changing it later changes nothing.",
    )
    console_session_hours: float = Field(
        12, gt=0, description="Hours a console login lasts before signing in again."
    )
    console_login_failures_per_user: int = Field(
        5, ge=1, description="Failed console logins for one user name per window before refusal."
    )
    console_login_failures_per_address: int = Field(
        20,
        ge=1,
        description="Failed console logins from one client address per window before refusal.",
    )
    console_login_window_minutes: float = Field(
        15, gt=0, description="The window of those login limits, in minutes."
    )

    @model_validator(mode="after")
    def _console_admin_complete(self) -> ConsoleSettings:
        if bool(self.console_admin_user) != bool(self.console_admin_password):
            raise ValueError("CONSOLE_ADMIN_USER and CONSOLE_ADMIN_PASSWORD go together")
        if self.console_admin_password and len(self.console_admin_password) < 10:
            raise ValueError("CONSOLE_ADMIN_PASSWORD must be at least 10 characters")
        return self
