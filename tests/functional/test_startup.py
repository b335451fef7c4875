import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_pserve(config, env):
    pserve = pathlib.Path(sys.executable).with_name("pserve")
    return subprocess.run(
        [str(pserve), config],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_naming_the_missing_variable():
    env = {"PATH": os.environ.get("PATH", "")}
    result = run_pserve("production.ini", env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "notify-pyramid cannot start: missing required setting: set the "
        "environment variable DATABASE_URL or ini key sqlalchemy.url"
    )
    assert "Traceback" not in result.stderr


def test_production_names_the_next_missing_secret():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "NOTIFY_SECRET_KEY": "k" * 40,
    }
    result = run_pserve("production.ini", env)
    assert "NOTIFY_ADMIN_CLIENT_SECRETS" in result.stderr
    assert "Traceback" not in result.stderr
