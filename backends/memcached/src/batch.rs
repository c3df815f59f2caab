//! Batches: chunks of meta commands pipelined to each server, and, when a write batch fails
//! part-way, exactly which keys were written.
//!
//! Each chunk goes to every server that holds some of its keys in one write, and the answers come
//! back in order. The driver says, per command, whether it was answered, whether it was written in
//! full without an answer (`Ambiguous`: it may have been applied) or not sent in full (not
//! applied). That is what [`BatchProgress`] reports: acknowledged keys are written, ambiguous ones
//! unknown, the others and every later chunk not written.

use std::collections::HashMap;

use kivigo_core::backend::{chunks, last_op_wins, last_write_wins, unique};
use kivigo_core::{BatchProgress, Entry, Error, Operation, Result, WriteOp};
use memcache::exp::{
    AsyncMetaClient, Delete, Get, MutationResult, MutationStatus, Op, OpResult, Set,
};

use crate::backend::{MemcachedBackend, hit_value};
use crate::error::{BACKEND, from_driver};
use crate::expiry::Tokens;
use crate::limits::{CHUNK_KEY_BYTES, CHUNK_OPS, CHUNK_SET_BYTES, COMMAND_OVERHEAD};

/// The request bytes one command of a chunk costs, besides its value.
fn key_cost(key: &str) -> usize {
    key.len() + COMMAND_OVERHEAD
}

impl MemcachedBackend {
    /// `batch_get` of checked, non-empty `keys`: each distinct key once.
    pub(crate) async fn get_many(
        &self,
        client: &AsyncMetaClient,
        keys: &[String],
    ) -> Result<HashMap<String, Vec<u8>>> {
        let distinct: Vec<&String> = unique(keys).collect();
        let mut found = HashMap::with_capacity(distinct.len());
        for chunk in chunks(&distinct, CHUNK_OPS, CHUNK_KEY_BYTES, |k| key_cost(k)) {
            let answers = client
                .run_many(chunk.iter().map(|key| Get::new(key.as_str())))
                .await
                .map_err(|err| from_driver(err, Operation::BatchGet))?;
            for (key, answer) in chunk.iter().zip(answers) {
                let result = answer.map_err(|err| from_driver(err, Operation::BatchGet))?;
                if let Some(value) = hit_value(result) {
                    found.insert((*key).clone(), value);
                }
            }
        }
        Ok(found)
    }

    /// `batch_set` of checked, non-empty `entries`, each with the exptime of `tokens` (`None`:
    /// persistent); the last entry of a key wins.
    pub(crate) async fn set_many(
        &self,
        client: &AsyncMetaClient,
        entries: &[Entry],
        tokens: Option<&Tokens<'_>>,
    ) -> Result<()> {
        let kept = last_write_wins(entries);
        let cost = |(key, value): &&Entry| key_cost(key) + value.len();
        let build = |(key, value): &&Entry| {
            let set = Set::new(key, value);
            match tokens {
                Some(tokens) => set.ttl_raw(tokens.for_key(key)),
                None => set,
            }
        };
        let judge = |(key, value): &&Entry, answer| {
            self.stored(key, value.len(), answer, Operation::BatchSet)
        };
        let chunked = chunks(&kept, CHUNK_OPS, CHUNK_SET_BYTES, cost);
        self.pipeline(client, Operation::BatchSet, &chunked, build, judge)
            .await
    }

    /// `batch_delete` of checked, non-empty `keys`: how many of the distinct keys existed.
    pub(crate) async fn delete_many(
        &self,
        client: &AsyncMetaClient,
        keys: &[String],
    ) -> Result<u64> {
        let distinct: Vec<&String> = unique(keys).collect();
        let mut existed = 0;
        let chunked = chunks(&distinct, CHUNK_OPS, CHUNK_KEY_BYTES, |k| key_cost(k));
        let judge = |_: &&String, answer: memcache::exp::Result<MutationResult>| {
            let answer = answer.map_err(|err| from_driver(err, Operation::BatchDelete))?;
            match answer.status {
                MutationStatus::Applied => existed += 1,
                MutationStatus::NotFound => {}
                other => return Err(refused(Operation::BatchDelete, other)),
            }
            Ok(())
        };
        let build = |key: &&String| Delete::new(key.as_str());
        self.pipeline(client, Operation::BatchDelete, &chunked, build, judge)
            .await?;
        Ok(existed)
    }

