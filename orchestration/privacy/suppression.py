"""Keep erased people out of the raw tables when their landing files are ingested again.

An erasure stores, in ``privacy.erasure_requests.erased_keys``, the salted
SHA-256 hash of every identifier key of the person (``<type>:<value>``, the
value normalized the way dbt staging does) and of every record key
(``record:<source>:<key>``) that dbt attributed to them. The salt is
``RIGHTPATH_PII_SALT``.

At ingest, ``mark_erased_rows`` hashes the same keys of each staged record
with the same salt. A record that matches is quarantined with reason
``erased`` and a NULL ``raw_record``, so ``records_landed = rows_loaded +
rows_quarantined`` stays true and no text of the person is stored. A record
matches when one of these equals an erased key:

- an identifier column listed in ``RAW_IDENTITY_COLUMNS`` (email, phone,
  handle, cookie, user id, Zendesk requester id, shop customer id),
- the record's own key (event, post, ticket or order id),
- for ``social_posts``, a handle mentioned as ``@handle`` in the text or the
  post it replies to,
- for ``order_lines``, the order id.

NOTE: hashes from another salt never match, so changing the salt after an
erasure lets the person load again.
"""

import hashlib

import duckdb

from orchestration.privacy.pii import PII_SALT_ENV, pii_salt

ERASURE_SCHEMA = "privacy"
ERASURE_TABLE = "erasure_requests"
ERASED_REASON = "erased"

# Raw table -> (column of the record key that dbt's identifier rows use, the
# dbt source name of those rows, identifier columns as (column, identifier type)).
RAW_IDENTITY_COLUMNS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "web_events": (
        "event_id",
        "web",
        (
            ("anonymous_id", "cookie"),
            ("user_id", "user_id"),
            # An alias event names the person's earlier user id here.
            ("previous_id", "user_id"),
            ("email", "email"),
            ("phone", "phone"),
        ),
    ),
    "email_events": ("event_id", "email", (("email", "email"),)),
    "social_posts": ("post_id", "social", (("author_handle", "handle"),)),
    "support_tickets": (
        "ticket_id",
        "support",
        (
            ("requester_id", "requester_id"),
            ("requester_email", "email"),
            ("requester_phone", "phone"),
            ("requester_handle", "handle"),
        ),
    ),
    "orders": (
        "order_id",
        "shop",
        (("customer_id", "shop_customer"), ("email", "email"), ("phone", "phone")),
    ),
}

# SQL that normalizes identifier text the way dbt staging does
# (dbt_project/macros/normalize_identifiers.sql). Other identifier types are trimmed.
NORMALIZE_SQL = {
    "email": "nullif(lower(trim({0})), '')",
    "handle": "nullif(lower(regexp_replace(trim({0}), '^@', '')), '')",
    "phone": (
        "nullif(CASE WHEN trim({0}) LIKE '+%' THEN '+' ELSE '' END "
        "|| regexp_replace({0}, '[^0-9]', '', 'g'), '')"
    ),
}
DEFAULT_NORMALIZE_SQL = "nullif(trim({0}), '')"

# A handle mentioned in post text: '@' and word characters, as on Twitter.
MENTION_PATTERN = r"@(\w+)"


def normalize_sql(identifier_type: str, expression: str) -> str:
    return NORMALIZE_SQL.get(identifier_type, DEFAULT_NORMALIZE_SQL).format(expression)


def erased_key_count(conn: duckdb.DuckDBPyConnection) -> int:
    """Return the number of erased key hashes stored, 0 when no erasure was recorded."""
    exists = conn.execute(
        "SELECT count(*) FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? AND column_name = 'erased_keys'",
        [ERASURE_SCHEMA, ERASURE_TABLE],
    ).fetchone()[0]
    if not exists:
        return 0
    row = conn.execute(
        f"SELECT count(*) FROM (SELECT unnest(erased_keys) FROM {ERASURE_SCHEMA}.{ERASURE_TABLE})"
    ).fetchone()
    return int(row[0])


def mark_erased_rows(conn: duckdb.DuckDBPyConnection, checked: str, table: str) -> int:
    """Quarantine the rows of staged table `checked` that belong to an erased person.

    Sets ``_reason`` to ``erased`` and ``_raw_record`` to NULL on them and
    returns how many rows matched. Raises ``RuntimeError`` when erasures are
    recorded but ``RIGHTPATH_PII_SALT`` is unset, because the records could
    not be matched and the erased people would load again.
    """
    if erased_key_count(conn) == 0:
        return 0
    salt = pii_salt()
    if salt is None:
        raise RuntimeError(
            f"{ERASURE_SCHEMA}.{ERASURE_TABLE} lists erased people, but {PII_SALT_ENV} is not "
            "set, so their records cannot be recognized; set the salt used for the erasures "
            "and run the ingest again"
        )
    conditions = _erased_conditions(table)
    if not conditions:
        return 0
    row = conn.execute(
        f"UPDATE {checked} SET _reason = '{ERASED_REASON}', _raw_record = NULL "
        f"WHERE {' OR '.join(conditions)}",
        [salt] * len(conditions),
    ).fetchone()
    return int(row[0]) if row else 0


def _erased_conditions(table: str) -> list[str]:
    """Return SQL conditions on a staged `table` row, each true when one key is erased.

    Each condition has one ``?`` parameter, the salt.
    """
    erased = f"(SELECT unnest(erased_keys) FROM {ERASURE_SCHEMA}.{ERASURE_TABLE})"

    def erased_key(key: str) -> str:
        return f"sha256(?::VARCHAR || ({key})) IN {erased}"

    if table == "order_lines":
        return [erased_key("'record:shop:' || nullif(trim(order_id), '')")]
    if table not in RAW_IDENTITY_COLUMNS:
        return []
    key_column, source, columns = RAW_IDENTITY_COLUMNS[table]
    conditions = [erased_key(f"'record:{source}:' || nullif(trim({key_column}), '')")]
    for column, identifier_type in columns:
        conditions.append(
            erased_key(f"'{identifier_type}:' || {normalize_sql(identifier_type, column)}")
        )
    if table == "social_posts":
        conditions.append(
            erased_key(f"'record:{source}:' || nullif(trim(in_reply_to_post_id), '')")
        )
        mentions = f"unnest(regexp_extract_all(text, '{MENTION_PATTERN}', 1))"
        conditions.append(
            f"EXISTS (SELECT 1 FROM (SELECT {mentions} AS mention) "
            f"WHERE sha256(?::VARCHAR || 'handle:' || lower(mention)) IN {erased})"
        )
    return conditions


def erased_key_hashes(salt: str, keys: list[str]) -> list[str]:
    """Return ``sha256(salt || key)`` as hex for each key, the form ``erased_keys`` stores."""
    return sorted({hashlib.sha256((salt + key).encode()).hexdigest() for key in keys})
