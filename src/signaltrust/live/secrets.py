"""Keys held as ``SecretStr`` and scrubbed from every message an adapter writes or raises."""

from __future__ import annotations

from pydantic import SecretStr

from signaltrust.core.config import MASK, mask_secrets
from signaltrust.core.errors import ConfigError


def reveal(secret: SecretStr | None, *, field: str, venue: str) -> str:
    """The key's text, for the request that needs it; a ``ConfigError`` naming it when absent."""
    text = secret.get_secret_value() if secret is not None else ""
    if not text:
        env = "SIGNALTRUST__" + field.upper().replace(".", "__")
        raise ConfigError(
            f"{venue} needs {field}", field=field, value=None,
            fix=f"set {field} in the [venues] section of config.toml or the environment "
            f"variable {env}",
        )
    return text


class Redactor:
    """Replaces each known secret (and URL passwords) by ``********`` in a text."""

    def __init__(self, *secrets: SecretStr | str | None) -> None:
        values = []
        for secret in secrets:
            text = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if text and len(text) >= 4:
                values.append(text)
        # longest first, so a key that contains another is replaced whole
        self._secrets = tuple(sorted(set(values), key=len, reverse=True))

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self._secrets:
            out = out.replace(secret, MASK)
        return mask_secrets(out)


__all__ = ["Redactor", "reveal"]
