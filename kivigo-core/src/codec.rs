//! Codecs turn typed values into the bytes a backend stores, and back.

use serde::{Serialize, de::DeserializeOwned};

use crate::BoxError;

/// A serde format used by [`crate::Client`] to store typed values.
///
/// Implement it to plug in another format; any type that implements `Serialize` and
/// `DeserializeOwned` must round-trip.
pub trait Codec: Clone + Send + Sync + 'static {
    /// Short name used in error messages (`"json"`, `"msgpack"`).
    const NAME: &'static str;

    /// Encodes a value to bytes.
    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, BoxError>;

    /// Decodes bytes produced by [`Codec::encode`].
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, BoxError>;
}

/// JSON through serde_json: readable in any tool that looks at the store. The default codec.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Codec for Json {
    const NAME: &'static str = "json";

    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, BoxError> {
        Ok(serde_json::to_vec(value)?)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, BoxError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// MessagePack through rmp-serde: smaller and faster than JSON. Structs are written as maps
/// with field names, so adding a field later stays readable.
#[cfg(feature = "msgpack")]
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgPack;

#[cfg(feature = "msgpack")]
impl Codec for MsgPack {
    const NAME: &'static str = "msgpack";

    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, BoxError> {
        Ok(rmp_serde::to_vec_named(value)?)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, BoxError> {
        Ok(rmp_serde::from_slice(bytes)?)
    }
}