    /// `batch_write` of checked, non-empty `ops`: puts and deletes pipelined together, the last
    /// operation of a key winning, each put with its own TTL.
    pub(crate) async fn write_many(&self, client: &AsyncMetaClient, ops: &[WriteOp]) -> Result<()> {
        let kept = last_op_wins(ops);
        // Every exptime is worked out before anything is sent, so a TTL memcached cannot hold
        // fails the batch before any I/O.
        let mut tokens = HashMap::new();
        for op in &kept {
            if let WriteOp::Put {
                key,
                ttl: Some(ttl),
                ..
            } = op
            {
                let token = self.expiry().tokens(Operation::BatchWrite, *ttl)?;
                tokens.insert(key.as_str(), token.for_key(key));
            }
        }
        let cost = |op: &&WriteOp| match op {
            WriteOp::Put { key, value, .. } => key_cost(key) + value.len(),
            WriteOp::Delete { key } => key_cost(key),
        };
        let build = |op: &&WriteOp| match op {
            WriteOp::Put { key, value, .. } => {
                let set = Set::new(key, value);
                match tokens.get(key.as_str()) {
                    Some(token) => Op::Set(set.ttl_raw(*token)),
                    None => Op::Set(set),
                }
            }
            WriteOp::Delete { key } => Op::Delete(Delete::new(key)),
        };
        let judge = |op: &&WriteOp, answer: memcache::exp::Result<OpResult>| match (op, answer) {
            (WriteOp::Put { key, value, .. }, Err(err)) => {
                Err(self.driver_error(key, value.len(), err, Operation::BatchWrite))
            }
            (WriteOp::Delete { .. }, Err(err)) => Err(from_driver(err, Operation::BatchWrite)),
            (WriteOp::Put { key, value, .. }, Ok(OpResult::Mutation(result))) => {
                self.stored(key, value.len(), Ok(result), Operation::BatchWrite)
            }
            (WriteOp::Delete { .. }, Ok(OpResult::Mutation(result)))
                if matches!(
                    result.status,
                    MutationStatus::Applied | MutationStatus::NotFound
                ) =>
            {
                Ok(())
            }
            (_, Ok(other)) => Err(Error::permanent(
                BACKEND,
                Operation::BatchWrite,
                format!("unexpected answer to a batch_write operation: {other:?}"),
            )),
        };
        let chunked = chunks(&kept, CHUNK_OPS, CHUNK_SET_BYTES, cost);
        self.pipeline(client, Operation::BatchWrite, &chunked, build, judge)
            .await
    }

    /// Sends `chunked` items (each key once) chunk by chunk, one command per item from `build`,
    /// and turns each answer into `Ok` or an error with `judge`. On the first failure the batch
    /// stops: the error says which keys were written ([`Error::PartialBatch`]), or is the plain
    /// error when nothing can have been applied.
    async fn pipeline<T, O>(
        &self,
        client: &AsyncMetaClient,
        operation: Operation,
        chunked: &[&[T]],
        build: impl Fn(&T) -> O,
        mut judge: impl FnMut(&T, memcache::exp::Result<O::Output>) -> Result<()>,
    ) -> Result<()>
    where
        T: Keyed,
        O: memcache::exp::Operation,
    {
        for (index, chunk) in chunked.iter().enumerate() {
            let mut progress = Chunk::default();
            match client.run_many(chunk.iter().map(&build)).await {
                Ok(answers) => {
                    for (item, answer) in chunk.iter().zip(answers) {
                        let landed = answer.as_ref().is_err_and(|err| err.is_ambiguous());
                        progress.record(item.key(), judge(item, answer), landed);
                    }
                }
                // Refused before anything of this chunk was written.
                Err(err) => {
                    progress.not_written.extend(chunk.iter().map(Keyed::key));
                    progress.error = Some(from_driver(err, operation));
                }
            }
            if let Some(err) = progress.error.take() {
                let before = chunked[..index]
                    .iter()
                    .flat_map(|c| c.iter().map(Keyed::key));
                let after = chunked[index + 1..]
                    .iter()
                    .flat_map(|c| c.iter().map(Keyed::key));
                return Err(progress.into_error(operation, before, after, err));
            }
        }
        Ok(())
    }
}

/// An item of a write batch: it writes one key.
trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for &Entry {
    fn key(&self) -> &str {
        &self.0
    }
}

impl Keyed for &String {
    fn key(&self) -> &str {
        self
    }
}

impl Keyed for &WriteOp {
    fn key(&self) -> &str {
        WriteOp::key(self)
    }
}

/// Where the keys of the chunk that failed stand.
#[derive(Default)]
struct Chunk<'a> {
    written: Vec<&'a str>,
    unknown: Vec<&'a str>,
    not_written: Vec<&'a str>,
    /// The first failure, in the order of the keys.
    error: Option<Error>,
}

impl<'a> Chunk<'a> {
    /// Notes the outcome for `key`; `landed` when its command was written in full but not
    /// answered.
    fn record(&mut self, key: &'a str, outcome: Result<()>, landed: bool) {
        match outcome {
            Ok(()) => self.written.push(key),
            Err(err) => {
                if landed {
                    self.unknown.push(key);
                } else {
                    self.not_written.push(key);
                }
                self.error.get_or_insert(err);
            }
        }
    }

    /// The error of a batch that failed in this chunk: `before` are the keys of the chunks
    /// acknowledged before it, `after` those never sent.
    fn into_error(
        self,
        operation: Operation,
        before: impl Iterator<Item = &'a str>,
        after: impl Iterator<Item = &'a str>,
        err: Error,
    ) -> Error {
        let written: Vec<String> = before.chain(self.written).map(str::to_owned).collect();
        let unknown: Vec<String> = self.unknown.into_iter().map(str::to_owned).collect();
        let mut not_written: Vec<String> =
            self.not_written.into_iter().map(str::to_owned).collect();
        not_written.extend(after.map(str::to_owned));
        if written.is_empty() && unknown.is_empty()
            || written.len() + unknown.len() + not_written.len() == 1
        {
            // Nothing was applied, or the only key is the failing one: the plain error says it
            // all.
            return err;
        }
        Error::PartialBatch {
            backend: BACKEND,
            operation,
            progress: Box::new(BatchProgress {
                written,
                unknown,
                not_written,
            }),
            source: Box::new(err),
        }
    }
}

/// The error for an answer that refused a write without an error (for instance `NS`).
fn refused(operation: Operation, status: MutationStatus) -> Error {
    Error::transient(
        BACKEND,
        operation,
        format!("the server refused the write ({status:?})"),
    )
}
