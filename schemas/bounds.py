"""Bounded primitives: every value in the contract fits every consumer's store.

A consumer must be able to store whatever the ledger accepts, in SQLite and PostgreSQL alike, so
the contract bounds every value (SPEC §7 "Contract bounds"):
- strings carry no NUL and no other control character (Unicode category Cc); free text may hold
  newline and tab, single-line values nothing of the kind; every string has a maximum length;
- integers stay within 32 bits, or the tighter bound the domain needs;
- dates and datetimes fall in the years 1900 to 2200;
- lists and maps have a maximum size.
The ledger's request models use these same types, so it refuses (422) what no consumer could store.
The JSON Schema of each type states the same rule (`pattern`, `maxLength`, `minimum`...).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Cc characters, except newline and tab in free text. Pydantic already refuses lone surrogates
# ("unable to parse raw data as a unicode string"); a JSON Schema pattern cannot name them portably.
SINGLE_LINE = r"^[^\u0000-\u001f\u007f-\u009f]*$"
FREE_TEXT = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE_TAB = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MAX = 2**63 - 1  # positions and sequence numbers: BIGINT in every store
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
YEAR_1900_TO_2200 = r"^(19\d\d|2[01]\d\d|2200)-"

MAX_LIST = 200  # staff in a meeting, findings of a tool, reports presented...


class Text:
    """`Annotated` metadata for a bounded string: its lengths, the character rule, and the same
    rule as a JSON Schema `pattern`. Free text may hold newline and tab; CRLF (as browsers submit
    it) is read as a newline. Everything else of category Cc is refused, with a readable reason."""

    def __init__(self, max_length: int, *, min_length: int = 1, free_text: bool = False) -> None:
        self.min_length, self.max_length, self.free_text = min_length, max_length, free_text

    def check(self, value: str) -> str:
        forbidden = _CONTROL_BUT_NEWLINE_TAB if self.free_text else _CONTROL
        if found := forbidden.search(value):
            rule = "other than newline and tab" if self.free_text else "(it is a single line)"
            raise PydanticCustomError(
                "control_character", f"must not contain control characters {rule}: U+{ord(found.group()):04X} found"
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema: CoreSchema = core_schema.no_info_after_validator_function(
            self.check, core_schema.str_schema(min_length=self.min_length, max_length=self.max_length)
        )
        if self.free_text:
            schema = core_schema.no_info_before_validator_function(_lf, schema)
        return schema

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        bounds = {"minLength": self.min_length, "maxLength": self.max_length}
        return {"type": "string", **bounds, "pattern": FREE_TEXT if self.free_text else SINGLE_LINE}


def _lf(value: Any) -> Any:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def single_line(max_length: int, min_length: int = 1) -> Text:
    """A one-line value (a name, a reason, a subject line): no control characters at all."""
    return Text(max_length, min_length=min_length)


Label = Annotated[str, single_line(500)]
FreeText = Annotated[str, Text(20000, free_text=True)]
StaffId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")]
ChildRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,31}$")]
Month = Annotated[str, StringConstraints(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")]
FinancialYear = Annotated[str, StringConstraints(pattern=r"^20\d{2}-\d{2}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]
RuleName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]{1,64}$")]


def int32(ge: int = INT32_MIN, le: int = INT32_MAX) -> Any:
    return Field(ge=max(ge, INT32_MIN), le=min(le, INT32_MAX))


Int32 = Annotated[int, int32()]
CalendarDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": YEAR_1900_TO_2200})]


def _within_years(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not datetime(1900, 1, 1, tzinfo=UTC) <= aware < datetime(2201, 1, 1, tzinfo=UTC):
        raise ValueError("must fall in the years 1900 to 2200")
    return value


Timestamp = Annotated[datetime, AfterValidator(_within_years), Field(json_schema_extra={"pattern": YEAR_1900_TO_2200})]


def bounded_list(max_length: int = MAX_LIST, min_length: int = 0) -> Any:
    return Field(min_length=min_length, max_length=max_length)


class Bounded(BaseModel):
    """Base of every contract model: frozen, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
