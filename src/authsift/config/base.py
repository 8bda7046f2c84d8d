"""The base every config model shares: unknown keys are errors, values never change after load."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class ConfigModel(BaseModel):
    """`extra="forbid"` turns a typo into a did-you-mean error instead of a silently ignored key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        """`endpoints:` with every line under it commented out is YAML null: use the defaults.

        Required keys keep their null, so the user still hears that they are required.
        """
        if not isinstance(data, dict):
            return data
        optional = set()
        for name, field in cls.model_fields.items():
            if not field.is_required():
                optional.update({name, field.alias or name})
        return {
            key: value for key, value in data.items() if value is not None or key not in optional
        }
