"""The run failure sensor that sends alerts, and the resource with the folder they go to."""

from pathlib import Path

from dagster import (
    ConfigurableResource,
    DefaultSensorStatus,
    RunFailureSensorContext,
    run_failure_sensor,
)

from orchestration.alerts.run_failure import (
    alerts_path,
    build_run_failure_alert,
    run_already_alerted,
    send_run_failure_alert,
)


class AlertResource(ConfigurableResource):
    """Folder of the per-run alert files. The webhook URL is read from the environment."""

    # Alerts of run <run_id> go to <runs_dir>/<run_id>/alerts.jsonl.
    runs_dir: str


@run_failure_sensor(
    name="run_failure_alert_sensor",
    # The sensor runs once the daemon loads the code location, and the UI can stop it.
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Sends an alert for every failed run of this code location: log, alerts.jsonl in the "
        "run's folder, and the RIGHTPATH_ALERT_WEBHOOK_URL webhook when it is set."
    ),
)
def run_failure_alert_sensor(context: RunFailureSensorContext, alerts: AlertResource) -> None:
    runs_dir = Path(alerts.runs_dir)
    run_id = context.dagster_run.run_id
    # `rightpath run` alerts its own failed runs, so a daemon that also monitors
    # the run must not send a second alert.
    if run_already_alerted(runs_dir, run_id):
        context.log.info(f"Run {run_id} was already alerted in {alerts_path(runs_dir, run_id)}")
        return
    alert = build_run_failure_alert(context.instance, context.dagster_run, context.failure_event)
    # The tick log in the UI shows the alert beside the sensor.
    context.log.error(alert.text)
    posted = send_run_failure_alert(alert, runs_dir)
    context.log.info(
        f"Alert of run {run_id} written to {alerts_path(runs_dir, run_id)}; "
        f"webhook post {'accepted' if posted else 'not sent or failed'}"
    )
