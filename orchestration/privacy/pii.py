"""The personal-identifier columns of the published marts, and the salt that hashes them.

The internal layers (raw, staging, intermediate, marts in the warehouse) keep
full values. The publisher replaces each column listed in ``PII_COLUMNS`` by
``sha256(salt || value)`` as 64 hex digits, with the salt read from the
environment variable ``RIGHTPATH_PII_SALT``. Equal values hash equally within
one salt, so BI tools can still count and join on them.

When the variable is unset or empty, those columns are published as NULL
("withheld") and a warning is logged: nothing random is generated, and no
value is ever published unhashed.
"""

import os
from collections.abc import Mapping

PII_SALT_ENV = "RIGHTPATH_PII_SALT"
# A shorter salt is rejected, because a short salt can be brute-forced
# together with a dictionary of likely email addresses.
MIN_SALT_CHARS = 16

# Published mart table -> its columns that contain personal identifiers
# (email, phone, social handle, name, address). Add a column here when a mart
# gains one.
PII_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "customers": ("primary_email", "primary_phone", "primary_handle"),
    # The keys are "<type>:<value>", so they carry the identifier too.
    "identity_links": (
        "identifier_key_a",
        "identifier_value_a",
        "identifier_key_b",
        "identifier_value_b",
    ),
}

HASHED = "sha256_salted"
WITHHELD = "withheld"


class PiiSaltError(ValueError):
    """``RIGHTPATH_PII_SALT`` is set to a value that cannot be used."""


def pii_salt() -> str | None:
    """Return the salt from ``RIGHTPATH_PII_SALT``, or None when it is unset or empty.

    Raises ``PiiSaltError`` when the salt is shorter than ``MIN_SALT_CHARS``.
    The message never contains the salt.
    """
    salt = os.environ.get(PII_SALT_ENV, "")
    if not salt:
        return None
    if len(salt) < MIN_SALT_CHARS:
        raise PiiSaltError(
            f"{PII_SALT_ENV} is set but has {len(salt)} characters; use at least "
            f"{MIN_SALT_CHARS}, e.g. the output of 'openssl rand -hex 32'"
        )
    return salt
