"""Commands a client sends as objects (a socket ``command``, an item of a sync batch): strict
validation into a bus Command, and the rejection it answers when it cannot be one.

``{type, payload, command_id?, expected_version?, made_at?}``: anything malformed is answered
``rejected``/``validation`` with field errors and never reaches the bus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictStr
from pydantic import ValidationError as PydanticValidationError

from bus.client import build_command
from bus.commands import COMMANDS
from bus.envelopes import Command, FieldError
from bus.limits import JSON_INTEGER, MAX_SEQ, AwareDatetime

MAX_COMMAND_ID = 128


class ClientCommand(BaseModel):
    """A command as a client sends it (a socket ``command`` event, an item of a sync batch)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: StrictStr = Field(description="Command type, e.g. `expense.create`.")
    payload: dict[str, Any] = Field(description="The command's fields.")
    command_id: StrictStr | None = Field(
        None,
        min_length=1,
        max_length=MAX_COMMAND_ID,
        description="Client-chosen idempotency key; a retry with the same key is the same command.",
    )
    expected_version: Annotated[int, Strict(), Field(ge=0, le=MAX_SEQ), JSON_INTEGER] | None = (
        Field(None, description="For updates and deletes: the version the client holds.")
    )
    made_at: AwareDatetime | None = Field(None, description="When the device made it.")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A socket command refused before it became a command."""

    message: str
    errors: list[FieldError] = field(default_factory=list)
    code: str = "validation"

    def ack(self) -> dict[str, Any]:
        """The acknowledgement sent back to the socket."""
        return {
            "status": "rejected",
            "code": self.code,
            "message": self.message,
            "errors": [error.model_dump(mode="json") for error in self.errors],
        }


def field_errors(exc: PydanticValidationError, prefix: tuple[str, ...] = ()) -> list[FieldError]:
    """Pydantic's errors as ``{loc, msg}`` pairs, located under ``prefix``."""
    return [FieldError(loc=[*prefix, *error["loc"]], msg=error["msg"]) for error in exc.errors()]


def parse_command(data: object, *, issuer: str, device_id: str | None) -> Command | Rejection:
    """Validate a client's command object and build the bus Command for ``issuer``."""
    try:
        request = ClientCommand.model_validate(data)
    except PydanticValidationError as exc:
        return Rejection("the command is malformed", field_errors(exc))
    spec = COMMANDS.get(request.type)
    if spec is None or not spec.client_allowed:
        return Rejection(
            f"unknown command type {request.type!r}",
            [FieldError(loc=["type"], msg="not a command a client may send")],
        )
    payload_model: type[BaseModel] = spec.payload
    try:
        payload = payload_model.model_validate(request.payload)
    except PydanticValidationError as exc:
        return Rejection(f"invalid {request.type} payload", field_errors(exc, ("payload",)))
    return build_command(
        request.type,
        payload.model_dump(mode="json", exclude_unset=True),
        issuer=issuer,
        device_id=device_id,
        idempotency_key=request.command_id,
        expected_version=request.expected_version,
        made_at=request.made_at,
    )
