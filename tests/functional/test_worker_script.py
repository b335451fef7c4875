import pathlib

from notify_pyramid.scripts import worker
from notify_pyramid.tasks import celery_app

from ..factories import ADMIN_SECRET, SECRET_KEY


def write_ini(tmp_path: pathlib.Path, broker: str) -> str:
    path = tmp_path / "worker.ini"
    path.write_text(
        "[app:main]\n"
        "use = egg:notify-pyramid\n"
        f"sqlalchemy.url = sqlite:///{tmp_path}/worker.sqlite\n"
        f"notify.secret_key = {SECRET_KEY}\n"
        f"notify.admin_client_secrets = {ADMIN_SECRET}\n"
        f"celery.broker_url = {broker}\n"
    )
    return str(path)


def test_worker_refuses_to_start_without_a_broker(
    tmp_path, capsys, monkeypatch, app
):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    started = []
    monkeypatch.setattr(celery_app, "worker_main", started.append)

    status = worker.main(["notify-worker", write_ini(tmp_path, "")])

    assert status == 2
    assert started == []
    assert capsys.readouterr().err.strip() == (
        "notify-worker cannot start: no broker configured: set the "
        "environment variable CELERY_BROKER_URL or ini key celery.broker_url"
    )


def test_worker_starts_celery_with_beat_and_passes_options(
    tmp_path, monkeypatch, app
):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    started = []
    monkeypatch.setattr(celery_app, "worker_main", started.append)
    ini = write_ini(tmp_path, "redis://127.0.0.1:6379/3")

    try:
        status = worker.main(
            ["notify-worker", ini, "--beat", "--concurrency", "4"]
        )
        broker_url = celery_app.conf.broker_url
        eager = celery_app.conf.task_always_eager
    finally:
        from notify_pyramid.tasks import configure_celery

        configure_celery(app.registry.settings, app.registry)

    assert status == 0
    assert started == [["worker", "--concurrency", "4", "--beat"]]
    assert broker_url == "redis://127.0.0.1:6379/3"
    assert eager is False
