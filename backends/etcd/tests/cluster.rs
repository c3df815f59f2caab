//! A three-member etcd cluster on loopback ports, started by the test: the leader is killed while
//! a workload runs, and the client keeps working through the other two members.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kivigo_core::{Backend, Entry};
use kivigo_etcd::{EtcdBackend, EtcdConfig};
use support::{LocalCluster, etcd_binary};
use tokio::sync::watch;

/// Bounds every wait so that a hang fails the test; it is a guard, not a timing assertion.
const ELECTION_GUARD: Duration = Duration::from_secs(180);

/// Operations done before the kill, and after it.
const BEFORE_KILL: usize = 100;
const AFTER_KILL: usize = 200;

/// Index (in `cluster.members`) of the member that is currently the leader.
async fn leader_index(cluster: &LocalCluster) -> usize {
    for (index, member) in cluster.members.iter().enumerate() {
        let mut client = etcd_client::Client::connect([member.endpoint.as_str()], None)
            .await
            .expect("connect to a member");
        let status = client.status().await.expect("status");
        let id = status.header().expect("header").member_id();
        if status.leader() == id {
            return index;
        }
    }
    panic!("no member is the leader:\n{}", cluster.logs());
}

/// Writes keys one by one (with a read back) and in batches of ten until `stop`, reporting the
/// number of operations done. Returns every key written and its value, or the first failure.
async fn workload(
    store: Arc<EtcdBackend>,
    stop: Arc<AtomicBool>,
    progress: watch::Sender<usize>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut written = BTreeMap::new();
    let mut op = 0;
    while !stop.load(Ordering::Acquire) {
        if op % 10 == 9 {
            let entries: Vec<Entry> = (0..10)
                .map(|j| {
                    (
                        format!("batch/{op:06}/{j}"),
                        format!("{op}-{j}").into_bytes(),
                    )
                })
                .collect();
            store
                .batch_set(&entries, None)
                .await
                .map_err(|e| format!("batch_set at op {op}: {e}"))?;
            written.extend(entries);
        } else {
            let key = format!("single/{op:06}");
            let value = format!("value {op}").into_bytes();
            store
                .set(&key, &value, None)
                .await
                .map_err(|e| format!("set at op {op}: {e}"))?;
            let read = store
                .get(&key)
                .await
                .map_err(|e| format!("get at op {op}: {e}"))?;
            if read.as_ref() != Some(&value) {
                return Err(format!("op {op}: read back {read:?}"));
            }
            written.insert(key, value);
        }
        op += 1;
        let _ = progress.send(op);
    }
    Ok(written)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_survives_losing_the_leader() {
    let Some(binary) = etcd_binary("client_survives_losing_the_leader") else {
        return;
    };
    let mut cluster = LocalCluster::start(&binary, 3);
    tokio::time::timeout(ELECTION_GUARD, cluster.wait_ready())
        .await
        .expect("cluster start hung");

    // The client is given the leader first, so it is connected to the member that dies: the
    // harshest case (failover and a new election at once).
    let leader = leader_index(&cluster).await;
    let mut endpoints = cluster.endpoints();
    endpoints.rotate_left(leader);
    let config = EtcdConfig {
        timeout: Duration::from_secs(30),
        ..EtcdConfig::new(endpoints).with_prefix("kivigo_cluster_test/")
    };
    let store = Arc::new(EtcdBackend::open(config).await.expect("open the cluster"));

    let stop = Arc::new(AtomicBool::new(false));
    let (progress, mut watched) = watch::channel(0);
    let running = tokio::spawn(workload(store.clone(), stop.clone(), progress));

    let reached = |target: usize| move |done: &usize| *done >= target;
    let before = tokio::time::timeout(ELECTION_GUARD, watched.wait_for(reached(BEFORE_KILL)))
        .await
        .expect("workload hung before the kill")
        .map(|done| *done);
    if before.is_ok() {
        cluster.kill(leader);
        let at_kill = *watched.borrow();
        let _ = tokio::time::timeout(
            ELECTION_GUARD,
            watched.wait_for(reached(at_kill + AFTER_KILL)),
        )
        .await
        .expect("workload hung after the kill");
    }
    stop.store(true, Ordering::Release);
    let written = running
        .await
        .expect("workload task")
        .unwrap_or_else(|failure| panic!("the workload failed: {failure}\n{}", cluster.logs()));
    assert!(written.len() >= BEFORE_KILL + AFTER_KILL);

    // Everything written, before and after the kill, is there, through the two survivors.
    let keys: Vec<String> = written.keys().cloned().collect();
    let found = store.batch_get(&keys).await.expect("batch_get");
    assert_eq!(found.len(), written.len());
    for (key, value) in &written {
        assert_eq!(found.get(key), Some(value), "{key}");
    }
    assert_eq!(store.list("").await.expect("list"), keys);

    // health is fine with two of three; the per-endpoint report names the dead one.
    store.health().await.expect("healthy with two members");
    let report = store.endpoint_health().await.expect("endpoint health");
    for (endpoint, outcome) in &report {
        let dead = *endpoint == cluster.members[leader].endpoint;
        assert_eq!(outcome.is_err(), dead, "{endpoint}: {outcome:?}");
    }

    assert_eq!(
        store.batch_delete(&keys).await.expect("batch_delete"),
        keys.len() as u64
    );
    store.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_fails_when_quorum_is_lost_and_names_the_endpoints() {
    let Some(binary) = etcd_binary("health_fails_when_quorum_is_lost") else {
        return;
    };
    let mut cluster = LocalCluster::start(&binary, 3);
    tokio::time::timeout(ELECTION_GUARD, cluster.wait_ready())
        .await
        .expect("cluster start hung");
    let config = EtcdConfig {
        timeout: Duration::from_secs(5),
        ..EtcdConfig::new(cluster.endpoints()).with_prefix("kivigo_quorum_test/")
    };
    let store = EtcdBackend::open(config).await.expect("open the cluster");
    store
        .set("k", b"v", None)
        .await
        .expect("set with three members");

    cluster.kill(0);
    cluster.kill(1);
    // The survivor loses its leader within an election timeout; poll until health says so.
    let mut last = Ok(());
    for _ in 0..300 {
        last = store.health().await;
        if last.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let err = last.expect_err("health must fail without quorum");
    assert!(err.is_transient(), "{err:?}");
    let message = err.to_string();
    for member in &cluster.members {
        assert!(message.contains(&member.endpoint), "{message}");
    }
    assert!(message.contains("no leader"), "{message}");
}
