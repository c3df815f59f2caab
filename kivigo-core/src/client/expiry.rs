//! Time-to-live on the typed client: read it, change it, drop it.

use std::time::Duration;

use super::Client;
use crate::backend::validate;
use crate::{Codec, KeyTtl, Operation, Result};

impl<C: Codec> Client<C> {
    /// The time-to-live of `key`: missing, persistent, or the time left.
    pub async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(self.capabilities(), key)?;
        self.backend.ttl(key).await
    }

    /// Makes an existing key expire after `ttl`; returns whether the key existed.
    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<bool> {
        self.expire_raw(key, Some(ttl)).await
    }

    /// Makes an existing key persistent (removes its TTL); returns whether the key existed.
    pub async fn persist(&self, key: &str) -> Result<bool> {
        self.expire_raw(key, None).await
    }

    async fn expire_raw(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        let caps = self.capabilities();
        validate::check_key(caps, key)?;
        validate::check_ttl(caps, Operation::Expire, ttl)?;
        self.backend.expire(key, ttl).await
    }
}
