"""The dbt project as dagster-dbt sees it.

Kept apart from the ``@dbt_assets`` module so that building the manifest
(``dbt parse``) does not need the manifest to exist first.
"""

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

rightpath_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
