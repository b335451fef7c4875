from sqlalchemy import create_engine

from notify_pyramid import main, migrations


def test_status_reports_the_schema_revision(testapp):
    response = testapp.get("/_status", status=200)
    assert response.json == {
        "status": "ok",
        "db_version": migrations.head_revision(),
    }


def test_status_is_503_in_the_legacy_envelope_without_a_database(
    app_settings, tmp_path
):
    import webtest

    # a SQLite file in a folder that does not exist cannot be opened
    engine = create_engine(f"sqlite:///{tmp_path}/missing/db.sqlite")
    app = main({}, **{**app_settings, "dbengine": engine})
    response = webtest.TestApp(app).get("/_status", status=503)
    assert response.json == {
        "result": "error",
        "message": "Database unavailable",
    }
