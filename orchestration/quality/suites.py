"""The asset checks for every suite file in the repository's ``expectations/`` folder."""

from orchestration.quality.checks import build_suite_checks
from orchestration.quality.suite_files import discover_suites
from orchestration.settings import EXPECTATIONS_DIR

suite_checks = build_suite_checks(discover_suites(EXPECTATIONS_DIR))
