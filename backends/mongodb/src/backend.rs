//! The MongoDB backend itself.

use std::collections::HashMap;

use futures::TryStreamExt;
use std::time::Duration;

use kivigo_core::backend::{OpenHandle, chunks, last_write_wins, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};
use mongodb::bson::{Binary, Bson, Document, doc, spec::BinarySubtype};
use mongodb::options::{ClientOptions, ReadPreference, SelectionCriteria};
use mongodb::{Client, Collection, Database};

use crate::config::MongoConfig;
use crate::error::{BACKEND, foreign_document, from_mongo, reported_write_error};
use crate::query::{
    CHUNK_KEY_BYTES, CHUNK_KEYS, CHUNK_WRITE_BYTES, STATEMENT_OVERHEAD, id_prefix, ids_in,
};

/// Largest key kivigo accepts. MongoDB (4.2 and later) has no limit of its own on an `_id`
/// string beyond the document size; this one keeps every key and value that pass the checks
/// inside one 16 MiB document.
pub const MAX_KEY_SIZE: usize = 64 << 10;

/// Largest value kivigo accepts: a document may hold 16 MiB, and the key, field names and the
/// `update` command around the value need room (see [`MAX_KEY_SIZE`]).
pub const MAX_VALUE_SIZE: usize = (16 << 20) - (128 << 10);

const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_native_batch(true)
    // Each document write is atomic, a batch is not: without a multi-document transaction
    // (which needs a replica set) a failure can leave part of a batch applied.
    .with_atomic_batch(Atomicity::None)
    .with_max_key_size(MAX_KEY_SIZE)
    .with_max_value_size(MAX_VALUE_SIZE);

/// The driver handles; all are cheap to clone (they share one connection pool).
#[derive(Clone)]
struct Handles {
    client: Client,
    database: Database,
    collection: Collection<Document>,
}

/// A key-value store in one MongoDB collection: one document `{ _id: key, v: <binary> }` per
/// key.
///
/// Build it with [`MongoBackend::open`], [`MongoBackend::with_client`] or through
/// `kivigo::open("mongodb://127.0.0.1:27017/?collection=kv")`.
pub struct MongoBackend {
    handles: OpenHandle<Handles>,
    /// Whether `close` shuts the driver's client down (false when the caller handed it in).
    owns_client: bool,
    database: String,
    collection: String,
}

impl std::fmt::Debug for MongoBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoBackend")
            .field("database", &self.database)
            .field("collection", &self.collection)
            .finish_non_exhaustive()
    }
}

impl MongoBackend {
    /// Connects to the deployment of `config.uri` and checks that it answers and that the
    /// collection compares keys byte for byte (see [`MongoBackend::with_client`]).
    pub async fn open(config: MongoConfig) -> Result<Self> {
        config.check_names()?;
        let mut options = ClientOptions::parse(&config.uri)
            .await
            .map_err(|err| from_mongo(err, Operation::Open))?;
        options.app_name.get_or_insert_with(|| "kivigo".to_owned());
        let client =
            Client::with_options(options).map_err(|err| from_mongo(err, Operation::Open))?;
        let backend = Self::build(client.clone(), &config, true);
        if let Err(err) = backend.check_collection().await {
            client.shutdown().immediate(true).await;
            return Err(err);
        }
        Ok(backend)
    }

    /// Uses a client the application already has (for options that a URL cannot carry). `close`
    /// then leaves the client running.
    ///
    /// Like [`MongoBackend::open`], it checks that the server answers, and that the collection,
    /// if it exists, has no collation other than the default `simple` one: under a
    /// case-insensitive collation `K1` and `k1` would be one `_id`, which breaks the contract.
    pub async fn with_client(client: Client, database: &str, collection: &str) -> Result<Self> {
        let config = MongoConfig {
            uri: String::new(),
            database: database.to_owned(),
            collection: collection.to_owned(),
        };
        config.check_names()?;
        let backend = Self::build(client, &config, false);
        backend.check_collection().await?;
        Ok(backend)
    }

