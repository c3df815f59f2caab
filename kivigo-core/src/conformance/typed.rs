//! Cases for the typed client and its codecs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::support::expect_err;
use crate::{Backend, Client, Codec, Error, Json};

/// A value that exercises most of serde's data model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Profile {
    id: u64,
    name: String,
    score: f64,
    tags: Vec<String>,
    manager: Option<Box<Profile>>,
    attributes: BTreeMap<String, i32>,
    role: Role,
    raw: Vec<u8>,
    nothing: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Role {
    Guest,
    Member { since: u32 },
    Admin(String),
}

fn sample(id: u64) -> Profile {
    Profile {
        id,
        name: format!("Zoë #{id} — 日本"),
        score: -12.5e-3,
        tags: vec!["a".into(), String::new(), "\"quoted\"".into()],
        manager: Some(Box::new(Profile {
            id: u64::MAX,
            name: "boss".into(),
            score: 0.0,
            tags: vec![],
            manager: None,
            attributes: BTreeMap::new(),
            role: Role::Admin("root".into()),
            raw: vec![],
            nothing: None,
        })),
        attributes: [("x".to_owned(), -1), ("y".to_owned(), i32::MAX)].into(),
        role: Role::Member { since: 2024 },
        raw: (0..=255).collect(),
        nothing: None,
    }
}

async fn round_trip<C: Codec>(backend: &Arc<dyn Backend>, codec: C) {
    let client = Client::with_codec(backend.clone(), codec);
    let key = format!("typed/{}", C::NAME);
    let value = sample(7);
    client.set(&key, &value).await.expect("typed set");
    let back: Option<Profile> = client.get(&key).await.expect("typed get");
    assert_eq!(back, Some(value), "round trip through {}", C::NAME);
    client.set(&key, &Role::Guest).await.expect("enum set");
    assert_eq!(
        client.get::<Role>(&key).await.expect("enum get"),
        Some(Role::Guest)
    );
    client.set(&key, "plain str").await.expect("unsized set");
    assert_eq!(
        client.get::<String>(&key).await.expect("get"),
        Some("plain str".into())
    );
}

/// Structs, enums, options, maps and bytes round-trip through JSON and, when the feature is on,
/// MessagePack.
pub async fn typed_values_round_trip_through_every_codec(backend: Arc<dyn Backend>) {
    round_trip(&backend, Json).await;
    #[cfg(feature = "msgpack")]
    round_trip(&backend, crate::MsgPack).await;
}

/// Typed batch set and get: missing keys are left out and values come back typed.
pub async fn typed_batches_round_trip(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend);
    let (one, two) = (sample(1), sample(2));
    client
        .batch_set([("p1", &one), ("p2", &two)])
        .await
        .expect("typed batch_set");
    let found: HashMap<String, Profile> = client
        .batch_get(["p1", "p2", "p3"])
        .await
        .expect("typed batch_get");
    assert_eq!(found.len(), 2);
    assert_eq!(found.get("p1"), Some(&one));
    assert_eq!(found.get("p2"), Some(&two));
    assert_eq!(
        client
            .batch_delete(["p1", "p2", "p3"])
            .await
            .expect("delete"),
        2
    );
}

/// Bytes that do not decode give a `Decode` error naming the key, in single and batch reads.
pub async fn decode_error_names_the_key(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend);
    client
        .set_raw("not-json", b"\xff\x00 definitely not json", None)
        .await
        .expect("set raw");
    let names_key = |e: &Error| matches!(e, Error::Decode { key, .. } if key == "not-json");
    expect_err(
        client.get::<Profile>("not-json").await,
        "typed get",
        names_key,
    );
    expect_err(
        client.batch_get::<Profile, _, _>(["not-json"]).await,
        "typed batch_get",
        names_key,
    );
    client.set("number", &5_u8).await.expect("set");
    expect_err(
        client.get::<Profile>("number").await,
        "wrong type",
        |e| matches!(e, Error::Decode { key, codec: "json", .. } if key == "number"),
    );
}

/// `has_key` is true for a stored key (even with an empty value) and false otherwise.
pub async fn has_key_reports_presence(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend);
    assert!(!client.has_key("h").await.expect("has_key"));
    client.set_raw("h", b"", None).await.expect("set");
    assert!(client.has_key("h").await.expect("has_key"));
    assert!(client.delete("h").await.expect("delete"));
    assert!(!client.has_key("h").await.expect("has_key"));
}
