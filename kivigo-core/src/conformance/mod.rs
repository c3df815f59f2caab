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
//! `macros`, `rt-multi-thread`, `time`) as a dev-dependency. A case that needs a capability the
//! backend does not report checks that the backend answers [`crate::Error::Unsupported`] for
//! that operation (and wrote nothing), then stops: what is reported works, what is not is
//! refused.
//!
//! The cases, by file: single keys, bad input, `list`, batches and the typed client (contract
//! v1); expiry with and without waiting (`expiry`, `ttl`), conditional writes, counters, scans
//! and the client's streams, `batch_write`, the client's helpers (`update`, `get_or_set_with`,
//! `get_many`...), and close and capabilities for all of it (contract v2).
//!
//! Waiting for a key to expire is the only wait on the clock: an expiry case writes with the
//! shortest TTL the backend allows that leaves time to read the key back (its
//! [`TtlSupport::min`](crate::TtlSupport::min), raised to 1 s for stores with a finer tick),
//! waits once until [`TtlSupport::gone_after`](crate::TtlSupport::gone_after) that TTL, and
//! checks every read path. Stores with whole-second clocks (memcached, etcd) take a few seconds
//! per case; the cases run in parallel. Races use barriers and task joins, never sleeps.

mod batch;
mod batch_write;
mod client_helpers;
mod concurrency;
mod conditional;
mod counter;
mod deadline;
mod expiry;
mod gates;
mod harness;
mod input;
mod lifecycle;
mod list;
mod paths;
pub mod process;
mod scan;
mod single;
mod support;
mod ttl;
mod typed;

pub use batch::*;
pub use batch_write::*;
pub use client_helpers::*;
pub use concurrency::*;
pub use conditional::*;
pub use counter::*;
pub use expiry::*;
pub use harness::{Harness, require_servers, run, run_id, server_url};
pub use input::*;
pub use lifecycle::*;
pub use list::*;
pub use scan::*;
pub use single::*;
pub use ttl::*;
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
            // Contract v2: expiry, waiting for the deadline.
            expired_key_is_gone_for_every_read_path,
            key_is_never_gone_before_its_ttl,
            expire_makes_an_existing_key_expire,
            persist_keeps_a_key_past_its_old_deadline,
            plain_writes_clear_an_earlier_ttl,
            batch_set_with_ttl_expires_every_entry,
            batch_write_put_with_ttl_expires,
            set_if_absent_with_ttl_expires,
            expired_key_is_absent_for_conditional_writes,
            // Expiry without waiting.
            ttl_reads_back_missing_persistent_or_remaining,
            expire_reports_whether_the_key_existed,
            client_ttl_helpers_read_back,
            increment_keeps_an_existing_ttl,
            conditional_writes_leave_the_ttl_they_say,
            zero_ttl_is_invalid_before_io,
            batch_set_with_ttl_and_a_bad_entry_writes_nothing,
            // Conditional writes.
            set_if_absent_writes_only_missing_keys,
            set_if_absent_race_has_one_winner,
            compare_and_swap_swaps_only_on_match,
            compare_and_swap_none_expected_means_absent,
            compare_and_swap_none_new_deletes_if_equal,
            compare_and_swap_compares_bytes_exactly,
            compare_and_swap_counter_race_is_exact,
            // Counters.
            increment_counts_from_zero_both_ways,
            increment_reads_a_value_written_by_set,
            increment_refuses_values_that_are_not_numbers,
            increment_overflow_is_an_error,
            increment_race_is_exact,
            // Scans and streams.
            scan_pages_cover_the_prefix,
            scan_resumes_from_a_saved_cursor,
            scan_prefix_is_literal,
            scan_empty_prefix_scans_everything,
            scan_limit_zero_is_invalid,
            typed_streams_cover_the_prefix,
            // batch_write.
            batch_write_applies_puts_and_deletes,
            batch_write_last_operation_wins,
            empty_batch_write_is_a_no_op,
            batch_write_with_a_bad_op_writes_nothing,
            batch_write_of_thousands_of_ops,
            typed_batch_write_with_put_op,
            // The typed client's helpers.
            update_race_is_exact,
            update_returning_none_deletes,
            get_or_set_with_computes_once,
            get_many_and_exists_many_keep_order,
            typed_conditional_writes,
            typed_counters_are_json_numbers,
            // Lifecycle.
            v2_operations_fail_after_close,
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
