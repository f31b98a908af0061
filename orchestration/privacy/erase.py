"""Erase one person from the warehouse and the published marts.

``python -m orchestration.privacy.erase --email alice@example.com`` (or
``--phone`` / ``--handle``):

1. finds the stitched customer that has the identifier, through
   ``intermediate.int_identifiers_unioned`` and ``int_identities_stitched``;
2. deletes from every raw table the records that carry any identifier of
   that customer or that dbt attributed to it, social posts that mention
   the customer's handles or reply to the customer's posts, order lines of
   removed orders, and quarantined records whose text contains one of the
   customer's emails, phones or handles. ``raw.landed_files`` counts are
   reduced by the rows removed, so the reconciliation still holds;
3. rebuilds the dbt models (``dbt run``) and republishes the marts,
   removing every earlier published version;
4. records the request in ``privacy.erasure_requests`` as the identifier's
   salted SHA-256 hash, the time, the number of rows removed and, in
   ``erased_keys``, the salted hashes of every identifier and record key of
   the person.

Landing files are not changed: the command prints the landing files that
contained the person. Later ingests quarantine the person's records in them
with reason ``erased`` and no raw text (``orchestration/privacy/suppression.py``),
but the files should still be cleaned at the source. The erased keys also make
the next partitioned run parse every landing file again instead of skipping
unchanged ones (``orchestration/ingest/parse_ledger.py``).
Run it while no pipeline run holds the warehouse, because DuckDB allows one
writer per file. The salt comes from ``RIGHTPATH_PII_SALT`` and is required.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.schema import LANDED_FILES_TABLE, QUARANTINE_TABLE, RAW_SCHEMA
from orchestration.privacy.pii import PII_SALT_ENV, pii_salt
from orchestration.privacy.suppression import (
    ERASURE_SCHEMA,
    ERASURE_TABLE,
    NORMALIZE_SQL,
    RAW_IDENTITY_COLUMNS,
    erased_key_hashes,
    normalize_sql,
)
from orchestration.settings import DBT_PROJECT_DIR, Settings

logger = logging.getLogger(__name__)

IDENTIFIER_TYPES = ("email", "phone", "handle")


class ErasureError(RuntimeError):
    """An erasure request that cannot be carried out; the message names the fix."""


@dataclass(frozen=True)
class ErasureResult:
    identifier_sha256: str
    rows_removed: dict[str, int]
    landing_files: list[str]
    published_version: int | None


def erase_person(
    settings: Settings, identifier_type: str, value: str, publish: bool = True
) -> ErasureResult:
    """Erase the person with identifier `value` of `identifier_type`; see the module docstring."""
    if identifier_type not in IDENTIFIER_TYPES:
        raise ErasureError(f"identifier type must be one of {', '.join(IDENTIFIER_TYPES)}")
    salt = pii_salt()
    if salt is None:
        raise ErasureError(
            f"{PII_SALT_ENV} is not set; the erasure record stores the identifier as a salted "
            "hash, so set the same salt the publisher uses and run the erasure again"
        )
    identifier_sha256 = hashlib.sha256((salt + value.strip()).encode()).hexdigest()
    try:
        conn = duckdb.connect(str(settings.warehouse_path))
    except duckdb.IOException as error:
        raise ErasureError(
            f"cannot open {settings.warehouse_path} for writing ({error}); wait until the "
            "pipeline run that holds it finishes"
        ) from error
    try:
        removed, landing_files, keys = _erase_from_raw(conn, identifier_type, value)
        _record_request(
            conn, identifier_type, identifier_sha256, removed, erased_key_hashes(salt, keys)
        )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    logger.info(
        "Erased identifier sha256 %s: rows removed %s; landing files that contain the person: %s",
        identifier_sha256,
        removed,
        landing_files,
    )
    _rebuild_dbt(settings)
    version = _republish(settings) if publish else None
    return ErasureResult(identifier_sha256, removed, landing_files, version)


def _erase_from_raw(
    conn: duckdb.DuckDBPyConnection, identifier_type: str, value: str
) -> tuple[dict[str, int], list[str], list[str]]:
    """Delete the person's rows and return the rows removed, their files and their keys."""
    normalized = conn.execute(
        f"SELECT {NORMALIZE_SQL[identifier_type].format('?')}", [value]
    ).fetchone()[0]
    customer = conn.execute(
        """
        SELECT DISTINCT s.customer_id
        FROM intermediate.int_identifiers_unioned AS i
        JOIN intermediate.int_identities_stitched AS s USING (identifier_key)
        WHERE i.identifier_type = ? AND i.identifier_value = ?
        """,
        [identifier_type, normalized],
    ).fetchall()
    if not customer:
        raise ErasureError(
            f"no customer has this {identifier_type}; check the value, or run the pipeline "
            "first if the person's records were landed after the last run"
        )
    customer_ids = [row[0] for row in customer]
    conn.execute(
        """
        CREATE TEMP TABLE erase_identifiers AS
        SELECT DISTINCT i.source, i.record_key, i.identifier_type, i.identifier_value
        FROM intermediate.int_identifiers_unioned AS i
        JOIN intermediate.int_identities_stitched AS s USING (identifier_key)
        WHERE s.customer_id IN (SELECT unnest(?::VARCHAR[]))
        """,
        [customer_ids],
    )
    conn.execute(
        "CREATE TEMP TABLE erase_counts "
        "(target_table VARCHAR, _file VARCHAR, partition_date DATE, loaded BIGINT, "
        "quarantined BIGINT)"
    )
    conn.execute("CREATE TEMP TABLE erase_texts (text VARCHAR)")
    conn.execute(
        "INSERT INTO erase_texts SELECT DISTINCT identifier_value FROM erase_identifiers "
        "WHERE identifier_type IN ('email', 'phone', 'handle')"
    )

    conn.execute("BEGIN TRANSACTION")
    try:
        removed = {}
        for table, (key, source, columns) in RAW_IDENTITY_COLUMNS.items():
            removed[table] = _delete_identified(conn, table, key, source, columns)
        removed["social_posts"] += _delete_mentions(conn)
        removed["order_lines"] = _delete_rows(
            conn,
            "order_lines",
            "order_id IN (SELECT record_key FROM erase_identifiers WHERE source = 'shop')",
        )
        removed[QUARANTINE_TABLE] = _delete_quarantined(conn)
        removed.update(_delete_derived_identity_rows(conn))
        _reduce_landed_counts(conn)
        landing_files = [
            row[0]
            for row in conn.execute("SELECT DISTINCT _file FROM erase_counts ORDER BY 1").fetchall()
        ]
        keys = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT identifier_type || ':' || identifier_value FROM erase_identifiers "
                "UNION SELECT DISTINCT 'record:' || source || ':' || record_key "
                "FROM erase_identifiers"
            ).fetchall()
        ]
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return removed, landing_files, keys


