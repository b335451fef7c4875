import requests


def test_live_server_answers_status(live_server):
    response = requests.get(f"{live_server}/_status", timeout=5)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
