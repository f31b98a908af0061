"""The code location registers the run failure sensor, running by default, with its resource."""

from dagster import DefaultSensorStatus

from orchestration.alerts.sensors import AlertResource


def test_sensor_registered_and_running():
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def("run_failure_alert_sensor")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert "alerts" in sensor.required_resource_keys


def test_alert_resource_uses_runs_dir():
    from orchestration.definitions import defs
    from orchestration.settings import Settings

    resource = defs.resources["alerts"]
    assert isinstance(resource, AlertResource)
    assert resource.runs_dir == str(Settings.from_env().data_dir / "runs")
