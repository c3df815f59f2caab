//! Cases for many tasks using one backend at once.

use std::sync::Arc;

use super::support::{can_list, numbered_entries};
use crate::Backend;

const TASKS: usize = 32;
const KEYS_PER_TASK: usize = 40;

/// 32 tasks write, read and batch-write distinct keys at once; every write is there afterwards.
pub async fn concurrent_tasks_lose_nothing(backend: Arc<dyn Backend>) {
    let mut tasks = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let backend = backend.clone();
        tasks.push(tokio::spawn(async move {
            let entries = numbered_entries(&format!("t{task:02}/"), KEYS_PER_TASK);
            let (singles, batched) = entries.split_at(KEYS_PER_TASK / 2);
            for (key, value) in singles {
                backend.set(key, value, None).await.expect("concurrent set");
                let read = backend.get(key).await.expect("concurrent get");
                assert_eq!(read.as_ref(), Some(value), "read own write {key}");
            }
            backend
                .batch_set(batched, None)
                .await
                .expect("concurrent batch_set");
        }));
    }
    for task in tasks {
        task.await.expect("task panicked");
    }
    let expected = numbered_entries_for_all_tasks();
    let names: Vec<String> = expected.iter().map(|(k, _)| k.clone()).collect();
    let found = backend.batch_get(&names).await.expect("batch_get");
    assert_eq!(found.len(), TASKS * KEYS_PER_TASK, "lost writes");
    for (key, value) in &expected {
        assert_eq!(found.get(key), Some(value), "{key}");
    }
    if can_list(&backend).await {
        assert_eq!(
            backend.list("t").await.expect("list").len(),
            TASKS * KEYS_PER_TASK
        );
    }
}

fn numbered_entries_for_all_tasks() -> Vec<crate::Entry> {
    (0..TASKS)
        .flat_map(|task| numbered_entries(&format!("t{task:02}/"), KEYS_PER_TASK))
        .collect()
}
