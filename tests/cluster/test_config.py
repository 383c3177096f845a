"""The cluster's configuration files, checked by the programs that read them (no servers started)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from scripts.cluster import haproxy_config
from tests.cluster.services import _binary

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("source", ["generated", "deploy/haproxy.cfg"])
def test_haproxy_accepts_the_configuration(tmp_path, source):
    cfg = tmp_path / "haproxy.cfg"
    if source == "generated":
        cfg.write_text(haproxy_config(18080, 18081, 18082, [18083], [18084, 18085], [18086, 18087],
                                      stats_port=18088, admin_socket=str(tmp_path / "admin.sock")))
    else:
        cfg.write_text((ROOT / source).read_text())
    done = subprocess.run([_binary("haproxy", "haproxy"), "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    text = cfg.read_text()
    # a message that reached a Rasa instance is never resent by the load balancer
    rasa = text.split("\nbackend rasa\n", 1)[1].split("\nfrontend", 1)[0]
    assert re.search(r"^  retry-on conn-failure *(#.*)?$", rasa, re.M), rasa
    assert "empty-response" not in rasa
    # health-checked by TCP connect: an HTTP check times out on a loaded instance (docs/DEPLOYMENT.md)
    assert "httpchk" not in rasa and re.search(r"^  server(-template)? rasa.* check$", rasa, re.M)
    # no sticky sessions (docs/DEPLOYMENT.md): no cookie or stick directive anywhere
    assert not re.search(r"^\s*(cookie|stick|balance source)", text, re.M)


def test_endpoints_cluster_is_read_by_rasa_from_the_environment(monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints

    env = {"ACTION_ENDPOINT_URL": "http://lb:5056/webhook", "DB_HOST": "db", "DB_PORT": "5432",
           "DB_NAME": "fitn7", "DB_USER": "fitn7", "DB_PASSWORD": "", "REDIS_HOST": "redis-host",
           "REDIS_PORT": "6380"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.cluster.yml"))
    assert endpoints.action.url == "http://lb:5056/webhook"
    assert endpoints.tracker_store.type == "rasa_plugins.tracker_store.CachedSQLTrackerStore"
    assert endpoints.tracker_store.url == "db"
    store = LockStore.create(endpoints.lock_store)          # connects lazily: no Redis needed
    assert type(store).__name__ == "AtomicRedisLockStore"
    assert store.red.connection_pool.connection_kwargs["host"] == "redis-host"
    assert store.red.connection_pool.connection_kwargs["port"] == 6380
    assert (store.lock_lifetime, store.wait_timeout) == (10.0, 20.0)


def test_web_replicas_of_the_examples_share_their_keys():
    """Several web instances must hash a conversation id with one key (issue 13: Rasa gets a keyed
    hash of the widget's id; a replica with its own random key would split the conversation) and
    sign triage cookies with one secret: the examples take both from outside the replica."""
    import yaml

    docs = list(yaml.safe_load_all((ROOT / "deploy/kubernetes/web.yaml").read_text()))
    web = next(d for d in docs if d and d["kind"] == "Deployment")
    pod = web["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert web["spec"]["replicas"] > 1
    assert "secretKeyRef" in env["TRIAGE_SESSION_SECRET"]["valueFrom"]
    mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
    key_dir = str(Path(env["CHAT_SECRET_FILE"]["value"]).parent)
    secret_volumes = {v["name"] for v in pod["volumes"] if "secret" in v}
    assert mounts[key_dir] in secret_volumes

    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    web_env = compose["services"]["web"]["environment"]
    assert web_env["CHAT_SECRET_FILE"] == "/run/secrets/chat_key"
    assert "chat_key" in compose["services"]["web"]["secrets"] and "chat_key" in compose["secrets"]
    assert web_env["TRIAGE_SESSION_SECRET"].startswith("${TRIAGE_SESSION_SECRET")