def _delete_identified(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    key: str,
    source: str,
    columns: tuple[tuple[str, str], ...],
) -> int:
    matches = [f"{key} IN (SELECT record_key FROM erase_identifiers WHERE source = '{source}')"]
    for column, identifier_type in columns:
        matches.append(
            f"{normalize_sql(identifier_type, column)} IN (SELECT identifier_value "
            f"FROM erase_identifiers WHERE identifier_type = '{identifier_type}')"
        )
    # The landed text of each identifier goes into erase_texts, so quarantined
    # copies of the same records match in whatever form they were landed.
    for column, identifier_type in columns:
        if identifier_type in IDENTIFIER_TYPES:
            conn.execute(
                f"INSERT INTO erase_texts SELECT DISTINCT trim({column}) FROM {RAW_SCHEMA}.{table} "
                f"WHERE ({' OR '.join(matches)}) AND nullif(trim({column}), '') IS NOT NULL"
            )
    return _delete_rows(conn, table, " OR ".join(matches))


def _delete_mentions(conn: duckdb.DuckDBPyConnection) -> int:
    """Delete social posts that mention one of the person's handles or reply to their posts."""
    condition = """
        EXISTS (
            SELECT 1 FROM erase_identifiers AS e
            WHERE e.identifier_type = 'handle'
              AND contains(lower(text), '@' || e.identifier_value)
        )
        OR in_reply_to_post_id IN (
            SELECT record_key FROM erase_identifiers WHERE source = 'social'
        )
    """
    return _delete_rows(conn, "social_posts", condition)


def _delete_quarantined(conn: duckdb.DuckDBPyConnection) -> int:
    condition = """
        EXISTS (
            SELECT 1 FROM erase_texts AS t
            WHERE length(t.text) >= 3 AND contains(lower(raw_record), lower(t.text))
        )
    """
    return _delete_rows(conn, QUARANTINE_TABLE, condition, quarantine=True)