    fn build(client: Client, config: &MongoConfig, owns_client: bool) -> Self {
        let database = client.database(&config.database);
        let collection = database.collection::<Document>(&config.collection);
        Self {
            handles: OpenHandle::new(
                BACKEND,
                Handles {
                    client,
                    database,
                    collection,
                },
            ),
            owns_client,
            database: config.database.clone(),
            collection: config.collection.clone(),
        }
    }

    /// Removes the whole collection, its documents and indexes. The backend stays open; the next
    /// write creates the collection again.
    pub async fn drop_collection(&self) -> Result<()> {
        let Handles { collection, .. } = self.handles.get()?;
        collection
            .drop()
            .await
            .map_err(|err| from_mongo(err, Operation::Close))
    }

    /// One round trip (`listCollections` on this collection's name): fails with
    /// `Error::Unavailable` when no server answers, and with `Error::Config` when the collection
    /// exists with a non-simple default collation.
    async fn check_collection(&self) -> Result<()> {
        let Handles { database, .. } = self.handles.get()?;
        let reply = database
            .run_command(doc! {
                "listCollections": 1,
                "filter": { "name": &self.collection },
            })
            .selection_criteria(primary())
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            // A user allowed to read and write the collection but not to list collections: the
            // server answered, and the collation cannot be checked.
            Err(err) if is_unauthorized(&err) => return Ok(()),
            Err(err) => return Err(from_mongo(err, Operation::Open)),
        };
        let locale = collation_locale(&reply);
        match locale {
            Some(locale) if locale != "simple" => Err(Error::config(format!(
                "collection {}.{} has the default collation `{locale}`; kivigo needs keys \
                 compared byte for byte (the `simple` collation): use another collection",
                self.database, self.collection
            ))),
            _ => Ok(()),
        }
    }

    fn collection(&self) -> Result<Collection<Document>> {
        Ok(self.handles.get()?.collection)
    }

    /// Runs one `update` command with an upsert per entry. The command (rather than
    /// `Client::bulk_write`, which needs MongoDB 8.0) works on every server version.
    async fn upsert_chunk(&self, database: &Database, chunk: &[&Entry]) -> Result<()> {
        let updates: Vec<Document> = chunk
            .iter()
            .map(|(key, value)| {
                doc! {
                    "q": { "_id": key.as_str() },
                    "u": { "$set": { "v": binary(value) } },
                    "upsert": true,
                }
            })
            .collect();
        let mut command = doc! {
            "update": &self.collection,
            "updates": updates,
            "ordered": false,
        };
        // run_command sends the document as it is: carry the write concern of the URL over.
        if let Some(concern) = database.write_concern()
            && *concern != mongodb::options::WriteConcern::default()
        {
            let concern = mongodb::bson::to_bson(concern)
                .map_err(|err| Error::permanent(BACKEND, Operation::BatchSet, err))?;
            command.insert("writeConcern", concern);
        }
        let reply = database
            .run_command(command)
            .selection_criteria(primary())
            .await
            .map_err(|err| from_mongo(err, Operation::BatchSet))?;
        check_write_reply(&reply, chunk.len())
    }
}

