"""The generic downloader against the local replay server (no network)."""
from __future__ import annotations

import socket

import httpx
import pytest
from replay import ReplayServer, Route

from exportplan.errors import DownloadError
from exportplan.sources.download import DownloadFailed, cache_info, cache_path, fetch, file_sha256

BODY = b"area_fips,own_code\n39049,0\n" * 50
FAST = {"timeout": 0.5, "retries": 0, "backoff": 0.0, "progress": False}


def cached_files(folder):
    """Everything in the cache folder, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_success_then_cache_hit_makes_no_request(replay_server, tmp_path):
    replay_server.add("/data/x.csv", BODY)
    url = replay_server.url("/data/x.csv")
    first = fetch(url, tmp_path, **FAST)
    second = fetch(url, tmp_path, **FAST)
    assert first == second and first.read_bytes() == BODY
    assert replay_server.hits("/data/x.csv") == 1
    assert first.suffix == ".csv" and "data_x" in first.name
    meta = cache_info(first)
    assert meta["url"] == url and meta["sha256"] == file_sha256(first) and meta["bytes"] == len(BODY)
    assert replay_server.requests[0].headers["User-Agent"].startswith("exportplan/")


def test_contact_goes_into_user_agent(replay_server, tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTPLAN_CONTACT", "analyst@example.org")
    replay_server.add("/x.csv", BODY)
    fetch(replay_server.url("/x.csv"), tmp_path, **FAST)
    assert "analyst@example.org" in replay_server.requests[0].headers["User-Agent"]


def test_params_are_sent_and_part_of_the_cache_key(replay_server, tmp_path):
    replay_server.add("/api?page=1", b"one")
    replay_server.add("/api?page=2", b"two")
    url = replay_server.url("/api")
    one = fetch(url, tmp_path, params={"page": 1}, **FAST)
    two = fetch(url, tmp_path, params={"page": 2}, **FAST)
    assert one != two and one.read_bytes() == b"one" and two.read_bytes() == b"two"
    assert cache_path(url, tmp_path, {"page": 1}) == one


def test_404_is_a_clear_error_and_not_retried(replay_server, tmp_path):
    url = replay_server.url("/2031/a/area/39049.csv")  # no such route: 404
    with pytest.raises(DownloadFailed) as info:
        fetch(url, tmp_path / "cache", retries=3, backoff=0.0, progress=False)
    assert "the publisher has no such file" in str(info.value) and url in str(info.value)
    assert info.value.status == 404 and info.value.kind == "not-found"
    assert isinstance(info.value, DownloadError)
    assert replay_server.hits() == 1
    assert cached_files(tmp_path / "cache") == []


def test_timeout_gives_up_after_the_retries(replay_server, tmp_path):
    replay_server.add("/slow.csv", Route(body=BODY, delay=2.0))
    with pytest.raises(DownloadFailed) as info:
        fetch(replay_server.url("/slow.csv"), tmp_path, timeout=0.2, retries=1, backoff=0.0,
              progress=False)
    message = str(info.value)
    assert "did not answer within 0.2 s" in message and "2 attempts" in message
    assert info.value.kind == "timeout"
    assert replay_server.hits("/slow.csv") == 2
    assert cached_files(tmp_path) == []


def test_truncated_body_is_an_error_and_nothing_is_cached(replay_server, tmp_path):
    replay_server.add("/cut.csv", Route(body=b"x" * 5000, truncate_to=1200))
    url = replay_server.url("/cut.csv")
    with pytest.raises(DownloadFailed) as info:
        fetch(url, tmp_path, timeout=1.0, retries=1, backoff=0.0, progress=False)
    assert f"the download of {url} was cut short (got 1200 of 5000 bytes); try again" in str(info.value)
    assert info.value.kind == "truncated"
    assert replay_server.hits("/cut.csv") == 2  # a cut-short body is worth another try
    assert cached_files(tmp_path) == []


def test_retries_then_succeeds(replay_server, tmp_path):
    replay_server.add("/flaky.csv", Route(body=BODY, fail_times=2, fail_status=503))
    path = fetch(replay_server.url("/flaky.csv"), tmp_path, timeout=1.0, retries=3, backoff=0.0,
                 progress=False)
    assert path.read_bytes() == BODY
    assert replay_server.hits("/flaky.csv") == 3


def test_429_with_retry_after_is_retried(replay_server, tmp_path):
    replay_server.add("/busy.csv", Route(body=BODY, fail_times=1, fail_status=429))
    path = fetch(replay_server.url("/busy.csv"), tmp_path, timeout=1.0, retries=1, backoff=0.0,
                 progress=False)
    assert path.read_bytes() == BODY and replay_server.hits("/busy.csv") == 2


def test_server_error_that_persists_names_the_status(replay_server, tmp_path):
    replay_server.add("/down.csv", Route(status=500, body=b"oops"))
    with pytest.raises(DownloadFailed) as info:
        fetch(replay_server.url("/down.csv"), tmp_path, timeout=1.0, retries=2, backoff=0.0,
              progress=False)
    assert "HTTP 500" in str(info.value) and "gave up after 3 attempts" in str(info.value)
    assert info.value.status == 500 and replay_server.hits("/down.csv") == 3
    assert cached_files(tmp_path) == []


def test_400_is_not_retried_and_shows_the_publisher_message(replay_server, tmp_path):
    replay_server.add("/bad", Route(status=400, body=b"Invalid value for parameter"))
    with pytest.raises(DownloadFailed) as info:
        fetch(replay_server.url("/bad"), tmp_path, timeout=1.0, retries=3, backoff=0.0, progress=False)
    assert "HTTP 400" in str(info.value) and "Invalid value for parameter" in str(info.value)
    assert replay_server.hits("/bad") == 1


def test_403_explains_the_contact_user_agent(replay_server, tmp_path):
    replay_server.add("/blocked.csv", 403)
    with pytest.raises(DownloadFailed, match="EXPORTPLAN_CONTACT"):
        fetch(replay_server.url("/blocked.csv"), tmp_path, **FAST)


def test_unreachable_host_says_offline(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/2020/a/area/39049.csv"
    with pytest.raises(DownloadFailed) as info:
        fetch(url, tmp_path, **FAST)
    message = str(info.value)
    assert "could not reach 127.0.0.1: are you offline?" in message
    assert "download the file yourself" in message and url in message
    assert info.value.kind == "offline" and cached_files(tmp_path) == []


def test_validate_rejection_caches_nothing(replay_server, tmp_path):
    replay_server.add("/x.csv", BODY)

    def reject(path):
        assert path.read_bytes() == BODY  # the callback sees the complete body
        raise ValueError("the header is not a QCEW header")

    with pytest.raises(DownloadFailed, match="not a QCEW header") as info:
        fetch(replay_server.url("/x.csv"), tmp_path, validate=reject, **FAST)
    assert info.value.kind == "invalid"
    with pytest.raises(DownloadFailed, match="failed its check"):
        fetch(replay_server.url("/x.csv"), tmp_path, validate=lambda p: False, **FAST)
    assert cached_files(tmp_path) == []


def test_interrupt_during_download_caches_nothing(replay_server, tmp_path):
    replay_server.add("/x.csv", BODY)

    def interrupt(path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(replay_server.url("/x.csv"), tmp_path, validate=interrupt, **FAST)
    assert cached_files(tmp_path) == []


def test_a_supplied_client_is_used_and_left_open(replay_server, tmp_path):
    replay_server.add("/x.csv", BODY)
    with httpx.Client() as client:
        fetch(replay_server.url("/x.csv"), tmp_path, client=client, **FAST)
        assert not client.is_closed


def test_replay_server_serves_recorded_files(tmp_path):
    recorded = tmp_path / "body.json"
    recorded.write_bytes(b'[{"page":1}]')
    with ReplayServer({"/v2/x?page=1": Route(file=recorded, content_type="application/json")}) as srv:
        answer = httpx.get(srv.url("/v2/x?page=1"))
        missing = httpx.get(srv.url("/v2/x?page=2"))
    assert answer.content == b'[{"page":1}]' and answer.headers["content-type"] == "application/json"
    assert missing.status_code == 404


def test_progress_bar_for_large_bodies_on_a_terminal(replay_server, tmp_path, monkeypatch):
    import io

    from exportplan.sources import download

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(download.sys, "stderr", screen)
    monkeypatch.setattr(download, "PROGRESS_MIN_BYTES", 100)
    replay_server.add("/big.csv", BODY)
    fetch(replay_server.url("/big.csv"), tmp_path, timeout=1.0, retries=0, progress=True)
    assert "downloading big.csv" in screen.getvalue() and screen.getvalue().endswith("\n")
    fetch(replay_server.url("/big.csv"), tmp_path / "quiet", timeout=1.0, retries=0, progress=False)
    assert screen.getvalue().count("\n") == 1


def test_server_that_hangs_up_without_answering_is_retried_then_reported(tmp_path):
    import threading

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up(times):
            for _ in range(times):
                conn, _ = listener.accept()
                conn.recv(1024)
                conn.close()

        worker = threading.Thread(target=hang_up, args=(2,), daemon=True)
        worker.start()
        with pytest.raises(DownloadFailed, match="the connection to 127.0.0.1 failed") as info:
            fetch(f"http://127.0.0.1:{port}/x.csv", tmp_path, timeout=1.0, retries=1, backoff=0.0,
                  progress=False)
        worker.join(timeout=2)
    assert "gave up after 2 attempts" in str(info.value) and cached_files(tmp_path) == []