def _delete_derived_identity_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Delete the person's rows from tables that a dbt rebuild does not recreate.

    ``int_customer_id_assignments`` is incremental, so it keeps every earlier
    row, and ``raw.phone_normalizations`` is written by a Python asset that
    the erasure does not run. Both are absent before the first pipeline run.
    """
    conditions = {
        ("intermediate", "int_customer_id_assignments"): (
            "identifier_key IN (SELECT identifier_type || ':' || identifier_value "
            "FROM erase_identifiers)"
        ),
        (RAW_SCHEMA, "phone_normalizations"): (
            "phone_e164 IN (SELECT identifier_value FROM erase_identifiers "
            "WHERE identifier_type = 'phone')"
        ),
    }
    removed = {}
    for (schema, table), condition in conditions.items():
        exists = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if not exists:
            continue
        row = conn.execute(f"DELETE FROM {schema}.{table} WHERE {condition}").fetchone()
        removed[table] = int(row[0]) if row else 0
    return removed


def _delete_rows(
    conn: duckdb.DuckDBPyConnection, table: str, condition: str, quarantine: bool = False
) -> int:
    """Delete the rows of raw `table` that match `condition`, counting them per landing file."""
    relation = f"{RAW_SCHEMA}.{table}"
    target = "target_table" if quarantine else f"'{table}'"
    loaded, quarantined = ("0", "count(*)") if quarantine else ("count(*)", "0")
    conn.execute(
        f"INSERT INTO erase_counts "
        f"SELECT {target}, _file, _partition_date, {loaded}, {quarantined} "
        f"FROM {relation} WHERE {condition} GROUP BY ALL"
    )
    row = conn.execute(f"DELETE FROM {relation} WHERE {condition}").fetchone()
    return int(row[0]) if row else 0


def _reduce_landed_counts(conn: duckdb.DuckDBPyConnection) -> None:
    """Lower each file's and day's counts in ``raw.landed_files`` by the rows erased from it."""
    conn.execute(
        f"""
        UPDATE {RAW_SCHEMA}.{LANDED_FILES_TABLE} AS l
        SET rows_loaded = l.rows_loaded - c.loaded,
            rows_quarantined = l.rows_quarantined - c.quarantined,
            records_landed = l.records_landed - c.loaded - c.quarantined
        FROM (
            SELECT target_table, _file, partition_date,
                sum(loaded) AS loaded, sum(quarantined) AS quarantined
            FROM erase_counts GROUP BY ALL
        ) AS c
        WHERE l.target_table = c.target_table AND l._file = c._file
            AND l.partition_date IS NOT DISTINCT FROM c.partition_date
        """
    )


def _record_request(
    conn: duckdb.DuckDBPyConnection,
    identifier_type: str,
    identifier_sha256: str,
    removed: dict[str, int],
    erased_keys: list[str],
) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {ERASURE_SCHEMA}")
    conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {ERASURE_SCHEMA}.{ERASURE_TABLE} (
            identifier_type VARCHAR,
            identifier_sha256 VARCHAR,
            requested_at TIMESTAMP,
            rows_removed BIGINT,
            erased_keys VARCHAR[]
        )
        """
    )
    # NOTE: requests recorded before this column existed have NULL keys, so they
    # suppress nothing at ingest. Erasing those people again records their keys.
    conn.execute(
        f"ALTER TABLE {ERASURE_SCHEMA}.{ERASURE_TABLE} "
        "ADD COLUMN IF NOT EXISTS erased_keys VARCHAR[]"
    )
    conn.execute(
        f"INSERT INTO {ERASURE_SCHEMA}.{ERASURE_TABLE} "
        "(identifier_type, identifier_sha256, requested_at, rows_removed, erased_keys) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            identifier_type,
            identifier_sha256,
            datetime.now(UTC).replace(tzinfo=None),
            sum(removed.values()),
            erased_keys,
        ],
    )


def _rebuild_dbt(settings: Settings) -> None:
    """Rebuild every dbt model from the erased raw tables, with dbt's files in a temp folder."""
    env = dict(os.environ, RIGHTPATH_WAREHOUSE_PATH=str(settings.warehouse_path))
    dbt = str(Path(sys.executable).parent / "dbt")
    with tempfile.TemporaryDirectory(prefix="rightpath-erase-") as work:
        command = [
            dbt,
            "run",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(Path(work) / "target"),
            "--log-path",
            str(Path(work) / "logs"),
        ]
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise ErasureError(
            "the raw tables are erased, but rebuilding the dbt models failed, so the "
            "intermediate layer and marts may still contain the person; fix the error and run "
            f"'dbt run' before the next publish. dbt output:\n{completed.stdout[-4000:]}"
        )


def _republish(settings: Settings) -> int:
    from orchestration.publish.assets import PUBLISHED_TABLES
    from orchestration.publish.publisher import publish_marts

    # keep_versions=1 removes every earlier version, which still contains the person.
    result = publish_marts(
        settings.warehouse_path, settings.publish_dir, list(PUBLISHED_TABLES), keep_versions=1
    )
    return result.version


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.privacy.erase",
        description="Erase one person from the warehouse and the published marts.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    for identifier_type in IDENTIFIER_TYPES:
        group.add_argument(f"--{identifier_type}", help=f"the person's {identifier_type}")
    parser.add_argument(
        "--no-publish", action="store_true", help="erase and rebuild, but do not republish"
    )
    args = parser.parse_args(argv)
    identifier_type = next(name for name in IDENTIFIER_TYPES if getattr(args, name))
    try:
        result = erase_person(
            Settings.from_env(),
            identifier_type,
            getattr(args, identifier_type),
            publish=not args.no_publish,
        )
    except ErasureError as error:
        sys.stderr.write(f"Erasure failed: {error}\n")
        return 1
    sys.stdout.write(f"Erased identifier sha256 {result.identifier_sha256}\n")
    sys.stdout.write(f"Rows removed: {result.rows_removed}\n")
    if result.published_version is not None:
        sys.stdout.write(
            f"Republished as version {result.published_version}; earlier versions removed\n"
        )
    if result.landing_files:
        sys.stdout.write(
            "These landing files contain the person; ingest quarantines those records as "
            "'erased', but remove them at the source:\n"
        )
        for name in result.landing_files:
            sys.stdout.write(f"  {name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
