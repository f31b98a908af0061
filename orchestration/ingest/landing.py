"""Read and validate a landing config (``landing.yml``).

A landing config lists landing files with the channel they belong to and the
format adapter that reads them::

    sources:
      - path: support/ticket_data.csv
        channel: support
        format: zendesk_fivetran
        options:
          users: support/user_data.csv

Paths, globs and companion-file options are relative to the folder that contains
the ``landing.yml``. A glob or path that matches no file is logged as a warning
and the entry contributes no files, so a landing folder can be filled in stages.
Every other problem raises ``LandingConfigError`` with the config path, the
entry and the fix.
"""

import glob
import logging
import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestration.ingest.adapters import ADAPTERS, Adapter
from orchestration.ingest.schema import RAW_TABLES

logger = logging.getLogger(__name__)

ENTRY_KEYS = ("path", "channel", "format", "options")
CHANNELS = tuple(sorted({table.channel for table in RAW_TABLES.values()}))
# Options every format accepts. `timezone` is the IANA zone of timestamps that
# carry no UTC offset; without it such timestamps are read as UTC. `encoding`
# is the text encoding of the landing files, 'utf-8' (the default, a byte
# order mark is allowed) or 'latin-1'.
COMMON_VALUE_OPTIONS = ("timezone", "encoding")
ENCODING_ALIASES = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}


class LandingConfigError(ValueError):
    """A landing config that cannot be used as written."""


@dataclass(frozen=True)
class LandingEntry:
    """One item of ``sources`` with its glob resolved to files."""

    config_path: Path
    position: int  # 1-based position in `sources`
    path: str  # path or glob as written in the config
    channel: str
    format: str
    files: tuple[Path, ...]  # absolute, sorted; empty when nothing matched
    # Companion-file options resolved to absolute paths; other options as written.
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.config_path.parent

    @property
    def label(self) -> str:
        """Name of the entry for messages, e.g. ``sources[2] (path 'web/*.jsonl')``."""
        return f"sources[{self.position}] (path '{self.path}')"

    @property
    def adapter(self) -> Adapter:
        return ADAPTERS[self.format]

    @property
    def timezone(self) -> str:
        return str(self.options.get("timezone", "UTC"))

    @property
    def encoding(self) -> str:
        """Encoding of the entry's files: 'utf-8' or 'latin-1'."""
        return str(self.options.get("encoding", "utf-8"))

    def option_file(self, name: str) -> Path | None:
        value = self.options.get(name)
        return value if isinstance(value, Path) else None

    def display_path(self, path: Path) -> str:
        """Return `path` relative to the config folder, the form stored in ``_file``."""
        return Path(os.path.relpath(path, self.base_dir)).as_posix()


@dataclass(frozen=True)
class LandingConfig:
    path: Path
    entries: tuple[LandingEntry, ...]

    def entries_for_table(self, table_name: str) -> list[LandingEntry]:
        """Return the entries whose format writes raw table `table_name`."""
        if table_name not in RAW_TABLES:
            known = ", ".join(sorted(RAW_TABLES))
            raise KeyError(f"unknown raw table '{table_name}'; the raw tables are: {known}")
        return [entry for entry in self.entries if table_name in entry.adapter.tables]


def load_landing_config(path: str | Path) -> LandingConfig:
    """Parse the landing config at `path`, resolve its globs and validate every entry."""
    config_path = Path(path).expanduser().resolve()
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as error:
        message = f"{config_path}: cannot read the landing config: {error}"
        raise LandingConfigError(message) from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LandingConfigError(f"{config_path}: invalid YAML: {error}") from error

    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise LandingConfigError(
            f"{config_path}: expected a mapping with a 'sources' list, "
            "e.g. 'sources: [{path: web/*.jsonl, channel: web, format: segment_jsonl}]'"
        )
    if not document["sources"]:
        logger.warning("%s: 'sources' is empty, so no landing file will be read", config_path)

    entries = tuple(
        _parse_entry(config_path, position, raw_entry)
        for position, raw_entry in enumerate(document["sources"], start=1)
    )
    _check_files_listed_once(config_path, entries)
    return LandingConfig(path=config_path, entries=entries)


