//! The conformance suite: one async function per rule of the contract, run against every
//! backend, every wrapper and the facade's URL path.
//!
//! A backend crate runs the whole suite with one macro call in a test file:
//!
//! ```no_run
//! use std::sync::Arc;
//! use kivigo_core::{Backend, MemoryBackend, conformance::Harness};
//!
//! struct Memory;
//!
//! #[kivigo_core::async_trait]
//! impl Harness for Memory {
//!     async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
//!         // A fresh store that no other test sees.
//!         Some(Arc::new(MemoryBackend::new()))
//!     }
//! }
//!
//! kivigo_core::conformance_tests!(Memory);
//! # fn main() {}
//! ```
//!
//! Each case becomes its own `#[tokio::test]`, so the test crate needs `tokio` (features
//! `macros`, `rt-multi-thread`) as a dev-dependency. A case that needs a capability the backend
//! does not report checks that the backend answers [`crate::Error::Unsupported`] instead.

mod batch;
mod concurrency;
mod harness;
mod input;
mod lifecycle;
mod list;
pub mod process;
mod single;
mod support;
mod typed;

pub use batch::*;
pub use concurrency::*;
pub use harness::{Harness, require_servers, run, run_id, server_url};
pub use input::*;
pub use lifecycle::*;
pub use list::*;
pub use single::*;
pub use typed::*;

/// Generates one `#[tokio::test]` per conformance case for a [`Harness`] value.
///
/// See the [module documentation](self) for a complete example.
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::conformance_tests!(@cases $harness;
            get_missing_key_is_none,
            set_then_get_returns_value,
            set_overwrites,
            delete_reports_whether_key_existed,
            keys_are_case_sensitive,
            unicode_keys_round_trip,
            every_byte_value_round_trips,
            empty_value_is_not_missing,
            one_mib_value_round_trips,
            empty_key_is_rejected_before_io,
            oversized_key_is_rejected,
            oversized_value_is_rejected,
            list_is_sorted_and_unique,
            list_empty_prefix_lists_every_key,
            list_prefix_is_literal,
            list_escapes_backslash_and_anchors,
            list_is_case_sensitive,
            list_without_match_is_empty,
            batch_get_leaves_missing_keys_out,
            batch_get_accepts_duplicate_keys,
            empty_batches_are_no_ops,
            batch_set_last_write_wins,
            batch_delete_counts_existing_keys_once,
            batch_of_ten_thousand_keys,
            concurrent_tasks_lose_nothing,
            typed_values_round_trip_through_every_codec,
            typed_batches_round_trip,
            decode_error_names_the_key,
            has_key_reports_presence,
            health_is_ok,
            close_is_idempotent_and_later_calls_fail,
            capabilities_are_consistent,
        );
    };
    (@cases $harness:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::conformance::run(&$harness, stringify!($case), $crate::conformance::$case)
                    .await;
            }
        )*
    };
}