#[async_trait]
impl Backend for MongoBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        let found = self
            .collection()?
            .find_one(doc! { "_id": key })
            .projection(doc! { "v": 1 })
            .await
            .map_err(|err| from_mongo(err, Operation::Get))?;
        found
            .map(|mut document| take_value(key, &mut document, Operation::Get))
            .transpose()
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        self.collection()?
            .update_one(doc! { "_id": key }, doc! { "$set": { "v": binary(value) } })
            .upsert(true)
            .await
            .map_err(|err| from_mongo(err, Operation::Set))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let result = self
            .collection()?
            .delete_one(doc! { "_id": key })
            .await
            .map_err(|err| from_mongo(err, Operation::Delete))?;
        Ok(result.deleted_count > 0)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut cursor = self
            .collection()?
            .find(id_prefix(prefix))
            .projection(doc! { "_id": 1 })
            .sort(doc! { "_id": 1 })
            .await
            .map_err(|err| from_mongo(err, Operation::List))?;
        let mut keys = Vec::new();
        while let Some(mut document) = cursor
            .try_next()
            .await
            .map_err(|err| from_mongo(err, Operation::List))?
        {
            // MongoDB's $regex only matches strings; some wire-compatible servers also match
            // other _id types, which are not kivigo keys either way.
            if let Some(Bson::String(key)) = document.remove("_id") {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let collection = self.collection()?;
        let distinct: Vec<&String> = unique(keys).collect();
        let mut found = HashMap::with_capacity(distinct.len());
        for chunk in chunks(&distinct, CHUNK_KEYS, CHUNK_KEY_BYTES, |key| key.len()) {
            let mut cursor = collection
                .find(ids_in(chunk))
                .await
                .map_err(|err| from_mongo(err, Operation::BatchGet))?;
            while let Some(mut document) = cursor
                .try_next()
                .await
                .map_err(|err| from_mongo(err, Operation::BatchGet))?
            {
                let key = take_id(&mut document, Operation::BatchGet)?;
                let value = take_value(&key, &mut document, Operation::BatchGet)?;
                found.insert(key, value);
            }
        }
        Ok(found)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        let Handles { database, .. } = self.handles.get()?;
        let latest = last_write_wins(entries);
        let size = |(key, value): &&Entry| key.len() + value.len() + STATEMENT_OVERHEAD;
        for chunk in chunks(&latest, CHUNK_KEYS, CHUNK_WRITE_BYTES, size) {
            self.upsert_chunk(&database, chunk).await?;
        }
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let collection = self.collection()?;
        let distinct: Vec<&String> = unique(keys).collect();
        let mut existed = 0;
        for chunk in chunks(&distinct, CHUNK_KEYS, CHUNK_KEY_BYTES, |key| key.len()) {
            existed += collection
                .delete_many(ids_in(chunk))
                .await
                .map_err(|err| from_mongo(err, Operation::BatchDelete))?
                .deleted_count;
        }
        Ok(existed)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::Ttl))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Expire, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::Expire))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        validate::check_ttl(&CAPABILITIES, Operation::SetIfAbsent, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::SetIfAbsent))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        _expected: Option<&[u8]>,
        _new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::CompareAndSwap))
    }

    async fn increment(&self, key: &str, _delta: i64) -> Result<i64> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::Increment))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(BACKEND, Operation::Scan))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&CAPABILITIES, ops)?;
        Err(Error::unsupported(BACKEND, Operation::BatchWrite))
    }

    async fn health(&self) -> Result<()> {
        let Handles { database, .. } = self.handles.get()?;
        database
            .run_command(doc! { "ping": 1 })
            .selection_criteria(primary())
            .await
            .map_err(|err| from_mongo(err, Operation::Health))?;
        Ok(())
    }

    async fn close(&self) -> Result<()> {
        if let Some(Handles { client, .. }) = self.handles.take()
            && self.owns_client
        {
            client.shutdown().await;
        }
        Ok(())
    }
}

/// MongoDB's `Unauthorized` (13): the user lacks the privilege for this command.
fn is_unauthorized(err: &mongodb::error::Error) -> bool {
    matches!(err.kind.as_ref(), mongodb::error::ErrorKind::Command(command) if command.code == 13)
}

/// The default collation of the collection a `listCollections` reply describes, if any.
fn collation_locale(reply: &Document) -> Option<&str> {
    reply
        .get_document("cursor")
        .ok()?
        .get_array("firstBatch")
        .ok()?
        .first()?
        .as_document()?
        .get_document("options")
        .ok()?
        .get_document("collation")
        .ok()?
        .get_str("locale")
        .ok()
}

/// Writes go to the primary whatever read preference the URL sets.
fn primary() -> SelectionCriteria {
    SelectionCriteria::ReadPreference(ReadPreference::Primary)
}

fn binary(value: &[u8]) -> Binary {
    Binary {
        subtype: BinarySubtype::Generic,
        bytes: value.to_vec(),
    }
}

