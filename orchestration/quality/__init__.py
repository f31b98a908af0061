"""Data validation with Great Expectations suites, run as blocking Dagster asset checks."""