def _parse_entry(config_path: Path, position: int, raw_entry: object) -> LandingEntry:
    where = f"{config_path}: sources[{position}]"
    if not isinstance(raw_entry, dict):
        raise LandingConfigError(f"{where}: expected a mapping with path, channel and format")
    unknown_keys = sorted(set(raw_entry) - set(ENTRY_KEYS))
    if unknown_keys:
        raise LandingConfigError(
            f"{where}: unknown key(s) {', '.join(unknown_keys)}; "
            f"an entry has only {', '.join(ENTRY_KEYS)}"
        )
    for key in ("path", "channel", "format"):
        if not isinstance(raw_entry.get(key), str) or not raw_entry[key].strip():
            raise LandingConfigError(f"{where}: '{key}' is missing or not a string")

    pattern = raw_entry["path"].strip()
    where = f"{config_path}: sources[{position}] (path '{pattern}')"
    channel = raw_entry["channel"].strip()
    format_name = raw_entry["format"].strip()

    if channel not in CHANNELS:
        raise LandingConfigError(
            f"{where}: unknown channel '{channel}'; use one of {', '.join(CHANNELS)}"
        )
    adapter = ADAPTERS.get(format_name)
    if adapter is None:
        raise LandingConfigError(
            f"{where}: unknown format '{format_name}'; use one of {', '.join(sorted(ADAPTERS))} "
            "(docs/landing.md describes each)"
        )
    if adapter.channel != channel:
        same_channel = sorted(name for name, a in ADAPTERS.items() if a.channel == channel)
        raise LandingConfigError(
            f"{where}: format '{format_name}' is a '{adapter.channel}' format but the entry "
            f"sets channel '{channel}'; set 'channel: {adapter.channel}' or use a "
            f"'{channel}' format ({', '.join(same_channel)})"
        )

    base_dir = config_path.parent
    options = _parse_options(where, base_dir, adapter, raw_entry.get("options"))
    files = _resolve_glob(base_dir, pattern)
    if not files:
        logger.warning("%s: no file matches, so the entry is skipped", where)
    return LandingEntry(
        config_path=config_path,
        position=position,
        path=pattern,
        channel=channel,
        format=format_name,
        files=files,
        options=options,
    )


def _parse_options(
    where: str, base_dir: Path, adapter: Adapter, raw_options: object
) -> dict[str, Any]:
    if raw_options is None:
        raw_options = {}
    if not isinstance(raw_options, dict):
        raise LandingConfigError(f"{where}: 'options' must be a mapping of option name to value")

    allowed = adapter.file_options + COMMON_VALUE_OPTIONS
    options: dict[str, Any] = {}
    for name, value in raw_options.items():
        if name not in allowed:
            raise LandingConfigError(
                f"{where}: format '{adapter.name}' has no option '{name}'; "
                f"its options are {', '.join(allowed)}"
            )
        if name in adapter.file_options:
            if not isinstance(value, str) or not value.strip():
                raise LandingConfigError(
                    f"{where}: option '{name}' must be a file path relative to the landing.yml"
                )
            options[name] = (base_dir / value.strip()).resolve()
        elif name == "timezone":
            options[name] = _check_timezone(where, value)
        elif name == "encoding":
            options[name] = _check_encoding(where, value)
        else:
            options[name] = value

    missing = [name for name in adapter.required_options if name not in options]
    if missing:
        raise LandingConfigError(
            f"{where}: format '{adapter.name}' needs option(s) {', '.join(missing)} "
            f"(companion file paths relative to the landing.yml)"
        )
    return options


def _check_timezone(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise LandingConfigError(f"{where}: option 'timezone' must be an IANA zone name")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise LandingConfigError(
            f"{where}: option 'timezone' is '{value}', which is not an IANA zone name "
            "such as 'UTC' or 'America/Sao_Paulo'"
        ) from error
    return value


def _check_encoding(where: str, value: object) -> str:
    encoding = ENCODING_ALIASES.get(str(value).strip().lower())
    if encoding is None:
        raise LandingConfigError(
            f"{where}: option 'encoding' is '{value}'; use 'utf-8' or 'latin-1', "
            "or convert the files to UTF-8"
        )
    return encoding


def _resolve_glob(base_dir: Path, pattern: str) -> tuple[Path, ...]:
    full_pattern = Path(pattern).expanduser()
    if not full_pattern.is_absolute():
        full_pattern = base_dir / full_pattern
    matches = glob.glob(str(full_pattern), recursive=True)
    return tuple(sorted(Path(match).resolve() for match in matches if Path(match).is_file()))


def _check_files_listed_once(config_path: Path, entries: tuple[LandingEntry, ...]) -> None:
    # Re-ingest replaces a file's earlier rows, so a file read by two entries
    # would keep only the rows of the entry read last.
    first_entry: dict[Path, LandingEntry] = {}
    for entry in entries:
        for file in entry.files:
            earlier = first_entry.setdefault(file, entry)
            if earlier is not entry:
                raise LandingConfigError(
                    f"{config_path}: {file} matches both {earlier.label} and {entry.label}; "
                    "list each landing file in one entry only"
                )