/// The `_id` of a listed or fetched document, which kivigo always writes as a string.
fn take_id(document: &mut Document, operation: Operation) -> Result<String> {
    match document.remove("_id") {
        Some(Bson::String(key)) => Ok(key),
        other => Err(Error::permanent(
            BACKEND,
            operation,
            format!("a document has a non-string _id {other:?}; was it written by kivigo?"),
        )),
    }
}

/// The bytes of field `v`, whatever its binary subtype.
fn take_value(key: &str, document: &mut Document, operation: Operation) -> Result<Vec<u8>> {
    match document.remove("v") {
        Some(Bson::Binary(Binary { bytes, .. })) => Ok(bytes),
        _ => Err(foreign_document(key, operation)),
    }
}

/// Checks the reply of an `update` command: the command can succeed (`ok: 1`) while some of its
/// statements failed, which the reply lists under `writeErrors`.
fn check_write_reply(reply: &Document, statements: usize) -> Result<()> {
    if let Ok(errors) = reply.get_array("writeErrors")
        && let Some(first) = errors.first().and_then(Bson::as_document)
    {
        let code = first.get_i32("code").unwrap_or_default();
        let message = first.get_str("errmsg").unwrap_or("no message");
        let message = format!("{message} ({} of {statements} failed)", errors.len());
        return Err(reported_write_error(Operation::BatchSet, code, &message));
    }
    if let Ok(concern) = reply.get_document("writeConcernError") {
        let code = concern.get_i32("code").unwrap_or_default();
        let message = concern.get_str("errmsg").unwrap_or("no message");
        return Err(reported_write_error(
            Operation::BatchSet,
            code,
            &format!("write concern not satisfied: {message}"),
        ));
    }
    let applied = match reply.get("n") {
        Some(Bson::Int32(n)) => usize::try_from(*n).ok(),
        Some(Bson::Int64(n)) => usize::try_from(*n).ok(),
        _ => None,
    };
    match applied {
        Some(n) if n == statements => Ok(()),
        other => Err(Error::permanent(
            BACKEND,
            Operation::BatchSet,
            format!(
                "batch_set: the server applied {other:?} of {statements} upserts; reply {reply}"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_is_read_from_the_list_collections_reply() {
        let with = |options: Document| {
            doc! { "ok": 1, "cursor": { "id": 0_i64, "firstBatch": [
                { "name": "kv", "type": "collection", "options": options },
            ] } }
        };
        let strength_two = with(doc! { "collation": { "locale": "en", "strength": 2 } });
        assert_eq!(collation_locale(&strength_two), Some("en"));
        let simple = with(doc! { "collation": { "locale": "simple" } });
        assert_eq!(collation_locale(&simple), Some("simple"));
        assert_eq!(collation_locale(&with(doc! {})), None);
        let missing = doc! { "ok": 1, "cursor": { "id": 0_i64, "firstBatch": [] } };
        assert_eq!(collation_locale(&missing), None);
    }

    #[test]
    fn write_replies_are_checked() {
        assert!(check_write_reply(&doc! { "ok": 1, "n": 2 }, 2).is_ok());
        assert!(check_write_reply(&doc! { "ok": 1, "n": 1_i64 }, 1).is_ok());
        let short = check_write_reply(&doc! { "ok": 1, "n": 1 }, 2).expect_err("short");
        assert!(short.to_string().contains("1 of 2") || short.to_string().contains("Some(1)"));
        let failed = doc! { "ok": 1, "n": 1, "writeErrors": [
            { "index": 1, "code": 11000, "errmsg": "E11000 duplicate key" },
        ] };
        let err = check_write_reply(&failed, 2).expect_err("write error");
        assert!(err.is_transient(), "{err}");
        assert!(err.to_string().contains("E11000"), "{err}");
        let concern =
            doc! { "ok": 1, "n": 2, "writeConcernError": { "code": 64, "errmsg": "waiting" } };
        assert!(check_write_reply(&concern, 2).is_err());
    }
}
